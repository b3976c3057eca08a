//! `graphql_operations_total{operation, type, outcome}` and
//! `graphql_operation_duration_seconds{operation, type}`: each HTTP operation is recorded
//! whole (refusals before execution included), with its name and type, and runs in a
//! `graphql.operation` span.

use std::{
    collections::HashSet,
    future::Future,
    sync::{Mutex, OnceLock},
    time::Instant,
};

use async_graphql::Response;
use tracing::Instrument as _;

/// Distinct operation names recorded at most; later new names count as `other`, so
/// client-chosen names cannot grow the registry without end.
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
    let name = name_label(name);
    let outcome = if response.errors.is_empty() {
        "ok"
    } else {
        "error"
    };
    metrics::counter!("graphql_operations_total",
        "operation" => name.clone(), "type" => ty, "outcome" => outcome)
    .increment(1);
    metrics::histogram!("graphql_operation_duration_seconds",
        "operation" => name, "type" => ty)
    .record(started.elapsed());
    response
}

/// The label for a client-chosen operation name.
fn name_label(name: Option<&str>) -> String {
    static NAMES: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name else {
        return "anonymous".to_owned();
    };
    if name.is_empty()
        || name.len() > 64
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return "invalid".to_owned();
    }
    let mut names = NAMES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if !names.contains(name) {
        if names.len() >= MAX_NAMES {
            return "other".to_owned();
        }
        names.insert(name.to_owned());
    }
    name.to_owned()
}
