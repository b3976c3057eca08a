//! The caller's own chat settings (messenger-rest-api.md §7): notifications (muted),
//! archive, pin to the top of the list.

use axum::{
    routing::{get, post},
    Json, Router,
};

use super::{
    chat_views,
    dto::{ChatNotificationSettingsRead, ChatRead, MutedUpdate},
    error::ApiResult,
    extract::{Body, Caller, Ids},
};
use crate::{
    domain::chats::MemberSettings,
    rest::openapi::responses::{InChat, JsonBody},
    state::AppState,
};

type State = axum::extract::State<AppState>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/chats/{chat_id}/notifications",
            get(notifications).put(set_notifications),
        )
        .route("/api/v1/chats/{chat_id}/archive", post(archive))
        .route("/api/v1/chats/{chat_id}/unarchive", post(unarchive))
        .route("/api/v1/chats/{chat_id}/pin-chat", post(pin_chat))
        .route("/api/v1/chats/{chat_id}/unpin-chat", post(unpin_chat))
}

/// `GET /api/v1/chats/{chat_id}/notifications` — messenger-rest-api.md §7.
#[utoipa::path(
    get,
    path = "/api/v1/chats/{chat_id}/notifications",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    responses(
        (status = 200, description = "The caller's notification settings", body = ChatNotificationSettingsRead),
        InChat,
    )
)]
pub(super) async fn notifications(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
) -> ApiResult<Json<ChatNotificationSettingsRead>> {
    let view = state.domain.chats().get(&caller, chat_id).await?;
    Ok(Json((&view.member).into()))
}

/// `PUT /api/v1/chats/{chat_id}/notifications` — messenger-rest-api.md §7; mentions
/// still reach a muted member.
#[utoipa::path(
    put,
    path = "/api/v1/chats/{chat_id}/notifications",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    request_body = MutedUpdate,
    responses(
        (status = 200, description = "Updated (mentions still arrive when muted)", body = ChatNotificationSettingsRead),
        InChat,
        JsonBody,
    )
)]
pub(super) async fn set_notifications(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
    Body(body): Body<MutedUpdate>,
) -> ApiResult<Json<ChatNotificationSettingsRead>> {
    let settings = MemberSettings {
        muted: Some(body.muted),
        ..MemberSettings::default()
    };
    let chats = state.domain.chats();
    let view = chats.update_settings(&caller, chat_id, settings).await?;
    Ok(Json((&view.member).into()))
}

async fn apply(
    state: State,
    caller: Caller,
    chat_id: i64,
    settings: MemberSettings,
) -> ApiResult<Json<ChatRead>> {
    let Caller(caller) = caller;
    let chats = state.domain.chats();
    let view = chats.update_settings(&caller, chat_id, settings).await?;
    Ok(Json(
        chat_views::chat_read(&state.domain, caller.user_id, view).await?,
    ))
}

/// `POST /api/v1/chats/{chat_id}/archive` — messenger-rest-api.md §7.
#[utoipa::path(
    post,
    path = "/api/v1/chats/{chat_id}/archive",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    responses(
        (status = 200, description = "Archived for the caller", body = ChatRead),
        InChat,
    )
)]
pub(super) async fn archive(
    state: State,
    caller: Caller,
    Ids(chat_id): Ids<i64>,
) -> ApiResult<Json<ChatRead>> {
    let settings = MemberSettings {
        archived: Some(true),
        ..MemberSettings::default()
    };
    apply(state, caller, chat_id, settings).await
}

/// `POST /api/v1/chats/{chat_id}/unarchive` — messenger-rest-api.md §7.
#[utoipa::path(
    post,
    path = "/api/v1/chats/{chat_id}/unarchive",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    responses(
        (status = 200, description = "Back in the main list", body = ChatRead),
        InChat,
    )
)]
pub(super) async fn unarchive(
    state: State,
    caller: Caller,
    Ids(chat_id): Ids<i64>,
) -> ApiResult<Json<ChatRead>> {
    let settings = MemberSettings {
        archived: Some(false),
        ..MemberSettings::default()
    };
    apply(state, caller, chat_id, settings).await
}

/// `POST /api/v1/chats/{chat_id}/pin-chat` — messenger-rest-api.md §7.
#[utoipa::path(
    post,
    path = "/api/v1/chats/{chat_id}/pin-chat",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    responses(
        (status = 200, description = "Pinned to the top of the caller's list", body = ChatRead),
        InChat,
    )
)]
pub(super) async fn pin_chat(
    state: State,
    caller: Caller,
    Ids(chat_id): Ids<i64>,
) -> ApiResult<Json<ChatRead>> {
    let settings = MemberSettings {
        pinned: Some(true),
        ..MemberSettings::default()
    };
    apply(state, caller, chat_id, settings).await
}

/// `POST /api/v1/chats/{chat_id}/unpin-chat` — messenger-rest-api.md §7.
#[utoipa::path(
    post,
    path = "/api/v1/chats/{chat_id}/unpin-chat",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    responses(
        (status = 200, description = "Unpinned", body = ChatRead),
        InChat,
    )
)]
pub(super) async fn unpin_chat(
    state: State,
    caller: Caller,
    Ids(chat_id): Ids<i64>,
) -> ApiResult<Json<ChatRead>> {
    let settings = MemberSettings {
        pinned: Some(false),
        ..MemberSettings::default()
    };
    apply(state, caller, chat_id, settings).await
}
