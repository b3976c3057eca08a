//! `Chat`, `ChatMember`, `InviteLink` — per-viewer fields computed for the caller.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::{
    domain::{
        chats::{admin::InviteLink, ChatFacts, ChatKind, ChatView, MemberSummary},
        messages::Message,
        users::User,
    },
    error::AppError,
    graphql::{
        context::{loaders, reads_only_id},
        errors::to_graphql,
    },
};

#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::chats::ChatKind")]
pub enum ChatType {
    Private,
    Group,
    Channel,
    Saved,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::chats::Role")]
pub enum ChatMemberRole {
    Owner,
    Admin,
    Member,
}

/// A chat as the caller sees it, with the facts its page already loaded (the domain's
/// chat read model, for a `chats` page: counters, members, and which last messages the
/// viewer may see — an absent one is not looked up again); users come from the loaders,
/// which the page seeds.
pub struct ChatObject {
    view: ChatView,
    facts: Option<Arc<ChatFacts>>,
}

impl ChatObject {
    pub fn new(view: ChatView) -> Self {
        Self { view, facts: None }
    }

    pub fn with_facts(view: ChatView, facts: Arc<ChatFacts>) -> Self {
        Self {
            view,
            facts: Some(facts),
        }
    }

    fn viewer(&self) -> i64 {
        self.view.member.user_id
    }

    async fn counterpart_user(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Arc<User>>> {
        // A page's users (counterparts among them) are seeded into the loader.
        let Some(id) = self.view.chat.counterpart_of(self.viewer()) else {
            return Ok(None);
        };
        loaders(ctx)
            .users
            .load_one(id)
            .await
            .map_err(|e| to_graphql(&e))
    }

    async fn members_of_chat(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Arc<Vec<MemberSummary>>> {
        let chat_id = self.view.chat.id;
        if let Some(members) = self.facts.as_ref().and_then(|f| f.members.get(&chat_id)) {
            return Ok(Arc::clone(members));
        }
        let members = loaders(ctx)
            .members
            .load_one(chat_id)
            .await
            .map_err(|e| to_graphql(&e))?;
        let members = members.as_deref().map_or(&[][..], Vec::as_slice);
        Ok(Arc::new(members.iter().map(MemberSummary::from).collect()))
    }

    async fn unread(&self, ctx: &Context<'_>) -> async_graphql::Result<(i64, i64)> {
        if let Some(counts) = self
            .facts
            .as_ref()
            .and_then(|f| f.unread.get(&self.view.chat.id))
        {
            return Ok(*counts);
        }
        let key = (self.viewer(), self.view.chat.id);
        let counts = loaders(ctx)
            .unread
            .load_one(key)
            .await
            .map_err(|e| to_graphql(&e))?;
        Ok(counts.unwrap_or((0, 0)))
    }
}

#[Object(name = "Chat")]
impl ChatObject {
    async fn id(&self) -> ID {
        ID(self.view.chat.id.to_string())
    }
    /// Stable public identifier (24 characters).
    async fn public_id(&self) -> &str {
        &self.view.chat.public_id
    }
    #[graphql(name = "type")]
    async fn chat_type(&self) -> ChatType {
        self.view.chat.kind.into()
    }
    async fn title(&self) -> Option<&str> {
        self.view.chat.title.as_deref()
    }
    /// The title to show: the counterpart's name for private chats, "Saved Messages"
    /// for the saved chat, the title otherwise.
    async fn display_title(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let counterpart = self.counterpart_user(ctx).await?;
        Ok(self.view.chat.display_title(counterpart.as_deref()))
    }
    async fn description(&self) -> Option<&str> {
        self.view.chat.description.as_deref()
    }
    async fn avatar_url(&self) -> Option<&str> {
        self.view.chat.avatar_url.as_deref()
    }
    /// Public handle, without `@`.
    async fn handle(&self) -> Option<&str> {
        self.view.chat.handle.as_deref()
    }
    async fn is_public(&self) -> bool {
        self.view.chat.is_public
    }
    async fn is_saved(&self) -> bool {
        self.view.chat.kind == ChatKind::Saved
    }
    async fn archived(&self) -> bool {
        self.view.member.archived
    }
    async fn pinned(&self) -> bool {
        self.view.member.pinned
    }
    async fn muted(&self) -> bool {
        self.view.member.muted
    }
    async fn my_role(&self) -> ChatMemberRole {
        self.view.member.role.into()
    }
    async fn unread_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(self.unread(ctx).await?.0)
    }
    async fn unread_mentions_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(self.unread(ctx).await?.1)
    }
    async fn last_read_message_id(&self) -> Option<ID> {
        (self.view.member.last_read_message_id > 0)
            .then(|| ID(self.view.member.last_read_message_id.to_string()))
    }
    async fn pinned_message_id(&self) -> Option<ID> {
        self.view
            .chat
            .pinned_message_id
            .map(|id| ID(id.to_string()))
    }
    async fn pinned_message(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Arc<Message>>> {
        match self.view.chat.pinned_message_id {
            Some(id) => loaders(ctx)
                .messages
                .load_one((self.viewer(), id))
                .await
                .map_err(|e| to_graphql(&e)),
            None => Ok(None),
        }
    }
    /// The newest message the caller can see, if it is the chat's last one.
    async fn last_message(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Arc<Message>>> {
        if let Some(facts) = &self.facts {
            return Ok(facts.last_message(&self.view).cloned());
        }
        match self.view.chat.last_message_id {
            Some(id) => loaders(ctx)
                .messages
                .load_one((self.viewer(), id))
                .await
                .map_err(|e| to_graphql(&e)),
            None => Ok(None),
        }
    }
    async fn members_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        if let Some(count) = self
            .facts
            .as_ref()
            .and_then(|f| f.member_counts.get(&self.view.chat.id))
        {
            return Ok(*count);
        }
        let count = loaders(ctx)
            .member_counts
            .load_one(self.view.chat.id)
            .await
            .map_err(|e| to_graphql(&e))?;
        Ok(count.unwrap_or(0))
    }
    /// Members online now (seed `online_count`).
    async fn online_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let members = self.members_of_chat(ctx).await?;
        let ids: Vec<i64> = members.iter().map(|m| m.user_id).collect();
        let online = loaders(ctx)
            .online
            .load_many(ids)
            .await
            .map_err(|e| to_graphql(&e))?;
        Ok(online.values().filter(|o| **o).count() as i64)
    }
    /// Members, oldest first.
    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ChatMemberObject>> {
        let chat_id = self.view.chat.id;
        let ids = self
            .facts
            .as_ref()
            .and_then(|f| f.member_user_ids.get(&chat_id));
        if let Some(ids) = ids {
            let known = ids
                .iter()
                .map(|&user_id| ChatMemberObject::UserId { chat_id, user_id });
            return Ok(known.collect());
        }
        let members = self.members_of_chat(ctx).await?;
        Ok(members
            .iter()
            .copied()
            .map(ChatMemberObject::Member)
            .collect())
    }
    /// The other participant of a private chat.
    async fn counterpart(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Arc<User>>> {
        self.counterpart_user(ctx).await
    }
    async fn last_message_at(&self) -> DateTime<Utc> {
        self.view.chat.last_message_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.view.chat.created_at
    }
}

pub enum ChatMemberObject {
    Member(MemberSummary),
    /// A member a chat page read by user id only: the query asked for nothing more
    /// (`ChatWants::member_details`).
    UserId {
        chat_id: i64,
        user_id: i64,
    },
}

impl ChatMemberObject {
    fn member_user_id(&self) -> i64 {
        match self {
            Self::Member(member) => member.user_id,
            Self::UserId { user_id, .. } => *user_id,
        }
    }

