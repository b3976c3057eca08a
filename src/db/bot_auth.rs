//! `bot_auth_sessions` and `bot_subscribers`: login through the Telegram and Max bots.
//!
//! Times come from the caller (the domain's clock), never from `now()`, so expiry is
//! decided by one clock.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

crate::db::text_enum! {
    /// Where a bot-login session stands (`bot_auth_sessions.status`).
    pub enum BotAuthStatus {
        Pending = "pending",
        Completed = "completed",
        Expired = "expired",
    }
}

crate::db::text_enum! {
    /// The messenger a login came through (`bot_auth_sessions.channel`,
    /// `bot_subscribers.platform`; the seed's `channel`).
    pub enum Channel {
        Telegram = "telegram",
        Max = "max",
    }
}

/// A session as the bot conversation needs it.
#[derive(Clone, Debug)]
pub struct SessionRow {
    pub id: String,
    pub status: BotAuthStatus,
    pub channel: Option<Channel>,
    pub platform_user_id: Option<i64>,
    pub code_expires_at: Option<DateTime<Utc>>,
    pub code_used_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
}

/// What a completed login writes onto its session.
#[derive(Clone, Debug)]
pub struct Completion<'a> {
    pub channel: Channel,
    pub platform_user_id: i64,
    pub user_id: i64,
    pub first_name: Option<&'a str>,
    pub username: Option<&'a str>,
    pub avatar_url: Option<&'a str>,
    pub lang: Option<&'a str>,
    pub subscriber_id: Uuid,
    pub code_hash: &'a str,
    pub code_expires_at: DateTime<Utc>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_pending(
    db: impl PgExecutor<'_>,
    id: &str,
    state: Option<&str>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into bot_auth_sessions (id, state, expires_at) values ($1, $2, $3)",
        id,
        state,
        expires_at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The session, locked until the transaction ends (its callers change it next).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn lock(db: impl PgExecutor<'_>, id: &str) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as!(
        SessionRow,
        r#"select id, status as "status: BotAuthStatus", channel as "channel: Channel",
                  platform_user_id, code_expires_at, code_used_at, expires_at
             from bot_auth_sessions where id = $1 for update"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// Binds a pending session to the platform account that opened its link.
#[tracing::instrument(level = "debug", skip_all, fields(platform_user_id = platform_user_id))]
pub async fn claim(
    db: impl PgExecutor<'_>,
    id: &str,
    channel: Channel,
    platform_user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update bot_auth_sessions set channel = $2, platform_user_id = $3 where id = $1",
        id,
        channel as Channel,
        platform_user_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Completes a session created through the API.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn complete(
    db: impl PgExecutor<'_>,
    id: &str,
    done: &Completion<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"update bot_auth_sessions
              set status = 'completed', channel = $2, platform_user_id = $3, user_id = $4,
                  first_name = $5, username = $6, avatar_url = $7, lang = $8,
                  subscriber_id = $9, code_hash = $10, code_expires_at = $11
            where id = $1"#,
        id,
        done.channel as Channel,
        done.platform_user_id,
        done.user_id,
        done.first_name,
        done.username,
        done.avatar_url,
        done.lang,
        done.subscriber_id,
        done.code_hash,
        done.code_expires_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records a login through the static link: a completed session without `state`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_completed(
    db: impl PgExecutor<'_>,
    id: &str,
    done: &Completion<'_>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"insert into bot_auth_sessions
               (id, status, channel, platform_user_id, user_id, first_name, username,
                avatar_url, lang, subscriber_id, code_hash, code_expires_at, expires_at)
           values ($1, 'completed', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"#,
        id,
        done.channel as Channel,
        done.platform_user_id,
        done.user_id,
        done.first_name,
        done.username,
        done.avatar_url,
        done.lang,
        done.subscriber_id,
        done.code_hash,
        done.code_expires_at,
        expires_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Ends a pending session (the user pressed Cancel).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn cancel(db: impl PgExecutor<'_>, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update bot_auth_sessions set status = 'expired' where id = $1 and status = 'pending'",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A status poll: the session's state, and — exactly once per session — the expiry of an
/// unused, unexpired code, which the caller turns back into the code.
#[derive(Clone, Debug)]
pub struct StatusRow {
    pub status: BotAuthStatus,
    pub expires_at: DateTime<Utc>,
    /// Set on the one read that hands the code out (`code_delivered_at` is set with it).
    pub delivered: Option<Delivered>,
}

#[derive(Clone, Debug)]
pub struct Delivered {
    pub code_hash: String,
    pub code_expires_at: DateTime<Utc>,
}

/// One statement: marks the code delivered when it may still be handed out, and reads
/// the session. Two concurrent polls cannot both get the code: the update takes the row
/// lock and the second one's `code_delivered_at is null` no longer holds.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn read_status(
    db: impl PgExecutor<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<StatusRow>, sqlx::Error> {
    let row = sqlx::query!(
        r#"with delivered as (
               update bot_auth_sessions set code_delivered_at = $2
                where id = $1 and status = 'completed' and code_delivered_at is null
                  and code_used_at is null and code_expires_at > $2
               returning id, code_hash, code_expires_at
           )
           select s.status as "status: BotAuthStatus", s.expires_at, d.code_hash as "code_hash?",
                  d.code_expires_at as "code_expires_at?"
             from bot_auth_sessions s left join delivered d on d.id = s.id
            where s.id = $1"#,
        id,
        now
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| StatusRow {
        status: r.status,
        expires_at: r.expires_at,
        delivered: r
            .code_hash
            .zip(r.code_expires_at)
            .map(|(code_hash, code_expires_at)| Delivered {
                code_hash,
                code_expires_at,
            }),
    }))
}

/// A code exchanged for the login it confirms.
#[derive(Clone, Debug)]
pub struct Consumed {
    pub session_id: String,
    pub state: Option<String>,
    pub channel: Channel,
    pub user_id: Option<i64>,
    pub first_name: Option<String>,
    pub username: Option<String>,
    pub avatar_url: Option<String>,
    pub lang: Option<String>,
    pub subscriber_id: Option<Uuid>,
    pub tags: Vec<String>,
}

/// Marks the code with `code_hash` used, if it is unused and unexpired: one statement, so
/// of two concurrent verifications exactly one succeeds.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn consume_code(
    db: impl PgExecutor<'_>,
    code_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Consumed>, sqlx::Error> {
    sqlx::query_as!(
        Consumed,
        r#"with used as (
               update bot_auth_sessions set code_used_at = $2
                where code_hash = $1 and status = 'completed' and code_used_at is null
                  and code_expires_at > $2
               returning id, state, channel, user_id, first_name, username, avatar_url, lang,
                         subscriber_id
           )
           select u.id as "session_id!", u.state, u.channel as "channel!: Channel", u.user_id,
                  u.first_name, u.username, u.avatar_url, u.lang, u.subscriber_id,
                  coalesce(s.tags, '{}') as "tags!"
             from used u left join bot_subscribers s on s.id = u.subscriber_id"#,
        code_hash,
        now
    )
    .fetch_optional(db)
    .await
}

/// The user linked to a Max account, if any.
#[tracing::instrument(level = "debug", skip_all, fields(platform_user_id = platform_user_id))]
pub async fn max_user_id(
    db: impl PgExecutor<'_>,
    platform_user_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "select user_id from bot_subscribers where platform = 'max' and platform_user_id = $1",
        platform_user_id
    )
    .fetch_optional(db)
    .await
}

/// The profile a Max account brings to a new user.
#[derive(Clone, Debug)]
pub struct MaxProfile<'a> {
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub username: Option<&'a str>,
    pub lang: Option<&'a str>,
    pub avatar_url: Option<&'a str>,
}

/// Creates the user of a Max account (no Telegram id, no email: it is linked through
/// `bot_subscribers`). A username already taken by another user is left out, as for
/// Telegram logins.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_max_user(
    db: impl PgExecutor<'_>,
    profile: &MaxProfile<'_>,
) -> Result<i64, sqlx::Error> {
    let name = [profile.first_name, profile.last_name]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    sqlx::query_scalar!(
        r#"insert into users (first_name, last_name, username, name, language_code, avatar_url)
           values ($1, $2,
                   (select $3::text where $3::text is not null
                       and not exists (select 1 from users where lower(username) = lower($3::text))),
                   nullif($4, ''), coalesce($5, 'en'), $6)
           returning id"#,
        profile.first_name,
        profile.last_name,
        profile.username,
        name,
        profile.lang,
        profile.avatar_url,
    )
    .fetch_one(db)
    .await
}

/// A bot subscription (and the link between a user and a platform account).
#[derive(Clone, Debug)]
pub struct Subscriber<'a> {
    pub user_id: i64,
    pub platform: Channel,
    pub platform_user_id: i64,
    pub username: Option<&'a str>,
    pub first_name: Option<&'a str>,
    pub avatar_url: Option<&'a str>,
    pub lang: Option<&'a str>,
}

/// Subscribes the account (again, after it unsubscribed) and refreshes its profile;
/// returns the subscriber id. An existing row keeps its user: one account per platform id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn upsert_subscriber(
    db: impl PgExecutor<'_>,
    sub: &Subscriber<'_>,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        r#"insert into bot_subscribers
               (user_id, platform, platform_user_id, username, first_name, avatar_url, lang)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (platform, platform_user_id) do update set
               username = excluded.username,
               first_name = excluded.first_name,
               avatar_url = coalesce(excluded.avatar_url, bot_subscribers.avatar_url),
               lang = coalesce(excluded.lang, bot_subscribers.lang),
               unsubscribed_at = null
           returning id"#,
        sub.user_id,
        sub.platform as Channel,
        sub.platform_user_id,
        sub.username,
        sub.first_name,
        sub.avatar_url,
        sub.lang,
    )
    .fetch_one(db)
    .await
}
