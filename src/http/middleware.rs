//! Cross-cutting middleware: the trace span of every request and `X-Process-Time`.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request},
    http::HeaderValue,
    middleware::Next,
    response::Response,
};
use tower_http::{
    classify::{ServerErrorsAsFailures, SharedClassifier},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use super::REQUEST_ID;

/// A span per request with method, matched route and request id, so every log line
/// written while serving it carries the id.
pub fn trace_layer(
) -> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, impl Fn(&Request) -> tracing::Span + Clone>
{
    TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let route = request.extensions().get::<MatchedPath>().map_or_else(
                || request.uri().path().to_owned(),
                |p| p.as_str().to_owned(),
            );
            let request_id = request
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), route, request_id)
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO))
}

/// `X-Process-Time`: seconds spent producing the response (miniapp-rest-api.md); and the
/// `http_requests_total` / `http_request_duration_seconds` metrics.
pub async fn process_time(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = route_label(request.uri().path());
    let mut response = next.run(request).await;
    let elapsed = started.elapsed();
    let seconds = format!("{:.6}", elapsed.as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&seconds) {
        response.headers_mut().insert("x-process-time", value);
    }
    let status = response.status();
    // Paths nothing answers are one label: random URLs must not grow the registry.
    let route = if status == axum::http::StatusCode::NOT_FOUND {
        "unmatched".to_owned()
    } else {
        route
    };
    let labels = [
        ("route", route),
        ("method", method),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels[..2]).record(elapsed);
    response
}

/// A request path with its ids replaced by `{id}` (numbers, and long tokens or hashes),
/// so the route label stays one value per route.
pub fn route_label(path: &str) -> String {
    let mut label = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()).take(8) {
        label.push('/');
        let is_id = segment.chars().all(|c| c.is_ascii_digit())
            || (segment.len() >= 16
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'));
        label.push_str(if is_id { "{id}" } else { segment });
    }
    if label.is_empty() {
        label.push('/');
    }
    label
}

/// Records the client's address ([`super::ClientIp`]) for rate limits and sessions.
pub async fn resolve_client_ip(
    trusted: std::sync::Arc<Vec<ipnet::IpNet>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    if let Some(peer) = peer {
        let ip = super::peer::client_ip(peer, request.headers(), &trusted);
        request.extensions_mut().insert(super::ClientIp(ip));
    }
    next.run(request).await
}

#[cfg(test)]
mod route_tests {
    use super::route_label;

    #[test]
    fn ids_and_tokens_become_placeholders() {
        assert_eq!(
            route_label("/api/v1/chats/42/members"),
            "/api/v1/chats/{id}/members"
        );
        assert_eq!(
            route_label("/console-assets/graphiql-3f9a1c2b4d5e6f70.js"),
            "/console-assets/{id}"
        );
        assert_eq!(route_label("/graphql"), "/graphql");
        assert_eq!(route_label("/"), "/");
    }
}
