//! The layering of DESIGN.md, checked on the source tree like the schema drift test:
//! the adapters (`src/graphql`, `src/rest`, `src/http`) reach the database only through
//! `src/domain`; the domain, the repositories, the event bus and the auth primitives know
//! nothing of the web frameworks, and the domain nothing of Redis (presence and rate
//! limits go through `realtime::stores`); SQL is written in `src/db` only.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/<dir>`, with its text.
fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(path: &Path, out: &mut Vec<(PathBuf, String)>) {
        let entries = std::fs::read_dir(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        for entry in entries {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source file");
                out.push((path, text));
            }
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(dir);
    let mut out = Vec::new();
    walk(&root, &mut out);
    assert!(!out.is_empty(), "no sources under {root:?}");
    out
}

/// Whether `word` occurs in `line` as a whole path segment (not inside an identifier).
fn names(line: &str, word: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// `(file:line, text)` of the code lines (comments skipped) of `dir` matching `bad`.
fn offending(dir: &str, bad: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    for (path, text) in sources(dir) {
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if bad(code) {
                found.push(format!("{}:{}: {code}", path.display(), n + 1));
            }
        }
    }
    found
}

#[test]
fn adapters_reach_the_database_only_through_the_domain() {
    for dir in ["graphql", "rest", "http"] {
        let found = offending(dir, |code| names(code, "db") && code.contains("db::"));
        assert!(
            found.is_empty(),
            "src/{dir} names crate::db:\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn the_core_knows_nothing_of_the_web_frameworks() {
    for dir in ["domain", "db", "realtime", "auth"] {
        let found = offending(dir, |code| {
            ["axum", "async_graphql", "tower_http", "utoipa"]
                .iter()
                .any(|framework| names(code, framework))
        });
        assert!(
            found.is_empty(),
            "src/{dir} names a web framework:\n{}",
            found.join("\n")
        );
    }
}

/// Presence and rate limits reach Redis through `realtime::stores` traits.
#[test]
fn the_domain_does_not_talk_to_redis() {
    let found = offending("domain", |code| {
        code.contains("redis::") || names(code, "ConnectionManager")
    });
    assert!(
        found.is_empty(),
        "src/domain talks to Redis:\n{}",
        found.join("\n")
    );
}

#[test]
fn sql_is_written_in_the_db_layer_only() {
    for dir in [
        "domain",
        "graphql",
        "rest",
        "http",
        "realtime",
        "auth",
        "integrations",
    ] {
        let found = offending(dir, |code| {
            [
                "query!(",
                "query_as!(",
                "query_scalar!(",
                "raw_sql(",
                "sqlx::query",
            ]
            .iter()
            .any(|sql| code.contains(sql))
        });
        assert!(found.is_empty(), "SQL in src/{dir}:\n{}", found.join("\n"));
    }
}

/// The top-level modules a piece of code names through `crate::` (paths and `use`
/// groups, nested braces included).
fn crate_modules(code: &str) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The first segment of each path at the group's top level.
            let (mut depth, mut expecting) = (0usize, true);
            let mut chars = group.char_indices().peekable();
            while let Some((i, c)) = chars.next() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => expecting = true,
                    c if depth == 0 && expecting && ident(c) => {
                        let end = group[i..]
                            .find(|c: char| !ident(c))
                            .map_or(group.len(), |n| i + n);
                        found.insert(group[i..end].to_owned());
                        expecting = false;
                        while chars.peek().is_some_and(|(j, _)| *j < end) {
                            chars.next();
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let end = rest.find(|c: char| !ident(c)).unwrap_or(rest.len());
            found.insert(rest[..end].to_owned());
        }
    }
    found
}

/// Top-level modules import each other without cycles: the router is assembled in
/// `app.rs`, `http` holds leaves, and `state` does not know the GraphQL adapter.
#[test]
fn top_level_modules_import_each_other_without_cycles() {
    use std::collections::{BTreeMap, BTreeSet};
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).expect("src") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let texts: Vec<String> = if path.is_dir() {
            sources(&name).into_iter().map(|(_, text)| text).collect()
        } else {
            vec![std::fs::read_to_string(&path).expect("source")]
        };
        modules.entry(name).or_default().extend(texts);
    }
    let mut imports: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (name, texts) in &modules {
        let mut names = BTreeSet::new();
        for text in texts {
            let code: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            names.extend(crate_modules(&code));
        }
        names.retain(|m| m != name && modules.contains_key(m));
        imports.insert(name, names);
    }
    // Depth-first search for a path back to where it started.
    fn cycle_from<'a>(
        imports: &'a BTreeMap<&str, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        let here = *path.last()?;
        for next in imports.get(here).into_iter().flatten() {
            if next == path[0] {
                let mut cycle: Vec<String> = path.iter().map(|m| (*m).to_owned()).collect();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if !path.contains(&next.as_str()) {
                path.push(next);
                if let Some(cycle) = cycle_from(imports, path) {
                    return Some(cycle);
                }
                path.pop();
            }
        }
        None
    }
    for start in imports.keys() {
        let mut path = vec![*start];
        if let Some(cycle) = cycle_from(&imports, &mut path) {
            panic!(
                "an import cycle: {}\nall imports: {imports:#?}",
                cycle.join(" -> ")
            );
        }
    }
    assert!(
        imports["app"].contains("graphql"),
        "the scan sees nested use groups"
    );
}

/// Pieces stay small: no source file over 400 lines, no function over about 80 (90
/// counted from `fn` to its closing brace, SQL text included).
#[test]
fn files_and_functions_stay_small() {
    let mut found = Vec::new();
    let top = std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src"))
        .expect("src")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .map(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .expect("name")
                .to_owned()
        })
        .collect::<Vec<_>>();
    let mut files: Vec<(PathBuf, String)> = top.iter().flat_map(|dir| sources(dir)).collect();
    for entry in
        std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")).expect("src")
    {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("source");
            files.push((path, text));
        }
    }
    for (path, text) in &files {
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() > 400 {
            found.push(format!("{}: {} lines", path.display(), lines.len()));
        }
        for (at, line) in lines.iter().enumerate() {
            let code = line.trim_start();
            let indent = &line[..line.len() - code.len()];
            let is_fn = [
                "fn ",
                "pub fn ",
                "async fn ",
                "pub async fn ",
                "pub(super) fn ",
                "pub(super) async fn ",
                "pub(crate) fn ",
                "pub(crate) async fn ",
            ]
            .iter()
            .any(|start| code.starts_with(start));
            if !is_fn || code.ends_with(';') {
                continue;
            }
            let closing = format!("{indent}}}");
            if let Some(end) = lines[at..].iter().position(|l| *l == closing) {
                if end + 1 > 90 {
                    found.push(format!(
                        "{}:{}: a function of {} lines",
                        path.display(),
                        at + 1,
                        end + 1
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "too big:\n{}", found.join("\n"));
}

#[test]
fn the_checks_see_what_they_look_for() {
    let names_of = |code: &str| crate_modules(code).into_iter().collect::<Vec<_>>();
    assert_eq!(
        names_of("use crate::{a::{b, c::{d}}, e, f::g}; crate::h::i(); x::crate::j"),
        ["a", "e", "f", "h", "j"]
    );
    assert!(names("use crate::{db::chats::Member};", "db"));
    assert!(!names("let dbx = 1; adb::x", "db"));
    assert!(names("async_graphql::Context", "async_graphql"));
    assert!(!offending("db", |code| code.contains("query")).is_empty());
}
