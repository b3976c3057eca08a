//! The one OpenAPI document of the REST shims (`/api/openapi.json`, `API__DEBUG=true`):
//! it lists every route of the four seed APIs with the seed's success status and the
//! auth each needs, and a property-based run of schemathesis against it (a child
//! process, `$TEST_PYTHON -m schemathesis.cli`, installed by `scripts/test.sh`) finds
//! no 5xx, no undocumented status, no response outside its schema or content type.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
    process::{Command, Stdio},
    time::Duration,
};

use serde_json::{json, Value};

use crate::helpers::{quick_init_data, spawn_app_with, unique_telegram_id, wait::within, TestApp};

/// Every route of the seeds as `(method, path, success status)`; path parameters are
/// compared by position only (`/api/v1/messages/{chat_id}` is the document's
/// `/api/v1/messages/{id}`).
const MINIAPP: &[(&str, &str, u16)] = &[
    // miniapp-rest-api.md
    ("GET", "/api/health", 200),
    ("POST", "/api/auth/validate", 200),
    ("GET", "/api/users/me", 200),
    ("PATCH", "/api/users/me", 200),
    ("GET", "/api/users/{telegram_id}", 200),
];

const MESSENGER: &[(&str, &str, u16)] = &[
    // messenger-rest-api.md §4
    ("GET", "/health", 200),
    ("GET", "/health/live", 200),
    ("GET", "/health/ready", 200),
    // §5
    ("POST", "/api/v1/auth/register", 201),
    ("POST", "/api/v1/auth/login", 200),
    ("POST", "/api/v1/auth/refresh", 200),
    ("POST", "/api/v1/auth/verify-email", 200),
    ("POST", "/api/v1/auth/resend-verification", 200),
    ("POST", "/api/v1/auth/request-password-reset", 200),
    ("POST", "/api/v1/auth/reset-password", 200),
    ("GET", "/api/v1/auth/me", 200),
    ("GET", "/api/v1/auth/sessions", 200),
    ("DELETE", "/api/v1/auth/sessions/{jti}", 204),
    ("DELETE", "/api/v1/auth/sessions", 204),
    ("POST", "/api/v1/auth/2fa/setup", 200),
    ("POST", "/api/v1/auth/2fa/enable", 200),
    ("POST", "/api/v1/auth/2fa/disable", 200),
    // §6
    ("GET", "/api/v1/users/me", 200),
    ("GET", "/api/v1/users/search", 200),
    ("PUT", "/api/v1/users/profile", 200),
    ("GET", "/api/v1/users/blocked", 200),
    ("GET", "/api/v1/users/contacts", 200),
    ("POST", "/api/v1/users/{user_id}/contacts", 204),
    ("POST", "/api/v1/users/contacts/by-email", 204),
    ("DELETE", "/api/v1/users/{user_id}/contacts", 204),
    ("POST", "/api/v1/users/{user_id}/block", 204),
    ("DELETE", "/api/v1/users/{user_id}/block", 204),
    ("GET", "/api/v1/users/{user_id}", 200),
    // §7
    ("GET", "/api/v1/chats", 200),
    ("GET", "/api/v1/chats/saved", 200),
    ("GET", "/api/v1/chats/discover", 200),
    ("POST", "/api/v1/chats", 200),
    ("POST", "/api/v1/chats/{chat_id}/join", 200),
    ("GET", "/api/v1/chats/{chat_id}", 200),
    ("PATCH", "/api/v1/chats/{chat_id}/title", 200),
    ("PATCH", "/api/v1/chats/{chat_id}/profile", 200),
    ("GET", "/api/v1/chats/{chat_id}/members", 200),
    ("POST", "/api/v1/chats/{chat_id}/members", 201),
    (
        "PATCH",
        "/api/v1/chats/{chat_id}/members/{user_id}/role",
        200,
    ),
    ("DELETE", "/api/v1/chats/{chat_id}/members/{user_id}", 204),
    ("POST", "/api/v1/chats/{chat_id}/leave", 204),
    ("DELETE", "/api/v1/chats/{chat_id}", 204),
    ("POST", "/api/v1/chats/{chat_id}/clear", 204),
    ("POST", "/api/v1/chats/{chat_id}/pin", 200),
    ("GET", "/api/v1/chats/{chat_id}/notifications", 200),
    ("PUT", "/api/v1/chats/{chat_id}/notifications", 200),
    ("POST", "/api/v1/chats/{chat_id}/archive", 200),
    ("POST", "/api/v1/chats/{chat_id}/unarchive", 200),
    ("POST", "/api/v1/chats/{chat_id}/pin-chat", 200),
    ("POST", "/api/v1/chats/{chat_id}/unpin-chat", 200),
    ("POST", "/api/v1/chats/{chat_id}/invite-link", 200),
    ("POST", "/api/v1/chats/join-by-invite", 200),
    // §8
    ("POST", "/api/v1/messages", 201),
    ("GET", "/api/v1/messages/search", 200),
    ("GET", "/api/v1/messages/{chat_id}", 200),
    ("GET", "/api/v1/messages/{message_id}/thread", 200),
    ("PUT", "/api/v1/messages/{message_id}", 200),
    ("DELETE", "/api/v1/messages/{message_id}", 204),
    ("POST", "/api/v1/messages/status", 200),
    ("POST", "/api/v1/messages/{message_id}/forward", 201),
    ("POST", "/api/v1/messages/{message_id}/forward-bulk", 201),
    ("GET", "/api/v1/messages/{message_id}/reactions", 200),
    (
        "POST",
        "/api/v1/messages/{message_id}/reactions/toggle",
        200,
    ),
    // §9
    ("POST", "/api/v1/media/upload-url", 200),
    ("POST", "/api/v1/media/attachments", 200),
    ("GET", "/api/v1/media/chats/{chat_id}/attachments", 200),
    // §10
    ("GET", "/api/v1/notifications", 200),
    ("GET", "/api/v1/search", 200),
];

