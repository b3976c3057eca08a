//! Bot login REST API (bot-auth-api.md) under `/v1/auth`: the seed's four routes and
//! JSON shapes. The seed documents no errors; ours are `{"detail": "…"}` (its sibling
//! API's dialect) with: 400 a bad body, `state` or code (an unknown, used or expired
//! code is one answer, so codes cannot be probed); 404 an unknown session; 503 bot login
//! not configured. Responses that carry a code are `Cache-Control: no-store`.

use axum::{
    extract::{
        rejection::{BytesRejection, JsonRejection},
        Path, State,
    },
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::{
    domain::bot_auth::{BotAuthResult, BotAuthStatus, Channel, SessionStatus},
    error::AppError,
    rest::openapi::responses::{
        BadRequest, BotAuthBody, Detail as DetailBody, NotFound, Unavailable,
    },
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/link", get(link))
        .route("/v1/auth/session", post(create_session))
        .route("/v1/auth/session/{session_id}/status", get(status))
        .route("/v1/auth/verify", post(verify))
}

/// An [`AppError`] as `{"detail": "…"}` with the matching status.
pub struct Detail {
    status: StatusCode,
    message: String,
    retry_after: Option<u64>,
}

impl From<AppError> for Detail {
    fn from(error: AppError) -> Self {
        error.log();
        let status = crate::rest::status_of(&error, StatusCode::BAD_REQUEST);
        let retry_after = match &error {
            AppError::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        };
        // The seed's clients read one sentence; a single field error is shown bare.
        let message = match &error {
            AppError::Validation(errors) if errors.len() == 1 => errors[0].message.clone(),
            _ => error.message(),
        };
        Self {
            status,
            message,
            retry_after,
        }
    }
}

impl From<JsonRejection> for Detail {
    fn from(rejection: JsonRejection) -> Self {
        Self {
            status: rejection.status(),
            message: crate::http::rejection::in_plain_words(&rejection.body_text()),
            retry_after: None,
        }
    }
}

/// A body that could not be read (413 over `MAX_REQUEST_BODY_BYTES`).
impl From<BytesRejection> for Detail {
    fn from(rejection: BytesRejection) -> Self {
        Self {
            status: rejection.status(),
            message: rejection.body_text(),
            retry_after: None,
        }
    }
}

impl IntoResponse for Detail {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(json!({ "detail": self.message }))).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

fn no_store(body: impl Serialize) -> Response {
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The static login links.
#[derive(Serialize, ToSchema)]
pub(super) struct LinkBody {
    #[schema(required = true, example = "https://t.me/YourBot?start=auth_my-app")]
    telegram_link: Option<String>,
    #[schema(required = true, example = "https://max.ru/YourBot?start=auth_my-app")]
    max_link: Option<String>,
    configured: bool,
}

/// `GET /v1/auth/link` — bot-auth-api.md "Static links". A link is null when its bot
/// is not set up; `configured` says whether the login works at all.
#[utoipa::path(
    get,
    path = "/v1/auth/link",
    tag = "bot-auth",
    responses(
        (status = 200, description = "The static login links (null while that bot is not set up)", body = LinkBody),
    )
)]
pub(super) async fn link(State(state): State<AppState>) -> Json<LinkBody> {
    let links = state.domain.bot_auth().links();
    Json(LinkBody {
        telegram_link: links.telegram_link,
        max_link: links.max_link,
        configured: links.configured,
    })
}

/// `POST /v1/auth/session` body.
#[derive(Deserialize, ToSchema)]
pub(super) struct SessionRequest {
    /// Returned by `POST /v1/auth/verify` (at most 512 characters).
    #[schema(example = "browser_session_abc")]
    state: Option<String>,
}

/// A login session.
#[derive(Serialize, ToSchema)]
pub(super) struct SessionBody {
    #[schema(example = "aBcDeFgH12345678")]
    session_id: String,
    #[schema(required = true)]
    telegram_link: Option<String>,
    /// Not in the seed's example; the Max link of the same session.
    #[schema(required = true)]
    max_link: Option<String>,
    #[schema(example = 300)]
    expires_in: u64,
}

