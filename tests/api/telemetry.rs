//! Operations: trace spans exported over OTLP/HTTP to a local collector endpoint, and
//! `/metrics` on its own address (`METRICS_ADDR`).

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{body::Bytes, extract::State, http::HeaderMap, routing::post, Router};
use serde_json::json;

use crate::helpers::{
    base_env, drop_database, new_db_name, process::Binary, quick_init_data, unique_telegram_id,
    wait::eventually,
};

/// What the collector received: (content type, body) of each export request.
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A minimal OTLP/HTTP trace receiver (`POST /v1/traces`, protobuf): keeps each
/// `ExportTraceServiceRequest` and answers with an empty `ExportTraceServiceResponse`.
async fn collector() -> (SocketAddr, Received) {
    let received: Received = Arc::default();
    let app = Router::new()
        .route(
            "/v1/traces",
            post(
                |State(seen): State<Received>, headers: HeaderMap, body: Bytes| async move {
                    let content_type = headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    seen.lock()
                        .expect("lock")
                        .push((content_type, body.to_vec()));
                    (
                        [("content-type", "application/x-protobuf")],
                        Vec::<u8>::new(),
                    )
                },
            ),
        )
        .with_state(Arc::clone(&received));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, received)
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The binary with `OTEL_EXPORTER_OTLP_ENDPOINT` set exports the spans of a request:
/// the HTTP request span carrying its request id, the GraphQL operation, and the domain
/// service and repository spans under it, with the configured service name.
#[tokio::test]
async fn spans_are_exported_over_otlp_http_with_the_request_id() {
    let (collector_addr, received) = collector().await;
    let db_name = new_db_name();
    let addr = free_addr();
    let mut env = base_env(&db_name);
    env.insert("BIND_ADDR".into(), addr.to_string());
    env.insert(
        "OTEL_EXPORTER_OTLP_ENDPOINT".into(),
        format!("http://{collector_addr}"),
    );
    env.insert("OTEL_SERVICE_NAME".into(), "gateway-under-test".into());
    // Export each batch quickly instead of every 5 s.
    env.insert("OTEL_BSP_SCHEDULE_DELAY".into(), "100".into());
    let server = Binary::start(&env).await;
    let http = reqwest::Client::new();
    let base = server.base.clone();

    let request_id = format!("otlp-{}", uuid::Uuid::new_v4().simple());
    let init_data = quick_init_data(unique_telegram_id(), "Traced");
    let body: serde_json::Value = http
        .post(format!("{base}/graphql"))
        .header("x-request-id", &request_id)
        .json(&json!({
            "query": "mutation SignIn($d: String!) { authenticateTelegram(initData: $d) { user { id } } }",
            "variables": { "d": init_data },
        }))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert!(body["errors"].is_null(), "{body}");

    // Every name below must reach the collector; batches are sent every 100 ms.
    let wanted = [
        "gateway-under-test",
        request_id.as_str(),
        "graphql.operation",
        "SignIn",
        "authenticate_telegram",
        "upsert_telegram",
    ];
    let seen = eventually(Duration::from_secs(10), "every name exported", async || {
        let seen = received.lock().expect("lock").clone();
        let missing: Vec<&str> = (wanted.iter().copied())
            .filter(|name| !seen.iter().any(|(_, body)| contains(body, name)))
            .collect();
        if missing.is_empty() {
            Ok(seen)
        } else {
            Err(missing)
        }
    })
    .await;
    assert!(
        seen.iter()
            .all(|(content_type, _)| content_type == "application/x-protobuf"),
        "OTLP/HTTP protobuf"
    );
    drop(server);
    drop_database(&db_name);
}

/// With `METRICS_ADDR`, `/metrics` is served there and no longer on the main port.
#[tokio::test]
async fn metrics_move_to_their_own_address() {
    let app = crate::helpers::spawn_app_with(|env| {
        env.insert("METRICS_ADDR".into(), "127.0.0.1:0".into());
    })
    .await;
    let own = app.metrics_addr.expect("metrics listener");
    let main = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("sent");
    assert_eq!(main.status(), 404);
    let scraped = app
        .http
        .get(format!("http://{own}/metrics"))
        .send()
        .await
        .expect("sent");
    assert_eq!(scraped.status(), 200);
    let text = scraped.text().await.expect("text");
    assert!(text.contains("db_pool_max_connections"), "{text}");
}
