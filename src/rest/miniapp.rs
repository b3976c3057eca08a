//! Mini App REST API (miniapp-rest-api.md) under `/api` (not `/api/v1`, the messenger
//! API's). Every response of these routes is the envelope `{success, data, error}`
//! except the two the seed shows bare: `GET /api/health` (`{"status": "ok"}`) and the
//! rate limit's 429 (`{"error": "Too many requests", "retry_after": 60}`,
//! `Retry-After: 60`).
//!
//! Choices the seed leaves open:
//! * Validation errors are 422 (FastAPI's status for a body that does not validate)
//!   with `error` naming the field (`bio: must be at most 500 characters`); the seed's
//!   table lists 500 for "validation failure", but a 5xx would tell clients the server
//!   failed. A body that is not a JSON object is 422 `body: must be a JSON object`.
//! * Every route but `/health` and `/auth/validate` needs a user who already exists:
//!   valid initData of a user who never called `POST /api/auth/validate` is 404
//!   "User not found", as documented for `GET /api/users/me`.
//! * Unknown paths under `/api/` are 404 `Not Found`, other methods on a served path
//!   405 `Method Not Allowed`, both in the envelope.
//! * The limit counts every route here (per client IP, in memory, GCRA: a burst of
//!   `MINIAPP_RATE_LIMIT_PER_MINUTE` refilled evenly over the minute).

mod docs;
pub(super) mod envelope;
pub(super) mod users;

use axum::{
    body::Body,
    http::{header, HeaderValue, Response, StatusCode},
    routing::{any, get, post, MethodRouter},
    Json, Router,
};
use serde_json::json;

use self::envelope::ApiError;
use super::rate_limit;
use crate::{config::Config, state::AppState};

/// The seed's `Retry-After` and `retry_after`: always a minute.
const RETRY_AFTER_SECONDS: u64 = 60;

pub fn router(config: &Config) -> Router<AppState> {
    let served = |route: MethodRouter<AppState>| route.fallback(method_not_allowed);
    let routes = Router::new()
        .route("/api/health", served(get(health)))
        .route("/api/auth/validate", served(post(users::validate)))
        .route(
            "/api/users/me",
            served(get(users::me).patch(users::update_me)),
        )
        .route(
            "/api/users/{telegram_id}",
            served(get(users::by_telegram_id)),
        )
        .merge(docs::router())
        .route("/api", any(not_found))
        .route("/api/", any(not_found))
        .route("/api/{*path}", any(not_found));
    rate_limit::per_client_ip(
        routes,
        config.rest.miniapp_rate_limit_per_minute,
        &config.rest.trusted_proxies,
        too_many_requests,
    )
}

/// `GET /api/health` — miniapp-rest-api.md "Health check endpoint" (no auth).
#[utoipa::path(
    get,
    path = "/api/health",
    tag = "miniapp",
    responses((status = 200, description = "The service answers", body = super::openapi::HealthStatus, example = json!({"status": "ok"})))
)]
pub(super) async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn not_found() -> ApiError {
    ApiError::route_not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

fn too_many_requests(_wait_seconds: u64) -> Response<Body> {
    let body = json!({ "error": "Too many requests", "retry_after": RETRY_AFTER_SECONDS });
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    response
}
