//! Typed, versioned events and the topics they travel on.

use chrono::{DateTime, Utc};

use crate::db::{
    bot_auth::BotAuthStatus,
    messages::Message,
    users::{PrivacyLevel, User},
};
use serde::{Deserialize, Serialize};

/// Current envelope version; consumers ignore envelopes of a newer major version.
pub const EVENT_VERSION: u16 = 1;

/// Topic names; every publisher and subscriber builds them here.
pub mod topics {
    pub fn user(user_id: i64) -> String {
        format!("user:{user_id}")
    }

    /// Every session revocation, for every instance's token-state cache.
    pub fn revocations() -> String {
        "revocations".to_owned()
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
    UserUpdated {
        user: Box<User>,
    },
    /// A chat's shared facts changed (title, description, avatar, pinned message, roles).
    ChatUpdated {
        chat_id: i64,
    },
    /// A user joined (`joined`) or left / was removed from a chat; published on the
    /// user's topic and the chat's topic.
    MembershipChanged {
        chat_id: i64,
        user_id: i64,
        joined: bool,
    },
    /// A message was sent: the message and its sender's public profile as everyone
    /// sees them, and the chat's previous last message (a subscriber whose last seen
    /// message is older missed something and resynchronises from the database).
    MessageCreated {
        message: Box<Message>,
        sender: Box<User>,
        previous_message_id: Option<i64>,
    },
    MessageEdited {
        message: Box<Message>,
    },
    /// Deleted for everyone.
    MessageDeleted {
        chat_id: i64,
        message_id: i64,
    },
    /// The message's reaction counts after a change (`reacted` is per viewer, so not here).
    ReactionsChanged {
        chat_id: i64,
        message_id: i64,
        reactions: Vec<(String, i64)>,
    },
    /// Someone is typing in a chat (ephemeral: never stored).
    Typing {
        chat_id: i64,
        user_id: i64,
        typing: bool,
    },
    /// A user came online or went offline.
    Presence {
        user_id: i64,
        online: bool,
        last_seen_at: Option<DateTime<Utc>>,
        /// The user's `privacy_last_seen`, so each subscriber can decide without a query.
        privacy_last_seen: PrivacyLevel,
    },
    /// A member's delivered / read pointers moved.
    ReadReceipt {
        chat_id: i64,
        user_id: i64,
        last_delivered_message_id: i64,
        last_read_message_id: i64,
    },
    /// Sessions of a user were revoked: one family, or all (`family_id: None`).
    /// Clients holding such a session sign out at once.
    SessionRevoked {
        user_id: i64,
        family_id: Option<uuid::Uuid>,
    },
    /// A bot-login session changed: `completed` (the user pressed Login) or `expired`
    /// (cancelled, or its code was used). Never carries the code: events travel through
    /// Redis and reach every listener of the topic, while the code may be handed out once
    /// only — a `completed` listener claims it with `bot_auth().session_status`, exactly
    /// like a poll.
    BotAuthSessionChanged {
        session_id: String,
        status: BotAuthStatus,
    },
    /// This process's link to the other instances was down: events may have been
    /// missed, so subscribers reload what they show from the database. Delivered
    /// locally only, to every topic.
    Resync,
    /// A liveness probe with no meaning to clients (tests, diagnostics).
    Ping {
        seq: i64,
    },
}
