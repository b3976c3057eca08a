//! Start-up and shutdown: [`Application::build`] connects the dependencies, applies
//! migrations and binds the listener (port 0 in tests); [`Application::run_until`]
//! serves until the shutdown future resolves, then drains in-flight requests and closes
//! WebSockets cleanly.

use std::{
    future::{Future, IntoFuture},
    net::SocketAddr,
    sync::Arc,
};

use anyhow::Context as _;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use axum::{
    extract::DefaultBodyLimit,
    http::{header, HeaderName, HeaderValue, Method},
    Router,
};
use tower::ServiceBuilder;
use tower_http::{
    compression::CompressionLayer,
    cors::{AllowOrigin, Any, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveRequestHeadersLayer,
};

use crate::{
    config::Config,
    db::Db,
    domain::{Clock, Domain, SystemClock},
    graphql, http,
    realtime::{EventBus, RedisSettings},
    state::{AppState, Shutdown},
};

pub struct Application {
    listener: TcpListener,
    /// `METRICS_ADDR`'s listener, when metrics have their own address.
    metrics_listener: Option<TcpListener>,
    state: AppState,
    /// The GraphQL endpoint's schema, socket caps and shared fan-out.
    transport: graphql::Transport,
    db: Db,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let config = Arc::new(config);
        // Install the metrics recorder before anything records.
        crate::telemetry::metrics();
        let db = Db::connect(
            config.database_url.expose_secret(),
            config.database_max_connections,
        )
        .await?;
        db.migrate().await?;
        let bus = match &config.redis_url {
            Some(url) => {
                let bus = EventBus::redis(&RedisSettings {
                    url: url.expose_secret().to_owned(),
                    prefix: config.redis_key_prefix.clone(),
                    command_timeout: config.redis_command_timeout,
                    publish_queue: config.redis_publish_queue,
                })
                .map_err(|e| anyhow::anyhow!(e.message()))
                .context("setting up Redis (REDIS_URL)")?;
                tracing::info!("events go through Redis pub/sub: instances share them");
                bus
            }
            None => {
                tracing::warn!(
                    "REDIS_URL is not set: using the in-process event bus (single instance only)"
                );
                EventBus::in_process()
            }
        };
        if config.telegram.bot_token.is_none() {
            tracing::warn!("TELEGRAM_BOT_TOKEN is not set: initData `hash` cannot be checked");
        }
        let domain = Domain::new(Arc::clone(&config), db.clone(), bus, clock)?;
        let build = |mode| graphql::build_schema(domain.clone(), &config.graphql, mode);
        let (schema, validated) = (
            build(async_graphql::ValidationMode::Strict),
            build(async_graphql::ValidationMode::Fast),
        );
        let listener = TcpListener::bind(config.bind_addr)
            .await
            .with_context(|| format!("binding {}", config.bind_addr))?;
        let metrics_listener = match config.metrics_addr.filter(|_| config.metrics_enabled) {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding METRICS_ADDR {addr}"))?,
            ),
            None => None,
        };
        let sockets = graphql::SocketGate::new(graphql::GateLimits {
            sockets: config.graphql.ws_max_sockets,
            sockets_per_ip: config.graphql.ws_max_sockets_per_ip,
            subscriptions: config.graphql.ws_max_subscriptions,
        });
        warn_if_descriptors_are_short(config.graphql.ws_max_sockets);
        let transport = graphql::Transport {
            schema,
            validated,
            documents: graphql::ParsedDocuments::new(&config.graphql),
            sockets,
            fanout: Arc::default(),
        };
        let state = AppState {
            config,
            domain,
            shutdown: Shutdown::default(),
        };
        Ok(Self {
            listener,
            metrics_listener,
            state,
            transport,
            db,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Where `/metrics` is served when `METRICS_ADDR` gives it its own address.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    /// The database handle (tests read its statement counter).
    pub fn db(&self) -> Db {
        self.db.clone()
    }

    /// The event bus (tests read its live-topic count).
    pub fn bus(&self) -> crate::realtime::EventBus {
        self.state.domain.bus().clone()
    }

    /// Shared subscription payloads (tests read how many were rendered).
    pub fn fanout(&self) -> Arc<graphql::Fanout> {
        Arc::clone(&self.transport.fanout)
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// Serves until `shutdown` resolves, then drains (bounded by `SHUTDOWN_GRACE_SECONDS`).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            metrics_listener,
            state,
            transport,
            db,
        } = self;
        let grace = state.config.shutdown_grace;
        let signal = state.shutdown.clone();
        let bus = state.domain.bus().clone();
        let domain = state.domain.clone();
        tracing::info!(addr = %listener.local_addr()?, "listening");
        let metrics_server =
            metrics_listener.map(|listener| serve_metrics(listener, state.clone(), &signal));
        let app = router(state, transport).into_make_service_with_connect_info::<SocketAddr>();
        let drain = signal.clone();
        // When the shutdown signal came: the grace period bounds everything after it.
        let signalled_at = Arc::new(std::sync::OnceLock::<tokio::time::Instant>::new());
        let mark = Arc::clone(&signalled_at);
        let notify = Arc::new(tokio::sync::Notify::new());
        let notified = Arc::clone(&notify);
        let server = axum::serve(listener, app).with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: draining requests and closing WebSockets");
            let _ = mark.set(tokio::time::Instant::now());
            notified.notify_one();
            drain.token().cancel();
        });
        let cut = async {
            notify.notified().await;
            let at = signalled_at
                .get()
                .copied()
                .unwrap_or_else(tokio::time::Instant::now);
            tokio::time::sleep_until(at + grace).await;
        };
        tokio::select! {
            served = server.into_future() => served.context("serving HTTP")?,
            // Requests still running are cut: dropping the server drops their connections.
            () = cut => tracing::warn!(
                grace_seconds = grace.as_secs(),
                "requests still running at the end of the grace period were cut"
            ),
        }
        let deadline = signalled_at
            .get()
            .copied()
            .unwrap_or_else(tokio::time::Instant::now)
            + grace;
        signal.tracker().close();
        if tokio::time::timeout_at(deadline, signal.tracker().wait())
            .await
            .is_err()
        {
            tracing::warn!("some WebSockets did not close within the grace period");
        }
        // Presence of the closed sockets: record their last_seen_at before leaving.
        if tokio::time::timeout_at(deadline, domain.presence().flush())
            .await
            .is_err()
        {
            tracing::warn!("presence leaves not settled within the grace period");
        }
        if let Some(metrics_server) = metrics_server {
            metrics_server.abort();
        }
        bus.shutdown();
        db.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// `/metrics` alone on the `METRICS_ADDR` listener, until shutdown starts.
fn serve_metrics(
    listener: TcpListener,
    state: AppState,
    signal: &Shutdown,
) -> tokio::task::JoinHandle<()> {
    let app = http::metrics::own_router().with_state(state);
    let stop = signal.token().clone();
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving /metrics on METRICS_ADDR");
    }
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the metrics listener failed");
        }
    })
}

