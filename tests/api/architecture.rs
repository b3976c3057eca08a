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

#[test]
fn the_checks_see_what_they_look_for() {
    assert!(names("use crate::{db::chats::Member};", "db"));
    assert!(!names("let dbx = 1; adb::x", "db"));
    assert!(names("async_graphql::Context", "async_graphql"));
    assert!(!offending("db", |code| code.contains("query")).is_empty());
}
