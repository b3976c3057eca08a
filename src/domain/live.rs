//! Live streams behind the GraphQL subscriptions (DESIGN.md § Realtime).
//!
//! Each stream subscribes to its topics *first*, then replays from Postgres what the
//! client missed (`afterMessageId`), then forwards live events, dropping any message
//! already sent. A message event names the chat's previous message: a subscriber
//! whose last message is older missed one (an event lost while Redis was away) and
//! reloads the gap from Postgres; so do all streams after a lag or a reconnect of the
//! process's Redis link. Events carry their public payload, so forwarding one costs no
//! query per subscriber.

mod chats;
mod messages;

use super::{Domain, Principal};
use crate::{
    error::AppResult,
    realtime::{hub::Delivery, topics, Event},
};
use futures_util::{Stream, StreamExt};

pub use messages::MessageUpdate;

/// A change to one of the caller's chats (`chatEvents`).
#[derive(Clone, Debug, PartialEq)]
pub enum ChatUpdate {
    /// The caller joined or was added.
    Added {
        chat_id: i64,
    },
    /// The caller left, was removed, or the chat was deleted.
    Removed {
        chat_id: i64,
    },
    /// Title, description, avatar, pinned message or roles changed.
    Updated {
        chat_id: i64,
    },
    MemberJoined {
        chat_id: i64,
        user_id: i64,
    },
    MemberLeft {
        chat_id: i64,
        user_id: i64,
    },
    /// A new message or a read receipt of the caller's moved the unread counters.
    UnreadChanged {
        chat_id: i64,
    },
    Typing {
        chat_id: i64,
        user_id: i64,
        typing: bool,
    },
}

/// A change to the caller's sessions (`authSessionEvents`).
#[derive(Clone, Debug, PartialEq)]
pub struct SessionUpdate {
    /// The revoked session (refresh family); `None`: all of them.
    pub session_id: Option<uuid::Uuid>,
    /// Whether the connection's own session is among the revoked.
    pub current: bool,
}

pub struct LiveService<'a>(pub(super) &'a Domain);

impl LiveService<'_> {
    /// `messageEvents`.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn messages(
        &self,
        caller: &Principal,
        chat_id: Option<i64>,
        after_message_id: Option<i64>,
    ) -> AppResult<impl Stream<Item = MessageUpdate> + Send + 'static> {
        messages::stream(self.0, caller, chat_id, after_message_id).await
    }

    /// `chatEvents`: membership, chat changes, unread counters and typing in all of the
    /// caller's chats.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn chats(
        &self,
        caller: &Principal,
    ) -> AppResult<impl Stream<Item = ChatUpdate> + Send + 'static> {
        let me = caller.user_id;
        let chats = crate::db::chats::chat_ids_of(self.0.db().exec(), me).await?;
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        let feed = chats::Feed::new(self.0.clone(), me, &chats);
        tokio::spawn(feed.run(tx));
        Ok(tokio_stream::wrappers::ReceiverStream::new(rx))
    }

    /// `authSessionEvents`: the caller's sessions being revoked.
    pub fn sessions(
        &self,
        caller: &Principal,
    ) -> impl Stream<Item = SessionUpdate> + Send + 'static {
        let me = caller.user_id;
        let current = match caller.method {
            super::AuthMethod::AccessToken { session_id } => session_id,
            super::AuthMethod::InitData => None,
        };
        self.0
            .bus()
            .subscribe(&topics::user(me))
            .filter_map(move |delivery| async move {
                let Delivery::Event(envelope) = delivery else {
                    return None;
                };
                match &envelope.event {
                    Event::SessionRevoked { user_id, family_id } if *user_id == me => {
                        Some(SessionUpdate {
                            session_id: *family_id,
                            current: family_id.is_none() || *family_id == current,
                        })
                    }
                    _ => None,
                }
            })
    }

    /// `botAuthSession(id)`: the session's status now, then each change until it is
    /// `completed` (the code is handed out by this stream exactly as by one poll) or
    /// `expired`. Replaces polling `GET /v1/auth/session/{id}/status`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn bot_auth_session(
        &self,
        session_id: String,
    ) -> AppResult<impl Stream<Item = super::bot_auth::SessionStatus> + Send + 'static> {
        use super::bot_auth::SessionStatus;
        // Listen first, then read: a change between the two is not missed.
        let mut changes = self.0.bus().subscribe(&topics::bot_auth(&session_id));
        let first = self.0.bot_auth().session_status(&session_id).await?;
        let domain = self.0.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            let mut status = first;
            loop {
                let done = !matches!(status, SessionStatus::Pending);
                if tx.send(status).await.is_err() || done {
                    return;
                }
                // Wait for a change (or a resync after a Redis outage), then re-read.
                status = loop {
                    let next = tokio::select! {
                        next = changes.next() => next,
                        () = tx.closed() => return,
                    };
                    match next {
                        None => return,
                        Some(Delivery::Event(envelope))
                            if !matches!(
                                &envelope.event,
                                Event::BotAuthSessionChanged { .. } | Event::Resync
                            ) =>
                        {
                            continue;
                        }
                        Some(_) => {}
                    }
                    let fresh = domain
                        .bot_auth()
                        .session_status(&session_id)
                        .await
                        .unwrap_or(SessionStatus::Expired);
                    if fresh != SessionStatus::Pending {
                        break fresh;
                    }
                };
            }
        });
        Ok(tokio_stream::wrappers::ReceiverStream::new(rx))
    }

    /// `setTyping`: tells the chat's other members (nothing is stored).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn typing(&self, caller: &Principal, chat_id: i64, typing: bool) -> AppResult<()> {
        self.0.chats().require_member(caller, chat_id).await?;
        let event = Event::Typing {
            chat_id,
            user_id: caller.user_id,
            typing,
        };
        self.0.bus().publish(&topics::chat(chat_id), event).await;
        Ok(())
    }
}
