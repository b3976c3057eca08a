//! Health endpoints (messenger-rest-api.md §4).

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde_json::json;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(live))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
}

/// `GET /health`, `GET /health/live` — the process answers.
async fn live() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /health/ready` — Postgres and (when configured) Redis answer.
///
/// Without Redis the service runs on its in-process bus; `redis` then reads
/// `"disabled"` when ready and `true` in the failure body (it is not what failed).
async fn ready(State(state): State<AppState>) -> Response {
    let readiness = state.domain.health().readiness().await;
    if readiness.is_ready() {
        let redis = if readiness.redis.is_some() {
            "ok"
        } else {
            "disabled"
        };
        Json(json!({ "status": "ready", "db": "ok", "redis": redis })).into_response()
    } else {
        let body = json!({ "detail": {
            "status": "not_ready",
            "db": readiness.db,
            "redis": readiness.redis.unwrap_or(true),
        }});
        (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
    }
}
