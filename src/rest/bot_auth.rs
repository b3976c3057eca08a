//! Bot login REST API (bot-auth-api.md) under `/v1/auth`: the seed's four routes and
//! JSON shapes. The seed documents no errors; ours are `{"detail": "…"}` (its sibling
//! API's dialect) with: 400 a bad body, `state` or code (an unknown, used or expired
//! code is one answer, so codes cannot be probed); 404 an unknown session; 503 bot login
//! not configured. Responses that carry a code are `Cache-Control: no-store`.

use axum::{
    extract::{rejection::JsonRejection, Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    domain::bot_auth::{BotAuthResult, SessionStatus},
    error::AppError,
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
        let status = match &error {
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Validation(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
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

#[derive(Serialize)]
struct LinkBody {
    telegram_link: Option<String>,
    max_link: Option<String>,
    configured: bool,
}

/// `GET /v1/auth/link` — bot-auth-api.md "Static links". A link is null when its bot
/// is not set up; `configured` says whether the login works at all.
async fn link(State(state): State<AppState>) -> Json<LinkBody> {
    let links = state.domain.bot_auth().links();
    Json(LinkBody {
        telegram_link: links.telegram_link,
        max_link: links.max_link,
        configured: links.configured,
    })
}

#[derive(Deserialize)]
struct SessionRequest {
    state: Option<String>,
}

#[derive(Serialize)]
struct SessionBody {
    session_id: String,
    telegram_link: Option<String>,
    /// Not in the seed's example; the Max link of the same session.
    max_link: Option<String>,
    expires_in: u64,
}

/// `POST /v1/auth/session` — bot-auth-api.md "API sessions (with state)". 200 with the
/// seed's body (the seed shows no 201).
async fn create_session(
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

#[derive(Serialize)]
struct StatusBody {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
}

/// `GET /v1/auth/session/{session_id}/status` — bot-auth-api.md "QR/Polling": pending,
/// then completed with the code once, then expired. 404 for an unknown session.
async fn status(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
) -> Result<Response, Detail> {
    let status = state.domain.bot_auth().session_status(&session_id).await?;
    let code = match &status {
        SessionStatus::Completed { code } => Some(code.clone()),
        _ => None,
    };
    Ok(no_store(StatusBody {
        status: status.as_str(),
        code,
    }))
}

#[derive(Deserialize)]
struct VerifyRequest {
    code: String,
}

#[derive(Serialize)]
struct VerifyBody {
    channel: &'static str,
    first_name: Option<String>,
    username: Option<String>,
    avatar_url: Option<String>,
    subscriber_id: Option<String>,
    lang: Option<String>,
    tags: Vec<String>,
    state: Option<String>,
}

impl From<BotAuthResult> for VerifyBody {
    fn from(result: BotAuthResult) -> Self {
        Self {
            channel: result.channel.as_str(),
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
async fn verify(
    State(state): State<AppState>,
    body: Result<Json<VerifyRequest>, JsonRejection>,
) -> Result<Response, Detail> {
    let Json(request) = body?;
    let result = state.domain.bot_auth().verify(&request.code).await?;
    Ok(no_store(VerifyBody::from(result)))
}
