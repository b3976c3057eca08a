//! Parsed documents kept for reuse: clients send the same few documents over and over
//! (with other variables), and parsing is the largest part of a small operation's cost.
//! A document that parsed and passed the [`DocumentLimits`] is kept (up to
//! [`MAX_DOCUMENTS`] of at most [`MAX_CACHED_BYTES`] each; when full, the set starts over)
//! and later requests with the same text get a copy instead of a new parse.
//!
//! A kept document whose validity cannot depend on the request (one operation, no
//! variables) is also remembered as valid once an HTTP request ran it past async-graphql's
//! validation; later requests with it run on the schema in async-graphql's fast
//! validation mode, which still checks the depth and complexity limits
//! ([`Transport::validated`](super::Transport)).

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, RwLock,
    },
};

use async_graphql::{
    parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition, OperationType},
    Positioned, Request, ServerResult,
};

use super::limits::DocumentLimits;
use crate::config::GraphqlLimits;

/// Documents kept at most.
pub const MAX_DOCUMENTS: usize = 256;
/// Longest document text kept.
pub const MAX_CACHED_BYTES: usize = 8 * 1024;

/// [`DocumentLimits`], with the documents that passed them kept by their text.
pub struct ParsedDocuments {
    limits: DocumentLimits,
    kept: RwLock<HashMap<String, Arc<Kept>>>,
}

/// A document that parsed and passed the limits.
pub struct Kept {
    document: ExecutableDocument,
    /// One operation and no variable definitions: async-graphql's validation gives every
    /// request with this text the same answer.
    fixed: bool,
    /// A request with this text passed async-graphql's validation (only when `fixed`).
    validated: AtomicBool,
}

impl Kept {
    fn new(document: ExecutableDocument) -> Self {
        let mut operations = document.operations.iter();
        let fixed = match (operations.next(), operations.next()) {
            (Some((_, operation)), None) => operation.node.variable_definitions.is_empty(),
            _ => false,
        };
        Self {
            document,
            fixed,
            validated: AtomicBool::new(false),
        }
    }

    /// Whether a request with this text already passed async-graphql's validation, and
    /// so every request with it does.
    pub fn validated(&self) -> bool {
        self.validated.load(Ordering::Relaxed)
    }

    /// Records that a request with this text ran past validation (its response is not a
    /// request error).
    pub fn passed_validation(&self) {
        // Read first: the flag is written once, not by every request that shares it.
        if self.fixed && !self.validated() {
            self.validated.store(true, Ordering::Relaxed);
        }
    }
}

/// A request whose document parsed and passed the limits, ready to execute.
pub struct Prepared {
    pub request: Request,
    /// The name of the operation it runs, when it has one.
    pub name: Option<String>,
    /// The type of the operation it runs (`query`, `mutation`, `subscription`), when
    /// the document says which.
    pub kind: Option<&'static str>,
    /// Whether the document holds a mutation or a subscription (the request's loader
    /// cache is turned off for it: see [`QueryCache`](super::loaders::QueryCache)).
    pub writes: bool,
    /// The kept document it runs, when its text is short enough to keep.
    pub kept: Option<Arc<Kept>>,
}

impl ParsedDocuments {
    pub fn new(limits: &GraphqlLimits) -> Arc<Self> {
        Arc::new(Self {
            limits: DocumentLimits {
                max_query_bytes: limits.max_query_bytes,
                max_selections: limits.max_selections,
                max_aliases: limits.max_aliases,
                max_root_fields: limits.max_root_fields,
                introspection: limits.introspection,
            },
            kept: RwLock::default(),
        })
    }

    /// Parses `request`'s document (or reuses it) and checks it against the limits, for
    /// HTTP and WebSocket alike, before async-graphql validates and runs it. Done here
    /// rather than in schema extensions: a schema without extensions resolves each
    /// field and list item without the per-field extension chain.
    pub fn prepare(&self, mut request: Request) -> ServerResult<Prepared> {
        let kept = if let Some(kept) = self.kept(&request.query) {
            // It passed the limits when it was kept; they have not changed since.
            request.set_parsed_query(kept.document.clone());
            Some(kept)
        } else {
            // Parsed by the request itself: a GET request's document was already parsed
            // when it was decoded (`refuse_mutation_over_get`).
            self.limits.refuse_long(&request.query)?;
            let query = request.query.clone();
            self.checked(&query, request.parsed_query()?)?
        };
        let asked = request.operation_name.clone();
        let document = request.parsed_query()?;
        // The operation it runs: the one named by the request, or the document's only one.
        let name = match (&document.operations, asked) {
            (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
                ops.keys().next().map(ToString::to_string)
            }
            (_, name) => name,
        };
        let writes = document
            .operations
            .iter()
            .any(|(_, op)| op.node.ty != OperationType::Query);
        let kind = operation(document, name.as_deref()).map(|op| kind(op.node.ty));
        Ok(Prepared {
            request,
            name,
            kind,
            writes,
            kept,
        })
    }

    /// `query` parsed (or reused) and checked against the limits.
    pub fn parsed(&self, query: &str) -> ServerResult<ExecutableDocument> {
        if let Some(kept) = self.kept(query) {
            // It passed the limits when it was kept; they have not changed since.
            return Ok(kept.document.clone());
        }
        self.limits.refuse_long(query)?;
        let document = async_graphql::parser::parse_query(query)?;
        self.checked(query, &document)?;
        Ok(document)
    }

    /// Checks a newly parsed `document` against the limits and keeps it (when its text
    /// is short enough).
    fn checked(
        &self,
        query: &str,
        document: &ExecutableDocument,
    ) -> ServerResult<Option<Arc<Kept>>> {
        self.limits.check(document)?;
        Ok(self.keep(query, document))
    }

    fn kept(&self, query: &str) -> Option<Arc<Kept>> {
        let kept = self.kept.read().unwrap_or_else(|e| e.into_inner());
        kept.get(query).cloned()
    }

    fn keep(&self, query: &str, document: &ExecutableDocument) -> Option<Arc<Kept>> {
        if query.len() > MAX_CACHED_BYTES {
            return None;
        }
        let entry = Arc::new(Kept::new(document.clone()));
        let mut kept = self.kept.write().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= MAX_DOCUMENTS {
            kept.clear();
        }
        kept.insert(query.to_owned(), Arc::clone(&entry));
        Some(entry)
    }
}

/// The operation a request runs: the named one, or the only one.
pub(super) fn operation<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

fn kind(ty: OperationType) -> &'static str {
    match ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}
