//! A chat's title, profile and pinned message (messenger-rest-api.md §7). Routed by
//! `chats::router`.

use axum::Json;

use super::{
    chat_views,
    dto::{ChatProfileUpdate, ChatRead, ChatTitleUpdate, PinRequest},
    error::ApiResult,
    extract::{Body, Caller, Ids},
};
use crate::{
    domain::chats::admin::ChatProfileInput,
    rest::openapi::responses::{InChat, JsonBody},
    state::AppState,
};

type State = axum::extract::State<AppState>;

/// `PATCH /api/v1/chats/{chat_id}/title` — messenger-rest-api.md §7 (owner or admin).
#[utoipa::path(
    patch,
    path = "/api/v1/chats/{chat_id}/title",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    request_body = ChatTitleUpdate,
    responses(
        (status = 200, description = "Renamed", body = ChatRead),
        InChat,
        JsonBody,
    )
)]
pub(super) async fn update_title(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
    Body(body): Body<ChatTitleUpdate>,
) -> ApiResult<Json<ChatRead>> {
    let input = ChatProfileInput {
        title: Some(body.title),
        ..ChatProfileInput::default()
    };
    let chats = state.domain.chats();
    let view = chats.update_profile(&caller, chat_id, input).await?;
    Ok(Json(
        chat_views::chat_read(&state.domain, caller.user_id, view).await?,
    ))
}

/// `PATCH /api/v1/chats/{chat_id}/profile` — messenger-rest-api.md §7: groups and
/// channels, owner or admin.
#[utoipa::path(
    patch,
    path = "/api/v1/chats/{chat_id}/profile",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    request_body = ChatProfileUpdate,
    responses(
        (status = 200, description = "Updated", body = ChatRead),
        InChat,
        JsonBody,
    )
)]
pub(super) async fn update_profile(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
    Body(body): Body<ChatProfileUpdate>,
) -> ApiResult<Json<ChatRead>> {
    let input = ChatProfileInput {
        title: body.title,
        description: body.description,
        avatar_url: body.avatar_url,
    };
    let chats = state.domain.chats();
    let view = chats.update_profile(&caller, chat_id, input).await?;
    Ok(Json(
        chat_views::chat_read(&state.domain, caller.user_id, view).await?,
    ))
}

/// `POST /api/v1/chats/{chat_id}/pin` — messenger-rest-api.md §7: pins a message, or
/// unpins with `{"message_id": null}`.
#[utoipa::path(
    post,
    path = "/api/v1/chats/{chat_id}/pin",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    request_body = PinRequest,
    responses(
        (status = 200, description = "Pinned (or unpinned)", body = ChatRead),
        InChat,
        JsonBody,
    )
)]
pub(super) async fn pin_message(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
    Body(body): Body<PinRequest>,
) -> ApiResult<Json<ChatRead>> {
    let chats = state.domain.chats();
    let view = chats.pin_message(&caller, chat_id, body.message_id).await?;
    Ok(Json(
        chat_views::chat_read(&state.domain, caller.user_id, view).await?,
    ))
}
