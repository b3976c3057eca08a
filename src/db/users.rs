//! `users`: one table for Telegram and email identities.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

mod joined;
pub(crate) use joined::joined_user;

crate::db::text_enum! {
    /// A privacy setting (messenger-rest-api.md §3.7): who sees the avatar, online status
    /// and last-seen time, or may add the user to groups. The default (for a row built in
    /// memory, never stored) is the safe one.
    #[derive(Default)]
    pub enum PrivacyLevel {
        Everyone = "everyone",
        /// The users in the owner's contacts.
        Contacts = "contacts",
        #[default]
        Nobody = "nobody",
    }
}

/// A user as the API sees it (no password hash, no TOTP secret).
#[derive(Clone, Debug, Default, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct User {
    pub id: i64,
    pub telegram_id: Option<i64>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub twofa_enabled: bool,
    pub username: Option<String>,
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language_code: String,
    pub is_premium: bool,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub allow_private_messages: bool,
    /// Who sees the avatar (§3.7).
    pub privacy_avatar: PrivacyLevel,
    /// Who sees online status and last-seen time.
    pub privacy_last_seen: PrivacyLevel,
    /// Who may add the user to groups and channels.
    pub privacy_group_invites: PrivacyLevel,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The Telegram profile fields initData carries.
#[derive(Clone, Debug, Default)]
pub struct TelegramProfile {
    pub telegram_id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
    pub is_premium: bool,
    pub photo_url: Option<String>,
}

/// The result of [`upsert_telegram`].
#[derive(Clone, Debug)]
pub struct Upserted {
    pub user: User,
    pub created: bool,
    pub changed: bool,
}

#[tracing::instrument(level = "debug", skip_all, fields(id = id))]
pub async fn find_by_id(db: impl PgExecutor<'_>, id: i64) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"select id, telegram_id, email, email_verified, twofa_enabled, username, name,
                  first_name, last_name, language_code, is_premium, bio, avatar_url,
                  allow_private_messages, privacy_avatar as "privacy_avatar: PrivacyLevel",
                  privacy_last_seen as "privacy_last_seen: PrivacyLevel",
                  privacy_group_invites as "privacy_group_invites: PrivacyLevel",
                  last_seen_at, created_at, updated_at
             from users where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// Loads many users in one statement, keyed by id (missing ids are absent).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_many(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> Result<HashMap<i64, User>, sqlx::Error> {
    let rows = sqlx::query_as!(
        User,
        r#"select id, telegram_id, email, email_verified, twofa_enabled, username, name,
                  first_name, last_name, language_code, is_premium, bio, avatar_url,
                  allow_private_messages, privacy_avatar as "privacy_avatar: PrivacyLevel",
                  privacy_last_seen as "privacy_last_seen: PrivacyLevel",
                  privacy_group_invites as "privacy_group_invites: PrivacyLevel",
                  last_seen_at, created_at, updated_at
             from users where id = any($1)"#,
        ids
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|u| (u.id, u)).collect())
}

#[tracing::instrument(level = "debug", skip_all, fields(telegram_id = telegram_id))]
pub async fn find_by_telegram_id(
    db: impl PgExecutor<'_>,
    telegram_id: i64,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"select id, telegram_id, email, email_verified, twofa_enabled, username, name,
                  first_name, last_name, language_code, is_premium, bio, avatar_url,
                  allow_private_messages, privacy_avatar as "privacy_avatar: PrivacyLevel",
                  privacy_last_seen as "privacy_last_seen: PrivacyLevel",
                  privacy_group_invites as "privacy_group_invites: PrivacyLevel",
                  last_seen_at, created_at, updated_at
             from users where telegram_id = $1"#,
        telegram_id
    )
    .fetch_optional(db)
    .await
}

