//! Message routes (messenger-rest-api.md §8): send, pages, search, threads, edit,
//! delete, read status; forwards and reactions are in `message_actions.rs`.

use axum::{
    http::StatusCode,
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    dto::{
        self, MessageCreateRequest, MessageEditRequest, MessageRead, MessageStatusUpdateRequest,
        ReadPointersRead,
    },
    error::ApiResult,
    extract::{Body, Caller, Ids, Params},
    message_actions as actions, views,
};
use crate::{
    domain::messages::{MessageWants, PageRequest},
    rest::openapi::responses::{Conflict, InChat, JsonBody, TooManyRequests},
    state::AppState,
};

type State = axum::extract::State<AppState>;

pub fn router() -> Router<AppState> {
    // `/messages/search` and `/messages/status` are static, so they win over
    // `/messages/{id}` whatever the order here; `{id}` is a chat id for `GET` and a
    // message id otherwise (matchit wants one name per position).
    Router::new()
        .route("/api/v1/messages", post(send))
        .route("/api/v1/messages/search", get(search))
        .route("/api/v1/messages/status", post(status))
        .route(
            "/api/v1/messages/{id}",
            get(page).put(edit).delete(delete_message),
        )
        .route("/api/v1/messages/{id}/thread", get(thread))
        .route("/api/v1/messages/{id}/forward", post(actions::forward))
        .route(
            "/api/v1/messages/{id}/forward-bulk",
            post(actions::forward_bulk),
        )
        .route("/api/v1/messages/{id}/reactions", get(actions::reactions))
        .route(
            "/api/v1/messages/{id}/reactions/toggle",
            post(actions::toggle_reaction),
        )
}

/// `POST /api/v1/messages` — messenger-rest-api.md §8: 201 + `MessageRead`; a retry
/// with the same `client_message_id` returns the first message.
#[utoipa::path(
    post,
    path = "/api/v1/messages",
    tag = "messages",
    security(("jwt" = [])),
    request_body = MessageCreateRequest,
    responses(
        (status = 201, description = "Sent (a retry with the same `client_message_id` returns the first message)", body = MessageRead),
        InChat,
        JsonBody,
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
    )
)]
pub(super) async fn send(
    state: State,
    Caller(caller): Caller,
    Body(body): Body<MessageCreateRequest>,
) -> ApiResult<(StatusCode, Json<MessageRead>)> {
    let message = state.domain.messages().send(&caller, body.into()).await?;
    let read = views::message_read(&state.domain, message).await?;
    Ok((StatusCode::CREATED, Json(read)))
}

fn fifty() -> i64 {
    50
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchParams {
    #[serde(default)]
    query: String,
    /// Only this chat.
    chat_id: Option<i64>,
    #[serde(default = "fifty")]
    #[param(default = 50, minimum = 1, maximum = 100)]
    limit: i64,
}

/// `GET /api/v1/messages/search?query=&chat_id=&limit=50` — messenger-rest-api.md §8:
/// full-text search in the chats the caller can read, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/messages/search",
    tag = "messages",
    security(("jwt" = [])),
    params(SearchParams),
    responses(
        (status = 200, description = "Matches in the chats the caller can read, newest first", body = Vec<MessageRead>),
        InChat,
    )
)]
pub(super) async fn search(
    state: State,
    Caller(caller): Caller,
    Params(params): Params<SearchParams>,
) -> ApiResult<Json<Vec<MessageRead>>> {
    let found = state
        .domain
        .messages()
        .search(&caller, &params.query, params.chat_id, params.limit)
        .await?;
    Ok(Json(views::message_reads(&state.domain, found).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PageParams {
    #[serde(default = "fifty")]
    #[param(default = 50, minimum = 1, maximum = 100)]
    limit: i64,
    /// Messages older than this one (the next older page).
    before_id: Option<i64>,
}

/// `GET /api/v1/messages/{chat_id}?limit=50&before_id=` — messenger-rest-api.md §8:
/// the newest `limit` messages (before `before_id`), in chronological order (oldest
/// first), as GraphQL's `messages` page; the next older page is `before_id` = the
/// first id.
#[utoipa::path(
    get,
    path = "/api/v1/messages/{id}",
    tag = "messages",
    security(("jwt" = [])),
    params(("id" = i64, Path, description = "A chat id (`PUT` and `DELETE` take a message id here)"), PageParams),
    responses(
        (status = 200, description = "The newest `limit` messages before `before_id`, oldest first", body = Vec<MessageRead>),
        InChat,
    )
)]
pub(super) async fn page(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
    Params(params): Params<PageParams>,
) -> ApiResult<Json<Vec<MessageRead>>> {
    let request = PageRequest::Backward {
        before: params.before_id,
        n: params.limit,
    };
    let wants = MessageWants {
        attachments: true,
        members: true,
        ..MessageWants::default()
    };
    let page = state
        .domain
        .messages()
        .read_page(&caller, chat_id, request, wants)
        .await?;
    Ok(Json(views::page_reads(&page)))
}

fn hundred() -> i64 {
    100
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ThreadParams {
    #[serde(default = "hundred")]
    #[param(default = 100, minimum = 1, maximum = 100)]
    limit: i64,
}

/// `GET /api/v1/messages/{message_id}/thread?limit=100` — messenger-rest-api.md §8:
/// the root, then its replies breadth-first.
#[utoipa::path(
    get,
    path = "/api/v1/messages/{message_id}/thread",
    tag = "messages",
    security(("jwt" = [])),
    params(("message_id" = i64, Path, description = "A message id"), ThreadParams),
    responses(
        (status = 200, description = "The root, then its replies breadth-first", body = Vec<MessageRead>),
        InChat,
    )
)]
pub(super) async fn thread(
    state: State,
    Caller(caller): Caller,
    Ids(message_id): Ids<i64>,
    Params(params): Params<ThreadParams>,
) -> ApiResult<Json<Vec<MessageRead>>> {
    let messages = state.domain.messages();
    let found = messages.thread(&caller, message_id, params.limit).await?;
    Ok(Json(views::message_reads(&state.domain, found).await?))
}

