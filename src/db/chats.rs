//! `chats` and `chat_members`: the chat rows here, memberships in [`members`], the chat
//! list in [`list`] (re-exported, so every query is `db::chats::…`).

mod list;
mod members;
mod page;
mod page_row;

pub use list::*;
pub use members::*;
pub use page::*;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use super::users::PrivacyLevel;

crate::db::text_enum! {
    /// A chat's type (`chats.type`).
    pub enum ChatKind {
        Private = "private",
        Group = "group",
        Channel = "channel",
        /// The owner's own chat ("Saved Messages").
        Saved = "saved",
    }
}

crate::db::text_enum! {
    /// A member's role (`chat_members.role`).
    pub enum Role {
        Owner = "owner",
        Admin = "admin",
        Member = "member",
    }
}

/// A chat's shared facts (per-viewer facts live in [`Member`]).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Chat {
    pub id: i64,
    pub public_id: String,
    pub kind: ChatKind,
    pub title: Option<String>,
    pub description: Option<String>,
    pub avatar_url: Option<String>,
    pub handle: Option<String>,
    pub is_public: bool,
    pub created_by: Option<i64>,
    pub pair_low_user_id: Option<i64>,
    pub pair_high_user_id: Option<i64>,
    pub pinned_message_id: Option<i64>,
    pub last_message_id: Option<i64>,
    pub last_message_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One user's membership of one chat.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Member {
    pub id: i64,
    pub chat_id: i64,
    pub user_id: i64,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub archived: bool,
    pub pinned: bool,
    pub muted: bool,
    pub last_read_message_id: i64,
    pub last_delivered_message_id: i64,
    pub cleared_before_message_id: i64,
}

/// A member as member lists show them: who, their role, since when (none of their own
/// reading state). What a chat page carries for its members.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemberSummary {
    pub id: i64,
    pub chat_id: i64,
    pub user_id: i64,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

impl From<&Member> for MemberSummary {
    fn from(member: &Member) -> Self {
        Self {
            id: member.id,
            chat_id: member.chat_id,
            user_id: member.user_id,
            role: member.role,
            joined_at: member.joined_at,
        }
    }
}

#[tracing::instrument(level = "debug", skip_all, fields(id = id))]
pub async fn find(db: impl PgExecutor<'_>, id: i64) -> Result<Option<Chat>, sqlx::Error> {
    sqlx::query_as!(
        Chat,
        r#"select id, public_id, type as "kind: ChatKind", title, description, avatar_url,
                  handle, is_public, created_by, pair_low_user_id, pair_high_user_id,
                  pinned_message_id, last_message_id, last_message_at, created_at, updated_at
             from chats where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_many(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> Result<HashMap<i64, Chat>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Chat,
        r#"select id, public_id, type as "kind: ChatKind", title, description, avatar_url,
                  handle, is_public, created_by, pair_low_user_id, pair_high_user_id,
                  pinned_message_id, last_message_id, last_message_at, created_at, updated_at
             from chats where id = any($1)"#,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|c| (c.id, c)).collect())
}

#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id, user_id = user_id))]
pub async fn member(
    db: impl PgExecutor<'_>,
    chat_id: i64,
    user_id: i64,
) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query_as!(
        Member,
        r#"select id, chat_id, user_id, role as "role: Role", joined_at, archived, pinned,
                  muted, last_read_message_id, last_delivered_message_id, cleared_before_message_id
             from chat_members where chat_id = $1 and user_id = $2"#,
        chat_id,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// `user_id`'s memberships of the given chats, keyed by chat id.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn memberships(
    db: impl PgExecutor<'_>,
    user_id: i64,
    chat_ids: &[i64],
) -> Result<HashMap<i64, Member>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Member,
        r#"select id, chat_id, user_id, role as "role: Role", joined_at, archived, pinned,
                  muted, last_read_message_id, last_delivered_message_id, cleared_before_message_id
             from chat_members where user_id = $1 and chat_id = any($2)"#,
        user_id,
        chat_ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|m| (m.chat_id, m)).collect())
}

/// What a new chat is made of.
pub struct NewChat<'a> {
    pub public_id: &'a str,
    pub kind: ChatKind,
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub avatar_url: Option<&'a str>,
    pub handle: Option<&'a str>,
    pub is_public: bool,
    pub created_by: i64,
    /// `(low, high)` user ids of a private chat, `(owner, owner)` of a saved chat.
    pub pair: Option<(i64, i64)>,
}

impl<'a> NewChat<'a> {
    /// A private or saved chat: no title, description, avatar or handle; not public.
    pub fn pair(public_id: &'a str, kind: ChatKind, created_by: i64, pair: (i64, i64)) -> Self {
        Self {
            public_id,
            kind,
            title: None,
            description: None,
            avatar_url: None,
            handle: None,
            is_public: false,
            created_by,
            pair: Some(pair),
        }
    }
}

