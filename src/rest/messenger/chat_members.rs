//! Chat membership routes (messenger-rest-api.md §7): members, roles, leaving,
//! deleting and clearing a chat.

use axum::{
    http::StatusCode,
    routing::{delete, get, patch, post},
    Json, Router,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    dto::{self, ChatMemberAdd, ChatMemberRead, ChatMemberRoleUpdate},
    error::ApiResult,
    extract::{Body, Caller, Ids, Params},
};
use crate::{
    rest::openapi::responses::{Conflict, InChat, JsonBody},
    state::AppState,
};

type State = axum::extract::State<AppState>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/chats/{chat_id}", delete(delete_chat))
        .route(
            "/api/v1/chats/{chat_id}/members",
            get(members).post(add_member),
        )
        .route(
            "/api/v1/chats/{chat_id}/members/{user_id}",
            delete(remove_member),
        )
        .route(
            "/api/v1/chats/{chat_id}/members/{user_id}/role",
            patch(set_role),
        )
        .route("/api/v1/chats/{chat_id}/leave", post(leave))
        .route("/api/v1/chats/{chat_id}/clear", post(clear))
}

/// `GET /api/v1/chats/{chat_id}/members` — messenger-rest-api.md §7: oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/chats/{chat_id}/members",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    responses(
        (status = 200, description = "Members, oldest first", body = Vec<ChatMemberRead>),
        InChat,
    )
)]
pub(super) async fn members(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
) -> ApiResult<Json<Vec<ChatMemberRead>>> {
    let members = state.domain.chats().members(&caller, chat_id).await?;
    Ok(Json(members.into_iter().map(Into::into).collect()))
}

/// `POST /api/v1/chats/{chat_id}/members` — messenger-rest-api.md §7: 201 +
/// `ChatMemberRead` (owner or admin, within the user's §3.7 invite privacy).
#[utoipa::path(
    post,
    path = "/api/v1/chats/{chat_id}/members",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    request_body = ChatMemberAdd,
    responses(
        (status = 201, description = "Added", body = ChatMemberRead),
        InChat,
        JsonBody,
        (status = 409, response = Conflict),
    )
)]
pub(super) async fn add_member(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
    Body(body): Body<ChatMemberAdd>,
) -> ApiResult<(StatusCode, Json<ChatMemberRead>)> {
    let chats = state.domain.chats();
    let member = chats.add_member(&caller, chat_id, body.user_id).await?;
    Ok((StatusCode::CREATED, Json(member.into())))
}

/// `PATCH /api/v1/chats/{chat_id}/members/{user_id}/role` — messenger-rest-api.md §7:
/// the owner sets `admin` or `member`; `owner` transfers ownership.
#[utoipa::path(
    patch,
    path = "/api/v1/chats/{chat_id}/members/{user_id}/role",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id"), ("user_id" = i64, Path, description = "The member's user id")),
    request_body = ChatMemberRoleUpdate,
    responses(
        (status = 200, description = "The member with the new role", body = ChatMemberRead),
        InChat,
        JsonBody,
    )
)]
pub(super) async fn set_role(
    state: State,
    Caller(caller): Caller,
    Ids((chat_id, user_id)): Ids<(i64, i64)>,
    Body(body): Body<ChatMemberRoleUpdate>,
) -> ApiResult<Json<ChatMemberRead>> {
    let chats = state.domain.chats();
    let member = chats
        .set_role(&caller, chat_id, user_id, body.role.into())
        .await?;
    Ok(Json(member.into()))
}

/// `DELETE /api/v1/chats/{chat_id}/members/{user_id}` — messenger-rest-api.md §7: 204.
#[utoipa::path(
    delete,
    path = "/api/v1/chats/{chat_id}/members/{user_id}",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id"), ("user_id" = i64, Path, description = "The member's user id")),
    responses(
        (status = 204, description = "Removed"),
        InChat,
    )
)]
pub(super) async fn remove_member(
    state: State,
    Caller(caller): Caller,
    Ids((chat_id, user_id)): Ids<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let chats = state.domain.chats();
    chats.remove_member(&caller, chat_id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/chats/{chat_id}/leave` — messenger-rest-api.md §7: 204.
#[utoipa::path(
    post,
    path = "/api/v1/chats/{chat_id}/leave",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    responses(
        (status = 204, description = "Left"),
        InChat,
    )
)]
pub(super) async fn leave(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
) -> ApiResult<StatusCode> {
    state.domain.chats().leave(&caller, chat_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ForAll {
    /// Delete for every member (owner; groups and channels) instead of hiding it for
    /// the caller.
    #[serde(default, deserialize_with = "dto::flag")]
    #[param(default = false)]
    for_all: bool,
}

/// `DELETE /api/v1/chats/{chat_id}?for_all=false` — messenger-rest-api.md §7: 204;
/// for everyone, or just for the caller.
#[utoipa::path(
    delete,
    path = "/api/v1/chats/{chat_id}",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id"), ForAll),
    responses(
        (status = 204, description = "Deleted for everyone, or hidden for the caller"),
        InChat,
    )
)]
pub(super) async fn delete_chat(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
    Params(params): Params<ForAll>,
) -> ApiResult<StatusCode> {
    let chats = state.domain.chats();
    chats.delete(&caller, chat_id, params.for_all).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/chats/{chat_id}/clear` — messenger-rest-api.md §7: 204; hides the
/// history so far from the caller only.
#[utoipa::path(
    post,
    path = "/api/v1/chats/{chat_id}/clear",
    tag = "chats",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id")),
    responses(
        (status = 204, description = "History cleared for the caller"),
        InChat,
    )
)]
pub(super) async fn clear(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
) -> ApiResult<StatusCode> {
    state.domain.chats().clear_history(&caller, chat_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
