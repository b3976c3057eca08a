//! Creating chats: groups and channels with their first members, private chats (one
//! per pair), and who may be added (privacy, blocks).

use super::{ids, ChatKind, ChatService, ChatView, CreateChat, Role};
use crate::{
    db::{self, chats::NewChat},
    domain::{validation::Checks, Principal},
    error::{AppError, AppResult},
};

impl ChatService<'_> {
    /// `createChat` (seed §3.3 rules).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn create(&self, caller: &Principal, input: CreateChat) -> AppResult<ChatView> {
        let me = caller.user_id;
        let mut checks = Checks::default();
        let kind = match input.kind {
            Ok(kind @ (ChatKind::Private | ChatKind::Group | ChatKind::Channel)) => kind,
            Ok(ChatKind::Saved) | Err(_) => {
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
                kind,
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
        db::chats::add_members(db.on(&mut *tx), chat.id, &[me], Role::Owner).await?;
        db::chats::add_members(db.on(&mut *tx), chat.id, &member_ids, Role::Member).await?;
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
    pub(super) async fn open_private(&self, caller: &Principal, other: i64) -> AppResult<ChatView> {
        let me = caller.user_id;
        let db = self.0.db();
        let privacy = db::chats::invite_privacy(db.exec(), &[other]).await?;
        let Some((_, _, allows_private)) = privacy.first() else {
            return Err(AppError::not_found("User not found"));
        };
        let (low, high) = (me.min(other), me.max(other));
        if let Some(chat) = db::chats::find_by_pair(db.exec(), low, high).await? {
            // The chat exists: rejoin it if the caller deleted it for themself.
            db::chats::add_members(db.exec(), chat.id, &[me], Role::Member).await?;
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
        let new = NewChat::pair(&public_id, ChatKind::Private, me, (low, high));
        self.get_or_create_pair(caller, &new, &[other]).await
    }

    /// Creates a pair chat (private or saved) or returns the existing one: the unique
    /// pair key makes two concurrent creations end in one chat.
    pub(super) async fn get_or_create_pair(
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
                let role = if others.is_empty() {
                    Role::Owner
                } else {
                    Role::Member
                };
                db::chats::add_members(db.on(&mut *tx), chat.id, &[caller.user_id], role).await?;
                db::chats::add_members(db.on(&mut *tx), chat.id, others, Role::Member).await?;
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
    pub(super) async fn check_can_add(&self, me: i64, user_ids: &[i64]) -> AppResult<()> {
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
            let allowed = crate::domain::visibility::admits(*setting, *id, Some(me), |_| async {
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
}
