//! GraphQL over WebSocket on `/graphql`: graphql-transport-ws, and the legacy
//! subscriptions-transport-ws (`graphql-ws` sub-protocol), chosen by
//! `Sec-WebSocket-Protocol`.
//!
//! Close codes (graphql-transport-ws): 4400 bad message, 4401 subscribe before
//! `connection_ack`, 4403 credential refused / expired / session revoked, 4408 no
//! `connection_init` in time, 4409 duplicate operation id, 4429 second
//! `connection_init`, or a client too far behind in reading (more than `WS_SEND_QUEUE`
//! frames queued), or more sockets from one client IP than `WS_MAX_SOCKETS_PER_IP`;
//! 1013 when the instance holds `WS_MAX_SOCKETS`; 1001 on server shutdown. The server answers `ping` with `pong`
//! and sends its own `ping` (`ka` on the legacy protocol) every keep-alive period.

mod connection;
mod documents;
pub mod fanout;
pub mod gate;
mod operation;
pub mod protocol;
mod refusals;
mod watch;

use axum::{
    extract::ws::WebSocketUpgrade,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};

use tracing::Instrument as _;

use crate::{domain::ClientInfo, graphql::Transport, state::AppState};

pub fn upgrade(
    state: AppState,
    transport: Transport,
    upgrade: WebSocketUpgrade,
    headers: &HeaderMap,
    client: ClientInfo,
) -> Response {
    let protocol = headers
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(protocol::Protocol::from_header);
    let Some(protocol) = protocol else {
        return (
            StatusCode::BAD_REQUEST,
            "Sec-WebSocket-Protocol must be graphql-transport-ws or graphql-ws",
        )
            .into_response();
    };
    let admitted = transport.sockets.admit(client.ip.as_deref());
    // The socket's span, under the upgrade request's span (and so its request id).
    let span = tracing::debug_span!("graphql.websocket", protocol = protocol.name());
    upgrade
        .protocols([protocol.name()])
        // Sized for chat frames: buffers start small and grow only for a larger frame.
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| {
            async move {
                match admitted {
                    Ok(permit) => {
                        let tracker = state.shutdown.tracker().clone();
                        tracker
                            .track_future(connection::serve(
                                state, transport, socket, protocol, client,
                            ))
                            .await;
                        drop(permit);
                    }
                    // The protocol's close codes need a WebSocket: refuse right after the upgrade.
                    Err(refusal) => refusals::refuse(socket, refusal).await,
                }
            }
            .instrument(span)
        })
}

/// Bytes read from the socket at a time (the library's default is 128 KiB per socket).
const READ_BUFFER: usize = 4 * 1024;
/// Largest frame or message a client may send (subscribe payloads are small).
const MAX_MESSAGE: usize = 256 * 1024;
/// Bytes a socket may have waiting to be written before writes fail (a stuck client).
const MAX_WRITE_BUFFER: usize = 1024 * 1024;
