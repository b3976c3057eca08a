//! Messages (messenger-rest-api.md §3.4, §8): sending with idempotent retries, pages,
//! threads, edits, deletes, forwards, reactions, delivery and read pointers, mentions.

mod read;
mod send;

use std::collections::HashMap;

use super::{chats::ChatKind, validation::Checks, Domain, Principal};
use crate::{
    db,
    error::{AppError, AppResult},
    realtime::{topics, Event},
};

pub use crate::db::messages::{Message, MessageKind, ReactionCount};
pub use read::{MessageFacts, MessagePageRead, MessageWants};
pub use send::SendMessage;

/// Longest message text.
pub const MAX_TEXT: usize = 10_000;

/// Which end of the history a page starts from.
#[derive(Clone, Copy, Debug)]
pub enum PageRequest {
    /// The oldest `n` messages after `after` (or from the start).
    Forward { after: Option<i64>, n: i64 },
    /// The newest `n` messages before `before` (or the latest).
    Backward { before: Option<i64>, n: i64 },
}

/// `DELIVERED` or `READ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receipt {
    Delivered,
    Read,
}

/// A member's pointers after `markMessages`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pointers {
    pub chat_id: i64,
    pub last_delivered_message_id: i64,
    pub last_read_message_id: i64,
}

pub struct MessageService<'a>(pub(super) &'a Domain);

