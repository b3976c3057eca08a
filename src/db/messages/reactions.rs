//! Reactions: toggling one, and the counts per message.

use sqlx::PgExecutor;
use std::collections::HashMap;

/// Toggles `user_id`'s `emoji` on a message; `true` when it is now set.
#[tracing::instrument(level = "debug", skip_all, fields(message_id = message_id, user_id = user_id))]
pub async fn toggle_reaction(
    db: impl PgExecutor<'_>,
    message_id: i64,
    user_id: i64,
    emoji: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"with removed as (
               delete from message_reactions
                where message_id = $1 and user_id = $2 and emoji = $3
               returning 1
           ), added as (
               insert into message_reactions (message_id, user_id, emoji)
               select $1, $2, $3 where not exists (select 1 from removed)
               on conflict do nothing
               returning 1
           )
           select exists(select 1 from added) as "added!""#,
        message_id,
        user_id,
        emoji
    )
    .fetch_one(db)
    .await
}

/// One emoji's count on a message, and whether the viewer chose it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct ReactionCount {
    pub emoji: String,
    pub count: i64,
    pub reacted: bool,
}

/// Reaction counts of many messages, most used first.
#[tracing::instrument(level = "debug", skip_all, fields(viewer = viewer))]
pub async fn reactions(
    db: impl PgExecutor<'_>,
    viewer: i64,
    message_ids: &[i64],
) -> Result<HashMap<i64, Vec<ReactionCount>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select message_id, emoji, count(*) as "count!",
                  bool_or(user_id = $1) as "reacted!"
             from message_reactions where message_id = any($2)
            group by message_id, emoji
            order by message_id, count(*) desc, min(created_at)"#,
        viewer,
        message_ids
    )
    .fetch_all(db)
    .await?;
    let mut map: HashMap<i64, Vec<ReactionCount>> = HashMap::new();
    for row in rows {
        map.entry(row.message_id).or_default().push(ReactionCount {
            emoji: row.emoji,
            count: row.count,
            reacted: row.reacted,
        });
    }
    Ok(map)
}
