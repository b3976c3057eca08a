//! `chats` and `chat_members`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// A chat's shared facts (per-viewer facts live in [`Member`]).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Chat {
    pub id: i64,
    pub public_id: String,
    pub kind: String,
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
    pub role: String,
    pub joined_at: DateTime<Utc>,
    pub archived: bool,
    pub pinned: bool,
    pub muted: bool,
    pub last_read_message_id: i64,
    pub last_delivered_message_id: i64,
    pub cleared_before_message_id: i64,
}

#[tracing::instrument(level = "debug", skip_all, fields(id = id))]
pub async fn find(db: impl PgExecutor<'_>, id: i64) -> Result<Option<Chat>, sqlx::Error> {
    sqlx::query_as!(
        Chat,
        r#"select id, public_id, type as kind, title, description, avatar_url, handle, is_public,
                  created_by, pair_low_user_id, pair_high_user_id, pinned_message_id,
                  last_message_id, last_message_at, created_at, updated_at
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
        r#"select id, public_id, type as kind, title, description, avatar_url, handle, is_public,
                  created_by, pair_low_user_id, pair_high_user_id, pinned_message_id,
                  last_message_id, last_message_at, created_at, updated_at
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
        r#"select id, chat_id, user_id, role, joined_at, archived, pinned, muted,
                  last_read_message_id, last_delivered_message_id, cleared_before_message_id
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
        r#"select id, chat_id, user_id, role, joined_at, archived, pinned, muted,
                  last_read_message_id, last_delivered_message_id, cleared_before_message_id
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
    pub kind: &'a str,
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub avatar_url: Option<&'a str>,
    pub handle: Option<&'a str>,
    pub is_public: bool,
    pub created_by: i64,
    /// `(low, high)` user ids of a private chat, `(owner, owner)` of a saved chat.
    pub pair: Option<(i64, i64)>,
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
           returning id, public_id, type as kind, title, description, avatar_url, handle,
                     is_public, created_by, pair_low_user_id, pair_high_user_id,
                     pinned_message_id, last_message_id, last_message_at, created_at, updated_at"#,
        chat.public_id,
        chat.kind,
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
        r#"select id, public_id, type as kind, title, description, avatar_url, handle, is_public,
                  created_by, pair_low_user_id, pair_high_user_id, pinned_message_id,
                  last_message_id, last_message_at, created_at, updated_at
             from chats where pair_low_user_id = $1 and pair_high_user_id = $2"#,
        low,
        high
    )
    .fetch_optional(db)
    .await
}

/// Adds members (idempotent); a new member starts with everything so far read.
#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id))]
pub async fn add_members(
    db: impl PgExecutor<'_>,
    chat_id: i64,
    user_ids: &[i64],
    role: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"insert into chat_members (chat_id, user_id, role, last_read_message_id,
                                     last_delivered_message_id)
           select $1, u, $3, coalesce(c.last_message_id, 0), coalesce(c.last_message_id, 0)
             from unnest($2::bigint[]) as u, chats c
            where c.id = $1
           on conflict (chat_id, user_id) do nothing
           returning user_id"#,
        chat_id,
        user_ids,
        role
    )
    .fetch_all(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id, user_id = user_id))]
pub async fn remove_member(
    db: impl PgExecutor<'_>,
    chat_id: i64,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "delete from chat_members where chat_id = $1 and user_id = $2",
        chat_id,
        user_id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id, user_id = user_id))]
pub async fn set_role(
    db: impl PgExecutor<'_>,
    chat_id: i64,
    user_id: i64,
    role: &str,
) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query_as!(
        Member,
        r#"update chat_members set role = $3 where chat_id = $1 and user_id = $2
           returning id, chat_id, user_id, role, joined_at, archived, pinned, muted,
                     last_read_message_id, last_delivered_message_id, cleared_before_message_id"#,
        chat_id,
        user_id,
        role
    )
    .fetch_optional(db)
    .await
}

/// The member who should inherit ownership: the oldest admin, else the oldest member.
#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id))]
pub async fn successor(
    db: impl PgExecutor<'_>,
    chat_id: i64,
    leaving: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select user_id from chat_members
            where chat_id = $1 and user_id <> $2
            order by (role = 'admin') desc, joined_at, id
            limit 1"#,
        chat_id,
        leaving
    )
    .fetch_optional(db)
    .await
}

/// A member's own settings; `None` fields stay.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemberSettings {
    pub archived: Option<bool>,
    pub pinned: Option<bool>,
    pub muted: Option<bool>,
}

