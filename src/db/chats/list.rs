//! A user's chat list (keyset pages) and public chat discovery.

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

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListedChat {
    pub chat_id: i64,
    pub pinned: bool,
    pub pinned_at: DateTime<Utc>,
    pub last_message_at: DateTime<Utc>,
}

/// One page of `user_id`'s chat list, in list order (pinned first, then by last
/// activity): the chats after `cursor`, or with `backward` the chats before it, nearest
/// first (the caller reverses those).
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn list_for_user(
    db: impl PgExecutor<'_>,
    user_id: i64,
    archived: bool,
    search: Option<&str>,
    cursor: Option<&ChatCursor>,
    backward: bool,
    limit: i64,
) -> Result<Vec<ListedChat>, sqlx::Error> {
    sqlx::query_as!(
        ListedChat,
        r#"select c.id as chat_id, m.pinned,
                  coalesce(m.pinned_at, 'epoch'::timestamptz) as "pinned_at!",
                  c.last_message_at
             from chat_members m
             join chats c on c.id = m.chat_id
            where m.user_id = $1 and m.archived = $2
              and ($3::text is null
                   or c.title ilike $3 or c.handle ilike $3 or c.type = lower(trim('%' from $3))
                   or exists (select 1 from users u
                               where u.id in (c.pair_low_user_id, c.pair_high_user_id)
                                 and u.id <> $1
                                 and (u.name ilike $3 or u.username ilike $3
                                      or u.first_name ilike $3 or u.last_name ilike $3)))
              and ($4::boolean is null
                   or (not $9 and (m.pinned, coalesce(m.pinned_at, 'epoch'::timestamptz),
                                   c.last_message_at, c.id) < ($4, $5, $6, $7))
                   or ($9 and (m.pinned, coalesce(m.pinned_at, 'epoch'::timestamptz),
                               c.last_message_at, c.id) > ($4, $5, $6, $7)))
            order by case when not $9 then m.pinned end desc,
                     case when not $9 then coalesce(m.pinned_at, 'epoch'::timestamptz) end desc,
                     case when not $9 then c.last_message_at end desc,
                     case when not $9 then c.id end desc,
                     case when $9 then m.pinned end,
                     case when $9 then coalesce(m.pinned_at, 'epoch'::timestamptz) end,
                     case when $9 then c.last_message_at end,
                     case when $9 then c.id end
            limit $8"#,
        user_id,
        archived,
        search,
        cursor.map(|c| c.pinned),
        cursor.map(|c| c.pinned_at),
        cursor.map(|c| c.last_message_at),
        cursor.map(|c| c.id),
        limit,
        backward
    )
    .fetch_all(db)
    .await
}

/// Where `chat_id` sits in `user_id`'s chat list (the sort key of [`list_for_user`]);
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
