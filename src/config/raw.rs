//! Every variable as clap collects it (text, with its default), and the validation step
//! that turns it into [`Config`]. The variables of no particular section are declared
//! here; each section's are in its own module, flattened in.

use super::{
    accounts::RawAccounts, bots::RawBots, env::otlp_traces_endpoint, graphql::RawGraphql,
    rest::RawRest, s3::RawS3, telegram::RawTelegram, *,
};

/// The whole environment as declared; blank counts as unset (see `env::parse_raw`).
#[derive(clap::Parser)]
#[command(name = "messenger-gateway")]
pub(super) struct RawConfig {
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value = "10")]
    database_max_connections: String,
    #[arg(long, env = "REDIS_URL")]
    redis_url: Option<String>,
    #[arg(long, env = "REDIS_KEY_PREFIX", default_value = "mg:")]
    redis_key_prefix: String,
    #[arg(long, env = "REDIS_COMMAND_TIMEOUT_MS", default_value = "250")]
    redis_command_timeout_ms: String,
    #[arg(long, env = "REDIS_PUBLISH_QUEUE", default_value = "10000")]
    redis_publish_queue: String,
    #[arg(long, env = "METRICS_ENABLED", default_value = "true")]
    metrics_enabled: String,
    #[arg(long, env = "METRICS_ADDR")]
    metrics_addr: Option<String>,
    #[arg(long, env = "BIND_ADDR", default_value = "0.0.0.0:8000")]
    bind_addr: String,
    #[arg(long, env = "JWT_SECRET")]
    jwt_secret: Option<String>,
    #[arg(long, env = "ACCESS_TOKEN_TTL_SECONDS", default_value = "900")]
    access_token_ttl_seconds: String,
    #[arg(long, env = "AUTH_STATE_CACHE_MS", default_value = "2000")]
    auth_state_cache_ms: String,
    /// Default: 30 days.
    #[arg(long, env = "REFRESH_TOKEN_TTL_SECONDS", default_value = "2592000")]
    refresh_token_ttl_seconds: String,
    #[arg(long, env = "FRONTEND_URL", default_value = "http://localhost:3000")]
    frontend_url: String,
    /// Default: 1 MiB.
    #[arg(long, env = "MAX_REQUEST_BODY_BYTES", default_value = "1048576")]
    max_request_body_bytes: String,
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", default_value = "*")]
    cors_allowed_origins: String,
    #[arg(long, env = "SHUTDOWN_GRACE_SECONDS", default_value = "30")]
    shutdown_grace_seconds: String,
    #[arg(long, env = "LOG_FORMAT", default_value = "text")]
    log_format: String,
    #[arg(long, env = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")]
    otel_exporter_otlp_traces_endpoint: Option<String>,
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    otel_exporter_otlp_endpoint: Option<String>,
    #[arg(long, env = "OTEL_SERVICE_NAME", default_value = "messenger-gateway")]
    otel_service_name: String,
    #[command(flatten)]
    telegram: RawTelegram,
    #[command(flatten)]
    graphql: RawGraphql,
    #[command(flatten)]
    accounts: RawAccounts,
    #[command(flatten)]
    s3: RawS3,
    #[command(flatten)]
    bots: RawBots,
    #[command(flatten)]
    rest: RawRest,
}

impl RawConfig {
    /// The checks, in the order the variables are reported: the first problem stops
    /// start-up with a message that names its variable.
    pub(super) fn validate(self) -> Result<Config, ConfigError> {
        let jwt_secret = required("JWT_SECRET", self.jwt_secret)?;
        if jwt_secret.len() < 32 {
            return Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                reason: "must be at least 32 bytes".into(),
            });
        }
        let seconds = |name, raw: &str| parse(name, raw).map(Duration::from_secs);
        Ok(Config {
            database_url: required("DATABASE_URL", self.database_url)?.into(),
            database_max_connections: parse(
                "DATABASE_MAX_CONNECTIONS",
                &self.database_max_connections,
            )?,
            redis_url: self.redis_url.map(Into::into),
            redis_key_prefix: self.redis_key_prefix,
            redis_command_timeout: parse(
                "REDIS_COMMAND_TIMEOUT_MS",
                &self.redis_command_timeout_ms,
            )
            .map(Duration::from_millis)?,
            redis_publish_queue: parse("REDIS_PUBLISH_QUEUE", &self.redis_publish_queue)?,
            metrics_enabled: parse("METRICS_ENABLED", &self.metrics_enabled)?,
            metrics_addr: parse_optional("METRICS_ADDR", self.metrics_addr.as_deref())?,
            bind_addr: parse("BIND_ADDR", &self.bind_addr)?,
            jwt_secret: jwt_secret.into(),
            access_token_ttl: seconds("ACCESS_TOKEN_TTL_SECONDS", &self.access_token_ttl_seconds)?,
            auth_state_cache: parse("AUTH_STATE_CACHE_MS", &self.auth_state_cache_ms)
                .map(Duration::from_millis)?,
            refresh_token_ttl: seconds(
                "REFRESH_TOKEN_TTL_SECONDS",
                &self.refresh_token_ttl_seconds,
            )?,
            telegram: self.telegram.validate()?,
            graphql: self.graphql.validate()?,
            accounts: self.accounts.validate()?,
            frontend_url: self.frontend_url,
            max_request_body_bytes: parse("MAX_REQUEST_BODY_BYTES", &self.max_request_body_bytes)?,
            cors_allowed_origins: self
                .cors_allowed_origins
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            shutdown_grace: seconds("SHUTDOWN_GRACE_SECONDS", &self.shutdown_grace_seconds)?,
            log_json: self.log_format.eq_ignore_ascii_case("json"),
            otlp_traces_endpoint: otlp_traces_endpoint(
                self.otel_exporter_otlp_traces_endpoint,
                self.otel_exporter_otlp_endpoint,
            )?,
            otel_service_name: self.otel_service_name,
            s3: self.s3.validate()?,
            bots: self.bots.validate()?,
            rest: self.rest.validate()?,
        })
    }
}
