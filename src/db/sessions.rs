//! `refresh_sessions`: one row per refresh token ever issued; rotation links a row to
//! its successor, and a family groups every rotation of one login. A "session" the
//! user sees is a family; access tokens name their family (`sid`).

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// A new refresh token's row.
pub struct NewSession<'a> {
    pub jti: Uuid,
    pub family_id: Uuid,
    pub user_id: i64,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Session {
    pub jti: Uuid,
    pub family_id: Uuid,
    pub user_id: i64,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub replaced_by: Option<Uuid>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(db: impl PgExecutor<'_>, session: &NewSession<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"insert into refresh_sessions (jti, family_id, user_id, user_agent, ip, expires_at)
           values ($1, $2, $3, left($4, 1024), left($5, 64), $6)"#,
        session.jti,
        session.family_id,
        session.user_id,
        session.user_agent,
        session.ip,
        session.expires_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The row of `jti`, locked until the transaction ends (two refreshes with one token
/// must not both rotate it).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_for_update(
    db: impl PgExecutor<'_>,
    jti: Uuid,
) -> Result<Option<Session>, sqlx::Error> {
    sqlx::query_as!(
        Session,
        r#"select jti, family_id, user_id, user_agent, ip, created_at, last_used_at, expires_at,
                  revoked_at, replaced_by
             from refresh_sessions where jti = $1 for update"#,
        jti
    )
    .fetch_optional(db)
    .await
}

/// Marks `old` as replaced by `new_jti`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn mark_rotated(
    db: impl PgExecutor<'_>,
    old: Uuid,
    new_jti: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"update refresh_sessions set revoked_at = now(), replaced_by = $2, last_used_at = now()
            where jti = $1"#,
        old,
        new_jti
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Revokes every live row of a family (of `user_id`); the number revoked.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn revoke_family(
    db: impl PgExecutor<'_>,
    user_id: i64,
    family_id: Uuid,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"update refresh_sessions set revoked_at = now()
            where user_id = $1 and family_id = $2 and revoked_at is null"#,
        user_id,
        family_id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// The family of a refresh token id, when it is `user_id`'s.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn family_of(
    db: impl PgExecutor<'_>,
    user_id: i64,
    jti: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select family_id from refresh_sessions where jti = $1 and user_id = $2",
        jti,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Revokes every session of a user and every access token issued before now.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn revoke_all(db: impl PgExecutor<'_>, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"with revoked as (
               update refresh_sessions set revoked_at = now()
                where user_id = $1 and revoked_at is null
           )
           update users set tokens_valid_after = now() where id = $1"#,
        user_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The user's live sessions: the newest row of each live family, newest first.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn list_live(db: impl PgExecutor<'_>, user_id: i64) -> Result<Vec<Session>, sqlx::Error> {
    sqlx::query_as!(
        Session,
        r#"select distinct on (family_id)
                  jti, family_id, user_id, user_agent, ip,
                  (select min(f.created_at) from refresh_sessions f
                    where f.family_id = s.family_id) as "created_at!",
                  last_used_at, expires_at, revoked_at, replaced_by
             from refresh_sessions s
            where user_id = $1 and revoked_at is null and expires_at > now()
            order by family_id, created_at desc"#,
        user_id
    )
    .fetch_all(db)
    .await
}
