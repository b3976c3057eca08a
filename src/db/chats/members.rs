//! `chat_members`: joining, leaving, roles, each member's own settings and counters.

use std::collections::HashMap;

use sqlx::PgExecutor;

use super::{Member, Role};

/// Adds members (idempotent); a new member starts with everything so far read.
#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id))]
pub async fn add_members(
    db: impl PgExecutor<'_>,
    chat_id: i64,
    user_ids: &[i64],
    role: Role,
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
        role as Role
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
    role: Role,
) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query_as!(
        Member,
        r#"update chat_members set role = $3 where chat_id = $1 and user_id = $2
           returning id, chat_id, user_id, role as "role: Role", joined_at, archived,
                     pinned, muted, last_read_message_id, last_delivered_message_id,
                     cleared_before_message_id"#,
        chat_id,
        user_id,
        role as Role
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
           returning id, chat_id, user_id, role as "role: Role", joined_at, archived,
                     pinned, muted, last_read_message_id, last_delivered_message_id,
                     cleared_before_message_id"#,
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

/// The members of `chat_ids`, oldest first per chat.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn members_in(
    db: impl PgExecutor<'_>,
    chat_ids: &[i64],
) -> Result<Vec<Member>, sqlx::Error> {
    sqlx::query_as!(
        Member,
        r#"select id, chat_id, user_id, role as "role: Role", joined_at, archived, pinned, muted,
                  last_read_message_id, last_delivered_message_id, cleared_before_message_id
             from chat_members
            where chat_id = any($1)
            order by chat_id, joined_at, id"#,
        chat_ids,
    )
    .fetch_all(db)
    .await
}

/// Every member of each chat, oldest first, by chat.
pub async fn members_of(
    db: impl PgExecutor<'_>,
    chat_ids: &[i64],
) -> Result<HashMap<i64, Vec<Member>>, sqlx::Error> {
    let mut map: HashMap<i64, Vec<Member>> = HashMap::new();
    for member in members_in(db, chat_ids).await? {
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
        r#"select m.chat_id, u.unread as "unread!", u.mentions as "mentions!"
             from chat_members m
             cross join lateral chat_unread(m.chat_id, m.user_id,
                               greatest(m.last_read_message_id, m.cleared_before_message_id)) u
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
