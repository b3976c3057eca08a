//! `AppError` → GraphQL error with `extensions.code` (and field details, retry time).

use async_graphql::{Error, ErrorExtensions};

use crate::error::AppError;

/// Converts without consuming, for errors kept in shared request state.
pub fn to_graphql(error: &AppError) -> Error {
    error.log();
    let mut gql = Error::new(error.message());
    gql = gql.extend_with(|_, ext| {
        ext.set("code", error.code());
        if let AppError::RateLimited { retry_after } = error {
            ext.set("retryAfter", *retry_after);
        }
        let fields = error.field_details();
        if !fields.is_empty() {
            let map: async_graphql::indexmap::IndexMap<async_graphql::Name, async_graphql::Value> =
                fields
                    .into_iter()
                    .map(|(k, v)| (async_graphql::Name::new(k), async_graphql::Value::from(v)))
                    .collect();
            ext.set("fields", async_graphql::Value::Object(map));
        }
    });
    gql
}

impl From<AppError> for Error {
    fn from(error: AppError) -> Self {
        to_graphql(&error)
    }
}
