//! The GraphQL adapter: schema roots per domain, output types, loaders, the
//! GraphQL-over-HTTP handler and the WebSocket transport, all on `/graphql`.

pub mod context;
pub mod errors;
mod http;
pub mod limits;
pub mod loaders;
mod metrics;
mod parsed;
mod roots;
pub mod scalars;
mod types;
mod ws;

use std::sync::Arc;

use async_graphql::{Schema, SchemaBuilder, ValidationMode};
use axum::{routing::get, Router};

pub use parsed::ParsedDocuments;
pub use roots::{MutationRoot, QueryRoot, SubscriptionRoot};
pub use ws::{
    fanout::Fanout,
    gate::{GateLimits, SocketGate},
};

use crate::{config::GraphqlLimits, domain::Domain, state::AppState};

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with async-graphql's own abuse limits (depth, complexity), without runtime
/// data. It has no extensions: the gateway's document limits, parsed-document cache,
/// loader-cache switch and operation metrics run around it
/// ([`ParsedDocuments::prepare`], `metrics::recorded`), so async-graphql resolves fields
/// and list items on its fast path (no per-field extension chain, no type names built per
/// list item).
pub fn schema_builder(
    limits: &GraphqlLimits,
) -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    let builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot,
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity);
    let builder = if limits.suggestions {
        builder
    } else {
        builder.disable_suggestions()
    };
    if limits.introspection {
        builder
    } else {
        builder.disable_introspection()
    }
}

/// The executable schema, validating documents in `mode`: [`ValidationMode::Strict`]
/// (every rule) for documents not known to be valid, [`ValidationMode::Fast`] (fragment
/// cycles, depth and complexity only) for those that passed it before ([`Transport`]).
pub fn build_schema(domain: Domain, limits: &GraphqlLimits, mode: ValidationMode) -> AppSchema {
    schema_builder(limits)
        .validation_mode(mode)
        .data(domain)
        .finish()
}

/// The SDL printed to `schema.graphql` (`messenger-gateway print-schema`).
pub fn sdl() -> String {
    schema_builder(&GraphqlLimits::default()).finish().sdl()
}

/// Entry points for the fuzz targets in `fuzz/`: the decoders of untrusted input, with
/// their results reduced to "accepted". Not an API.
#[doc(hidden)]
pub mod fuzzing {
    use axum::http::{header, HeaderMap, HeaderValue};

    /// A `POST /graphql` body with `content_type`, decoded into a request or batch.
    pub fn decode_http_post(content_type: &str, body: &[u8]) -> bool {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(content_type) {
            headers.insert(header::CONTENT_TYPE, value);
        }
        super::http::parse_post(&headers, body, 10).is_ok()
    }

    /// A `GET /graphql` query string, decoded into a request.
    pub fn decode_http_get(query: &str) -> bool {
        super::http::parse_get(query).is_ok()
    }

    /// A WebSocket text frame, decoded under both subprotocols.
    pub fn decode_ws_message(text: &str) -> bool {
        use super::ws::protocol::{parse, Protocol};
        let modern = parse(Protocol::TransportWs, text).is_ok();
        let legacy = parse(Protocol::Legacy, text).is_ok();
        modern || legacy
    }
}

/// What the GraphQL endpoint needs besides [`AppState`]: the schema, the documents
/// parsed so far, the instance's WebSocket caps and its shared subscription payloads.
#[derive(Clone)]
pub struct Transport {
    pub schema: AppSchema,
    /// The same schema in async-graphql's fast validation mode, for HTTP requests whose
    /// document already passed the full validation and cannot fail it with other
    /// variables ([`parsed::Kept`]): the full rules cost about half as much as resolving
    /// a small query.
    pub validated: AppSchema,
    pub documents: Arc<ParsedDocuments>,
    pub sockets: Arc<SocketGate>,
    pub fanout: Arc<Fanout>,
}

/// `/graphql`: POST and GET queries, GraphiQL for browsers, WebSocket subscriptions.
pub fn router(transport: Transport) -> Router<AppState> {
    Router::new()
        .route("/graphql", get(http::get).post(http::post))
        .layer(axum::Extension(transport))
}
