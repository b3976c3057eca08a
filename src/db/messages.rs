//! `messages` and what hangs off one: hidden-for-me rows, reactions, mentions.
//! Visibility for a viewer: in a chat they are a member of, newer than their
//! `cleared_before_message_id`, not hidden for them, not deleted for everyone.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

mod reactions;
mod read;
mod send;

pub use reactions::*;
pub use read::*;
pub use send::*;

crate::db::text_enum! {
    /// A message's type (`messages.type`, the seed's `MessageType`).
    pub enum MessageKind {
        Text = "text",
        Image = "image",
        Video = "video",
        Audio = "audio",
        Voice = "voice",
        File = "file",
        CircleVideo = "circle_video",
    }
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Message {
    pub id: i64,
    pub chat_id: i64,
    pub sender_id: i64,
    pub kind: MessageKind,
    pub text: Option<String>,
    pub reply_to_message_id: Option<i64>,
    pub forwarded_from_message_id: Option<i64>,
    pub forwarded_from_user_id: Option<i64>,
    pub client_message_id: Option<String>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Visible messages of `chat_id` newer than `after`, oldest first (replay and resync).
#[tracing::instrument(level = "debug", skip_all, fields(viewer = viewer))]
pub async fn newer_than(
    db: impl PgExecutor<'_>,
    viewer: i64,
    chat_ids: &[i64],
    after: i64,
    limit: i64,
) -> Result<Vec<Message>, sqlx::Error> {
    sqlx::query_as!(
        Message,
        r#"select x.id, x.chat_id, x.sender_id, x.type as "kind: MessageKind", x.text,
                  x.reply_to_message_id, x.forwarded_from_message_id, x.forwarded_from_user_id,
                  x.client_message_id, x.edited_at, x.deleted_at, x.created_at, x.updated_at
             from messages x
             join chat_members m on m.chat_id = x.chat_id and m.user_id = $1
            where x.chat_id = any($2) and x.id > $3 and x.deleted_at is null
              and x.id > m.cleared_before_message_id
              and not exists (select 1 from hidden_messages h
                               where h.user_id = $1 and h.chat_id = x.chat_id
                                 and h.message_id = x.id)
            order by x.id
            limit $4"#,
        viewer,
        chat_ids,
        after,
        limit
    )
    .fetch_all(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all, fields(id = id))]
pub async fn find(db: impl PgExecutor<'_>, id: i64) -> Result<Option<Message>, sqlx::Error> {
    sqlx::query_as!(
        Message,
        r#"select id, chat_id, sender_id, type as "kind: MessageKind", text,
                  reply_to_message_id, forwarded_from_message_id, forwarded_from_user_id,
                  client_message_id, edited_at, deleted_at, created_at, updated_at
             from messages where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// Messages by id that `viewer` may see (for loaders: reply targets, last messages):
/// [`find_visible_with_senders`] without the senders.
pub async fn find_visible(
    db: impl PgExecutor<'_>,
    viewer: i64,
    ids: &[i64],
) -> Result<HashMap<i64, Message>, sqlx::Error> {
    let rows = find_visible_with_senders(db, viewer, ids, false).await?;
    Ok(rows
        .into_iter()
        .map(|(id, row)| (id, row.message))
        .collect())
}

/// The thread under `root_id` that `viewer` may see: root first, then replies
/// breadth-first (by depth, then id).
#[tracing::instrument(level = "debug", skip_all, fields(viewer = viewer, root_id = root_id))]
pub async fn thread(
    db: impl PgExecutor<'_>,
    viewer: i64,
    root_id: i64,
    limit: i64,
) -> Result<Vec<Message>, sqlx::Error> {
    sqlx::query_as!(
        Message,
        r#"with recursive tree(id, depth) as (
               select id, 0 from messages where id = $2
               union all
               select r.id, t.depth + 1 from messages r join tree t on r.reply_to_message_id = t.id
                where t.depth < 64
           )
           select x.id as "id!", x.chat_id as "chat_id!", x.sender_id as "sender_id!",
                  x.type as "kind!: MessageKind", x.text, x.reply_to_message_id,
                  x.forwarded_from_message_id, x.forwarded_from_user_id, x.client_message_id,
                  x.edited_at, x.deleted_at, x.created_at as "created_at!",
                  x.updated_at as "updated_at!"
             from tree t
             join messages x on x.id = t.id
             join chat_members m on m.chat_id = x.chat_id and m.user_id = $1
            where x.deleted_at is null and x.id > m.cleared_before_message_id
              and not exists (select 1 from hidden_messages h
                               where h.user_id = $1 and h.chat_id = x.chat_id
                                 and h.message_id = x.id)
            order by t.depth, x.id
            limit $3"#,
        viewer,
        root_id,
        limit
    )
    .fetch_all(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all, fields(id = id))]
pub async fn edit(db: impl PgExecutor<'_>, id: i64, text: &str) -> Result<Message, sqlx::Error> {
    sqlx::query_as!(
        Message,
        r#"update messages set text = $2, edited_at = now() where id = $1
           returning id, chat_id, sender_id, type as "kind: MessageKind", text,
                     reply_to_message_id, forwarded_from_message_id, forwarded_from_user_id,
                     client_message_id, edited_at, deleted_at, created_at, updated_at"#,
        id,
        text
    )
    .fetch_one(db)
    .await
}

/// Deletes for everyone (a tombstone without text), repoints the chat's last message and
/// clears the pin when it was this message. Returns `true` when the pin was cleared.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete_for_all(
    db: impl PgExecutor<'_>,
    message: &Message,
) -> Result<bool, sqlx::Error> {
    let unpinned = sqlx::query_scalar!(
        r#"with gone as (
               update messages set deleted_at = now(), text = null where id = $2
           ), before as (
               select pinned_message_id from chats where id = $1
           )
           update chats c
              set last_message_id = case when c.last_message_id = $2
                                         then (select max(id) from messages
                                                where chat_id = $1 and deleted_at is null
                                                  and id <> $2)
                                         else c.last_message_id end,
                  pinned_message_id = case when c.pinned_message_id = $2 then null
                                           else c.pinned_message_id end
            where c.id = $1 and (c.last_message_id = $2 or c.pinned_message_id = $2)
           returning coalesce((select b.pinned_message_id = $2 from before b), false)
                     as "unpinned!""#,
        message.chat_id,
        message.id
    )
    .fetch_optional(db)
    .await?;
    Ok(unpinned.unwrap_or(false))
}

#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn hide(
    db: impl PgExecutor<'_>,
    user_id: i64,
    message: &Message,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"insert into hidden_messages (user_id, chat_id, message_id) values ($1, $2, $3)
           on conflict do nothing"#,
        user_id,
        message.chat_id,
        message.id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records mentions of the chat members whose usernames are in `usernames`
/// (lower-case, without `@`), with a personal `mention` notification for each (muted
/// members too); returns the mentioned user ids.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_mentions(
    db: impl PgExecutor<'_>,
    message: &Message,
    usernames: &[String],
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"with mentioned as (
               insert into message_mentions (message_id, chat_id, user_id)
               select $1, $2, u.id
                 from users u
                 join chat_members m on m.user_id = u.id and m.chat_id = $2
                where lower(u.username) = any($3) and u.id <> $4
               on conflict do nothing
               returning user_id
           ), noted as (
               insert into notifications (user_id, event_type, payload)
               select user_id, 'mention',
                      jsonb_build_object('chat_id', $2::bigint, 'message_id', $1::bigint,
                                         'sender_id', $4::bigint)
                 from mentioned
           )
           select user_id as "user_id!" from mentioned"#,
        message.id,
        message.chat_id,
        usernames,
        message.sender_id
    )
    .fetch_all(db)
    .await
}

