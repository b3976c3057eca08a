//! Message routes (messenger-rest-api.md §8) that act on one message: forwards and
//! reactions. Routed by `messages::router`.

use axum::{http::StatusCode, Json};

use super::{
    dto::{
        MessageForwardBulkRequest, MessageForwardRequest, MessageReactionRead,
        MessageReactionToggleRequest, MessageRead,
    },
    error::ApiResult,
    extract::{Body, Caller, Ids},
    views,
};
use crate::{
    error::AppError,
    rest::openapi::responses::{InChat, JsonBody, TooManyRequests},
    state::AppState,
};

type State = axum::extract::State<AppState>;

/// `POST /api/v1/messages/{message_id}/forward` — messenger-rest-api.md §8: 201 +
/// the forwarded copy.
#[utoipa::path(
    post,
    path = "/api/v1/messages/{message_id}/forward",
    tag = "messages",
    security(("jwt" = [])),
    params(("message_id" = i64, Path, description = "A message id")),
    request_body = MessageForwardRequest,
    responses(
        (status = 201, description = "The forwarded copy", body = MessageRead),
        InChat,
        JsonBody,
        (status = 429, response = TooManyRequests),
    )
)]
pub(super) async fn forward(
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
#[utoipa::path(
    post,
    path = "/api/v1/messages/{message_id}/forward-bulk",
    tag = "messages",
    security(("jwt" = [])),
    params(("message_id" = i64, Path, description = "A message id")),
    request_body = MessageForwardBulkRequest,
    responses(
        (status = 201, description = "One copy per target chat, in the order given", body = Vec<MessageRead>),
        InChat,
        JsonBody,
        (status = 429, response = TooManyRequests),
    )
)]
pub(super) async fn forward_bulk(
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
#[utoipa::path(
    get,
    path = "/api/v1/messages/{message_id}/reactions",
    tag = "messages",
    security(("jwt" = [])),
    params(("message_id" = i64, Path, description = "A message id")),
    responses(
        (status = 200, description = "The message's reactions", body = Vec<MessageReactionRead>),
        InChat,
    )
)]
pub(super) async fn reactions(
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
#[utoipa::path(
    post,
    path = "/api/v1/messages/{message_id}/reactions/toggle",
    tag = "messages",
    security(("jwt" = [])),
    params(("message_id" = i64, Path, description = "A message id")),
    request_body = MessageReactionToggleRequest,
    responses(
        (status = 200, description = "The message's reactions after the toggle", body = Vec<MessageReactionRead>),
        InChat,
        JsonBody,
    )
)]
pub(super) async fn toggle_reaction(
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
