//! Mini App analytics (analytics-events-api.md): `POST /events` as the official SDK and
//! the seed's examples send it (raw HTTP, gzip batches), every documented answer, apps
//! registered with the `create-analytics-app` subcommand, and the GraphQL side
//! (`analyticsSummary` for the owner, `trackEvents`).

use std::io::Write;

use reqwest::{RequestBuilder, Response};
use serde_json::{json, Value};

use crate::helpers::{base_env, error_code, gql, quick_user, spawn_app, spawn_app_with, TestApp};

const SESSION: &str = "10c574d9-6d2c-4e6d-a141-ce6da141ce6d";

/// The seed's first example, as printed.
const EXAMPLE_APP_INIT: &str = r#"[
  {
    "event_name": "app-init",
    "session_id": "10c574d9-6d2c-4e6d-a141-ce6da141ce6d",
    "user_id": 111111111,
    "app_name": "docs",
    "is_premium": true,
    "platform": "tdesktop",
    "locale": "en",
    "client_timestamp": "1743503599534"
  }
]"#;

/// The seed's second example; it is printed without its closing `]`, restored here.
const EXAMPLE_CONNECTION_STARTED: &str = r#"[
  {
    "event_name": "connection-started",
    "custom_data": {
      "ton_connect_sdk_lib": "3.0.3",
      "ton_connect_ui_lib": "2.0.5"
    },
    "session_id": "10c574d9-6d2c-4e6d-a141-ce6da141ce6d",
    "user_id": 111111111,
    "app_name": "docs",
    "is_premium": true,
    "platform": "tdesktop",
    "locale": "en",
    "client_timestamp": "1743503647541"
  }
]"#;

/// The seed's third example, as printed.
const EXAMPLE_CONNECTION_ERROR: &str = r#"[
  {
    "event_name": "connection-error",
    "is_success": false,
    "error_message": "Connection was cancelled",
    "error_code": null,
    "custom_data": {
      "ton_connect_sdk_lib": "3.0.3",
      "ton_connect_ui_lib": "2.0.5"
    },
    "session_id": "10c574d9-6d2c-4e6d-a141-ce6da141ce6d",
    "user_id": 111111111,
    "app_name": "docs",
    "is_premium": true,
    "platform": "tdesktop",
    "locale": "en",
    "client_timestamp": "1743503683701"
  }
]"#;

/// Runs `messenger-gateway create-analytics-app <args>` against `app`'s database.
async fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    let env = base_env(&app.db_name);
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_messenger-gateway"))
            .arg("create-analytics-app")
            .args(args)
            .env_clear()
            .envs(env)
            .env("RUST_LOG", "warn")
            .current_dir(std::env::temp_dir())
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("joined")
}

/// Registers an app with the CLI and returns the token it printed.
async fn create_app(app: &TestApp, args: &[&str]) -> String {
    let output = cli(app, args).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    stdout
        .lines()
        .last()
        .expect("a token line")
        .trim()
        .to_owned()
}

fn post(app: &TestApp, token: Option<&str>) -> RequestBuilder {
    let mut request = app
        .http
        .post(app.url("/events"))
        .header("Content-Type", "application/json");
    if let Some(token) = token {
        request = request.header("TGA-Auth-Token", token);
    }
    request
}

