//! WebSocket clients for `/graphql` (graphql-transport-ws and the legacy
//! subscriptions-transport-ws), and bounded waits for subscriptions to go live.
//!
//! A `subscribe` is registered asynchronously by the server: an event published right
//! after it may precede the subscription. Tests therefore either subscribe with
//! `afterMessageId` (replay, then live: nothing can be missed) or wait with
//! [`wait_until_live`] until the subscription delivers a probe. Every wait is bounded.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{client::IntoClientRequest, http::HeaderValue, Message},
};

use super::TestApp;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// `messageEvents` of one chat (`$c`), optionally resuming after message `$a`.
pub const MESSAGES: &str =
    "subscription($c: ID, $a: ID) { messageEvents(chatId: $c, afterMessageId: $a) {
    kind chatId messageId message { id text senderId } sender { id displayName } } }";

/// How many probes [`wait_until_live`] sends before giving up, and how long it waits
/// for each (about 20 s in all).
const PROBES: usize = 50;
const PROBE_WAIT: Duration = Duration::from_millis(400);

pub async fn connect(app: &TestApp, protocol: &str) -> Socket {
    let mut request = app.ws_url().into_client_request().expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_str(protocol).expect("header"),
    );
    let (socket, response) = connect_async(request).await.expect("WebSocket connects");
    assert_eq!(response.headers()["sec-websocket-protocol"], protocol);
    socket
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("sent");
}

/// The next JSON text frame, skipping server pings; panics after 5 s.
pub async fn next_json(socket: &mut Socket) -> Value {
    let deadline = Duration::from_secs(5);
    loop {
        let frame = tokio::time::timeout(deadline, socket.next())
            .await
            .expect("a frame within 5 s")
            .expect("socket open")
            .expect("valid frame");
        match frame {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).expect("JSON frame");
                if value["type"] == "ping" || value["type"] == "ka" {
                    continue;
                }
                return value;
            }
            Message::Close(frame) => panic!("closed: {frame:?}"),
            _ => continue,
        }
    }
}

/// A graphql-transport-ws socket past `connection_ack`, authenticated with `token`.
pub async fn open(app: &TestApp, token: &str) -> Socket {
    let mut socket = connect(app, "graphql-transport-ws").await;
    send(&mut socket, json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })).await;
    let ack = next_json(&mut socket).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    socket
}

pub async fn subscribe(socket: &mut Socket, id: &str, query: &str, variables: Value) {
    send(socket, json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } })).await;
}

/// The close code the server ends the socket with (within `within`).
pub async fn close_code(socket: &mut Socket, within: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()??;
        match frame {
            Ok(Message::Close(Some(close))) => return Some(u16::from(close.code)),
            Ok(Message::Close(None)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

/// `next` payloads of operation `id`, until `n` arrived (panics after 10 s).
pub async fn take(socket: &mut Socket, id: &str, n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while out.len() < n {
        let frame = tokio::time::timeout_at(deadline, next_json(socket))
            .await
            .unwrap_or_else(|_| panic!("only {} of {n} events: {out:?}", out.len()));
        if frame["id"] == id && frame["type"] == "next" {
            out.push(frame["payload"].clone());
        } else if frame["id"] == id {
            panic!("operation {id} ended: {frame}");
        }
    }
    out
}

/// The first `next` payload of operation `id` that `is_probe` does not match (probes
/// left over from a liveness wait are passed over; panics after 10 s).
pub async fn take_skipping(
    socket: &mut Socket,
    id: &str,
    is_probe: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline, next_json(socket))
            .await
            .unwrap_or_else(|_| panic!("no event of {id} but probes within 10 s"));
        if frame["id"] == id && frame["type"] == "next" {
            if !is_probe(&frame["payload"]) {
                return frame["payload"].clone();
            }
        } else if frame["id"] == id {
            panic!("operation {id} ended: {frame}");
        }
    }
}

/// Sends a message to `chat` as `token`; returns its id.
pub async fn send_probe(app: &TestApp, token: &str, chat: &str, text: &str) -> String {
    let (status, body) = app
        .graphql(
            "mutation($c: ID!, $t: String!) { sendMessage(input: { chatId: $c, text: $t }) { id } }",
            json!({ "c": chat, "t": text }),
            Some(&format!("Bearer {token}")),
        )
        .await;
    assert!(status == 200 && body["errors"].is_null(), "probe: {body}");
    body["data"]["sendMessage"]["id"]
        .as_str()
        .expect("message id")
        .to_owned()
}

/// Reads `socket` until operation `op` delivers message `message_id` (bounded by
/// `within`); `true` when it did. Earlier frames are consumed.
async fn read_until_message(
    socket: &mut Socket,
    op: &str,
    message_id: &str,
    within: Duration,
) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while let Ok(frame) = tokio::time::timeout_at(deadline, next_json(socket)).await {
        let event = &frame["payload"]["data"]["messageEvents"];
        if frame["id"] == op && event["messageId"].as_str() == Some(message_id) {
            return true;
        }
    }
    false
}

/// Sends probe messages to `chat` (as `token`, through `app`) until operation `op` on
/// `socket` delivers one: the `messageEvents` subscription is then live. Returns the id
/// of the probe it delivered; no probe before it is left unread (events of one chat
/// arrive in order), and none was sent after it.
pub async fn wait_until_live(
    app: &TestApp,
    token: &str,
    chat: &str,
    socket: &mut Socket,
    op: &str,
) -> String {
    for attempt in 0..PROBES {
        let probe = send_probe(app, token, chat, &format!("probe {attempt}")).await;
        if read_until_message(socket, op, &probe, PROBE_WAIT).await {
            return probe;
        }
    }
    panic!("operation {op} never delivered a probe");
}

/// [`wait_until_live`] for every `(socket, op)`, then one more probe that every socket
/// reads up to: afterwards no socket holds an unread probe. Returns that last probe's id.
pub async fn wait_until_all_live(
    app: &TestApp,
    token: &str,
    chat: &str,
    sockets: &mut [(Socket, String)],
) -> String {
    for (socket, op) in sockets.iter_mut() {
        wait_until_live(app, token, chat, socket, op).await;
    }
    let fence = send_probe(app, token, chat, "probe fence").await;
    for (socket, op) in sockets.iter_mut() {
        assert!(
            read_until_message(socket, op, &fence, Duration::from_secs(10)).await,
            "operation {op} is live but did not deliver the fence probe"
        );
    }
    fence
}
