//! The chat list's keyset cursor (the pages are in `page.rs`) and public chat discovery.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use super::{Chat, ChatKind};

/// A page of a user's chat list. Order: pinned first (most recently pinned first),
/// then by last activity, newest first; the cursor is that sort key.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChatCursor {
    pub pinned: bool,
    pub pinned_at: DateTime<Utc>,
    pub last_message_at: DateTime<Utc>,
    pub id: i64,
}

/// Where `chat_id` sits in `user_id`'s chat list (the sort key of [`super::page`]);
/// `None` when the user is not a member.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id, chat_id = chat_id))]
pub async fn cursor_of(
    db: impl PgExecutor<'_>,
    user_id: i64,
    chat_id: i64,
) -> Result<Option<ChatCursor>, sqlx::Error> {
    sqlx::query_as!(
        ChatCursor,
        r#"select m.pinned, coalesce(m.pinned_at, 'epoch'::timestamptz) as "pinned_at!",
                  c.last_message_at, c.id
             from chat_members m
             join chats c on c.id = m.chat_id
            where m.user_id = $1 and m.chat_id = $2"#,
        user_id,
        chat_id
    )
    .fetch_optional(db)
    .await
}

/// Public groups and channels matching `pattern` by title or handle, that `user_id`
/// has not joined.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn discover(
    db: impl PgExecutor<'_>,
    user_id: i64,
    pattern: &str,
    limit: i64,
) -> Result<Vec<Chat>, sqlx::Error> {
    sqlx::query_as!(
        Chat,
        r#"select id, public_id, type as "kind: ChatKind", title, description, avatar_url,
                  handle, is_public, created_by, pair_low_user_id, pair_high_user_id,
                  pinned_message_id, last_message_id, last_message_at, created_at, updated_at
             from chats c
            where c.is_public and (c.title ilike $2 or c.handle ilike $2)
              and not exists (select 1 from chat_members m
                               where m.chat_id = c.id and m.user_id = $1)
            order by c.last_message_at desc, c.id desc
            limit $3"#,
        user_id,
        pattern,
        limit
    )
    .fetch_all(db)
    .await
}
