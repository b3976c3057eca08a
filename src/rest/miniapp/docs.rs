//! Interactive API docs, served only when `API__DEBUG=true` (miniapp-rest-api.md):
//! `/api/docs` (Swagger UI), `/api/redoc` (ReDoc), and the OpenAPI document both read,
//! `/api/openapi.json`. Otherwise all three are the envelope's 404. The pages load the
//! viewers from the jsDelivr CDN, as FastAPI's do.

use axum::{
    extract::State,
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};

use super::envelope::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/docs", get(swagger_ui))
        .route("/api/redoc", get(redoc))
        .route("/api/openapi.json", get(openapi))
}

const SWAGGER_UI: &str = r##"<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>messenger-gateway REST API - Swagger UI</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>
SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
</script>
</body>
</html>
"##;

const REDOC: &str = r##"<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>messenger-gateway REST API - ReDoc</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<redoc spec-url="/api/openapi.json"></redoc>
<script src="https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"></script>
</body>
</html>
"##;

fn debug_only(state: &AppState, page: impl IntoResponse) -> Response {
    if state.config.rest.api_debug {
        page.into_response()
    } else {
        ApiError::route_not_found().into_response()
    }
}

/// `GET /api/docs` — Swagger UI.
async fn swagger_ui(State(state): State<AppState>) -> Response {
    debug_only(&state, Html(SWAGGER_UI))
}

/// `GET /api/redoc` — ReDoc.
async fn redoc(State(state): State<AppState>) -> Response {
    debug_only(&state, Html(REDOC))
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