/// Creates the user of a Telegram account, or refreshes the fields Telegram owns.
///
/// Telegram owns first/last name and premium status: they follow every login.
/// Display name and language are set from Telegram when the account is created and
/// are the user's own afterwards; username and avatar are filled from Telegram while
/// the user has none. A Telegram username already taken by another account is left
/// out rather than failing the login.
/// One statement; it writes nothing when nothing changed.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn upsert_telegram(
    db: impl PgExecutor<'_>,
    profile: &TelegramProfile,
) -> Result<Upserted, sqlx::Error> {
    let display_name: String = match &profile.last_name {
        Some(last) if !last.is_empty() => format!("{} {last}", profile.first_name),
        _ => profile.first_name.clone(),
    }
    .chars()
    .take(256) // users_name_length
    .collect();
    let row = sqlx::query!(
        r#"with free_username as (
               select $4::text as username
                where $4::text is not null
                  and not exists (select 1 from users
                                   where lower(username) = lower($4::text)
                                     and telegram_id is distinct from $1)
           ), upserted as (
               insert into users (telegram_id, first_name, last_name, username, name,
                                  language_code, is_premium, avatar_url)
               values ($1, $2, $3, (select username from free_username), $5,
                       coalesce($6, 'en'), $7, $8)
               on conflict (telegram_id) do update set
                   first_name = excluded.first_name,
                   last_name = excluded.last_name,
                   is_premium = excluded.is_premium,
                   username = coalesce(users.username, excluded.username),
                   avatar_url = coalesce(users.avatar_url, excluded.avatar_url)
               where (users.first_name, users.last_name, users.is_premium)
                         is distinct from (excluded.first_name, excluded.last_name, excluded.is_premium)
                  or (users.username is null and excluded.username is not null)
                  or (users.avatar_url is null and excluded.avatar_url is not null)
               returning *, (xmax = 0) as created
           )
           select id as "id!", telegram_id, email, email_verified as "email_verified!",
                  twofa_enabled as "twofa_enabled!", username, name, first_name, last_name,
                  language_code as "language_code!", is_premium as "is_premium!", bio,
                  avatar_url, allow_private_messages as "allow_private_messages!",
                  privacy_avatar as "privacy_avatar!: PrivacyLevel",
                  privacy_last_seen as "privacy_last_seen!: PrivacyLevel",
                  privacy_group_invites as "privacy_group_invites!: PrivacyLevel",
                  last_seen_at, created_at as "created_at!", updated_at as "updated_at!",
                  created as "created!", true as "changed!"
             from upserted
           union all
           select id, telegram_id, email, email_verified, twofa_enabled, username, name,
                  first_name, last_name, language_code, is_premium, bio, avatar_url,
                  allow_private_messages, privacy_avatar, privacy_last_seen,
                  privacy_group_invites, last_seen_at, created_at, updated_at, false, false
             from users
            where telegram_id = $1 and not exists (select 1 from upserted)"#,
        profile.telegram_id,
        profile.first_name,
        profile.last_name,
        profile.username,
        display_name,
        profile.language_code,
        profile.is_premium,
        profile.photo_url,
    )
    .fetch_one(db)
    .await?;
    Ok(Upserted {
        user: User {
            id: row.id,
            telegram_id: row.telegram_id,
            email: row.email,
            email_verified: row.email_verified,
            twofa_enabled: row.twofa_enabled,
            username: row.username,
            name: row.name,
            first_name: row.first_name,
            last_name: row.last_name,
            language_code: row.language_code,
            is_premium: row.is_premium,
            bio: row.bio,
            avatar_url: row.avatar_url,
            allow_private_messages: row.allow_private_messages,
            privacy_avatar: row.privacy_avatar,
            privacy_last_seen: row.privacy_last_seen,
            privacy_group_invites: row.privacy_group_invites,
            last_seen_at: row.last_seen_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        },
        created: row.created,
        changed: row.changed,
    })
}

/// What access-token checks need: when revoke-all happened, and whether the token's
/// session (refresh family) was revoked or ran out. `None` when the user does not exist.
#[derive(Clone, Debug)]
pub struct TokenState {
    pub tokens_valid_after: Option<DateTime<Utc>>,
    pub session_revoked: bool,
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn token_state(
    db: impl PgExecutor<'_>,
    user_id: i64,
    session_family: Option<uuid::Uuid>,
) -> Result<Option<TokenState>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select u.tokens_valid_after,
                  ($2::uuid is not null
                   and not exists(select 1 from refresh_sessions s
                                   where s.user_id = u.id and s.family_id = $2
                                     and s.revoked_at is null and s.expires_at > now()))
                      as "session_revoked!"
             from users u where u.id = $1"#,
        user_id,
        session_family
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| TokenState {
        tokens_valid_after: r.tokens_valid_after,
        session_revoked: r.session_revoked,
    }))
}