const BOT_AUTH: &[(&str, &str, u16)] = &[
    // bot-auth-api.md
    ("GET", "/v1/auth/link", 200),
    ("POST", "/v1/auth/session", 200),
    ("GET", "/v1/auth/session/{session_id}/status", 200),
    ("POST", "/v1/auth/verify", 200),
];

const ANALYTICS: &[(&str, &str, u16)] = &[
    // analytics-events-api.md
    ("POST", "/events", 201),
];

/// Documented routes no seed lists: the login bots' webhooks.
const EXTRA: &[(&str, &str, u16)] = &[
    ("POST", "/bot/telegram/webhook", 200),
    ("POST", "/bot/max/webhook", 200),
];

/// `/api/v1/chats/{chat_id}/members/{user_id}` → `/api/v1/chats/{}/members/{}`.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "{}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The document's operations by `(METHOD, shape)`.
fn operations(doc: &Value) -> BTreeMap<(String, String), Value> {
    let mut out = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            out.insert(
                (method.to_ascii_uppercase(), shape(path)),
                operation.clone(),
            );
        }
    }
    out
}

/// The security scheme a route must declare, by where it lives.
fn expected_security(path: &str) -> Option<&'static str> {
    const PUBLIC_V1: &[&str] = &[
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/verify-email",
        "/api/v1/auth/resend-verification",
        "/api/v1/auth/request-password-reset",
        "/api/v1/auth/reset-password",
    ];
    if path.starts_with("/api/v1/") {
        (!PUBLIC_V1.contains(&path)).then_some("jwt")
    } else if path.starts_with("/api/") {
        (path != "/api/health").then_some("initData")
    } else if path == "/events" {
        Some("TGA-Auth-Token")
    } else if path == "/bot/telegram/webhook" {
        Some("telegramWebhookSecret")
    } else if path == "/bot/max/webhook" {
        Some("maxWebhookSecret")
    } else {
        None
    }
}

/// A schema reference or inline schema, followed through `$ref`s.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(target) => resolve(
            doc,
            doc.pointer(target.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("{target} resolves")),
        ),
        None => value,
    }
}

fn debug_env(env: &mut std::collections::HashMap<String, String>) {
    for (key, value) in [
        ("API__DEBUG", "true"),
        // The Mini App and analytics limits would turn most of the run into 429s.
        ("MINIAPP_RATE_LIMIT_PER_MINUTE", "100000"),
        ("ANALYTICS_RATE_LIMIT_PER_MINUTE", "100000"),
        // Storage and bot login configured, so their routes answer instead of 503;
        // nothing here is ever contacted (presigning is local, webhooks need the
        // secrets, which the run does not know).
        ("S3_ENDPOINT", "http://127.0.0.1:9"),
        ("S3_BUCKET", "media"),
        ("S3_ACCESS_KEY_ID", "test"),
        ("S3_SECRET_ACCESS_KEY", "test-secret-key"),
        ("TELEGRAM_BOT_USERNAME", "GatewayTestBot"),
        ("TELEGRAM_BOT_API_URL", "http://127.0.0.1:9"),
        ("TELEGRAM_WEBHOOK_SECRET", "telegram-webhook-secret"),
        ("MAX_WEBHOOK_SECRET", "max-webhook-secret"),
        ("BOT_AUTH_SLUG", "openapi-test"),
        ("BOT_AUTH_CALLBACK_URL", "http://127.0.0.1:9/callback"),
    ] {
        env.insert(key.to_owned(), value.to_owned());
    }
}

