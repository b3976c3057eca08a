//! Mini App REST API (miniapp-rest-api.md) under `/api`.

use axum::{routing::get, Json, Router};
use serde_json::json;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/health", get(health))
}

/// `GET /api/health` — miniapp-rest-api.md "Health check endpoint" (no auth).
async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}
