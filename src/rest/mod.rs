//! REST compatibility shims, one module per seed API; each maps routes to domain calls
//! and the seed's documented shapes.

mod bot_auth;
mod bot_webhooks;
mod miniapp;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(miniapp::router())
        .merge(bot_auth::router())
        .merge(bot_webhooks::router())
}
