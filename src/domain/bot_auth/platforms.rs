//! The bots' webhooks: check the platform's secret header, read its update, and say the
//! [`Reply`] through its API.
//!
//! After the secret check every update is acknowledged: unreadable ones and ones the bot
//! does not act on are ignored (a platform retries what it does not get a 2xx for, and
//! retrying those would change nothing). A failed reply call is logged, not retried: the
//! user presses the button again, and Login answers with the same code. Only a database
//! failure is returned as an error, so the platform redelivers the update later.

use super::{
    codes,
    conversation::{BotUser, Reply},
    BotAuthService, Channel,
};
use crate::{
    error::{AppError, AppResult},
    integrations::{
        max_bot::{self, MaxBot},
        telegram_bot::{self as tg, TelegramBot},
        BotApiError,
    },
};
use secrecy::SecretString;

impl BotAuthService<'_> {
    /// `POST /bot/telegram/webhook` with the `X-Telegram-Bot-Api-Secret-Token` header.
    /// Unauthenticated without the header, Forbidden with a wrong one, NotFound while the
    /// bot or its webhook secret is not configured (no update is ever taken unchecked).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn telegram_webhook(&self, secret: Option<&str>, body: &[u8]) -> AppResult<()> {
        let expected = self.0.config().bots.telegram_webhook_secret.as_ref();
        let (Some(bot), Some(expected)) = (self.0 .0.bots.telegram.as_ref(), expected) else {
            return Err(AppError::not_found("Not Found"));
        };
        check_secret(secret, expected)?;
        match serde_json::from_slice::<tg::Update>(body) {
            Ok(update) => self.telegram_update(bot, update).await,
            Err(error) => {
                tracing::warn!(%error, "ignoring an unreadable Telegram update");
                Ok(())
            }
        }
    }

    /// `POST /bot/max/webhook` with the `X-Max-Bot-Api-Secret` header; as
    /// [`telegram_webhook`](Self::telegram_webhook).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn max_webhook(&self, secret: Option<&str>, body: &[u8]) -> AppResult<()> {
        let expected = self.0.config().bots.max_webhook_secret.as_ref();
        let (Some(bot), Some(expected)) = (self.0 .0.bots.max.as_ref(), expected) else {
            return Err(AppError::not_found("Not Found"));
        };
        check_secret(secret, expected)?;
        match serde_json::from_slice::<max_bot::Update>(body) {
            Ok(update) => self.max_update(bot, update).await,
            Err(error) => {
                tracing::warn!(%error, "ignoring an unreadable Max update");
                Ok(())
            }
        }
    }

    async fn telegram_update(&self, bot: &TelegramBot, update: tg::Update) -> AppResult<()> {
        if let Some(message) = update.message {
            // Login links open the private chat with the bot; groups are not for logins.
            let from = message.from.as_ref().filter(|u| !u.is_bot);
            let (Some(from), Some(payload)) = (from, message.start_payload()) else {
                return Ok(());
            };
            if message.chat.kind != "private" {
                return Ok(());
            }
            let reply = self.on_start(&telegram_user(from), payload).await?;
            if reply != Reply::Silent {
                let rows = telegram_keyboard(&reply);
                logged(bot.send_message(message.chat.id, reply.text(), &rows).await);
            }
        } else if let Some(query) = update.callback_query {
            let reply = if query.from.is_bot {
                Reply::Silent
            } else {
                let data = query.data.as_deref().unwrap_or_default();
                self.on_callback(&telegram_user(&query.from), data).await?
            };
            // Always answered: Telegram shows a spinner on the button until then.
            logged(bot.answer_callback_query(&query.id, None).await);
            if reply != Reply::Silent {
                let chat_id = query.message.as_ref().map_or(query.from.id, |m| m.chat.id);
                let rows = telegram_keyboard(&reply);
                logged(bot.send_message(chat_id, reply.text(), &rows).await);
            }
        }
        Ok(())
    }

    async fn max_update(&self, bot: &MaxBot, update: max_bot::Update) -> AppResult<()> {
        let (user, payload, locale) = match &update {
            max_bot::Update::BotStarted {
                user,
                payload,
                user_locale,
                ..
            } => (user, payload.as_deref().unwrap_or_default(), user_locale),
            max_bot::Update::MessageCreated {
                message,
                user_locale,
            } => match (&message.sender, message.start_payload()) {
                (Some(sender), Some(payload)) => (sender, payload, user_locale),
                _ => return Ok(()),
            },
            max_bot::Update::MessageCallback {
                callback,
                user_locale,
            } => {
                if callback.user.is_bot {
                    return Ok(());
                }
                let user = max_user(&callback.user, user_locale.as_deref());
                let data = callback.payload.as_deref().unwrap_or_default();
                let reply = self.on_callback(&user, data).await?;
                if reply != Reply::Silent {
                    // The answer replaces the message whose button was pressed.
                    let rows = max_keyboard(&reply);
                    logged(
                        bot.answer_callback(&callback.callback_id, reply.text(), &rows)
                            .await,
                    );
                }
                return Ok(());
            }
            max_bot::Update::Other => return Ok(()),
        };
        if user.is_bot {
            return Ok(());
        }
        let reply = self
            .on_start(&max_user(user, locale.as_deref()), payload)
            .await?;
        if reply != Reply::Silent {
            let rows = max_keyboard(&reply);
            logged(bot.send_message(user.user_id, reply.text(), &rows).await);
        }
        Ok(())
    }
}

