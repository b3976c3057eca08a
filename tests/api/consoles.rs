//! The browser consoles work offline: GraphiQL (`GET /graphql` for browsers), Swagger UI
//! (`/api/docs`) and ReDoc (`/api/redoc`) reference no outside URL, and every file they
//! load, and every file those load in turn, is served by the gateway itself.

use std::collections::{BTreeSet, VecDeque};

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

const PREFIX: &str = "/console-assets/";
const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn get_html(app: &TestApp, path: &str) -> reqwest::Response {
    app.http
        .get(app.url(path))
        .header("accept", BROWSER_ACCEPT)
        .send()
        .await
        .expect("request sent")
}

/// The local paths in `src="…"` and `href="…"` attributes; panics on any other kind.
fn html_references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            let value = &rest[..rest.find('"').expect("a closed attribute")];
            assert!(
                value.starts_with(PREFIX),
                "a reference outside {PREFIX}: {value}\n{html}"
            );
            found.push(value.to_owned());
        }
    }
    found
}

/// Console files named in a script or style sheet: `"./<file>"` (a Vite chunk or worker,
/// relative to the file itself) and `/console-assets/<file>`.
fn file_references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for marker in ["\"./", "'./", PREFIX] {
        for (at, _) in text.match_indices(marker) {
            let rest = &text[at + marker.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
                .unwrap_or(rest.len());
            let name = &rest[..end];
            if [".js", ".css", ".ttf", ".woff", ".woff2", ".svg", ".png"]
                .iter()
                .any(|ext| name.ends_with(ext))
            {
                found.insert(format!("{PREFIX}{name}"));
            }
        }
    }
    found
}

fn expected_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').expect("an extension").1;
    match extension {
        "js" => "text/javascript",
        "css" => "text/css",
        "ttf" => "font/ttf",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        other => panic!("unexpected file type {other}: {path}"),
    }
}

/// Fetches `start` and everything it references, transitively; returns what was fetched.
async fn fetch_all(app: &TestApp, start: Vec<String>) -> BTreeSet<String> {
    let mut seen: BTreeSet<String> = start.iter().cloned().collect();
    let mut queue: VecDeque<String> = start.into();
    while let Some(path) = queue.pop_front() {
        let response = app
            .http
            .get(app.url(&path))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200, "{path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let content_type = header("content-type");
        assert!(
            content_type.starts_with(expected_type(&path)),
            "{path}: {content_type}"
        );
        assert!(
            header("cache-control").contains("immutable"),
            "{path}: {}",
            header("cache-control")
        );
        let body = response.bytes().await.expect("body");
        assert!(!body.is_empty(), "{path} is empty");
        if path.ends_with(".js") || path.ends_with(".css") {
            let text = String::from_utf8_lossy(&body);
            for next in file_references(&text) {
                if seen.insert(next.clone()) {
                    queue.push_back(next);
                }
            }
        }
    }
    seen
}

#[tokio::test]
async fn graphiql_swagger_ui_and_redoc_load_only_files_the_gateway_serves() {
    let app = spawn_app_with(|env| {
        env.insert("API__DEBUG".into(), "true".into());
    })
    .await;
    let mut served = BTreeSet::new();
    for (page, marker) in [
        ("/graphql", "id=\"graphiql\""),
        ("/api/docs", "data-spec-url=\"/api/openapi.json\""),
        ("/api/redoc", "<redoc spec-url=\"/api/openapi.json\""),
    ] {
        let response = get_html(&app, page).await;
        assert_eq!(response.status(), 200, "{page}");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(
            content_type.starts_with("text/html"),
            "{page}: {content_type}"
        );
        let html = response.text().await.expect("html");
        assert!(html.contains(marker), "{page}: {html}");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{page} names an outside URL:\n{html}"
        );
        let references = html_references(&html);
        assert!(
            references.iter().any(|r| r.ends_with(".js")),
            "{page} loads no script:\n{html}"
        );
        served.extend(fetch_all(&app, references).await);
    }
    // GraphiQL's lazily loaded chunks and Monaco's workers were found and served too.
    for part in [
        "graphiql-",
        ".worker-",
        "swagger-ui-bundle-",
        "redoc.standalone-",
    ] {
        assert!(
            served.iter().any(|p| p.contains(part)),
            "{part}: {served:?}"
        );
    }
    // Every embedded file is served, and nothing else under the prefix.
    for name in messenger_gateway::http::consoles::file_names() {
        let path = format!("{PREFIX}{name}");
        if !served.contains(&path) {
            fetch_all(&app, vec![path]).await;
        }
    }
    for missing in ["nope.js", "..%2Fgraphiql.html", "graphiql.html"] {
        let response = app
            .http
            .get(app.url(&format!("{PREFIX}{missing}")))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 404, "{missing}");
    }
}

#[tokio::test]
async fn without_api_debug_the_docs_stay_404_and_graphiql_can_be_turned_off() {
    // The defaults: GraphiQL on, the REST docs off (the envelope's 404).
    let app = spawn_app().await;
    let response = get_html(&app, "/graphql").await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.expect("html").contains("graphiql"));
    for page in ["/api/docs", "/api/redoc"] {
        let response = get_html(&app, page).await;
        assert_eq!(response.status(), 404, "{page}");
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(
            body,
            serde_json::json!({"success": false, "data": null, "error": "Not Found"}),
            "{page}"
        );
    }

    // GRAPHQL_GRAPHIQL=false: no GraphiQL page (GET without a query is a GraphQL request
    // error), and with no console on, no console files either.
    let app = spawn_app_with(|env| {
        env.insert("GRAPHQL_GRAPHIQL".into(), "false".into());
    })
    .await;
    let response = get_html(&app, "/graphql").await;
    assert_ne!(response.status(), 200);
    assert!(!response.text().await.expect("body").contains("graphiql"));
    let asset = messenger_gateway::http::consoles::file_names()
        .next()
        .expect("an embedded file");
    let response = app
        .http
        .get(app.url(&format!("{PREFIX}{asset}")))
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 404);
}
