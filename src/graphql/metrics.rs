//! `graphql_operations_total{operation, type, outcome}` and
//! `graphql_operation_duration_seconds{operation, type}`: each HTTP operation is recorded
//! whole (refusals before execution included), with its name and type, and runs in a
//! `graphql.operation` span.

use std::{
    collections::HashMap,
    future::Future,
    sync::{Mutex, OnceLock},
    time::Instant,
};

use async_graphql::Response;
use metrics::{Counter, Histogram};
use tracing::Instrument as _;

/// Distinct operation names (with their types) recorded at most; later new names count
/// as `other`, so client-chosen names cannot grow the registry without end.
const MAX_NAMES: usize = 200;

/// Runs `operation` (named `name`, of type `kind` as far as known) and records it.
pub async fn recorded(
    name: Option<&str>,
    kind: Option<&'static str>,
    operation: impl Future<Output = Response>,
) -> Response {
    let started = Instant::now();
    let ty = kind.unwrap_or("unknown");
    // A span per operation (debug: exported with traces, silent in default logs).
    let span = tracing::debug_span!(
        "graphql.operation",
        operation = name.unwrap_or("anonymous"),
        kind = ty,
    );
    let response = operation.instrument(span).await;
    let handles = Handles::of(name, ty);
    if response.errors.is_empty() {
        handles.ok.increment(1);
    } else {
        handles.error.increment(1);
    }
    handles.duration.record(started.elapsed());
    response
}

/// One operation name's and type's metrics, registered once: looking them up by their
/// labels costs each operation a key built and hashed per metric.
#[derive(Clone)]
struct Handles {
    ok: Counter,
    error: Counter,
    duration: Histogram,
}

impl Handles {
    fn of(name: Option<&str>, ty: &'static str) -> Self {
        static KNOWN: OnceLock<Mutex<HashMap<&'static str, HashMap<String, Handles>>>> =
            OnceLock::new();
        let label = name_label(name);
        let mut known = KNOWN
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(handles) = known.get(ty).and_then(|names| names.get(label)) {
            return handles.clone();
        }
        let total: usize = known.values().map(HashMap::len).sum();
        let label = if total >= MAX_NAMES { "other" } else { label };
        (known.entry(ty).or_default())
            .entry(label.to_owned())
            .or_insert_with(|| Self::register(label, ty))
            .clone()
    }

    fn register(name: &str, ty: &'static str) -> Self {
        let counter = |outcome: &'static str| {
            metrics::counter!("graphql_operations_total",
                "operation" => name.to_owned(), "type" => ty, "outcome" => outcome)
        };
        Self {
            ok: counter("ok"),
            error: counter("error"),
            duration: metrics::histogram!("graphql_operation_duration_seconds",
                "operation" => name.to_owned(), "type" => ty),
        }
    }
}

/// The label for a client-chosen operation name.
fn name_label(name: Option<&str>) -> &str {
    match name {
        None => "anonymous",
        Some(name)
            if name.is_empty()
                || name.len() > 64
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            "invalid"
        }
        Some(name) => name,
    }
}
