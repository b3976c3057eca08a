//! Abuse limits that async-graphql does not have built in: the document's length, the
//! size of each operation once its fragments are expanded, aliases per document and root
//! fields per operation. Checked right after parsing, before validation, for HTTP and
//! WebSocket alike, so a hostile document is refused after work proportional to its text.
//! (Depth and complexity use async-graphql's own limits, set in `graphql::schema_builder`;
//! they walk the expanded document, which these limits keep small.)

use std::collections::{HashMap, HashSet};

use async_graphql::{
    parser::types::{ExecutableDocument, Selection, SelectionSet},
    ServerError, ServerResult,
};

#[derive(Clone, Copy, Debug)]
pub struct DocumentLimits {
    /// Longest document text, in bytes, parsed at all.
    pub max_query_bytes: usize,
    /// Field selections of all operations together once fragments are expanded (a
    /// fragment spread twice counts twice).
    pub max_selections: usize,
    pub max_aliases: usize,
    pub max_root_fields: usize,
    /// `false` refuses `__schema` and `__type` with an error (async-graphql alone
    /// would answer `null` silently).
    pub introspection: bool,
}

impl DocumentLimits {
    /// Refuses a document text longer than `max_query_bytes`, before parsing it.
    pub fn refuse_long(&self, query: &str) -> ServerResult<()> {
        if query.len() > self.max_query_bytes {
            return Err(ServerError::new(
                format!(
                    "Query is {} bytes long; the limit is {}",
                    query.len(),
                    self.max_query_bytes
                ),
                None,
            ));
        }
        Ok(())
    }
}

impl DocumentLimits {
    pub fn check(&self, document: &ExecutableDocument) -> ServerResult<()> {
        let mut expansion = Expansion::new(document, self.max_selections);
        let selections = document
            .operations
            .iter()
            .try_fold(0usize, |total, (_, op)| {
                let fields = expansion.fields(&op.node.selection_set.node)?;
                expansion.within(total.saturating_add(fields))
            })
            .map_err(|refusal| match refusal {
                Refusal::TooLarge => ServerError::new(
                    format!(
                        "Query is too large: it has more than {} selections once its \
                         fragments are expanded",
                        self.max_selections
                    ),
                    None,
                ),
                Refusal::Cycle(name) => ServerError::new(
                    format!("Cannot spread fragment \"{name}\" within itself."),
                    None,
                ),
            })?;
        debug_assert!(selections <= self.max_selections);
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

/// Why a document is refused before validation.
enum Refusal {
    /// The expanded size passed the limit.
    TooLarge,
    /// A fragment spreads itself, directly or not (invalid, and endless to expand).
    Cycle(String),
}

/// Counts the selections (fields, fragment spreads, inline fragments) a walk of the
/// expanded document visits, computing each fragment's size once (memoized), so the work
/// is linear in the document's text even when fragments spread each other exponentially
/// often. Stops as soon as the count passes the limit.
struct Expansion<'a> {
    document: &'a ExecutableDocument,
    limit: usize,
    sizes: HashMap<&'a str, usize>,
    /// Fragments being sized: a spread of one of them is a cycle.
    open: HashSet<&'a str>,
}

impl<'a> Expansion<'a> {
    fn new(document: &'a ExecutableDocument, limit: usize) -> Self {
        Self {
            document,
            limit,
            sizes: HashMap::new(),
            open: HashSet::new(),
        }
    }

    fn within(&self, count: usize) -> Result<usize, Refusal> {
        if count > self.limit {
            Err(Refusal::TooLarge)
        } else {
            Ok(count)
        }
    }

    fn fields(&mut self, set: &'a SelectionSet) -> Result<usize, Refusal> {
        let mut count = 0usize;
        for item in &set.items {
            let inner = match &item.node {
                Selection::Field(field) => self.fields(&field.node.selection_set.node)?,
                Selection::InlineFragment(fragment) => {
                    self.fields(&fragment.node.selection_set.node)?
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())?
                }
            };
            count = self.within(count.saturating_add(1).saturating_add(inner))?;
        }
        Ok(count)
    }

    fn fragment(&mut self, name: &'a str) -> Result<usize, Refusal> {
        if let Some(size) = self.sizes.get(name) {
            return Ok(*size);
        }
        let Some(fragment) = self.document.fragments.get(name) else {
            return Ok(0);
        };
        if !self.open.insert(name) {
            return Err(Refusal::Cycle(name.to_owned()));
        }
        let size = self.fields(&fragment.node.selection_set.node);
        self.open.remove(name);
        let size = size?;
        self.sizes.insert(name, size);
        Ok(size)
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
            max_query_bytes: 10_000,
            max_selections: 50,
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

    /// `L0` selects two fields; `L{i}` spreads `L{i-1}` twice: 2^(depth+1) fields.
    fn fragment_chain(depth: usize) -> String {
        let mut query = format!("{{ me {{ ...L{depth} }} }} fragment L0 on User {{ id name }}");
        for i in 1..=depth {
            query.push_str(&format!(
                " fragment L{i} on User {{ ...L{} ...L{} }}",
                i - 1,
                i - 1
            ));
        }
        query
    }

    #[test]
    fn fragments_count_once_per_spread_and_are_sized_once() {
        // L{d} visits 2^(d+2) - 2 selections (fields and spreads), plus `me` and its
        // spread: 32 at depth 3, 64 at depth 4.
        assert!(check(&fragment_chain(3)).is_ok());
        let error = check(&fragment_chain(4)).expect_err("too large");
        assert!(error.message.contains("too large"), "{}", error.message);
        // A chain whose expansion has 2^200 selections is refused without expanding it.
        assert!(check(&fragment_chain(200)).is_err());
        // Spreads of missing fragments count too: they are visited.
        let empty = fragment_chain(30).replace("{ id name }", "{ ...Missing }");
        assert!(check(&empty).is_err());
        // Cycles are refused, not walked.
        let cycle =
            check("{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }")
                .expect_err("a cycle");
        assert!(cycle.message.contains("within itself"), "{}", cycle.message);
    }

    #[test]
    fn introspection_is_refused_when_switched_off() {
        assert!(check("{ __schema { queryType { name } } }").is_err());
        assert!(check("{ ...F } fragment F on Query { __type(name: \"User\") { name } }").is_err());
        assert!(check("{ __typename }").is_ok());
    }
}
