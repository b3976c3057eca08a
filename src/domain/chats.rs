//! Chats: private, group, channel and saved chats, membership, roles and per-member
//! settings (messenger-rest-api.md §3.3, §3.7, §7). Every read and write of a chat's
//! data passes [`ChatService::require_member`].

pub mod admin;
mod ids;

use std::collections::HashMap;

use super::{validation::Checks, Domain, Principal};
use crate::{
    db::{self, chats::NewChat},
    error::{AppError, AppResult},
    realtime::{topics, Event},
};

pub use crate::db::chats::{Chat, ChatCursor, Member, MemberSettings};

/// `private`, `group`, `channel` or `saved`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatKind {
    Private,
    Group,
    Channel,
    Saved,
}

impl ChatKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Group => "group",
            Self::Channel => "channel",
            Self::Saved => "saved",
        }
    }

    pub fn of(chat: &Chat) -> Self {
        match chat.kind.as_str() {
            "private" => Self::Private,
            "channel" => Self::Channel,
            "saved" => Self::Saved,
            _ => Self::Group,
        }
    }

    fn is_multi(self) -> bool {
        matches!(self, Self::Group | Self::Channel)
    }
}

impl Chat {
    /// The other participant of a private chat, seen by `viewer`.
    pub fn counterpart_of(&self, viewer: i64) -> Option<i64> {
        if ChatKind::of(self) != ChatKind::Private {
            return None;
        }
        match (self.pair_low_user_id, self.pair_high_user_id) {
            (Some(low), Some(high)) if low == viewer => Some(high),
            (Some(low), Some(_)) => Some(low),
            _ => None,
        }
    }

    /// The title a member sees (`displayTitle`, REST `display_title`): "Saved Messages"
    /// for the saved chat, the counterpart's name for a private chat, else the title.
    pub fn display_title(&self, counterpart: Option<&super::users::User>) -> String {
        match ChatKind::of(self) {
            ChatKind::Saved => "Saved Messages".to_owned(),
            ChatKind::Private => counterpart.map(|u| u.shown_name()).unwrap_or_default(),
            _ => self.title.clone().unwrap_or_default(),
        }
    }
}

/// A chat as one member sees it.
#[derive(Clone, Debug)]
pub struct ChatView {
    pub chat: Chat,
    pub member: Member,
}

/// `createChat` input (seed `ChatCreateRequest`).
#[derive(Clone, Debug, Default)]
pub struct CreateChat {
    pub kind: String,
    pub title: Option<String>,
    pub handle: Option<String>,
    pub description: Option<String>,
    pub is_public: bool,
    pub member_ids: Vec<i64>,
}

/// A page of the chat list.
pub struct ChatPage {
    pub items: Vec<(ChatView, ChatCursor)>,
    pub has_previous: bool,
    pub has_next: bool,
}

/// Which part of the chat list a page holds.
#[derive(Clone, Copy, Debug)]
pub enum ChatPageRequest<'a> {
    /// The first `n` chats after `after` (or from the top of the list).
    Forward {
        after: Option<&'a ChatCursor>,
        n: i64,
    },
    /// The last `n` chats before `before` (or at the bottom of the list).
    Backward {
        before: Option<&'a ChatCursor>,
        n: i64,
    },
}

pub struct ChatService<'a>(pub(super) &'a Domain);

