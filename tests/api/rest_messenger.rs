//! The messenger REST API (messenger-rest-api.md) replayed as a legacy client sends it:
//! raw JSON over HTTP with `Authorization: Bearer <jwt>`, checking the documented
//! statuses, the exact key sets of the seed's example objects, `{"detail": …}` errors,
//! and that REST and GraphQL tell the same facts.

mod accounts;
mod chat_admin;
mod chats;
mod errors;
mod media;
mod messages;
mod parity;
mod presence;
mod users;

use std::collections::BTreeSet;

use reqwest::{header::HeaderMap, Method};
use serde_json::Value;

use crate::helpers::{quick_user, TestApp};

/// The seed's example objects (§3), verbatim: responses must have exactly their keys.
pub mod seed {
    pub const TOKEN_RESPONSE: &str =
        r#"{ "access_token": "jwt", "refresh_token": "jwt", "token_type": "bearer" }"#;
    pub const AUTH_USER_RESPONSE: &str = r#"{
      "id": 1, "email": "user@example.com", "name": "Benya", "username": "benya",
      "bio": "optional", "avatar_url": "https://...", "email_verified": true,
      "twofa_enabled": false, "created_at": "2026-03-08T10:00:00Z",
      "updated_at": "2026-03-08T10:00:00Z" }"#;
    pub const USER_READ: &str = r#"{
      "id": 1, "name": "Benya", "username": "benya", "email": "user@example.com",
      "avatar_url": "https://...", "bio": "optional", "email_verified": true,
      "allow_private_messages": true, "twofa_enabled": false,
      "created_at": "2026-03-08T10:00:00Z", "updated_at": "2026-03-08T10:00:00Z" }"#;
    pub const USER_SEARCH_READ: &str = r#"{
      "id": 2, "name": "Other User", "username": "other", "email": "other@example.com",
      "avatar_url": null }"#;
    pub const CHAT_READ: &str = r#"{
      "id": 10, "public_id": "A1B2C3D4E5F6G7H8J9K0L1M2", "type": "private", "title": null,
      "avatar_url": null, "display_title": "Other User", "handle": null, "description": null,
      "is_public": false, "is_saved": false, "archived": false, "pinned": false,
      "unread_count": 3, "unread_mentions_count": 1, "pinned_message_id": null,
      "members_count": 2, "online_count": 1, "subscribers_count": null,
      "counterpart_user_id": 2, "counterpart_name": "Other User",
      "counterpart_username": "other", "counterpart_avatar_url": "https://...",
      "counterpart_is_online": true, "counterpart_last_seen_at": "2026-03-08T10:00:00Z",
      "last_message_text": "Hello", "last_message_type": "text",
      "last_message_created_at": "2026-03-08T10:01:00Z", "my_role": "member",
      "created_at": "2026-03-08T09:00:00Z" }"#;
    pub const CHAT_MEMBER: &str =
        r#"{ "id": 1, "user_id": 2, "role": "member", "joined_at": "2026-03-08T09:00:00Z" }"#;
    pub const MESSAGE_READ: &str = r#"{
      "id": 100, "chat_id": 10, "sender_id": 1, "reply_to_message_id": null,
      "forwarded_from_message_id": null, "type": "text", "text": "Hello",
      "delivery_status": "read", "attachment_waveform": [4, 7, 10, 9, 6],
      "created_at": "2026-03-08T10:02:00Z", "updated_at": "2026-03-08T10:02:00Z" }"#;
    pub const UPLOAD_URL_RESPONSE: &str = r#"{
      "upload_url": "https://...signed...", "file_url": "https://.../bucket/uploads/....jpg",
      "object_key": "uploads/....jpg", "expires_in": 900,
      "required_headers": { "Content-Type": "image/jpeg" } }"#;
    pub const ATTACHMENT_READ: &str = r#"{
      "id": 1, "message_id": 100, "file_url": "https://...", "file_type": "image/jpeg",
      "file_size": 123456, "waveform_points": [4, 7, 10, 9, 6] }"#;
    pub const CHAT_ATTACHMENT_READ: &str = r#"{
      "id": 1, "message_id": 100, "sender_id": 1, "message_type": "image",
      "message_created_at": "2026-03-08T10:10:00Z", "file_url": "https://...",
      "file_type": "image/jpeg", "file_size": 123456 }"#;
    pub const GLOBAL_SEARCH_READ: &str = r#"{ "users": [], "chats": [], "messages": [] }"#;
    pub const NOTIFICATION_READ: &str = r#"{
      "id": 1, "user_id": 1, "event_type": "message_created", "payload": "{\"chat_id\":10}",
      "created_at": "2026-03-08T10:15:00Z" }"#;
    pub const NOTIFICATION_SETTINGS: &str = r#"{ "chat_id": 10, "user_id": 1, "muted": false }"#;
    pub const INVITE_LINK: &str = r#"{ "chat_id": 10, "token": "invite_token",
      "invite_url": "https://frontend/join?token=invite_token" }"#;
    pub const READ_POINTERS: &str =
        r#"{ "last_delivered_message_id": 123, "last_read_message_id": 120 }"#;
    pub const REACTION: &str = r#"{ "emoji": "👍", "count": 3, "reacted": true }"#;
    pub const TWO_FACTOR_SETUP: &str =
        r#"{ "secret": "BASE32SECRET", "otpauth_url": "otpauth://..." }"#;
}

