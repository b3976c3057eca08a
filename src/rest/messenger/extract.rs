//! Extractors of this API: the authenticated caller (`Authorization: Bearer <jwt>`),
//! the client's address, and JSON body / query / path parsers whose failures are the
//! seed's 422 `{"detail": …}` instead of axum's plain-text rejections.

use axum::{
    extract::{FromRequest, FromRequestParts},
    http::{header, request::Parts},
};

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

/// A JSON body; 422 when it is not JSON or not the expected shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Body<T>(pub T);

/// Query parameters; 422 when one does not parse.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Params<T>(pub T);

/// Path parameters; 422 when one does not parse (e.g. a non-numeric id).
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Ids<T>(pub T);
