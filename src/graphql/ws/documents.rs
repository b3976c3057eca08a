//! What a subscription document asks for, read before it runs.

use async_graphql::parser::types::ExecutableDocument;

use crate::graphql::parsed::operation;

/// Whether every root field the operation selects may be subscribed to without signing
/// in (`botAuthSession`: the sign-in itself). `document` is `query` as the parsed-document
/// cache gave it; when the cache refused it (over the limits, or unparsable), `query` is
/// read as it is. Unparsable documents pass: execution answers them with the usual error.
pub(super) fn only_public_subscriptions(
    document: Option<&ExecutableDocument>,
    query: &str,
    operation_name: Option<&str>,
) -> bool {
    use async_graphql::parser::types::Selection;
    let unlimited;
    let document = match document {
        Some(document) => document,
        None => match async_graphql::parser::parse_query(query) {
            Ok(document) => {
                unlimited = document;
                &unlimited
            }
            Err(_) => return true,
        },
    };
    let Some(operation) = operation(document, operation_name) else {
        return true;
    };
    operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .all(|item| match &item.node {
            Selection::Field(field) => {
                matches!(
                    field.node.name.node.as_str(),
                    "botAuthSession" | "__typename"
                )
            }
            // Fragments at the root: refused unless signed in (nothing public needs them).
            _ => false,
        })
}
