//! What a subscription document asks for, read before it runs.

use async_graphql::{
    parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition},
    Positioned,
};

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
