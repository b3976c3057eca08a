//! Refusals: an operation that does not start, and a socket over the instance's caps.

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;

use super::protocol::Protocol;

/// Why an operation did not start.
pub(super) enum Refused {
    /// Answered with an `error` message carrying these errors.
    Error(Value),
    /// A socket without a credential asked for more than a bot login.
    Unauthenticated,
}

impl Refused {
    pub(super) fn frames(self, protocol: Protocol, id: &str) -> Vec<String> {
        match self {
            Self::Error(errors) => vec![protocol.error(id, errors)],
            // As for any source stream that cannot be created: one `next` carrying the
            // error, then `complete` (what graphql-js servers do).
            Self::Unauthenticated => {
                let result = serde_json::json!({ "errors": [{
                    "message": "Sign in to subscribe: send a credential in connection_init",
                    "extensions": { "code": "UNAUTHENTICATED" },
                }] });
                vec![protocol.next(id, result), protocol.complete(id)]
            }
        }
    }
}

/// Closes a socket refused by the instance's caps, with the code that says why.
pub(super) async fn refuse(socket: WebSocket, refusal: super::gate::Refusal) {
    let (mut sink, _) = socket.split();
    let frame = CloseFrame {
        code: refusal.close_code(),
        reason: refusal.reason().into(),
    };
    let _ = sink.send(Message::Close(Some(frame))).await;
    let _ = sink.close().await;
}
