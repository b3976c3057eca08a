//! `notifications`: what happened to a user while they were away.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub user_id: i64,
    pub event_type: String,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// One personal notification per recipient, all with the same payload.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_many(
    db: impl PgExecutor<'_>,
    user_ids: &[i64],
    event_type: &str,
    payload: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    if user_ids.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        r#"insert into notifications (user_id, event_type, payload)
           select u, $2, $3 from unnest($1::bigint[]) as u"#,
        user_ids,
        event_type,
        payload
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The user's notifications, newest first: their personal rows, and the chat-wide
/// `message_created` rows of the chats they are in (see the `chat_notifications`
/// migration for who a chat-wide row is for). At most `limit` rows are read per chat, so
/// the work is bounded by the user's chats times `limit`, not by the chats' history.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn list(
    db: impl PgExecutor<'_>,
    user_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Notification>, sqlx::Error> {
    sqlx::query_as!(
        Notification,
        r#"select id as "id!", user_id as "user_id!", event_type as "event_type!",
                  payload as "payload!", created_at as "created_at!", read_at
             from (
               (select n.id, n.user_id, n.event_type, n.payload, n.created_at, n.read_at
                  from notifications n
                 where n.user_id = $1 and ($2::bigint is null or n.id < $2)
                 order by n.id desc limit $3)
               union all
               (select n.id, m.user_id, n.event_type, n.payload, n.created_at,
                       null::timestamptz as read_at
                  from chat_members m
                  cross join lateral (
                        select c.id, c.event_type, c.payload, c.created_at
                          from notifications c
                         where c.chat_id = m.chat_id
                           and ($2::bigint is null or c.id < $2)
                           and c.sender_id <> m.user_id
                           and c.created_at >= m.joined_at
                           and c.message_id > m.cleared_before_message_id
                           and not exists (select 1 from message_mentions mm
                                            where mm.message_id = c.message_id
                                              and mm.user_id = m.user_id)
                         order by c.id desc limit $3) n
                 where m.user_id = $1 and not m.muted)
             ) found
            order by id desc limit $3"#,
        user_id,
        before,
        limit
    )
    .fetch_all(db)
    .await
}
