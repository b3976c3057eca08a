//! E-mail accounts: mail delivery, token lifetimes, auth and message rate limits.

use super::*;

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

/// [`AccountsConfig`]'s variables, as given.
#[derive(clap::Args)]
pub(super) struct RawAccounts {
    #[arg(long, env = "SMTP_URL")]
    smtp_url: Option<String>,
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "messenger-gateway <no-reply@localhost>"
    )]
    mail_from: String,
    #[arg(long, env = "APP_NAME", default_value = "messenger-gateway")]
    app_name: String,
    #[arg(long, env = "EMAIL_VERIFY_TOKEN_TTL_SECONDS", default_value = "86400")]
    email_verify_token_ttl_seconds: String,
    #[arg(long, env = "PASSWORD_RESET_TOKEN_TTL_SECONDS", default_value = "3600")]
    password_reset_token_ttl_seconds: String,
    #[arg(long, env = "REQUIRE_VERIFIED_EMAIL", default_value = "true")]
    require_verified_email: String,
    #[arg(long, env = "LOGIN_RATE_LIMIT_PER_MINUTE", default_value = "10")]
    login_rate_limit_per_minute: String,
    #[arg(long, env = "LOGIN_LOCKOUT_AFTER_FAILURES", default_value = "5")]
    login_lockout_after_failures: String,
    #[arg(long, env = "REGISTER_RATE_LIMIT_PER_MINUTE", default_value = "5")]
    register_rate_limit_per_minute: String,
    #[arg(long, env = "REFRESH_RATE_LIMIT_PER_MINUTE", default_value = "30")]
    refresh_rate_limit_per_minute: String,
    #[arg(long, env = "RESET_RATE_LIMIT_PER_MINUTE", default_value = "5")]
    reset_rate_limit_per_minute: String,
    #[arg(long, env = "MESSAGE_RATE_LIMIT_PER_MINUTE", default_value = "120")]
    message_rate_limit_per_minute: String,
    #[arg(long, env = "DUPLICATE_MESSAGE_COOLDOWN_SECONDS", default_value = "0")]
    duplicate_message_cooldown_seconds: String,
}

impl RawAccounts {
    pub(super) fn validate(self) -> Result<AccountsConfig, ConfigError> {
        let seconds = |name, raw: &str| parse(name, raw).map(Duration::from_secs);
        Ok(AccountsConfig {
            smtp_url: self.smtp_url.map(Into::into),
            mail_from: self.mail_from,
            app_name: self.app_name,
            verify_token_ttl: seconds(
                "EMAIL_VERIFY_TOKEN_TTL_SECONDS",
                &self.email_verify_token_ttl_seconds,
            )?,
            reset_token_ttl: seconds(
                "PASSWORD_RESET_TOKEN_TTL_SECONDS",
                &self.password_reset_token_ttl_seconds,
            )?,
            require_verified_email: parse("REQUIRE_VERIFIED_EMAIL", &self.require_verified_email)?,
            limits: RateLimits {
                login_per_minute: parse(
                    "LOGIN_RATE_LIMIT_PER_MINUTE",
                    &self.login_rate_limit_per_minute,
                )?,
                login_lockout_failures: parse(
                    "LOGIN_LOCKOUT_AFTER_FAILURES",
                    &self.login_lockout_after_failures,
                )?,
                register_per_minute: parse(
                    "REGISTER_RATE_LIMIT_PER_MINUTE",
                    &self.register_rate_limit_per_minute,
                )?,
                refresh_per_minute: parse(
                    "REFRESH_RATE_LIMIT_PER_MINUTE",
                    &self.refresh_rate_limit_per_minute,
                )?,
                reset_per_minute: parse(
                    "RESET_RATE_LIMIT_PER_MINUTE",
                    &self.reset_rate_limit_per_minute,
                )?,
                message_per_minute: parse(
                    "MESSAGE_RATE_LIMIT_PER_MINUTE",
                    &self.message_rate_limit_per_minute,
                )?,
                duplicate_message_cooldown: parse(
                    "DUPLICATE_MESSAGE_COOLDOWN_SECONDS",
                    &self.duplicate_message_cooldown_seconds,
                )?,
            },
        })
    }
}
