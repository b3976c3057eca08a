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

/// One notification per recipient, all with the same payload.
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

pub async fn list(
    db: impl PgExecutor<'_>,
    user_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Notification>, sqlx::Error> {
    sqlx::query_as!(
        Notification,
        r#"select id, user_id, event_type, payload, created_at, read_at
             from notifications
            where user_id = $1 and ($2::bigint is null or id < $2)
            order by id desc limit $3"#,
        user_id,
        before,
        limit
    )
    .fetch_all(db)
    .await
}
