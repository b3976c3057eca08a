//! graphql-transport-ws conformance with raw frames, and the npm `graphql-ws` client.

use std::{process::Command, time::Duration};

use serde_json::{json, Value};

use super::{close_code, open, subscribe};
use crate::{
    helpers::{js_dir, quick_user, spawn_app, spawn_app_with},
    subscriptions::{connect, next_json, send},
};

#[tokio::test]
async fn every_protocol_violation_gets_its_close_code() {
    let app = spawn_app().await;
    let (token, _) = quick_user(&app, "Proto").await;
    let wait = Duration::from_secs(3);

    let mut bad = connect(&app, "graphql-transport-ws").await;
    send(&mut bad, json!("not an object")).await;
    assert_eq!(close_code(&mut bad, wait).await, Some(4400), "bad message");

    let mut early = connect(&app, "graphql-transport-ws").await;
    subscribe(&mut early, "1", "subscription { heartbeat }", json!({})).await;
    assert_eq!(
        close_code(&mut early, wait).await,
        Some(4401),
        "subscribe before ack"
    );

    let mut forged = connect(&app, "graphql-transport-ws").await;
    send(
        &mut forged,
        json!({ "type": "connection_init", "payload": { "Authorization": "Bearer a.b.c" } }),
    )
    .await;
    assert_eq!(
        close_code(&mut forged, wait).await,
        Some(4403),
        "bad credential"
    );

    let mut twice = open(&app, &token).await;
    send(&mut twice, json!({ "type": "connection_init" })).await;
    assert_eq!(
        close_code(&mut twice, wait).await,
        Some(4429),
        "second init"
    );

    let mut duplicate = open(&app, &token).await;
    subscribe(
        &mut duplicate,
        "dup",
        "subscription { heartbeat(seconds: 5) }",
        json!({}),
    )
    .await;
    subscribe(
        &mut duplicate,
        "dup",
        "subscription { heartbeat(seconds: 5) }",
        json!({}),
    )
    .await;
    assert_eq!(
        close_code(&mut duplicate, wait).await,
        Some(4409),
        "duplicate id"
    );

    let mut pinger = open(&app, &token).await;
    send(&mut pinger, json!({ "type": "ping" })).await;
    assert_eq!(next_json(&mut pinger).await["type"], "pong");
}

#[tokio::test]
async fn operations_run_complete_and_are_capped_per_socket() {
    let app = spawn_app_with(|env| {
        env.insert("GRAPHQL_WS_MAX_OPERATIONS".into(), "2".into());
    })
    .await;
    let (token, _) = quick_user(&app, "Cap").await;
    let mut socket = open(&app, &token).await;
    subscribe(&mut socket, "q", "{ me { displayName } }", json!({})).await;
    let result = next_json(&mut socket).await;
    assert_eq!(result["type"], "next");
    assert_eq!(result["payload"]["data"]["me"]["displayName"], "Cap");
    assert_eq!(
        next_json(&mut socket).await,
        json!({ "id": "q", "type": "complete" })
    );

    subscribe(&mut socket, "bad", "subscription { nope }", json!({})).await;
    let error = next_json(&mut socket).await;
    assert_eq!(
        error["type"], "error",
        "validation errors are `error`: {error}"
    );
    assert!(error["payload"].is_array());

    for id in ["a", "b"] {
        subscribe(
            &mut socket,
            id,
            "subscription { heartbeat(seconds: 5, count: 1) }",
            json!({}),
        )
        .await;
    }
    subscribe(&mut socket, "c", "subscription { heartbeat }", json!({})).await;
    let refused = next_json(&mut socket).await;
    assert_eq!(refused["id"], "c");
    assert_eq!(refused["type"], "error");
    assert_eq!(
        refused["payload"][0]["message"],
        "At most 2 operations per socket"
    );
    send(&mut socket, json!({ "id": "a", "type": "complete" })).await;
    subscribe(
        &mut socket,
        "c",
        "subscription { heartbeat(seconds: 1, count: 1) }",
        json!({}),
    )
    .await;
    let tick = next_json(&mut socket).await;
    assert_eq!(
        (
            tick["id"].clone(),
            tick["payload"]["data"]["heartbeat"].clone()
        ),
        (json!("c"), json!(1))
    );
}

#[tokio::test]
async fn the_npm_graphql_ws_client_receives_messages() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let chat = crate::chats::group(&app, &alice, "npm", &[]).await;
    let input = json!({
        "url": app.ws_url(), "token": alice, "count": 2, "timeoutMs": 15000,
        "query": super::MESSAGES, "variables": { "c": chat },
    });
    let child = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(js_dir().join("ws-client.mjs"))
            .arg(input.to_string())
            .output()
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for text in ["one", "two"] {
        crate::helpers::gql(
            &app,
            &alice,
            crate::chats::SEND,
            json!({ "c": chat, "t": text }),
        )
        .await;
    }
    let output = child.await.expect("joined").expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let texts: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| {
            v["data"]["messageEvents"]["message"]["text"]
                .as_str()
                .map(|t| json!(t))
        })
        .collect();
    assert_eq!(texts, [json!("one"), json!("two")], "{stdout}");
}
