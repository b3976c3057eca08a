//! Per-client-IP request limits for the REST shims, with tower_governor: N requests a
//! minute as a burst of N that refills one request every 60/N seconds (GCRA), counted
//! in this process's memory. The client IP comes from [`crate::http::peer::client_ip`]
//! (`X-Forwarded-For` only from `TRUSTED_PROXIES`).

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Request, Response},
    Router,
};
use ipnet::IpNet;
use tower_governor::{
    governor::GovernorConfigBuilder, key_extractor::KeyExtractor, GovernorError, GovernorLayer,
};

/// How often idle clients' counters are dropped.
const CLEANUP_EVERY: Duration = Duration::from_secs(60);

/// The rate-limit key: the client IP as [`crate::http::peer::client_ip`] sees it.
#[derive(Clone, Debug)]
struct ClientIp {
    trusted: Arc<[IpNet]>,
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<IpAddr, GovernorError> {
        // Without a socket address (never under `axum::serve`) all such calls share one key.
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| {
                addr.ip()
            });
        Ok(crate::http::peer::client_ip(
            peer,
            request.headers(),
            &self.trusted,
        ))
    }
}

/// Limits every route of `router` to `per_minute` requests per client IP (0: no limit);
/// a refused request gets `too_many(seconds until the next one is allowed)`.
pub fn per_client_ip<S>(
    router: Router<S>,
    per_minute: u32,
    trusted: &[IpNet],
    too_many: fn(u64) -> Response<Body>,
) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    if per_minute == 0 {
        return router;
    }
    let mut builder = GovernorConfigBuilder::default().key_extractor(ClientIp {
        trusted: trusted.into(),
    });
    builder
        .period(Duration::from_secs(60) / per_minute)
        .burst_size(per_minute);
    let Some(config) = builder.finish() else {
        return router;
    };
    // Drops the counters of clients back to a full quota, until the router (and with
    // it the limiter) is gone.
    let limiter = Arc::downgrade(config.limiter());
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(CLEANUP_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                match limiter.upgrade() {
                    Some(limiter) => limiter.retain_recent(),
                    None => return,
                }
            }
        });
    }
    let layer = GovernorLayer::new(config).error_handler(move |error| match error {
        GovernorError::TooManyRequests { wait_time, .. } => too_many(wait_time),
        other => {
            tracing::error!(error = %other, "rate limiter failed");
            let mut response = Response::new(Body::empty());
            *response.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    });
    router.layer(layer)
}
