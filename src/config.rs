//! Typed configuration read from environment variables (and `.env`, loaded by `main`).
//!
//! Every variable is documented in `.env.example`. Tests build their own [`Config`]
//! with [`Config::for_tests`]-style struct updates; nothing here is global.

use std::{net::SocketAddr, str::FromStr, time::Duration};

use secrecy::{ExposeSecret, SecretString};

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
        let defaults = GraphqlLimits::default();
        let jwt_secret = env.required("JWT_SECRET")?;
        if jwt_secret.len() < 32 {
            return Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                reason: "must be at least 32 bytes".into(),
            });
        }
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
            refresh_token_ttl: Duration::from_secs(
                env.parse("REFRESH_TOKEN_TTL_SECONDS", 30 * 86_400)?,
            ),
            telegram: TelegramConfig {
                bot_token: env.optional("TELEGRAM_BOT_TOKEN").map(Into::into),
                bot_username: env.optional("TELEGRAM_BOT_USERNAME"),
                bot_id: env.optional_parse("TELEGRAM_BOT_ID")?,
                public_key_hex,
                init_data_max_age: (max_age > 0).then(|| Duration::from_secs(max_age)),
            },
            graphql: {
                let introspection = env.parse("GRAPHQL_INTROSPECTION", defaults.introspection)?;
                GraphqlLimits {
                    max_depth: env.parse("GRAPHQL_MAX_DEPTH", defaults.max_depth)?,
                    max_complexity: env.parse("GRAPHQL_MAX_COMPLEXITY", defaults.max_complexity)?,
                    max_query_bytes: env
                        .parse("GRAPHQL_MAX_QUERY_BYTES", defaults.max_query_bytes)?,
                    max_selections: env.parse("GRAPHQL_MAX_SELECTIONS", defaults.max_selections)?,
                    max_aliases: env.parse("GRAPHQL_MAX_ALIASES", defaults.max_aliases)?,
                    max_root_fields: env
                        .parse("GRAPHQL_MAX_ROOT_FIELDS", defaults.max_root_fields)?,
                    max_batch_size: env.parse("GRAPHQL_MAX_BATCH_SIZE", defaults.max_batch_size)?,
                    introspection,
                    suggestions: env.parse("GRAPHQL_SUGGESTIONS", introspection)?,
                    graphiql: env.parse("GRAPHQL_GRAPHIQL", defaults.graphiql)?,
                    ws_keepalive: Duration::from_secs(
                        env.parse("GRAPHQL_WS_KEEPALIVE_SECONDS", 15)?,
                    ),
                    ws_init_timeout: Duration::from_secs(
                        env.parse("GRAPHQL_WS_INIT_TIMEOUT_SECONDS", 10)?,
                    ),
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
                }
            },
            accounts: AccountsConfig {
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
                    duplicate_message_cooldown: env
                        .parse("DUPLICATE_MESSAGE_COOLDOWN_SECONDS", 0)?,
                },
            },
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

/// The S3 bucket (AWS, MinIO, …) that media uploads go to (messenger-rest-api.md §9).
#[derive(Clone, Debug)]
pub struct S3Config {
    /// `S3_ENDPOINT`: the S3 API base URL, e.g. `https://s3.eu-west-1.amazonaws.com`
    /// or `http://127.0.0.1:9000`.
    pub endpoint: url::Url,
    /// `S3_BUCKET`: required with `S3_ENDPOINT`.
    pub bucket: String,
    /// `S3_REGION`: the region signed into presigned URLs.
    pub region: String,
    /// `S3_ACCESS_KEY_ID`: required with `S3_ENDPOINT`.
    pub access_key_id: String,
    /// `S3_SECRET_ACCESS_KEY`: required with `S3_ENDPOINT`.
    pub secret_access_key: SecretString,
    /// `S3_PATH_STYLE`: `<endpoint>/<bucket>/<key>` URLs; `false` uses
    /// `<bucket>.<endpoint host>/<key>` (virtual-hosted style).
    pub path_style: bool,
    /// `S3_PUBLIC_URL`: base of the `fileUrl`s clients download from (a CDN, say);
    /// default: the bucket's own URL.
    pub public_url: Option<url::Url>,
    /// `S3_PRESIGN_TTL_SECONDS`: how long an upload URL stays valid.
    pub presign_ttl: Duration,
    /// `MAX_UPLOAD_SIZE_BYTES`: the largest file a client may upload (the seed's name).
    pub max_upload_size_bytes: u64,
}

