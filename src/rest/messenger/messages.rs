//! Message routes (messenger-rest-api.md §8): send, pages, search, threads, edit,
//! delete, read status, forwards, reactions.

use axum::{
    http::StatusCode,
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;

use super::{
    dto::{
        self, MessageCreateRequest, MessageEditRequest, MessageForwardBulkRequest,
        MessageForwardRequest, MessageReactionRead, MessageReactionToggleRequest, MessageRead,
        MessageStatusUpdateRequest, ReadPointersRead,
    },
    error::ApiResult,
    extract::{Body, Caller, Ids, Params},
    views,
};
use crate::{domain::messages::PageRequest, error::AppError, state::AppState};

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
        .route("/api/v1/messages/{id}/forward", post(forward))
        .route("/api/v1/messages/{id}/forward-bulk", post(forward_bulk))
        .route("/api/v1/messages/{id}/reactions", get(reactions))
        .route(
            "/api/v1/messages/{id}/reactions/toggle",
            post(toggle_reaction),
        )
}

/// `POST /api/v1/messages` — messenger-rest-api.md §8: 201 + `MessageRead`; a retry
/// with the same `client_message_id` returns the first message.
async fn send(
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

#[derive(Deserialize)]
struct SearchParams {
    #[serde(default)]
    query: String,
    chat_id: Option<i64>,
    #[serde(default = "fifty")]
    limit: i64,
}

/// `GET /api/v1/messages/search?query=&chat_id=&limit=50` — messenger-rest-api.md §8:
/// full-text search in the chats the caller can read, newest first.
async fn search(
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

#[derive(Deserialize)]
struct PageParams {
    #[serde(default = "fifty")]
    limit: i64,
    before_id: Option<i64>,
}

/// `GET /api/v1/messages/{chat_id}?limit=50&before_id=` — messenger-rest-api.md §8:
/// the newest `limit` messages (before `before_id`), in chronological order (oldest
/// first), as GraphQL's `messages` page; the next older page is `before_id` = the
/// first id.
async fn page(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
    Params(params): Params<PageParams>,
) -> ApiResult<Json<Vec<MessageRead>>> {
    let request = PageRequest::Backward {
        before: params.before_id,
        n: params.limit,
    };
    let page = state
        .domain
        .messages()
        .page(&caller, chat_id, request)
        .await?;
    Ok(Json(views::message_reads(&state.domain, page.items).await?))
}

fn hundred() -> i64 {
    100
}

#[derive(Deserialize)]
struct ThreadParams {
    #[serde(default = "hundred")]
    limit: i64,
}

/// `GET /api/v1/messages/{message_id}/thread?limit=100` — messenger-rest-api.md §8:
/// the root, then its replies breadth-first.
async fn thread(
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
async fn edit(
    state: State,
    Caller(caller): Caller,
    Ids(message_id): Ids<i64>,
    Body(body): Body<MessageEditRequest>,
) -> ApiResult<Json<MessageRead>> {
    let messages = state.domain.messages();
    let edited = messages.edit(&caller, message_id, &body.text).await?;
    Ok(Json(views::message_read(&state.domain, edited).await?))
}

#[derive(Deserialize)]
struct ForAll {
    #[serde(default, deserialize_with = "dto::flag")]
    for_all: bool,
}

/// `DELETE /api/v1/messages/{message_id}?for_all=false` — messenger-rest-api.md §8: 204.
async fn delete_message(
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
async fn status(
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

/// `POST /api/v1/messages/{message_id}/forward` — messenger-rest-api.md §8: 201 +
/// the forwarded copy.
async fn forward(
    state: State,
    Caller(caller): Caller,
    Ids(message_id): Ids<i64>,
    Body(body): Body<MessageForwardRequest>,
) -> ApiResult<(StatusCode, Json<MessageRead>)> {
    let sent = state
        .domain
        .messages()
        .forward(
            &caller,
            message_id,
            &[body.target_chat_id],
            body.include_author,
        )
        .await?;
    let copy = sent
        .into_iter()
        .next()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("a forward wrote nothing")))?;
    let read = views::message_read(&state.domain, copy).await?;
    Ok((StatusCode::CREATED, Json(read)))
}

/// `POST /api/v1/messages/{message_id}/forward-bulk` — messenger-rest-api.md §8: 201 +
/// one copy per target chat, in the order given.
async fn forward_bulk(
    state: State,
    Caller(caller): Caller,
    Ids(message_id): Ids<i64>,
    Body(body): Body<MessageForwardBulkRequest>,
) -> ApiResult<(StatusCode, Json<Vec<MessageRead>>)> {
    let sent = state
        .domain
        .messages()
        .forward(
            &caller,
            message_id,
            &body.target_chat_ids,
            body.include_author,
        )
        .await?;
    let reads = views::message_reads(&state.domain, sent).await?;
    Ok((StatusCode::CREATED, Json(reads)))
}

/// `GET /api/v1/messages/{message_id}/reactions` — messenger-rest-api.md §8.
async fn reactions(
    state: State,
    Caller(caller): Caller,
    Ids(message_id): Ids<i64>,
) -> ApiResult<Json<Vec<MessageReactionRead>>> {
    let counts = state
        .domain
        .messages()
        .reactions(&caller, message_id)
        .await?;
    Ok(Json(counts.into_iter().map(Into::into).collect()))
}

/// `POST /api/v1/messages/{message_id}/reactions/toggle` — messenger-rest-api.md §8:
/// adds or removes the caller's emoji; returns the message's reactions.
async fn toggle_reaction(
    state: State,
    Caller(caller): Caller,
    Ids(message_id): Ids<i64>,
    Body(body): Body<MessageReactionToggleRequest>,
) -> ApiResult<Json<Vec<MessageReactionRead>>> {
    let counts = state
        .domain
        .messages()
        .toggle_reaction(&caller, message_id, &body.emoji)
        .await?;
    Ok(Json(counts.into_iter().map(Into::into).collect()))
}
