//! Typed configuration read from environment variables (and `.env`, loaded by `main`).
//!
//! Every variable is documented in `.env.example`. Tests build their own [`Config`]
//! with [`Config::for_tests`]-style struct updates; nothing here is global.

use std::{net::SocketAddr, str::FromStr, time::Duration};

use secrecy::{ExposeSecret, SecretString};

mod bots;
mod env;
mod rest;
mod s3;
#[cfg(test)]
mod tests;

pub use bots::BotConfig;
use env::{http_url, otlp_traces_endpoint, Env};
pub use rest::RestConfig;
pub use s3::S3Config;

/// Telegram's production Ed25519 key for third-party initData validation.
pub const TELEGRAM_PRODUCTION_PUBLIC_KEY: &str =
    "e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d";
/// Telegram's test-environment Ed25519 key.
pub const TELEGRAM_TEST_PUBLIC_KEY: &str =
    "40055058a4ee38156a06562e52eece92a771bcd8346a8c4615cb7376eddf72ec";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is required (see .env.example)")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// The whole service configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: Postgres connection string; the database is created if missing.
    pub database_url: SecretString,
    /// `DATABASE_MAX_CONNECTIONS`: pool size per process.
    pub database_max_connections: u32,
    /// `REDIS_URL`: optional; without it events stay inside this process.
    pub redis_url: Option<SecretString>,
    /// `REDIS_KEY_PREFIX`: prefix of every Redis key and channel (lets tests and
    /// several deployments share one Redis).
    pub redis_key_prefix: String,
    /// `REDIS_COMMAND_TIMEOUT_MS`: longest wait for one Redis command (or connection
    /// attempt); past it the caller goes on without Redis.
    pub redis_command_timeout: Duration,
    /// `REDIS_PUBLISH_QUEUE`: events waiting to be published; past it new events are
    /// dropped (counted and logged; subscribers resynchronise from Postgres).
    pub redis_publish_queue: usize,
    /// `METRICS_ENABLED`: serve `GET /metrics` (Prometheus text).
    pub metrics_enabled: bool,
    /// `METRICS_ADDR`: serve `GET /metrics` on this address only (not on `BIND_ADDR`),
    /// e.g. `127.0.0.1:9100` for a scraper on the same host or network.
    pub metrics_addr: Option<SocketAddr>,
    /// `BIND_ADDR`: where the HTTP server listens.
    pub bind_addr: SocketAddr,
    /// `JWT_SECRET`: HS256 key for access and refresh tokens (≥ 32 bytes).
    pub jwt_secret: SecretString,
    /// `ACCESS_TOKEN_TTL_SECONDS`.
    pub access_token_ttl: Duration,
    /// `AUTH_STATE_CACHE_MS`: how long an instance keeps an access token's revocation
    /// state; revocations reach other instances at once through Redis, so this bounds
    /// how long one is missed when Redis is down. `0`: Postgres on every request.
    pub auth_state_cache: Duration,
    /// `REFRESH_TOKEN_TTL_SECONDS`.
    pub refresh_token_ttl: Duration,
    pub telegram: TelegramConfig,
    pub graphql: GraphqlLimits,
    pub accounts: AccountsConfig,
    /// `FRONTEND_URL`: base of links the server hands out (invite links, e-mail links).
    pub frontend_url: String,
    /// `MAX_REQUEST_BODY_BYTES`: largest accepted request body.
    pub max_request_body_bytes: usize,
    /// `CORS_ALLOWED_ORIGINS`: comma-separated origins, or `*`.
    pub cors_allowed_origins: Vec<String>,
    /// `SHUTDOWN_GRACE_SECONDS`: how long shutdown waits for in-flight work.
    pub shutdown_grace: Duration,
    /// `LOG_FORMAT`: `text` or `json`.
    pub log_json: bool,
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT`
    /// (`/v1/traces` appended): export trace spans over OTLP/HTTP (protobuf); unset, no
    /// export.
    pub otlp_traces_endpoint: Option<url::Url>,
    /// `OTEL_SERVICE_NAME`: the `service.name` of exported spans.
    pub otel_service_name: String,
    /// `S3_*`: file storage for media; `None` (no `S3_ENDPOINT`) turns uploads off.
    pub s3: Option<S3Config>,
    /// `BOT_AUTH_*`, `TELEGRAM_BOT_API_URL`, `TELEGRAM_WEBHOOK_SECRET`, `MAX_*`: bot login.
    pub bots: BotConfig,
    /// `API__DEBUG`, `TRUSTED_PROXIES`, `*_RATE_LIMIT_PER_MINUTE`: the REST shims.
    pub rest: RestConfig,
}

/// Telegram bot and initData settings.
#[derive(Clone, Debug)]
pub struct TelegramConfig {
    /// `TELEGRAM_BOT_TOKEN`: validates initData `hash` (HMAC-SHA256).
    pub bot_token: Option<SecretString>,
    /// `TELEGRAM_BOT_USERNAME`: used in bot login links.
    pub bot_username: Option<String>,
    /// `TELEGRAM_BOT_ID`: for Ed25519 `signature` checks; defaults to the token's prefix.
    pub bot_id: Option<i64>,
    /// `TELEGRAM_PUBLIC_KEY`: hex Ed25519 key; `TELEGRAM_TEST_ENV=true` picks the test key.
    pub public_key_hex: String,
    /// `INIT_DATA_MAX_AGE_SECONDS`: 0 turns the age check off.
    pub init_data_max_age: Option<Duration>,
}

impl TelegramConfig {
    /// The bot id used for Ed25519 checks: explicit, or the numeric prefix of the token.
    pub fn effective_bot_id(&self) -> Option<i64> {
        self.bot_id.or_else(|| {
            let token = self.bot_token.as_ref()?;
            token.expose_secret().split(':').next()?.parse().ok()
        })
    }
}

/// E-mail accounts: mail delivery, token lifetimes, auth rate limits.
#[derive(Clone, Debug)]
pub struct AccountsConfig {
    /// `SMTP_URL`, e.g. `smtp://user:pass@mail.example.com:587` (STARTTLS),
    /// `smtps://…:465`, or `smtp://127.0.0.1:1025` (plain, local). Unset: mail is logged.
    pub smtp_url: Option<SecretString>,
    /// `MAIL_FROM`: the sender of account mail.
    pub mail_from: String,
    /// `APP_NAME`: the issuer shown by authenticator apps and in mail subjects.
    pub app_name: String,
    /// `EMAIL_VERIFY_TOKEN_TTL_SECONDS`.
    pub verify_token_ttl: Duration,
    /// `PASSWORD_RESET_TOKEN_TTL_SECONDS`.
    pub reset_token_ttl: Duration,
    /// `REQUIRE_VERIFIED_EMAIL`: refuse password logins until the address is verified.
    pub require_verified_email: bool,
    pub limits: RateLimits,
}

