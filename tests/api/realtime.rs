//! Realtime: the graphql-transport-ws protocol with raw frames and the npm `graphql-ws`
//! client, subscriptions across two instances on one Redis, replay without gaps or
//! duplicates, Redis failures mid-stream, fan-out cost, permissions, presence, typing.

mod delivery;
mod failures;
mod protocol;

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    helpers::TestApp,
    subscriptions::{connect, next_json, send, Socket},
};

/// A socket past `connection_ack`, authenticated with `token`.
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

pub const MESSAGES: &str =
    "subscription($c: ID, $a: ID) { messageEvents(chatId: $c, afterMessageId: $a) {
    kind chatId messageId message { id text senderId } sender { id displayName } } }";
