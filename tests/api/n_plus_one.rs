//! No N+1: the statements one request runs do not grow with the number of items.
//! Counted by the app's counting executor (`Db::statements_executed`).

use serde_json::{json, Value};

use crate::helpers::{
    chats::{group, private, SEND},
    gql, quick_user, spawn_app, TestApp,
};

/// Statements one request runs. Loader batches run in waves within the request (see
/// `graphql::loaders::run_in_waves`), so the count is exact: the same on every run,
/// whatever else the machine is doing. Three runs must agree.
async fn statements_for(app: &TestApp, token: &str, query: &str, variables: Value) -> u64 {
    let mut counts = Vec::new();
    for _ in 0..3 {
        let before = app.db.statements_executed();
        gql(app, token, query, variables.clone()).await;
        counts.push(app.db.statements_executed() - before);
    }
    assert!(
        counts.windows(2).all(|w| w[0] == w[1]),
        "the same request ran {counts:?} statements"
    );
    counts[0]
}

const CHATS: &str = "query($n: Int) { chats(first: $n) { edges { node {
    id displayTitle unreadCount unreadMentionsCount membersCount
    lastMessage { id sender { id displayName } }
    members { role user { id } }
    counterpart { id displayName } } } } }";

/// Exactly 2 statements for any page size: auth; the page with everything it shows
/// (memberships, unread counters, member counts, counterparts, last messages with their
/// senders, members: the domain's chat read model, `ChatService::read_list`).
#[tokio::test]
async fn the_chat_list_costs_the_same_statements_for_5_and_50_chats() {
    let app = spawn_app().await;
    let (viewer, _) = quick_user(&app, "Viewer").await;
    for i in 0..50 {
        let (other, other_id) = quick_user(&app, &format!("Peer{i}")).await;
        let chat = private(&app, &viewer, &other_id).await;
        gql(
            &app,
            &other,
            SEND,
            json!({ "c": chat, "t": format!("hello {i}") }),
        )
        .await;
    }
    let five = statements_for(&app, &viewer, CHATS, json!({ "n": 5 })).await;
    let fifty = statements_for(&app, &viewer, CHATS, json!({ "n": 50 })).await;
    assert_eq!(five, fifty, "5 chats: {five} statements, 50 chats: {fifty}");
    assert_eq!(fifty, 2, "{fifty} statements");
}

/// A search is one statement more than the list (the ids of the chats it matches); one
/// that matches none of the viewer's chats reads no page.
#[tokio::test]
async fn a_chat_search_costs_one_statement_more_and_reads_no_page_when_nothing_matches() {
    let app = spawn_app().await;
    let (viewer, _) = quick_user(&app, "Viewer").await;
    let (_, bob_id) = quick_user(&app, "Bobby").await;
    private(&app, &viewer, &bob_id).await;
    let search = "query($q: String) { chats(query: $q) { edges { node { id } } } }";
    let list = statements_for(&app, &viewer, search, json!({})).await;
    let found = statements_for(&app, &viewer, search, json!({ "q": "bob" })).await;
    let none = statements_for(&app, &viewer, search, json!({ "q": "nobody" })).await;
    assert_eq!((list, found, none), (2, 3, 2), "list, found, none");
}

const MESSAGES: &str = "query($c: ID!, $n: Int) { messages(chatId: $c, last: $n) { edges { node {
    id text deliveryStatus
    sender { id displayName }
    replyTo { id sender { id } }
    reactions { emoji count reacted }
    attachments { id fileUrl }
    forwardedFrom { id sender { id } }
    forwardedFromUser { id } } } } }";

/// Exactly 4 statements for 5 or 50 messages: auth; the page (its membership, senders,
/// reactions, attachments); then, together, the reply and forward targets with their
/// senders, and the members (the domain's message read model,
/// `MessageService::read_page`). Ids of users are answered from the rows.
#[tokio::test]
async fn a_message_page_costs_the_same_statements_for_5_and_50_messages() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let mut people = vec![owner.clone()];
    let mut ids = Vec::new();
    for i in 0..4 {
        let (token, id) = quick_user(&app, &format!("Member{i}")).await;
        people.push(token);
        ids.push(id);
    }
    let member_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let chat = group(&app, &owner, "Busy", &member_refs).await;
    let source_chat = group(&app, &owner, "Source", &[]).await;
    let source = gql(
        &app,
        &owner,
        SEND,
        json!({ "c": source_chat, "t": "forward me" }),
    )
    .await;
    let source_id = source["sendMessage"]["id"].as_str().expect("id").to_owned();

    let mut previous: Option<String> = None;
    for i in 0..50 {
        let token = &people[i % people.len()];
        let id = if i % 5 == 4 {
            let data = gql(&app, &owner, "mutation($m: ID!, $c: ID!) { forwardMessage(messageId: $m, targetChatIds: [$c]) { id } }", json!({ "m": source_id, "c": chat })).await;
            data["forwardMessage"][0]["id"]
                .as_str()
                .expect("id")
                .to_owned()
        } else {
            let input = json!({ "chatId": chat, "text": format!("message {i}"), "replyToMessageId": previous });
            let data = gql(
                &app,
                token,
                "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
            data["sendMessage"]["id"].as_str().expect("id").to_owned()
        };
        gql(
            &app,
            token,
            "mutation($m: ID!) { toggleReaction(messageId: $m, emoji: \"🔥\") { count } }",
            json!({ "m": id }),
        )
        .await;
        previous = Some(id);
    }
    let five = statements_for(&app, &owner, MESSAGES, json!({ "c": chat, "n": 5 })).await;
    let fifty = statements_for(&app, &owner, MESSAGES, json!({ "c": chat, "n": 50 })).await;
    assert_eq!(
        five, fifty,
        "5 messages: {five} statements, 50 messages: {fifty}"
    );
    assert_eq!(fifty, 4, "{fifty} statements");
}

