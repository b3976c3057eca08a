//! `spawn_app()`: the real server on 127.0.0.1:0 with its own database and Redis key
//! prefix, plus small clients for GraphQL over HTTP and the Node tools in `tests/js`.
//! `spawn_app_with_clock()` runs it on a [`TestClock`] the test moves forward. The
//! submodules hold what tests share: WebSocket clients ([`ws`]), bounded waits
//! ([`wait`]), chats to start from ([`chats`]), and local processes and servers
//! ([`process`], [`redis_server`], [`smtp`], [`s3`], [`fake_bot_api`]).

pub mod chats;
pub mod fake_bot_api;
pub mod process;
pub mod redis_server;
pub mod s3;
pub mod smtp;
pub mod wait;
pub mod ws;

use std::{
    collections::HashMap,
    net::SocketAddr,
    path::PathBuf,
    process::Command,
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use messenger_gateway::{
    app::Application,
    config::Config,
    domain::{Clock, SystemClock},
};
use serde_json::{json, Value};
use tokio::{sync::oneshot, task::JoinHandle};

pub const BOT_TOKEN: &str = "7000000001:AAtest-bot-token-for-the-suite";

pub fn admin_database_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into())
}

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn database_url(name: &str) -> String {
    let admin = admin_database_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}

/// The environment every test app starts from; tests override entries.
pub fn base_env(db_name: &str) -> HashMap<String, String> {
    let prefix = format!("mgtest:{}:", uuid::Uuid::new_v4().simple());
    [
        ("DATABASE_URL", database_url(db_name)),
        ("DATABASE_MAX_CONNECTIONS", "5".into()),
        ("REDIS_URL", redis_url()),
        ("REDIS_KEY_PREFIX", prefix),
        ("BIND_ADDR", "127.0.0.1:0".into()),
        (
            "JWT_SECRET",
            format!("test-secret-{}", uuid::Uuid::new_v4().simple()),
        ),
        ("TELEGRAM_BOT_TOKEN", BOT_TOKEN.into()),
        ("INIT_DATA_MAX_AGE_SECONDS", "3600".into()),
        ("SHUTDOWN_GRACE_SECONDS", "5".into()),
        // Statement counts must not depend on timing; `auth::token_states` turns it on.
        ("AUTH_STATE_CACHE_MS", "0".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

pub fn new_db_name() -> String {
    format!("mg_test_{}", uuid::Uuid::new_v4().simple())
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// Where `/metrics` is served when `METRICS_ADDR` is set.
    pub metrics_addr: Option<SocketAddr>,
    /// The app's database handle: its statement counter backs the N+1 tests.
    pub db: messenger_gateway::db::Db,
    pub bus: messenger_gateway::realtime::EventBus,
    /// Shared subscription payloads: how many the app rendered.
    pub fanout: Arc<messenger_gateway::graphql::Fanout>,
    /// Removed on drop unless another app shares it.
    owns_db: bool,
    /// The environment the app was configured from (siblings reuse it).
    pub env: HashMap<String, String>,
    pub http: reqwest::Client,
    pub db_name: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns with the base environment changed by `edit` (remove a key to unset it).
pub async fn spawn_app_with(edit: impl FnOnce(&mut HashMap<String, String>)) -> TestApp {
    let db_name = new_db_name();
    let mut env = base_env(&db_name);
    edit(&mut env);
    spawn_from_env(db_name, env, true).await
}

/// The app's clock in tests: the system time plus an offset that only the test moves
/// (forward), so expiry decided by the domain clock needs no waiting. `freeze` holds it
/// still (e.g. inside one fixed rate-limit window, however slowly the machine runs).
#[derive(Clone, Default)]
pub struct TestClock {
    offset_ms: Arc<AtomicI64>,
    /// When set, the instant (Unix ms, before the offset) the clock is held at.
    frozen_at_ms: Arc<Mutex<Option<i64>>>,
}

impl TestClock {
    /// Moves the app's "now" forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).expect("a test-sized duration");
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Holds the app's "now" where it is; only [`advance`](Self::advance) moves it then.
    pub fn freeze(&self) {
        let mut frozen = self.frozen_at_ms.lock().expect("clock lock");
        frozen.get_or_insert_with(|| chrono::Utc::now().timestamp_millis());
    }
}

impl Clock for TestClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let frozen = *self.frozen_at_ms.lock().expect("clock lock");
        let base = frozen
            .and_then(chrono::DateTime::from_timestamp_millis)
            .unwrap_or_else(chrono::Utc::now);
        base + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

/// Like [`spawn_app_with`], on a [`TestClock`] the test advances (it decides JWT expiry
/// too; a socket's close at expiry still runs on tokio's timers).
pub async fn spawn_app_with_clock(
    edit: impl FnOnce(&mut HashMap<String, String>),
) -> (TestApp, TestClock) {
    let db_name = new_db_name();
    let mut env = base_env(&db_name);
    edit(&mut env);
    let clock = TestClock::default();
    let app = spawn_from_env_on(db_name, env, true, Arc::new(clock.clone())).await;
    (app, clock)
}

/// A second instance of `first`'s deployment: same database, Redis and key prefix.
pub async fn spawn_sibling(first: &TestApp) -> TestApp {
    spawn_from_env(first.db_name.clone(), first.env.clone(), false).await
}

pub async fn spawn_from_env(
    db_name: String,
    env: HashMap<String, String>,
    owns_db: bool,
) -> TestApp {
    spawn_from_env_on(db_name, env, owns_db, Arc::new(SystemClock)).await
}

async fn spawn_from_env_on(
    db_name: String,
    env: HashMap<String, String>,
    owns_db: bool,
    clock: Arc<dyn Clock>,
) -> TestApp {
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("test config");
    let saved_env = env.clone();
    let app = Application::build_with_clock(config, clock)
        .await
        .expect("app builds");
    let addr = app.local_addr();
    let metrics_addr = app.metrics_addr();
    let db = app.db();
    let bus = app.bus();
    let fanout = app.fanout();
    let (tx, rx) = oneshot::channel();
    let server = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        metrics_addr,
        db,
        bus,
        fanout,
        owns_db,
        env: saved_env,
        http: reqwest::Client::new(),
        db_name,
        shutdown: Some(tx),
        server: Some(server),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/graphql", self.addr)
    }

    /// POSTs a GraphQL operation; returns status and body.
    pub async fn graphql(&self, query: &str, variables: Value, auth: Option<&str>) -> (u16, Value) {
        let mut request = self
            .http
            .post(self.url("/graphql"))
            .header("content-type", "application/json")
            .header(
                "accept",
                "application/graphql-response+json, application/json;q=0.9",
            )
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.server.take() {
            Some(server) => tokio::time::timeout(Duration::from_secs(10), server)
                .await
                .expect("server stops within 10 s")
                .expect("server task did not panic"),
            None => Ok(()),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if self.owns_db {
            drop_database(&self.db_name);
        }
    }
}

/// Best-effort removal of a test database (on a thread: Drop cannot await).
pub fn drop_database(name: &str) {
    let statement = format!("drop database if exists \"{name}\" with (force)");
    let url = admin_database_url();
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime
            .block_on(async {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&url).await?;
                sqlx::raw_sql(&statement).execute(&mut conn).await?;
                Ok::<_, sqlx::Error>(())
            })
            .map_err(std::io::Error::other)
    })
    .join();
}

pub fn js_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/js")
}

pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// Signs initData with the independent `@telegram-apps/init-data-node` package.
pub fn sign_init_data(bot_token: &str, auth_date: i64, data: Value) -> String {
    let input = json!({ "botToken": bot_token, "authDate": auth_date, "data": data });
    let output = Command::new("node")
        .arg(js_dir().join("sign-init-data.mjs"))
        .arg(input.to_string())
        .output()
        .expect("node runs (bash scripts/test.sh installs tests/js)");
    assert!(
        output.status.success(),
        "signer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

/// initData for a Telegram user, signed for the suite's bot, dated now.
pub fn telegram_user_init_data(telegram_id: i64, first_name: &str) -> String {
    sign_init_data(
        BOT_TOKEN,
        now_unix(),
        json!({
            "user": {
                "id": telegram_id,
                "first_name": first_name,
                "last_name": "Tester",
                "username": format!("tg{telegram_id}"),
                "language_code": "en",
                "is_premium": true,
            },
            "chat_instance": "-8134722200314281151",
            "chat_type": "private",
            "start_param": "ref42",
            "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        }),
    )
}

/// A Telegram id no other test uses (ids above 2^32 on purpose).
pub fn unique_telegram_id() -> i64 {
    5_000_000_000 + i64::from(uuid::Uuid::new_v4().as_fields().0 % 1_000_000_000)
}

/// Signs a user in through `authenticateTelegram`; returns (access token, user id).
pub async fn sign_in(app: &TestApp, telegram_id: i64, first_name: &str) -> (String, String) {
    let init_data = telegram_user_init_data(telegram_id, first_name);
    let (status, body) = app
        .graphql(
            "mutation($d: String!) { authenticateTelegram(initData: $d) { accessToken user { id } } }",
            json!({ "d": init_data }),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let payload = &body["data"]["authenticateTelegram"];
    (
        payload["accessToken"].as_str().expect("token").to_owned(),
        payload["user"]["id"].as_str().expect("id").to_owned(),
    )
}

/// Runs an operation as `token` and returns `data`, failing the test on any error.
pub async fn gql(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let (status, body) = app
        .graphql(query, variables, Some(&format!("Bearer {token}")))
        .await;
    assert!(status == 200 && body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

/// Runs an operation as `token` that must fail; returns the error code.
pub async fn gql_error(app: &TestApp, token: &str, query: &str, variables: Value) -> String {
    let (_, body) = app
        .graphql(query, variables, Some(&format!("Bearer {token}")))
        .await;
    error_code(&body)
        .unwrap_or_else(|| panic!("{query} must fail: {body}"))
        .to_owned()
}

/// Signs initData in-process (same algorithm as Telegram), for tests that need many
/// users quickly; the independent Node signer covers correctness in `auth.rs`.
pub fn quick_init_data(telegram_id: i64, first_name: &str) -> String {
    use hmac::{digest::KeyInit, Mac};
    type HmacSha256 = hmac::Hmac<sha2::Sha256>;
    let user = json!({ "id": telegram_id, "first_name": first_name, "username": format!("tg{telegram_id}") });
    let mut pairs = vec![
        ("auth_date".to_owned(), now_unix().to_string()),
        ("user".to_owned(), user.to_string()),
    ];
    pairs.sort();
    let check = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut secret = <HmacSha256 as KeyInit>::new_from_slice(b"WebAppData").expect("key");
    secret.update(BOT_TOKEN.as_bytes());
    let secret = secret.finalize().into_bytes();
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&secret).expect("key");
    mac.update(check.as_bytes());
    let hash = hex::encode(mac.finalize().into_bytes());
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        query.append_pair(k, v);
    }
    query.append_pair("hash", &hash);
    query.finish()
}

/// A new Telegram user signed in with [`quick_init_data`]: (token, user id).
pub async fn quick_user(app: &TestApp, first_name: &str) -> (String, String) {
    let init_data = quick_init_data(unique_telegram_id(), first_name);
    let (status, body) = app
        .graphql(
            "mutation($d: String!) { authenticateTelegram(initData: $d) { accessToken user { id } } }",
            json!({ "d": init_data }),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let payload = &body["data"]["authenticateTelegram"];
    (
        payload["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"))
            .to_owned(),
        payload["user"]["id"].as_str().expect("id").to_owned(),
    )
}

pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}
