//! GraphQL over WebSocket on `/graphql`: graphql-transport-ws, and the legacy
//! subscriptions-transport-ws (`graphql-ws` sub-protocol), chosen by
//! `Sec-WebSocket-Protocol`.
//!
//! Close codes (graphql-transport-ws): 4400 bad message, 4401 subscribe before
//! `connection_ack`, 4403 credential refused / expired / session revoked, 4408 no
//! `connection_init` in time, 4409 duplicate operation id, 4429 second
//! `connection_init`; 1001 on server shutdown. The server answers `ping` with `pong`
//! and sends its own `ping` (`ka` on the legacy protocol) every keep-alive period.

mod connection;
pub mod protocol;

use axum::{
    extract::ws::WebSocketUpgrade,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};

use crate::{domain::ClientInfo, state::AppState};

pub fn upgrade(
    state: AppState,
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
    upgrade
        .protocols([protocol.name()])
        .on_upgrade(move |socket| {
            let tracker = state.shutdown.tracker().clone();
            tracker.track_future(connection::serve(state, socket, protocol, client))
        })
}