/// A member's `user { id }` is answered from the membership row: no user is loaded for
/// it (one statement fewer than `user { id displayName }` through the loaders of
/// `chat(id)`), and the ids are the same. In a `chats` page the members come with the
/// page; their users, when asked for, cost one statement more.
#[tokio::test]
async fn member_user_ids_come_from_the_membership_rows() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Owner").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(quick_user(&app, &format!("Member{i}")).await.1);
    }
    let members: Vec<&str> = ids.iter().map(String::as_str).collect();
    let chat = group(&app, &owner, "Members", &members).await;
    let only_ids = "query($c: ID!) { chat(id: $c) { members { user { id } } } }";
    let with_names = "query($c: ID!) { chat(id: $c) { members { user { id displayName } } } }";
    let vars = json!({ "c": chat });
    let lean = statements_for(&app, &owner, only_ids, vars.clone()).await;
    let full = statements_for(&app, &owner, with_names, vars.clone()).await;
    assert_eq!(
        full - lean,
        1,
        "ids only: {lean} statements, with names: {full}"
    );
    let page_ids = "{ chats(first: 10) { edges { node { members { user { id } } } } } }";
    let page_names =
        "{ chats(first: 10) { edges { node { members { user { id displayName } } } } } }";
    let lean = statements_for(&app, &owner, page_ids, json!({})).await;
    let full = statements_for(&app, &owner, page_names, json!({})).await;
    assert_eq!(full - lean, 1, "a page: ids only {lean}, with names {full}");
    let member_ids = |data: Value| -> Vec<String> {
        let mut ids: Vec<String> = data["chat"]["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| m["user"]["id"].as_str().expect("id").to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        member_ids(gql(&app, &owner, only_ids, vars.clone()).await),
        member_ids(gql(&app, &owner, with_names, vars).await)
    );
}

/// A page whose query asks for nothing of its members but their user ids reads only
/// those (not their roles, join times and membership ids): the same members in the same
/// order (oldest first) as a page asking for more, for the same statements.
#[tokio::test]
async fn a_page_reads_members_by_user_id_only_in_the_same_order() {
    let app = spawn_app().await;
    let (owner, owner_id) = quick_user(&app, "Owner").await;
    let mut ids = vec![owner_id];
    for i in 0..4 {
        ids.push(quick_user(&app, &format!("Joiner{i}")).await.1);
    }
    let members: Vec<&str> = ids[1..].iter().map(String::as_str).collect();
    group(&app, &owner, "Ordered", &members[..2]).await;
    let chat = group(&app, &owner, "Later", &members[2..]).await;
    let add = "mutation($c: ID!, $u: ID!) { addChatMember(chatId: $c, userId: $u) { id } }";
    gql(&app, &owner, add, json!({ "c": chat, "u": members[0] })).await;
    let lean = "{ chats(first: 5) { edges { node { id members { userId user { id } } } } } }";
    let full = "{ chats(first: 5) { edges { node { id members { userId role joinedAt } } } } }";
    let user_ids = |data: &Value| -> Vec<Vec<String>> {
        (data["chats"]["edges"].as_array().expect("edges").iter())
            .map(|edge| {
                (edge["node"]["members"].as_array().expect("members").iter())
                    .map(|m| m["userId"].as_str().expect("userId").to_owned())
                    .collect()
            })
            .collect()
    };
    let lean_data = gql(&app, &owner, lean, json!({})).await;
    let full_data = gql(&app, &owner, full, json!({})).await;
    assert_eq!(user_ids(&lean_data), user_ids(&full_data));
    let later = &user_ids(&full_data)[0];
    assert_eq!(later.len(), 4, "{later:?}");
    assert_eq!(
        later[3], ids[1],
        "the member added last comes last: {later:?}"
    );
    let edges = lean_data["chats"]["edges"].as_array().expect("edges");
    for member in edges
        .iter()
        .flat_map(|e| e["node"]["members"].as_array().expect("m"))
    {
        assert_eq!(member["user"]["id"], member["userId"], "{member}");
    }
    let lean_statements = statements_for(&app, &owner, lean, json!({})).await;
    let full_statements = statements_for(&app, &owner, full, json!({})).await;
    assert_eq!((lean_statements, full_statements), (2, 2));
}

/// The request's loader cache (seeded by pages) is off for a document with a mutation:
/// a field after a mutation field never reads a user as it was before it.
#[tokio::test]
async fn a_user_changed_by_one_mutation_field_is_read_afresh_by_the_next() {
    let app = spawn_app().await;
    let (owner, _) = quick_user(&app, "Before").await;
    let chat = group(&app, &owner, "Renames", &[]).await;
    let data = gql(
        &app,
        &owner,
        "mutation($c: ID!) {
           first: sendMessage(input: { chatId: $c, text: \"one\" }) { sender { displayName } }
           updateProfile(input: { name: \"After\" }) { displayName }
           second: sendMessage(input: { chatId: $c, text: \"two\" }) { sender { displayName } }
         }",
        json!({ "c": chat }),
    )
    .await;
    assert_eq!(data["first"]["sender"]["displayName"], "Before");
    assert_eq!(data["updateProfile"]["displayName"], "After");
    assert_eq!(data["second"]["sender"]["displayName"], "After", "{data}");
}
