//! Media routes (messenger-rest-api.md §9): presigned uploads, attachments, a chat's
//! files.

use axum::{
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    dto::{
        AttachmentCreateRequest, AttachmentRead, ChatAttachmentRead, UploadUrlRequest,
        UploadUrlResponse,
    },
    error::ApiResult,
    extract::{Body, Caller, Ids, Params},
};
use crate::{
    rest::openapi::responses::{Authenticated, InChat, JsonBody},
    state::AppState,
};

type State = axum::extract::State<AppState>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/media/upload-url", post(upload_url))
        .route("/api/v1/media/attachments", post(attach))
        .route(
            "/api/v1/media/chats/{chat_id}/attachments",
            get(chat_attachments),
        )
}

/// `POST /api/v1/media/upload-url` — messenger-rest-api.md §9: a presigned `PUT` URL
/// for an allowed type within `MAX_UPLOAD_SIZE_BYTES`; 503 without storage.
#[utoipa::path(
    post,
    path = "/api/v1/media/upload-url",
    tag = "media",
    security(("jwt" = [])),
    request_body = UploadUrlRequest,
    responses(
        (status = 200, description = "A presigned `PUT` URL", body = UploadUrlResponse),
        Authenticated,
        JsonBody,
    )
)]
pub(super) async fn upload_url(
    state: State,
    Caller(caller): Caller,
    Body(body): Body<UploadUrlRequest>,
) -> ApiResult<Json<UploadUrlResponse>> {
    let ticket = state
        .domain
        .media()
        .request_upload(&caller, body.into())
        .await?;
    Ok(Json(ticket.into()))
}

/// `POST /api/v1/media/attachments` — messenger-rest-api.md §9: 200 + `AttachmentRead`;
/// only the message's sender, only URLs of the configured bucket.
#[utoipa::path(
    post,
    path = "/api/v1/media/attachments",
    tag = "media",
    security(("jwt" = [])),
    request_body = AttachmentCreateRequest,
    responses(
        (status = 200, description = "Attached", body = AttachmentRead),
        InChat,
        JsonBody,
    )
)]
pub(super) async fn attach(
    state: State,
    Caller(caller): Caller,
    Body(body): Body<AttachmentCreateRequest>,
) -> ApiResult<Json<AttachmentRead>> {
    let attachment = state
        .domain
        .media()
        .attach_file(&caller, body.into())
        .await?;
    Ok(Json(attachment.into()))
}

fn hundred() -> i64 {
    100
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PageParams {
    #[serde(default = "hundred")]
    #[param(default = 100, minimum = 1, maximum = 100)]
    limit: i64,
    /// Attachments older than this attachment id.
    before_id: Option<i64>,
}

/// `GET /api/v1/media/chats/{chat_id}/attachments?limit=100&before_id=` —
/// messenger-rest-api.md §9: newest first; `before_id` is an attachment id.
#[utoipa::path(
    get,
    path = "/api/v1/media/chats/{chat_id}/attachments",
    tag = "media",
    security(("jwt" = [])),
    params(("chat_id" = i64, Path, description = "A chat id"), PageParams),
    responses(
        (status = 200, description = "The chat's files, newest first", body = Vec<ChatAttachmentRead>),
        InChat,
    )
)]
pub(super) async fn chat_attachments(
    state: State,
    Caller(caller): Caller,
    Ids(chat_id): Ids<i64>,
    Params(params): Params<PageParams>,
) -> ApiResult<Json<Vec<ChatAttachmentRead>>> {
    let files = state
        .domain
        .media()
        .chat_attachments(&caller, chat_id, params.limit, params.before_id)
        .await?;
    Ok(Json(files.into_iter().map(Into::into).collect()))
}
