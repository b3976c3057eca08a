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

/// `X-Process-Time`: seconds spent producing the response (miniapp-rest-api.md).
pub async fn process_time(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut response = next.run(request).await;
    let seconds = format!("{:.6}", started.elapsed().as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&seconds) {
        response.headers_mut().insert("x-process-time", value);
    }
    response
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
