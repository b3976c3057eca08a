//! The Telegram Bot API as the login bot uses it: the `Update` shapes its webhook
//! receives, and `sendMessage` / `answerCallbackQuery`.
//!
//! The token is part of every method URL (`/bot<token>/<method>`), so errors drop the URL
//! before they are logged.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};
use url::Url;

use super::BotApiError;

/// The header that carries `setWebhook`'s `secret_token` on every webhook call.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// One webhook call's body. Only the fields the login bot reads are declared; Telegram
/// adds fields over time, and unknown ones are ignored.
#[derive(Clone, Debug, Deserialize)]
pub struct Update {
    pub update_id: i64,
    pub message: Option<Message>,
    pub callback_query: Option<CallbackQuery>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Message {
    pub message_id: i64,
    pub from: Option<User>,
    pub chat: Chat,
    pub text: Option<String>,
    #[serde(default)]
    pub entities: Vec<MessageEntity>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct MessageEntity {
    #[serde(rename = "type")]
    pub kind: String,
    pub offset: usize,
    pub length: usize,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Chat {
    pub id: i64,
    /// `private`, `group`, `supergroup` or `channel`.
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct User {
    pub id: i64,
    #[serde(default)]
    pub is_bot: bool,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
    pub is_premium: Option<bool>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CallbackQuery {
    pub id: String,
    pub from: User,
    /// The message with the pressed button (absent when it is too old).
    pub message: Option<CallbackMessage>,
    pub data: Option<String>,
}

/// The part of a (possibly inaccessible) message a callback refers to.
#[derive(Clone, Debug, Deserialize)]
pub struct CallbackMessage {
    pub message_id: i64,
    pub chat: Chat,
}

impl Message {
    /// The argument of a leading `/start` command (`/start <payload>`, also
    /// `/start@bot <payload>`), as Telegram delivers a `t.me/<bot>?start=<payload>` link.
    /// `Some("")` for a bare `/start`; `None` when the message is not a `/start` command.
    pub fn start_payload(&self) -> Option<&str> {
        let text = self.text.as_deref()?;
        let command = self
            .entities
            .iter()
            .find(|e| e.kind == "bot_command" && e.offset == 0)?;
        // Entity offsets count UTF-16 units; a command is ASCII, so units are bytes here.
        let name = text.get(..command.length)?;
        let bare = name.split('@').next()?;
        if bare != "/start" {
            return None;
        }
        Some(text[command.length..].trim())
    }
}

/// An inline keyboard button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Button {
    /// Sends `data` (1-64 bytes) back as a `callback_query`.
    Callback { text: String, data: String },
    /// Opens `url`.
    Url { text: String, url: String },
}

impl Button {
    fn to_json(&self) -> Value {
        match self {
            Self::Callback { text, data } => json!({ "text": text, "callback_data": data }),
            Self::Url { text, url } => json!({ "text": text, "url": url }),
        }
    }
}

/// A client for one bot.
#[derive(Clone)]
pub struct TelegramBot {
    http: reqwest::Client,
    /// `<api>/bot<token>/`.
    base: Url,
}

impl std::fmt::Debug for TelegramBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramBot").finish_non_exhaustive()
    }
}

impl TelegramBot {
    pub fn new(http: reqwest::Client, api_url: &Url, token: &SecretString) -> Self {
        let mut base = api_url.clone();
        let path = format!(
            "{}/bot{}/",
            base.path().trim_end_matches('/'),
            token.expose_secret()
        );
        base.set_path(&path);
        Self { http, base }
    }

    /// `sendMessage` to `chat_id`, with an inline keyboard of `rows` when not empty.
    pub async fn send_message(
        &self,
        chat_id: i64,
        text: &str,
        rows: &[Vec<Button>],
    ) -> Result<(), BotApiError> {
        let mut body = json!({ "chat_id": chat_id, "text": text });
        if !rows.is_empty() {
            let keyboard: Vec<Vec<Value>> = rows
                .iter()
                .map(|row| row.iter().map(Button::to_json).collect())
                .collect();
            body["reply_markup"] = json!({ "inline_keyboard": keyboard });
        }
        self.call("sendMessage", &body).await
    }

    /// `answerCallbackQuery`: stops the button's spinner, with an optional toast.
    pub async fn answer_callback_query(
        &self,
        callback_query_id: &str,
        text: Option<&str>,
    ) -> Result<(), BotApiError> {
        let mut body = json!({ "callback_query_id": callback_query_id });
        if let Some(text) = text {
            body["text"] = json!(text);
        }
        self.call("answerCallbackQuery", &body).await
    }

    async fn call(&self, method: &'static str, body: &Value) -> Result<(), BotApiError> {
        let url = self
            .base
            .join(method)
            .map_err(|e| BotApiError::Request(e.to_string()))?;
        let response = self
            .http
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(BotApiError::transport)?;
        let status = response.status();
        let answer: Value = response.json().await.map_err(BotApiError::transport)?;
        if answer["ok"].as_bool() == Some(true) {
            return Ok(());
        }
        Err(BotApiError::Refused {
            method,
            status: status.as_u16(),
            description: answer["description"]
                .as_str()
                .unwrap_or("no description")
                .to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str, command_len: usize) -> Message {
        Message {
            message_id: 1,
            from: None,
            chat: Chat {
                id: 1,
                kind: "private".into(),
            },
            text: Some(text.into()),
            entities: vec![MessageEntity {
                kind: "bot_command".into(),
                offset: 0,
                length: command_len,
            }],
        }
    }

    #[test]
    fn the_start_payload_is_the_text_after_the_command() {
        assert_eq!(
            message("/start auths_abc", 6).start_payload(),
            Some("auths_abc")
        );
        assert_eq!(
            message("/start@LoginBot auth_app", 15).start_payload(),
            Some("auth_app")
        );
        assert_eq!(message("/start", 6).start_payload(), Some(""));
        assert_eq!(message("/help auths_abc", 5).start_payload(), None);
        let mut plain = message("/start auths_abc", 6);
        plain.entities.clear();
        assert_eq!(
            plain.start_payload(),
            None,
            "not a command without the entity"
        );
    }

    #[test]
    fn the_token_is_in_the_method_path() {
        let bot = TelegramBot::new(
            reqwest::Client::new(),
            &Url::parse("http://127.0.0.1:9/tg").expect("url"),
            &SecretString::from("123:abc"),
        );
        assert_eq!(
            bot.base.join("sendMessage").expect("url").as_str(),
            "http://127.0.0.1:9/tg/bot123:abc/sendMessage"
        );
        assert!(!format!("{bot:?}").contains("abc"));
    }
}
