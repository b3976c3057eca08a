//! `graphql_operations_total{operation, type, outcome}` and
//! `graphql_operation_duration_seconds{operation, type}`: one extension instance per
//! request notes the operation's type when the document is parsed and its name when it
//! executes, then records the whole request (refusals before execution included).

use std::{
    collections::HashSet,
    sync::{Arc, Mutex, OnceLock},
    time::Instant,
};

use tracing::Instrument as _;

use async_graphql::{
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    },
    parser::types::{DocumentOperations, ExecutableDocument, OperationType},
    Response, ServerResult, Variables,
};

/// Distinct operation names recorded at most; later new names count as `other`, so
/// client-chosen names cannot grow the registry without end.
const MAX_NAMES: usize = 200;

pub struct OperationMetrics;

impl ExtensionFactory for OperationMetrics {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Recorder::default())
    }
}

#[derive(Default)]
struct Recorder {
    /// `(name, type)` as far as known.
    seen: Mutex<(Option<String>, Option<&'static str>)>,
    /// Types by operation name, for documents with several operations.
    named: Mutex<Vec<(String, &'static str)>>,
}

fn kind(ty: OperationType) -> &'static str {
    match ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
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
    if names.contains(name) || names.len() < MAX_NAMES {
        names.insert(name.to_owned());
        name.to_owned()
    } else {
        "other".to_owned()
    }
}

#[async_trait::async_trait]
impl Extension for Recorder {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let response = next.run(ctx).await;
        let (name, ty) = self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let name = name_label(name.as_deref());
        let ty = ty.unwrap_or("unknown");
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

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        match &document.operations {
            DocumentOperations::Single(op) => {
                self.seen.lock().unwrap_or_else(|e| e.into_inner()).1 = Some(kind(op.node.ty));
            }
            DocumentOperations::Multiple(ops) => {
                let mut named = self.named.lock().unwrap_or_else(|e| e.into_inner());
                named.extend(ops.iter().map(|(n, op)| (n.to_string(), kind(op.node.ty))));
            }
        }
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let ty = {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            seen.0 = operation_name.map(str::to_owned);
            if let Some(name) = operation_name {
                let named = self.named.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((_, ty)) = named.iter().find(|(n, _)| n == name) {
                    seen.1 = Some(ty);
                }
            }
            seen.1.unwrap_or("unknown")
        };
        // A span per operation (debug: exported with traces, silent in default logs).
        let span = tracing::debug_span!(
            "graphql.operation",
            operation = operation_name.unwrap_or("anonymous"),
            kind = ty,
        );
        next.run(ctx, operation_name).instrument(span).await
    }
}
