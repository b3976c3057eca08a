//! Clients of outside services, each behind a small type so tests point them at local
//! servers.

pub mod s3;

pub mod mailer;

pub mod max_bot;
pub mod telegram_bot;

/// A Telegram or Max Bot API call that did not succeed. Never carries the request URL:
/// Telegram's contains the bot token.
#[derive(Debug, thiserror::Error)]
pub enum BotApiError {
    #[error("bot API request failed: {0}")]
    Request(String),
    #[error("bot API refused {method} ({status}): {description}")]
    Refused {
        method: &'static str,
        status: u16,
        description: String,
    },
}

impl BotApiError {
    fn transport(error: reqwest::Error) -> Self {
        Self::Request(error.without_url().to_string())
    }
}