#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id, user_id = user_id))]
pub async fn update_settings(
    db: impl PgExecutor<'_>,
    chat_id: i64,
    user_id: i64,
    settings: MemberSettings,
) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query_as!(
        Member,
        r#"update chat_members set
               archived = coalesce($3, archived),
               muted = coalesce($5, muted),
               pinned = coalesce($4, pinned),
               pinned_at = case when $4 is null then pinned_at
                                when $4 then coalesce(pinned_at, now())
                                else null end
            where chat_id = $1 and user_id = $2
           returning id, chat_id, user_id, role, joined_at, archived, pinned, muted,
                     last_read_message_id, last_delivered_message_id, cleared_before_message_id"#,
        chat_id,
        user_id,
        settings.archived,
        settings.pinned,
        settings.muted,
    )
    .fetch_optional(db)
    .await
}

/// Hides everything up to the chat's last message from one member.
#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id, user_id = user_id))]
pub async fn clear_history(
    db: impl PgExecutor<'_>,
    chat_id: i64,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"update chat_members m
              set cleared_before_message_id = greatest(m.cleared_before_message_id,
                                                       coalesce(c.last_message_id, 0)),
                  last_read_message_id = greatest(m.last_read_message_id,
                                                  coalesce(c.last_message_id, 0))
             from chats c
            where c.id = m.chat_id and m.chat_id = $1 and m.user_id = $2"#,
        chat_id,
        user_id
    )
    .execute(db)
    .await?;
    Ok(())
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
           returning id, public_id, type as kind, title, description, avatar_url, handle,
                     is_public, created_by, pair_low_user_id, pair_high_user_id,
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
           returning id, public_id, type as kind, title, description, avatar_url, handle,
                     is_public, created_by, pair_low_user_id, pair_high_user_id,
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

/// Every member of each chat, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn members_of(
    db: impl PgExecutor<'_>,
    chat_ids: &[i64],
) -> Result<HashMap<i64, Vec<Member>>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Member,
        r#"select id, chat_id, user_id, role, joined_at, archived, pinned, muted,
                  last_read_message_id, last_delivered_message_id, cleared_before_message_id
             from chat_members where chat_id = any($1)
            order by chat_id, joined_at, id"#,
        chat_ids
    )
    .fetch_all(db)
    .await?;
    let mut map: HashMap<i64, Vec<Member>> = HashMap::new();
    for member in rows {
        map.entry(member.chat_id).or_default().push(member);
    }
    Ok(map)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn member_counts(
    db: impl PgExecutor<'_>,
    chat_ids: &[i64],
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select chat_id, count(*) as "count!" from chat_members
            where chat_id = any($1) group by chat_id"#,
        chat_ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.chat_id, r.count)).collect())
}

/// Unread messages and unread mentions of `user_id` in each chat.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn unread_counts(
    db: impl PgExecutor<'_>,
    user_id: i64,
    chat_ids: &[i64],
) -> Result<HashMap<i64, (i64, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select m.chat_id,
                  (select count(*) from messages x
                    where x.chat_id = m.chat_id
                      and x.id > greatest(m.last_read_message_id, m.cleared_before_message_id)
                      and x.sender_id <> m.user_id and x.deleted_at is null
                      and not exists (select 1 from hidden_messages h
                                       where h.user_id = m.user_id and h.chat_id = x.chat_id
                                         and h.message_id = x.id)) as "unread!",
                  (select count(*) from message_mentions mm
                     join messages x on x.chat_id = mm.chat_id and x.id = mm.message_id
                    where mm.user_id = m.user_id and mm.chat_id = m.chat_id
                      and mm.message_id > greatest(m.last_read_message_id,
                                                   m.cleared_before_message_id)
                      and x.deleted_at is null) as "mentions!"
             from chat_members m
            where m.user_id = $1 and m.chat_id = any($2)"#,
        user_id,
        chat_ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.chat_id, (r.unread, r.mentions)))
        .collect())
}

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
        r#"select id, public_id, type as kind, title, description, avatar_url, handle, is_public,
                  created_by, pair_low_user_id, pair_high_user_id, pinned_message_id,
                  last_message_id, last_message_at, created_at, updated_at
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
) -> Result<Vec<(i64, String, bool)>, sqlx::Error> {
    let rows = sqlx::query!(
        "select id, privacy_group_invites, allow_private_messages from users where id = any($1)",
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
