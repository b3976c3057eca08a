//! Messages over GraphQL (messenger-rest-api.md §8): a scripted conversation.

use serde_json::{json, Value};

use crate::helpers::{
    chats::{group, SEND},
    gql, gql_error, quick_user, spawn_app, TestApp,
};

const SEND_FULL: &str = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id text clientMessageId replyTo { id } sender { id } } }";
const PAGE: &str = "query($c: ID!, $f: Int, $a: String, $l: Int, $b: String) {
    messages(chatId: $c, first: $f, after: $a, last: $l, before: $b) {
        edges { cursor node { id text } }
        pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }";

async fn send(app: &crate::helpers::TestApp, token: &str, chat: &str, text: &str) -> String {
    let data = gql(app, token, SEND, json!({ "c": chat, "t": text })).await;
    data["sendMessage"]["id"].as_str().expect("id").to_owned()
}

fn texts(data: &Value) -> Vec<String> {
    data["messages"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_retry_with_the_same_client_message_id_returns_the_same_message() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let chat = group(&app, &alice, "Idem", &[]).await;
    let other = group(&app, &alice, "Other", &[]).await;
    let input =
        json!({ "i": { "chatId": chat, "text": "once", "clientMessageId": "client-msg-0001" } });
    let first = gql(&app, &alice, SEND_FULL, input.clone()).await;
    let second = gql(&app, &alice, SEND_FULL, input).await;
    assert_eq!(first["sendMessage"]["id"], second["sendMessage"]["id"]);
    let page = gql(&app, &alice, PAGE, json!({ "c": chat })).await;
    assert_eq!(texts(&page), ["once"], "no duplicate");
    let elsewhere =
        json!({ "i": { "chatId": other, "text": "x", "clientMessageId": "client-msg-0001" } });
    assert_eq!(
        gql_error(&app, &alice, SEND_FULL, elsewhere).await,
        "CONFLICT"
    );
    for bad in [
        json!({ "chatId": chat, "text": "  " }),
        json!({ "chatId": chat, "text": "x".repeat(10_001) }),
    ] {
        assert_eq!(
            gql_error(&app, &alice, SEND_FULL, json!({ "i": bad })).await,
            "BAD_USER_INPUT"
        );
    }
}

#[tokio::test]
async fn pages_go_both_ways_with_stable_cursors() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let chat = group(&app, &alice, "Pages", &[]).await;
    for i in 0..7 {
        send(&app, &alice, &chat, &format!("m{i}")).await;
    }
    let last = gql(&app, &alice, PAGE, json!({ "c": chat, "l": 3 })).await;
    assert_eq!(texts(&last), ["m4", "m5", "m6"]);
    assert_eq!(last["messages"]["pageInfo"]["hasPreviousPage"], true);
    let before = last["messages"]["pageInfo"]["startCursor"].clone();
    let earlier = gql(
        &app,
        &alice,
        PAGE,
        json!({ "c": chat, "l": 3, "b": before }),
    )
    .await;
    assert_eq!(texts(&earlier), ["m1", "m2", "m3"]);
    let first = gql(&app, &alice, PAGE, json!({ "c": chat, "f": 2 })).await;
    assert_eq!(texts(&first), ["m0", "m1"]);
    assert_eq!(first["messages"]["pageInfo"]["hasNextPage"], true);
    let after = first["messages"]["pageInfo"]["endCursor"].clone();
    let next = gql(&app, &alice, PAGE, json!({ "c": chat, "f": 2, "a": after })).await;
    assert_eq!(texts(&next), ["m2", "m3"]);
    let too_many = json!({ "c": chat, "f": 101 });
    assert_eq!(
        gql_error(&app, &alice, PAGE, too_many).await,
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn edit_and_delete_follow_who_may_do_what() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let (bob, bob_id) = quick_user(&app, "Bob").await;
    let chat = group(&app, &alice, "Edits", &[&bob_id]).await;
    let id = send(&app, &alice, &chat, "draft").await;
    let edit =
        "mutation($m: ID!, $t: String!) { editMessage(messageId: $m, text: $t) { text editedAt } }";
    assert_eq!(
        gql_error(&app, &bob, edit, json!({ "m": id, "t": "hack" })).await,
        "FORBIDDEN"
    );
    let data = gql(&app, &alice, edit, json!({ "m": id, "t": "final" })).await;
    assert_eq!(data["editMessage"]["text"], "final");
    assert!(data["editMessage"]["editedAt"].is_string());

    let keep = send(&app, &bob, &chat, "bob's").await;
    let delete = "mutation($m: ID!, $all: Boolean) { deleteMessage(messageId: $m, forAll: $all) }";
    gql(&app, &alice, delete, json!({ "m": keep, "all": false })).await;
    assert_eq!(
        texts(&gql(&app, &alice, PAGE, json!({ "c": chat })).await),
        ["final"],
        "hidden for Alice"
    );
    assert_eq!(
        texts(&gql(&app, &bob, PAGE, json!({ "c": chat })).await),
        ["final", "bob's"],
        "still there for Bob"
    );
    gql(&app, &alice, delete, json!({ "m": id, "all": true })).await; // the owner may delete for all
    assert_eq!(
        texts(&gql(&app, &bob, PAGE, json!({ "c": chat })).await),
        ["bob's"]
    );
    let last = gql(
        &app,
        &bob,
        "query($c: ID!) { chat(id: $c) { lastMessage { text } } }",
        json!({ "c": chat }),
    )
    .await;
    assert_eq!(last["chat"]["lastMessage"]["text"], "bob's");
    assert_eq!(
        gql_error(&app, &bob, delete, json!({ "m": id, "all": true })).await,
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn replies_make_a_breadth_first_thread() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let chat = group(&app, &alice, "Threads", &[]).await;
    let root = send(&app, &alice, &chat, "root").await;
    let reply = |text: &'static str, to: String| json!({ "i": { "chatId": chat, "text": text, "replyToMessageId": to } });
    let a =
        gql(&app, &alice, SEND_FULL, reply("a", root.clone())).await["sendMessage"]["id"].clone();
    let b =
        gql(&app, &alice, SEND_FULL, reply("b", root.clone())).await["sendMessage"]["id"].clone();
    gql(
        &app,
        &alice,
        SEND_FULL,
        reply("a1", a.as_str().expect("id").to_owned()),
    )
    .await;
    gql(
        &app,
        &alice,
        SEND_FULL,
        reply("b1", b.as_str().expect("id").to_owned()),
    )
    .await;
    let data = gql(
        &app,
        &alice,
        "query($m: ID!) { thread(messageId: $m) { text replyTo { id } } }",
        json!({ "m": root }),
    )
    .await;
    let order: Vec<&str> = data["thread"]
        .as_array()
        .expect("list")
        .iter()
        .map(|m| m["text"].as_str().expect("text"))
        .collect();
    assert_eq!(order, ["root", "a", "b", "a1", "b1"]);
    let other = group(&app, &alice, "Elsewhere", &[]).await;
    let foreign = json!({ "i": { "chatId": other, "text": "x", "replyToMessageId": root } });
    assert_eq!(
        gql_error(&app, &alice, SEND_FULL, foreign).await,
        "BAD_USER_INPUT"
    );
}

const FORWARD: &str = "mutation($m: ID!, $t: [ID!]!, $a: Boolean) { forwardMessage(messageId: $m, targetChatIds: $t, includeAuthor: $a) { chatId text forwardedFrom { id } forwardedFromUser { id } } }";
const TOGGLE: &str = "mutation($m: ID!, $e: String!) { toggleReaction(messageId: $m, emoji: $e) { emoji count reacted } }";
const STATUS: &str = "query($c: ID!) { messages(chatId: $c) { edges { node { id deliveryStatus } } } chat(id: $c) { unreadCount unreadMentionsCount } }";

/// Alice's group "Main" with Bob, where Bob wrote "original".
struct Main {
    alice: String,
    alice_id: String,
    bob: String,
    bob_id: String,
    chat: String,
    original: String,
}

async fn main_chat(app: &TestApp) -> Main {
    let (alice, alice_id) = quick_user(app, "Alice").await;
    let (bob, bob_id) = quick_user(app, "Bob").await;
    let chat = group(app, &alice, "Main", &[&bob_id]).await;
    let original = send(app, &bob, &chat, "original").await;
    Main {
        alice,
        alice_id,
        bob,
        bob_id,
        chat,
        original,
    }
}

/// Alice writes "hey @bob look" in the chat.
async fn mention_bob(app: &TestApp, main: &Main) {
    let bob_name = gql(app, &main.bob, "{ me { username } }", json!({})).await["me"]["username"]
        .as_str()
        .expect("name")
        .to_owned();
    gql(
        app,
        &main.alice,
        SEND,
        json!({ "c": main.chat, "t": format!("hey @{bob_name} look") }),
    )
    .await;
}

#[tokio::test]
async fn a_forward_names_the_original_author_only_when_asked() {
    let app = spawn_app().await;
    let Main {
        alice,
        bob_id,
        original: id,
        ..
    } = main_chat(&app).await;
    let t1 = group(&app, &alice, "T1", &[]).await;
    let t2 = group(&app, &alice, "T2", &[]).await;
    let data = gql(
        &app,
        &alice,
        FORWARD,
        json!({ "m": id, "t": [t1, t2], "a": true }),
    )
    .await;
    let copies = data["forwardMessage"].as_array().expect("list");
    assert_eq!(copies.len(), 2);
    assert_eq!(copies[0]["forwardedFromUser"]["id"], bob_id.as_str());
    assert_eq!(copies[0]["forwardedFrom"]["id"], id.as_str());
    let data = gql(
        &app,
        &alice,
        FORWARD,
        json!({ "m": id, "t": [t1], "a": false }),
    )
    .await;
    assert_eq!(data["forwardMessage"][0]["forwardedFromUser"], Value::Null);
}

#[tokio::test]
async fn a_reaction_counts_each_user_once_and_a_second_toggle_takes_it_back() {
    let app = spawn_app().await;
    let Main {
        alice,
        bob,
        original: id,
        ..
    } = main_chat(&app).await;
    gql(&app, &alice, TOGGLE, json!({ "m": id, "e": "👍" })).await;
    let data = gql(&app, &bob, TOGGLE, json!({ "m": id, "e": "👍" })).await;
    assert_eq!(
        data["toggleReaction"],
        json!([{ "emoji": "👍", "count": 2, "reacted": true }])
    );
    let data = gql(&app, &bob, TOGGLE, json!({ "m": id, "e": "👍" })).await;
    assert_eq!(
        data["toggleReaction"],
        json!([{ "emoji": "👍", "count": 1, "reacted": false }])
    );
}

#[tokio::test]
async fn a_mention_is_unread_until_marked_read_and_then_shows_read_to_its_sender() {
    let app = spawn_app().await;
    let main = main_chat(&app).await;
    let (alice, bob, chat) = (&main.alice, &main.bob, &main.chat);
    mention_bob(&app, &main).await;
    let data = gql(&app, bob, STATUS, json!({ "c": chat })).await;
    assert_eq!(data["chat"]["unreadCount"], 1);
    assert_eq!(data["chat"]["unreadMentionsCount"], 1);
    let last_id = data["messages"]["edges"][1]["node"]["id"].clone();
    let seen = gql(&app, alice, STATUS, json!({ "c": chat })).await;
    assert_eq!(
        seen["messages"]["edges"][1]["node"]["deliveryStatus"],
        "SENT"
    );
    let mark = "mutation($c: ID!, $m: ID!) { markMessages(chatId: $c, messageId: $m, status: READ) { lastReadMessageId lastDeliveredMessageId } }";
    let data = gql(&app, bob, mark, json!({ "c": chat, "m": last_id })).await;
    assert_eq!(data["markMessages"]["lastReadMessageId"], last_id);
    assert_eq!(data["markMessages"]["lastDeliveredMessageId"], last_id);
    let seen = gql(&app, alice, STATUS, json!({ "c": chat })).await;
    assert_eq!(
        seen["messages"]["edges"][1]["node"]["deliveryStatus"],
        "READ"
    );
    let data = gql(&app, bob, STATUS, json!({ "c": chat })).await;
    assert_eq!(data["chat"]["unreadCount"], 0);
    assert_eq!(data["chat"]["unreadMentionsCount"], 0);
}

#[tokio::test]
async fn a_mention_notifies_but_forwards_and_reactions_by_others_do_not() {
    let app = spawn_app().await;
    let main = main_chat(&app).await;
    let (alice, id) = (&main.alice, &main.original);
    let t1 = group(&app, alice, "T1", &[]).await;
    gql(
        &app,
        alice,
        FORWARD,
        json!({ "m": id, "t": [t1], "a": true }),
    )
    .await;
    gql(&app, alice, TOGGLE, json!({ "m": id, "e": "👍" })).await;
    mention_bob(&app, &main).await;

    let data = gql(
        &app,
        &main.bob,
        "{ notifications { edges { node { eventType payload } } } }",
        json!({}),
    )
    .await;
    let kinds: Vec<&str> = data["notifications"]["edges"]
        .as_array()
        .expect("list")
        .iter()
        .map(|n| n["node"]["eventType"].as_str().expect("type"))
        .collect();
    assert_eq!(kinds, ["mention", "chat_member_added"]);
    let payload: Value = serde_json::from_str(
        data["notifications"]["edges"][0]["node"]["payload"]
            .as_str()
            .expect("json"),
    )
    .expect("json");
    assert_eq!(payload["sender_id"].to_string(), main.alice_id);
}

#[tokio::test]
async fn search_finds_words_in_readable_chats_only() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let (bob, _) = quick_user(&app, "Bob").await;
    let mine = group(&app, &alice, "Mine", &[]).await;
    let theirs = group(&app, &bob, "Theirs", &[]).await;
    send(&app, &alice, &mine, "the quick brown fox").await;
    send(&app, &bob, &theirs, "another quick fox").await;
    let data = gql(
        &app,
        &alice,
        "{ searchMessages(query: \"quick fox\") { text } }",
        json!({}),
    )
    .await;
    assert_eq!(
        data["searchMessages"],
        json!([{ "text": "the quick brown fox" }])
    );
    let data = gql(
        &app,
        &alice,
        "{ search(query: \"Mine\") { users { id } chats { title } messages { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(data["search"]["chats"], json!([{ "title": "Mine" }]));
}

#[tokio::test]
async fn sending_is_rate_limited_per_user_and_duplicates_cool_down() {
    let (app, clock) = crate::helpers::spawn_app_with_clock(|env| {
        env.insert("MESSAGE_RATE_LIMIT_PER_MINUTE".into(), "3".into());
        env.insert("DUPLICATE_MESSAGE_COOLDOWN_SECONDS".into(), "30".into());
    })
    .await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let chat = group(&app, &alice, "Limits", &[]).await;
    // The limit counts per fixed minute of the app's clock: held still, every send below
    // falls in one window however slowly the machine runs.
    clock.freeze();
    send(&app, &alice, &chat, "same").await;
    let (_, body) = app
        .graphql(
            SEND,
            json!({ "c": chat, "t": "same" }),
            Some(&format!("Bearer {alice}")),
        )
        .await;
    assert_eq!(
        crate::helpers::error_code(&body),
        Some("RATE_LIMITED"),
        "duplicate: {body}"
    );
    assert!(body["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .is_some_and(|s| (1..=30).contains(&s)));
    send(&app, &alice, &chat, "other").await;
    let (_, body) = app
        .graphql(
            SEND,
            json!({ "c": chat, "t": "third" }),
            Some(&format!("Bearer {alice}")),
        )
        .await;
    assert_eq!(
        crate::helpers::error_code(&body),
        Some("RATE_LIMITED"),
        "fourth this minute: {body}"
    );
    // A new clientMessageId is a new send, so it is limited too.
    let retry = json!({ "i": { "chatId": chat, "text": "x", "clientMessageId": "c-1" } });
    let (_, body) = app
        .graphql(SEND_FULL, retry, Some(&format!("Bearer {alice}")))
        .await;
    assert_eq!(crate::helpers::error_code(&body), Some("RATE_LIMITED"));
}

/// Across a block in a private chat nothing new goes either way: no reaction, edit, reply
/// or forward (sending is covered in `chats.rs`).
/// A private chat of Alice and Bob with one message from each, after Alice blocked Bob.
struct Blocked {
    alice: String,
    bob: String,
    chat: String,
    from_alice: String,
    from_bob: String,
}

async fn blocked_private_chat(app: &TestApp) -> Blocked {
    let (alice, _) = quick_user(app, "Alice").await;
    let (bob, bob_id) = quick_user(app, "Bob").await;
    let chat = crate::helpers::chats::private(app, &alice, &bob_id).await;
    let from_alice = send(app, &alice, &chat, "hi bob").await;
    let from_bob = send(app, &bob, &chat, "hi alice").await;
    gql(
        app,
        &alice,
        "mutation($u: ID!) { blockUser(userId: $u) { id } }",
        json!({ "u": bob_id }),
    )
    .await;
    Blocked {
        alice,
        bob,
        chat,
        from_alice,
        from_bob,
    }
}

#[tokio::test]
async fn a_blocked_user_cannot_react_edit_reply_or_forward_in_the_private_chat() {
    let app = spawn_app().await;
    let Blocked {
        bob,
        chat,
        from_alice,
        from_bob,
        ..
    } = blocked_private_chat(&app).await;
    let refused = [
        (
            "mutation($m: ID!) { toggleReaction(messageId: $m, emoji: \"👍\") { count } }",
            json!({ "m": from_alice }),
        ),
        (
            "mutation($m: ID!) { editMessage(messageId: $m, text: \"still here\") { id } }",
            json!({ "m": from_bob }),
        ),
        (
            "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
            json!({ "i": { "chatId": chat, "text": "a reply", "replyToMessageId": from_alice } }),
        ),
        (
            "mutation($m: ID!, $c: [ID!]!) { forwardMessage(messageId: $m, targetChatIds: $c) { id } }",
            json!({ "m": from_bob, "c": [chat] }),
        ),
    ];
    for (query, variables) in refused {
        let (status, body) = app
            .graphql(query, variables, Some(&format!("Bearer {bob}")))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{query}: {body}"
        );
        assert_eq!(
            body["errors"][0]["message"], "You cannot message this user",
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_blocker_cannot_react_across_the_block_either() {
    let app = spawn_app().await;
    let Blocked {
        alice, from_bob, ..
    } = blocked_private_chat(&app).await;
    let code = gql_error(
        &app,
        &alice,
        "mutation($m: ID!) { toggleReaction(messageId: $m, emoji: \"👍\") { count } }",
        json!({ "m": from_bob }),
    )
    .await;
    assert_eq!(code, "FORBIDDEN");
}

#[tokio::test]
async fn a_blocked_private_chats_history_stays_readable() {
    let app = spawn_app().await;
    let Blocked { bob, chat, .. } = blocked_private_chat(&app).await;
    let history = gql(
        &app,
        &bob,
        "query($c: ID!) { messages(chatId: $c, last: 10) { edges { node { id } } } }",
        json!({ "c": chat }),
    )
    .await;
    assert_eq!(
        history["messages"]["edges"].as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn deleting_the_pinned_message_for_everyone_clears_the_pin() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let (member, member_id) = quick_user(&app, "Member").await;
    let chat = crate::helpers::chats::group(&app, &owner, "Pins", &[&member_id]).await;
    let send = |text: &'static str| {
        let (app, owner, chat) = (&app, owner.clone(), chat.clone());
        async move {
            gql(
                app,
                &owner,
                crate::helpers::chats::SEND,
                json!({ "c": chat, "t": text }),
            )
            .await["sendMessage"]["id"]
                .as_str()
                .expect("id")
                .to_owned()
        }
    };
    let pinned = send("pin me").await;
    let other = send("keep me").await;
    let data = gql(
        &app,
        &owner,
        "mutation($c: ID!, $m: ID) { pinMessage(chatId: $c, messageId: $m) { pinnedMessage { id } } }",
        json!({ "c": chat, "m": pinned }),
    )
    .await;
    assert_eq!(data["pinMessage"]["pinnedMessage"]["id"], pinned);
    // Deleting another message leaves the pin alone.
    gql(
        &app,
        &owner,
        "mutation($m: ID!) { deleteMessage(messageId: $m, forAll: true) }",
        json!({ "m": other }),
    )
    .await;
    let query = "query($c: ID!) { chat(id: $c) { pinnedMessage { id } } }";
    let data = gql(&app, &member, query, json!({ "c": chat })).await;
    assert_eq!(data["chat"]["pinnedMessage"]["id"], pinned);
    gql(
        &app,
        &owner,
        "mutation($m: ID!) { deleteMessage(messageId: $m, forAll: true) }",
        json!({ "m": pinned }),
    )
    .await;
    let data = gql(&app, &member, query, json!({ "c": chat })).await;
    assert_eq!(data["chat"]["pinnedMessage"], Value::Null);
    // The REST shim says the same.
    let response = app
        .http
        .get(app.url(&format!("/api/v1/chats/{chat}")))
        .bearer_auth(&member)
        .send()
        .await
        .expect("request");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["pinned_message_id"], Value::Null, "{body}");
}
