//! The Max Bot API (platform-api.max.ru) as the login bot uses it: the `Update` shapes
//! its webhook receives, `POST /messages` and `POST /answers`.
//!
//! Max authenticates calls with the token in the `Authorization` header (query-string
//! tokens are no longer accepted) and sends `X-Max-Bot-Api-Secret` with each webhook call
//! when the subscription was created with a `secret`.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};
use url::Url;

use super::BotApiError;

/// The header that carries the subscription's `secret` on every webhook call.
pub const SECRET_HEADER: &str = "x-max-bot-api-secret";

/// One webhook call's body, by `update_type`; types the login bot does not read are
/// [`Update::Other`].
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "update_type", rename_all = "snake_case")]
pub enum Update {
    /// The user pressed "Start", also through a `max.ru/<bot>?start=<payload>` link.
    BotStarted {
        chat_id: i64,
        user: User,
        payload: Option<String>,
        user_locale: Option<String>,
    },
    /// The user pressed a `callback` button.
    MessageCallback {
        callback: Callback,
        user_locale: Option<String>,
    },
    /// A message to the bot (a typed `/start <payload>` arrives this way).
    MessageCreated {
        message: Message,
        user_locale: Option<String>,
    },
    #[serde(other)]
    Other,
}

#[derive(Clone, Debug, Deserialize)]
pub struct User {
    pub user_id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Older payloads carry only the full name.
    pub name: Option<String>,
    pub username: Option<String>,
    #[serde(default)]
    pub is_bot: bool,
    pub avatar_url: Option<String>,
}

impl User {
    /// The first name, or the full name when the payload has only that.
    pub fn shown_first_name(&self) -> Option<&str> {
        self.first_name
            .as_deref()
            .or(self.name.as_deref())
            .filter(|n| !n.trim().is_empty())
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct Callback {
    pub callback_id: String,
    pub payload: Option<String>,
    pub user: User,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Message {
    pub sender: Option<User>,
    pub recipient: Recipient,
    pub body: MessageBody,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Recipient {
    pub chat_id: Option<i64>,
    /// `dialog`, `chat` or `channel`.
    pub chat_type: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct MessageBody {
    pub text: Option<String>,
}

impl Message {
    /// The argument of `/start <payload>` typed in a dialog with the bot.
    pub fn start_payload(&self) -> Option<&str> {
        if self.recipient.chat_type.as_deref() != Some("dialog") {
            return None;
        }
        let text = self.body.text.as_deref()?.trim();
        let rest = text.strip_prefix("/start")?;
        (rest.is_empty() || rest.starts_with(' ')).then(|| rest.trim())
    }
}

/// An inline keyboard button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Button {
    /// Sends `payload` back as a `message_callback`.
    Callback { text: String, payload: String },
    /// Opens `url`.
    Link { text: String, url: String },
}

impl Button {
    fn to_json(&self) -> Value {
        match self {
            Self::Callback { text, payload } => {
                json!({ "type": "callback", "text": text, "payload": payload })
            }
            Self::Link { text, url } => json!({ "type": "link", "text": text, "url": url }),
        }
    }
}

/// A message body: text and an optional inline keyboard.
fn new_message(text: &str, rows: &[Vec<Button>]) -> Value {
    let mut attachments = Vec::new();
    if !rows.is_empty() {
        let buttons: Vec<Vec<Value>> = rows
            .iter()
            .map(|row| row.iter().map(Button::to_json).collect())
            .collect();
        attachments.push(json!({ "type": "inline_keyboard", "payload": { "buttons": buttons } }));
    }
    json!({ "text": text, "attachments": attachments })
}

/// A client for one bot.
#[derive(Clone)]
pub struct MaxBot {
    http: reqwest::Client,
    base: Url,
    token: SecretString,
}

impl std::fmt::Debug for MaxBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaxBot")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl MaxBot {
    pub fn new(http: reqwest::Client, api_url: &Url, token: &SecretString) -> Self {
        let mut base = api_url.clone();
        let path = format!("{}/", base.path().trim_end_matches('/'));
        base.set_path(&path);
        Self {
            http,
            base,
            token: token.clone(),
        }
    }

    /// `POST /messages?user_id=…`: a message in the dialog with `user_id`.
    pub async fn send_message(
        &self,
        user_id: i64,
        text: &str,
        rows: &[Vec<Button>],
    ) -> Result<(), BotApiError> {
        let query = [("user_id", user_id.to_string())];
        self.call("messages", &query, &new_message(text, rows))
            .await
    }

    /// `POST /answers?callback_id=…`: replaces the message whose button was pressed with
    /// `text` and `rows`.
    pub async fn answer_callback(
        &self,
        callback_id: &str,
        text: &str,
        rows: &[Vec<Button>],
    ) -> Result<(), BotApiError> {
        let query = [("callback_id", callback_id.to_owned())];
        let body = json!({ "message": new_message(text, rows) });
        self.call("answers", &query, &body).await
    }

    async fn call(
        &self,
        method: &'static str,
        query: &[(&str, String)],
        body: &Value,
    ) -> Result<(), BotApiError> {
        let url = self
            .base
            .join(method)
            .map_err(|e| BotApiError::Request(e.to_string()))?;
        let response = self
            .http
            .post(url)
            .query(query)
            .header(reqwest::header::AUTHORIZATION, self.token.expose_secret())
            .json(body)
            .send()
            .await
            .map_err(BotApiError::transport)?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // Errors are `{"code": "...", "message": "..."}`.
        let answer: Value = response.json().await.unwrap_or_default();
        Err(BotApiError::Refused {
            method,
            status: status.as_u16(),
            description: answer["message"]
                .as_str()
                .or(answer["code"].as_str())
                .unwrap_or("no description")
                .to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_start_in_a_dialog_carries_the_payload() {
        let message = |text: &str, chat_type: &str| Message {
            sender: None,
            recipient: Recipient {
                chat_id: Some(1),
                chat_type: Some(chat_type.into()),
            },
            body: MessageBody {
                text: Some(text.into()),
            },
        };
        assert_eq!(
            message("/start auths_abc", "dialog").start_payload(),
            Some("auths_abc")
        );
        assert_eq!(message("/start", "dialog").start_payload(), Some(""));
        assert_eq!(message("/started", "dialog").start_payload(), None);
        assert_eq!(message("/start auths_abc", "chat").start_payload(), None);
    }

    #[test]
    fn unknown_update_types_are_other() {
        let update: Update = serde_json::from_str(
            r#"{"update_type":"dialog_muted","timestamp":1,"chat_id":1,"user":{"user_id":1}}"#,
        )
        .expect("parses");
        assert!(matches!(update, Update::Other));
    }
}
