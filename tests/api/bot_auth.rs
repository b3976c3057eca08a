//! Login through the Telegram and Max bots (bot-auth-api.md): real-shaped updates from
//! `tests/fixtures/bot/` are replayed to the webhooks, and a fake Bot API records what the
//! bot answers.

mod attacks;
mod flows;

use std::{path::PathBuf, time::Duration};

use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::helpers::{
    error_code,
    fake_bot_api::{Call, FakeBotApi},
    gql, quick_init_data, spawn_app_with_clock, TestApp, TestClock,
};

const TELEGRAM_SECRET: &str = "tg-webhook-secret_0123456789";
const MAX_SECRET: &str = "max-webhook-secret-0123456789";
const MAX_TOKEN: &str = "max-bot-token-for-the-suite";
const CALLBACK: &str = "https://app.example.com/auth/callback";
/// The Telegram user of the fixtures (above 2^32, as real ids are).
const TG_USER: i64 = 5_123_456_789;
const MAX_USER: i64 = 123_456_789;

const VERIFY: &str = "mutation($c: String!) { verifyBotAuthCode(code: $c) { channel firstName username avatarUrl subscriberId lang tags state tokens { accessToken refreshToken tokenType user { id telegramId firstName } } } }";
const ME: &str = "{ me { id telegramId firstName username } }";

struct BotApp {
    app: TestApp,
    api: FakeBotApi,
    redis_prefix: String,
    /// The app's clock: code and session expiry follow it.
    clock: TestClock,
}

async fn spawn_bots(edit: impl FnOnce(&mut std::collections::HashMap<String, String>)) -> BotApp {
    let api = FakeBotApi::start().await;
    let redis_prefix = format!("mgtest:{}:", uuid::Uuid::new_v4().simple());
    let (app, clock) = spawn_app_with_clock(|env| {
        for (key, value) in [
            ("TELEGRAM_BOT_USERNAME", "GatewayLoginBot".to_owned()),
            ("TELEGRAM_BOT_API_URL", api.url()),
            ("TELEGRAM_WEBHOOK_SECRET", TELEGRAM_SECRET.to_owned()),
            ("MAX_BOT_TOKEN", MAX_TOKEN.to_owned()),
            ("MAX_BOT_USERNAME", "gateway_login_bot".to_owned()),
            ("MAX_BOT_API_URL", api.url()),
            ("MAX_WEBHOOK_SECRET", MAX_SECRET.to_owned()),
            ("BOT_AUTH_SLUG", "my-app".to_owned()),
            ("BOT_AUTH_CALLBACK_URL", CALLBACK.to_owned()),
            ("REDIS_KEY_PREFIX", redis_prefix.clone()),
        ] {
            env.insert(key.to_owned(), value);
        }
        edit(env);
    })
    .await;
    BotApp {
        app,
        api,
        redis_prefix,
        clock,
    }
}

/// A fixture with `__PAYLOAD__` / `__DATA__` / `__USER__` replaced.
fn fixture(name: &str, replacements: &[(&str, &str)]) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bot")
        .join(name);
    let mut text = std::fs::read_to_string(&path).expect("fixture exists");
    for (from, to) in replacements {
        text = text.replace(from, to);
    }
    text
}

/// Another Telegram account: the fixture with its user id swapped.
fn as_telegram_user(update: String, id: i64) -> String {
    update.replace(&TG_USER.to_string(), &id.to_string())
}

impl BotApp {
    async fn webhook(&self, path: &str, header: Option<(&str, &str)>, body: String) -> u16 {
        let mut request = self
            .app
            .http
            .post(self.app.url(path))
            .header("content-type", "application/json")
            .body(body);
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        request
            .send()
            .await
            .expect("webhook call")
            .status()
            .as_u16()
    }

    async fn telegram(&self, body: String) {
        let header = ("X-Telegram-Bot-Api-Secret-Token", TELEGRAM_SECRET);
        let status = self
            .webhook("/bot/telegram/webhook", Some(header), body)
            .await;
        assert_eq!(status, 200, "Telegram webhook");
    }

