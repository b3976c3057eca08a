//! Request and response bodies exactly as messenger-rest-api.md §3 names them: snake
//! case, integer ids, timestamps as the seed's examples show them.

mod account;
mod chats;
mod media;
mod messages;
mod search;
mod users;

pub use account::*;
pub use chats::*;
pub use media::*;
pub use messages::*;
pub use search::*;
pub use users::*;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{
    de::{DeserializeOwned, IntoDeserializer},
    Deserialize, Deserializer, Serialize, Serializer,
};
use utoipa::ToSchema;

use crate::domain::UnknownValue;

/// A timestamp as the seed's examples write it: RFC 3339 in UTC, whole seconds, `Z`
/// (`2026-03-08T10:00:00Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ToSchema)]
#[schema(example = "2026-03-08T10:00:00Z")]
pub struct Timestamp(pub DateTime<Utc>);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Self(at)
    }
}

/// `MessageResponse`: a confirmation sentence.
#[derive(Serialize, ToSchema)]
pub struct MessageResponse {
    pub message: String,
}

impl From<String> for MessageResponse {
    fn from(message: String) -> Self {
        Self { message }
    }
}

/// A request field the document types as the enum `T` ([`PrivacySetting`],
/// [`MessageType`], [`ChatType`]): read as any string (a non-string fails like any text
/// field), then parsed into `T`. Text that is none of `T`'s values stays `Err`, for the
/// domain to report with the request's other faults.
pub struct Choice<T>(pub Result<T, UnknownValue>);

impl<T> Choice<T> {
    /// The domain's value of the choice.
    pub fn into_domain<U: From<T>>(self) -> Result<U, UnknownValue> {
        self.0.map(U::from)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Choice<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let parsed = T::deserialize(text.as_str().into_deserializer())
            .map_err(|_: serde::de::value::Error| UnknownValue(text));
        Ok(Self(parsed))
    }
}

/// For optional fields of partial updates: absent → `None` (keep), `null` →
/// `Some(None)` (clear), a value → `Some(Some(v))`. Use with `#[serde(default)]`.
pub fn patch<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A query-string boolean as FastAPI reads one: `true`/`false`, `1`/`0`, `yes`/`no`,
/// `on`/`off`, `t`/`f`, `y`/`n`, any case (Python clients send `False`). Use with
/// `#[serde(default, deserialize_with = "flag")]`.
pub fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let raw = String::deserialize(deserializer)?;
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Ok(true),
        "false" | "0" | "no" | "off" | "f" | "n" => Ok(false),
        _ => Err(serde::de::Error::custom(format!(
            "`{raw}` is not a valid boolean"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_look_like_the_seed_examples() {
        let at = DateTime::parse_from_rfc3339("2026-03-08T10:00:00.123456+00:00")
            .expect("valid")
            .with_timezone(&Utc);
        assert_eq!(
            serde_json::to_value(Timestamp(at)).expect("serializes"),
            "2026-03-08T10:00:00Z"
        );
    }

    #[test]
    fn query_flags_read_like_fastapi() {
        #[derive(Deserialize)]
        struct Params {
            #[serde(default, deserialize_with = "flag")]
            for_all: bool,
        }
        let parse = |raw: &str| serde_urlencoded_like(raw).map(|p: Params| p.for_all);
        assert_eq!(parse(""), Ok(false));
        for yes in ["for_all=true", "for_all=True", "for_all=1", "for_all=yes"] {
            assert_eq!(parse(yes), Ok(true), "{yes}");
        }
        for no in ["for_all=false", "for_all=False", "for_all=0", "for_all=off"] {
            assert_eq!(parse(no), Ok(false), "{no}");
        }
        assert!(parse("for_all=maybe").is_err());
    }

    /// Parses a query string the way axum's `Query` does.
    fn serde_urlencoded_like<T: serde::de::DeserializeOwned>(raw: &str) -> Result<T, String> {
        let uri: axum::http::Uri = format!("/?{raw}").parse().map_err(|e| format!("{e}"))?;
        axum::extract::Query::<T>::try_from_uri(&uri)
            .map(|q| q.0)
            .map_err(|e| e.body_text())
    }

    #[test]
    fn patches_tell_absent_from_null() {
        #[derive(Deserialize)]
        struct Patch {
            #[serde(default, deserialize_with = "patch")]
            bio: Option<Option<String>>,
        }
        let parse = |raw: &str| serde_json::from_str::<Patch>(raw).expect("parses").bio;
        assert_eq!(parse("{}"), None);
        assert_eq!(parse(r#"{"bio": null}"#), Some(None));
        assert_eq!(parse(r#"{"bio": "hi"}"#), Some(Some("hi".into())));
    }

    #[test]
    fn choices_keep_unknown_text_for_the_domain_and_refuse_non_strings_as_text_does() {
        let parse = |raw: &str| serde_json::from_str::<Choice<PrivacySetting>>(raw);
        let parsed = |raw: &str| parse(raw).expect("a string parses").0;
        assert_eq!(parsed(r#""contacts""#), Ok(PrivacySetting::Contacts));
        assert_eq!(
            parsed(r#""Contacts""#),
            Err(UnknownValue("Contacts".to_owned()))
        );
        let not_text = parse("5").err().map(|e| e.to_string());
        let as_text = serde_json::from_str::<String>("5")
            .err()
            .map(|e| e.to_string());
        assert_eq!(not_text, as_text);
    }
}
