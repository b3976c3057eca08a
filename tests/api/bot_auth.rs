//! Login through the Telegram and Max bots (bot-auth-api.md): real-shaped updates from
//! `tests/fixtures/bot/` are replayed to the webhooks, and a fake Bot API records what the
//! bot answers.

use std::{path::PathBuf, time::Duration};

use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::{
    fake_bot_api::{Call, FakeBotApi},
    helpers::{error_code, gql, quick_init_data, spawn_app_with, TestApp},
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
}

async fn spawn_bots(edit: impl FnOnce(&mut std::collections::HashMap<String, String>)) -> BotApp {
    let api = FakeBotApi::start().await;
    let redis_prefix = format!("mgtest:{}:", uuid::Uuid::new_v4().simple());
    let app = spawn_app_with(|env| {
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

#[tokio::test]
async fn a_telegram_login_with_state_goes_from_link_to_tokens_once() {
    let bots = spawn_bots(|_| {}).await;
    let (status, created) = bots
        .post(
            "/v1/auth/session",
            json!({ "state": "browser_session_abc" }),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let id = created["session_id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 16);
    assert_eq!(
        created["telegram_link"],
        format!("https://t.me/GatewayLoginBot?start=auths_{id}")
    );
    assert_eq!(created["expires_in"], 300);
    assert_eq!(bots.poll(&id).await, json!({ "status": "pending" }));

    let calls = bots.telegram_start(&format!("auths_{id}")).await;
    let prompt = only_telegram_call(&calls, "sendMessage");
    assert_eq!(prompt["chat_id"], TG_USER);
    assert_eq!(
        prompt["reply_markup"]["inline_keyboard"],
        json!([[
            { "text": "Login", "callback_data": format!("login:{id}") },
            { "text": "Cancel", "callback_data": format!("cancel:{id}") },
        ]])
    );

    let events = bot_auth_events(&bots, &id).await;
    let calls = bots.telegram_press(&format!("login:{id}")).await;
    assert_eq!(
        only_telegram_call(&calls, "answerCallbackQuery")["callback_query_id"],
        "2200591946452893123"
    );
    let sent = only_telegram_call(&calls, "sendMessage");
    let button = &sent["reply_markup"]["inline_keyboard"][0][0];
    assert_eq!(button["text"], "Go to website");
    let code = code_in(button["url"].as_str().expect("url"));
    assert!(code.len() >= 22, "at least 128 bits: {code}");
    let event = next_event(events).await;
    assert_eq!(event["event"]["type"], "bot_auth_session_changed");
    assert_eq!(event["event"]["status"], "completed");
    assert!(
        !event.to_string().contains(&code),
        "events never carry the code"
    );

    // The QR rule: the code once, then expired.
    assert_eq!(
        bots.poll(&id).await,
        json!({ "status": "completed", "code": code })
    );
    assert_eq!(bots.poll(&id).await, json!({ "status": "expired" }));

    let body = bots.verify(&code).await;
    let result = &body["data"]["verifyBotAuthCode"];
    assert_eq!(result["channel"], "TELEGRAM", "{body}");
    assert_eq!(result["firstName"], "John");
    assert_eq!(result["username"], "johndoe");
    assert_eq!(result["avatarUrl"], Value::Null);
    assert_eq!(result["lang"], "ru");
    assert_eq!(result["tags"], json!([]));
    assert_eq!(result["state"], "browser_session_abc");
    assert!(uuid::Uuid::parse_str(result["subscriberId"].as_str().expect("id")).is_ok());
    let tokens = &result["tokens"];
    assert_eq!(tokens["tokenType"], "bearer");
    assert_eq!(tokens["user"]["telegramId"], TG_USER);
    let token = tokens["accessToken"].as_str().expect("token");
    let me = gql(&bots.app, token, ME, json!({})).await;
    assert_eq!(me["me"]["id"], tokens["user"]["id"]);
    assert_eq!(me["me"]["firstName"], "John");

    let again = bots.verify(&code).await;
    assert_eq!(error_code(&again), Some("BAD_USER_INPUT"), "{again}");
    let (status, body) = bots.post("/v1/auth/verify", json!({ "code": code })).await;
    assert_eq!(
        (status, body),
        (400, json!({ "detail": "Invalid or expired code" }))
    );
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

#[tokio::test]
async fn the_static_link_logs_in_without_state() {
    let bots = spawn_bots(|_| {}).await;
    let (status, links) = bots.get("/v1/auth/link").await;
    assert_eq!(status, 200);
    assert_eq!(
        links,
        json!({
            "telegram_link": "https://t.me/GatewayLoginBot?start=auth_my-app",
            "max_link": "https://max.ru/gateway_login_bot?start=auth_my-app",
            "configured": true,
        })
    );
    let graphql = gql_public(&bots, "{ botAuthLink { telegramLink maxLink configured } }").await;
    assert_eq!(
        graphql["botAuthLink"]["telegramLink"],
        links["telegram_link"]
    );

    let calls = bots.telegram_start("auth_my-app").await;
    let prompt = only_telegram_call(&calls, "sendMessage");
    assert_eq!(
        prompt["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "login"
    );
    let calls = bots.telegram_press("login").await;
    let sent = only_telegram_call(&calls, "sendMessage");
    let code = code_in(
        sent["reply_markup"]["inline_keyboard"][0][0]["url"]
            .as_str()
            .expect("url"),
    );

    let (status, body) = bots.post("/v1/auth/verify", json!({ "code": code })).await;
    assert_eq!(status, 200, "{body}");
    let subscriber = body["subscriber_id"]
        .as_str()
        .expect("subscriber_id")
        .to_owned();
    assert!(uuid::Uuid::parse_str(&subscriber).is_ok());
    assert_eq!(
        body,
        json!({
            "channel": "telegram",
            "first_name": "John",
            "username": "johndoe",
            "avatar_url": null,
            "subscriber_id": subscriber,
            "lang": "ru",
            "tags": [],
            "state": null,
        })
    );
}

async fn gql_public(bots: &BotApp, query: &str) -> Value {
    let (status, body) = bots.app.graphql(query, json!({}), None).await;
    assert!(status == 200 && body["errors"].is_null(), "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn cancel_ends_the_session_and_login_is_refused_after() {
    let bots = spawn_bots(|_| {}).await;
    let id = bots.session("s1").await;
    bots.telegram_start(&format!("auths_{id}")).await;
    let calls = bots.telegram_press(&format!("cancel:{id}")).await;
    assert_eq!(
        only_telegram_call(&calls, "sendMessage")["text"],
        "Login cancelled."
    );
    assert_eq!(bots.poll(&id).await, json!({ "status": "expired" }));

    let calls = bots.telegram_press(&format!("login:{id}")).await;
    let sent = only_telegram_call(&calls, "sendMessage");
    assert!(
        sent["reply_markup"].is_null(),
        "no code after a cancel: {sent}"
    );
    assert_eq!(bots.poll(&id).await, json!({ "status": "expired" }));
}

#[tokio::test]
async fn a_max_login_links_one_account_through_the_subscription() {
    let bots = spawn_bots(|_| {}).await;
    let mut user_ids = Vec::new();
    for state in ["first", "second"] {
        let created = gql_public(
            &bots,
            &format!(r#"mutation {{ createBotAuthSession(state: "{state}") {{ sessionId maxLink expiresIn }} }}"#),
        )
        .await;
        let id = created["createBotAuthSession"]["sessionId"]
            .as_str()
            .expect("id")
            .to_owned();
        assert_eq!(
            created["createBotAuthSession"]["maxLink"],
            format!("https://max.ru/gateway_login_bot?start=auths_{id}")
        );

        let calls = bots
            .max(fixture(
                "max_bot_started.json",
                &[("__PAYLOAD__", &format!("auths_{id}"))],
            ))
            .await;
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert_eq!(calls[0].path, "/messages");
        assert_eq!(calls[0].query, Some(format!("user_id={MAX_USER}")));
        assert_eq!(calls[0].authorization.as_deref(), Some(MAX_TOKEN));
        assert_eq!(
            calls[0].body["attachments"],
            json!([{ "type": "inline_keyboard", "payload": { "buttons": [[
                { "type": "callback", "text": "Login", "payload": format!("login:{id}") },
                { "type": "callback", "text": "Cancel", "payload": format!("cancel:{id}") },
            ]] } }])
        );

        let calls = bots
            .max(fixture(
                "max_message_callback.json",
                &[("__DATA__", &format!("login:{id}"))],
            ))
            .await;
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert_eq!(calls[0].path, "/answers");
        assert!(calls[0]
            .query
            .as_deref()
            .expect("query")
            .starts_with("callback_id=f9LHodD0"));
        let button = &calls[0].body["message"]["attachments"][0]["payload"]["buttons"][0][0];
        assert_eq!(button["type"], "link");
        assert_eq!(button["text"], "Go to website");
        let code = code_in(button["url"].as_str().expect("url"));

        let body = bots.verify(&code).await;
        let result = &body["data"]["verifyBotAuthCode"];
        assert_eq!(result["channel"], "MAX", "{body}");
        assert_eq!(result["firstName"], "Ivan");
        assert_eq!(result["username"], "ivanpetrov");
        assert_eq!(result["lang"], "ru");
        assert_eq!(result["state"], state);
        assert_eq!(result["tokens"]["user"]["telegramId"], Value::Null);
        let token = result["tokens"]["accessToken"].as_str().expect("token");
        let me = gql(&bots.app, token, ME, json!({})).await;
        assert_eq!(me["me"]["firstName"], "Ivan");
        assert_eq!(me["me"]["username"], "ivanpetrov");
        user_ids.push((me["me"]["id"].clone(), result["subscriberId"].clone()));
    }
    assert_eq!(
        user_ids[0], user_ids[1],
        "one account and one subscription per Max id"
    );
}

#[tokio::test]
async fn webhooks_refuse_a_missing_or_wrong_secret_and_do_nothing() {
    let bots = spawn_bots(|_| {}).await;
    let id = bots.session("s").await;
    let tg_update = || {
        fixture(
            "telegram_start.json",
            &[("__PAYLOAD__", &format!("auths_{id}"))],
        )
    };
    let max_update = || {
        fixture(
            "max_bot_started.json",
            &[("__PAYLOAD__", &format!("auths_{id}"))],
        )
    };
    let tg = "X-Telegram-Bot-Api-Secret-Token";
    let max = "X-Max-Bot-Api-Secret";
    for (path, header, body, expected) in [
        ("/bot/telegram/webhook", None, tg_update(), 401),
        (
            "/bot/telegram/webhook",
            Some((tg, "wrong")),
            tg_update(),
            403,
        ),
        (
            "/bot/telegram/webhook",
            Some((max, TELEGRAM_SECRET)),
            tg_update(),
            401,
        ),
        (
            "/bot/telegram/webhook",
            Some((tg, MAX_SECRET)),
            tg_update(),
            403,
        ),
        ("/bot/max/webhook", None, max_update(), 401),
        ("/bot/max/webhook", Some((max, "wrong")), max_update(), 403),
        (
            "/bot/max/webhook",
            Some((max, TELEGRAM_SECRET)),
            max_update(),
            403,
        ),
    ] {
        let status = bots.webhook(path, header, body).await;
        assert_eq!(status, expected, "{path} with {header:?}");
    }
    assert!(bots.api.take().is_empty(), "the bot said nothing");
    assert_eq!(bots.poll(&id).await, json!({ "status": "pending" }));
    // Another account can still open the link: nobody claimed it.
    let calls = bots.telegram_start(&format!("auths_{id}")).await;
    assert!(only_telegram_call(&calls, "sendMessage")["reply_markup"].is_object());

    // With the right secret, updates the bot does not act on are acknowledged silently.
    for body in [
        "not json".to_owned(),
        json!({ "update_id": 1, "edited_message": { "message_id": 1 } }).to_string(),
        fixture("telegram_start.json", &[("/start __PAYLOAD__", "hello")]),
    ] {
        bots.telegram(body).await;
    }
    let status = bots
        .webhook(
            "/bot/max/webhook",
            Some((max, MAX_SECRET)),
            json!({ "update_type": "dialog_muted", "timestamp": 1, "chat_id": 1, "user": { "user_id": 1 } })
                .to_string(),
        )
        .await;
    assert_eq!(status, 200);
    assert!(bots.api.take().is_empty());
}

#[tokio::test]
async fn an_unconfigured_webhook_is_not_there() {
    let bots = spawn_bots(|env| {
        env.remove("TELEGRAM_WEBHOOK_SECRET");
    })
    .await;
    let body = fixture("telegram_start.json", &[("__PAYLOAD__", "auth_my-app")]);
    let header = Some(("X-Telegram-Bot-Api-Secret-Token", ""));
    assert_eq!(
        bots.webhook("/bot/telegram/webhook", header, body).await,
        404
    );
    assert!(bots.api.take().is_empty());
}

#[tokio::test]
async fn an_expired_code_is_neither_handed_out_nor_accepted() {
    let bots = spawn_bots(|env| {
        env.insert("BOT_AUTH_CODE_TTL_SECONDS".into(), "1".into());
    })
    .await;
    let id = bots.session("late").await;
    let code = telegram_login(&bots, &id).await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(bots.poll(&id).await, json!({ "status": "expired" }));
    let (status, body) = bots.post("/v1/auth/verify", json!({ "code": code })).await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (400, Some("Invalid or expired code"))
    );
    assert_eq!(
        error_code(&bots.verify(&code).await),
        Some("BAD_USER_INPUT")
    );
}

#[tokio::test]
async fn forged_session_ids_and_states_get_no_login() {
    let bots = spawn_bots(|_| {}).await;
    let invalid = "This login link is invalid or has expired. Open a new one on the website.";
    // Unknown (well-formed) and malformed session ids, a wrong static slug.
    for payload in [
        "auths_AAAAAAAAAAAAAAAA",
        "auths_../../etc",
        "auth_other-app",
        "auths_",
    ] {
        let calls = bots.telegram_start(payload).await;
        let sent = only_telegram_call(&calls, "sendMessage");
        assert_eq!(sent["text"], invalid, "{payload}");
        assert!(sent["reply_markup"].is_null(), "{payload}: no buttons");
    }
    let calls = bots.telegram_press("login:AAAAAAAAAAAAAAAA").await;
    assert!(only_telegram_call(&calls, "sendMessage")["reply_markup"].is_null());

    // A session opened by one account cannot be completed or cancelled by another.
    let id = bots.session("victim-browser").await;
    bots.telegram_start(&format!("auths_{id}")).await;
    let intruder = 6_000_000_001;
    for data in [format!("login:{id}"), format!("cancel:{id}")] {
        let update = fixture("telegram_callback_query.json", &[("__DATA__", &data)]);
        bots.telegram(as_telegram_user(update, intruder)).await;
        let calls = bots.api.take();
        let sent = only_telegram_call(&calls, "sendMessage");
        assert_eq!(
            sent["text"],
            "This login link was opened from another account."
        );
    }
    let update = fixture(
        "telegram_start.json",
        &[("__PAYLOAD__", &format!("auths_{id}"))],
    );
    bots.telegram(as_telegram_user(update, intruder)).await;
    assert!(only_telegram_call(&bots.api.take(), "sendMessage")["reply_markup"].is_null());
    assert_eq!(bots.poll(&id).await, json!({ "status": "pending" }));

    // `state` is the creator's, bounded; verify takes nothing but the code.
    let (status, body) = bots
        .post("/v1/auth/session", json!({ "state": "x".repeat(513) }))
        .await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (400, Some("must be at most 512 characters"))
    );
    let code = telegram_login(&bots, &id).await;
    let (status, body) = bots
        .post(
            "/v1/auth/verify",
            json!({ "code": code, "state": "attacker" }),
        )
        .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("victim-browser"))
    );
    let (status, body) = bots.get("/v1/auth/session/AAAAAAAAAAAAAAAA/status").await;
    assert_eq!(
        (status, body),
        (404, json!({ "detail": "Session not found" }))
    );
    let (status, _) = bots.post("/v1/auth/verify", json!({})).await;
    assert_eq!(status, 422, "a body without code");
}

#[tokio::test]
async fn the_same_telegram_user_logging_in_twice_has_one_account() {
    let bots = spawn_bots(|_| {}).await;
    // The account exists already, from a Mini App login with the same Telegram id.
    let (_, body) = bots
        .app
        .graphql(
            "mutation($d: String!) { authenticateTelegram(initData: $d) { user { id } } }",
            json!({ "d": quick_init_data(TG_USER, "John") }),
            None,
        )
        .await;
    let mini_app_user = body["data"]["authenticateTelegram"]["user"]["id"].clone();
    assert!(mini_app_user.is_string(), "{body}");

    let mut seen = Vec::new();
    for state in ["a", "b"] {
        let id = bots.session(state).await;
        let code = telegram_login(&bots, &id).await;
        let body = bots.verify(&code).await;
        let result = &body["data"]["verifyBotAuthCode"];
        seen.push((
            result["tokens"]["user"]["id"].clone(),
            result["subscriberId"].clone(),
        ));
    }
    assert_eq!(seen[0], seen[1], "one account, one subscription");
    assert_eq!(seen[0].0, mini_app_user, "linked to the Mini App account");
}

#[tokio::test]
async fn pressing_login_again_resends_the_same_code() {
    let bots = spawn_bots(|_| {}).await;
    let id = bots.session("again").await;
    let first = telegram_login(&bots, &id).await;
    let calls = bots.telegram_press(&format!("login:{id}")).await;
    let sent = only_telegram_call(&calls, "sendMessage");
    let second = code_in(
        sent["reply_markup"]["inline_keyboard"][0][0]["url"]
            .as_str()
            .expect("url"),
    );
    assert_eq!(first, second);
    let (status, _) = bots.post("/v1/auth/verify", json!({ "code": first })).await;
    assert_eq!(status, 200);
    let calls = bots.telegram_press(&format!("login:{id}")).await;
    assert!(
        only_telegram_call(&calls, "sendMessage")["reply_markup"].is_null(),
        "a used code is not sent again"
    );
}
