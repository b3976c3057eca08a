//! Telegram Mini App `initData`: parsing and both validation schemes.
//!
//! * HMAC-SHA256 (`hash`): secret = HMAC("WebAppData", bot token); the data-check string
//!   is every pair but `hash` (so `signature` is included), sorted by key, `k=v` joined
//!   by `\n`, over the *decoded raw* values (never re-serialised JSON).
//! * Ed25519 (`signature`, third parties): message = `"<bot_id>:WebAppData\n"` + every
//!   pair but `hash` and `signature`, sorted, joined the same way.
//!
//! Both are pure functions of their inputs and a `now`, so tests use fixed clocks.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use hmac::{digest::KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

/// How far in the future `auth_date` may be (clock skew between Telegram and us).
const FUTURE_SKEW_SECONDS: i64 = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InitDataError {
    #[error("initData is empty")]
    Empty,
    #[error("initData is not a valid query string")]
    Malformed,
    #[error("initData has neither hash nor signature")]
    Unsigned,
    #[error("initData signature is invalid")]
    BadSignature,
    #[error("initData has no valid auth_date")]
    MissingAuthDate,
    #[error("initData has expired")]
    Expired,
    #[error("initData auth_date is in the future")]
    FromTheFuture,
    #[error("initData field {0} is malformed")]
    BadField(&'static str),
}

/// `WebAppUser` (telegram-init-data.md).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WebAppUser {
    pub id: i64,
    #[serde(default)]
    pub is_bot: Option<bool>,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub language_code: Option<String>,
    #[serde(default)]
    pub is_premium: Option<bool>,
    #[serde(default)]
    pub added_to_attachment_menu: Option<bool>,
    #[serde(default)]
    pub allows_write_to_pm: Option<bool>,
    #[serde(default)]
    pub photo_url: Option<String>,
}

/// `WebAppChat` (telegram-init-data.md).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WebAppChat {
    pub id: i64,
    #[serde(rename = "type", default)]
    pub chat_type: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub photo_url: Option<String>,
}

/// Parsed `WebAppInitData`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WebAppInitData {
    pub query_id: Option<String>,
    pub user: Option<WebAppUser>,
    pub receiver: Option<WebAppUser>,
    pub chat: Option<WebAppChat>,
    pub chat_type: Option<String>,
    pub chat_instance: Option<String>,
    pub start_param: Option<String>,
    pub can_send_after: Option<i64>,
    pub auth_date: i64,
    pub hash: Option<String>,
    pub signature: Option<String>,
}

/// What a validation may use.
#[derive(Clone, Debug, Default)]
pub struct InitDataKeys<'a> {
    /// Enables the HMAC check of `hash`.
    pub bot_token: Option<&'a str>,
    /// Enables the Ed25519 check of `signature` (with `public_key`).
    pub bot_id: Option<i64>,
    pub public_key: Option<[u8; 32]>,
    /// `None` turns the age check off.
    pub max_age_seconds: Option<i64>,
}

/// The decoded pairs of an initData string, in a sorted map (duplicates rejected).
#[derive(Debug)]
pub struct RawInitData {
    pairs: BTreeMap<String, String>,
}

