//! Subscriptions over WebSocket on `/graphql`, both protocols, Redis and in-process.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{
    sign_in, spawn_app, spawn_app_with, unique_telegram_id,
    ws::{connect, next_json, send, Socket},
    TestApp,
};

/// Renames the Telegram user until the subscriber sees an event (the subscription is
/// registered asynchronously after `subscribe`, so the first change may precede it).
async fn rename_until_an_event_arrives(
    app: &TestApp,
    socket: &mut Socket,
    telegram_id: i64,
    prefix: &str,
) -> Value {
    for attempt in 0..20 {
        sign_in(app, telegram_id, &format!("{prefix}{attempt}")).await;
        let deadline = tokio::time::Instant::now() + Duration::from_millis(500);
        // The watched user is the subscriber: its own ONLINE event may come first.
        while let Ok(frame) = tokio::time::timeout_at(deadline, next_json(socket)).await {
            if frame["payload"]["data"]["userEvents"]["kind"] != "ONLINE" {
                return frame;
            }
        }
    }
    panic!("no event after 20 profile changes");
}

const USER_EVENTS: &str =
    "subscription($ids: [ID!]!) { userEvents(userIds: $ids) { kind user { id firstName } } }";

async fn profile_change_reaches_a_subscriber(app: &TestApp) {
    let telegram_id = unique_telegram_id();
    let (token, user_id) = sign_in(app, telegram_id, "Before").await;
    let mut socket = connect(app, "graphql-transport-ws").await;
    send(&mut socket, json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })).await;
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": USER_EVENTS, "variables": { "ids": [user_id] } } })).await;

    let event = rename_until_an_event_arrives(app, &mut socket, telegram_id, "After").await;
    assert_eq!(event["type"], "next", "{event}");
    assert_eq!(event["id"], "1");
    let payload = &event["payload"]["data"]["userEvents"];
    assert_eq!(payload["kind"], "PROFILE_UPDATED");
    assert_eq!(payload["user"]["id"], user_id.as_str());
    assert!(payload["user"]["firstName"]
        .as_str()
        .is_some_and(|n| n.starts_with("After")));
}

#[tokio::test]
async fn a_profile_change_reaches_a_graphql_transport_ws_subscriber_through_redis() {
    let app = spawn_app().await;
    profile_change_reaches_a_subscriber(&app).await;
}

#[tokio::test]
async fn without_redis_the_in_process_bus_delivers_the_same_events() {
    let app = spawn_app_with(|env| {
        env.remove("REDIS_URL");
    })
    .await;
    profile_change_reaches_a_subscriber(&app).await;
}

#[tokio::test]
async fn the_legacy_subscriptions_transport_ws_protocol_works() {
    let app = spawn_app().await;
    let telegram_id = unique_telegram_id();
    let (token, user_id) = sign_in(&app, telegram_id, "Legacy").await;
    let mut socket = connect(&app, "graphql-ws").await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "authToken": token } }),
    )
    .await;
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    send(&mut socket, json!({ "id": "7", "type": "start", "payload": { "query": USER_EVENTS, "variables": { "ids": [user_id] } } })).await;
    let event = rename_until_an_event_arrives(&app, &mut socket, telegram_id, "Legacy").await;
    assert_eq!(event["type"], "data", "{event}");
    assert_eq!(event["id"], "7");
    assert_eq!(
        event["payload"]["data"]["userEvents"]["user"]["id"],
        user_id.as_str()
    );
}

#[tokio::test]
async fn subscribing_without_authentication_is_an_error() {
    let app = spawn_app().await;
    let mut socket = connect(&app, "graphql-transport-ws").await;
    send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": USER_EVENTS, "variables": { "ids": ["1"] } } })).await;
    // As graphql-js servers do: an operation whose source stream cannot be created
    // yields one `next` carrying the errors, then `complete`.
    let reply = next_json(&mut socket).await;
    assert_eq!(reply["type"], "next", "{reply}");
    assert_eq!(
        reply["payload"]["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    assert_eq!(next_json(&mut socket).await["type"], "complete");
}
