//! Extractors of this API: the authenticated caller (`Authorization: Bearer <jwt>`),
//! the client's address, and JSON body / query / path parsers whose failures are the
//! seed's 422 `{"detail": …}` instead of axum's plain-text rejections. The parsers also
//! refuse text holding a NUL character (422), which PostgreSQL cannot store.

use axum::{
    body::Bytes,
    extract::{
        rejection::{JsonRejection, MissingJsonContentType},
        FromRequest, FromRequestParts, Path, Query, Request,
    },
    http::{header, request::Parts, HeaderMap},
    Json,
};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::{
    auth::Credential,
    domain::{ClientInfo, Principal},
    error::AppError,
    state::AppState,
};

/// The caller, authenticated by the domain (`auth().authenticate`). A missing header
/// is 401 "Not authenticated"; a bad one is 401 with the domain's reason.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(ApiError::not_authenticated)?;
        let value = header.to_str().map_err(|_| ApiError::not_authenticated())?;
        let credential = Credential::from_authorization(value)
            .map_err(|malformed| AppError::unauthenticated(malformed.to_string()))?;
        let principal = state.domain.auth().authenticate(&credential).await?;
        Ok(Self(principal))
    }
}

/// Where the request came from (rate limits and session records).
pub struct Client(pub ClientInfo);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(crate::http::client_info(parts)))
    }
}

/// A JSON body; 422 when it is not `Content-Type: application/json`, not JSON, not the
/// expected shape, or when one of its strings holds a NUL character (`\u0000`, which
/// PostgreSQL cannot store); 413 over `MAX_REQUEST_BODY_BYTES`.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !json_content_type(request.headers()) {
            return Err(JsonRejection::from(MissingJsonContentType::default()).into());
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(JsonRejection::from)?;
        if has_escaped_nul(&bytes) {
            return Err(ApiError::nul_character("body"));
        }
        let Json(value) = Json::<T>::from_bytes(&bytes)?;
        Ok(Self(value))
    }
}

/// `application/json` or `application/*+json`, as axum's `Json` accepts.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    let subtype = subtype.to_ascii_lowercase();
    kind.eq_ignore_ascii_case("application") && (subtype == "json" || subtype.ends_with("+json"))
}

/// Whether JSON text holds the escape `\u0000` (JSON cannot hold a raw NUL): a
/// backslash that is itself escaped (`\\u0000`) does not count.
fn has_escaped_nul(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json[i + 1..].starts_with(b"u0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// Whether a raw query or path holds a percent-encoded NUL (`%00`); a `%` always
/// starts an escape, so `%2500` (the text `%00`) does not count.
fn has_encoded_nul(raw: &str) -> bool {
    raw.contains("%00")
}

/// Query parameters; 422 when one does not parse or holds a NUL character.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if parts.uri.query().is_some_and(has_encoded_nul) {
            return Err(ApiError::nul_character("query"));
        }
        let Query(value) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(Self(value))
    }
}

/// Path parameters; 422 when one does not parse (e.g. a non-numeric id) or holds a NUL
/// character.
pub struct Ids<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Ids<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if has_encoded_nul(parts.uri.path()) {
            return Err(ApiError::nul_character("path"));
        }
        let Path(value) = Path::<T>::from_request_parts(parts, state).await?;
        Ok(Self(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_nul_characters_are_found_in_json_strings() {
        assert!(has_escaped_nul(br#"{"text": "a\u0000b"}"#));
        assert!(has_escaped_nul(br#"{"text": "\\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"text": "\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"text": "\u00e9 \n"}"#));
        assert!(!has_escaped_nul(br#"{"text": "ends with \\"}"#));
        assert!(!has_escaped_nul(b"\\"));
    }

    #[test]
    fn encoded_nul_characters_are_found_in_queries() {
        assert!(has_encoded_nul("query=a%00b"));
        assert!(!has_encoded_nul("query=a%2500b"));
    }

    #[test]
    fn json_content_types_are_recognised_as_axum_does() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().expect("header value"));
            json_content_type(&headers)
        };
        assert!(with("application/json"));
        assert!(with("application/json; charset=utf-8"));
        assert!(with("application/problem+json"));
        assert!(!with("text/plain"));
        assert!(!with("application/jsonx"));
        assert!(!json_content_type(&HeaderMap::new()));
    }
}