/// Inserts a chat; for private and saved chats returns `None` when the pair's chat
/// already exists (the caller then loads it with [`find_by_pair`]).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(
    db: impl PgExecutor<'_>,
    chat: &NewChat<'_>,
) -> Result<Option<Chat>, sqlx::Error> {
    sqlx::query_as!(
        Chat,
        r#"insert into chats (public_id, type, title, description, avatar_url, handle, is_public,
                              created_by, pair_low_user_id, pair_high_user_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           on conflict on constraint chats_pair_key do nothing
           returning id, public_id, type as "kind: ChatKind", title, description,
                     avatar_url, handle, is_public, created_by, pair_low_user_id, pair_high_user_id,
                     pinned_message_id, last_message_id, last_message_at, created_at, updated_at"#,
        chat.public_id,
        chat.kind as ChatKind,
        chat.title,
        chat.description,
        chat.avatar_url,
        chat.handle,
        chat.is_public,
        chat.created_by,
        chat.pair.map(|p| p.0),
        chat.pair.map(|p| p.1),
    )
    .fetch_optional(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_by_pair(
    db: impl PgExecutor<'_>,
    low: i64,
    high: i64,
) -> Result<Option<Chat>, sqlx::Error> {
    sqlx::query_as!(
        Chat,
        r#"select id, public_id, type as "kind: ChatKind", title, description, avatar_url,
                  handle, is_public, created_by, pair_low_user_id, pair_high_user_id,
                  pinned_message_id, last_message_id, last_message_at, created_at, updated_at
             from chats where pair_low_user_id = $1 and pair_high_user_id = $2"#,
        low,
        high
    )
    .fetch_optional(db)
    .await
}

/// Chat profile fields; `None` keeps, `Some(None)` clears (title cannot be cleared).
#[derive(Clone, Debug, Default)]
pub struct ChatPatch {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub avatar_url: Option<Option<String>>,
}

#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id))]
pub async fn update_profile(
    db: impl PgExecutor<'_>,
    chat_id: i64,
    patch: &ChatPatch,
) -> Result<Chat, sqlx::Error> {
    sqlx::query_as!(
        Chat,
        r#"update chats set
               title = coalesce($2, title),
               description = case when $3 then $4 else description end,
               avatar_url = case when $5 then $6 else avatar_url end
            where id = $1
           returning id, public_id, type as "kind: ChatKind", title, description,
                     avatar_url, handle, is_public, created_by, pair_low_user_id, pair_high_user_id,
                     pinned_message_id, last_message_id, last_message_at, created_at, updated_at"#,
        chat_id,
        patch.title,
        patch.description.is_some(),
        patch.description.clone().flatten(),
        patch.avatar_url.is_some(),
        patch.avatar_url.clone().flatten(),
    )
    .fetch_one(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id))]
pub async fn set_pinned_message(
    db: impl PgExecutor<'_>,
    chat_id: i64,
    message_id: Option<i64>,
) -> Result<Chat, sqlx::Error> {
    sqlx::query_as!(
        Chat,
        r#"update chats set pinned_message_id = $2 where id = $1
           returning id, public_id, type as "kind: ChatKind", title, description,
                     avatar_url, handle, is_public, created_by, pair_low_user_id, pair_high_user_id,
                     pinned_message_id, last_message_id, last_message_at, created_at, updated_at"#,
        chat_id,
        message_id
    )
    .fetch_one(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id))]
pub async fn delete(db: impl PgExecutor<'_>, chat_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from chats where id = $1", chat_id)
        .execute(db)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id))]
pub async fn insert_invite(
    db: impl PgExecutor<'_>,
    chat_id: i64,
    token: &str,
    created_by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into invite_links (token, chat_id, created_by) values ($1, $2, $3)",
        token,
        chat_id,
        created_by
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The chat a live invite token opens.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn invite_chat(db: impl PgExecutor<'_>, token: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select chat_id from invite_links
            where token = $1 and revoked_at is null
              and (expires_at is null or expires_at > now())"#,
        token
    )
    .fetch_optional(db)
    .await
}

/// The privacy settings that decide who may add `user_ids` to groups, and whether
/// they accept private messages: `(id, privacy_group_invites, allow_private_messages)`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn invite_privacy(
    db: impl PgExecutor<'_>,
    user_ids: &[i64],
) -> Result<Vec<(i64, PrivacyLevel, bool)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select id, privacy_group_invites as "privacy_group_invites: PrivacyLevel",
                  allow_private_messages
             from users where id = any($1)"#,
        user_ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.privacy_group_invites, r.allow_private_messages))
        .collect())
}

/// Every chat `user_id` is a member of.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn chat_ids_of(db: impl PgExecutor<'_>, user_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "select chat_id from chat_members where user_id = $1",
        user_id
    )
    .fetch_all(db)
    .await
}