impl ChatService<'_> {
    /// The caller's membership of `chat_id`: `NOT_FOUND` when the chat does not exist,
    /// `FORBIDDEN` when the caller is not (or no longer) a member.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn require_member(&self, caller: &Principal, chat_id: i64) -> AppResult<Member> {
        let db = self.0.db();
        match db::chats::member(db.exec(), chat_id, caller.user_id).await? {
            Some(member) => Ok(member),
            None if db::chats::find(db.exec(), chat_id).await?.is_some() => {
                Err(AppError::forbidden("You are not a member of this chat"))
            }
            None => Err(AppError::not_found("Chat not found")),
        }
    }

    /// `chat(id)`: a chat the caller belongs to.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn get(&self, caller: &Principal, chat_id: i64) -> AppResult<ChatView> {
        let member = self.require_member(caller, chat_id).await?;
        let chat = db::chats::find(self.0.db().exec(), chat_id)
            .await?
            .ok_or_else(|| AppError::not_found("Chat not found"))?;
        Ok(ChatView { chat, member })
    }

    /// `chats`: the caller's chat list, pinned first, then by last activity.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn list(
        &self,
        caller: &Principal,
        archived: bool,
        query: Option<&str>,
        request: ChatPageRequest<'_>,
    ) -> AppResult<ChatPage> {
        let (cursor, backward, n) = match request {
            ChatPageRequest::Forward { after, n } => (after, false, n),
            ChatPageRequest::Backward { before, n } => (before, true, n),
        };
        let limit = super::page_size(n)?;
        let pattern = query
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(super::like_pattern);
        let db = self.0.db();
        let mut rows = db::chats::list_for_user(
            db.exec(),
            caller.user_id,
            archived,
            pattern.as_deref(),
            cursor,
            backward,
            limit + 1,
        )
        .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        if backward {
            rows.reverse();
        }
        let (has_previous, has_next) = if backward {
            (more, cursor.is_some())
        } else {
            (cursor.is_some(), more)
        };
        let ids: Vec<i64> = rows.iter().map(|r| r.chat_id).collect();
        let (mut chats, mut members) = tokio::try_join!(
            db::chats::find_many(db.exec(), &ids),
            db::chats::memberships(db.exec(), caller.user_id, &ids),
        )?;
        let items = rows
            .into_iter()
            .filter_map(|row| {
                let chat = chats.remove(&row.chat_id)?;
                let member = members.remove(&row.chat_id)?;
                let cursor = ChatCursor {
                    pinned: row.pinned,
                    pinned_at: row.pinned_at,
                    last_message_at: row.last_message_at,
                    id: row.chat_id,
                };
                Some((ChatView { chat, member }, cursor))
            })
            .collect();
        Ok(ChatPage {
            items,
            has_previous,
            has_next,
        })
    }

    /// `chats` paged by a chat id (REST `GET /chats?before_id=`): the page that follows
    /// chat `after_chat_id` in the caller's list order, or the first page.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn list_after_chat(
        &self,
        caller: &Principal,
        archived: bool,
        query: Option<&str>,
        after_chat_id: Option<i64>,
        limit: i64,
    ) -> AppResult<ChatPage> {
        let cursor = match after_chat_id {
            None => None,
            Some(chat_id) => {
                let db = self.0.db();
                match db::chats::cursor_of(db.exec(), caller.user_id, chat_id).await? {
                    Some(cursor) => Some(cursor),
                    None => {
                        self.require_member(caller, chat_id).await?;
                        return Err(AppError::not_found("Chat not found"));
                    }
                }
            }
        };
        let request = ChatPageRequest::Forward {
            after: cursor.as_ref(),
            n: limit,
        };
        self.list(caller, archived, query, request).await
    }

    /// Batch: the members of many chats (for loaders; the caller already holds the chats).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn members_of(&self, chat_ids: &[i64]) -> AppResult<HashMap<i64, Vec<Member>>> {
        Ok(db::chats::members_of(self.0.db().exec(), chat_ids).await?)
    }

    /// Batch: member counts.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn member_counts(&self, chat_ids: &[i64]) -> AppResult<HashMap<i64, i64>> {
        Ok(db::chats::member_counts(self.0.db().exec(), chat_ids).await?)
    }

    /// Batch: `(unread, unread mentions)` of `viewer` per chat.
    #[tracing::instrument(level = "debug", skip_all, fields(viewer = viewer))]
    pub async fn unread_counts(
        &self,
        viewer: i64,
        chat_ids: &[i64],
    ) -> AppResult<HashMap<i64, (i64, i64)>> {
        Ok(db::chats::unread_counts(self.0.db().exec(), viewer, chat_ids).await?)
    }

    /// `members(chatId)`: the members of a chat the caller belongs to.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn members(&self, caller: &Principal, chat_id: i64) -> AppResult<Vec<Member>> {
        self.require_member(caller, chat_id).await?;
        Ok(self
            .members_of(&[chat_id])
            .await?
            .remove(&chat_id)
            .unwrap_or_default())
    }

    /// `savedMessages`: the caller's saved-messages chat, created on first use.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn saved(&self, caller: &Principal) -> AppResult<ChatView> {
        let me = caller.user_id;
        let public_id = ids::public_id();
        let new = NewChat {
            public_id: &public_id,
            kind: ChatKind::Saved.as_str(),
            title: None,
            description: None,
            avatar_url: None,
            handle: None,
            is_public: false,
            created_by: me,
            pair: Some((me, me)),
        };
        self.get_or_create_pair(caller, &new, &[]).await
    }

    /// `createChat` (seed §3.3 rules).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn create(&self, caller: &Principal, input: CreateChat) -> AppResult<ChatView> {
        let me = caller.user_id;
        let mut checks = Checks::default();
        let kind = match input.kind.as_str() {
            "private" => ChatKind::Private,
            "group" => ChatKind::Group,
            "channel" => ChatKind::Channel,
            _ => {
                checks.fail("type", "must be private, group or channel");
                ChatKind::Group
            }
        };
        let mut member_ids = input.member_ids.clone();
        member_ids.sort_unstable();
        member_ids.dedup();
        member_ids.retain(|id| *id != me);
        if kind == ChatKind::Private {
            if member_ids.len() != 1 || input.member_ids.len() != 1 {
                checks.fail("memberIds", "a private chat needs exactly one other user");
            }
            if input.is_public {
                checks.fail("isPublic", "a private chat cannot be public");
            }
            checks.finish()?;
            return self.open_private(caller, member_ids[0]).await;
        }
        let title = match input.title.as_deref() {
            Some(title) => Some(checks.text("title", title, 255)),
            None => {
                checks.fail("title", "is required for groups and channels");
                None
            }
        };
        let handle = input.handle.as_deref().map(|h| checks.handle("handle", h));
        if input.is_public && handle.is_none() {
            checks.fail("handle", "is required for public chats");
        }
        let description = input
            .description
            .as_deref()
            .map(|d| checks.text("description", d, 2000))
            .filter(|d| !d.is_empty());
        if member_ids.len() > 200 {
            checks.fail("memberIds", "at most 200 members at creation");
        }
        checks.finish()?;
        self.check_can_add(me, &member_ids).await?;

        let db = self.0.db();
        let mut tx = db.begin().await?;
        let public_id = ids::public_id();
        let chat = db::chats::insert(
            db.on(&mut *tx),
            &NewChat {
                public_id: &public_id,
                kind: kind.as_str(),
                title: title.as_deref(),
                description: description.as_deref(),
                avatar_url: None,
                handle: handle.as_deref(),
                is_public: input.is_public,
                created_by: me,
                pair: None,
            },
        )
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("group insert returned nothing")))?;
        db::chats::add_members(db.on(&mut *tx), chat.id, &[me], "owner").await?;
        db::chats::add_members(db.on(&mut *tx), chat.id, &member_ids, "member").await?;
        let payload = serde_json::json!({ "chat_id": chat.id, "added_by": me });
        db::notifications::insert_many(db.on(&mut *tx), &member_ids, "chat_member_added", &payload)
            .await?;
        let member = db::chats::member(db.on(&mut *tx), chat.id, me)
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("owner row missing")))?;
        tx.commit().await?;
        for user_id in std::iter::once(me).chain(member_ids.iter().copied()) {
            self.publish_membership(chat.id, user_id, true).await;
        }
        Ok(ChatView { chat, member })
    }

    /// Opens (or returns) the private chat with `other`, honouring blocks and
    /// `allow_private_messages` (a contact of `other` may always write).
    async fn open_private(&self, caller: &Principal, other: i64) -> AppResult<ChatView> {
        let me = caller.user_id;
        let db = self.0.db();
        let privacy = db::chats::invite_privacy(db.exec(), &[other]).await?;
        let Some((_, _, allows_private)) = privacy.first() else {
            return Err(AppError::not_found("User not found"));
        };
        let (low, high) = (me.min(other), me.max(other));
        if let Some(chat) = db::chats::find_by_pair(db.exec(), low, high).await? {
            // The chat exists: rejoin it if the caller deleted it for themself.
            db::chats::add_members(db.exec(), chat.id, &[me], "member").await?;
            return self.get(caller, chat.id).await;
        }
        if db::relations::blocked_between(db.exec(), me, other).await? {
            return Err(AppError::forbidden("You cannot message this user"));
        }
        if !allows_private && !db::relations::has_contact(db.exec(), other, me).await? {
            return Err(AppError::forbidden(
                "This user does not accept private messages",
            ));
        }
        let public_id = ids::public_id();
        let new = NewChat {
            public_id: &public_id,
            kind: ChatKind::Private.as_str(),
            title: None,
            description: None,
            avatar_url: None,
            handle: None,
            is_public: false,
            created_by: me,
            pair: Some((low, high)),
        };
        self.get_or_create_pair(caller, &new, &[other]).await
    }

    /// Creates a pair chat (private or saved) or returns the existing one: the unique
    /// pair key makes two concurrent creations end in one chat.
    async fn get_or_create_pair(
        &self,
        caller: &Principal,
        new: &NewChat<'_>,
        others: &[i64],
    ) -> AppResult<ChatView> {
        let db = self.0.db();
        let (low, high) = new.pair.unwrap_or((caller.user_id, caller.user_id));
        let mut tx = db.begin().await?;
        let chat = match db::chats::insert(db.on(&mut *tx), new).await? {
            Some(chat) => {
                let role = if others.is_empty() { "owner" } else { "member" };
                db::chats::add_members(db.on(&mut *tx), chat.id, &[caller.user_id], role).await?;
                db::chats::add_members(db.on(&mut *tx), chat.id, others, "member").await?;
                chat
            }
            None => db::chats::find_by_pair(db.on(&mut *tx), low, high)
                .await?
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("pair chat vanished")))?,
        };
        tx.commit().await?;
        for user_id in std::iter::once(caller.user_id).chain(others.iter().copied()) {
            self.publish_membership(chat.id, user_id, true).await;
        }
        self.get(caller, chat.id).await
    }

    /// Refuses members the caller may not add: unknown users, users who blocked the
    /// caller, and users whose group-invite privacy excludes the caller (§3.7).
    async fn check_can_add(&self, me: i64, user_ids: &[i64]) -> AppResult<()> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let db = self.0.db();
        let privacy = db::chats::invite_privacy(db.exec(), user_ids).await?;
        if privacy.len() != user_ids.len() {
            return Err(AppError::not_found("User not found"));
        }
        let contacts_of_me = db::relations::having_contact(db.exec(), user_ids, me).await?;
        let blocked = db::relations::blocked_with_any(db.exec(), me, user_ids).await?;
        for (id, setting, _) in &privacy {
            let allowed = super::visibility::admits(setting, *id, Some(me), |_| async {
                contacts_of_me.contains(id)
            })
            .await;
            if !allowed || blocked.contains(id) {
                return Err(AppError::forbidden(format!(
                    "User {id} cannot be added to chats by you"
                )));
            }
        }
        Ok(())
    }

    /// `setChatMuted` / `setChatArchived` / `setChatPinned`: the caller's own settings.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn update_settings(
        &self,
        caller: &Principal,
        chat_id: i64,
        settings: MemberSettings,
    ) -> AppResult<ChatView> {
        self.require_member(caller, chat_id).await?;
        db::chats::update_settings(self.0.db().exec(), chat_id, caller.user_id, settings).await?;
        self.publish_chat(chat_id).await;
        self.get(caller, chat_id).await
    }

    /// `clearChatHistory`: hides everything so far from the caller only.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn clear_history(&self, caller: &Principal, chat_id: i64) -> AppResult<()> {
        self.require_member(caller, chat_id).await?;
        db::chats::clear_history(self.0.db().exec(), chat_id, caller.user_id).await?;
        self.publish_membership(chat_id, caller.user_id, true).await;
        Ok(())
    }

    async fn publish_chat(&self, chat_id: i64) {
        self.0
            .bus()
            .publish(&topics::chat(chat_id), Event::ChatUpdated { chat_id })
            .await;
    }

    async fn publish_membership(&self, chat_id: i64, user_id: i64, joined: bool) {
        let event = Event::MembershipChanged {
            chat_id,
            user_id,
            joined,
        };
        self.0
            .bus()
            .publish(&topics::user(user_id), event.clone())
            .await;
        self.0.bus().publish(&topics::chat(chat_id), event).await;
    }
}
