//! messenger-rest-api.md §4 and miniapp-rest-api.md `GET /api/health`.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{
    chats::group, drop_database, redis_server::PrivateRedis, spawn_app, spawn_app_with,
    wait::wait_until,
};

async fn get(
    app: &crate::helpers::TestApp,
    path: &str,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let response = app.http.get(app.url(path)).send().await.expect("sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, response.json().await.expect("json"), headers)
}

#[tokio::test]
async fn liveness_endpoints_answer_ok_with_a_request_id_and_process_time() {
    let app = spawn_app().await;
    for path in ["/health", "/health/live", "/api/health"] {
        let (status, body, headers) = get(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(body, json!({ "status": "ok" }), "{path}");
        assert!(headers.contains_key("x-request-id"), "{path}");
        let seconds: f64 = headers["x-process-time"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("seconds");
        assert!(seconds >= 0.0);
    }
}

#[tokio::test]
async fn readiness_reports_db_and_redis_ok() {
    let app = spawn_app().await;
    let (status, body, _) = get(&app, "/health/ready").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "status": "ready", "db": "ok", "redis": "ok" })
    );
}

#[tokio::test]
async fn readiness_without_redis_says_redis_is_disabled() {
    let app = spawn_app_with(|env| {
        env.remove("REDIS_URL");
    })
    .await;
    let (status, body, _) = get(&app, "/health/ready").await;
    assert_eq!(status, 200);
    assert_eq!(body["redis"], "disabled");
}

#[tokio::test]
async fn readiness_is_503_when_redis_goes_down() {
    let mut redis = PrivateRedis::start_ready().await;
    let url = redis.url();
    let app = spawn_app_with(|env| {
        env.insert("REDIS_URL".into(), url.clone());
    })
    .await;
    wait_until(
        Duration::from_secs(5),
        "ready with a private Redis",
        async || get(&app, "/health/ready").await.0 == 200,
    )
    .await;

    redis.stop();
    let (status, body, _) = get(&app, "/health/ready").await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        json!({ "detail": { "status": "not_ready", "db": true, "redis": false } })
    );
}

#[tokio::test]
async fn readiness_is_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    drop_database(&app.db_name);
    let (status, body, _) = get(&app, "/health/ready").await;
    assert_eq!(status, 503);
    assert_eq!(body["detail"]["db"], json!(false));
    assert_eq!(body["detail"]["status"], "not_ready");
}

/// `GET /metrics` in the Prometheus text format, with the series operators need.
#[tokio::test]
async fn metrics_are_scraped_in_prometheus_text() {
    let app = crate::helpers::spawn_app().await;
    let (token, _) = crate::helpers::quick_user(&app, "Scraped").await;
    let chat = group(&app, &token, "Metrics", &[]).await;
    crate::helpers::gql(
        &app,
        &token,
        "mutation Send($c: ID!) { sendMessage(input: { chatId: $c, text: \"hi\" }) { id } }",
        serde_json::json!({ "c": chat }),
    )
    .await;
    let _socket = crate::helpers::ws::open(&app, &token).await;
    let response = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/plain"));
    let text = response.text().await.expect("text");
    for series in [
        "http_requests_total{route=\"/graphql\",method=\"POST\",status=\"200\"}",
        "http_request_duration_seconds_bucket{route=\"/graphql\",method=\"POST\"",
        "graphql_operations_total{operation=\"Send\",type=\"mutation\",outcome=\"ok\"}",
        "graphql_operation_duration_seconds_bucket{operation=\"Send\",type=\"mutation\"",
        "realtime_events_published_total",
        "ws_sockets",
        "ws_subscriptions",
        "db_pool_connections{state=\"idle\"}",
        "db_pool_acquire_duration_seconds_bucket",
        "redis_up 1",
    ] {
        assert!(text.contains(series), "missing {series}:\n{text}");
    }
    let off = crate::helpers::spawn_app_with(|env| {
        env.insert("METRICS_ENABLED".into(), "false".into());
    })
    .await;
    let status = off
        .http
        .get(off.url("/metrics"))
        .send()
        .await
        .expect("sent")
        .status();
    assert_eq!(status, 404);
}
