//! Chats: private, group, channel and saved chats, membership, roles and per-member
//! settings (messenger-rest-api.md §3.3, §3.7, §7). Every read and write of a chat's
//! data passes [`ChatService::require_member`].

pub mod admin;
mod create;
mod ids;
mod read;

use std::collections::HashMap;

use super::{Domain, Principal, UnknownValue};
use crate::{
    db::{self, chats::NewChat},
    error::{AppError, AppResult},
    realtime::{topics, Event},
};

pub use crate::db::chats::{
    Chat, ChatCursor, ChatKind, Member, MemberSettings, MemberSummary, Role,
};
pub use read::{ChatFacts, ChatListRead, ChatWants};

impl ChatKind {
    /// Groups and channels: chats with members, roles and administrators.
    fn is_multi(self) -> bool {
        matches!(self, Self::Group | Self::Channel)
    }
}

impl Chat {
    /// The other participant of a private chat, seen by `viewer`.
    pub fn counterpart_of(&self, viewer: i64) -> Option<i64> {
        if self.kind != ChatKind::Private {
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
        match self.kind {
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
#[derive(Clone, Debug)]
pub struct CreateChat {
    /// As the request named it; `Err` (text that is no chat type) and `Saved` are
    /// reported with the input's other faults.
    pub kind: Result<ChatKind, UnknownValue>,
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

    /// `chats`: the caller's chat list, pinned first, then by last activity (the page
    /// alone: one statement; [`Self::read_list`] adds what a reader shows).
    pub async fn list(
        &self,
        caller: &Principal,
        archived: bool,
        query: Option<&str>,
        request: ChatPageRequest<'_>,
    ) -> AppResult<ChatPage> {
        let read = self
            .read_list(caller, archived, query, request, ChatWants::default())
            .await?;
        Ok(ChatPage {
            items: read.items,
            has_previous: read.has_previous,
            has_next: read.has_next,
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
        wants: ChatWants,
    ) -> AppResult<ChatListRead> {
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
        self.read_list(caller, archived, query, request, wants)
            .await
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
        let new = NewChat::pair(&public_id, ChatKind::Saved, me, (me, me));
        self.get_or_create_pair(caller, &new, &[]).await
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