impl S3Config {
    /// Largest accepted presign lifetime: S3 refuses more than 7 days.
    const MAX_PRESIGN_TTL_SECONDS: u64 = 7 * 86_400;
    /// Largest object one presigned PUT may create: 5 GiB.
    const MAX_SINGLE_UPLOAD_BYTES: u64 = 5 * 1024 * 1024 * 1024;

    fn from_env<F: Fn(&str) -> Option<String>>(
        env: &Env<'_, F>,
    ) -> Result<Option<Self>, ConfigError> {
        let Some(endpoint) = env.optional("S3_ENDPOINT") else {
            return Ok(None);
        };
        let endpoint = http_url("S3_ENDPOINT", &endpoint)?;
        let public_url = env
            .optional("S3_PUBLIC_URL")
            .map(|raw| http_url("S3_PUBLIC_URL", &raw))
            .transpose()?;
        let presign_ttl: u64 = env.parse("S3_PRESIGN_TTL_SECONDS", 900)?;
        if !(1..=Self::MAX_PRESIGN_TTL_SECONDS).contains(&presign_ttl) {
            return Err(ConfigError::Invalid {
                name: "S3_PRESIGN_TTL_SECONDS",
                reason: format!("must be between 1 and {}", Self::MAX_PRESIGN_TTL_SECONDS),
            });
        }
        let max_upload_size_bytes: u64 = env.parse("MAX_UPLOAD_SIZE_BYTES", 50 * 1024 * 1024)?;
        if !(1..=Self::MAX_SINGLE_UPLOAD_BYTES).contains(&max_upload_size_bytes) {
            return Err(ConfigError::Invalid {
                name: "MAX_UPLOAD_SIZE_BYTES",
                reason: format!(
                    "must be between 1 and {} (S3's limit for one PUT)",
                    Self::MAX_SINGLE_UPLOAD_BYTES
                ),
            });
        }
        let config = Self {
            endpoint,
            bucket: env.required("S3_BUCKET")?,
            region: env.string("S3_REGION", "us-east-1"),
            access_key_id: env.required("S3_ACCESS_KEY_ID")?,
            secret_access_key: env.required("S3_SECRET_ACCESS_KEY")?.into(),
            path_style: env.parse("S3_PATH_STYLE", true)?,
            public_url,
            presign_ttl: Duration::from_secs(presign_ttl),
            max_upload_size_bytes,
        };
        // A virtual-hosted bucket is addressed as `<bucket>.<host>`: not on an IP address.
        let on_ip = matches!(
            config.endpoint.host(),
            Some(url::Host::Ipv4(_) | url::Host::Ipv6(_))
        );
        if !config.path_style && on_ip {
            return Err(ConfigError::Invalid {
                name: "S3_ENDPOINT",
                reason: "a virtual-hosted-style bucket (S3_PATH_STYLE=false) needs a host \
                         name, not an IP address"
                    .into(),
            });
        }
        Ok(Some(config))
    }
}

/// The REST shims' own settings (miniapp-rest-api.md, analytics-events-api.md).
#[derive(Clone, Debug)]
pub struct RestConfig {
    /// `API__DEBUG`: serves `/api/docs`, `/api/redoc` and `/api/openapi.json`.
    pub api_debug: bool,
    /// `TRUSTED_PROXIES`: comma-separated IPs or CIDRs whose `X-Forwarded-For` is
    /// believed; from anyone else the socket's peer address is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `MINIAPP_RATE_LIMIT_PER_MINUTE`: requests per minute per client IP on `/api/*`
    /// (seed 000); 0 turns the limit off.
    pub miniapp_rate_limit_per_minute: u32,
    /// `ANALYTICS_RATE_LIMIT_PER_MINUTE`: requests per minute per client IP on
    /// `POST /events`; 0 turns the limit off.
    pub analytics_rate_limit_per_minute: u32,
}

