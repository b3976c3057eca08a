//! GraphQL over WebSocket on `/graphql`: graphql-transport-ws and the legacy
//! subscriptions-transport-ws (`graphql-ws` subprotocol), chosen by
//! `Sec-WebSocket-Protocol`. The caller authenticates in `connection_init`'s payload.
//! A socket that is not acknowledged within `GRAPHQL_WS_INIT_TIMEOUT_SECONDS` is closed
//! with 4408; acknowledged sockets get a server `ping` (`ka` on the legacy protocol)
//! every `GRAPHQL_WS_KEEPALIVE_SECONDS`. On shutdown every socket is closed with 1001.

use std::sync::Arc;

use async_graphql::{
    http::{WebSocketProtocols, WsMessage},
    Data,
};
use axum::{
    extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use futures_util::{future, SinkExt, StreamExt};

use super::{context::RequestAuth, loaders::Loaders};
use crate::{auth::Credential, domain::ClientInfo, state::AppState};

pub fn upgrade(
    state: AppState,
    upgrade: WebSocketUpgrade,
    headers: &HeaderMap,
    client: ClientInfo,
) -> Response {
    let protocol = headers
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(|list| {
            list.split(',')
                .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        });
    let Some(protocol) = protocol else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            "Sec-WebSocket-Protocol must be graphql-transport-ws or graphql-ws",
        )
            .into_response();
    };
    upgrade
        .protocols([protocol.sec_websocket_protocol()])
        .on_upgrade(move |socket| {
            let tracker = state.shutdown.tracker().clone();
            tracker.track_future(serve(state, socket, protocol, client))
        })
}

async fn serve(
    state: AppState,
    socket: WebSocket,
    protocol: WebSocketProtocols,
    client: ClientInfo,
) {
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|message| future::ready(message.is_ok()))
        .filter_map(|message| {
            future::ready(match message {
                Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                _ => None,
            })
        });
    let domain = state.domain.clone();
    let on_init = move |payload: serde_json::Value| {
        let domain = domain.clone();
        let client = client.clone();
        async move {
            let auth = match Credential::from_connection_params(&payload) {
                Ok(None) => RequestAuth::new(None),
                Ok(Some(credential)) => {
                    let principal = domain.auth().authenticate(&credential).await.map_err(|e| {
                        async_graphql::Error::new(format!("Forbidden: {}", e.message()))
                    })?;
                    RequestAuth::verified(principal)
                }
                Err(malformed) => return Err(async_graphql::Error::new(malformed.to_string())),
            };
            let mut data = Data::default();
            data.insert(Arc::new(auth));
            data.insert(Arc::new(Loaders::new(&domain)));
            data.insert(client);
            Ok(data)
        }
    };
    let messages = async_graphql::http::WebSocket::new(state.schema.clone(), input, protocol)
        .on_connection_init(on_init)
        .keepalive_timeout(None);
    futures_util::pin_mut!(messages);
    let shutdown = state.shutdown.token().clone();
    let limits = &state.config.graphql;
    let init_deadline = tokio::time::sleep(limits.ws_init_timeout);
    tokio::pin!(init_deadline);
    let mut keepalive = tokio::time::interval_at(
        tokio::time::Instant::now() + limits.ws_keepalive,
        limits.ws_keepalive,
    );
    let keepalive_frame = match protocol {
        WebSocketProtocols::GraphQLWS => r#"{"type":"ping"}"#,
        WebSocketProtocols::SubscriptionsTransportWS => r#"{"type":"ka"}"#,
    };
    let mut acknowledged = false;
    loop {
        tokio::select! {
            message = messages.next() => {
                let Some(message) = message else { break };
                let frame = match message {
                    WsMessage::Text(text) => {
                        acknowledged |= is_ack(&text);
                        Message::Text(text.into())
                    }
                    WsMessage::Close(code, reason) => Message::Close(Some(CloseFrame { code, reason: reason.into() })),
                };
                let closing = matches!(frame, Message::Close(_));
                if sink.send(frame).await.is_err() || closing {
                    break;
                }
            }
            () = &mut init_deadline, if !acknowledged => {
                let frame = CloseFrame { code: 4408, reason: "Connection initialisation timeout".into() };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
            _ = keepalive.tick(), if acknowledged => {
                // Keeps idle proxies from cutting the socket; clients answer `pong`.
                if sink.send(Message::Text(keepalive_frame.into())).await.is_err() {
                    break;
                }
            }
            () = shutdown.cancelled() => {
                let frame = CloseFrame { code: 1001, reason: "server shutting down".into() };
                let _ = sink.send(Message::Close(Some(frame))).await;
                break;
            }
        }
    }
    let _ = sink.close().await;
}

fn is_ack(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|message| message["type"] == "connection_ack")
}