async fn answer(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

async fn send(app: &TestApp, token: Option<&str>, body: &str) -> (u16, Value) {
    answer(
        post(app, token)
            .body(body.to_owned())
            .send()
            .await
            .expect("sent"),
    )
    .await
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn event(app_name: &str, name: &str, user_id: i64) -> Value {
    json!({
        "event_name": name,
        "session_id": SESSION,
        "user_id": user_id,
        "app_name": app_name,
        "is_premium": false,
        "platform": "ios",
        "locale": "en",
        "start_param": "ref42",
        "client_timestamp": "1743503599534",
    })
}

const SUMMARY: &str = "query($n: String!, $from: DateTime!, $to: DateTime!) {
    analyticsSummary(appName: $n, from: $from, to: $to) {
        appName totalEvents events { eventName day count } dailyActiveUsers { day users }
    } }";

fn around_now(app_name: &str) -> Value {
    let now = chrono::Utc::now();
    json!({
        "n": app_name,
        "from": (now - chrono::Duration::hours(1)).to_rfc3339(),
        "to": (now + chrono::Duration::hours(1)).to_rfc3339(),
    })
}

/// An owner, their app "docs" and its token.
async fn owned_app(app: &TestApp) -> (String, String) {
    let (owner_token, owner_id) = quick_user(app, "Owner").await;
    let token = create_app(app, &["--name", "docs", "--owner-user-id", &owner_id]).await;
    (owner_token, token)
}

#[tokio::test]
async fn the_documented_examples_are_recorded_and_summarized_for_the_owner() {
    let app = spawn_app().await;
    let (owner, token) = owned_app(&app).await;
    assert!(token.starts_with("tga_"), "{token}");
    for example in [
        EXAMPLE_APP_INIT,
        EXAMPLE_CONNECTION_STARTED,
        EXAMPLE_CONNECTION_ERROR,
    ] {
        let (status, body) = send(&app, Some(&token), example).await;
        assert_eq!(status, 201, "{example}: {body}");
        assert_eq!(body, json!({"message": "Success record."}));
    }
    let single = event("docs", "app-hide", 222).to_string();
    assert_eq!(send(&app, Some(&token), &single).await.0, 201, "one object");

    let data = gql(&app, &owner, SUMMARY, around_now("docs")).await;
    let summary = &data["analyticsSummary"];
    assert_eq!(summary["appName"], "docs");
    assert_eq!(summary["totalEvents"], 4);
    let today = chrono::Utc::now().date_naive().to_string();
    let mut names: Vec<(String, i64)> = summary["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            assert_eq!(e["day"], today.as_str());
            (
                e["eventName"].as_str().expect("name").to_owned(),
                e["count"].as_i64().expect("count"),
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("app-hide".to_owned(), 1),
            ("app-init".to_owned(), 1),
            ("connection-error".to_owned(), 1),
            ("connection-started".to_owned(), 1)
        ]
    );
    assert_eq!(
        summary["dailyActiveUsers"],
        json!([{ "day": today, "users": 2 }])
    );
}

#[tokio::test]
async fn gzip_batches_like_the_sdk_sends_are_recorded() {
    let app = spawn_app().await;
    let (owner, token) = owned_app(&app).await;
    let batch: Vec<Value> = (0..20)
        .map(|i| event("docs", "custom-event", 1000 + i % 5))
        .collect();
    let body = gzip(serde_json::to_string(&batch).expect("json").as_bytes());
    let response = post(&app, Some(&token))
        .header("Content-Encoding", "gzip")
        .body(body)
        .send()
        .await
        .expect("sent");
    let (status, body) = answer(response).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body, json!({"message": "Success record."}));

    let data = gql(&app, &owner, SUMMARY, around_now("docs")).await;
    assert_eq!(data["analyticsSummary"]["totalEvents"], 20);
    assert_eq!(data["analyticsSummary"]["dailyActiveUsers"][0]["users"], 5);

    let bomb = gzip(&vec![b' '; 2 * 1024 * 1024]);
    let response = post(&app, Some(&token))
        .header("Content-Encoding", "gzip")
        .body(bomb)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 413, "decompressed size is capped");
}

#[tokio::test]
async fn every_documented_refusal_has_its_exact_body() {
    let app = spawn_app().await;
    let (_, token) = owned_app(&app).await;
    let good = json!([event("docs", "app-init", 1)]).to_string();
    let not_specified = json!({"message": "The token is not specified in the headers or is specified incorrectly."});
    let mismatch = json!({"status": 400, "message": "VALIDATION_MISMATCH_REPORT"});
    let mut wrong_type = event("docs", "app-init", 1);
    wrong_type["user_id"] = json!("111111111");
    let mut bad_session = event("docs", "app-init", 1);
    bad_session["session_id"] = json!("not-a-uuid");
    let cases: Vec<(Option<&str>, String, Value)> = vec![
        (None, good.clone(), not_specified.clone()),
        (Some("bad token"), good.clone(), not_specified),
        (
            Some("tga_not-a-real-token"),
            good.clone(),
            json!({"message": "Token is invalid."}),
        ),
        (
            Some(&token),
            json!([event("other-app", "app-init", 1)]).to_string(),
            json!({"message": "Invalid app_name is specified."}),
        ),
        (
            Some(&token),
            json!([wrong_type]).to_string(),
            mismatch.clone(),
        ),
        (
            Some(&token),
            json!([bad_session]).to_string(),
            mismatch.clone(),
        ),
        (
            Some(&token),
            json!([event("docs", "page-view", 1)]).to_string(),
            mismatch.clone(),
        ),
        (Some(&token), "[]".to_owned(), mismatch.clone()),
        (Some(&token), "{not json".to_owned(), mismatch.clone()),
        // The seed's second example exactly as printed (its `]` is missing).
        (
            Some(&token),
            EXAMPLE_CONNECTION_STARTED.trim_end_matches(']').to_owned(),
            mismatch,
        ),
    ];
    for (token, body, expected) in cases {
        let (status, answer) = send(&app, token, &body).await;
        assert_eq!(status, 400, "{token:?} {body}");
        assert_eq!(answer, expected, "{token:?} {body}");
    }
}

