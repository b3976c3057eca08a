//! The binary and the server lifecycle: `serve` creates its database, says which event
//! bus it uses, and shutdown closes WebSockets cleanly.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{
    base_env, drop_database, new_db_name, spawn_app,
    ws::{connect, next_json, send},
};

#[test]
fn serve_creates_its_database_and_says_it_runs_on_the_in_process_bus() {
    let db_name = new_db_name();
    let mut env = base_env(&db_name);
    env.remove("REDIS_URL");
    let mut child = Command::new(env!("CARGO_BIN_EXE_messenger-gateway"))
        .arg("serve")
        .env_clear()
        .envs(&env)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut lines = BufReader::new(stdout).lines();
    let mut saw_bus_warning = false;
    let mut saw_listening = false;
    while Instant::now() < deadline && !(saw_bus_warning && saw_listening) {
        let Some(Ok(line)) = lines.next() else { break };
        saw_bus_warning |= line.contains("in-process event bus");
        saw_listening |= line.contains("listening");
    }
    let _ = child.kill();
    let _ = child.wait();
    drop_database(&db_name);
    assert!(saw_bus_warning, "start-up names the in-process bus");
    assert!(
        saw_listening,
        "the server came up (and so created its database)"
    );
}

#[test]
fn a_missing_jwt_secret_stops_start_up_with_a_clear_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_messenger-gateway"))
        .arg("serve")
        .env_clear()
        .env("DATABASE_URL", "postgres://127.0.0.1/x")
        .output()
        .expect("binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("JWT_SECRET is required"), "{stderr}");
}

#[tokio::test]
async fn shutdown_closes_websockets_with_going_away_and_the_server_stops() {
    let app = spawn_app().await;
    let mut socket = connect(&app, "graphql-transport-ws").await;
    send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(next_json(&mut socket).await["type"], "connection_ack");

    let stopping = tokio::spawn(app.stop());
    let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("a close frame within 5 s");
    match frame {
        Some(Ok(Message::Close(Some(close)))) => assert_eq!(u16::from(close.code), 1001),
        other => panic!("expected a 1001 close frame, got {other:?}"),
    }
    stopping
        .await
        .expect("joined")
        .expect("server stopped cleanly");
}

#[tokio::test]
async fn a_socket_that_never_initialises_is_closed_with_4408_and_idle_sockets_get_pings() {
    let app = crate::helpers::spawn_app_with(|env| {
        env.insert("GRAPHQL_WS_INIT_TIMEOUT_SECONDS".into(), "1".into());
        env.insert("GRAPHQL_WS_KEEPALIVE_SECONDS".into(), "1".into());
    })
    .await;
    let mut silent = connect(&app, "graphql-transport-ws").await;
    let frame = tokio::time::timeout(Duration::from_secs(5), silent.next())
        .await
        .expect("closed within 5 s");
    match frame {
        Some(Ok(Message::Close(Some(close)))) => assert_eq!(u16::from(close.code), 4408),
        other => panic!("expected 4408, got {other:?}"),
    }

    let mut idle = connect(&app, "graphql-transport-ws").await;
    send(&mut idle, json!({ "type": "connection_init" })).await;
    assert_eq!(next_json(&mut idle).await["type"], "connection_ack");
    let ping = tokio::time::timeout(Duration::from_secs(5), idle.next())
        .await
        .expect("a ping within 5 s");
    match ping {
        Some(Ok(Message::Text(text))) => assert_eq!(text.as_str(), r#"{"type":"ping"}"#),
        other => panic!("expected a ping, got {other:?}"),
    }
}

/// `SHUTDOWN_GRACE_SECONDS` bounds the whole shutdown: a request that is still running
/// (here: its body never finishes arriving) is cut when the grace period ends.
#[tokio::test]
async fn the_grace_period_bounds_shutdown_even_with_a_request_in_flight() {
    use tokio::io::AsyncWriteExt as _;
    let app = crate::helpers::spawn_app_with(|env| {
        env.insert("SHUTDOWN_GRACE_SECONDS".into(), "1".into());
    })
    .await;
    let mut slow = tokio::net::TcpStream::connect(app.addr)
        .await
        .expect("connects");
    slow.write_all(
        b"POST /graphql HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"query\":",
    )
    .await
    .expect("writes");
    slow.flush().await.expect("flush");
    // A full round trip on another connection: by then the slow request is being served.
    let (status, _) = app.graphql("{ __typename }", json!({}), None).await;
    assert_eq!(status, 200);
    // `stop` fails the test when the server has not stopped within 10 s.
    app.stop().await.expect("stops");
    drop(slow);
}
