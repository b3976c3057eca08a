//! GraphQL over HTTP: the `graphql-http` server audit, and the limits.

use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::{error_code, js_dir, spawn_app, spawn_app_with};

#[tokio::test]
async fn graphql_http_audit_reports_no_errors_no_warnings_and_no_notices() {
    let app = spawn_app().await;
    let url = app.url("/graphql");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(js_dir().join("graphql-http-audit.mjs"))
            .arg(url)
            .output()
            .expect("node runs")
    })
    .await
    .expect("joined");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).expect("JSON summary");
    assert_eq!(summary["error"], 0, "{summary:#}");
    assert_eq!(summary["warn"], 0, "{summary:#}");
    assert_eq!(summary["notice"], 0, "{summary:#}");
    assert!(
        summary["ok"].as_u64().is_some_and(|ok| ok >= 50),
        "{summary:#}"
    );
}

async fn post_raw(app: &crate::helpers::TestApp, body: String) -> (u16, Value) {
    let response = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent");
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_mutation_over_get_is_405_and_a_query_over_get_runs() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/graphql?query=mutation%7B__typename%7D"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");

    let response = app
        .http
        .get(app.url("/graphql?query=%7B__typename%7D"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body, json!({ "data": { "__typename": "Query" } }));
}

#[tokio::test]
async fn browsers_get_graphiql_on_get() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/graphql"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert!(response.text().await.expect("text").contains("graphiql"));
}

#[tokio::test]
async fn post_without_json_content_type_is_415() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.url("/graphql"))
        .header("content-type", "text/plain")
        .body(r#"{"query":"{__typename}"}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn batches_run_and_are_capped() {
    let app = spawn_app().await;
    let op = json!({ "query": "{ __typename }" });
    let (status, body) = post_raw(&app, json!([op, op]).to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(2));
    let eleven = Value::Array(vec![op; 11]);
    let (status, body) = post_raw(&app, eleven.to_string()).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["message"],
        "Batch has 11 operations; the limit is 10"
    );
}

#[tokio::test]
async fn depth_aliases_root_fields_and_complexity_are_limited() {
    let app = spawn_app_with(|env| {
        env.insert("GRAPHQL_MAX_DEPTH".into(), "3".into());
        env.insert("GRAPHQL_MAX_ALIASES".into(), "2".into());
        env.insert("GRAPHQL_MAX_ROOT_FIELDS".into(), "3".into());
        env.insert("GRAPHQL_MAX_COMPLEXITY".into(), "4".into());
    })
    .await;
    let cases = [
        (
            "{ __schema { types { fields { name } } } }",
            "Query is nested too deep.",
        ),
        (
            "{ a: __typename b: __typename c: __typename }",
            "Query uses 3 aliases; the limit is 2",
        ),
        (
            "{ __typename ... on Query { __typename __typename __typename } }",
            "Operation selects 4 root fields; the limit is 3",
        ),
        (
            "{ __schema { types { name kind description } } }",
            "Query is too complex.",
        ),
    ];
    for (query, message) in cases {
        let (status, body) = app.graphql(query, json!({}), None).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["errors"][0]["message"], message, "{query}");
        assert!(
            body.get("data").is_none(),
            "request errors carry no data: {body}"
        );
    }
}

#[tokio::test]
async fn list_complexity_multiplies_by_first() {
    let app = spawn_app_with(|env| {
        env.insert("GRAPHQL_MAX_COMPLEXITY".into(), "50".into());
    })
    .await;
    // first × 2 (id, username): 40 passes, 52 does not
    let cheap = "{ searchUsers(query: \"zz\", first: 20) { id username } }";
    let costly = "{ searchUsers(query: \"zz\", first: 26) { id username } }";
    let (status, body) = app.graphql(cheap, json!({}), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        error_code(&body),
        Some("UNAUTHENTICATED"),
        "validated, then ran: {body}"
    );
    let (status, body) = app.graphql(costly, json!({}), None).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["message"], "Query is too complex.");
}

#[tokio::test]
async fn the_default_limits_admit_a_full_introspection_query() {
    let app = spawn_app().await;
    let (status, body) = app.graphql(INTROSPECTION, json!({}), None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["__schema"]["types"]
        .as_array()
        .is_some_and(|t| t.len() > 10));
}