/// Every route of the service, and the middleware every request passes: request id,
/// tracing, `X-Process-Time`, client IP, CORS, compression, body limit.
pub fn router(state: AppState, transport: graphql::Transport) -> Router {
    let cors = cors(&state.config.cors_allowed_origins);
    let body_limit = state.config.max_request_body_bytes;
    let trusted = std::sync::Arc::new(state.config.rest.trusted_proxies.clone());
    Router::new()
        .merge(http::health::router())
        .merge(http::metrics::router())
        .merge(http::consoles::router())
        .merge(graphql::router(transport))
        .merge(crate::rest::router(&state.config))
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveRequestHeadersLayer::new([
                    header::AUTHORIZATION,
                ]))
                .layer(SetRequestIdLayer::new(http::REQUEST_ID, MakeRequestUuid))
                .layer(http::middleware::trace_layer())
                .layer(PropagateRequestIdLayer::new(http::REQUEST_ID))
                .layer(axum::middleware::from_fn(http::middleware::process_time))
                .layer(axum::middleware::from_fn(move |request, next| {
                    http::middleware::resolve_client_ip(
                        std::sync::Arc::clone(&trusted),
                        request,
                        next,
                    )
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
        .expose_headers([http::REQUEST_ID, HeaderName::from_static("x-process-time")]);
    if origins.iter().any(|o| o == "*") {
        layer.allow_origin(Any)
    } else {
        let list: Vec<HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
        layer.allow_origin(AllowOrigin::list(list))
    }
}

/// Warns when the process may open fewer files than the WebSocket cap needs (one
/// descriptor per socket, plus some for the database, Redis and listeners).
fn warn_if_descriptors_are_short(max_sockets: usize) {
    let Some(limit) = open_files_limit() else {
        return;
    };
    let needed = max_sockets as u64 + 256;
    if limit < needed {
        tracing::warn!(
            nofile = limit,
            needed,
            "the open-files limit (RLIMIT_NOFILE) is below WS_MAX_SOCKETS + 256: sockets past \
             it fail to open; raise `ulimit -n` / LimitNOFILE, or lower WS_MAX_SOCKETS"
        );
    }
}

/// The soft `Max open files` limit of this process (Linux `/proc`), when it can be read.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
