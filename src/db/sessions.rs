//! `refresh_sessions`: one row per refresh token ever issued; rotation links a row to
//! its successor, and a family groups every rotation of one login.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// A new login's first session.
pub struct NewSession<'a> {
    pub jti: Uuid,
    pub family_id: Uuid,
    pub user_id: i64,
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

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