impl RestConfig {
    fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<'_, F>) -> Result<Self, ConfigError> {
        let trusted_proxies = env
            .string("TRUSTED_PROXIES", "")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<ipnet::IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| ConfigError::Invalid {
                        name: "TRUSTED_PROXIES",
                        reason: format!("{s:?} is not an IP address or CIDR"),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            api_debug: env.parse("API__DEBUG", false)?,
            trusted_proxies,
            miniapp_rate_limit_per_minute: env.parse("MINIAPP_RATE_LIMIT_PER_MINUTE", 100)?,
            analytics_rate_limit_per_minute: env.parse("ANALYTICS_RATE_LIMIT_PER_MINUTE", 600)?,
        })
    }
}

#[cfg(test)]
mod rest_config_tests {
    use super::*;

    fn rest(extra: &[(&str, &str)]) -> Result<RestConfig, ConfigError> {
        let mut pairs = vec![
            ("DATABASE_URL", "postgres://localhost/x"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ];
        pairs.extend_from_slice(extra);
        let lookup = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        Config::from_lookup(lookup).map(|c| c.rest)
    }

    #[test]
    fn rest_defaults_follow_the_seeds() {
        let rest = rest(&[]).expect("config");
        assert!(!rest.api_debug && rest.trusted_proxies.is_empty());
        assert_eq!(rest.miniapp_rate_limit_per_minute, 100);
    }

    #[test]
    fn trusted_proxies_take_addresses_and_networks() {
        let config = rest(&[("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1")]).expect("config");
        let shown: Vec<String> = config
            .trusted_proxies
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(shown, ["10.0.0.0/8", "127.0.0.1/32", "::1/128"]);
        let err = rest(&[("TRUSTED_PROXIES", "10.0.0.0/8,proxy")]).expect_err("must fail");
        assert!(
            err.to_string().starts_with("TRUSTED_PROXIES is invalid"),
            "{err}"
        );
    }
}

/// Login through the Telegram and Max bots (bot-auth-api.md). The Telegram bot's token
/// and username are [`TelegramConfig`]'s (`TELEGRAM_BOT_TOKEN`, `TELEGRAM_BOT_USERNAME`).
/// A platform takes part when its token and username are set; its webhook answers only
/// when its secret is set too.
#[derive(Clone, Debug)]
pub struct BotConfig {
    /// `TELEGRAM_BOT_API_URL`: the Bot API base; `/bot<token>/<method>` is appended.
    pub telegram_api_url: url::Url,
    /// `TELEGRAM_WEBHOOK_SECRET`: the `secret_token` given to `setWebhook` (1-256 of
    /// `A-Z a-z 0-9 _ -`); Telegram sends it in `X-Telegram-Bot-Api-Secret-Token`.
    pub telegram_webhook_secret: Option<SecretString>,
    /// `MAX_BOT_TOKEN`: sent as `Authorization` to the Max Bot API.
    pub max_bot_token: Option<SecretString>,
    /// `MAX_BOT_USERNAME`: the bot's name in `https://max.ru/<name>?start=…` links.
    pub max_bot_username: Option<String>,
    /// `MAX_BOT_API_URL`: the Max Bot API base.
    pub max_api_url: url::Url,
    /// `MAX_WEBHOOK_SECRET`: the `secret` given to `POST /subscriptions`; Max sends it in
    /// `X-Max-Bot-Api-Secret`.
    pub max_webhook_secret: Option<SecretString>,
    /// `BOT_AUTH_SLUG`: the static link's start payload is `auth_<slug>`; unset: no
    /// static link (sessions still work).
    pub slug: Option<String>,
    /// `BOT_AUTH_CALLBACK_URL`: where the bot's "Go to website" button leads
    /// (`?code=…` is appended); unset: bot login is off.
    pub callback_url: Option<url::Url>,
    /// `BOT_AUTH_SESSION_TTL_SECONDS`: how long a login link with `state` stays usable.
    pub session_ttl: Duration,
    /// `BOT_AUTH_CODE_TTL_SECONDS`: how long a one-time code stays valid.
    pub code_ttl: Duration,
}

impl BotConfig {
    /// Telegram's start payload holds 64 characters; `auth_` takes five.
    const MAX_SLUG_LEN: usize = 59;
    const MAX_TTL_SECONDS: u64 = 86_400;

    fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<'_, F>) -> Result<Self, ConfigError> {
        let invalid = |name: &'static str, reason: &str| ConfigError::Invalid {
            name,
            reason: reason.to_owned(),
        };
        let token_chars = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        let slug = env.optional("BOT_AUTH_SLUG").map(|s| s.trim().to_owned());
        if let Some(slug) = &slug {
            if slug.len() > Self::MAX_SLUG_LEN || !token_chars(slug) {
                return Err(invalid(
                    "BOT_AUTH_SLUG",
                    "must be 1-59 of A-Z a-z 0-9 _ - (Telegram's start payload alphabet)",
                ));
            }
        }
        let telegram_webhook_secret = env.optional("TELEGRAM_WEBHOOK_SECRET");
        if let Some(secret) = &telegram_webhook_secret {
            if secret.len() > 256 || !token_chars(secret) {
                return Err(invalid(
                    "TELEGRAM_WEBHOOK_SECRET",
                    "must be 1-256 of A-Z a-z 0-9 _ - (what setWebhook accepts)",
                ));
            }
        }
        let callback_url = env
            .optional("BOT_AUTH_CALLBACK_URL")
            .map(|raw| {
                let url = url::Url::parse(raw.trim())
                    .map_err(|e| invalid("BOT_AUTH_CALLBACK_URL", &e.to_string()))?;
                if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
                    return Err(invalid("BOT_AUTH_CALLBACK_URL", "must be an http(s) URL"));
                }
                if url.fragment().is_some() || !url.username().is_empty() {
                    return Err(invalid(
                        "BOT_AUTH_CALLBACK_URL",
                        "must not carry credentials or a fragment",
                    ));
                }
                Ok(url)
            })
            .transpose()?;
        let ttl = |name: &'static str| -> Result<Duration, ConfigError> {
            let seconds: u64 = env.parse(name, 300)?;
            if !(1..=Self::MAX_TTL_SECONDS).contains(&seconds) {
                return Err(invalid(name, "must be between 1 and 86400"));
            }
            Ok(Duration::from_secs(seconds))
        };
        let username = |name: &str| {
            env.optional(name)
                .map(|u| u.trim().trim_start_matches('@').to_owned())
        };
        Ok(Self {
            telegram_api_url: http_url(
                "TELEGRAM_BOT_API_URL",
                &env.string("TELEGRAM_BOT_API_URL", "https://api.telegram.org"),
            )?,
            telegram_webhook_secret: telegram_webhook_secret.map(Into::into),
            max_bot_token: env.optional("MAX_BOT_TOKEN").map(Into::into),
            max_bot_username: username("MAX_BOT_USERNAME"),
            max_api_url: http_url(
                "MAX_BOT_API_URL",
                &env.string("MAX_BOT_API_URL", "https://platform-api.max.ru"),
            )?,
            max_webhook_secret: env.optional("MAX_WEBHOOK_SECRET").map(Into::into),
            slug,
            callback_url,
            session_ttl: ttl("BOT_AUTH_SESSION_TTL_SECONDS")?,
            code_ttl: ttl("BOT_AUTH_CODE_TTL_SECONDS")?,
        })
    }
}

#[cfg(test)]
mod bot_config_tests {
    use super::*;

    fn bots(extra: &[(&str, &str)]) -> Result<BotConfig, ConfigError> {
        let mut pairs: Vec<(String, String)> = vec![
            ("DATABASE_URL".into(), "postgres://localhost/x".into()),
            (
                "JWT_SECRET".into(),
                "0123456789abcdef0123456789abcdef".into(),
            ),
        ];
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let lookup = move |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        Config::from_lookup(lookup).map(|c| c.bots)
    }

