//! HTTP helpers shared by the adapters (client address and info, the request id header,
//! body rejections in plain words) and the middleware every request passes (tracing,
//! `X-Process-Time`, client IP); the health, metrics and console routes. The router is
//! assembled in `app.rs`.

pub mod consoles;
pub mod health;
pub mod metrics;
pub mod middleware;
pub mod peer;
pub mod rejection;

use std::net::SocketAddr;

use axum::{
    extract::ConnectInfo,
    http::{header, request::Parts, HeaderName},
};

use crate::domain::ClientInfo;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

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
