//! The event schema of analytics-events-api.md "Body": every documented field's type,
//! checked. Fields the seed does not list are ignored (the official SDK spreads TON
//! Connect's event details into the body, so extra keys are normal); `null` counts as
//! absent for optional fields.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::db::analytics::NewEvent;

/// `event_name` values: the seed's "Supported events" page (app-init … disconnection),
/// plus the names the official SDK (`@telegram-apps/analytics`) also sends
/// (`connection-restoring-started`, purchases, subscriptions, invoices), so a real
/// SDK batch is never refused as a whole for one of them.
pub const SUPPORTED_EVENTS: &[&str] = &[
    "app-init",
    "app-hide",
    "custom-event",
    "connection-started",
    "connection-completed",
    "connection-error",
    "connection-restoring-started",
    "connection-restoring-completed",
    "connection-restoring-error",
    "transaction-sent-for-signature",
    "transaction-signed",
    "transaction-signing-failed",
    "disconnection",
    "purchase-init",
    "purchase-success",
    "purchase-failed",
    "purchase-cancelled",
    "refund-issued",
    "subscription-started",
    "subscription-renewed",
    "subscription-cancelled",
    "register-invoice",
];

/// Events one request may carry (the SDK sends at most 20).
pub const MAX_BATCH: usize = 1000;

/// Longest accepted string field, in characters.
const MAX_TEXT: usize = 4096;

/// Where a body departs from the schema, e.g. `[2].user_id` and what it must be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub path: String,
    pub expected: String,
}

/// One event and the `app_name` it claims.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedEvent {
    pub app_name: String,
    pub event: NewEvent,
}

/// A body: one event object or a non-empty array of them.
pub fn parse_batch(body: &Value) -> Result<Vec<ParsedEvent>, Mismatch> {
    match body {
        Value::Array(items) if items.is_empty() => Err(mismatch("", "at least one event")),
        Value::Array(items) if items.len() > MAX_BATCH => {
            Err(mismatch("", &format!("at most {MAX_BATCH} events")))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| parse_event(item, &format!("[{i}].")))
            .collect(),
        single => Ok(vec![parse_event(single, "")?]),
    }
}

fn mismatch(path: &str, expected: &str) -> Mismatch {
    Mismatch {
        path: path.trim_end_matches('.').to_owned(),
        expected: expected.to_owned(),
    }
}

fn parse_event(item: &Value, prefix: &str) -> Result<ParsedEvent, Mismatch> {
    let object = item
        .as_object()
        .ok_or_else(|| mismatch(prefix, "an event object"))?;
    if has_nul(item) {
        // Postgres stores no NUL in text or jsonb: refused here, not as a failed write.
        return Err(mismatch(prefix, "text without NUL characters"));
    }
    let f = Fields { object, prefix };
    let event_name = f.required_text("event_name")?;
    if !SUPPORTED_EVENTS.contains(&event_name.as_str()) {
        return Err(f.mismatch("event_name", "a supported event name"));
    }
    let session_id = Uuid::parse_str(&f.required_text("session_id")?)
        .map_err(|_| f.mismatch("session_id", "a UUID"))?;
    let event = NewEvent {
        event_name,
        session_id,
        user_id: f
            .integer("user_id")?
            .ok_or_else(|| f.mismatch("user_id", "a number"))?,
        is_premium: f.boolean("is_premium")?,
        is_success: f.boolean("is_success")?,
        error_message: f.text("error_message")?,
        error_code: f.integer("error_code")?,
        wallet_address: f.text("wallet_address")?,
        wallet_type: f.text("wallet_type")?,
        wallet_version: f.text("wallet_version")?,
        auth_type: f.auth_type()?,
        valid_until: f.text("valid_until")?,
        from_address: f.text("from")?,
        messages: f.messages()?,
        custom_data: f.custom_data()?,
        client_timestamp: f.text("client_timestamp")?,
        platform: f.text("platform")?,
        locale: f.text("locale")?,
        start_param: f.text("start_param")?,
        url_referer: f.text("url_referer")?,
        scope: f.text("scope")?,
    };
    Ok(ParsedEvent {
        app_name: f.required_text("app_name")?,
        event,
    })
}

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

struct Fields<'a> {
    object: &'a Map<String, Value>,
    prefix: &'a str,
}

