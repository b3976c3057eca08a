//! REST compatibility shims, one module per seed API; each maps routes to domain calls
//! and the seed's documented shapes.

mod analytics;
mod bot_auth;
mod bot_webhooks;
mod messenger;
mod miniapp;
mod openapi;
mod rate_limit;

use axum::Router;

use crate::{config::Config, state::AppState};

pub fn router(config: &Config) -> Router<AppState> {
    Router::new()
        .merge(miniapp::router(config))
        .merge(analytics::router(config))
        .merge(bot_auth::router())
        .merge(bot_webhooks::router())
        .merge(messenger::router())
}
