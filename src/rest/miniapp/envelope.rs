//! The seed's envelope `{success, data, error}` (all three keys on every response,
//! errors included), the mapping of domain errors to it, and the caller's initData.

use axum::{
    extract::{rejection::BytesRejection, FromRequestParts},
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    auth::Credential,
    domain::auth::KnownCaller,
    error::{AppError, FieldError},
    state::AppState,
};

/// `ApiResponse<T>` of miniapp-rest-api.md.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiResponse<T> {
    pub success: bool,
    #[schema(required = true)]
    pub data: Option<T>,
    #[schema(required = true)]
    pub error: Option<String>,
}

impl<T> ApiResponse<T> {
    pub fn ok(data: T) -> Json<Self> {
        Json(Self {
            success: true,
            data: Some(data),
            error: None,
        })
    }
}

/// An error response: `{"success": false, "data": null, "error": "…"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// Always `false`.
    pub success: bool,
    /// Always `null`.
    #[schema(required = true, value_type = Option<Object>)]
    pub data: Option<()>,
    #[schema(example = "Invalid authorization data")]
    pub error: String,
}

/// The seed's rate-limit answer (no envelope, as documented).
#[derive(Debug, Serialize, ToSchema)]
pub struct TooManyRequestsBody {
    #[schema(example = "Too many requests")]
    pub error: String,
    #[schema(example = 60)]
    pub retry_after: u64,
}

/// The error statuses every signed-in route shares (401, 429, 503), declared once for
/// the routes' `#[utoipa::path]`s, which add only their own. Never constructed: it
/// only describes.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum SignedIn {
    #[response(status = 401, description = "Missing or invalid initData")]
    Unauthorized(ApiErrorBody),
    #[response(
        status = 429,
        description = "Rate limit exceeded",
        headers(("Retry-After" = u64, description = "Always 60"))
    )]
    TooManyRequests(TooManyRequestsBody),
    #[response(status = 503, description = "The database is unavailable")]
    Unavailable(ApiErrorBody),
}

/// An error of these routes, rendered as the envelope.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 401 for missing or invalid initData; the seed's one sentence whatever the cause.
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Invalid authorization data")
    }

    /// 404 for a path under `/api/` that this API does not serve.
    pub fn route_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found")
    }

    /// 405 for a served path asked with another method.
    pub fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
    }

    /// 422 naming the field: `bio: must be at most 500 characters`.
    pub fn invalid(field: &str, message: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{field}: {message}"),
        )
    }
}

/// GraphQL names fields in camelCase; this API's fields are snake_case.
fn snake_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len() + 4);
    for c in field.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn validation_message(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", snake_case(&e.field), e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        error.log();
        let status = crate::rest::status_of(&error, StatusCode::UNPROCESSABLE_ENTITY);
        match &error {
            AppError::Unauthenticated(reason) => {
                tracing::debug!(%reason, "initData refused");
                Self::unauthorized()
            }
            AppError::Validation(errors) => Self::new(status, validation_message(errors)),
            AppError::RateLimited { retry_after } => Self {
                retry_after: Some(*retry_after),
                ..Self::new(status, "Too many requests")
            },
            AppError::Internal(_) => Self::new(status, "Internal server error"),
            AppError::Forbidden(_)
            | AppError::NotFound(_)
            | AppError::Conflict { .. }
            | AppError::Unavailable(_) => Self::new(status, error.message()),
        }
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Self::new(status, "Request body is too large")
        } else {
            Self::new(status, "Request body could not be read")
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ApiErrorBody {
            success: false,
            data: None,
            error: self.message,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The raw initData of `Authorization: Bearer <initData>` (or `tma <initData>`).
pub struct InitData(pub String);

impl FromRequestParts<AppState> for InitData {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        match credential(parts)? {
            Credential::InitData(raw) => Ok(Self(raw)),
            Credential::AccessToken(_) => Err(ApiError::unauthorized()),
        }
    }
}

/// The caller: an existing user, by initData (or a gateway access token). Valid
/// initData of a user who never called `POST /api/auth/validate` is 404
/// "User not found", as the seed documents for `GET /api/users/me`.
pub struct Caller(pub KnownCaller);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let credential = credential(parts)?;
        let caller = state
            .domain
            .auth()
            .authenticate_existing(&credential)
            .await?;
        Ok(Self(caller))
    }
}

fn credential(parts: &Parts) -> Result<Credential, ApiError> {
    let header = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApiError::unauthorized)?;
    Credential::from_authorization(header).map_err(|_| ApiError::unauthorized())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn rendered(error: AppError) -> (StatusCode, serde_json::Value) {
        let response = ApiError::from(error).into_response();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .expect("body");
        (status, serde_json::from_slice(&bytes).expect("json"))
    }

    #[tokio::test]
    async fn domain_errors_become_the_envelope_without_internals() {
        let (status, body) = rendered(AppError::internal(anyhow::anyhow!("db password"))).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            body,
            serde_json::json!({"success": false, "data": null, "error": "Internal server error"})
        );
        let (status, body) = rendered(AppError::unauthenticated("initData has expired")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "Invalid authorization data");
    }

    #[test]
    fn graphql_field_names_become_snake_case() {
        assert_eq!(snake_case("languageCode"), "language_code");
        assert_eq!(snake_case("bio"), "bio");
        let errors = [
            FieldError {
                field: "bio".into(),
                message: "must be at most 500 characters".into(),
            },
            FieldError {
                field: "languageCode".into(),
                message: "must be a language code of at most 10 characters".into(),
            },
        ];
        assert_eq!(
            validation_message(&errors),
            "bio: must be at most 500 characters; \
             language_code: must be a language code of at most 10 characters"
        );
    }
}
