//! `TELEGRAM_*`, `INIT_DATA_MAX_AGE_SECONDS`: the Telegram bot and initData checks.

use super::*;

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

/// [`TelegramConfig`]'s variables, as given.
#[derive(clap::Args)]
pub(super) struct RawTelegram {
    #[arg(long, env = "TELEGRAM_BOT_TOKEN")]
    telegram_bot_token: Option<String>,
    #[arg(long, env = "TELEGRAM_BOT_USERNAME")]
    telegram_bot_username: Option<String>,
    #[arg(long, env = "TELEGRAM_BOT_ID")]
    telegram_bot_id: Option<String>,
    #[arg(long, env = "TELEGRAM_TEST_ENV", default_value = "false")]
    telegram_test_env: String,
    /// Default: the key `TELEGRAM_TEST_ENV` picks.
    #[arg(long, env = "TELEGRAM_PUBLIC_KEY")]
    telegram_public_key: Option<String>,
    #[arg(long, env = "INIT_DATA_MAX_AGE_SECONDS", default_value = "86400")]
    init_data_max_age_seconds: String,
}

impl RawTelegram {
    pub(super) fn validate(self) -> Result<TelegramConfig, ConfigError> {
        let default_key = if parse("TELEGRAM_TEST_ENV", &self.telegram_test_env)? {
            TELEGRAM_TEST_PUBLIC_KEY
        } else {
            TELEGRAM_PRODUCTION_PUBLIC_KEY
        };
        let public_key_hex = self
            .telegram_public_key
            .unwrap_or_else(|| default_key.to_owned());
        if hex::decode(&public_key_hex).map(|k| k.len()) != Ok(32) {
            return Err(ConfigError::Invalid {
                name: "TELEGRAM_PUBLIC_KEY",
                reason: "must be 64 hex characters".into(),
            });
        }
        let max_age: u64 = parse("INIT_DATA_MAX_AGE_SECONDS", &self.init_data_max_age_seconds)?;
        Ok(TelegramConfig {
            bot_token: self.telegram_bot_token.map(Into::into),
            bot_username: self.telegram_bot_username,
            bot_id: parse_optional("TELEGRAM_BOT_ID", self.telegram_bot_id.as_deref())?,
            public_key_hex,
            init_data_max_age: (max_age > 0).then(|| Duration::from_secs(max_age)),
        })
    }
}
