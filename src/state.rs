//! Shared state of the HTTP layer, and the shutdown signal long-lived tasks watch.

use std::sync::Arc;

use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{
    config::Config,
    domain::Domain,
    graphql::{AppSchema, Fanout, SocketGate},
};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub domain: Domain,
    pub schema: AppSchema,
    pub shutdown: Shutdown,
    /// The WebSocket caps of this instance.
    pub sockets: Arc<SocketGate>,
    /// Shared subscription payloads, rendered once per shape and event.
    pub fanout: Arc<Fanout>,
}

/// Cancelled when the server starts draining; WebSockets and other long tasks are
/// tracked so shutdown can wait for them to close cleanly.
#[derive(Clone, Default)]
pub struct Shutdown {
    token: CancellationToken,
    tracker: TaskTracker,
}

impl Shutdown {
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    pub fn tracker(&self) -> &TaskTracker {
        &self.tracker
    }
}
