//! graphql-transport-ws conformance with raw frames, and the npm `graphql-ws` client.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

use serde_json::{json, Value};

use crate::helpers::{
    js_dir, quick_user, spawn_app, spawn_app_with,
    ws::{close_code, connect, next_json, open, send, subscribe},
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

/// The text of a `messageEvents` result line the npm client printed.
fn text_of(line: &str) -> Option<Value> {
    let value: Value = serde_json::from_str(line).ok()?;
    value["data"]["messageEvents"]["message"]["text"]
        .as_str()
        .map(|t| json!(t))
}

#[tokio::test]
async fn the_npm_graphql_ws_client_receives_messages() {
    let app = spawn_app().await;
    let (alice, _) = quick_user(&app, "Alice").await;
    let chat = crate::helpers::chats::group(&app, &alice, "npm", &[]).await;
    // With `afterMessageId` the first message arrives whether it is sent before the
    // client has subscribed (replayed) or after (live); the second is sent once the
    // first arrived, so it comes live.
    let input = json!({
        "url": app.ws_url(), "token": alice, "count": 2, "timeoutMs": 30000,
        "query": crate::helpers::ws::MESSAGES, "variables": { "c": chat, "a": "0" },
    });
    let mut child = Command::new("node")
        .arg(js_dir().join("ws-client.mjs"))
        .arg(input.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let send_text = |text: &'static str| {
        crate::helpers::gql(
            &app,
            &alice,
            crate::helpers::chats::SEND,
            json!({ "c": chat, "t": text }),
        )
    };

    send_text("one").await;
    let mut printed = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !printed
        .iter()
        .any(|l: &String| text_of(l) == Some(json!("one")))
    {
        match tokio::time::timeout_at(deadline, lines.recv()).await {
            Ok(Some(line)) => printed.push(line),
            Ok(None) | Err(_) => break, // the client exited or is late: checked below
        }
    }
    send_text("two").await;
    // The rest of the output, until the client exits (it has its own 30 s limit).
    while let Ok(Some(line)) =
        tokio::time::timeout_at(deadline + Duration::from_secs(5), lines.recv()).await
    {
        printed.push(line);
    }
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("joined")
        .expect("node ran");
    reader.join().expect("reader thread");
    let stdout = printed.join("\n");
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let texts: Vec<Value> = printed.iter().filter_map(|l| text_of(l)).collect();
    assert_eq!(texts, [json!("one"), json!("two")], "{stdout}");
}