impl Fields<'_> {
    fn mismatch(&self, key: &str, expected: &str) -> Mismatch {
        mismatch(&format!("{}{key}", self.prefix), expected)
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.object.get(key).filter(|v| !v.is_null())
    }

    fn text(&self, key: &str) -> Result<Option<String>, Mismatch> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.chars().count() <= MAX_TEXT => Ok(Some(s.clone())),
            Some(_) => Err(self.mismatch(key, &format!("a string of at most {MAX_TEXT}"))),
        }
    }

    fn required_text(&self, key: &str) -> Result<String, Mismatch> {
        self.text(key)?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.mismatch(key, "a non-empty string"))
    }

    fn boolean(&self, key: &str) -> Result<bool, Mismatch> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.mismatch(key, "a boolean")),
        }
    }

    /// A whole number that fits 64 bits (ids and codes are stored as `bigint`).
    fn integer(&self, key: &str) -> Result<Option<i64>, Mismatch> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.mismatch(key, "a whole number")),
            Some(_) => Err(self.mismatch(key, "a number")),
        }
    }

    /// The seed's `enum(0 - 'ton_addr', 1 - 'ton_proof')`: the number, or the name
    /// (TON Connect's own events carry the name).
    fn auth_type(&self) -> Result<Option<i16>, Mismatch> {
        match self.get("auth_type") {
            None => Ok(None),
            Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(0)),
            Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(1)),
            Some(Value::String(s)) if s == "ton_addr" => Ok(Some(0)),
            Some(Value::String(s)) if s == "ton_proof" => Ok(Some(1)),
            Some(_) => Err(self.mismatch("auth_type", "0 (ton_addr) or 1 (ton_proof)")),
        }
    }

    /// `{ address: string; amount: string }[]`, stored as sent.
    fn messages(&self) -> Result<Option<Value>, Mismatch> {
        let Some(value) = self.get("messages") else {
            return Ok(None);
        };
        let expected = "an array of {address: string, amount: string}";
        let items = value
            .as_array()
            .ok_or_else(|| self.mismatch("messages", expected))?;
        let valid = items.iter().all(|item| {
            ["address", "amount"]
                .iter()
                .all(|k| item.get(k).is_some_and(Value::is_string))
        });
        if !valid {
            return Err(self.mismatch("messages", expected));
        }
        Ok(Some(value.clone()))
    }

    fn custom_data(&self) -> Result<Option<Value>, Mismatch> {
        match self.get("custom_data") {
            None => Ok(None),
            Some(value @ Value::Object(_)) => Ok(Some(value.clone())),
            Some(_) => Err(self.mismatch("custom_data", "an object")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> Value {
        json!({
            "event_name": "app-init",
            "session_id": "10c574d9-6d2c-4e6d-a141-ce6da141ce6d",
            "user_id": 111111111,
            "app_name": "docs",
        })
    }

    fn with(key: &str, value: Value) -> Value {
        let mut e = event();
        e[key] = value;
        e
    }

    fn path_of(body: Value) -> String {
        parse_batch(&body).expect_err("must not match").path
    }

    #[test]
    fn one_object_or_an_array_is_a_batch() {
        let one = parse_batch(&event()).expect("object");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].app_name, "docs");
        assert_eq!(one[0].event.user_id, 111111111);
        assert!(!one[0].event.is_premium);
        let many = parse_batch(&json!([event(), event()])).expect("array");
        assert_eq!(many.len(), 2);
        assert_eq!(path_of(json!([])), "");
    }

    #[test]
    fn every_documented_type_is_checked() {
        for (key, bad) in [
            ("user_id", json!("111")),
            ("user_id", json!(1.5)),
            ("event_name", json!("page-view")),
            ("session_id", json!("not-a-uuid")),
            ("app_name", json!(7)),
            ("is_premium", json!("true")),
            ("is_success", json!(1)),
            ("error_message", json!(false)),
            ("error_code", json!("E1")),
            ("wallet_address", json!(1)),
            ("auth_type", json!(2)),
            ("auth_type", json!("ton_other")),
            ("valid_until", json!(1)),
            ("from", json!([])),
            ("messages", json!([{ "address": "a" }])),
            ("messages", json!({ "address": "a", "amount": "1" })),
            ("custom_data", json!("x")),
            ("client_timestamp", json!(1743503599534_i64)),
            ("platform", json!({})),
            ("locale", json!(1)),
            ("start_param", json!(1)),
            ("url_referer", json!(1)),
            ("scope", json!(1)),
        ] {
            assert_eq!(
                path_of(json!([event(), with(key, bad)])),
                format!("[1].{key}")
            );
        }
        assert_eq!(path_of(json!({ "user_id": 1 })), "event_name");
        assert_eq!(path_of(json!(["x"])), "[0]");
        assert_eq!(
            path_of(json!([with("custom_data", json!({ "k": "a\u{0}b" }))])),
            "[0]"
        );
    }

    #[test]
    fn optional_fields_may_be_null_and_auth_type_takes_names() {
        let parsed = parse_batch(&json!([with("error_code", Value::Null)])).expect("null");
        assert_eq!(parsed[0].event.error_code, None);
        let parsed = parse_batch(&with("auth_type", json!("ton_proof"))).expect("name");
        assert_eq!(parsed[0].event.auth_type, Some(1));
        let parsed = parse_batch(&with("from", json!("EQabc"))).expect("from");
        assert_eq!(parsed[0].event.from_address.as_deref(), Some("EQabc"));
    }
}