impl MessageService<'_> {
    /// `message(id)`: one message the caller may see.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, message_id = message_id))]
    pub async fn get(&self, caller: &Principal, message_id: i64) -> AppResult<Message> {
        let message = self.find(message_id).await?;
        self.0
            .chats()
            .require_member(caller, message.chat_id)
            .await?;
        let mut visible =
            db::messages::find_visible(self.0.db().exec(), caller.user_id, &[message_id]).await?;
        visible
            .remove(&message_id)
            .ok_or_else(|| AppError::not_found("Message not found"))
    }

    async fn find(&self, message_id: i64) -> AppResult<Message> {
        db::messages::find(self.0.db().exec(), message_id)
            .await?
            .filter(|m| m.deleted_at.is_none())
            .ok_or_else(|| AppError::not_found("Message not found"))
    }

    /// Batch for loaders: messages by id that `viewer` may see.
    #[tracing::instrument(level = "debug", skip_all, fields(viewer = viewer))]
    pub async fn load_visible(&self, viewer: i64, ids: &[i64]) -> AppResult<HashMap<i64, Message>> {
        Ok(db::messages::find_visible(self.0.db().exec(), viewer, ids).await?)
    }

    /// Batch for loaders: reaction counts, with `reacted` for `viewer`.
    #[tracing::instrument(level = "debug", skip_all, fields(viewer = viewer))]
    pub async fn reactions_of(
        &self,
        viewer: i64,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, Vec<ReactionCount>>> {
        Ok(db::messages::reactions(self.0.db().exec(), viewer, ids).await?)
    }

    /// `thread(messageId)`: the root and its replies, breadth-first.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, message_id = message_id))]
    pub async fn thread(
        &self,
        caller: &Principal,
        message_id: i64,
        limit: i64,
    ) -> AppResult<Vec<Message>> {
        let limit = super::page_size(limit)?;
        let root = self.get(caller, message_id).await?;
        Ok(db::messages::thread(self.0.db().exec(), caller.user_id, root.id, limit).await?)
    }

    /// `editMessage`: the sender changes the text.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, message_id = message_id))]
    pub async fn edit(
        &self,
        caller: &Principal,
        message_id: i64,
        text: &str,
    ) -> AppResult<Message> {
        let message = self.get(caller, message_id).await?;
        if message.sender_id != caller.user_id {
            return Err(AppError::forbidden("Only the sender can edit a message"));
        }
        self.require_not_blocked(caller, message.chat_id).await?;
        let mut checks = Checks::default();
        let text = checks.text("text", text, MAX_TEXT);
        checks.finish()?;
        let edited = db::messages::edit(self.0.db().exec(), message_id, &text).await?;
        self.publish(
            edited.chat_id,
            Event::MessageEdited {
                message: Box::new(edited.clone()),
            },
        )
        .await;
        Ok(edited)
    }

    /// `deleteMessage`: for everyone (the sender, or the owner/an admin of a group or
    /// channel) or just for the caller.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, message_id = message_id))]
    pub async fn delete(
        &self,
        caller: &Principal,
        message_id: i64,
        for_all: bool,
    ) -> AppResult<()> {
        let message = self.get(caller, message_id).await?;
        let db = self.0.db();
        if !for_all {
            db::messages::hide(db.exec(), caller.user_id, &message).await?;
            return Ok(());
        }
        if message.sender_id != caller.user_id {
            let view = self.0.chats().get(caller, message.chat_id).await?;
            let manages = view.member.role.manages();
            if !(view.chat.kind != ChatKind::Private && manages) {
                return Err(AppError::forbidden(
                    "Only the sender or an admin can delete for everyone",
                ));
            }
        }
        let unpinned = db::messages::delete_for_all(db.exec(), &message).await?;
        let event = Event::MessageDeleted {
            chat_id: message.chat_id,
            message_id,
        };
        self.publish(message.chat_id, event).await;
        if unpinned {
            self.publish(
                message.chat_id,
                Event::ChatUpdated {
                    chat_id: message.chat_id,
                },
            )
            .await;
        }
        Ok(())
    }

    /// `toggleReaction`: adds or removes the caller's emoji; returns the new counts.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, message_id = message_id))]
    pub async fn toggle_reaction(
        &self,
        caller: &Principal,
        message_id: i64,
        emoji: &str,
    ) -> AppResult<Vec<ReactionCount>> {
        let emoji = emoji.trim();
        if emoji.is_empty() || emoji.chars().count() > 32 {
            return Err(AppError::invalid("emoji", "must be 1-32 characters"));
        }
        let message = self.get(caller, message_id).await?;
        self.require_not_blocked(caller, message.chat_id).await?;
        let db = self.0.db();
        db::messages::toggle_reaction(db.exec(), message_id, caller.user_id, emoji).await?;
        let counts = self
            .reactions_of(caller.user_id, &[message_id])
            .await?
            .remove(&message_id)
            .unwrap_or_default();
        let event = Event::ReactionsChanged {
            chat_id: message.chat_id,
            message_id,
            reactions: counts.iter().map(|r| (r.emoji.clone(), r.count)).collect(),
        };
        self.publish(message.chat_id, event).await;
        Ok(counts)
    }

    /// `markMessages`: moves the caller's delivered / read pointer up to `message_id`
    /// (never back); read implies delivered.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id, message_id = message_id))]
    pub async fn mark(
        &self,
        caller: &Principal,
        chat_id: i64,
        message_id: i64,
        receipt: Receipt,
    ) -> AppResult<Pointers> {
        let message = self.get(caller, message_id).await?;
        if message.chat_id != chat_id {
            return Err(AppError::invalid("messageId", "is not in this chat"));
        }
        let (delivered, read) = db::messages::advance_pointers(
            self.0.db().exec(),
            chat_id,
            caller.user_id,
            message_id,
            receipt == Receipt::Read,
        )
        .await?;
        let event = Event::ReadReceipt {
            chat_id,
            user_id: caller.user_id,
            last_delivered_message_id: delivered,
            last_read_message_id: read,
        };
        self.publish(chat_id, event).await;
        Ok(Pointers {
            chat_id,
            last_delivered_message_id: delivered,
            last_read_message_id: read,
        })
    }

    /// `searchMessages`: full-text search in the chats the caller may read.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn search(
        &self,
        caller: &Principal,
        query: &str,
        chat_id: Option<i64>,
        limit: i64,
    ) -> AppResult<Vec<Message>> {
        let limit = super::page_size(limit)?;
        let query = query.trim();
        if query.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(chat_id) = chat_id {
            self.0.chats().require_member(caller, chat_id).await?;
        }
        Ok(db::messages::search(self.0.db().exec(), caller.user_id, query, chat_id, limit).await?)
    }

    /// In a private chat, nothing new goes across a block, in either direction: no
    /// message, reply, forward, edit or reaction.
    async fn require_not_blocked(&self, caller: &Principal, chat_id: i64) -> AppResult<()> {
        let chat = db::chats::find(self.0.db().exec(), chat_id)
            .await?
            .ok_or_else(|| AppError::not_found("Chat not found"))?;
        self.require_not_blocked_in(caller, &chat).await
    }

    /// [`Self::require_not_blocked`] for a chat already loaded.
    async fn require_not_blocked_in(
        &self,
        caller: &Principal,
        chat: &super::chats::Chat,
    ) -> AppResult<()> {
        if chat.kind != ChatKind::Private {
            return Ok(());
        }
        let other = chat.counterpart_of(caller.user_id).unwrap_or_default();
        if db::relations::blocked_between(self.0.db().exec(), caller.user_id, other).await? {
            return Err(AppError::forbidden("You cannot message this user"));
        }
        Ok(())
    }

    async fn publish(&self, chat_id: i64, event: Event) {
        self.0.bus().publish(&topics::chat(chat_id), event).await;
    }
}

/// How far a message got with the chat's other members (GraphQL `deliveryStatus`,
/// REST `delivery_status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
}

impl DeliveryStatus {
    /// Read by any other member, else delivered to any other member, else sent.
    pub fn of(message: &Message, members: &[crate::db::chats::Member]) -> Self {
        let others = members.iter().filter(|m| m.user_id != message.sender_id);
        let mut status = Self::Sent;
        for member in others {
            if member.last_read_message_id >= message.id {
                return Self::Read;
            }
            if member.last_delivered_message_id >= message.id {
                status = Self::Delivered;
            }
        }
        status
    }
}

impl MessageService<'_> {
    /// A message's reactions, with `reacted` for the caller (REST `GET
    /// /messages/{id}/reactions`): only for a message the caller may see.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, message_id = message_id))]
    pub async fn reactions(
        &self,
        caller: &Principal,
        message_id: i64,
    ) -> AppResult<Vec<ReactionCount>> {
        self.get(caller, message_id).await?;
        Ok(self
            .reactions_of(caller.user_id, &[message_id])
            .await?
            .remove(&message_id)
            .unwrap_or_default())
    }
}
