//! REST compatibility shims, one module per seed API; each maps routes to domain calls
//! and the seed's documented shapes.

mod analytics;
mod bot_auth;
mod bot_webhooks;
mod messenger;
mod miniapp;
mod openapi;
mod rate_limit;

use axum::{http::StatusCode, Router};

use crate::{config::Config, error::AppError, state::AppState};

/// The HTTP status of a domain error, the same in every dialect (each keeps its own body
/// shape). `invalid_input` is the status the dialect's document gives rejected input:
/// 422, or 400 for the bot-login API.
pub(crate) fn status_of(error: &AppError, invalid_input: StatusCode) -> StatusCode {
    match error {
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Validation(_) => invalid_input,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

pub fn router(config: &Config) -> Router<AppState> {
    Router::new()
        .merge(miniapp::router(config))
        .merge(analytics::router(config))
        .merge(bot_auth::router())
        .merge(bot_webhooks::router())
        .merge(messenger::router())
}