    async fn telegram_start(&self, payload: &str) -> Vec<Call> {
        self.telegram(fixture("telegram_start.json", &[("__PAYLOAD__", payload)]))
            .await;
        self.api.take()
    }

    async fn telegram_press(&self, data: &str) -> Vec<Call> {
        self.telegram(fixture(
            "telegram_callback_query.json",
            &[("__DATA__", data)],
        ))
        .await;
        self.api.take()
    }

    async fn max(&self, body: String) -> Vec<Call> {
        let header = ("X-Max-Bot-Api-Secret", MAX_SECRET);
        let status = self.webhook("/bot/max/webhook", Some(header), body).await;
        assert_eq!(status, 200, "Max webhook");
        self.api.take()
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .app
            .http
            .get(self.app.url(path))
            .send()
            .await
            .expect("GET");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .app
            .http
            .post(self.app.url(path))
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// `POST /v1/auth/session`; returns the session id.
    async fn session(&self, state: &str) -> String {
        let (status, body) = self
            .post("/v1/auth/session", json!({ "state": state }))
            .await;
        assert_eq!(status, 200, "{body}");
        body["session_id"].as_str().expect("session_id").to_owned()
    }

    async fn poll(&self, session_id: &str) -> Value {
        let (status, body) = self
            .get(&format!("/v1/auth/session/{session_id}/status"))
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// `verifyBotAuthCode` without credentials; the whole response.
    async fn verify(&self, code: &str) -> Value {
        self.app.graphql(VERIFY, json!({ "c": code }), None).await.1
    }
}

/// The one call the bot made, checked to be Telegram's `method`.
fn only_telegram_call<'a>(calls: &'a [Call], method: &str) -> &'a Value {
    let found: Vec<&Call> = calls
        .iter()
        .filter(|c| c.path.ends_with(&format!("/{method}")))
        .collect();
    assert_eq!(found.len(), 1, "one {method} in {calls:?}");
    assert_eq!(found[0].method, axum::http::Method::POST);
    assert!(
        found[0]
            .path
            .starts_with(&format!("/bot{}/", crate::helpers::BOT_TOKEN)),
        "the token is in the path: {}",
        found[0].path
    );
    &found[0].body
}

/// The code in a "Go to website" URL (`callback?code=…`).
fn code_in(url: &str) -> String {
    let url = url::Url::parse(url).expect("button URL");
    assert_eq!(
        format!(
            "{}://{}{}",
            url.scheme(),
            url.host_str().expect("host"),
            url.path()
        ),
        CALLBACK
    );
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("?code=")
}

/// Starts a session login in Telegram and presses Login; returns the code the bot sent.
async fn telegram_login(bots: &BotApp, session_id: &str) -> String {
    bots.telegram_start(&format!("auths_{session_id}")).await;
    let calls = bots.telegram_press(&format!("login:{session_id}")).await;
    let sent = only_telegram_call(&calls, "sendMessage");
    code_in(
        sent["reply_markup"]["inline_keyboard"][0][0]["url"]
            .as_str()
            .expect("url"),
    )
}

/// Listens to the session's topic on Redis, as a second gateway instance would.
async fn bot_auth_events(bots: &BotApp, session_id: &str) -> redis::aio::PubSub {
    let client = redis::Client::open(crate::helpers::redis_url()).expect("redis url");
    let mut pubsub = client.get_async_pubsub().await.expect("redis pubsub");
    let channel = format!("{}events:botauth:{session_id}", bots.redis_prefix);
    pubsub.subscribe(channel).await.expect("subscribe");
    pubsub
}

async fn next_event(mut pubsub: redis::aio::PubSub) -> Value {
    let message = tokio::time::timeout(Duration::from_secs(5), pubsub.on_message().next())
        .await
        .expect("an event within 5 s")
        .expect("a message");
    let payload: String = message.get_payload().expect("text payload");
    serde_json::from_str(&payload).expect("JSON envelope")
}

async fn gql_public(bots: &BotApp, query: &str) -> Value {
    let (status, body) = bots.app.graphql(query, json!({}), None).await;
    assert!(status == 200 && body["errors"].is_null(), "{body}");
    body["data"].clone()
}