async fn document(app: &TestApp) -> Value {
    let response = app
        .http
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    response.json().await.expect("the document is JSON")
}

/// What is wrong with the documented `operation` of a seed's route answering `status`.
fn route_problems(
    doc: &Value,
    (seed, method, path, status): (&str, &str, &str, u16),
    operation: &Value,
) -> Vec<String> {
    let mut problems = Vec::new();
    let responses = &operation["responses"];
    let successes: Vec<&String> = responses
        .as_object()
        .expect("responses")
        .keys()
        .filter(|code| code.starts_with('2'))
        .collect();
    if successes != [&status.to_string()] {
        problems.push(format!(
            "{seed}: {method} {path} documents {successes:?}, the seed {status}"
        ));
    }
    let success = resolve(doc, &responses[status.to_string()]);
    let has_body = success["content"]["application/json"]["schema"].is_object();
    if has_body == (status == 204) {
        problems.push(format!(
            "{seed}: {method} {path}: {status} with body schema: {has_body}"
        ));
    }
    let schemes: Vec<&str> = operation["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|requirement| requirement.as_object())
        .flat_map(|requirement| requirement.keys().map(String::as_str))
        .collect();
    let expected: Vec<&str> = expected_security(path).into_iter().collect();
    if schemes != expected {
        problems.push(format!(
            "{seed}: {method} {path} security {schemes:?}, expected {expected:?}"
        ));
    }
    // Every error response carries a JSON body schema.
    for (code, response) in responses.as_object().expect("responses") {
        let response = resolve(doc, response);
        if code.starts_with('4') || code.starts_with('5') {
            let schema = &response["content"]["application/json"]["schema"];
            if !schema.is_object() {
                problems.push(format!("{seed}: {method} {path} {code} has no schema"));
            }
        }
    }
    // Authenticated routes document 401; routes with a body its 413.
    if expected_security(path).is_some()
        && responses["401"].is_null()
        && seed != "analytics-events-api.md"
    {
        problems.push(format!("{seed}: {method} {path} documents no 401"));
    }
    if operation["requestBody"].is_object() && responses["413"].is_null() {
        problems.push(format!("{seed}: {method} {path} documents no 413"));
    }
    problems
}

#[tokio::test]
async fn the_openapi_document_lists_every_seed_route_with_its_status_and_auth() {
    let app = spawn_app_with(debug_env).await;
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let documented = operations(&doc);

    let mut problems = Vec::new();
    let mut listed = BTreeSet::new();
    for (seed, routes) in [
        ("miniapp-rest-api.md", MINIAPP),
        ("messenger-rest-api.md", MESSENGER),
        ("bot-auth-api.md", BOT_AUTH),
        ("analytics-events-api.md", ANALYTICS),
        ("webhooks", EXTRA),
    ] {
        for &(method, path, status) in routes {
            let key = (method.to_owned(), shape(path));
            listed.insert(key.clone());
            let Some(operation) = documented.get(&key) else {
                problems.push(format!("{seed}: {method} {path} is not documented"));
                continue;
            };
            problems.extend(route_problems(
                &doc,
                (seed, method, path, status),
                operation,
            ));
        }
    }
    for key in documented.keys() {
        if !listed.contains(key) {
            problems.push(format!("{} {} is in no seed", key.0, key.1));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn the_openapi_document_gives_each_dialect_its_own_error_body() {
    let app = spawn_app_with(debug_env).await;
    let doc = document(&app).await;
    let documented = operations(&doc);
    // The error bodies are each dialect's own.
    let detail = resolve(
        &doc,
        &documented[&("GET".into(), "/api/v1/auth/me".into())]["responses"]["401"],
    );
    let schema = resolve(&doc, &detail["content"]["application/json"]["schema"]);
    assert_eq!(schema["required"], json!(["detail"]), "{schema}");
    let envelope = &documented[&("GET".into(), "/api/users/me".into())]["responses"]["404"];
    let schema = resolve(&doc, &envelope["content"]["application/json"]["schema"]);
    assert_eq!(
        schema["required"],
        json!(["success", "data", "error"]),
        "{schema}"
    );
    let events = &documented[&("POST".into(), "/events".into())]["responses"]["400"];
    let schema = resolve(&doc, &events["content"]["application/json"]["schema"]);
    assert_eq!(schema["required"], json!(["message"]), "{schema}");
}

#[tokio::test]
async fn the_openapi_document_types_ids_as_int64_and_timestamps_as_date_times() {
    let app = spawn_app_with(debug_env).await;
    let doc = document(&app).await;
    // Ids are int64, timestamps date-time strings, optional facts nullable.
    let chat = &doc["components"]["schemas"]["ChatRead"]["properties"];
    assert_eq!(chat["id"], json!({"type": "integer", "format": "int64"}));
    assert_eq!(
        chat["pinned_message_id"]["type"],
        json!(["integer", "null"])
    );
    let timestamp = resolve(&doc, &chat["created_at"]);
    assert_eq!(
        (&timestamp["type"], &timestamp["format"]),
        (&json!("string"), &json!("date-time"))
    );
}

/// The caller of the property-based run and the objects its path parameters point at.
struct Fixture {
    jwt: String,
    init_data: String,
    telegram_id: i64,
    bob: i64,
    group: i64,
    sacrificial: i64,
    public_channel: i64,
    private: i64,
    message: i64,
    disposable_message: i64,
    other_session: String,
    file_url: String,
    invite_token: String,
    bot_session: String,
    analytics_token: String,
}

/// Signs a Telegram user in through GraphQL: (access token, user id, initData).
async fn telegram_user(app: &TestApp, telegram_id: i64, name: &str) -> (String, i64, String) {
    let init_data = quick_init_data(telegram_id, name);
    let (status, body) = app
        .graphql(
            "mutation($d: String!) { authenticateTelegram(initData: $d) { accessToken user { id } } }",
            json!({ "d": init_data }),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let payload = &body["data"]["authenticateTelegram"];
    let id = payload["user"]["id"].as_str().expect("id");
    (
        payload["accessToken"].as_str().expect("token").to_owned(),
        id.parse().expect("numeric user id"),
        init_data,
    )
}

async fn rest(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Value {
    let mut request = app
        .http
        .request(method.clone(), app.url(path))
        .bearer_auth(token);
    if !body.is_null() {
        request = request.json(&body);
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    let text = response.text().await.expect("body");
    assert!(status.is_success(), "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn fixture(app: &TestApp) -> Fixture {
    use reqwest::Method;
    let telegram_id = unique_telegram_id();
    let (jwt, _, init_data) = telegram_user(app, telegram_id, "Alice").await;
    let (bob_jwt, bob, _) = telegram_user(app, unique_telegram_id(), "Bob").await;
    // A second session of Alice's, for `DELETE /auth/sessions/{jti}` to revoke.
    telegram_user(app, telegram_id, "Alice").await;
    let sessions = rest(app, &jwt, Method::GET, "/api/v1/auth/sessions", Value::Null).await;
    let other_session = sessions
        .as_array()
        .expect("sessions")
        .iter()
        .find(|s| s["current"] == false)
        .and_then(|s| s["jti"].as_str())
        .expect("a second session")
        .to_owned();

    let create = |token: &str, body: Value| {
        let token = token.to_owned();
        async move {
            rest(app, &token, Method::POST, "/api/v1/chats", body).await["id"]
                .as_i64()
                .expect("chat id")
        }
    };
    let group = create(
        &jwt,
        json!({"type": "group", "title": "Fuzzed", "member_ids": [bob]}),
    )
    .await;
    let sacrificial = create(
        &jwt,
        json!({"type": "group", "title": "To leave", "member_ids": [bob]}),
    )
    .await;
    let public_channel = create(
        &bob_jwt,
        json!({"type": "channel", "title": "News", "handle": format!("news{bob}"), "is_public": true}),
    )
    .await;
    let private = create(&jwt, json!({"type": "private", "member_ids": [bob]})).await;
    let send = |token: &str, body: Value| {
        let token = token.to_owned();
        async move {
            rest(app, &token, Method::POST, "/api/v1/messages", body).await["id"]
                .as_i64()
                .expect("message id")
        }
    };
    let message = send(&jwt, json!({"chat_id": group, "text": "Hello"})).await;
    send(
        &bob_jwt,
        json!({"chat_id": group, "text": "Hi", "reply_to_message_id": message}),
    )
    .await;
    let disposable_message = send(&jwt, json!({"chat_id": group, "text": "Delete me"})).await;
    let upload = rest(
        app,
        &jwt,
        Method::POST,
        "/api/v1/media/upload-url",
        json!({"file_name": "photo.jpg", "file_type": "image/jpeg", "file_size": 1000}),
    )
    .await;
    let invite = rest(
        app,
        &bob_jwt,
        Method::POST,
        &format!("/api/v1/chats/{public_channel}/invite-link"),
        Value::Null,
    )
    .await;
    let session: Value = app
        .http
        .post(app.url("/v1/auth/session"))
        .json(&json!({"state": "openapi"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let config = messenger_gateway::config::Config::from_lookup(|k| app.env.get(k).cloned())
        .expect("config");
    let analytics = messenger_gateway::cli::create_analytics_app(
        config,
        messenger_gateway::domain::analytics::NewApp {
            name: "docs".into(),
            ..Default::default()
        },
    )
    .await
    .expect("analytics app");
    Fixture {
        jwt,
        init_data,
        telegram_id,
        bob,
        group,
        sacrificial,
        public_channel,
        private,
        message,
        disposable_message,
        other_session,
        file_url: upload["file_url"].as_str().expect("file_url").to_owned(),
        invite_token: invite["token"].as_str().expect("token").to_owned(),
        bot_session: session["session_id"]
            .as_str()
            .expect("session id")
            .to_owned(),
        analytics_token: analytics.token,
    }
}

/// `schemathesis.toml`: per operation (by the document's operation ids) the objects
/// path and body parameters point at, the initData and analytics token where those
/// authenticate, and the one operation left out.
fn schemathesis_config(f: &Fixture) -> String {
    let mut out = String::new();
    let mut operation = |ids: &[&str], settings: &[(&str, Value)]| {
        let ids: Vec<String> = ids.iter().map(|id| json!(id).to_string()).collect();
        let _ = writeln!(
            out,
            "[[operations]]\ninclude-operation-id = [{}]",
            ids.join(", ")
        );
        for (key, value) in settings {
            let _ = writeln!(out, "{key} = {}", toml_value(value));
        }
        out.push('\n');
    };
    let bearer = |token: &str| json!({ "Authorization": format!("Bearer {token}") });
    // Revoking every session would lock the run's caller out.
    operation(&["auth.revoke_all"], &[("enabled", json!(false))]);
    operation(
        &["auth.revoke_session"],
        &[("parameters", json!({"path.jti": f.other_session}))],
    );
    operation(&["miniapp.validate"], &[("headers", bearer(&f.init_data))]);
    operation(
        &["miniapp.by_telegram_id"],
        &[("parameters", json!({"path.telegram_id": f.telegram_id}))],
    );
    operation(
        &[
            "users.add_contact",
            "users.remove_contact",
            "users.block",
            "users.unblock",
            "users.user",
        ],
        &[("parameters", json!({"path.user_id": f.bob}))],
    );
    operation(
        &["chats.create"],
        &[("parameters", json!({"body.member_ids": [f.bob]}))],
    );
    operation(
        &["chats.join"],
        &[("parameters", json!({"path.chat_id": f.public_channel}))],
    );
    operation(
        &["chats.join_by_invite"],
        &[("parameters", json!({"body.token": f.invite_token}))],
    );
    // Leaving and deleting (for everyone, too) hit a chat of their own.
    operation(
        &["chats.leave", "chats.delete_chat", "chats.clear"],
        &[("parameters", json!({"path.chat_id": f.sacrificial}))],
    );
    operation(
        &["chats.set_role", "chats.remove_member"],
        &[(
            "parameters",
            json!({"path.chat_id": f.group, "path.user_id": f.bob}),
        )],
    );
    operation(
        &[
            "chats.detail",
            "chats.update_title",
            "chats.update_profile",
            "chats.members",
            "chats.add_member",
            "chats.pin_message",
            "chats.notifications",
            "chats.set_notifications",
            "chats.archive",
            "chats.unarchive",
            "chats.pin_chat",
            "chats.unpin_chat",
            "chats.invite_link",
            "media.chat_attachments",
        ],
        &[("parameters", json!({"path.chat_id": f.group}))],
    );
    operation(
        &["messages.send"],
        &[("parameters", json!({"body.chat_id": f.group}))],
    );
    operation(
        &["messages.status"],
        &[(
            "parameters",
            json!({"body.chat_id": f.group, "body.message_id": f.message}),
        )],
    );
    operation(
        &["messages.page"],
        &[("parameters", json!({"path.id": f.group}))],
    );
    operation(
        &["messages.edit"],
        &[("parameters", json!({"path.id": f.message}))],
    );
    operation(
        &["messages.delete_message"],
        &[("parameters", json!({"path.id": f.disposable_message}))],
    );
    operation(
        &[
            "messages.thread",
            "messages.reactions",
            "messages.toggle_reaction",
        ],
        &[("parameters", json!({"path.message_id": f.message}))],
    );
    operation(
        &["messages.forward"],
        &[(
            "parameters",
            json!({"path.message_id": f.message, "body.target_chat_id": f.private}),
        )],
    );
    operation(
        &["messages.forward_bulk"],
        &[(
            "parameters",
            json!({"path.message_id": f.message, "body.target_chat_ids": [f.private]}),
        )],
    );
    operation(
        &["media.attach"],
        &[(
            "parameters",
            json!({"body.message_id": f.message, "body.file_url": f.file_url}),
        )],
    );
    operation(
        &["bot-auth.status"],
        &[("parameters", json!({"path.session_id": f.bot_session}))],
    );
    operation(
        &["analytics.record"],
        &[
            ("headers", json!({"TGA-Auth-Token": f.analytics_token})),
            ("parameters", json!({"body.app_name": "docs"})),
        ],
    );
    out
}

/// A JSON value as TOML: JSON strings, numbers, booleans and arrays are TOML; objects
/// become inline tables with quoted keys.
fn toml_value(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{} = {}", json!(k), toml_value(v)))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(toml_value).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

fn python() -> String {
    crate::helpers::process::test_python()
}

/// Runs schemathesis to its end (at most `limit`), without blocking the runtime the
/// server runs on; returns its exit code (`None` when killed) and its output.
async fn run_schemathesis(args: &[String], limit: Duration) -> (Option<i32>, String) {
    let dir = std::env::temp_dir().join(format!("mg-openapi-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let log = dir.join("output.txt");
    let file = std::fs::File::create(&log).expect("log file");
    let mut child = Command::new(python())
        .args(["-m", "schemathesis.cli"])
        .args(args)
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log file"))
        .stderr(file)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{} -m schemathesis.cli: {e} (bash scripts/test.sh installs it)",
                python()
            )
        });
    let exited = within(limit, async || child.try_wait().expect("schemathesis runs")).await;
    let status = match exited {
        Some(status) => status.code(),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    };
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    (status, output)
}

/// schemathesis (`schemathesis==4.*`) against the live document: every operation but
/// `DELETE /api/v1/auth/sessions`, path and body ids pointing at real objects, checks
/// `not_a_server_error`, `status_code_conformance`, `content_type_conformance` and
/// `response_schema_conformance`. `SCHEMATHESIS_MAX_EXAMPLES` (default 20) and
/// `SCHEMATHESIS_SEED` tune the run.
#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_response_outside_the_document() {
    let app = spawn_app_with(debug_env).await;
    let fixture = fixture(&app).await;
    let dir = std::env::temp_dir().join(format!(
        "mg-openapi-config-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = dir.join("schemathesis.toml");
    std::fs::write(&config, schemathesis_config(&fixture)).expect("config written");

    let base = app.url("");
    let max_examples = std::env::var("SCHEMATHESIS_MAX_EXAMPLES").unwrap_or_else(|_| "20".into());
    let mut args: Vec<String> = vec![
        "--config-file".into(),
        config.display().to_string(),
        "run".into(),
        app.url("/api/openapi.json"),
        "--url".into(),
        base,
        "--checks".into(),
        "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance".into(),
        "-H".into(),
        format!("Authorization: Bearer {}", fixture.jwt),
        "--max-examples".into(),
        max_examples,
        "--request-timeout".into(),
        "10".into(),
        "--generation-database".into(),
        "none".into(),
        "--no-color".into(),
    ];
    if let Ok(seed) = std::env::var("SCHEMATHESIS_SEED") {
        args.extend(["--seed".into(), seed]);
    }
    let (code, output) = run_schemathesis(&args, Duration::from_secs(300)).await;
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, Some(0), "schemathesis failed:\n{output}");
    // Shown with `--nocapture`: what was covered.
    println!("{output}");
}
