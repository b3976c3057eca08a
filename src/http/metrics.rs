//! `GET /metrics`: the process's metrics in the Prometheus text format. Counters and
//! histograms are recorded where things happen (HTTP middleware, the GraphQL extension,
//! the event bus, rate limits); gauges of state (sockets, pool, Redis link) are read
//! when scraped. Served when `METRICS_ENABLED` is on: on the main port, or only on
//! `METRICS_ADDR` when that is set. Keep it off the public internet (a proxy rule, or a
//! private `METRICS_ADDR`): it says how busy the instance is.

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use crate::state::AppState;

/// `/metrics` on the main port.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape_main))
}

/// `/metrics` alone, for the `METRICS_ADDR` listener.
pub fn own_router() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape))
}

/// The main router's `/metrics`: absent when metrics are off or have their own address.
async fn scrape_main(State(state): State<AppState>) -> Response {
    if state.config.metrics_addr.is_some() {
        return StatusCode::NOT_FOUND.into_response();
    }
    scrape(State(state)).await
}

async fn scrape(State(state): State<AppState>) -> Response {
    if !state.config.metrics_enabled {
        return StatusCode::NOT_FOUND.into_response();
    }
    // Touched so the series exist before the first socket (the gate moves them).
    metrics::gauge!("ws_sockets").increment(0.0);
    metrics::gauge!("ws_subscriptions").increment(0.0);
    metrics::counter!("ws_refused_total").increment(0);
    let bus = state.domain.bus();
    metrics::counter!("realtime_events_dropped_total").absolute(bus.dropped_events());
    metrics::gauge!("realtime_live_topics").set(bus.live_topics() as f64);
    if let Some(up) = bus.redis_linked() {
        metrics::gauge!("redis_up").set(if up { 1.0 } else { 0.0 });
    }
    let (open, idle) = state.domain.db_pool_state();
    metrics::gauge!("db_pool_connections", "state" => "in_use")
        .set(open.saturating_sub(idle as u32) as f64);
    metrics::gauge!("db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("db_pool_max_connections")
        .set(f64::from(state.config.database_max_connections));
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::telemetry::metrics().render(),
    )
        .into_response()
}
