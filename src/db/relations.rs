//! `contacts` and `blocks`: a user's address book and block list.

use sqlx::PgExecutor;

use super::users::{PrivacyLevel, User};

/// Which list a relation lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    Contact,
    Block,
}

/// Adds `other` to `owner`'s list (idempotent). The caller checks `other` exists.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn add(
    db: impl PgExecutor<'_>,
    relation: Relation,
    owner: i64,
    other: i64,
) -> Result<(), sqlx::Error> {
    let query = match relation {
        Relation::Contact => sqlx::query!(
            r#"insert into contacts (owner_id, contact_id)
               select $1, id from users where id = $2
               on conflict do nothing"#,
            owner,
            other
        ),
        Relation::Block => sqlx::query!(
            r#"insert into blocks (blocker_id, blocked_id)
               select $1, id from users where id = $2
               on conflict do nothing"#,
            owner,
            other
        ),
    };
    query.execute(db).await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove(
    db: impl PgExecutor<'_>,
    relation: Relation,
    owner: i64,
    other: i64,
) -> Result<(), sqlx::Error> {
    let query = match relation {
        Relation::Contact => sqlx::query!(
            "delete from contacts where owner_id = $1 and contact_id = $2",
            owner,
            other
        ),
        Relation::Block => sqlx::query!(
            "delete from blocks where blocker_id = $1 and blocked_id = $2",
            owner,
            other
        ),
    };
    query.execute(db).await?;
    Ok(())
}

/// The users in `owner`'s list, most recently added first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    db: impl PgExecutor<'_>,
    relation: Relation,
    owner: i64,
) -> Result<Vec<User>, sqlx::Error> {
    match relation {
        Relation::Contact => {
            sqlx::query_as!(
                User,
                r#"select u.id, u.telegram_id, u.email, u.email_verified, u.twofa_enabled,
                          u.username, u.name, u.first_name, u.last_name, u.language_code,
                          u.is_premium, u.bio, u.avatar_url, u.allow_private_messages,
                          u.privacy_avatar as "privacy_avatar: PrivacyLevel",
                          u.privacy_last_seen as "privacy_last_seen: PrivacyLevel",
                          u.privacy_group_invites as "privacy_group_invites: PrivacyLevel",
                          u.last_seen_at, u.created_at, u.updated_at
                     from contacts c join users u on u.id = c.contact_id
                    where c.owner_id = $1
                    order by c.created_at desc, u.id"#,
                owner
            )
            .fetch_all(db)
            .await
        }
        Relation::Block => {
            sqlx::query_as!(
                User,
                r#"select u.id, u.telegram_id, u.email, u.email_verified, u.twofa_enabled,
                          u.username, u.name, u.first_name, u.last_name, u.language_code,
                          u.is_premium, u.bio, u.avatar_url, u.allow_private_messages,
                          u.privacy_avatar as "privacy_avatar: PrivacyLevel",
                          u.privacy_last_seen as "privacy_last_seen: PrivacyLevel",
                          u.privacy_group_invites as "privacy_group_invites: PrivacyLevel",
                          u.last_seen_at, u.created_at, u.updated_at
                     from blocks b join users u on u.id = b.blocked_id
                    where b.blocker_id = $1
                    order by b.created_at desc, u.id"#,
                owner
            )
            .fetch_all(db)
            .await
        }
    }
}

/// Whether either user blocked the other.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn blocked_between(db: impl PgExecutor<'_>, a: i64, b: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from blocks
                          where (blocker_id = $1 and blocked_id = $2)
                             or (blocker_id = $2 and blocked_id = $1)) as "blocked!""#,
        a,
        b
    )
    .fetch_one(db)
    .await
}

/// Which of `others` blocked `me` or were blocked by them (one statement for a list).
#[tracing::instrument(level = "debug", skip_all, fields(user_id = me))]
pub async fn blocked_with_any(
    db: impl PgExecutor<'_>,
    me: i64,
    others: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select distinct case when blocker_id = $1 then blocked_id else blocker_id end as "id!"
             from blocks
            where (blocker_id = $1 and blocked_id = any($2))
               or (blocked_id = $1 and blocker_id = any($2))"#,
        me,
        others
    )
    .fetch_all(db)
    .await
}

/// Whether `owner` has `contact` in their contacts.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn has_contact(
    db: impl PgExecutor<'_>,
    owner: i64,
    contact: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from contacts
                          where owner_id = $1 and contact_id = $2) as "contact!""#,
        owner,
        contact
    )
    .fetch_one(db)
    .await
}

/// Of `user_ids`, those who have `owner` in their contacts.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn having_contact(
    db: impl PgExecutor<'_>,
    user_ids: &[i64],
    owner: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "select owner_id from contacts where owner_id = any($1) and contact_id = $2",
        user_ids,
        owner
    )
    .fetch_all(db)
    .await
}
