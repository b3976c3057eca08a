//! The GraphQL adapter: schema roots per domain, output types, loaders, the
//! GraphQL-over-HTTP handler and the WebSocket transport, all on `/graphql`.

pub mod context;
pub mod errors;
mod http;
pub mod limits;
pub mod loaders;
mod roots;
pub mod scalars;
mod types;
mod ws;

use async_graphql::{Schema, SchemaBuilder};
use axum::{routing::get, Router};

pub use roots::{MutationRoot, QueryRoot, SubscriptionRoot};

use crate::{config::GraphqlLimits, domain::Domain, state::AppState};

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with its abuse limits, without runtime data.
pub fn schema_builder(
    limits: &GraphqlLimits,
) -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    let builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot,
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .extension(limits::DocumentLimits {
        max_query_bytes: limits.max_query_bytes,
        max_selections: limits.max_selections,
        max_aliases: limits.max_aliases,
        max_root_fields: limits.max_root_fields,
        introspection: limits.introspection,
    });
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

/// The executable schema.
pub fn build_schema(domain: Domain, limits: &GraphqlLimits) -> AppSchema {
    schema_builder(limits).data(domain).finish()
}

/// The SDL printed to `schema.graphql` (`messenger-gateway print-schema`).
pub fn sdl() -> String {
    schema_builder(&GraphqlLimits::default()).finish().sdl()
}

/// `/graphql`: POST and GET queries, GraphiQL for browsers, WebSocket subscriptions.
pub fn router() -> Router<AppState> {
    Router::new().route("/graphql", get(http::get).post(http::post))
}