/// The keys of a JSON object.
pub fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .cloned()
        .collect()
}

/// `actual` has exactly the keys of the seed's example `example`.
#[track_caller]
pub fn assert_shape(actual: &Value, example: &str) {
    let example: Value = serde_json::from_str(example).expect("seed example parses");
    assert_eq!(keys(actual), keys(&example), "{actual}");
}

/// A timestamp as the seed writes them: `2026-03-08T10:00:00Z`.
#[track_caller]
pub fn assert_seed_timestamp(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a string: {value}"));
    assert_eq!(text.len(), 20, "{text}");
    assert!(text.ends_with('Z'), "{text}");
    chrono::DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}"));
}

/// One response: status, headers, raw body, and the body as JSON (`Null` when empty).
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    /// The `detail` of an error body, which must be the only key.
    #[track_caller]
    pub fn detail(&self) -> &str {
        assert_eq!(
            keys(&self.body),
            BTreeSet::from(["detail".to_owned()]),
            "{}",
            self.text
        );
        self.body["detail"]
            .as_str()
            .unwrap_or_else(|| panic!("a string detail: {}", self.text))
    }

    /// A 204 with an empty body.
    #[track_caller]
    pub fn assert_no_content(&self) {
        assert_eq!(self.status, 204, "{}", self.text);
        assert!(self.text.is_empty(), "204 with a body: {}", self.text);
    }
}

/// A legacy client: raw requests with a bearer token.
pub struct Client<'a> {
    pub app: &'a TestApp,
    pub token: Option<String>,
}

impl<'a> Client<'a> {
    pub fn anonymous(app: &'a TestApp) -> Self {
        Self { app, token: None }
    }

    pub fn with_token(app: &'a TestApp, token: &str) -> Self {
        Self {
            app,
            token: Some(token.to_owned()),
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self
            .app
            .http
            .request(method, self.app.url(&format!("/api/v1{path}")));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body read");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON body: {text}"))
        };
        Reply {
            status,
            headers,
            text,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn post_empty(&self, path: &str) -> Reply {
        self.call(Method::POST, path, None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    /// A call that must answer `status`; returns the JSON body.
    #[track_caller]
    pub fn expect(reply: Reply, status: u16) -> Value {
        assert_eq!(reply.status, status, "{}", reply.text);
        reply.body
    }
}

/// A signed-in user: their client and id.
pub struct User<'a> {
    pub client: Client<'a>,
    pub id: i64,
    pub token: String,
}

pub async fn user<'a>(app: &'a TestApp, name: &str) -> User<'a> {
    let (token, id) = quick_user(app, name).await;
    User {
        client: Client::with_token(app, &token),
        id: id.parse().expect("numeric id"),
        token,
    }
}

/// Creates a group of `owner` with `members` over REST; returns its id.
pub async fn rest_group(owner: &Client<'_>, title: &str, members: &[i64]) -> i64 {
    let body = serde_json::json!({ "type": "group", "title": title, "member_ids": members });
    let chat = Client::expect(owner.post("/chats", body).await, 200);
    chat["id"].as_i64().expect("id")
}

/// Sends a text message over REST; returns its id.
pub async fn rest_send(sender: &Client<'_>, chat_id: i64, text: &str) -> i64 {
    let body = serde_json::json!({ "chat_id": chat_id, "type": "text", "text": text });
    let message = Client::expect(sender.post("/messages", body).await, 201);
    message["id"].as_i64().expect("id")
}
