//! §8 over REST: sending (idempotent), pages, search, threads, edits, deletes, read
//! status, forwards, reactions; and §10/§11 notifications and global search.

use serde_json::{json, Value};

use super::{assert_seed_timestamp, assert_shape, rest_group, rest_send, seed, user, Client, User};
use crate::helpers::{spawn_app, TestApp};

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|m| m["id"].as_i64().expect("id"))
        .collect()
}

/// Ada's group "Team" with Bob: (Ada, Bob, chat id).
async fn team(app: &TestApp) -> (User<'_>, User<'_>, i64) {
    let ada = user(app, "Ada").await;
    let bob = user(app, "Bob").await;
    let chat = rest_group(&ada.client, "Team", &[bob.id]).await;
    (ada, bob, chat)
}

/// The seed's example `MessageCreate`: "Hello" with a client message id.
fn hello(chat: i64) -> Value {
    json!({ "chat_id": chat, "type": "text", "text": "Hello",
            "client_message_id": "client-msg-0001", "reply_to_message_id": null })
}

/// Sends [`hello`] as `sender`; returns its id.
async fn send_hello(sender: &Client<'_>, chat: i64) -> i64 {
    let sent = Client::expect(sender.post("/messages", hello(chat)).await, 201);
    sent["id"].as_i64().expect("id")
}

#[tokio::test]
async fn a_sent_message_has_the_seed_shape_and_a_retry_returns_it() {
    let app = spawn_app().await;
    let (ada, _, chat) = team(&app).await;
    let create = hello(chat);
    let sent = ada.client.post("/messages", create.clone()).await;
    assert_eq!(sent.status, 201, "{}", sent.text);
    let message = sent.body;
    assert_shape(&message, seed::MESSAGE_READ);
    assert_eq!(
        (message["text"].clone(), message["delivery_status"].clone()),
        (json!("Hello"), json!("sent"))
    );
    assert_eq!(
        (message["sender_id"].as_i64(), message["chat_id"].as_i64()),
        (Some(ada.id), Some(chat))
    );
    assert_eq!(message["attachment_waveform"], json!(null));
    assert_seed_timestamp(&message["created_at"]);
    let retry = Client::expect(ada.client.post("/messages", create).await, 201);
    assert_eq!(
        retry["id"], message["id"],
        "a retry returns the first message"
    );
}

#[tokio::test]
async fn receipts_move_the_senders_delivery_status_to_delivered_then_read() {
    let app = spawn_app().await;
    let (ada, bob, chat) = team(&app).await;
    let first = send_hello(&ada.client, chat).await;

    // Bob's pointers move on his own sends too, so check them before he writes.
    let status = json!({ "chat_id": chat, "message_id": first, "status": "message_delivered" });
    let pointers = Client::expect(bob.client.post("/messages/status", status).await, 200);
    assert_shape(&pointers, seed::READ_POINTERS);
    let latest = Client::expect(
        ada.client.get(&format!("/messages/{chat}?limit=50")).await,
        200,
    );
    assert_eq!(latest[0]["delivery_status"], "delivered");
    let status = json!({ "chat_id": chat, "message_id": first, "status": "message_read" });
    let pointers = Client::expect(bob.client.post("/messages/status", status).await, 200);
    assert_eq!(pointers["last_read_message_id"], first);
    let latest = Client::expect(
        ada.client.get(&format!("/messages/{chat}?limit=50")).await,
        200,
    );
    assert_eq!(latest[0]["delivery_status"], "read");
}

#[tokio::test]
async fn an_unknown_receipt_status_is_a_422() {
    let app = spawn_app().await;
    let (ada, bob, chat) = team(&app).await;
    let first = send_hello(&ada.client, chat).await;
    let bad = json!({ "chat_id": chat, "message_id": first, "status": "seen" });
    let reply = bob.client.post("/messages/status", bad).await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    reply.detail();
}

#[tokio::test]
async fn a_chats_messages_come_oldest_first_and_page_back_with_before_id() {
    let app = spawn_app().await;
    let (ada, bob, chat) = team(&app).await;
    let mut sent_ids = vec![send_hello(&ada.client, chat).await];
    for i in 1..5 {
        sent_ids.push(rest_send(&bob.client, chat, &format!("message {i}")).await);
    }
    let page = Client::expect(
        ada.client.get(&format!("/messages/{chat}?limit=50")).await,
        200,
    );
    assert_eq!(ids(&page), sent_ids, "chronological, oldest first");
    for item in page.as_array().expect("list") {
        assert_shape(item, seed::MESSAGE_READ);
    }
    let newest = Client::expect(
        ada.client.get(&format!("/messages/{chat}?limit=2")).await,
        200,
    );
    assert_eq!(ids(&newest), sent_ids[3..]);
    let older = Client::expect(
        ada.client
            .get(&format!(
                "/messages/{chat}?limit=2&before_id={}",
                sent_ids[3]
            ))
            .await,
        200,
    );
    assert_eq!(ids(&older), sent_ids[1..3]);
}