/// Requests per minute per client (messenger-rest-api.md §12).
#[derive(Clone, Copy, Debug)]
pub struct RateLimits {
    /// `LOGIN_RATE_LIMIT_PER_MINUTE`.
    pub login_per_minute: u32,
    /// `LOGIN_LOCKOUT_AFTER_FAILURES`: failed logins of one account (any IP) after which
    /// it is locked out for a doubling back-off (0: never).
    pub login_lockout_failures: u32,
    /// `REGISTER_RATE_LIMIT_PER_MINUTE`.
    pub register_per_minute: u32,
    /// `REFRESH_RATE_LIMIT_PER_MINUTE`.
    pub refresh_per_minute: u32,
    /// `RESET_RATE_LIMIT_PER_MINUTE`: password reset and verification resend.
    pub reset_per_minute: u32,
    /// `MESSAGE_RATE_LIMIT_PER_MINUTE`: messages one user may send per minute.
    pub message_per_minute: u32,
    /// `DUPLICATE_MESSAGE_COOLDOWN_SECONDS`: the same text to the same chat again within
    /// this time is refused (0: off).
    pub duplicate_message_cooldown: u32,
}

/// Abuse limits applied to every GraphQL operation (HTTP and WebSocket).
#[derive(Clone, Debug)]
pub struct GraphqlLimits {
    /// `GRAPHQL_MAX_DEPTH`.
    pub max_depth: usize,
    /// `GRAPHQL_MAX_COMPLEXITY`: list fields multiply their children by `first`/`last`.
    pub max_complexity: usize,
    /// `GRAPHQL_MAX_QUERY_BYTES`: longest document text parsed at all.
    pub max_query_bytes: usize,
    /// `GRAPHQL_MAX_SELECTIONS`: fields selected once fragments are expanded.
    pub max_selections: usize,
    /// `GRAPHQL_MAX_ALIASES`.
    pub max_aliases: usize,
    /// `GRAPHQL_MAX_ROOT_FIELDS`.
    pub max_root_fields: usize,
    /// `GRAPHQL_MAX_BATCH_SIZE`: operations in one batched HTTP request.
    pub max_batch_size: usize,
    /// `GRAPHQL_INTROSPECTION`: `false` refuses `__schema` / `__type`.
    pub introspection: bool,
    /// `GRAPHQL_SUGGESTIONS`: "Did you mean …" in validation errors; off by default
    /// whenever introspection is off (they would name the schema's fields).
    pub suggestions: bool,
    /// `GRAPHQL_GRAPHIQL`: serves GraphiQL to browsers on `GET /graphql`.
    pub graphiql: bool,
    /// `GRAPHQL_WS_KEEPALIVE_SECONDS`: server pings on idle sockets.
    pub ws_keepalive: Duration,
    /// `GRAPHQL_WS_INIT_TIMEOUT_SECONDS`: time a socket has to send `connection_init`.
    pub ws_init_timeout: Duration,
    /// `GRAPHQL_WS_MAX_OPERATIONS`: operations one socket may run at once.
    pub ws_max_operations: usize,
    /// `WS_MAX_SOCKETS`: WebSockets one instance holds at most (refused with 1013).
    pub ws_max_sockets: usize,
    /// `WS_MAX_SOCKETS_PER_IP`: WebSockets from one client IP (refused with 4429).
    pub ws_max_sockets_per_ip: usize,
    /// `WS_MAX_SUBSCRIPTIONS`: subscriptions running on one instance at most.
    pub ws_max_subscriptions: usize,
    /// `WS_SEND_QUEUE`: frames queued for one socket; a socket that falls this far
    /// behind is closed with 4429.
    pub ws_send_queue: usize,
    /// `GRAPHQL_RATE_LIMIT_PER_MINUTE`: operations (HTTP and WebSocket subscriptions)
    /// one user, or one IP for anonymous callers, may start per minute (0: no limit).
    pub operations_per_minute: u32,
}

