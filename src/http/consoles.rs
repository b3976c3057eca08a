//! The browser consoles, served from the binary so that they work offline: GraphiQL on
//! `GET /graphql` (`graphql::http::get`), Swagger UI on `/api/docs` and ReDoc on
//! `/api/redoc` (`rest::miniapp::docs`). Their pages reference nothing but the files
//! below, served under [`PREFIX`].
//!
//! Everything comes from `assets/consoles/`, which `consoles/build.sh` builds from npm
//! packages and which is committed, so `cargo build` needs no npm. The file names carry
//! content hashes, so a file is cached for a year and a rebuild changes the names. The
//! files are served while a console is on (`GRAPHQL_GRAPHIQL`, the default, or
//! `API__DEBUG=true`); otherwise the prefix is a 404 like any unknown path.

use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use crate::state::AppState;

/// Where the console files are served: `/console-assets/<file>`.
pub const PREFIX: &str = "/console-assets/";

/// `(file name, contents)` of every file the pages load (`assets/consoles/files/`).
static FILES: &[(&str, &[u8])] = include!("../../assets/consoles/manifest.rs");

const GRAPHIQL: &str = include_str!("../../assets/consoles/graphiql.html");
const SWAGGER_UI: &str = include_str!("../../assets/consoles/swagger-ui.html");
const REDOC: &str = include_str!("../../assets/consoles/redoc.html");

pub fn router() -> Router<AppState> {
    Router::new().route("/console-assets/{file}", get(asset))
}

/// The GraphiQL page (`GET /graphql` for browsers).
pub fn graphiql() -> Response {
    page(GRAPHIQL)
}

/// The Swagger UI page (`GET /api/docs`) of `/api/openapi.json`.
pub fn swagger_ui() -> Response {
    page(SWAGGER_UI)
}

/// The ReDoc page (`GET /api/redoc`) of `/api/openapi.json`.
pub fn redoc() -> Response {
    page(REDOC)
}

/// The names of the embedded files, each served at [`PREFIX`]`<name>`.
pub fn file_names() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(name, _)| *name)
}

/// A page names the current files, so it is revalidated rather than cached.
fn page(html: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        html,
    )
        .into_response()
}

/// `GET /console-assets/{file}`.
async fn asset(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let enabled = state.config.graphql.graphiql || state.config.rest.api_debug;
    let found = FILES.iter().find(|(name, _)| *name == file);
    let (Some((name, contents)), true) = (found, enabled) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, content_type(name)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        Body::from(*contents),
    )
        .into_response()
}

fn content_type(name: &str) -> HeaderValue {
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    HeaderValue::from_static(match extension {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ttf" => "font/ttf",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_a_known_type_and_the_pages_load_only_local_files() {
        assert!(!FILES.is_empty());
        for (name, contents) in FILES {
            assert!(!contents.is_empty(), "{name}");
            assert_ne!(content_type(name), "application/octet-stream", "{name}");
        }
        for html in [GRAPHIQL, SWAGGER_UI, REDOC] {
            assert!(!html.contains("http://") && !html.contains("https://"));
            for (at, _) in html.match_indices(PREFIX) {
                let rest = &html[at + PREFIX.len()..];
                let name = &rest[..rest.find('"').unwrap_or(rest.len())];
                assert!(file_names().any(|n| n == name), "{name} is not embedded");
            }
        }
    }
}
