//! What a subscription document asks for, read before it runs.

use crate::graphql::parsed::operation;

/// Whether every root field the operation selects may be subscribed to without signing
/// in (`botAuthSession`: the sign-in itself). Unparsable documents pass: execution
/// answers them with the usual error.
pub(super) fn only_public_subscriptions(query: &str, operation_name: Option<&str>) -> bool {
    use async_graphql::parser::types::Selection;
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return true;
    };
    let Some(operation) = operation(&document, operation_name) else {
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