    /// The whole membership; for one read by user id only, from the members loader (not
    /// reached when the page's look-ahead saw the field).
    async fn summary(&self, ctx: &Context<'_>) -> async_graphql::Result<MemberSummary> {
        let (chat_id, user_id) = match self {
            Self::Member(member) => return Ok(*member),
            Self::UserId { chat_id, user_id } => (*chat_id, *user_id),
        };
        let members = (loaders(ctx).members.load_one(chat_id).await)
            .map_err(|e| to_graphql(&e))?
            .unwrap_or_default();
        (members.iter())
            .find(|m| m.user_id == user_id)
            .map(MemberSummary::from)
            .ok_or_else(|| to_graphql(&AppError::not_found("Member not found")))
    }
}

// `serial` like `User`: only `user` may wait, so concurrency within one member buys nothing.
#[Object(name = "ChatMember", serial)]
impl ChatMemberObject {
    async fn id(&self, ctx: &Context<'_>) -> async_graphql::Result<ID> {
        Ok(ID(self.summary(ctx).await?.id.to_string()))
    }
    async fn user_id(&self) -> ID {
        ID(self.member_user_id().to_string())
    }
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Arc<User>>> {
        // `user { id }` (member lists, typing indicators) is answered from the membership
        // row: its user exists (a foreign key), and no other field is read.
        if reads_only_id(&ctx.look_ahead()) {
            return Ok(Some(Arc::new(User {
                id: self.member_user_id(),
                ..User::default()
            })));
        }
        loaders(ctx)
            .users
            .load_one(self.member_user_id())
            .await
            .map_err(|e| to_graphql(&e))
    }
    async fn role(&self, ctx: &Context<'_>) -> async_graphql::Result<ChatMemberRole> {
        Ok(self.summary(ctx).await?.role.into())
    }
    async fn joined_at(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime<Utc>> {
        Ok(self.summary(ctx).await?.joined_at)
    }
}

#[derive(SimpleObject)]
#[graphql(name = "InviteLink")]
pub struct InviteLinkObject {
    pub chat_id: ID,
    pub token: String,
    pub invite_url: String,
}

impl From<InviteLink> for InviteLinkObject {
    fn from(link: InviteLink) -> Self {
        Self {
            chat_id: ID(link.chat_id.to_string()),
            token: link.token,
            invite_url: link.invite_url,
        }
    }
}
