//! Chat administration: joining, profiles, members and roles, leaving and deleting,
//! pinned messages, invite links.

use super::{ids, ChatKind, ChatService, ChatView, Role};
use crate::{
    db::{
        self,
        chats::{ChatPatch, Member},
    },
    domain::{validation::Checks, Principal},
    error::{AppError, AppResult},
};

impl Role {
    /// Owners and admins administer groups and channels.
    pub fn manages(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }
}

/// An invite link (seed `POST /chats/{id}/invite-link`).
#[derive(Clone, Debug)]
pub struct InviteLink {
    pub chat_id: i64,
    pub token: String,
    pub invite_url: String,
}

/// `updateChat` input: `None` keeps, `Some(None)` clears.
#[derive(Clone, Debug, Default)]
pub struct ChatProfileInput {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub avatar_url: Option<Option<String>>,
}

impl ChatService<'_> {
    /// Loads the chat and the caller's membership, and requires a group or channel
    /// the caller manages (owner or admin).
    async fn require_manager(&self, caller: &Principal, chat_id: i64) -> AppResult<ChatView> {
        let view = self.get(caller, chat_id).await?;
        if !view.chat.kind.is_multi() {
            return Err(AppError::forbidden(
                "Only groups and channels have administrators",
            ));
        }
        if !view.member.role.manages() {
            return Err(AppError::forbidden(
                "Only the owner or an admin can do this",
            ));
        }
        Ok(view)
    }

    /// `joinChat`: joins a public group or channel.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn join(&self, caller: &Principal, chat_id: i64) -> AppResult<ChatView> {
        let db = self.0.db();
        let chat = db::chats::find(db.exec(), chat_id)
            .await?
            .ok_or_else(|| AppError::not_found("Chat not found"))?;
        if !chat.is_public {
            return Err(AppError::forbidden(
                "This chat is not public; join it by invite",
            ));
        }
        self.add_self(caller, chat_id).await
    }

    /// `joinByInvite`: joins the chat a live invite token opens.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn join_by_invite(&self, caller: &Principal, token: &str) -> AppResult<ChatView> {
        let chat_id = db::chats::invite_chat(self.0.db().exec(), token.trim())
            .await?
            .ok_or_else(|| AppError::not_found("Invite link is invalid or expired"))?;
        self.add_self(caller, chat_id).await
    }

    async fn add_self(&self, caller: &Principal, chat_id: i64) -> AppResult<ChatView> {
        let added =
            db::chats::add_members(self.0.db().exec(), chat_id, &[caller.user_id], Role::Member)
                .await?;
        if !added.is_empty() {
            self.publish_membership(chat_id, caller.user_id, true).await;
        }
        self.get(caller, chat_id).await
    }

    /// `discoverChats`: public groups and channels the caller has not joined.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn discover(
        &self,
        caller: &Principal,
        query: &str,
        limit: i64,
    ) -> AppResult<Vec<super::Chat>> {
        let limit = crate::domain::page_size(limit)?;
        let query = query.trim();
        let query = query.strip_prefix('@').unwrap_or(query);
        let pattern = crate::domain::like_pattern(query);
        Ok(db::chats::discover(self.0.db().exec(), caller.user_id, &pattern, limit).await?)
    }

    /// `updateChat` (seed `PATCH /chats/{id}/title` and `/profile`): owner or admin.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn update_profile(
        &self,
        caller: &Principal,
        chat_id: i64,
        input: ChatProfileInput,
    ) -> AppResult<ChatView> {
        let mut checks = Checks::default();
        let patch = ChatPatch {
            title: input.title.map(|t| checks.text("title", &t, 255)),
            description: input
                .description
                .map(|d| d.map(|d| checks.text("description", &d, 2000))),
            avatar_url: input
                .avatar_url
                .map(|a| a.map(|a| checks.url("avatarUrl", &a))),
        };
        checks.finish()?;
        self.require_manager(caller, chat_id).await?;
        db::chats::update_profile(self.0.db().exec(), chat_id, &patch).await?;
        self.publish_chat(chat_id).await;
        self.get(caller, chat_id).await
    }

    /// `addChatMember`: owner or admin adds a user, within the user's privacy settings.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id, user_id = user_id))]
    pub async fn add_member(
        &self,
        caller: &Principal,
        chat_id: i64,
        user_id: i64,
    ) -> AppResult<Member> {
        self.require_manager(caller, chat_id).await?;
        self.check_can_add(caller.user_id, &[user_id]).await?;
        let db = self.0.db();
        let added = db::chats::add_members(db.exec(), chat_id, &[user_id], Role::Member).await?;
        if !added.is_empty() {
            let payload = serde_json::json!({ "chat_id": chat_id, "added_by": caller.user_id });
            db::notifications::insert_many(db.exec(), &added, "chat_member_added", &payload)
                .await?;
            self.publish_membership(chat_id, user_id, true).await;
        }
        db::chats::member(db.exec(), chat_id, user_id)
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))
    }

    /// `setChatMemberRole`: the owner makes members admins and back; giving `owner`
    /// transfers ownership (the old owner becomes an admin).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id, user_id = user_id))]
    pub async fn set_role(
        &self,
        caller: &Principal,
        chat_id: i64,
        user_id: i64,
        role: Role,
    ) -> AppResult<Member> {
        let view = self.require_manager(caller, chat_id).await?;
        if view.member.role != Role::Owner {
            return Err(AppError::forbidden("Only the owner can change roles"));
        }
        if user_id == caller.user_id {
            return Err(AppError::invalid(
                "userId",
                "the owner's role changes only by transfer",
            ));
        }
        let db = self.0.db();
        let mut tx = db.begin().await?;
        if db::chats::member(db.on(&mut *tx), chat_id, user_id)
            .await?
            .is_none()
        {
            return Err(AppError::not_found("Member not found"));
        }
        if role == Role::Owner {
            db::chats::set_role(db.on(&mut *tx), chat_id, caller.user_id, Role::Admin).await?;
        }
        let member = db::chats::set_role(db.on(&mut *tx), chat_id, user_id, role)
            .await?
            .ok_or_else(|| AppError::not_found("Member not found"))?;
        tx.commit().await?;
        self.publish_chat(chat_id).await;
        Ok(member)
    }

    /// `removeChatMember`: the owner removes anyone; an admin removes plain members.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id, user_id = user_id))]
    pub async fn remove_member(
        &self,
        caller: &Principal,
        chat_id: i64,
        user_id: i64,
    ) -> AppResult<()> {
        if user_id == caller.user_id {
            return Err(AppError::invalid("userId", "use leaveChat to leave"));
        }
        let view = self.require_manager(caller, chat_id).await?;
        let db = self.0.db();
        let target = db::chats::member(db.exec(), chat_id, user_id)
            .await?
            .ok_or_else(|| AppError::not_found("Member not found"))?;
        if target.role.manages() && view.member.role != Role::Owner {
            return Err(AppError::forbidden("Only the owner can remove admins"));
        }
        db::chats::remove_member(db.exec(), chat_id, user_id).await?;
        self.publish_membership(chat_id, user_id, false).await;
        Ok(())
    }

    /// `leaveChat`: an owner hands the chat to the oldest admin (else the oldest member);
    /// the last one out deletes it. Private and saved chats are deleted, not left.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn leave(&self, caller: &Principal, chat_id: i64) -> AppResult<()> {
        let view = self.get(caller, chat_id).await?;
        if !view.chat.kind.is_multi() {
            return Err(AppError::invalid(
                "chatId",
                "private and saved chats are deleted, not left",
            ));
        }
        let db = self.0.db();
        let mut tx = db.begin().await?;
        if view.member.role == Role::Owner {
            match db::chats::successor(db.on(&mut *tx), chat_id, caller.user_id).await? {
                Some(heir) => {
                    db::chats::remove_member(db.on(&mut *tx), chat_id, caller.user_id).await?;
                    db::chats::set_role(db.on(&mut *tx), chat_id, heir, Role::Owner).await?;
                }
                None => db::chats::delete(db.on(&mut *tx), chat_id).await?,
            }
        } else {
            db::chats::remove_member(db.on(&mut *tx), chat_id, caller.user_id).await?;
        }
        tx.commit().await?;
        self.publish_membership(chat_id, caller.user_id, false)
            .await;
        Ok(())
    }

    /// `deleteChat`: for everyone (the owner of a group or channel, either side of a
    /// private chat) or just for the caller (leaving; a private chat comes back with
    /// the next message).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn delete(&self, caller: &Principal, chat_id: i64, for_all: bool) -> AppResult<()> {
        let view = self.get(caller, chat_id).await?;
        let kind = view.chat.kind;
        let db = self.0.db();
        if !for_all && kind.is_multi() {
            return self.leave(caller, chat_id).await;
        }
        if for_all && kind.is_multi() && view.member.role != Role::Owner {
            return Err(AppError::forbidden(
                "Only the owner can delete this chat for everyone",
            ));
        }
        let members = self
            .members_of(&[chat_id])
            .await?
            .remove(&chat_id)
            .unwrap_or_default();
        if for_all || kind == ChatKind::Saved {
            db::chats::delete(db.exec(), chat_id).await?;
            for member in members {
                self.publish_membership(chat_id, member.user_id, false)
                    .await;
            }
        } else {
            db::chats::clear_history(db.exec(), chat_id, caller.user_id).await?;
            db::chats::remove_member(db.exec(), chat_id, caller.user_id).await?;
            self.publish_membership(chat_id, caller.user_id, false)
                .await;
        }
        Ok(())
    }

    /// `pinMessage`: pins a message of this chat (or unpins with `None`); in groups and
    /// channels only the owner or an admin may.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn pin_message(
        &self,
        caller: &Principal,
        chat_id: i64,
        message_id: Option<i64>,
    ) -> AppResult<ChatView> {
        let view = self.get(caller, chat_id).await?;
        if view.chat.kind.is_multi() && !view.member.role.manages() {
            return Err(AppError::forbidden(
                "Only the owner or an admin can pin messages",
            ));
        }
        let db = self.0.db();
        if let Some(id) = message_id {
            let visible = db::messages::find_visible(db.exec(), caller.user_id, &[id]).await?;
            if visible.get(&id).is_none_or(|m| m.chat_id != chat_id) {
                return Err(AppError::not_found("Message not found"));
            }
        }
        db::chats::set_pinned_message(db.exec(), chat_id, message_id).await?;
        self.publish_chat(chat_id).await;
        self.get(caller, chat_id).await
    }

    /// `createInviteLink`: a new link to a group or channel, for its owner or an admin.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn create_invite(&self, caller: &Principal, chat_id: i64) -> AppResult<InviteLink> {
        self.require_manager(caller, chat_id).await?;
        let token = ids::invite_token();
        db::chats::insert_invite(self.0.db().exec(), chat_id, &token, caller.user_id).await?;
        let base = self.0.config().frontend_url.trim_end_matches('/');
        Ok(InviteLink {
            chat_id,
            invite_url: format!("{base}/join?token={token}"),
            token,
        })
    }
}
