//! Logging setup (`RUST_LOG` filters, `LOG_FORMAT=json` for machines), optional trace
//! export over OTLP (`OTEL_EXPORTER_OTLP_ENDPOINT`), and the process's Prometheus
//! recorder behind `GET /metrics`.

use std::{sync::OnceLock, time::Duration};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::{trace::SdkTracerProvider, Resource};
use tracing::{Level, Metadata};
use tracing_subscriber::{filter::filter_fn, fmt, prelude::*, EnvFilter};

use crate::config::Config;

/// Latency buckets (seconds) of every `*_duration_seconds` histogram.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's metrics recorder: installed on first use (a process has one; tests that
/// start several apps share it) and rendered in the Prometheus text format.
pub fn metrics() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_duration_seconds".into()), LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        match builder.install_recorder() {
            Ok(handle) => handle,
            // Another recorder is installed (not ours): render an empty registry.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        }
    })
}

/// What [`init`] set up that must be closed at exit: the span exporter, whose last
/// batch is sent by [`Telemetry::shutdown`].
#[must_use = "call `shutdown` before the process exits, or the last spans are lost"]
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans still queued (bounded by the exporter's timeout) and stops the
    /// exporter. Blocks: call it from `spawn_blocking` or outside the runtime.
    pub fn shutdown(self) {
        if let Some(provider) = self.traces {
            if let Err(e) = provider.shutdown_with_timeout(Duration::from_secs(5)) {
                eprintln!("trace export did not shut down cleanly: {e}");
            }
        }
    }
}

/// Installs the process's tracing subscriber: log lines filtered by `RUST_LOG` (text or
/// JSON), and, when an OTLP endpoint is configured, every span of this crate (debug level
/// and up: requests, GraphQL operations, domain services, repositories) exported in
/// batches. A second call (tests spawning several apps) keeps the first subscriber.
pub fn init(config: &Config) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let logs = if config.log_json {
        fmt::layer().json().flatten_event(true).boxed()
    } else {
        fmt::layer().compact().boxed()
    }
    .with_filter(filter);
    let traces = match &config.otlp_traces_endpoint {
        Some(endpoint) => Some(tracer_provider(endpoint, &config.otel_service_name)?),
        None => None,
    };
    let export = traces.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("messenger-gateway"))
            .with_threads(false)
            .with_filter(filter_fn(exported))
    });
    let installed = tracing_subscriber::registry()
        .with(logs)
        .with(export)
        .try_init()
        .is_ok();
    if installed {
        if let Some(endpoint) = &config.otlp_traces_endpoint {
            tracing::info!(%endpoint, "exporting trace spans over OTLP/HTTP");
        }
    }
    Ok(Telemetry { traces })
}

/// Which spans and events reach the exporter: this crate's spans from debug level up
/// (the `#[instrument]`ed services and repositories), the HTTP request spans, and
/// warnings and errors as span events. Log filters (`RUST_LOG`) do not apply here.
fn exported(meta: &Metadata<'_>) -> bool {
    let ours = meta.target().starts_with("messenger_gateway") || meta.target() == "tower_http";
    if meta.is_span() {
        ours && *meta.level() <= Level::DEBUG
    } else {
        ours && *meta.level() <= Level::WARN
    }
}

fn tracer_provider(endpoint: &url::Url, service_name: &str) -> anyhow::Result<SdkTracerProvider> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(endpoint.as_str())
        .build()
        .map_err(|e| anyhow::anyhow!("OTLP trace exporter for {endpoint}: {e}"))?;
    let resource = Resource::builder()
        .with_service_name(service_name.to_owned())
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}