    #[test]
    fn bot_login_is_off_by_default_with_the_documented_defaults() {
        let bots = bots(&[]).expect("config");
        assert_eq!(bots.telegram_api_url.as_str(), "https://api.telegram.org/");
        assert_eq!(bots.max_api_url.as_str(), "https://platform-api.max.ru/");
        assert_eq!(bots.session_ttl, Duration::from_secs(300));
        assert_eq!(bots.code_ttl, Duration::from_secs(300));
        assert!(bots.callback_url.is_none() && bots.slug.is_none());
        assert!(bots.telegram_webhook_secret.is_none() && bots.max_webhook_secret.is_none());
    }

    #[test]
    fn bot_settings_are_checked_by_name() {
        let with_query = bots(&[
            (
                "BOT_AUTH_CALLBACK_URL",
                "https://app.example.com/cb?from=bot",
            ),
            ("MAX_BOT_USERNAME", "@login_bot"),
        ])
        .expect("config");
        assert_eq!(with_query.max_bot_username.as_deref(), Some("login_bot"));
        assert!(with_query.callback_url.is_some());
        for (name, value) in [
            ("BOT_AUTH_SLUG", "my app"),
            ("BOT_AUTH_SLUG", &"s".repeat(60)),
            ("BOT_AUTH_CALLBACK_URL", "ftp://app.example.com/cb"),
            ("BOT_AUTH_CALLBACK_URL", "https://app.example.com/cb#frag"),
            ("TELEGRAM_WEBHOOK_SECRET", "has spaces"),
            ("TELEGRAM_BOT_API_URL", "api.telegram.org"),
            ("BOT_AUTH_CODE_TTL_SECONDS", "0"),
            ("BOT_AUTH_SESSION_TTL_SECONDS", "86401"),
        ] {
            let err = bots(&[(name, value)]).expect_err(name);
            assert!(
                err.to_string().starts_with(&format!("{name} is invalid")),
                "{err}"
            );
        }
    }
}

fn http_url(name: &'static str, raw: &str) -> Result<url::Url, ConfigError> {
    let invalid = |reason: &str| ConfigError::Invalid {
        name,
        reason: reason.to_owned(),
    };
    let url = url::Url::parse(raw.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(invalid("must be an http(s) URL"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(invalid("must not carry credentials, a query or a fragment"));
    }
    Ok(url)
}

/// Where spans go (the OpenTelemetry exporter variables, OTLP over HTTP).
fn otlp_traces_endpoint<F: Fn(&str) -> Option<String>>(
    env: &Env<'_, F>,
) -> Result<Option<url::Url>, ConfigError> {
    let (name, raw) = if let Some(raw) = env.optional("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raw)
    } else if let Some(base) = env.optional("OTEL_EXPORTER_OTLP_ENDPOINT") {
        let base = base.trim().trim_end_matches('/').to_owned();
        ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("{base}/v1/traces"))
    } else {
        return Ok(None);
    };
    let url = url::Url::parse(raw.trim()).map_err(|e| ConfigError::Invalid {
        name,
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::Invalid {
            name,
            reason: "must be an http:// or https:// URL (OTLP over HTTP)".into(),
        });
    }
    Ok(Some(url))
}

struct Env<'a, F: Fn(&str) -> Option<String>>(&'a F);

