//! REST and GraphQL answer with the same facts for the same caller and data, and the
//! REST lists cost a fixed number of statements, like GraphQL's.

use serde_json::{json, Value};

use super::{rest_group, rest_send, user, Client};
use crate::helpers::{gql, spawn_app, TestApp};

const CHATS: &str = "{ chats(first: 50) { edges { node {
    id displayTitle unreadCount unreadMentionsCount membersCount myRole pinned archived
    isSaved lastMessage { text } counterpart { id } } } } }";

const MESSAGES: &str = "query($c: ID!) { messages(chatId: $c, last: 50) { edges { node {
    id text senderId deliveryStatus type replyToMessageId } } } }";

fn id(value: &Value) -> i64 {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| value.as_i64())
        .unwrap_or_else(|| panic!("an id: {value}"))
}

/// A conversation with private, group, channel and saved chats, replies, mentions,
/// receipts and an archived chat; returns the viewer's token.
async fn conversation(app: &TestApp) -> (String, i64) {
    let ada = user(app, "Ada").await;
    let bob = user(app, "Bob").await;
    let carol = user(app, "Carol").await;
    let group = rest_group(&ada.client, "Team", &[bob.id, carol.id]).await;
    let private = Client::expect(
        bob.client
            .post(
                "/chats",
                json!({ "type": "private", "member_ids": [ada.id] }),
            )
            .await,
        200,
    )["id"]
        .as_i64()
        .expect("id");
    let channel = Client::expect(
        carol
            .client
            .post(
                "/chats",
                json!({ "type": "channel", "title": "News", "member_ids": [ada.id] }),
            )
            .await,
        200,
    )["id"]
        .as_i64()
        .expect("id");
    Client::expect(ada.client.get("/chats/saved").await, 200);
    let first = rest_send(&ada.client, group, "hello team").await;
    rest_send(&bob.client, group, "hi ada").await;
    let me = Client::expect(ada.client.get("/users/me").await, 200);
    let mention = format!("@{} look", me["username"].as_str().expect("username"));
    rest_send(&carol.client, group, &mention).await;
    let status = json!({ "chat_id": group, "message_id": first, "status": "message_read" });
    Client::expect(bob.client.post("/messages/status", status).await, 200);
    rest_send(&bob.client, private, "private hello").await;
    rest_send(&carol.client, channel, "breaking news").await;
    let archived = rest_group(&ada.client, "Old stuff", &[]).await;
    Client::expect(
        ada.client
            .post_empty(&format!("/chats/{archived}/archive"))
            .await,
        200,
    );
    Client::expect(
        ada.client
            .post_empty(&format!("/chats/{channel}/pin-chat"))
            .await,
        200,
    );
    (ada.token, group)
}

#[tokio::test]
async fn rest_and_graphql_list_the_same_chats_with_the_same_counters() {
    let app = spawn_app().await;
    let (token, group) = conversation(&app).await;
    let rest = Client::with_token(&app, &token);

    let chats = Client::expect(rest.get("/chats").await, 200);
    let graph = gql(&app, &token, CHATS, json!({})).await;
    let from_rest: Vec<Value> = chats
        .as_array()
        .expect("list")
        .iter()
        .map(|c| {
            json!([
                c["id"],
                c["display_title"],
                c["unread_count"],
                c["unread_mentions_count"],
                c["members_count"],
                c["my_role"],
                c["pinned"],
                c["archived"],
                c["is_saved"],
                c["last_message_text"],
                c["counterpart_user_id"]
            ])
        })
        .collect();
    let from_graphql: Vec<Value> = graph["chats"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let n = &e["node"];
            json!([
                id(&n["id"]),
                n["displayTitle"],
                n["unreadCount"],
                n["unreadMentionsCount"],
                n["membersCount"],
                n["myRole"].as_str().map(str::to_lowercase),
                n["pinned"],
                n["archived"],
                n["isSaved"],
                n["lastMessage"]["text"],
                n["counterpart"]["id"]
                    .as_str()
                    .map(|s| s.parse::<i64>().expect("id"))
            ])
        })
        .collect();
    assert_eq!(from_rest, from_graphql);
    assert_eq!(
        from_rest.len(),
        4,
        "private, group, channel, saved: {from_rest:?}"
    );
    let team = chats
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["id"] == group)
        .expect("group");
    assert_eq!(
        (
            team["unread_count"].clone(),
            team["unread_mentions_count"].clone()
        ),
        (json!(2), json!(1))
    );
}