impl RawInitData {
    pub fn parse(raw: &str) -> Result<Self, InitDataError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(InitDataError::Empty);
        }
        let mut pairs = BTreeMap::new();
        for segment in raw.split('&') {
            if !segment.contains('=') {
                return Err(InitDataError::Malformed);
            }
            let mut parsed = url::form_urlencoded::parse(segment.as_bytes());
            let (key, value) = parsed.next().ok_or(InitDataError::Malformed)?;
            if key.is_empty() || pairs.insert(key.into_owned(), value.into_owned()).is_some() {
                return Err(InitDataError::Malformed);
            }
        }
        Ok(Self { pairs })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.pairs.get(key).map(String::as_str)
    }

    fn check_string<'a>(&'a self, skip: &'a [&'a str]) -> String {
        self.pairs
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `true` when `hash` is the HMAC of the data-check string under `bot_token`.
    pub fn verify_hmac(&self, bot_token: &str) -> bool {
        let Some(hash) = self.get("hash").and_then(|h| hex::decode(h).ok()) else {
            return false;
        };
        let mut secret = <HmacSha256 as KeyInit>::new_from_slice(b"WebAppData")
            .expect("HMAC takes keys of any length");
        secret.update(bot_token.as_bytes());
        let secret = secret.finalize().into_bytes();
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&secret)
            .expect("HMAC takes keys of any length");
        mac.update(self.check_string(&["hash"]).as_bytes());
        mac.verify_slice(&hash).is_ok()
    }

    /// `true` when `signature` is Telegram's Ed25519 signature for `bot_id`.
    pub fn verify_signature(&self, bot_id: i64, public_key: &[u8; 32]) -> bool {
        use base64::Engine as _;
        let Some(encoded) = self.get("signature") else {
            return false;
        };
        let encoded = encoded.trim_end_matches('=');
        let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(encoded) else {
            return false;
        };
        let Ok(signature) = Signature::from_slice(&bytes) else {
            return false;
        };
        let Ok(key) = VerifyingKey::from_bytes(public_key) else {
            return false;
        };
        let message = format!(
            "{bot_id}:WebAppData\n{}",
            self.check_string(&["hash", "signature"])
        );
        key.verify(message.as_bytes(), &signature).is_ok()
    }

    /// Decodes the fields into [`WebAppInitData`].
    pub fn decode(&self) -> Result<WebAppInitData, InitDataError> {
        fn json<T: serde::de::DeserializeOwned>(
            raw: Option<&str>,
            name: &'static str,
        ) -> Result<Option<T>, InitDataError> {
            raw.map(|v| serde_json::from_str(v).map_err(|_| InitDataError::BadField(name)))
                .transpose()
        }
        let auth_date = self
            .get("auth_date")
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or(InitDataError::MissingAuthDate)?;
        let can_send_after = self
            .get("can_send_after")
            .map(|v| {
                v.parse()
                    .map_err(|_| InitDataError::BadField("can_send_after"))
            })
            .transpose()?;
        let owned = |k: &str| self.get(k).map(str::to_owned);
        Ok(WebAppInitData {
            query_id: owned("query_id"),
            user: json(self.get("user"), "user")?,
            receiver: json(self.get("receiver"), "receiver")?,
            chat: json(self.get("chat"), "chat")?,
            chat_type: owned("chat_type"),
            chat_instance: owned("chat_instance"),
            start_param: owned("start_param"),
            can_send_after,
            auth_date,
            hash: owned("hash"),
            signature: owned("signature"),
        })
    }
}

/// Validates `raw` with whichever scheme `keys` allows, then checks `auth_date`.
///
/// The HMAC `hash` is tried first (it needs the bot token); the Ed25519 `signature`
/// is accepted too, since it proves the same pairs came from Telegram.
pub fn validate(
    raw: &str,
    keys: &InitDataKeys<'_>,
    now: DateTime<Utc>,
) -> Result<WebAppInitData, InitDataError> {
    let parsed = RawInitData::parse(raw)?;
    if parsed.get("hash").is_none() && parsed.get("signature").is_none() {
        return Err(InitDataError::Unsigned);
    }
    let hmac_ok = keys
        .bot_token
        .is_some_and(|token| parsed.verify_hmac(token));
    let signature_ok = || match (keys.bot_id, keys.public_key.as_ref()) {
        (Some(bot_id), Some(key)) => parsed.verify_signature(bot_id, key),
        _ => false,
    };
    if !hmac_ok && !signature_ok() {
        return Err(InitDataError::BadSignature);
    }
    let data = parsed.decode()?;
    // Saturating: a signed `auth_date` near i64::MIN is very old, not an overflow.
    let age = now.timestamp().saturating_sub(data.auth_date);
    if age < -FUTURE_SKEW_SECONDS {
        return Err(InitDataError::FromTheFuture);
    }
    if keys.max_age_seconds.is_some_and(|max| age > max) {
        return Err(InitDataError::Expired);
    }
    Ok(data)
}

#[cfg(test)]
#[path = "init_data_tests.rs"]
mod tests;