impl<F: Fn(&str) -> Option<String>> Env<'_, F> {
    fn optional(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    fn string(&self, name: &str, default: &str) -> String {
        self.optional(name).unwrap_or_else(|| default.to_owned())
    }

    fn optional_parse<T: FromStr>(&self, name: &'static str) -> Result<Option<T>, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        self.optional(name)
            .map(|raw| {
                raw.trim()
                    .parse()
                    .map_err(|e: T::Err| ConfigError::Invalid {
                        name,
                        reason: e.to_string(),
                    })
            })
            .transpose()
    }

    fn parse<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        Ok(self.optional_parse(name)?.unwrap_or(default))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const BASE: [(&str, &str); 2] = [
        ("DATABASE_URL", "postgres://localhost/x"),
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
    ];

    #[test]
    fn zero_max_age_turns_the_init_data_age_check_off() {
        let mut pairs = BASE.to_vec();
        pairs.push(("INIT_DATA_MAX_AGE_SECONDS", "0"));
        let config = Config::from_lookup(lookup(&pairs)).expect("config");
        assert!(config.telegram.init_data_max_age.is_none());
    }

    #[test]
    fn a_missing_jwt_secret_is_reported_by_name() {
        let err = Config::from_lookup(lookup(&BASE[..1])).expect_err("must fail");
        assert_eq!(err.to_string(), "JWT_SECRET is required (see .env.example)");
    }

    #[test]
    fn a_malformed_number_names_the_variable() {
        let mut pairs = BASE.to_vec();
        pairs.push(("GRAPHQL_MAX_DEPTH", "deep"));
        let err = Config::from_lookup(lookup(&pairs)).expect_err("must fail");
        assert!(err.to_string().starts_with("GRAPHQL_MAX_DEPTH is invalid"));
    }

    #[test]
    fn the_bot_id_defaults_to_the_token_prefix() {
        let mut pairs = BASE.to_vec();
        pairs.push((
            "TELEGRAM_BOT_TOKEN",
            "7342037359:AAFZehRPBRs8Seg40oDjTMIW8uTGPuW1zfQ",
        ));
        let config = Config::from_lookup(lookup(&pairs)).expect("config");
        assert_eq!(config.telegram.effective_bot_id(), Some(7342037359));
    }

    fn with_s3(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut pairs = BASE.to_vec();
        pairs.extend([
            ("S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("S3_BUCKET", "media"),
            ("S3_ACCESS_KEY_ID", "key"),
            ("S3_SECRET_ACCESS_KEY", "secret"),
        ]);
        pairs.extend_from_slice(extra);
        pairs
    }

    #[test]
    fn without_an_s3_endpoint_media_is_off() {
        let config = Config::from_lookup(lookup(&BASE)).expect("config");
        assert!(config.s3.is_none());
    }

    #[test]
    fn s3_settings_have_defaults_and_the_secret_is_redacted() {
        let config = Config::from_lookup(lookup(&with_s3(&[]))).expect("config");
        let s3 = config.s3.expect("s3 configured");
        assert_eq!(s3.region, "us-east-1");
        assert!(s3.path_style);
        assert_eq!(s3.presign_ttl, Duration::from_secs(900));
        assert_eq!(s3.max_upload_size_bytes, 50 * 1024 * 1024);
        assert!(s3.public_url.is_none());
        assert!(!format!("{s3:?}").contains("\"secret\""));
    }

    #[test]
    fn an_s3_endpoint_needs_a_bucket_and_credentials() {
        let pairs: Vec<_> = with_s3(&[])
            .into_iter()
            .filter(|(k, _)| *k != "S3_BUCKET")
            .collect();
        let err = Config::from_lookup(lookup(&pairs)).expect_err("must fail");
        assert_eq!(err.to_string(), "S3_BUCKET is required (see .env.example)");
    }

    #[test]
    fn bad_s3_values_name_the_variable() {
        for (name, value) in [
            ("S3_ENDPOINT", "ftp://files.example.com"),
            ("S3_PUBLIC_URL", "cdn.example.com/media"),
            ("S3_PRESIGN_TTL_SECONDS", "0"),
            ("MAX_UPLOAD_SIZE_BYTES", "0"),
            ("S3_PATH_STYLE", "maybe"),
        ] {
            let err = Config::from_lookup(lookup(&with_s3(&[(name, value)]))).expect_err(name);
            assert!(
                err.to_string().starts_with(&format!("{name} is invalid")),
                "{err}"
            );
        }
        // A virtual-hosted bucket cannot live on an IP address.
        let err = Config::from_lookup(lookup(&with_s3(&[("S3_PATH_STYLE", "false")])))
            .expect_err("must fail");
        assert!(
            err.to_string().starts_with("S3_ENDPOINT is invalid"),
            "{err}"
        );
    }
}
