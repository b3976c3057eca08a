//! One WebSocket connection: the protocol state machine, its operations, keep-alive,
//! and the watch that closes the socket when its credential expires or its session is
//! revoked.

use std::{collections::HashMap, sync::Arc, time::Duration};

use async_graphql::parser::types::ExecutableDocument;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{stream::SplitSink, SinkExt, StreamExt};
use serde_json::Value;
use tokio::{sync::mpsc, task::AbortHandle};
use tracing::Instrument as _;

use super::{
    documents::only_public_subscriptions,
    fanout::Shape,
    gate::SubscriptionPermit,
    operation::{Caller, Operation, Outgoing, Sender},
    protocol::{parse, BadMessage, ClientMessage, Protocol},
    refusals::Refused,
    watch::{next_revocation, Watch},
};
use crate::{
    auth::Credential,
    domain::{presence::PresenceHandle, ClientInfo, Principal},
    graphql::{context::RequestAuth, Transport},
    realtime::{topics, TopicStream},
    state::AppState,
};

/// Why the connection ends.
struct Close(u16, String);

impl Close {
    fn new(code: u16, reason: impl Into<String>) -> Self {
        Self(code, reason.into())
    }
}

struct Connection {
    state: AppState,
    transport: Transport,
    /// Signalled by an operation whose frame did not fit the send queue.
    lagging: Arc<tokio::sync::Notify>,
    protocol: Protocol,
    client: ClientInfo,
    auth: Option<Arc<RequestAuth>>,
    principal: Option<Principal>,
    operations: HashMap<String, AbortHandle>,
    out: mpsc::Sender<Outgoing>,
    expires_at: Option<i64>,
    /// What the socket signed in with, to check again after events may have been lost.
    credential: Option<Credential>,
    revocations: Option<TopicStream>,
    presence: Option<(PresenceHandle, tokio::task::JoinHandle<()>)>,
}

pub async fn serve(
    state: AppState,
    transport: Transport,
    socket: WebSocket,
    protocol: Protocol,
    client: ClientInfo,
) {
    let (mut sink, mut incoming) = socket.split();
    let limits = state.config.graphql.clone();
    let (out, mut outgoing) = mpsc::channel(limits.ws_send_queue.max(1));
    let shutdown = state.shutdown.token().clone();
    let lagging = Arc::new(tokio::sync::Notify::new());
    let mut conn = Connection::new(state, transport, protocol, client, out, &lagging);
    let init_deadline = tokio::time::sleep(limits.ws_init_timeout);
    tokio::pin!(init_deadline);
    let mut keepalive = tokio::time::interval_at(
        tokio::time::Instant::now() + limits.ws_keepalive,
        limits.ws_keepalive,
    );
    let expiry = tokio::time::sleep(Duration::from_secs(u32::MAX.into()));
    tokio::pin!(expiry);
    let close = loop {
        tokio::select! {
            frame = incoming.next() => {
                let text = match text_of(frame) {
                    Frame::Text(text) => text,
                    Frame::Control => continue,
                    Frame::End => break None,
                };
                let acked_before = conn.auth.is_some();
                match conn.handle(&text, &mut sink).await {
                    Ok(()) => {}
                    Err(close) => break Some(close),
                }
                if !acked_before {
                    if let Some(at) = conn.expires_at {
                        let left = (at - chrono::Utc::now().timestamp()).max(0);
                        expiry.as_mut().reset(tokio::time::Instant::now() + Duration::from_secs(left as u64));
                    }
                }
            }
            Some(message) = outgoing.recv() => match message {
                Outgoing::Text(text) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break None;
                    }
                }
                Outgoing::Done(id) => {
                    conn.operations.remove(&id);
                }
            },
            () = &mut init_deadline, if conn.auth.is_none() => {
                break Some(Close::new(4408, "Connection initialisation timeout"));
            }
            _ = keepalive.tick(), if conn.auth.is_some() => {
                if sink.send(Message::Text(protocol.keepalive().into())).await.is_err() {
                    break None;
                }
            }
            () = &mut expiry, if conn.expires_at.is_some() => {
                break Some(Close::new(4403, "Forbidden: credentials expired"));
            }
            watch = next_revocation(&mut conn.revocations, conn.principal.as_ref()) => {
                if conn.revoked(watch).await {
                    break Some(Close::new(4403, "Forbidden: session revoked"));
                }
            }
            () = lagging.notified() => {
                break Some(Close::new(4429, "Too slow: too many messages waiting to be sent"));
            }
            () = shutdown.cancelled() => break Some(Close::new(1001, "server shutting down")),
        }
    };
    conn.finish(sink, close).await;
}

