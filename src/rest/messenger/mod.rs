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
mod chat_profile;
mod chat_settings;
mod chat_views;
mod chats;
mod dto;
mod error;
mod extract;
mod media;
mod message_actions;
mod messages;
mod notifications;
mod search;
mod users;
mod views;

use axum::{routing::any, Router};

use crate::state::AppState;
use error::ApiError;

/// This API's part of the OpenAPI document (`rest::openapi` merges it).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    auth::register,
    auth::login,
    auth::refresh,
    auth::verify_email,
    auth::resend_verification,
    auth::request_password_reset,
    auth::reset_password,
    auth::me,
    auth::sessions,
    auth::revoke_all,
    auth::revoke_session,
    auth::setup_two_factor,
    auth::enable_two_factor,
    auth::disable_two_factor,
    users::me,
    users::search,
    users::update_profile,
    users::blocked,
    users::contacts,
    users::add_contact,
    users::add_contact_by_email,
    users::remove_contact,
    users::block,
    users::unblock,
    users::user,
    chats::list,
    chats::saved,
    chats::discover,
    chats::create,
    chats::join,
    chats::detail,
    chat_profile::update_title,
    chat_profile::update_profile,
    chat_members::members,
    chat_members::add_member,
    chat_members::set_role,
    chat_members::remove_member,
    chat_members::leave,
    chat_members::delete_chat,
    chat_members::clear,
    chat_profile::pin_message,
    chat_settings::notifications,
    chat_settings::set_notifications,
    chat_settings::archive,
    chat_settings::unarchive,
    chat_settings::pin_chat,
    chat_settings::unpin_chat,
    chats::invite_link,
    chats::join_by_invite,
    messages::send,
    messages::search,
    messages::page,
    messages::thread,
    messages::edit,
    messages::delete_message,
    messages::status,
    message_actions::forward,
    message_actions::forward_bulk,
    message_actions::reactions,
    message_actions::toggle_reaction,
    media::upload_url,
    media::attach,
    media::chat_attachments,
    notifications::list,
    search::search,
))]
pub(super) struct Doc;

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