#[tokio::test]
async fn a_non_member_cannot_read_a_chats_messages() {
    let app = spawn_app().await;
    let (_, _, chat) = team(&app).await;
    let outsider = user(&app, "Eve").await;
    let stranger = outsider.client.get(&format!("/messages/{chat}")).await;
    assert_eq!(
        (stranger.status, stranger.detail()),
        (403, "You are not a member of this chat")
    );
}

#[tokio::test]
async fn a_zero_limit_and_blank_text_are_refused_with_their_field() {
    let app = spawn_app().await;
    let (ada, _, chat) = team(&app).await;
    let bad_limit = ada.client.get(&format!("/messages/{chat}?limit=0")).await;
    assert_eq!(
        (bad_limit.status, bad_limit.detail()),
        (422, "limit: must be between 1 and 100")
    );
    let empty_text = ada
        .client
        .post(
            "/messages",
            json!({ "chat_id": chat, "type": "text", "text": "  " }),
        )
        .await;
    assert_eq!(
        (empty_text.status, empty_text.detail()),
        (422, "text: must not be empty")
    );
}

#[tokio::test]
async fn message_search_finds_only_the_matching_messages_of_a_chat() {
    let app = spawn_app().await;
    let (ada, bob, chat) = team(&app).await;
    let first = send_hello(&ada.client, chat).await;
    for i in 1..5 {
        rest_send(&bob.client, chat, &format!("message {i}")).await;
    }
    let found = Client::expect(
        ada.client
            .get(&format!(
                "/messages/search?query=Hello&chat_id={chat}&limit=50"
            ))
            .await,
        200,
    );
    assert_eq!(ids(&found), [first]);
    assert_shape(&found[0], seed::MESSAGE_READ);
}

/// [`team`] with Ada's message "root" in it: (Ada, Bob, chat id, root id).
async fn team_with_root(app: &TestApp) -> (User<'_>, User<'_>, i64, i64) {
    let (ada, bob, chat) = team(app).await;
    let root = rest_send(&ada.client, chat, "root").await;
    (ada, bob, chat, root)
}

#[tokio::test]
async fn a_reply_joins_the_thread_of_its_root() {
    let app = spawn_app().await;
    let (ada, bob, chat, root) = team_with_root(&app).await;
    let body =
        json!({ "chat_id": chat, "type": "text", "text": "reply", "reply_to_message_id": root });
    let reply = Client::expect(bob.client.post("/messages", body).await, 201);
    assert_eq!(reply["reply_to_message_id"], root);
    let thread = Client::expect(
        ada.client
            .get(&format!("/messages/{root}/thread?limit=100"))
            .await,
        200,
    );
    assert_eq!(ids(&thread), [root, reply["id"].as_i64().expect("id")]);
}

#[tokio::test]
async fn only_the_sender_edits_a_message() {
    let app = spawn_app().await;
    let (ada, bob, _, root) = team_with_root(&app).await;
    let edited = Client::expect(
        ada.client
            .put(
                &format!("/messages/{root}"),
                json!({ "text": "Edited text" }),
            )
            .await,
        200,
    );
    assert_shape(&edited, seed::MESSAGE_READ);
    assert_eq!(edited["text"], "Edited text");
    let not_mine = bob
        .client
        .put(&format!("/messages/{root}"), json!({ "text": "mine" }))
        .await;
    assert_eq!(
        (not_mine.status, not_mine.detail()),
        (403, "Only the sender can edit a message")
    );
}