/// A frame from the client, as the connection loop needs it.
enum Frame {
    Text(String),
    /// Ping or pong: nothing to do.
    Control,
    /// Closed, broken or gone.
    End,
}

fn text_of(frame: Option<Result<Message, axum::Error>>) -> Frame {
    match frame {
        Some(Ok(Message::Text(text))) => Frame::Text(text.to_string()),
        Some(Ok(Message::Binary(bytes))) => {
            Frame::Text(String::from_utf8_lossy(&bytes).into_owned())
        }
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => Frame::Control,
        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Frame::End,
    }
}

impl Connection {
    fn new(
        state: AppState,
        transport: Transport,
        protocol: Protocol,
        client: ClientInfo,
        out: mpsc::Sender<Outgoing>,
        lagging: &Arc<tokio::sync::Notify>,
    ) -> Self {
        Self {
            lagging: Arc::clone(lagging),
            state,
            transport,
            protocol,
            client,
            auth: None,
            principal: None,
            operations: HashMap::new(),
            out,
            expires_at: None,
            credential: None,
            revocations: None,
            presence: None,
        }
    }

    /// Whether what the revocation watch saw ends this connection's session.
    async fn revoked(&self, watch: Watch) -> bool {
        match watch {
            Watch::Revoked => true,
            // Revocations announced while Redis was away are lost: ask Postgres.
            Watch::Recheck => match &self.credential {
                Some(credential) => !self.state.domain.auth().still_valid(credential).await,
                None => false,
            },
        }
    }

    /// Ends the connection: its operations stop, the close frame goes out (when there
    /// is one), and its presence is left.
    async fn finish(mut self, mut sink: SplitSink<WebSocket, Message>, close: Option<Close>) {
        for (_, operation) in self.operations.drain() {
            operation.abort();
        }
        if let Some(Close(code, reason)) = close {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            let _ = sink.send(Message::Close(Some(frame))).await;
        }
        let _ = sink.close().await;
        if let Some((handle, refresher)) = self.presence.take() {
            refresher.abort();
            self.state.domain.presence().leave(&handle).await;
        }
    }

