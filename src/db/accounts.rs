//! E-mail credentials, one-time e-mail tokens and two-factor state of `users`.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use super::users::{PrivacyLevel, User};

/// What a password login needs to know about an account.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub email_verified: bool,
    pub twofa_enabled: bool,
    pub twofa_secret: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn credentials_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as!(
        Credentials,
        r#"select id, email, password_hash, email_verified, twofa_enabled, twofa_secret
             from users where lower(email) = lower($1)"#,
        email
    )
    .fetch_optional(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all, fields(id = id))]
pub async fn credentials_by_id(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as!(
        Credentials,
        r#"select id, email, password_hash, email_verified, twofa_enabled, twofa_secret
             from users where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

pub struct NewEmailUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub name: Option<&'a str>,
    pub username: Option<&'a str>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create_email_user(
    db: impl PgExecutor<'_>,
    new: &NewEmailUser<'_>,
) -> Result<User, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"insert into users (email, password_hash, name, username)
           values ($1, $2, $3, $4)
           returning id, telegram_id, email, email_verified, twofa_enabled, username, name,
                     first_name, last_name, language_code, is_premium, bio, avatar_url,
                     allow_private_messages, privacy_avatar as "privacy_avatar: PrivacyLevel",
                     privacy_last_seen as "privacy_last_seen: PrivacyLevel",
                     privacy_group_invites as "privacy_group_invites: PrivacyLevel",
                     last_seen_at, created_at, updated_at"#,
        new.email,
        new.password_hash,
        new.name,
        new.username
    )
    .fetch_one(db)
    .await
}

/// Gives an account (e.g. a Telegram one) an e-mail login; the address starts unverified.
#[tracing::instrument(level = "debug", skip_all, fields(id = id))]
pub async fn set_email_login(
    db: impl PgExecutor<'_>,
    id: i64,
    email: &str,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"update users set email = $2, password_hash = $3, email_verified = false
            where id = $1"#,
        id,
        email,
        password_hash
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Replaces the password; every access token issued before now stops working.
#[tracing::instrument(level = "debug", skip_all, fields(id = id))]
pub async fn set_password(
    db: impl PgExecutor<'_>,
    id: i64,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update users set password_hash = $2, tokens_valid_after = now() where id = $1",
        id,
        password_hash
    )
    .execute(db)
    .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all, fields(id = id))]
pub async fn mark_email_verified(db: impl PgExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("update users set email_verified = true where id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all, fields(id = id, telegram_id = telegram_id))]
pub async fn set_telegram_id(
    db: impl PgExecutor<'_>,
    id: i64,
    telegram_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update users set telegram_id = $2 where id = $1",
        id,
        telegram_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// `verify_email` or `reset_password`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn insert_email_token(
    db: impl PgExecutor<'_>,
    user_id: i64,
    purpose: TokenPurpose,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"insert into email_tokens (user_id, purpose, token_hash, expires_at)
           values ($1, $2, $3, $4)"#,
        user_id,
        purpose.as_str(),
        token_hash,
        expires_at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Uses a token once: the user it belongs to, if it is live and of `purpose`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn consume_email_token(
    db: impl PgExecutor<'_>,
    purpose: TokenPurpose,
    token_hash: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"update email_tokens set used_at = now()
            where token_hash = $1 and purpose = $2 and used_at is null and expires_at > now()
           returning user_id"#,
        token_hash,
        purpose.as_str()
    )
    .fetch_optional(db)
    .await
}

/// Stores a new, not yet enabled, TOTP secret.
#[tracing::instrument(level = "debug", skip_all, fields(id = id))]
pub async fn set_twofa_secret(
    db: impl PgExecutor<'_>,
    id: i64,
    secret: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update users set twofa_secret = $2 where id = $1 and not twofa_enabled",
        id,
        secret
    )
    .execute(db)
    .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all, fields(id = id))]
pub async fn set_twofa_enabled(
    db: impl PgExecutor<'_>,
    id: i64,
    enabled: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"update users set twofa_enabled = $2,
                            twofa_secret = case when $2 then twofa_secret else null end
            where id = $1"#,
        id,
        enabled
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records that a code of TOTP step `step` was used; `false` when that step (or a
/// later one) was already used — a replay.
#[tracing::instrument(level = "debug", skip_all, fields(id = id))]
pub async fn accept_totp_step(
    db: impl PgExecutor<'_>,
    id: i64,
    step: i64,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        r#"update users set twofa_last_used_step = $2
            where id = $1 and (twofa_last_used_step is null or twofa_last_used_step < $2)"#,
        id,
        step
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}
