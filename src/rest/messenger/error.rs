//! The seed's error dialect (messenger-rest-api.md §1): `{"detail": "…"}` with 401, 403,
//! 404, 409, 422 (validation and business rules), 429 (with `Retry-After` and the §12
//! message), 503 and 500 — for domain errors and for requests that do not parse alike,
//! so a legacy client never sees a bare text rejection.

use axum::{
    extract::rejection::{JsonRejection, PathRejection, QueryRejection},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::{
    error::{AppError, FieldError},
    http::rejection::in_plain_words,
};

/// An error response of this API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// 401 for a request without `Authorization` (FastAPI's `HTTPBearer` wording).
    pub fn not_authenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Not authenticated")
    }

    /// 404 for a path this API does not serve.
    pub fn route_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found")
    }

    /// 405 for a served path asked with another method.
    pub fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
    }

    /// 422 for a request whose body, query or path does not parse.
    fn unparsable(detail: String) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }

    /// 422 for text holding a NUL character, which PostgreSQL cannot store: refused
    /// here rather than failing as a 500 in the database.
    pub fn nul_character(place: &str) -> Self {
        Self::unparsable(format!("{place}: must not contain NUL characters"))
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        error.log();
        let status = crate::rest::status_of(&error, StatusCode::UNPROCESSABLE_ENTITY);
        let detail = match &error {
            AppError::Validation(errors) if !errors.is_empty() => validation_detail(errors),
            _ => error.message(),
        };
        let retry_after = match error {
            AppError::RateLimited { retry_after } => Some(retry_after),
            _ => None,
        };
        Self {
            status,
            detail,
            retry_after,
        }
    }
}

/// `field: message` for each failed field, joined by `; `, with the fields named as
/// this API names them.
fn validation_detail(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", rest_field(&e.field), e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The domain names fields as GraphQL does (`memberIds`, `first`); this API in snake
/// case, and its page size is `limit`.
fn rest_field(field: &str) -> String {
    if field == "first" {
        return "limit".to_owned();
    }
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

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        // A body over the size limit stays 413; anything else that does not parse is
        // the 422 a FastAPI client expects.
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::new(StatusCode::PAYLOAD_TOO_LARGE, rejection.body_text());
        }
        Self::unparsable(in_plain_words(&rejection.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::unparsable(in_plain_words(&rejection.body_text()))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::unparsable(in_plain_words(&rejection.body_text()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(json!({ "detail": self.detail }))).into_response();
        let headers = response.headers_mut();
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(error: AppError) -> (StatusCode, String) {
        let api = ApiError::from(error);
        (api.status, api.detail)
    }

    #[test]
    fn fields_are_named_in_snake_case_and_all_at_once() {
        let error = AppError::Validation(vec![
            FieldError {
                field: "memberIds".into(),
                message: "a private chat needs exactly one other user".into(),
            },
            FieldError {
                field: "isPublic".into(),
                message: "a private chat cannot be public".into(),
            },
        ]);
        assert_eq!(
            detail(error),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "member_ids: a private chat needs exactly one other user; \
                 is_public: a private chat cannot be public"
                    .to_owned()
            )
        );
        assert_eq!(
            detail(AppError::invalid("first", "must be between 1 and 100")).1,
            "limit: must be between 1 and 100"
        );
    }

    #[test]
    fn rate_limits_carry_the_seed_message_and_retry_after() {
        let api = ApiError::from(AppError::RateLimited { retry_after: 34 });
        assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(api.detail, "Rate limit exceeded. Retry in 34 seconds.");
        let response = api.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "34");
    }

    #[test]
    fn internal_errors_say_nothing_of_their_cause() {
        let error = AppError::internal(anyhow::anyhow!("password=hunter2 at db"));
        assert_eq!(
            detail(error),
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal server error".to_owned()
            )
        );
    }
}
