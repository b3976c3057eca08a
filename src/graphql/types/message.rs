//! `Message`, `Reaction`, `ReadPointers`, `Notification`.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::{
    domain,
    domain::{
        media::Attachment,
        messages::{Message, Pointers, ReactionCount},
        notifications::Notification,
        users::User,
    },
    graphql::{
        context::{loaders, reads_only_id, viewer_id},
        errors::to_graphql,
    },
};

#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::messages::MessageKind")]
pub enum MessageType {
    Text,
    Image,
    Video,
    Audio,
    Voice,
    File,
    CircleVideo,
}

/// Where a message got to: `SENT`, `DELIVERED` to, or `READ` by another member.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::messages::DeliveryStatus")]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
}

#[Object(name = "Message")]
impl Message {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
    async fn chat_id(&self) -> ID {
        ID(self.chat_id.to_string())
    }
    async fn sender_id(&self) -> ID {
        ID(self.sender_id.to_string())
    }
    async fn sender(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Arc<User>>> {
        user_by_id(ctx, self.sender_id).await
    }
    #[graphql(name = "type")]
    async fn message_type(&self) -> MessageType {
        self.kind.into()
    }
    async fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }
    async fn client_message_id(&self) -> Option<&str> {
        self.client_message_id.as_deref()
    }
    async fn reply_to_message_id(&self) -> Option<ID> {
        self.reply_to_message_id.map(|id| ID(id.to_string()))
    }
    /// The message replied to, while the caller can see it.
    async fn reply_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Arc<Message>>> {
        self.visible(ctx, self.reply_to_message_id).await
    }
    async fn forwarded_from_message_id(&self) -> Option<ID> {
        self.forwarded_from_message_id.map(|id| ID(id.to_string()))
    }
    /// The original of a forwarded message, while the caller can see it.
    async fn forwarded_from(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Arc<Message>>> {
        self.visible(ctx, self.forwarded_from_message_id).await
    }
    /// The original author of a forward sent with its author.
    async fn forwarded_from_user(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Arc<User>>> {
        match self.forwarded_from_user_id {
            Some(id) => user_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    /// Reactions, most used first; `reacted` is the caller's own.
    async fn reactions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Reaction>> {
        let Some(viewer) = viewer_id(ctx).await else {
            return Ok(Vec::new());
        };
        let counts = loaders(ctx)
            .reactions
            .load_one((viewer, self.id))
            .await
            .map_err(|e| to_graphql(&e))?;
        Ok(counts
            .unwrap_or_default()
            .into_iter()
            .map(Reaction::from)
            .collect())
    }
    /// Files attached to the message, oldest first.
    async fn attachments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Attachment>> {
        let found = loaders(ctx)
            .attachments
            .load_one(self.id)
            .await
            .map_err(|e| to_graphql(&e))?;
        Ok(found.unwrap_or_default())
    }
    /// How far the message got with the chat's other members.
    async fn delivery_status(&self, ctx: &Context<'_>) -> async_graphql::Result<DeliveryStatus> {
        let members = loaders(ctx)
            .members
            .load_one(self.chat_id)
            .await
            .map_err(|e| to_graphql(&e))?
            .unwrap_or_default();
        Ok(domain::messages::DeliveryStatus::of(self, &members).into())
    }
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.edited_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// The user a message names (a foreign key: they exist). `{ id }` alone is answered from
/// the id; anything more from the request's users (seeded by pages).
async fn user_by_id(ctx: &Context<'_>, id: i64) -> async_graphql::Result<Option<Arc<User>>> {
    if reads_only_id(&ctx.look_ahead()) {
        return Ok(Some(Arc::new(User {
            id,
            ..User::default()
        })));
    }
    loaders(ctx)
        .users
        .load_one(id)
        .await
        .map_err(|e| to_graphql(&e))
}

impl Message {
    async fn visible(
        &self,
        ctx: &Context<'_>,
        id: Option<i64>,
    ) -> async_graphql::Result<Option<Arc<Message>>> {
        let (Some(id), Some(viewer)) = (id, viewer_id(ctx).await) else {
            return Ok(None);
        };
        loaders(ctx)
            .messages
            .load_one((viewer, id))
            .await
            .map_err(|e| to_graphql(&e))
    }
}

#[derive(SimpleObject)]
pub struct Reaction {
    pub emoji: String,
    pub count: i64,
    /// Whether the caller chose this emoji.
    pub reacted: bool,
}

impl From<ReactionCount> for Reaction {
    fn from(r: ReactionCount) -> Self {
        Self {
            emoji: r.emoji,
            count: r.count,
            reacted: r.reacted,
        }
    }
}

#[derive(SimpleObject)]
pub struct ReadPointers {
    pub chat_id: ID,
    pub last_delivered_message_id: ID,
    pub last_read_message_id: ID,
}

impl From<Pointers> for ReadPointers {
    fn from(p: Pointers) -> Self {
        Self {
            chat_id: ID(p.chat_id.to_string()),
            last_delivered_message_id: ID(p.last_delivered_message_id.to_string()),
            last_read_message_id: ID(p.last_read_message_id.to_string()),
        }
    }
}

#[Object(name = "Notification")]
impl Notification {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
    /// `message_created`, `mention`, `chat_member_added`, …
    async fn event_type(&self) -> &str {
        &self.event_type
    }
    /// The event's facts as a JSON string (seed `NotificationRead.payload`).
    async fn payload(&self) -> String {
        self.payload.to_string()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.read_at
    }
}
