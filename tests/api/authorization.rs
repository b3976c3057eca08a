//! Authorization matrix: someone who is not a member of a chat — never was, was
//! removed, or left — reads and changes nothing of it through any field.

use serde_json::{json, Value};

use crate::helpers::{
    chats::{group, SEND},
    gql, gql_error, quick_user, spawn_app, TestApp,
};

/// Every read and write path that takes a chat or message id.
const PROBES: &[(&str, &str)] = &[
    ("chat", "query($c: ID!) { chat(id: $c) { id } }"),
    ("messages", "query($c: ID!) { messages(chatId: $c) { edges { node { id } } } }"),
    ("message", "query($m: ID!) { message(id: $m) { id } }"),
    ("thread", "query($m: ID!) { thread(messageId: $m) { id } }"),
    ("searchMessages in chat", "query($c: ID!) { searchMessages(query: \"secret\", chatId: $c) { id } }"),
    ("chatAttachments", "query($c: ID!) { chatAttachments(chatId: $c) { id } }"),
    ("sendMessage", "mutation($c: ID!) { sendMessage(input: { chatId: $c, text: \"x\" }) { id } }"),
    ("editMessage", "mutation($m: ID!) { editMessage(messageId: $m, text: \"x\") { id } }"),
    ("deleteMessage", "mutation($m: ID!) { deleteMessage(messageId: $m, forAll: true) }"),
    ("toggleReaction", "mutation($m: ID!) { toggleReaction(messageId: $m, emoji: \"👍\") { count } }"),
    ("markMessages", "mutation($c: ID!, $m: ID!) { markMessages(chatId: $c, messageId: $m, status: READ) { lastReadMessageId } }"),
    ("forwardMessage from it", "mutation($m: ID!, $own: ID!) { forwardMessage(messageId: $m, targetChatIds: [$own]) { id } }"),
    ("pinMessage", "mutation($c: ID!, $m: ID!) { pinMessage(chatId: $c, messageId: $m) { id } }"),
    ("updateChat", "mutation($c: ID!) { updateChat(chatId: $c, input: { title: \"x\" }) { id } }"),
    ("createInviteLink", "mutation($c: ID!) { createInviteLink(chatId: $c) { token } }"),
    ("clearChatHistory", "mutation($c: ID!) { clearChatHistory(chatId: $c) }"),
    ("setChatMuted", "mutation($c: ID!) { setChatMuted(chatId: $c, muted: true) { id } }"),
    ("leaveChat", "mutation($c: ID!) { leaveChat(chatId: $c) }"),
];

async fn assert_locked_out(app: &TestApp, token: &str, who: &str, chat: &str, message: &str) {
    let own = group(app, token, &format!("{who}'s own"), &[]).await;
    let vars = json!({ "c": chat, "m": message, "own": own });
    for (name, query) in PROBES {
        let code = gql_error(app, token, query, vars.clone()).await;
        assert!(
            code == "FORBIDDEN" || code == "NOT_FOUND",
            "{who} via {name}: {code}"
        );
    }
    let data = gql(app, token, "{ searchMessages(query: \"secret\") { id } search(query: \"secret\") { messages { id } chats { id } } }", json!({})).await;
    assert_eq!(data["searchMessages"], json!([]), "{who}: global search");
    assert_eq!(data["search"]["messages"], json!([]), "{who}: search");
    assert_eq!(data["search"]["chats"], json!([]), "{who}: search chats");
    let list = gql(app, token, "{ chats { edges { node { id } } } }", json!({})).await;
    let listed: Vec<&Value> = list["chats"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .collect();
    assert!(
        listed.iter().all(|e| e["node"]["id"] != chat),
        "{who}: chat list"
    );
}

#[tokio::test]
async fn outsiders_removed_members_and_leavers_cannot_touch_a_chat() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let (outsider, _) = quick_user(&app, "Outsider").await;
    let (removed, removed_id) = quick_user(&app, "Removed").await;
    let (leaver, leaver_id) = quick_user(&app, "Leaver").await;
    let chat = group(&app, &owner, "Secret room", &[&removed_id, &leaver_id]).await;
    let data = gql(
        &app,
        &owner,
        SEND,
        json!({ "c": chat, "t": "the secret plan" }),
    )
    .await;
    let message = data["sendMessage"]["id"].as_str().expect("id").to_owned();

    gql(
        &app,
        &owner,
        "mutation($c: ID!, $u: ID!) { removeChatMember(chatId: $c, userId: $u) }",
        json!({ "c": chat, "u": removed_id }),
    )
    .await;
    gql(
        &app,
        &leaver,
        "mutation($c: ID!) { leaveChat(chatId: $c) }",
        json!({ "c": chat }),
    )
    .await;

    assert_locked_out(&app, &outsider, "outsider", &chat, &message).await;
    assert_locked_out(&app, &removed, "removed member", &chat, &message).await;
    assert_locked_out(&app, &leaver, "leaver", &chat, &message).await;

    // Nothing changed for the members.
    let data = gql(
        &app,
        &owner,
        "query($c: ID!) { chat(id: $c) { title muted pinnedMessageId membersCount } }",
        json!({ "c": chat }),
    )
    .await;
    assert_eq!(
        data["chat"],
        json!({ "title": "Secret room", "muted": false, "pinnedMessageId": null, "membersCount": 1 })
    );
}

#[tokio::test]
async fn a_blocked_user_cannot_write_into_the_private_chat() {
    let app = spawn_app().await;
    let (alice, alice_id) = quick_user(&app, "Alice").await;
    let (bob, bob_id) = quick_user(&app, "Bob").await;
    let chat = crate::helpers::chats::private(&app, &alice, &bob_id).await;
    let data = gql(&app, &alice, SEND, json!({ "c": chat, "t": "hi" })).await;
    let message = data["sendMessage"]["id"].as_str().expect("id").to_owned();
    gql(
        &app,
        &bob,
        "mutation($u: ID!) { blockUser(userId: $u) { id } }",
        json!({ "u": alice_id }),
    )
    .await;
    assert_eq!(
        gql_error(&app, &alice, SEND, json!({ "c": chat, "t": "hello?" })).await,
        "FORBIDDEN"
    );
    let forward =
        "mutation($m: ID!, $c: ID!) { forwardMessage(messageId: $m, targetChatIds: [$c]) { id } }";
    assert_eq!(
        gql_error(&app, &alice, forward, json!({ "m": message, "c": chat })).await,
        "FORBIDDEN"
    );
    assert_eq!(
        gql_error(&app, &bob, SEND, json!({ "c": chat, "t": "no" })).await,
        "FORBIDDEN"
    );
}
