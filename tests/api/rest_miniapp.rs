//! Mini App REST API (miniapp-rest-api.md) as an unchanged legacy client sees it: raw
//! HTTP, initData signed by the independent `@telegram-apps/init-data-node` package,
//! and the envelope `{success, data, error}` on every response, errors included.

use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{
    now_unix, sign_init_data, spawn_app, spawn_app_with, unique_telegram_id, TestApp, BOT_TOKEN,
};

/// initData of the seed's John Doe, with a Telegram id of its own.
fn john(telegram_id: i64) -> String {
    sign_init_data(
        BOT_TOKEN,
        now_unix(),
        json!({
            "user": {
                "id": telegram_id,
                "first_name": "John",
                "last_name": "Doe",
                "username": "johndoe",
                "language_code": "en",
            },
            "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        }),
    )
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> Response {
    let mut request = app.http.request(method, app.url(path));
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_owned());
    }
    request.send().await.expect("request sent")
}

/// Status and body; asserts the body is the envelope with exactly its three keys.
async fn enveloped(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON body");
    let keys: Vec<&str> = body
        .as_object()
        .unwrap_or_else(|| panic!("{body}"))
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["data", "error", "success"], "{body}");
    (status, body)
}

fn is_timestamp(value: &Value) -> bool {
    let text = value.as_str().unwrap_or_default();
    text.len() == 20 && text.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

#[tokio::test]
async fn health_answers_the_documented_body_with_a_process_time() {
    let app = spawn_app().await;
    let response = call(&app, Method::GET, "/api/health", None, None).await;
    assert_eq!(response.status(), 200);
    let seconds = response.headers()["x-process-time"]
        .to_str()
        .expect("ascii");
    assert!(seconds.parse::<f64>().is_ok(), "{seconds}");
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"status": "ok"})
    );
}

#[tokio::test]
async fn validate_creates_the_user_once_and_returns_user_read() {
    let app = spawn_app().await;
    let telegram_id = unique_telegram_id();
    let init_data = john(telegram_id);
    let auth = format!("Bearer {init_data}");
    let response = call(&app, Method::POST, "/api/auth/validate", Some(&auth), None).await;
    let (status, body) = enveloped(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["error"], Value::Null);
    let user = &body["data"];
    let mut keys: Vec<&str> = user
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "bio",
            "created_at",
            "first_name",
            "id",
            "language_code",
            "last_name",
            "telegram_id",
            "updated_at",
            "username"
        ]
    );
    assert!(user["id"].as_i64().is_some_and(|id| id > 0));
    assert_eq!(user["telegram_id"], telegram_id);
    assert_eq!(user["username"], "johndoe");
    assert_eq!(user["first_name"], "John");
    assert_eq!(user["last_name"], "Doe");
    assert_eq!(user["language_code"], "en");
    assert_eq!(user["bio"], Value::Null);
    assert!(is_timestamp(&user["created_at"]), "{user}");
    assert!(is_timestamp(&user["updated_at"]), "{user}");

    let again = format!("tma {init_data}");
    let response = call(&app, Method::POST, "/api/auth/validate", Some(&again), None).await;
    let (status, body) = enveloped(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["id"], user["id"],
        "the same account, not a second one"
    );
}

#[tokio::test]
async fn me_is_not_found_until_validated_then_is_the_profile() {
    let app = spawn_app().await;
    let auth = format!("Bearer {}", john(unique_telegram_id()));
    let response = call(&app, Method::GET, "/api/users/me", Some(&auth), None).await;
    let (status, body) = enveloped(response).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"success": false, "data": null, "error": "User not found"})
    );

    let response = call(&app, Method::POST, "/api/auth/validate", Some(&auth), None).await;
    let (_, validated) = enveloped(response).await;
    let response = call(&app, Method::GET, "/api/users/me", Some(&auth), None).await;
    let (status, body) = enveloped(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["data"], validated["data"]);
}

