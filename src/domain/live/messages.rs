//! `messageEvents`: replay, then live, without gaps or duplicates.

use std::collections::{HashMap, HashSet};

use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;
use tokio_stream::{wrappers::ReceiverStream, StreamMap};

use crate::{
    db::{self, messages::Message, users::User},
    domain::{Domain, Principal},
    error::AppResult,
    realtime::{hub::Delivery, topics, Event, TopicStream},
};

/// Messages replayed per database round trip.
const REPLAY_BATCH: i64 = 200;

/// One event of `messageEvents`.
#[derive(Clone, Debug, PartialEq)]
pub enum MessageUpdate {
    Created {
        message: Box<Message>,
        sender: Option<Box<User>>,
    },
    Edited {
        message: Box<Message>,
    },
    Deleted {
        chat_id: i64,
        message_id: i64,
    },
    Reactions {
        chat_id: i64,
        message_id: i64,
        reactions: Vec<(String, i64)>,
    },
    Read {
        chat_id: i64,
        user_id: i64,
        last_delivered_message_id: i64,
        last_read_message_id: i64,
    },
}

struct State {
    domain: Domain,
    viewer: i64,
    /// `None` in all-chats mode (the set follows membership changes).
    only: Option<i64>,
    chats: HashSet<i64>,
    last_seen: HashMap<i64, i64>,
    streams: StreamMap<i64, TopicStream>,
    out: mpsc::Sender<MessageUpdate>,
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
pub async fn stream(
    domain: &Domain,
    caller: &Principal,
    chat_id: Option<i64>,
    after_message_id: Option<i64>,
) -> AppResult<impl Stream<Item = MessageUpdate> + Send + 'static> {
    let db = domain.db();
    let chats: Vec<i64> = match chat_id {
        Some(id) => {
            domain.chats().require_member(caller, id).await?;
            vec![id]
        }
        None => db::chats::chat_ids_of(db.exec(), caller.user_id).await?,
    };
    let bus = domain.bus();
    let mut streams = StreamMap::new();
    // Subscribe before reading anything, so nothing falls between replay and live.
    streams.insert(0, bus.subscribe(&topics::user(caller.user_id)));
    for chat in &chats {
        streams.insert(*chat, bus.subscribe(&topics::chat(*chat)));
    }
    let last_seen: HashMap<i64, i64> = match after_message_id {
        Some(after) => chats.iter().map(|c| (*c, after)).collect(),
        None => db::chats::find_many(db.exec(), &chats)
            .await?
            .into_values()
            .map(|chat| (chat.id, chat.last_message_id.unwrap_or(0)))
            .collect(),
    };
    let (out, rx) = mpsc::channel(256);
    let mut state = State {
        domain: domain.clone(),
        viewer: caller.user_id,
        only: chat_id,
        chats: chats.into_iter().collect(),
        last_seen,
        streams,
        out,
    };
    tokio::spawn(async move {
        if after_message_id.is_some() {
            let all: Vec<i64> = state.chats.iter().copied().collect();
            if state.resync(&all).await.is_err() {
                return;
            }
        }
        state.run().await;
    });
    Ok(ReceiverStream::new(rx))
}

/// The consumer went away.
struct Gone;

impl State {
    async fn run(mut self) {
        loop {
            // Ends as soon as the subscriber goes away, releasing the topics.
            let next = tokio::select! {
                next = self.streams.next() => next,
                () = self.out.closed() => return,
            };
            let Some((_, delivery)) = next else { return };
            let result = match delivery {
                Delivery::Lagged { .. } => {
                    let all: Vec<i64> = self.chats.iter().copied().collect();
                    self.resync(&all).await
                }
                Delivery::Event(envelope) => self.on_event(&envelope.event).await,
            };
            if result.is_err() {
                return;
            }
        }
    }

    async fn send(&self, update: MessageUpdate) -> Result<(), Gone> {
        self.out.send(update).await.map_err(|_| Gone)
    }

