//! Interactive API docs, served only when `API__DEBUG=true` (miniapp-rest-api.md):
//! `/api/docs` (Swagger UI), `/api/redoc` (ReDoc), and the OpenAPI document both read,
//! `/api/openapi.json`. Otherwise all three are the envelope's 404. The viewers are
//! bundled into the binary and served by the gateway (`http::consoles`), so the pages
//! work offline.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use super::envelope::ApiError;
use crate::{http::consoles, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/docs", get(swagger_ui))
        .route("/api/redoc", get(redoc))
        .route("/api/openapi.json", get(openapi))
}

fn debug_only(state: &AppState, page: impl IntoResponse) -> Response {
    if state.config.rest.api_debug {
        page.into_response()
    } else {
        ApiError::route_not_found().into_response()
    }
}

/// `GET /api/docs` — Swagger UI.
async fn swagger_ui(State(state): State<AppState>) -> Response {
    debug_only(&state, consoles::swagger_ui())
}

/// `GET /api/redoc` — ReDoc.
async fn redoc(State(state): State<AppState>) -> Response {
    debug_only(&state, consoles::redoc())
}

/// `GET /api/openapi.json` — the OpenAPI 3 document of the REST shims.
async fn openapi(State(state): State<AppState>) -> Response {
    debug_only(
        &state,
        (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            crate::rest::openapi::json(),
        ),
    )
}