/// `POST /v1/auth/session` — bot-auth-api.md "API sessions (with state)". 200 with the
/// seed's body (the seed shows no 201).
#[utoipa::path(
    post,
    path = "/v1/auth/session",
    tag = "bot-auth",
    request_body = SessionRequest,
    responses(
        (status = 200, description = "A login session carrying `state`", body = SessionBody),
        BotAuthBody,
        (status = 400, response = BadRequest),
        (status = 422, description = "The body is JSON of another shape (e.g. `state` not a string)", body = DetailBody),
    )
)]
pub(super) async fn create_session(
    State(state): State<AppState>,
    body: Result<Json<SessionRequest>, JsonRejection>,
) -> Result<Json<SessionBody>, Detail> {
    let Json(request) = body?;
    let session = state
        .domain
        .bot_auth()
        .create_session(request.state)
        .await?;
    Ok(Json(SessionBody {
        session_id: session.session_id,
        telegram_link: session.telegram_link,
        max_link: session.max_link,
        expires_in: session.expires_in,
    }))
}

/// A login session's state.
#[derive(Serialize, ToSchema)]
pub(super) struct StatusBody {
    status: SessionState,
    /// Only with `completed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    code: Option<String>,
}

/// `GET /v1/auth/session/{session_id}/status`'s `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum SessionState {
    Pending,
    Completed,
    Expired,
}

impl From<BotAuthStatus> for SessionState {
    fn from(status: BotAuthStatus) -> Self {
        match status {
            BotAuthStatus::Pending => Self::Pending,
            BotAuthStatus::Completed => Self::Completed,
            BotAuthStatus::Expired => Self::Expired,
        }
    }
}

/// `GET /v1/auth/session/{session_id}/status` — bot-auth-api.md "QR/Polling": pending,
/// then completed with the code once, then expired. 404 for an unknown session.
#[utoipa::path(
    get,
    path = "/v1/auth/session/{session_id}/status",
    tag = "bot-auth",
    params(("session_id" = String, Path, description = "From `POST /v1/auth/session`")),
    responses(
        (status = 200, description = "`pending`, then `completed` with the code (once), then `expired`", body = StatusBody),
        (status = 404, response = NotFound),
        (status = 503, response = Unavailable),
    )
)]
pub(super) async fn status(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
) -> Result<Response, Detail> {
    let status = state.domain.bot_auth().session_status(&session_id).await?;
    let code = match &status {
        SessionStatus::Completed { code } => Some(code.clone()),
        _ => None,
    };
    Ok(no_store(StatusBody {
        status: status.status().into(),
        code,
    }))
}

/// `POST /v1/auth/verify` body.
#[derive(Deserialize, ToSchema)]
pub(super) struct VerifyRequest {
    code: String,
}

/// The user who confirmed the login in the bot.
#[derive(Serialize, ToSchema)]
pub(super) struct VerifyBody {
    channel: BotChannel,
    #[schema(required = true)]
    first_name: Option<String>,
    #[schema(required = true)]
    username: Option<String>,
    #[schema(required = true)]
    avatar_url: Option<String>,
    #[schema(required = true, format = Uuid)]
    subscriber_id: Option<String>,
    #[schema(required = true)]
    lang: Option<String>,
    tags: Vec<String>,
    #[schema(required = true)]
    state: Option<String>,
}

/// The bot the user confirmed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum BotChannel {
    Telegram,
    Max,
}

impl From<Channel> for BotChannel {
    fn from(channel: Channel) -> Self {
        match channel {
            Channel::Telegram => Self::Telegram,
            Channel::Max => Self::Max,
        }
    }
}

impl From<BotAuthResult> for VerifyBody {
    fn from(result: BotAuthResult) -> Self {
        Self {
            channel: result.channel.into(),
            first_name: result.first_name,
            username: result.username,
            avatar_url: result.avatar_url,
            subscriber_id: result.subscriber_id.map(|id| id.to_string()),
            lang: result.lang,
            tags: result.tags,
            state: result.state,
        }
    }
}

/// `POST /v1/auth/verify` — bot-auth-api.md "Code verification": the seed's fields, for
/// the website's server. It opens no gateway session (GraphQL `verifyBotAuthCode` does).
#[utoipa::path(
    post,
    path = "/v1/auth/verify",
    tag = "bot-auth",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "The confirmed user (the code is used up)", body = VerifyBody),
        BotAuthBody,
        (status = 400, description = "Invalid or expired code, or a body that is not JSON", body = DetailBody),
        (status = 422, description = "The body is JSON of another shape (e.g. no `code`)", body = DetailBody),
    )
)]
pub(super) async fn verify(
    State(state): State<AppState>,
    body: Result<Json<VerifyRequest>, JsonRejection>,
) -> Result<Response, Detail> {
    let Json(request) = body?;
    let result = state.domain.bot_auth().verify(&request.code).await?;
    Ok(no_store(VerifyBody::from(result)))
}