impl Default for GraphqlLimits {
    fn default() -> Self {
        Self {
            max_depth: 15,
            max_complexity: 5_000,
            max_query_bytes: 100_000,
            max_selections: 2_000,
            max_aliases: 30,
            max_root_fields: 20,
            max_batch_size: 10,
            introspection: true,
            suggestions: true,
            graphiql: true,
            ws_keepalive: Duration::from_secs(15),
            ws_init_timeout: Duration::from_secs(10),
            ws_max_operations: 100,
            ws_max_sockets: 20_000,
            ws_max_sockets_per_ip: 500,
            ws_max_subscriptions: 100_000,
            ws_send_queue: 256,
            operations_per_minute: 0,
        }
    }
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&lookup);
        let jwt_secret = env.required("JWT_SECRET")?;
        if jwt_secret.len() < 32 {
            return Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                reason: "must be at least 32 bytes".into(),
            });
        }
        Ok(Self {
            database_url: env.required("DATABASE_URL")?.into(),
            database_max_connections: env.parse("DATABASE_MAX_CONNECTIONS", 10)?,
            redis_url: env.optional("REDIS_URL").map(Into::into),
            redis_key_prefix: env.string("REDIS_KEY_PREFIX", "mg:"),
            redis_command_timeout: Duration::from_millis(
                env.parse("REDIS_COMMAND_TIMEOUT_MS", 250)?,
            ),
            redis_publish_queue: env.parse("REDIS_PUBLISH_QUEUE", 10_000)?,
            metrics_enabled: env.parse("METRICS_ENABLED", true)?,
            metrics_addr: env.optional_parse("METRICS_ADDR")?,
            bind_addr: env.parse("BIND_ADDR", SocketAddr::from(([0, 0, 0, 0], 8000)))?,
            jwt_secret: jwt_secret.into(),
            access_token_ttl: Duration::from_secs(env.parse("ACCESS_TOKEN_TTL_SECONDS", 900)?),
            auth_state_cache: Duration::from_millis(env.parse("AUTH_STATE_CACHE_MS", 2_000)?),
            refresh_token_ttl: Duration::from_secs(
                env.parse("REFRESH_TOKEN_TTL_SECONDS", 30 * 86_400)?,
            ),
            telegram: TelegramConfig::from_env(&env)?,
            graphql: GraphqlLimits::from_env(&env)?,
            accounts: AccountsConfig::from_env(&env)?,
            frontend_url: env.string("FRONTEND_URL", "http://localhost:3000"),
            max_request_body_bytes: env.parse("MAX_REQUEST_BODY_BYTES", 1024 * 1024)?,
            cors_allowed_origins: env
                .string("CORS_ALLOWED_ORIGINS", "*")
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            shutdown_grace: Duration::from_secs(env.parse("SHUTDOWN_GRACE_SECONDS", 30)?),
            log_json: env
                .string("LOG_FORMAT", "text")
                .eq_ignore_ascii_case("json"),
            otlp_traces_endpoint: otlp_traces_endpoint(&env)?,
            otel_service_name: env.string("OTEL_SERVICE_NAME", "messenger-gateway"),
            s3: S3Config::from_env(&env)?,
            bots: BotConfig::from_env(&env)?,
            rest: RestConfig::from_env(&env)?,
        })
    }
}