fn check_secret(given: Option<&str>, expected: &SecretString) -> AppResult<()> {
    match given {
        None => Err(AppError::unauthenticated("Missing webhook secret")),
        Some(given) if codes::secret_matches(given, expected) => Ok(()),
        Some(_) => Err(AppError::forbidden("Invalid webhook secret")),
    }
}

fn logged(result: Result<(), BotApiError>) {
    if let Err(error) = result {
        tracing::warn!(%error, "bot reply was not delivered");
    }
}

/// `text` cut to the column's limit; `None` when empty.
fn clip(text: Option<&str>, max_chars: usize) -> Option<String> {
    let text = text?.trim();
    (!text.is_empty()).then(|| text.chars().take(max_chars).collect())
}

/// `value` when it fits the column whole (a cut username or URL would be wrong).
fn whole(value: Option<&str>, max_chars: usize) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.chars().count() <= max_chars)
        .map(str::to_owned)
}

fn telegram_user(from: &tg::User) -> BotUser {
    BotUser {
        channel: Channel::Telegram,
        id: from.id,
        first_name: clip(Some(&from.first_name), 256),
        last_name: clip(from.last_name.as_deref(), 256),
        username: whole(from.username.as_deref(), 64),
        lang: whole(from.language_code.as_deref(), 10),
        avatar_url: None,
        is_premium: from.is_premium.unwrap_or(false),
    }
}

fn max_user(user: &max_bot::User, locale: Option<&str>) -> BotUser {
    BotUser {
        channel: Channel::Max,
        id: user.user_id,
        first_name: clip(user.shown_first_name(), 256),
        last_name: clip(user.last_name.as_deref(), 256),
        username: whole(user.username.as_deref(), 64),
        lang: whole(locale, 10),
        avatar_url: whole(user.avatar_url.as_deref(), 2048),
        is_premium: false,
    }
}

fn telegram_keyboard(reply: &Reply) -> Vec<Vec<tg::Button>> {
    match reply {
        Reply::Prompt(target) => vec![vec![
            tg::Button::Callback {
                text: Reply::LOGIN.into(),
                data: target.callback_data("login"),
            },
            tg::Button::Callback {
                text: Reply::CANCEL.into(),
                data: target.callback_data("cancel"),
            },
        ]],
        Reply::SignedIn { url } => vec![vec![tg::Button::Url {
            text: Reply::GO_TO_WEBSITE.into(),
            url: url.clone(),
        }]],
        _ => Vec::new(),
    }
}

fn max_keyboard(reply: &Reply) -> Vec<Vec<max_bot::Button>> {
    match reply {
        Reply::Prompt(target) => vec![vec![
            max_bot::Button::Callback {
                text: Reply::LOGIN.into(),
                payload: target.callback_data("login"),
            },
            max_bot::Button::Callback {
                text: Reply::CANCEL.into(),
                payload: target.callback_data("cancel"),
            },
        ]],
        Reply::SignedIn { url } => vec![vec![max_bot::Button::Link {
            text: Reply::GO_TO_WEBSITE.into(),
            url: url.clone(),
        }]],
        _ => Vec::new(),
    }
}