#[tokio::test]
async fn introspection_can_be_switched_off() {
    let app = spawn_app_with(|env| {
        env.insert("GRAPHQL_INTROSPECTION".into(), "false".into());
    })
    .await;
    let (status, body) = app
        .graphql("{ __schema { queryType { name } } }", json!({}), None)
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["message"], "Introspection is disabled");
    let (status, _) = app.graphql("{ __typename }", json!({}), None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = spawn_app_with(|env| {
        env.insert("MAX_REQUEST_BODY_BYTES".into(), "1024".into());
    })
    .await;
    let big = json!({ "query": format!("{{ __typename }} # {}", "x".repeat(4096)) });
    let (status, body) = post_raw(&app, big.to_string()).await;
    assert_eq!(status, 413);
    assert_eq!(
        body["errors"][0]["message"],
        "Request body is larger than the limit of 1024 bytes"
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
}

/// `L0` selects two fields; `L{i}` spreads `L{i-1}` twice: 2^(depth+1) fields once
/// expanded, from a text of about 40 bytes per level.
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

/// Documents whose validation would walk exponentially many fields are refused after
/// work proportional to their text (the walk at depth 30 took minutes before). The
/// timeout only stops a regression from hanging the suite.
#[tokio::test]
async fn hostile_documents_are_refused_before_they_are_expanded() {
    let app = spawn_app().await;
    let hostile = [
        (fragment_chain(30), "Query is too large"),
        (fragment_chain(2000), "Query is too large"),
        (
            format!("{{ {} }}", "me { ...F } ".repeat(3000))
                + "fragment F on User { id name username }",
            "Query is too large",
        ),
        (format!("{}{}", "{a".repeat(30_000), "}".repeat(30_000)), ""),
        (
            "{ me { ...A } } fragment A on User { ...B ...B } fragment B on User { ...A ...A }"
                .to_owned(),
            "Cannot spread fragment",
        ),
        (
            format!("{{ __typename }} # {}", "x".repeat(200_000)),
            "Query is 200",
        ),
    ];
    for (query, message) in hostile {
        let answer = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            app.graphql(&query, json!({}), None),
        )
        .await;
        let (status, body) = answer.expect("answered without expanding the document");
        assert_eq!(status, 400, "{}: {body}", &query[..60]);
        let text = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(text.starts_with(message), "{}: {body}", &query[..60]);
    }
    // The server stayed responsive.
    let (status, _) = app.graphql("{ __typename }", json!({}), None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn no_field_suggestions_when_introspection_is_off() {
    let app = spawn_app_with(|env| {
        env.insert("GRAPHQL_INTROSPECTION".into(), "false".into());
    })
    .await;
    let (status, body) = app.graphql("{ chatz { id } }", json!({}), None).await;
    assert_eq!(status, 400, "{body}");
    let text = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(text.contains("chatz"), "{body}");
    assert!(
        !text.contains("Did you mean"),
        "suggestions leak the schema: {body}"
    );

    let open = spawn_app().await;
    let (_, body) = open.graphql("{ chatz { id } }", json!({}), None).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Did you mean")),
        "{body}"
    );
}

#[tokio::test]
async fn errors_from_resolvers_keep_data_and_status_200() {
    let app = spawn_app().await;
    let (status, body) = app
        .graphql("{ __typename me { id } }", json!({}), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    assert_eq!(body["errors"][0]["path"], json!(["me"]));
}

/// A document that passed validation once runs on the fast-validating schema only when
/// no request can make it fail: with variables it is validated in full every time.
#[tokio::test]
async fn a_document_run_before_is_still_refused_when_its_request_makes_it_invalid() {
    let app = spawn_app().await;
    let typed = "query($t: String!) { __type(name: $t) { name } }";
    for _ in 0..3 {
        let (status, body) = app.graphql(typed, json!({ "t": "Query" }), None).await;
        assert_eq!(status, 200);
        assert_eq!(body["data"]["__type"]["name"], "Query", "{body}");
    }
    let (status, body) = app.graphql(typed, json!({ "t": 5 }), None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.get("data").is_none(), "a request error: {body}");
    assert!(body["errors"][0]["path"].is_null(), "{body}");

    let fixed = "{ __typename }";
    for _ in 0..3 {
        let (_, body) = app.graphql(fixed, json!({}), None).await;
        assert_eq!(body, json!({ "data": { "__typename": "Query" } }));
    }
    let invalid = "{ __typename nope }";
    for _ in 0..3 {
        let (status, body) = app.graphql(invalid, json!({}), None).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.get("data").is_none(), "refused every time: {body}");
    }
}

const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}
"#;

#[tokio::test]
async fn nul_characters_in_input_are_bad_input_not_internal_errors() {
    let app = spawn_app().await;
    let (token, _) = crate::helpers::quick_user(&app, "Nul").await;
    let (_, body) = app
        .graphql(
            "query($q: String!) { searchUsers(query: $q) { id } }",
            json!({ "q": "ab\u{0}cd" }),
            Some(&format!("Bearer {token}")),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let (_, body) = app
        .graphql(
            "mutation { login(email: \"a\\u0000@example.com\", password: \"whatever12\") { accessToken } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}