impl TelegramConfig {
    fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<'_, F>) -> Result<Self, ConfigError> {
        let test_env = env.parse("TELEGRAM_TEST_ENV", false)?;
        let default_key = if test_env {
            TELEGRAM_TEST_PUBLIC_KEY
        } else {
            TELEGRAM_PRODUCTION_PUBLIC_KEY
        };
        let public_key_hex = env.string("TELEGRAM_PUBLIC_KEY", default_key);
        if hex::decode(&public_key_hex).map(|k| k.len()) != Ok(32) {
            return Err(ConfigError::Invalid {
                name: "TELEGRAM_PUBLIC_KEY",
                reason: "must be 64 hex characters".into(),
            });
        }
        let max_age: u64 = env.parse("INIT_DATA_MAX_AGE_SECONDS", 86_400)?;
        Ok(Self {
            bot_token: env.optional("TELEGRAM_BOT_TOKEN").map(Into::into),
            bot_username: env.optional("TELEGRAM_BOT_USERNAME"),
            bot_id: env.optional_parse("TELEGRAM_BOT_ID")?,
            public_key_hex,
            init_data_max_age: (max_age > 0).then(|| Duration::from_secs(max_age)),
        })
    }
}

impl GraphqlLimits {
    fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<'_, F>) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let introspection = env.parse("GRAPHQL_INTROSPECTION", defaults.introspection)?;
        Ok(Self {
            max_depth: env.parse("GRAPHQL_MAX_DEPTH", defaults.max_depth)?,
            max_complexity: env.parse("GRAPHQL_MAX_COMPLEXITY", defaults.max_complexity)?,
            max_query_bytes: env.parse("GRAPHQL_MAX_QUERY_BYTES", defaults.max_query_bytes)?,
            max_selections: env.parse("GRAPHQL_MAX_SELECTIONS", defaults.max_selections)?,
            max_aliases: env.parse("GRAPHQL_MAX_ALIASES", defaults.max_aliases)?,
            max_root_fields: env.parse("GRAPHQL_MAX_ROOT_FIELDS", defaults.max_root_fields)?,
            max_batch_size: env.parse("GRAPHQL_MAX_BATCH_SIZE", defaults.max_batch_size)?,
            introspection,
            suggestions: env.parse("GRAPHQL_SUGGESTIONS", introspection)?,
            graphiql: env.parse("GRAPHQL_GRAPHIQL", defaults.graphiql)?,
            ws_keepalive: Duration::from_secs(env.parse("GRAPHQL_WS_KEEPALIVE_SECONDS", 15)?),
            ws_init_timeout: Duration::from_secs(env.parse("GRAPHQL_WS_INIT_TIMEOUT_SECONDS", 10)?),
            ws_max_operations: env
                .parse("GRAPHQL_WS_MAX_OPERATIONS", defaults.ws_max_operations)?,
            ws_max_sockets: env.parse("WS_MAX_SOCKETS", defaults.ws_max_sockets)?,
            ws_max_sockets_per_ip: env
                .parse("WS_MAX_SOCKETS_PER_IP", defaults.ws_max_sockets_per_ip)?,
            ws_max_subscriptions: env
                .parse("WS_MAX_SUBSCRIPTIONS", defaults.ws_max_subscriptions)?,
            ws_send_queue: env.parse("WS_SEND_QUEUE", defaults.ws_send_queue)?,
            operations_per_minute: env.parse(
                "GRAPHQL_RATE_LIMIT_PER_MINUTE",
                defaults.operations_per_minute,
            )?,
        })
    }
}

impl AccountsConfig {
    fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<'_, F>) -> Result<Self, ConfigError> {
        Ok(Self {
            smtp_url: env.optional("SMTP_URL").map(Into::into),
            mail_from: env.string("MAIL_FROM", "messenger-gateway <no-reply@localhost>"),
            app_name: env.string("APP_NAME", "messenger-gateway"),
            verify_token_ttl: Duration::from_secs(
                env.parse("EMAIL_VERIFY_TOKEN_TTL_SECONDS", 86_400)?,
            ),
            reset_token_ttl: Duration::from_secs(
                env.parse("PASSWORD_RESET_TOKEN_TTL_SECONDS", 3_600)?,
            ),
            require_verified_email: env.parse("REQUIRE_VERIFIED_EMAIL", true)?,
            limits: RateLimits {
                login_per_minute: env.parse("LOGIN_RATE_LIMIT_PER_MINUTE", 10)?,
                login_lockout_failures: env.parse("LOGIN_LOCKOUT_AFTER_FAILURES", 5)?,
                register_per_minute: env.parse("REGISTER_RATE_LIMIT_PER_MINUTE", 5)?,
                refresh_per_minute: env.parse("REFRESH_RATE_LIMIT_PER_MINUTE", 30)?,
                reset_per_minute: env.parse("RESET_RATE_LIMIT_PER_MINUTE", 5)?,
                message_per_minute: env.parse("MESSAGE_RATE_LIMIT_PER_MINUTE", 120)?,
                duplicate_message_cooldown: env.parse("DUPLICATE_MESSAGE_COOLDOWN_SECONDS", 0)?,
            },
        })
    }
}
