//! The axum router and the middleware every request passes: request id, tracing,
//! `X-Process-Time`, body limit, compression, CORS.

pub mod consoles;
mod health;
pub mod metrics;
mod middleware;
pub mod peer;
pub mod rejection;

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, DefaultBodyLimit},
    http::{header, request::Parts, HeaderName, HeaderValue, Method},
    Router,
};
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    cors::{AllowOrigin, Any, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveRequestHeadersLayer,
};

use crate::{domain::ClientInfo, state::AppState};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    let cors = cors(&state.config.cors_allowed_origins);
    let body_limit = state.config.max_request_body_bytes;
    let trusted = std::sync::Arc::new(state.config.rest.trusted_proxies.clone());
    Router::new()
        .merge(health::router())
        .merge(metrics::router())
        .merge(consoles::router())
        .merge(crate::graphql::router())
        .merge(crate::rest::router(&state.config))
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveRequestHeadersLayer::new([
                    header::AUTHORIZATION,
                ]))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(middleware::trace_layer())
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(axum::middleware::from_fn(middleware::process_time))
                .layer(axum::middleware::from_fn(move |request, next| {
                    middleware::resolve_client_ip(std::sync::Arc::clone(&trusted), request, next)
                }))
                .layer(cors)
                .layer(CompressionLayer::new())
                .layer(DefaultBodyLimit::max(body_limit)),
        )
        .with_state(state)
}

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers(Any)
        .expose_headers([REQUEST_ID, HeaderName::from_static("x-process-time")]);
    if origins.iter().any(|o| o == "*") {
        layer.allow_origin(Any)
    } else {
        let list: Vec<HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
        layer.allow_origin(AllowOrigin::list(list))
    }
}

/// The client's address: the peer, or what `X-Forwarded-For` says when the peer is a
/// trusted proxy (`TRUSTED_PROXIES`). Set for every request by the router's middleware.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

/// The peer address and user agent, for session records.
pub fn client_info(parts: &Parts) -> ClientInfo {
    let ip = parts
        .extensions
        .get::<ClientIp>()
        .map(|ClientIp(ip)| *ip)
        .or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip())
        })
        .map(|ip| ip.to_string());
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(512).collect());
    ClientInfo {
        ip,
        user_agent,
        origin_host: peer::origin_host(&parts.headers),
    }
}
