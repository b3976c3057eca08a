//! One operation of a socket: executes it and forwards its results to the socket's send
//! queue, resolved per socket, or — for shared `messageEvents` shapes — rendered once per
//! event for all sockets of the shape (see [`super::fanout`]).

use std::sync::Arc;

use async_graphql::{Request, Response, Variables};
use futures_util::{stream::BoxStream, Stream, StreamExt};
use serde_json::Value;
use tokio::sync::{mpsc, Notify};

use super::{
    fanout::{OneEvent, Shape, Tap, Unrenderable},
    protocol::Protocol,
};
use crate::{
    domain::{live::MessageUpdate, ClientInfo},
    graphql::{
        context::RequestAuth,
        http::{is_request_error, Body},
        loaders::{stream_in_waves, Fetches, Loaders},
        Transport,
    },
    state::AppState,
};

/// What operation tasks hand to the socket writer.
pub(super) enum Outgoing {
    Text(String),
    /// The operation ended: forget its id.
    Done(String),
}

/// The socket's send queue as an operation sees it.
pub(super) struct Sender {
    pub out: mpsc::Sender<Outgoing>,
    /// Signalled when a frame did not fit the queue: the socket is closed (4429).
    pub lagging: Arc<Notify>,
    pub protocol: Protocol,
}

impl Sender {
    /// Queues a frame; never waits on a slow reader. `false`: stop the operation.
    fn push(&self, message: Outgoing) -> bool {
        match self.out.try_send(message) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.lagging.notify_one();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    fn error(&self, id: &str, errors: Value) {
        let _ = self.push(Outgoing::Text(self.protocol.error(id, errors)))
            && self.push(Outgoing::Done(id.to_owned()));
    }
}

/// Who runs the operation: the instance and the socket's credential and client.
pub(super) struct Caller {
    pub state: AppState,
    pub transport: Transport,
    pub auth: Arc<RequestAuth>,
    pub client: ClientInfo,
}

/// A `subscribe` message's operation.
pub(super) struct Operation {
    pub id: String,
    pub query: String,
    pub operation_name: Option<String>,
    pub variables: Option<Value>,
    /// Set when its results are the same for every viewer (shared fan-out).
    pub shape: Option<Shape>,
}

impl Operation {
    /// The operation as a request, with its loaders; run its results in the returned
    /// [`Fetches`]' waves. `Err`: the document did not parse or pass the limits (the
    /// errors, as the protocol's `error` payload).
    fn request(&self, caller: &Caller) -> Result<(Request, Fetches), Value> {
        let mut request = Request::new(self.query.clone());
        if let Some(name) = &self.operation_name {
            request = request.operation_name(name.clone());
        }
        if let Some(variables) = &self.variables {
            request = request.variables(Variables::from_json(variables.clone()));
        }
        let prepared = caller
            .transport
            .documents
            .prepare(request)
            .map_err(|error| serde_json::to_value([error]).unwrap_or(Value::Null))?;
        let (loaders, fetches) = Loaders::for_request(&caller.state.domain);
        if prepared.writes {
            loaders.writes();
        }
        let request = prepared
            .request
            .data(Arc::clone(&caller.auth))
            .data(Arc::new(loaders))
            .data(caller.client.clone());
        Ok((request, fetches))
    }

    /// Runs to the end of the operation's results, then says `complete`.
    pub async fn run(self, caller: Caller, tx: Sender) {
        let tap = self.shape.as_ref().map(|_| Arc::new(Tap::default()));
        let (mut request, fetches) = match self.request(&caller) {
            Ok(prepared) => prepared,
            Err(errors) => {
                tx.error(&self.id, errors);
                return;
            }
        };
        if let Some(tap) = &tap {
            request = request.data(Arc::clone(tap));
        }
        // A shared shape's first run only checks and subscribes: its events are left in
        // the tap; any error (validation, arguments, permission) comes out here as usual.
        let results = stream_in_waves(fetches, caller.transport.schema.execute_stream(request));
        if !self.forward(results, &tx).await {
            return;
        }
        if let (Some(shape), Some(updates)) = (&self.shape, tap.and_then(|t| t.take())) {
            if !self.share(shape, updates, &caller, &tx).await {
                return;
            }
        }
        let _ = tx.push(Outgoing::Text(tx.protocol.complete(&self.id)))
            && tx.push(Outgoing::Done(self.id));
    }

    /// Forwards results resolved for this socket. `false`: the operation ended here.
    async fn forward(&self, results: impl Stream<Item = Response>, tx: &Sender) -> bool {
        let mut results = std::pin::pin!(results);
        let mut first = true;
        while let Some(response) = results.next().await {
            let request_error = is_request_error(&response);
            if first && request_error {
                tx.error(
                    &self.id,
                    serde_json::to_value(&response.errors).unwrap_or(Value::Null),
                );
                return false;
            }
            first = false;
            let payload =
                serde_json::to_string(&Body::of(&response, request_error)).unwrap_or_default();
            let frame = tx.protocol.next_raw(&self.id, &payload);
            if !tx.push(Outgoing::Text(frame)) {
                return false;
            }
        }
        true
    }

    /// Writes each event's shared payload. `false`: the operation ended here.
    async fn share(
        &self,
        shape: &Shape,
        mut updates: BoxStream<'static, MessageUpdate>,
        caller: &Caller,
        tx: &Sender,
    ) -> bool {
        let fanout = &caller.transport.fanout;
        while let Some(update) = updates.next().await {
            let payload = fanout
                .payload(shape, &update, || self.render_one(caller, update.clone()))
                .await;
            match payload {
                Ok(payload) => {
                    let frame = tx.protocol.next_raw(&self.id, &payload);
                    if !tx.push(Outgoing::Text(frame)) {
                        return false;
                    }
                }
                Err(Unrenderable(errors)) => {
                    tx.error(&self.id, errors);
                    return false;
                }
            }
        }
        true
    }

    /// The operation's payload for one event, resolved as this socket's caller.
    async fn render_one(
        &self,
        caller: &Caller,
        update: MessageUpdate,
    ) -> Result<String, Unrenderable> {
        let (request, fetches) = self.request(caller).map_err(Unrenderable)?;
        let request = request.data(OneEvent(update));
        let results = caller.transport.schema.execute_stream(request);
        let mut results = std::pin::pin!(stream_in_waves(fetches, results));
        let Some(response) = results.next().await else {
            return Err(Unrenderable(serde_json::json!([{
                "message": "The event could not be delivered",
                "extensions": { "code": "INTERNAL" },
            }])));
        };
        if is_request_error(&response) {
            return Err(Unrenderable(
                serde_json::to_value(&response.errors).unwrap_or(Value::Null),
            ));
        }
        Ok(serde_json::to_string(&Body::of(&response, false)).unwrap_or_default())
    }
}