/// `GET /api/users/me` with initData reads the caller's row once: finding the user by
/// their Telegram id is the read `me` answers with. Exact, so three runs must agree.
#[tokio::test]
async fn me_with_init_data_costs_one_statement() {
    let app = spawn_app().await;
    let auth = format!("Bearer {}", john(unique_telegram_id()));
    let response = call(&app, Method::POST, "/api/auth/validate", Some(&auth), None).await;
    assert_eq!(response.status().as_u16(), 200);
    let mut counts = Vec::new();
    for _ in 0..3 {
        let before = app.db.statements_executed();
        let response = call(&app, Method::GET, "/api/users/me", Some(&auth), None).await;
        let (status, body) = enveloped(response).await;
        assert_eq!(status, 200, "{body}");
        counts.push(app.db.statements_executed() - before);
    }
    assert_eq!(counts, [1, 1, 1], "statements per GET /api/users/me");
}

#[tokio::test]
async fn patch_me_applies_the_documented_body() {
    let app = spawn_app().await;
    let telegram_id = unique_telegram_id();
    let auth = format!("Bearer {}", john(telegram_id));
    call(&app, Method::POST, "/api/auth/validate", Some(&auth), None).await;

    let seed_body = r#"{"bio":"New bio","language_code":"ru"}"#;
    let response = call(
        &app,
        Method::PATCH,
        "/api/users/me",
        Some(&auth),
        Some(seed_body),
    )
    .await;
    let (status, body) = enveloped(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["error"], Value::Null);
    assert_eq!(body["data"]["telegram_id"], telegram_id);
    assert_eq!(body["data"]["bio"], "New bio");
    assert_eq!(body["data"]["language_code"], "ru");
    assert!(body["data"]["updated_at"].as_str() >= body["data"]["created_at"].as_str());

    let response = call(
        &app,
        Method::PATCH,
        "/api/users/me",
        Some(&auth),
        Some(r#"{"bio":null}"#),
    )
    .await;
    let (status, body) = enveloped(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["bio"], Value::Null, "null clears the bio");
    assert_eq!(
        body["data"]["language_code"], "ru",
        "a missing field is kept"
    );
}

#[tokio::test]
async fn invalid_updates_are_422_naming_the_field() {
    let app = spawn_app().await;
    let auth = format!("Bearer {}", john(unique_telegram_id()));
    call(&app, Method::POST, "/api/auth/validate", Some(&auth), None).await;
    let long_bio = json!({ "bio": "x".repeat(501) }).to_string();
    let cases = [
        (long_bio.as_str(), "bio: must be at most 500 characters"),
        (
            r#"{"language_code":"abcdefghijk"}"#,
            "language_code: must be a language code of at most 10 characters",
        ),
        (r#"{"bio": 5}"#, "bio: must be a string or null"),
        (r#"{"bio": "unterminated"#, "body: must be a JSON object"),
        ("[]", "body: must be a JSON object"),
    ];
    for (request, message) in cases {
        let response = call(
            &app,
            Method::PATCH,
            "/api/users/me",
            Some(&auth),
            Some(request),
        )
        .await;
        let (status, body) = enveloped(response).await;
        assert_eq!(status, 422, "{request}: {body}");
        assert_eq!(
            body,
            json!({"success": false, "data": null, "error": message}),
            "{request}"
        );
    }
    let response = call(&app, Method::GET, "/api/users/me", Some(&auth), None).await;
    let (_, body) = enveloped(response).await;
    assert_eq!(body["data"]["bio"], Value::Null, "nothing was changed");
}

#[tokio::test]
async fn a_profile_is_found_by_telegram_id() {
    let app = spawn_app().await;
    let other_id = unique_telegram_id();
    let other = format!("Bearer {}", john(other_id));
    call(&app, Method::POST, "/api/auth/validate", Some(&other), None).await;
    let me = format!(
        "tma {}",
        crate::helpers::telegram_user_init_data(unique_telegram_id(), "Ann")
    );
    call(&app, Method::POST, "/api/auth/validate", Some(&me), None).await;

    let path = format!("/api/users/{other_id}");
    let response = call(&app, Method::GET, &path, Some(&me), None).await;
    let (status, body) = enveloped(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["telegram_id"], other_id);
    assert_eq!(body["data"]["first_name"], "John");

    let response = call(&app, Method::GET, "/api/users/123456789", Some(&me), None).await;
    let (status, body) = enveloped(response).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "User not found");

    let response = call(&app, Method::GET, "/api/users/johndoe", Some(&me), None).await;
    let (status, body) = enveloped(response).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"], "telegram_id: must be an integer");
}

#[tokio::test]
async fn missing_or_invalid_init_data_is_401_on_every_route() {
    let app = spawn_app().await;
    let user = json!({ "user": { "id": unique_telegram_id(), "first_name": "Eve" } });
    let wrong_bot = sign_init_data("7000000002:AAother-bot", now_unix(), user.clone());
    let expired = sign_init_data(BOT_TOKEN, now_unix() - 7200, user.clone());
    let tampered = sign_init_data(BOT_TOKEN, now_unix(), user).replace("Eve", "Mallory");
    let headers = [
        None,
        Some("Bearer ".to_owned()),
        Some("Basic dXNlcjpwYXNz".to_owned()),
        Some("Bearer not-init-data".to_owned()),
        Some(format!("Bearer {wrong_bot}")),
        Some(format!("Bearer {expired}")),
        Some(format!("tma {tampered}")),
    ];
    let routes = [
        (Method::POST, "/api/auth/validate", None),
        (Method::GET, "/api/users/me", None),
        (Method::PATCH, "/api/users/me", Some(r#"{"bio":"x"}"#)),
        (Method::GET, "/api/users/123456789", None),
    ];
    for (method, path, body) in routes {
        for auth in &headers {
            let response = call(&app, method.clone(), path, auth.as_deref(), body).await;
            let (status, body) = enveloped(response).await;
            assert_eq!(status, 401, "{method} {path} {auth:?}");
            assert_eq!(
                body,
                json!({"success": false, "data": null, "error": "Invalid authorization data"})
            );
        }
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_under_api_are_enveloped() {
    let app = spawn_app().await;
    for (method, path, status, error) in [
        (Method::GET, "/api/nope", 404, "Not Found"),
        (Method::POST, "/api/users/me/friends", 404, "Not Found"),
        (Method::GET, "/api/", 404, "Not Found"),
        (Method::DELETE, "/api/users/me", 405, "Method Not Allowed"),
        (Method::GET, "/api/auth/validate", 405, "Method Not Allowed"),
        (Method::GET, "/api/docs", 404, "Not Found"),
        (Method::GET, "/api/redoc", 404, "Not Found"),
        (Method::GET, "/api/openapi.json", 404, "Not Found"),
    ] {
        let response = call(&app, method.clone(), path, None, None).await;
        let (got, body) = enveloped(response).await;
        assert_eq!(got, status, "{method} {path}");
        assert_eq!(
            body,
            json!({"success": false, "data": null, "error": error})
        );
    }
}

#[tokio::test]
async fn docs_and_the_openapi_document_are_served_with_api_debug() {
    let app = spawn_app_with(|env| {
        env.insert("API__DEBUG".into(), "true".into());
    })
    .await;
    for (path, marker) in [("/api/docs", "swagger-ui"), ("/api/redoc", "<redoc")] {
        let response = call(&app, Method::GET, path, None, None).await;
        assert_eq!(response.status(), 200, "{path}");
        let html = response.text().await.expect("html");
        assert!(
            html.contains(marker) && html.contains("/api/openapi.json"),
            "{html}"
        );
    }
    let response = call(&app, Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')));
    for path in [
        "/api/auth/validate",
        "/api/users/me",
        "/api/users/{telegram_id}",
        "/events",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
}

#[tokio::test]
async fn the_101st_request_in_a_minute_is_refused_with_the_documented_body() {
    let app = spawn_app().await;
    for i in 1..=100 {
        let response = call(&app, Method::GET, "/api/health", None, None).await;
        assert_eq!(response.status(), 200, "request {i}");
    }
    let response = call(&app, Method::GET, "/api/health", None, None).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "60");
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"error": "Too many requests", "retry_after": 60})
    );
    let response = call(&app, Method::GET, "/api/users/me", None, None).await;
    assert_eq!(response.status(), 429, "every /api route shares the limit");
    let response = call(&app, Method::GET, "/health", None, None).await;
    assert_eq!(
        response.status(),
        200,
        "routes of other APIs are not limited"
    );
}

#[tokio::test]
async fn forwarded_for_names_the_client_only_behind_a_trusted_proxy() {
    let limited = |trusted: Option<&'static str>| {
        spawn_app_with(move |env| {
            env.insert("MINIAPP_RATE_LIMIT_PER_MINUTE".into(), "2".into());
            if let Some(trusted) = trusted {
                env.insert("TRUSTED_PROXIES".into(), trusted.into());
            }
        })
    };
    let get = |app: &TestApp, client: &str| {
        app.http
            .get(app.url("/api/health"))
            .header("X-Forwarded-For", client.to_owned())
            .send()
    };

    let behind_proxy = limited(Some("127.0.0.0/8")).await;
    for _ in 0..2 {
        assert_eq!(
            get(&behind_proxy, "203.0.113.7")
                .await
                .expect("sent")
                .status(),
            200
        );
    }
    assert_eq!(
        get(&behind_proxy, "203.0.113.7")
            .await
            .expect("sent")
            .status(),
        429
    );
    assert_eq!(
        get(&behind_proxy, "198.51.100.9")
            .await
            .expect("sent")
            .status(),
        200,
        "another client behind the proxy has its own quota"
    );

    let direct = limited(None).await;
    for client in ["203.0.113.1", "203.0.113.2"] {
        assert_eq!(get(&direct, client).await.expect("sent").status(), 200);
    }
    assert_eq!(
        get(&direct, "203.0.113.3").await.expect("sent").status(),
        429,
        "an untrusted peer cannot pick its own address"
    );
}

/// Validly signed initData whose fields exceed what is stored: names are cut, a username
/// too long to keep is left out; GraphQL, the Mini App shim and `/api/v1` all sign in.
#[tokio::test]
async fn over_long_telegram_fields_are_trimmed_not_server_errors() {
    let app = spawn_app().await;
    let long = |telegram_id: i64| {
        sign_init_data(
            BOT_TOKEN,
            now_unix(),
            json!({ "user": {
                "id": telegram_id,
                "first_name": "F".repeat(300),
                "last_name": "L".repeat(300),
                "username": "u".repeat(80),
                "language_code": "x".repeat(40),
                "photo_url": format!("https://t.me/{}", "p".repeat(3000)),
            } }),
        )
    };
    let auth = format!("Bearer {}", long(unique_telegram_id()));
    let response = call(&app, Method::POST, "/api/auth/validate", Some(&auth), None).await;
    let (status, body) = enveloped(response).await;
    assert_eq!(status, 200, "{body}");
    let user = &body["data"];
    assert_eq!(
        user["first_name"].as_str().map(|n| n.chars().count()),
        Some(256)
    );
    assert_eq!(user["username"], Value::Null, "{user}");

    let response = call(&app, Method::GET, "/api/v1/users/me", Some(&auth), None).await;
    assert!(response.status().as_u16() < 500, "{:?}", response.status());

    let (status, body) = app
        .graphql(
            "mutation($d: String!) { authenticateTelegram(initData: $d) { user { firstName lastName username } } }",
            json!({ "d": long(unique_telegram_id()) }),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let user = &body["data"]["authenticateTelegram"]["user"];
    assert_eq!(
        user["lastName"].as_str().map(|n| n.chars().count()),
        Some(256),
        "{body}"
    );
    assert_eq!(user["username"], Value::Null);
}