    async fn on_event(&mut self, event: &Event) -> Result<(), Gone> {
        match event {
            Event::MessageCreated {
                message,
                sender,
                previous_message_id,
            } => {
                let chat = message.chat_id;
                if !self.chats.contains(&chat) {
                    return Ok(());
                }
                let seen = self.last_seen.get(&chat).copied().unwrap_or(0);
                if message.id <= seen {
                    return Ok(()); // already sent (replayed)
                }
                if previous_message_id.unwrap_or(0) > seen {
                    return self.resync(&[chat]).await; // a message went missing
                }
                self.last_seen.insert(chat, message.id);
                self.send(MessageUpdate::Created {
                    message: message.clone(),
                    sender: Some(sender.clone()),
                })
                .await
            }
            Event::MessageEdited { message } if self.chats.contains(&message.chat_id) => {
                self.send(MessageUpdate::Edited {
                    message: message.clone(),
                })
                .await
            }
            Event::MessageDeleted {
                chat_id,
                message_id,
            } if self.chats.contains(chat_id) => {
                self.send(MessageUpdate::Deleted {
                    chat_id: *chat_id,
                    message_id: *message_id,
                })
                .await
            }
            Event::ReactionsChanged {
                chat_id,
                message_id,
                reactions,
            } if self.chats.contains(chat_id) => {
                let update = MessageUpdate::Reactions {
                    chat_id: *chat_id,
                    message_id: *message_id,
                    reactions: reactions.clone(),
                };
                self.send(update).await
            }
            Event::ReadReceipt {
                chat_id,
                user_id,
                last_delivered_message_id,
                last_read_message_id,
            } if self.chats.contains(chat_id) => {
                let update = MessageUpdate::Read {
                    chat_id: *chat_id,
                    user_id: *user_id,
                    last_delivered_message_id: *last_delivered_message_id,
                    last_read_message_id: *last_read_message_id,
                };
                self.send(update).await
            }
            Event::MembershipChanged {
                chat_id,
                user_id,
                joined,
            } if *user_id == self.viewer => self.membership(*chat_id, *joined).await,
            Event::Resync => {
                // Membership changes announced while the link was down are lost too.
                self.recheck_membership().await?;
                let all: Vec<i64> = self.chats.iter().copied().collect();
                self.resync(&all).await
            }
            _ => Ok(()),
        }
    }

    /// The caller joined or left a chat: follow it (all-chats mode), or stop.
    async fn membership(&mut self, chat_id: i64, joined: bool) -> Result<(), Gone> {
        if !joined {
            self.chats.remove(&chat_id);
            self.streams.remove(&chat_id);
            self.last_seen.remove(&chat_id);
            // A single-chat stream of a chat the caller left ends.
            return if self.only == Some(chat_id) {
                Err(Gone)
            } else {
                Ok(())
            };
        }
        if self.only.is_none() && self.chats.insert(chat_id) {
            let bus = self.domain.bus();
            self.streams
                .insert(chat_id, bus.subscribe(&topics::chat(chat_id)));
            let last = db::chats::find(self.domain.db().exec(), chat_id)
                .await
                .ok()
                .flatten()
                .and_then(|c| c.last_message_id)
                .unwrap_or(0);
            self.last_seen.insert(chat_id, last);
        }
        Ok(())
    }

    /// Re-reads the caller's chats from Postgres and follows the difference: chats left
    /// meanwhile are dropped (a single-chat stream of one ends), chats joined are added.
    /// When the database cannot tell, the stream ends (fails closed); the client
    /// resubscribes with `afterMessageId`.
    async fn recheck_membership(&mut self) -> Result<(), Gone> {
        let db = self.domain.db();
        let fresh: HashSet<i64> = match db::chats::chat_ids_of(db.exec(), self.viewer).await {
            Ok(ids) => ids.into_iter().collect(),
            Err(error) => {
                tracing::warn!(%error, "membership recheck failed; ending the stream");
                return Err(Gone);
            }
        };
        let left: Vec<i64> = self.chats.difference(&fresh).copied().collect();
        for chat in left {
            self.membership(chat, false).await?;
        }
        if self.only.is_none() {
            let joined: Vec<i64> = fresh.difference(&self.chats).copied().collect();
            for chat in joined {
                self.membership(chat, true).await?;
            }
        }
        Ok(())
    }

    /// Sends, from Postgres, every visible message newer than what was last sent.
    async fn resync(&mut self, chats: &[i64]) -> Result<(), Gone> {
        for chat in chats {
            loop {
                let after = self.last_seen.get(chat).copied().unwrap_or(0);
                let db = self.domain.db();
                let permit = self.domain.replay_permit().await;
                let batch = match db::messages::newer_than(
                    db.exec(),
                    self.viewer,
                    &[*chat],
                    after,
                    REPLAY_BATCH,
                )
                .await
                {
                    Ok(batch) => batch,
                    Err(error) => {
                        tracing::warn!(%error, chat, "replay failed; the client can resume with afterMessageId");
                        break;
                    }
                };
                let senders: Vec<i64> = batch.iter().map(|m| m.sender_id).collect();
                let mut users = self
                    .domain
                    .users()
                    .load_many(&senders)
                    .await
                    .unwrap_or_default();
                drop(permit);
                let full = batch.len() as i64 == REPLAY_BATCH;
                for message in batch {
                    self.last_seen.insert(*chat, message.id);
                    let sender = users
                        .get_mut(&message.sender_id)
                        .map(|u| Box::new(u.public()));
                    self.send(MessageUpdate::Created {
                        message: Box::new(message),
                        sender,
                    })
                    .await?;
                }
                if !full {
                    break;
                }
            }
        }
        Ok(())
    }
}
