//! Typed configuration read from environment variables (and `.env`, loaded by `main`).
//!
//! Two steps. Clap collects the variables as text: each section declares its own
//! `#[derive(clap::Args)]` struct (`RawTelegram`, `RawS3`, …) whose fields are
//! `#[arg(env = "NAME", default_value = …)]`, flattened into `raw::RawConfig`. Then a
//! validation step (`validate` on each raw struct) parses and checks the text into the
//! typed [`Config`], naming the variable in every error. Every variable is documented in
//! `.env.example`. Tests build their own [`Config`] with [`Config::from_lookup`] or
//! struct updates; nothing here is global.

use std::{net::SocketAddr, time::Duration};

use secrecy::{ExposeSecret, SecretString};

mod accounts;
mod bots;
mod env;
mod graphql;
mod raw;
mod rest;
mod s3;
mod telegram;
#[cfg(test)]
mod tests;

pub use accounts::{AccountsConfig, RateLimits};
pub use bots::BotConfig;
use env::{http_url, parse, parse_optional, required};
pub use graphql::GraphqlLimits;
pub use rest::RestConfig;
pub use s3::S3Config;
pub use telegram::TelegramConfig;

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

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests):
    /// clap collects the declared variables (see [`env::parse_raw`]), then the
    /// validation step checks them.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        env::parse_raw::<raw::RawConfig>(lookup)?.validate()
    }
}
