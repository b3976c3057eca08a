//! Bot login settings (Telegram and Max).

use super::*;

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
}

/// [`BotConfig`]'s variables, as given.
#[derive(clap::Args)]
pub(super) struct RawBots {
    #[arg(
        long,
        env = "TELEGRAM_BOT_API_URL",
        default_value = "https://api.telegram.org"
    )]
    telegram_bot_api_url: String,
    #[arg(long, env = "TELEGRAM_WEBHOOK_SECRET")]
    telegram_webhook_secret: Option<String>,
    #[arg(long, env = "MAX_BOT_TOKEN")]
    max_bot_token: Option<String>,
    #[arg(long, env = "MAX_BOT_USERNAME")]
    max_bot_username: Option<String>,
    #[arg(
        long,
        env = "MAX_BOT_API_URL",
        default_value = "https://platform-api.max.ru"
    )]
    max_bot_api_url: String,
    #[arg(long, env = "MAX_WEBHOOK_SECRET")]
    max_webhook_secret: Option<String>,
    #[arg(long, env = "BOT_AUTH_SLUG")]
    bot_auth_slug: Option<String>,
    #[arg(long, env = "BOT_AUTH_CALLBACK_URL")]
    bot_auth_callback_url: Option<String>,
    #[arg(long, env = "BOT_AUTH_SESSION_TTL_SECONDS", default_value = "300")]
    bot_auth_session_ttl_seconds: String,
    #[arg(long, env = "BOT_AUTH_CODE_TTL_SECONDS", default_value = "300")]
    bot_auth_code_ttl_seconds: String,
}

impl RawBots {
    pub(super) fn validate(self) -> Result<BotConfig, ConfigError> {
        let invalid = |name: &'static str, reason: &str| ConfigError::Invalid {
            name,
            reason: reason.to_owned(),
        };
        let token_chars = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        let slug = self.bot_auth_slug.map(|s| s.trim().to_owned());
        if let Some(slug) = &slug {
            if slug.len() > BotConfig::MAX_SLUG_LEN || !token_chars(slug) {
                return Err(invalid(
                    "BOT_AUTH_SLUG",
                    "must be 1-59 of A-Z a-z 0-9 _ - (Telegram's start payload alphabet)",
                ));
            }
        }
        let telegram_webhook_secret = self.telegram_webhook_secret;
        if let Some(secret) = &telegram_webhook_secret {
            if secret.len() > 256 || !token_chars(secret) {
                return Err(invalid(
                    "TELEGRAM_WEBHOOK_SECRET",
                    "must be 1-256 of A-Z a-z 0-9 _ - (what setWebhook accepts)",
                ));
            }
        }
        let callback_url = self
            .bot_auth_callback_url
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
        let ttl = |name: &'static str, raw: &str| -> Result<Duration, ConfigError> {
            let seconds: u64 = parse(name, raw)?;
            if !(1..=BotConfig::MAX_TTL_SECONDS).contains(&seconds) {
                return Err(invalid(name, "must be between 1 and 86400"));
            }
            Ok(Duration::from_secs(seconds))
        };
        let username =
            |raw: Option<String>| raw.map(|u| u.trim().trim_start_matches('@').to_owned());
        Ok(BotConfig {
            telegram_api_url: http_url("TELEGRAM_BOT_API_URL", &self.telegram_bot_api_url)?,
            telegram_webhook_secret: telegram_webhook_secret.map(Into::into),
            max_bot_token: self.max_bot_token.map(Into::into),
            max_bot_username: username(self.max_bot_username),
            max_api_url: http_url("MAX_BOT_API_URL", &self.max_bot_api_url)?,
            max_webhook_secret: self.max_webhook_secret.map(Into::into),
            slug,
            callback_url,
            session_ttl: ttl(
                "BOT_AUTH_SESSION_TTL_SECONDS",
                &self.bot_auth_session_ttl_seconds,
            )?,
            code_ttl: ttl("BOT_AUTH_CODE_TTL_SECONDS", &self.bot_auth_code_ttl_seconds)?,
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