#[tokio::test]
async fn rest_and_graphql_page_the_same_messages_of_a_chat() {
    let app = spawn_app().await;
    let (token, group) = conversation(&app).await;
    let rest = Client::with_token(&app, &token);

    let page = Client::expect(rest.get(&format!("/messages/{group}")).await, 200);
    let graph = gql(&app, &token, MESSAGES, json!({ "c": group.to_string() })).await;
    let from_rest: Vec<Value> = page
        .as_array()
        .expect("list")
        .iter()
        .map(|m| {
            json!([
                m["id"],
                m["text"],
                m["sender_id"],
                m["delivery_status"],
                m["type"],
                m["reply_to_message_id"]
            ])
        })
        .collect();
    let from_graphql: Vec<Value> = graph["messages"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let n = &e["node"];
            json!([
                id(&n["id"]),
                n["text"],
                id(&n["senderId"]),
                n["deliveryStatus"].as_str().map(str::to_lowercase),
                n["type"].as_str().map(str::to_lowercase),
                n["replyToMessageId"]
            ])
        })
        .collect();
    assert_eq!(from_rest, from_graphql);
    assert_eq!(page[0]["delivery_status"], "read");
}

/// The statements of one request: exact, so three runs must agree (see `n_plus_one.rs`).
async fn statements_for(app: &TestApp, client: &Client<'_>, path: &str) -> u64 {
    let mut counts = Vec::new();
    for _ in 0..3 {
        let before = app.db.statements_executed();
        Client::expect(client.get(path).await, 200);
        counts.push(app.db.statements_executed() - before);
    }
    assert!(
        counts.windows(2).all(|w| w[0] == w[1]),
        "{path} ran {counts:?} statements"
    );
    counts[0]
}

#[tokio::test]
async fn rest_lists_cost_the_same_statements_for_3_and_30_items() {
    let app = spawn_app().await;
    let viewer = user(&app, "Viewer").await;
    let mut group_ids = Vec::new();
    for i in 0..30 {
        let peer = user(&app, &format!("Peer{i}")).await;
        let chat = Client::expect(
            peer.client
                .post(
                    "/chats",
                    json!({ "type": "private", "member_ids": [viewer.id] }),
                )
                .await,
            200,
        )["id"]
            .as_i64()
            .expect("id");
        rest_send(&peer.client, chat, &format!("hello {i}")).await;
        group_ids.push(peer.id);
    }
    let group = rest_group(&viewer.client, "Crowd", &group_ids).await;
    for i in 0..30 {
        rest_send(&viewer.client, group, &format!("message {i}")).await;
    }
    let three = statements_for(&app, &viewer.client, "/chats?limit=3").await;
    let thirty = statements_for(&app, &viewer.client, "/chats?limit=30").await;
    assert_eq!(
        three, thirty,
        "3 chats: {three} statements, 30 chats: {thirty}"
    );
    // Auth; the page with counters, counterparts, members, and last messages with their
    // senders (the domain's chat read model).
    assert_eq!(thirty, 2, "{thirty} statements");
    let three = statements_for(&app, &viewer.client, &format!("/messages/{group}?limit=3")).await;
    let thirty = statements_for(&app, &viewer.client, &format!("/messages/{group}?limit=30")).await;
    assert_eq!(
        three, thirty,
        "3 messages: {three} statements, 30 messages: {thirty}"
    );
    // Auth; the page with its attachments (waveforms); the members (delivery status).
    assert_eq!(thirty, 3, "{thirty} statements");
}
