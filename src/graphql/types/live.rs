//! Subscription payloads: `MessageEvent`, `ChatEvent`, `AuthSessionEvent`.

use async_graphql::{Context, Enum, Object, SimpleObject, ID};

use crate::{
    domain::{
        live::{ChatUpdate, MessageUpdate, SessionUpdate},
        messages::Message,
        users::User,
    },
    graphql::{
        context::{loaders, principal, services},
        errors::to_graphql,
        types::chat::ChatObject,
    },
};

#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum MessageEventKind {
    Created,
    Edited,
    Deleted,
    Reactions,
    Read,
}

/// Emoji counts of a message (without the per-viewer `reacted`).
#[derive(SimpleObject)]
pub struct ReactionCount {
    pub emoji: String,
    pub count: i64,
}

pub struct MessageEvent(pub MessageUpdate);

#[Object]
impl MessageEvent {
    async fn kind(&self) -> MessageEventKind {
        match &self.0 {
            MessageUpdate::Created { .. } => MessageEventKind::Created,
            MessageUpdate::Edited { .. } => MessageEventKind::Edited,
            MessageUpdate::Deleted { .. } => MessageEventKind::Deleted,
            MessageUpdate::Reactions { .. } => MessageEventKind::Reactions,
            MessageUpdate::Read { .. } => MessageEventKind::Read,
        }
    }
    async fn chat_id(&self) -> ID {
        let id = match &self.0 {
            MessageUpdate::Created { message, .. } | MessageUpdate::Edited { message } => {
                message.chat_id
            }
            MessageUpdate::Deleted { chat_id, .. }
            | MessageUpdate::Reactions { chat_id, .. }
            | MessageUpdate::Read { chat_id, .. } => *chat_id,
        };
        ID(id.to_string())
    }
    /// The message concerned (`CREATED`, `EDITED`, `DELETED`, `REACTIONS`).
    async fn message_id(&self) -> Option<ID> {
        match &self.0 {
            MessageUpdate::Created { message, .. } | MessageUpdate::Edited { message } => {
                Some(message.id)
            }
            MessageUpdate::Deleted { message_id, .. }
            | MessageUpdate::Reactions { message_id, .. } => Some(*message_id),
            MessageUpdate::Read { .. } => None,
        }
        .map(|id| ID(id.to_string()))
    }
    /// The message as sent or edited (`CREATED`, `EDITED`).
    async fn message(&self) -> Option<&Message> {
        match &self.0 {
            MessageUpdate::Created { message, .. } | MessageUpdate::Edited { message } => {
                Some(message)
            }
            _ => None,
        }
    }
    /// The sender's public profile (`CREATED`): carried by the event, no query.
    async fn sender(&self) -> Option<&User> {
        match &self.0 {
            MessageUpdate::Created { sender, .. } => sender.as_deref(),
            _ => None,
        }
    }
    /// Reaction counts after the change (`REACTIONS`).
    async fn reactions(&self) -> Option<Vec<ReactionCount>> {
        match &self.0 {
            MessageUpdate::Reactions { reactions, .. } => Some(
                reactions
                    .iter()
                    .map(|(emoji, count)| ReactionCount {
                        emoji: emoji.clone(),
                        count: *count,
                    })
                    .collect(),
            ),
            _ => None,
        }
    }
    /// Who read or received (`READ`).
    async fn user_id(&self) -> Option<ID> {
        match &self.0 {
            MessageUpdate::Read { user_id, .. } => Some(ID(user_id.to_string())),
            _ => None,
        }
    }
    async fn last_read_message_id(&self) -> Option<ID> {
        match &self.0 {
            MessageUpdate::Read {
                last_read_message_id,
                ..
            } => Some(ID(last_read_message_id.to_string())),
            _ => None,
        }
    }
    async fn last_delivered_message_id(&self) -> Option<ID> {
        match &self.0 {
            MessageUpdate::Read {
                last_delivered_message_id,
                ..
            } => Some(ID(last_delivered_message_id.to_string())),
            _ => None,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ChatEventKind {
    Added,
    Removed,
    Updated,
    MemberJoined,
    MemberLeft,
    UnreadChanged,
    Typing,
}

pub struct ChatEvent {
    pub update: ChatUpdate,
    pub viewer: i64,
}

impl ChatEvent {
    fn chat_of(&self) -> i64 {
        match &self.update {
            ChatUpdate::Added { chat_id }
            | ChatUpdate::Removed { chat_id }
            | ChatUpdate::Updated { chat_id }
            | ChatUpdate::MemberJoined { chat_id, .. }
            | ChatUpdate::MemberLeft { chat_id, .. }
            | ChatUpdate::UnreadChanged { chat_id }
            | ChatUpdate::Typing { chat_id, .. } => *chat_id,
        }
    }
}

#[Object]
impl ChatEvent {
    async fn kind(&self) -> ChatEventKind {
        match &self.update {
            ChatUpdate::Added { .. } => ChatEventKind::Added,
            ChatUpdate::Removed { .. } => ChatEventKind::Removed,
            ChatUpdate::Updated { .. } => ChatEventKind::Updated,
            ChatUpdate::MemberJoined { .. } => ChatEventKind::MemberJoined,
            ChatUpdate::MemberLeft { .. } => ChatEventKind::MemberLeft,
            ChatUpdate::UnreadChanged { .. } => ChatEventKind::UnreadChanged,
            ChatUpdate::Typing { .. } => ChatEventKind::Typing,
        }
    }
    async fn chat_id(&self) -> ID {
        ID(self.chat_of().to_string())
    }
    /// The member who joined, left or is typing.
    async fn user_id(&self) -> Option<ID> {
        match &self.update {
            ChatUpdate::MemberJoined { user_id, .. }
            | ChatUpdate::MemberLeft { user_id, .. }
            | ChatUpdate::Typing { user_id, .. } => Some(ID(user_id.to_string())),
            _ => None,
        }
    }
    /// `TYPING`: started (true) or stopped (false).
    async fn typing(&self) -> Option<bool> {
        match &self.update {
            ChatUpdate::Typing { typing, .. } => Some(*typing),
            _ => None,
        }
    }
    /// The chat as the caller sees it now (loaded on request; `null` once removed).
    async fn chat(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ChatObject>> {
        if matches!(self.update, ChatUpdate::Removed { .. }) {
            return Ok(None);
        }
        let principal = principal(ctx).await?;
        Ok(services(ctx)
            .chats()
            .get(&principal, self.chat_of())
            .await
            .ok()
            .map(ChatObject::new))
    }
    /// The caller's unread count in the chat now (loaded on request).
    async fn unread_count(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i64>> {
        let counts = loaders(ctx)
            .unread
            .load_one((self.viewer, self.chat_of()))
            .await
            .map_err(|e| to_graphql(&e))?;
        Ok(counts.map(|c| c.0))
    }
}

/// One of the caller's sessions was revoked.
pub struct AuthSessionEvent(pub SessionUpdate);

#[Object]
impl AuthSessionEvent {
    /// Always `REVOKED`.
    async fn kind(&self) -> &'static str {
        "REVOKED"
    }
    /// The revoked session; `null` when every session was revoked.
    async fn session_id(&self) -> Option<ID> {
        self.0.session_id.map(|id| ID(id.to_string()))
    }
    /// The connection's own session is revoked: sign out.
    async fn current(&self) -> bool {
        self.0.current
    }
}
