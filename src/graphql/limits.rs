//! Abuse limits that async-graphql does not have built in: aliases per document and
//! root fields per operation. Checked right after parsing, for HTTP and WebSocket alike.
//! (Depth and complexity use async-graphql's own limits, set in `graphql::schema_builder`.)

use std::{collections::HashSet, sync::Arc};

use async_graphql::{
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, Selection, SelectionSet},
    ServerError, ServerResult, Variables,
};

#[derive(Clone, Copy, Debug)]
pub struct DocumentLimits {
    pub max_aliases: usize,
    pub max_root_fields: usize,
    /// `false` refuses `__schema` and `__type` with an error (async-graphql alone
    /// would answer `null` silently).
    pub introspection: bool,
}

impl ExtensionFactory for DocumentLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(*self)
    }
}

#[async_trait::async_trait]
impl Extension for DocumentLimits {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        self.check(&document)?;
        Ok(document)
    }
}

impl DocumentLimits {
    pub fn check(&self, document: &ExecutableDocument) -> ServerResult<()> {
        let aliases = document
            .operations
            .iter()
            .map(|(_, op)| count_aliases(&op.node.selection_set.node))
            .chain(
                document
                    .fragments
                    .values()
                    .map(|f| count_aliases(&f.node.selection_set.node)),
            )
            .sum::<usize>();
        if aliases > self.max_aliases {
            return Err(ServerError::new(
                format!(
                    "Query uses {aliases} aliases; the limit is {}",
                    self.max_aliases
                ),
                None,
            ));
        }
        for (_, operation) in document.operations.iter() {
            let mut seen = HashSet::new();
            let mut names = Vec::new();
            root_fields(
                document,
                &operation.node.selection_set.node,
                &mut seen,
                &mut names,
            );
            if !self.introspection && names.iter().any(|n| *n == "__schema" || *n == "__type") {
                return Err(ServerError::new("Introspection is disabled", None));
            }
            let roots = names.len();
            if roots > self.max_root_fields {
                return Err(ServerError::new(
                    format!(
                        "Operation selects {roots} root fields; the limit is {}",
                        self.max_root_fields
                    ),
                    None,
                ));
            }
        }
        Ok(())
    }
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Collects the names of the fields an operation selects at its root.
fn root_fields<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    seen: &mut HashSet<&'a str>,
    names: &mut Vec<&'a str>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => names.push(field.node.name.node.as_str()),
            Selection::InlineFragment(fragment) => {
                root_fields(document, &fragment.node.selection_set.node, seen, names);
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    if seen.insert(name) {
                        root_fields(document, &fragment.node.selection_set.node, seen, names);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str) -> ServerResult<()> {
        let limits = DocumentLimits {
            max_aliases: 2,
            max_root_fields: 2,
            introspection: false,
        };
        limits.check(&async_graphql::parser::parse_query(query).expect("parses"))
    }

    #[test]
    fn aliases_are_counted_in_operations_and_fragments() {
        assert!(check("{ a: me { id } b: me { id } }").is_ok());
        assert!(check("{ a: me { x: id } b: me { id } }").is_err());
        assert!(check("{ me { ...F } } fragment F on User { a: id b: id c: id }").is_err());
    }

    #[test]
    fn root_fields_count_through_fragments() {
        assert!(check("{ me { id } __typename }").is_ok());
        assert!(check("{ ...R me { id } } fragment R on Query { __typename me { id } }").is_err());
        assert!(check("{ ... on Query { a: __typename b: __typename } me { id } }").is_err());
    }

    #[test]
    fn introspection_is_refused_when_switched_off() {
        assert!(check("{ __schema { queryType { name } } }").is_err());
        assert!(check("{ ...F } fragment F on Query { __type(name: \"User\") { name } }").is_err());
        assert!(check("{ __typename }").is_ok());
    }
}
