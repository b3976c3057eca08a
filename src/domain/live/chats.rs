//! `chatEvents`: one caller's chats followed live (joins and leaves change the set),
//! with a recheck against Postgres after events may have been lost.

use std::collections::HashSet;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_stream::StreamMap;

use super::ChatUpdate;
use crate::{
    db,
    domain::Domain,
    realtime::{hub::Delivery, topics, Event, TopicStream},
};

/// The caller's topics: their own (key 0) and one per chat.
pub(super) struct Feed {
    domain: Domain,
    me: i64,
    streams: StreamMap<i64, TopicStream>,
}

impl Feed {
    /// Subscribed to every topic before anything is read, so nothing falls between.
    pub(super) fn new(domain: Domain, me: i64, chats: &[i64]) -> Self {
        let bus = domain.bus();
        let mut streams = StreamMap::new();
        streams.insert(0, bus.subscribe(&topics::user(me)));
        for chat in chats {
            streams.insert(*chat, bus.subscribe(&topics::chat(*chat)));
        }
        Self {
            domain,
            me,
            streams,
        }
    }

    /// Forwards updates until the subscriber goes away (releasing the topics), or a
    /// recheck cannot be made (failing closed: the client resubscribes).
    pub(super) async fn run(mut self, tx: mpsc::Sender<ChatUpdate>) {
        loop {
            let next = tokio::select! {
                next = self.streams.next() => next,
                () = tx.closed() => return,
            };
            let Some((_, delivery)) = next else { return };
            let Delivery::Event(envelope) = delivery else {
                continue;
            };
            let updates = if matches!(envelope.event, Event::Resync) {
                match self.resync().await {
                    Some(updates) => updates,
                    None => return,
                }
            } else {
                self.update_for(&envelope.event).into_iter().collect()
            };
            for update in updates {
                if tx.send(update).await.is_err() {
                    return;
                }
            }
        }
    }

    fn follow(&mut self, chat_id: i64) {
        if !self.streams.contains_key(&chat_id) {
            let stream = self.domain.bus().subscribe(&topics::chat(chat_id));
            self.streams.insert(chat_id, stream);
        }
    }

    /// Joins and leaves announced while the link was down are lost: asks Postgres, and
    /// tells the client the difference. `None` when Postgres cannot answer.
    async fn resync(&mut self) -> Option<Vec<ChatUpdate>> {
        let fresh = db::chats::chat_ids_of(self.domain.db().exec(), self.me)
            .await
            .ok()?;
        let fresh: HashSet<i64> = fresh.into_iter().collect();
        let known: Vec<i64> = self.streams.keys().copied().filter(|c| *c != 0).collect();
        let mut updates = Vec::new();
        for chat_id in known.iter().filter(|c| !fresh.contains(c)) {
            self.streams.remove(chat_id);
            updates.push(ChatUpdate::Removed { chat_id: *chat_id });
        }
        for chat_id in fresh.iter().filter(|c| !known.contains(c)) {
            self.follow(*chat_id);
            updates.push(ChatUpdate::Added { chat_id: *chat_id });
        }
        Some(updates)
    }

    /// What an event on one of the caller's topics means to the caller.
    fn update_for(&mut self, event: &Event) -> Option<ChatUpdate> {
        let me = self.me;
        match event {
            Event::MembershipChanged {
                chat_id,
                user_id,
                joined,
            } if *user_id == me => {
                if *joined {
                    self.follow(*chat_id);
                    Some(ChatUpdate::Added { chat_id: *chat_id })
                } else {
                    self.streams.remove(chat_id);
                    Some(ChatUpdate::Removed { chat_id: *chat_id })
                }
            }
            Event::MembershipChanged {
                chat_id,
                user_id,
                joined,
            } => Some(if *joined {
                ChatUpdate::MemberJoined {
                    chat_id: *chat_id,
                    user_id: *user_id,
                }
            } else {
                ChatUpdate::MemberLeft {
                    chat_id: *chat_id,
                    user_id: *user_id,
                }
            }),
            Event::ChatUpdated { chat_id } => Some(ChatUpdate::Updated { chat_id: *chat_id }),
            Event::MessageCreated { message, .. } if message.sender_id != me => {
                Some(ChatUpdate::UnreadChanged {
                    chat_id: message.chat_id,
                })
            }
            Event::ReadReceipt {
                chat_id, user_id, ..
            } if *user_id == me => Some(ChatUpdate::UnreadChanged { chat_id: *chat_id }),
            Event::Typing {
                chat_id,
                user_id,
                typing,
            } if *user_id != me => Some(ChatUpdate::Typing {
                chat_id: *chat_id,
                user_id: *user_id,
                typing: *typing,
            }),
            _ => None,
        }
    }
}
