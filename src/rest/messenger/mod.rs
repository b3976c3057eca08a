//! Messenger REST API (messenger-rest-api.md, seed 001) under `/api/v1`: the legacy
//! routes with their documented methods, statuses (200/201/204), snake-case bodies and
//! `{"detail": …}` errors. Handlers parse, authenticate, call one domain function and
//! map; lists get their per-viewer facts from the domain's batch functions (`views`,
//! `chat_views`).
//!
//! Choices where the seed is silent are documented on the DTOs and handlers. Errors
//! (`error`): validation and business rules 422, and so are bodies, queries and paths
//! that do not parse (as FastAPI answers them; the seed's 400 has no case here);
//! unknown paths under `/api/v1` answer 404 and known paths with another method 405,
//! both as `{"detail": …}` like the FastAPI service the seed describes.

mod auth;
mod chat_members;
mod chat_settings;
mod chat_views;
mod chats;
mod dto;
mod error;
mod extract;
mod media;
mod messages;
mod notifications;
mod search;
mod users;
mod views;

use axum::{routing::any, Router};

use crate::state::AppState;
use error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(users::router())
        .merge(chats::router())
        .merge(chat_members::router())
        .merge(chat_settings::router())
        .merge(messages::router())
        .merge(media::router())
        .merge(notifications::router())
        .merge(search::router())
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .route(
            "/api/v1/{*path}",
            any(|| async { ApiError::route_not_found() }),
        )
}