#[tokio::test]
async fn a_message_is_forwarded_to_one_chat_or_to_several_in_order() {
    let app = spawn_app().await;
    let (ada, _, _, root) = team_with_root(&app).await;
    let other = rest_group(&ada.client, "Other", &[]).await;
    let third = rest_group(&ada.client, "Third", &[]).await;
    let forwarded = ada
        .client
        .post(
            &format!("/messages/{root}/forward"),
            json!({ "target_chat_id": other, "include_author": true }),
        )
        .await;
    assert_eq!(forwarded.status, 201, "{}", forwarded.text);
    assert_shape(&forwarded.body, seed::MESSAGE_READ);
    assert_eq!(
        (
            forwarded.body["chat_id"].as_i64(),
            forwarded.body["forwarded_from_message_id"].as_i64()
        ),
        (Some(other), Some(root))
    );
    let bulk = ada
        .client
        .post(
            &format!("/messages/{root}/forward-bulk"),
            json!({ "target_chat_ids": [other, third], "include_author": false }),
        )
        .await;
    assert_eq!(bulk.status, 201, "{}", bulk.text);
    let copies = bulk.body.as_array().expect("a list");
    assert_eq!(
        copies
            .iter()
            .map(|m| m["chat_id"].as_i64().expect("chat"))
            .collect::<Vec<_>>(),
        [other, third]
    );
}

#[tokio::test]
async fn a_reaction_counts_for_everyone_and_is_marked_reacted_for_its_author() {
    let app = spawn_app().await;
    let (ada, bob, _, root) = team_with_root(&app).await;
    let toggled = Client::expect(
        bob.client
            .post(
                &format!("/messages/{root}/reactions/toggle"),
                json!({ "emoji": "👍" }),
            )
            .await,
        200,
    );
    assert_shape(&toggled[0], seed::REACTION);
    assert_eq!(
        toggled,
        json!([{ "emoji": "👍", "count": 1, "reacted": true }])
    );
    let seen_by_ada = Client::expect(
        ada.client.get(&format!("/messages/{root}/reactions")).await,
        200,
    );
    assert_eq!(
        seen_by_ada,
        json!([{ "emoji": "👍", "count": 1, "reacted": false }])
    );
}

#[tokio::test]
async fn deleting_a_message_for_oneself_hides_it_from_oneself_only() {
    let app = spawn_app().await;
    let (ada, bob, chat, root) = team_with_root(&app).await;
    bob.client
        .delete(&format!("/messages/{root}?for_all=False"))
        .await
        .assert_no_content();
    let bobs = Client::expect(bob.client.get(&format!("/messages/{chat}")).await, 200);
    assert!(!ids(&bobs).contains(&root), "hidden for Bob only");
    let adas = Client::expect(ada.client.get(&format!("/messages/{chat}")).await, 200);
    assert!(ids(&adas).contains(&root));
}

#[tokio::test]
async fn a_message_deleted_for_everyone_is_not_found() {
    let app = spawn_app().await;
    let (ada, _, _, root) = team_with_root(&app).await;
    ada.client
        .delete(&format!("/messages/{root}?for_all=true"))
        .await
        .assert_no_content();
    let gone = ada.client.get(&format!("/messages/{root}/reactions")).await;
    assert_eq!((gone.status, gone.detail()), (404, "Message not found"));
}

#[tokio::test]
async fn notifications_and_global_search_follow_the_seed() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let bob = user(&app, "Bob").await;
    let chat = rest_group(&ada.client, "Quokka fans", &[bob.id]).await;
    rest_send(&ada.client, chat, "quokka sighting").await;

    let notifications = Client::expect(bob.client.get("/notifications?limit=50").await, 200);
    let list = notifications.as_array().expect("a list");
    assert_eq!(
        list.len(),
        2,
        "added to the chat, then the message: {list:?}"
    );
    for item in list {
        assert_shape(item, seed::NOTIFICATION_READ);
        let payload: Value = serde_json::from_str(item["payload"].as_str().expect("a JSON string"))
            .expect("payload parses");
        assert_eq!(payload["chat_id"], chat);
    }
    assert_eq!(list[0]["event_type"], "message_created");
    assert_eq!(list[0]["user_id"], bob.id);

    let found = Client::expect(
        bob.client
            .get("/search?query=quokka&users_limit=10&chats_limit=10&messages_limit=10")
            .await,
        200,
    );
    assert_shape(&found, seed::GLOBAL_SEARCH_READ);
    assert_shape(&found["chats"][0], seed::CHAT_READ);
    assert_eq!(found["chats"][0]["id"], chat);
    assert_shape(&found["messages"][0], seed::MESSAGE_READ);
    assert_eq!(found["messages"][0]["text"], "quokka sighting");
    let people = Client::expect(bob.client.get("/search?query=Ada").await, 200);
    assert_shape(&people["users"][0], seed::USER_SEARCH_READ);
}
