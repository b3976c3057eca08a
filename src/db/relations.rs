//! `contacts` and `blocks`: a user's address book and block list.

use sqlx::PgExecutor;

use super::users::User;

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
                          u.privacy_avatar, u.privacy_last_seen, u.privacy_group_invites,
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
                          u.privacy_avatar, u.privacy_last_seen, u.privacy_group_invites,
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