#[tokio::test]
async fn an_app_bound_to_a_domain_accepts_only_pages_from_it() {
    let app = spawn_app().await;
    let token = create_app(&app, &["--name", "shop", "--domain", "shop.example.com"]).await;
    let body = json!([event("shop", "app-init", 7)]).to_string();
    let forbidden = json!({"message": "The domain name does not match."});
    for (header, value) in [
        ("Origin", "https://evil.example.com"),
        ("Referer", "https://shop.example.com.evil.test/page"),
    ] {
        let response = post(&app, Some(&token))
            .header(header, value)
            .body(body.clone())
            .send()
            .await
            .expect("sent");
        assert_eq!(answer(response).await, (403, forbidden.clone()), "{value}");
    }
    assert_eq!(
        send(&app, Some(&token), &body).await,
        (403, forbidden),
        "no origin"
    );
    for (header, value) in [
        ("Origin", "https://shop.example.com"),
        ("Referer", "https://Shop.Example.com:8443/cart?x=1"),
    ] {
        let response = post(&app, Some(&token))
            .header(header, value)
            .body(body.clone())
            .send()
            .await
            .expect("sent");
        assert_eq!(answer(response).await.0, 201, "{value}");
    }
}

#[tokio::test]
async fn a_batch_is_stored_whole_or_not_at_all() {
    let app = spawn_app().await;
    let (owner, token) = owned_app(&app).await;
    let mut bad = event("docs", "app-init", 2);
    bad["is_premium"] = json!("yes");
    let body = json!([event("docs", "app-init", 1), bad]).to_string();
    assert_eq!(send(&app, Some(&token), &body).await.0, 400);

    // A write that fails in the database: nothing of the batch is kept.
    let mut tx = app.db.begin().await.expect("transaction");
    sqlx::query(
        "alter table analytics_events add constraint test_refuses_evil check (platform <> 'evil')",
    )
    .execute(&mut *tx)
    .await
    .expect("constraint added");
    tx.commit().await.expect("committed");
    let mut evil = event("docs", "app-init", 3);
    evil["platform"] = json!("evil");
    let body = json!([event("docs", "app-init", 1), evil]).to_string();
    let (status, answer) = send(&app, Some(&token), &body).await;
    assert_eq!(
        (status, answer),
        (400, json!({"message": "Failed to record"}))
    );

    let data = gql(&app, &owner, SUMMARY, around_now("docs")).await;
    assert_eq!(data["analyticsSummary"]["totalEvents"], 0);
}

#[tokio::test]
async fn too_many_requests_get_the_documented_body() {
    let app = spawn_app_with(|env| {
        env.insert("ANALYTICS_RATE_LIMIT_PER_MINUTE".into(), "2".into());
    })
    .await;
    for _ in 0..2 {
        assert_eq!(send(&app, None, "{}").await.0, 400);
    }
    let response = post(&app, None).body("{}").send().await.expect("sent");
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(
        answer(response).await,
        (
            429,
            json!({"message": "Too many requests. Try again later."})
        )
    );
}

#[tokio::test]
async fn the_cli_refuses_a_taken_name_and_an_unknown_owner() {
    let app = spawn_app().await;
    create_app(&app, &["--name", "docs"]).await;
    let taken = cli(&app, &["--name", "docs"]).await;
    assert!(!taken.status.success());
    assert!(String::from_utf8_lossy(&taken.stderr).contains("already exists"));
    let orphan = cli(&app, &["--name", "other", "--owner-user-id", "999999"]).await;
    assert!(!orphan.status.success());
    assert!(
        taken.stdout.is_empty() && orphan.stdout.is_empty(),
        "no token printed"
    );
}

#[tokio::test]
async fn the_summary_is_for_the_owner_only_and_track_events_uses_the_token() {
    let app = spawn_app().await;
    let (owner, token) = owned_app(&app).await;
    let (stranger, _) = quick_user(&app, "Stranger").await;
    let (_, body) = app
        .graphql(
            SUMMARY,
            around_now("docs"),
            Some(&format!("Bearer {stranger}")),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let (_, body) = app
        .graphql(
            SUMMARY,
            around_now("no-such-app"),
            Some(&format!("Bearer {owner}")),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");

    const TRACK: &str = "mutation($t: String!, $e: JSON!) { trackEvents(token: $t, events: $e) }";
    let events = json!([event("docs", "app-init", 1), event("docs", "app-hide", 1)]);
    let (_, body) = app
        .graphql(TRACK, json!({ "t": token, "e": events }), None)
        .await;
    assert_eq!(body["data"]["trackEvents"], 2, "{body}");
    let (_, body) = app
        .graphql(TRACK, json!({ "t": "tga_unknown", "e": events }), None)
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let (_, body) = app
        .graphql(
            TRACK,
            json!({ "t": token, "e": [{ "user_id": "x" }] }),
            None,
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");

    let data = gql(&app, &owner, SUMMARY, around_now("docs")).await;
    assert_eq!(data["analyticsSummary"]["totalEvents"], 2);
}
