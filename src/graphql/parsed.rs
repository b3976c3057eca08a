//! Parsed documents kept for reuse: clients send the same few documents over and over
//! (with other variables), and parsing is the largest part of a small operation's cost.
//! A document that parsed and passed the [`DocumentLimits`] is kept (up to
//! [`MAX_DOCUMENTS`] of at most [`MAX_CACHED_BYTES`] each; when full, the set starts over)
//! and later requests with the same text get a copy instead of a new parse.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
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
    kept: RwLock<HashMap<String, ExecutableDocument>>,
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
        if let Some(document) = self.kept(&request.query) {
            // It passed the limits when it was kept; they have not changed since.
            request.set_parsed_query(document);
        } else {
            // Parsed by the request itself: a GET request's document was already parsed
            // when it was decoded (`refuse_mutation_over_get`).
            self.limits.refuse_long(&request.query)?;
            let query = request.query.clone();
            self.checked(&query, request.parsed_query()?)?;
        }
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
        })
    }

    /// `query` parsed (or reused) and checked against the limits.
    pub fn parsed(&self, query: &str) -> ServerResult<ExecutableDocument> {
        if let Some(document) = self.kept(query) {
            // It passed the limits when it was kept; they have not changed since.
            return Ok(document);
        }
        self.limits.refuse_long(query)?;
        let document = async_graphql::parser::parse_query(query)?;
        self.checked(query, &document)?;
        Ok(document)
    }

    /// Checks a newly parsed `document` against the limits and keeps it.
    fn checked(&self, query: &str, document: &ExecutableDocument) -> ServerResult<()> {
        self.limits.check(document)?;
        self.keep(query, document);
        Ok(())
    }

    fn kept(&self, query: &str) -> Option<ExecutableDocument> {
        let kept = self.kept.read().unwrap_or_else(|e| e.into_inner());
        kept.get(query).cloned()
    }

    fn keep(&self, query: &str, document: &ExecutableDocument) {
        if query.len() > MAX_CACHED_BYTES {
            return;
        }
        let mut kept = self.kept.write().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= MAX_DOCUMENTS {
            kept.clear();
        }
        kept.insert(query.to_owned(), document.clone());
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