/// `PUT /api/v1/messages/{message_id}` — messenger-rest-api.md §8: the sender edits.
#[utoipa::path(
    put,
    path = "/api/v1/messages/{id}",
    tag = "messages",
    security(("jwt" = [])),
    params(("id" = i64, Path, description = "A message id (`GET` takes a chat id here)")),
    request_body = MessageEditRequest,
    responses(
        (status = 200, description = "Edited", body = MessageRead),
        InChat,
        JsonBody,
    )
)]
pub(super) async fn edit(
    state: State,
    Caller(caller): Caller,
    Ids(message_id): Ids<i64>,
    Body(body): Body<MessageEditRequest>,
) -> ApiResult<Json<MessageRead>> {
    let messages = state.domain.messages();
    let edited = messages.edit(&caller, message_id, &body.text).await?;
    Ok(Json(views::message_read(&state.domain, edited).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ForAll {
    /// Delete for every member instead of hiding it for the caller.
    #[serde(default, deserialize_with = "dto::flag")]
    #[param(default = false)]
    for_all: bool,
}

/// `DELETE /api/v1/messages/{message_id}?for_all=false` — messenger-rest-api.md §8: 204.
#[utoipa::path(
    delete,
    path = "/api/v1/messages/{id}",
    tag = "messages",
    security(("jwt" = [])),
    params(("id" = i64, Path, description = "A message id (`GET` takes a chat id here)"), ForAll),
    responses(
        (status = 204, description = "Deleted for everyone, or hidden for the caller"),
        InChat,
    )
)]
pub(super) async fn delete_message(
    state: State,
    Caller(caller): Caller,
    Ids(message_id): Ids<i64>,
    Params(params): Params<ForAll>,
) -> ApiResult<StatusCode> {
    let messages = state.domain.messages();
    messages.delete(&caller, message_id, params.for_all).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/messages/status` — messenger-rest-api.md §8: `message_delivered` or
/// `message_read` moves the caller's pointer (never back); returns both pointers.
#[utoipa::path(
    post,
    path = "/api/v1/messages/status",
    tag = "messages",
    security(("jwt" = [])),
    request_body = MessageStatusUpdateRequest,
    responses(
        (status = 200, description = "The caller's pointers in the chat (they never move back)", body = ReadPointersRead),
        InChat,
        JsonBody,
    )
)]
pub(super) async fn status(
    state: State,
    Caller(caller): Caller,
    Body(body): Body<MessageStatusUpdateRequest>,
) -> ApiResult<Json<ReadPointersRead>> {
    let pointers = state
        .domain
        .messages()
        .mark(&caller, body.chat_id, body.message_id, body.status.into())
        .await?;
    Ok(Json(pointers.into()))
}