/// Users whose username or names contain `pattern` (an escaped `ILIKE` pattern, served
/// by the trigram indexes), or whose email is exactly `exact`; exact username first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn search(
    db: impl PgExecutor<'_>,
    pattern: &str,
    exact: &str,
    limit: i64,
) -> Result<Vec<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"select id, telegram_id, email, email_verified, twofa_enabled, username, name,
                  first_name, last_name, language_code, is_premium, bio, avatar_url,
                  allow_private_messages, privacy_avatar as "privacy_avatar: PrivacyLevel",
                  privacy_last_seen as "privacy_last_seen: PrivacyLevel",
                  privacy_group_invites as "privacy_group_invites: PrivacyLevel",
                  last_seen_at, created_at, updated_at
             from users
            where username ilike $1 or name ilike $1 or first_name ilike $1
               or last_name ilike $1 or lower(email) = lower($2)
            order by lower(username) = lower($2) desc nulls last,
                     username nulls last, id
            limit $3"#,
        pattern,
        exact,
        limit
    )
    .fetch_all(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"select id, telegram_id, email, email_verified, twofa_enabled, username, name,
                  first_name, last_name, language_code, is_premium, bio, avatar_url,
                  allow_private_messages, privacy_avatar as "privacy_avatar: PrivacyLevel",
                  privacy_last_seen as "privacy_last_seen: PrivacyLevel",
                  privacy_group_invites as "privacy_group_invites: PrivacyLevel",
                  last_seen_at, created_at, updated_at
             from users where lower(email) = lower($1)"#,
        email
    )
    .fetch_optional(db)
    .await
}

/// A partial profile update: `None` keeps a field, `Some(None)` clears a clearable one.
#[derive(Clone, Debug, Default)]
pub struct ProfilePatch {
    pub name: Option<Option<String>>,
    pub username: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub avatar_url: Option<Option<String>>,
    pub language_code: Option<String>,
    pub allow_private_messages: Option<bool>,
    pub privacy_avatar: Option<PrivacyLevel>,
    pub privacy_last_seen: Option<PrivacyLevel>,
    pub privacy_group_invites: Option<PrivacyLevel>,
}

#[tracing::instrument(level = "debug", skip_all, fields(id = id))]
pub async fn update_profile(
    db: impl PgExecutor<'_>,
    id: i64,
    patch: &ProfilePatch,
) -> Result<User, sqlx::Error> {
    sqlx::query_as!(
        User,
        r#"update users set
               name = case when $2 then $3 else name end,
               username = case when $4 then $5 else username end,
               bio = case when $6 then $7 else bio end,
               avatar_url = case when $8 then $9 else avatar_url end,
               language_code = coalesce($10, language_code),
               allow_private_messages = coalesce($11, allow_private_messages),
               privacy_avatar = coalesce($12, privacy_avatar),
               privacy_last_seen = coalesce($13, privacy_last_seen),
               privacy_group_invites = coalesce($14, privacy_group_invites)
           where id = $1
           returning id, telegram_id, email, email_verified, twofa_enabled, username, name,
                     first_name, last_name, language_code, is_premium, bio, avatar_url,
                     allow_private_messages, privacy_avatar as "privacy_avatar: PrivacyLevel",
                     privacy_last_seen as "privacy_last_seen: PrivacyLevel",
                     privacy_group_invites as "privacy_group_invites: PrivacyLevel",
                     last_seen_at, created_at, updated_at"#,
        id,
        patch.name.is_some(),
        patch.name.clone().flatten(),
        patch.username.is_some(),
        patch.username.clone().flatten(),
        patch.bio.is_some(),
        patch.bio.clone().flatten(),
        patch.avatar_url.is_some(),
        patch.avatar_url.clone().flatten(),
        patch.language_code,
        patch.allow_private_messages,
        patch.privacy_avatar as Option<PrivacyLevel>,
        patch.privacy_last_seen as Option<PrivacyLevel>,
        patch.privacy_group_invites as Option<PrivacyLevel>,
    )
    .fetch_one(db)
    .await
}

/// Records when a user was last online.
/// Records `at` as the last-seen time of many users in one statement; returns each
/// one's `privacy_last_seen` (for the "offline" events).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn touch_last_seen_many(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    at: DateTime<Utc>,
) -> Result<Vec<(i64, PrivacyLevel)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"update users set last_seen_at = $2 where id = any($1)
           returning id, privacy_last_seen as "privacy_last_seen: PrivacyLevel""#,
        ids,
        at
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.privacy_last_seen))
        .collect())
}
