//! Typed, versioned events and the topics they travel on.

use chrono::{DateTime, Utc};

use crate::db::users::User;
use serde::{Deserialize, Serialize};

/// Current envelope version; consumers ignore envelopes of a newer major version.
pub const EVENT_VERSION: u16 = 1;

/// Topic names; every publisher and subscriber builds them here.
pub mod topics {
    pub fn user(user_id: i64) -> String {
        format!("user:{user_id}")
    }

    pub fn chat(chat_id: i64) -> String {
        format!("chat:{chat_id}")
    }

    pub fn bot_auth(session_id: &str) -> String {
        format!("botauth:{session_id}")
    }
}

/// What travels on the bus: a version, when it happened, and the event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub v: u16,
    pub at: DateTime<Utc>,
    pub event: Event,
}

impl Envelope {
    pub fn new(event: Event) -> Self {
        Self {
            v: EVENT_VERSION,
            at: Utc::now(),
            event,
        }
    }
}

/// Every event a client can observe. Payloads are public facts only: per-viewer
/// fields are computed by the subscriber, so fan-out costs no per-subscriber query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A user's public profile changed (name, username, avatar, bio, language);
    /// carries the new profile with private fields (email) removed.
    UserUpdated { user: Box<User> },
    /// A liveness probe with no meaning to clients (tests, diagnostics).
    Ping { seq: i64 },
}