    async fn handle(
        &mut self,
        text: &str,
        sink: &mut SplitSink<WebSocket, Message>,
    ) -> Result<(), Close> {
        let message =
            parse(self.protocol, text).map_err(|BadMessage(reason)| Close::new(4400, reason))?;
        match message {
            ClientMessage::ConnectionInit(payload) => self.init(payload, sink).await,
            ClientMessage::Ping(_) => {
                let _ = sink.send(Message::Text(r#"{"type":"pong"}"#.into())).await;
                Ok(())
            }
            ClientMessage::Pong => Ok(()),
            ClientMessage::Subscribe { id, payload } => self.subscribe(id, payload, sink).await,
            ClientMessage::Complete { id } => {
                if let Some(operation) = self.operations.remove(&id) {
                    operation.abort();
                    if self.protocol == Protocol::Legacy {
                        let _ = sink
                            .send(Message::Text(self.protocol.complete(&id).into()))
                            .await;
                    }
                }
                Ok(())
            }
            ClientMessage::Terminate => Err(Close::new(1000, "terminated")),
        }
    }

    async fn init(
        &mut self,
        payload: Value,
        sink: &mut SplitSink<WebSocket, Message>,
    ) -> Result<(), Close> {
        if self.auth.is_some() {
            return Err(Close::new(4429, "Too many initialisation requests"));
        }
        let domain = self.state.domain.clone();
        let credential = Credential::from_connection_params(&payload)
            .map_err(|e| Close::new(4403, format!("Forbidden: {e}")))?;
        let auth = match &credential {
            None => RequestAuth::new(None),
            Some(credential) => {
                let principal = domain
                    .auth()
                    .authenticate(credential)
                    .await
                    .map_err(|e| Close::new(4403, format!("Forbidden: {}", e.message())))?;
                self.expires_at = domain.auth().credential_expiry(credential);
                self.revocations = Some(domain.bus().subscribe(&topics::user(principal.user_id)));
                self.credential = Some(credential.clone());
                let handle = domain.presence().join(principal.user_id).await;
                let refresher = crate::domain::presence::keep_alive(
                    domain.clone(),
                    handle.clone(),
                    crate::domain::presence::PRESENCE_TTL / 2,
                );
                self.presence = Some((handle, refresher));
                self.principal = Some(principal.clone());
                RequestAuth::verified(principal)
            }
        };
        self.auth = Some(Arc::new(auth));
        let ack = match self.protocol {
            Protocol::TransportWs => r#"{"type":"connection_ack"}"#,
            Protocol::Legacy => r#"{"type":"connection_ack"}"#,
        };
        let _ = sink.send(Message::Text(ack.into())).await;
        if self.protocol == Protocol::Legacy {
            let _ = sink
                .send(Message::Text(self.protocol.keepalive().into()))
                .await;
        }
        Ok(())
    }

    async fn subscribe(
        &mut self,
        id: String,
        payload: Value,
        sink: &mut SplitSink<WebSocket, Message>,
    ) -> Result<(), Close> {
        let Some(auth) = self.auth.clone() else {
            return Err(Close::new(4401, "Unauthorized"));
        };
        if self.operations.contains_key(&id) {
            return Err(Close::new(
                4409,
                format!("Subscriber for {id} already exists"),
            ));
        }
        let query = payload["query"].as_str().unwrap_or_default();
        let operation_name = payload.get("operationName").and_then(Value::as_str);
        // Parsed once here (and kept: the operation's request reuses it). One that does
        // not parse or pass the limits is answered with its errors when it runs.
        let document = self.transport.documents.parsed(query).ok();
        let permit = match self.admit(query, document.as_ref(), operation_name).await {
            Ok(permit) => permit,
            Err(refused) => {
                for frame in refused.frames(self.protocol, &id) {
                    let _ = sink.send(Message::Text(frame.into())).await;
                }
                return Ok(());
            }
        };
        let variables = payload.get("variables").filter(|v| v.is_object()).cloned();
        let operation = Operation {
            id: id.clone(),
            shape: (document.as_ref())
                .and_then(|d| Shape::of(d, query, operation_name, variables.as_ref())),
            query: query.to_owned(),
            operation_name: operation_name.map(str::to_owned),
            variables,
        };
        let caller = Caller {
            state: self.state.clone(),
            transport: self.transport.clone(),
            auth,
            client: self.client.clone(),
        };
        let tx = Sender {
            out: self.out.clone(),
            lagging: Arc::clone(&self.lagging),
            protocol: self.protocol,
        };
        let task = tokio::spawn(
            async move {
                let _permit = permit;
                operation.run(caller, tx).await;
            }
            .in_current_span(),
        );
        self.operations.insert(id, task.abort_handle());
        Ok(())
    }

    /// The checks before an operation starts: the socket's and the caller's budgets,
    /// anonymous sockets only watching a bot login, the instance's subscription cap.
    async fn admit(
        &self,
        query: &str,
        document: Option<&ExecutableDocument>,
        operation_name: Option<&str>,
    ) -> Result<SubscriptionPermit, Refused> {
        let cap = self.state.config.graphql.ws_max_operations;
        if self.operations.len() >= cap {
            let message = format!("At most {cap} operations per socket");
            return Err(Refused::Error(serde_json::json!([{ "message": message }])));
        }
        let charged = self
            .state
            .domain
            .auth()
            .charge_operations(self.credential.as_ref(), &self.client, 1)
            .await;
        if let Err(error) = charged {
            let mut extensions = serde_json::json!({ "code": error.code() });
            if let crate::error::AppError::RateLimited { retry_after } = error {
                extensions["retryAfter"] = serde_json::json!(retry_after);
            }
            return Err(Refused::Error(serde_json::json!([{
                "message": error.message(),
                "extensions": extensions,
            }])));
        }
        if self.principal.is_none() && !only_public_subscriptions(document, query, operation_name) {
            return Err(Refused::Unauthenticated);
        }
        self.transport.sockets.subscription().ok_or_else(|| {
            Refused::Error(serde_json::json!([{
                "message": "Server busy: too many subscriptions; try again later",
                "extensions": { "code": "SERVICE_UNAVAILABLE" },
            }]))
        })
    }
}
