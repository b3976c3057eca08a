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
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest},
    parser::types::ExecutableDocument,
    Request, ServerResult,
};

use super::limits::DocumentLimits;

/// Documents kept at most.
pub const MAX_DOCUMENTS: usize = 256;
/// Longest document text kept.
pub const MAX_CACHED_BYTES: usize = 8 * 1024;

/// [`DocumentLimits`], with the documents that passed them kept by their text.
#[derive(Clone)]
pub struct ParsedDocuments {
    limits: DocumentLimits,
    kept: Arc<RwLock<HashMap<String, ExecutableDocument>>>,
}

impl ParsedDocuments {
    pub fn new(limits: DocumentLimits) -> Self {
        Self {
            limits,
            kept: Arc::default(),
        }
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

impl ExtensionFactory for ParsedDocuments {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Extension for ParsedDocuments {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Some(document) = self.kept(&request.query) {
            // It passed the limits when it was kept; they have not changed since.
            request.set_parsed_query(document);
            return next.run(ctx, request).await;
        }
        self.limits.refuse_long(&request.query)?;
        let query = request.query.clone();
        let document = request.parsed_query()?;
        self.limits.check(document)?;
        self.keep(&query, document);
        next.run(ctx, request).await
    }
}