/// Moves a member's delivered (and, with `read`, read) pointer forward to `message_id`;
/// returns `(last_delivered, last_read)`.
#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id, user_id = user_id, message_id = message_id))]
pub async fn advance_pointers(
    db: impl PgExecutor<'_>,
    chat_id: i64,
    user_id: i64,
    message_id: i64,
    read: bool,
) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query!(
        r#"update chat_members
              set last_delivered_message_id = greatest(last_delivered_message_id, $3),
                  last_read_message_id = case when $4 then greatest(last_read_message_id, $3)
                                              else last_read_message_id end
            where chat_id = $1 and user_id = $2
           returning last_delivered_message_id, last_read_message_id"#,
        chat_id,
        user_id,
        message_id,
        read
    )
    .fetch_one(db)
    .await?;
    Ok((row.last_delivered_message_id, row.last_read_message_id))
}

/// Full-text search over what `viewer` may read, newest first.
#[tracing::instrument(level = "debug", skip_all, fields(viewer = viewer))]
pub async fn search(
    db: impl PgExecutor<'_>,
    viewer: i64,
    query: &str,
    chat_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Message>, sqlx::Error> {
    sqlx::query_as!(
        Message,
        r#"select x.id, x.chat_id, x.sender_id, x.type as "kind: MessageKind", x.text,
                  x.reply_to_message_id, x.forwarded_from_message_id, x.forwarded_from_user_id,
                  x.client_message_id, x.edited_at, x.deleted_at, x.created_at, x.updated_at
             from messages x
             join chat_members m on m.chat_id = x.chat_id and m.user_id = $1
            where x.search_tsv @@ websearch_to_tsquery('simple', $2)
              and ($3::bigint is null or x.chat_id = $3)
              and x.deleted_at is null and x.id > m.cleared_before_message_id
              and not exists (select 1 from hidden_messages h
                               where h.user_id = $1 and h.chat_id = x.chat_id
                                 and h.message_id = x.id)
            order by x.id desc
            limit $4"#,
        viewer,
        query,
        chat_id,
        limit
    )
    .fetch_all(db)
    .await
}

/// Copies a message's attachments onto a forwarded copy.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn copy_attachments(
    db: impl PgExecutor<'_>,
    from: i64,
    to: &Message,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"insert into attachments (message_id, chat_id, url, object_key, mime, size, file_name,
                                    waveform)
           select $2, $3, url, object_key, mime, size, file_name, waveform
             from attachments where message_id = $1"#,
        from,
        to.id,
        to.chat_id
    )
    .execute(db)
    .await?;
    Ok(())
}
