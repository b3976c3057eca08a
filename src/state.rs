//! Shared state of the HTTP layer, and the shutdown signal long-lived tasks watch.

use std::sync::Arc;

use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{config::Config, domain::Domain};

/// What every route shares. The GraphQL endpoint's own parts (schema, socket caps,
/// shared fan-out) travel with its router (`graphql::Transport`).
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub domain: Domain,
    pub shutdown: Shutdown,
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
