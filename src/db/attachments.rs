//! `attachments`: files uploaded to S3 and attached to messages.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use super::messages::MessageKind;

/// A file attached to a message.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    pub id: i64,
    pub message_id: i64,
    pub chat_id: i64,
    /// Where clients download it (`S3_PUBLIC_URL` or the bucket's URL + `object_key`).
    pub url: String,
    pub object_key: String,
    pub mime: String,
    /// Bytes.
    pub size: i64,
    pub file_name: Option<String>,
    /// Voice-message amplitude points, 0–255 each.
    pub waveform: Option<Vec<i16>>,
    pub created_at: DateTime<Utc>,
}

/// An attachment with the facts of its message (a chat's media list).
#[derive(Clone, Debug, PartialEq)]
pub struct ChatAttachment {
    pub attachment: Attachment,
    pub sender_id: i64,
    pub message_type: MessageKind,
    pub message_created_at: DateTime<Utc>,
}

/// What attaching needs to know of a message, as `viewer_id` sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageFacts {
    pub chat_id: i64,
    pub sender_id: i64,
    /// Deleted for everyone.
    pub deleted: bool,
    /// Deleted for `viewer_id` only.
    pub hidden: bool,
}

/// A row to insert; the message's chat is copied by [`insert_capped`].
#[derive(Clone, Debug)]
pub struct NewAttachment<'a> {
    pub message_id: i64,
    pub url: &'a str,
    pub object_key: &'a str,
    pub mime: &'a str,
    pub size: i64,
    pub file_name: Option<&'a str>,
    pub waveform: Option<&'a [i16]>,
}

#[tracing::instrument(level = "debug", skip_all, fields(message_id = message_id, viewer_id = viewer_id))]
pub async fn message_facts(
    db: impl PgExecutor<'_>,
    message_id: i64,
    viewer_id: i64,
) -> Result<Option<MessageFacts>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select m.chat_id, m.sender_id, m.deleted_at is not null as "deleted!",
                  exists(select 1 from hidden_messages h
                          where h.user_id = $2 and h.chat_id = m.chat_id
                            and h.message_id = m.id) as "hidden!"
             from messages m where m.id = $1"#,
        message_id,
        viewer_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| MessageFacts {
        chat_id: r.chat_id,
        sender_id: r.sender_id,
        deleted: r.deleted,
        hidden: r.hidden,
    }))
}

/// Locks a message that is not deleted for everyone until the transaction ends, so
/// concurrent attaches to it count each other; `false` when there is no such message.
#[tracing::instrument(level = "debug", skip_all, fields(message_id = message_id))]
pub async fn lock_live_message(
    db: impl PgExecutor<'_>,
    message_id: i64,
) -> Result<bool, sqlx::Error> {
    let found = sqlx::query_scalar!(
        "select id from messages where id = $1 and deleted_at is null for update",
        message_id
    )
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// Inserts unless the message already has `max_per_message` attachments (`None` then).
/// Run it after [`lock_live_message`] in the same transaction.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_capped(
    db: impl PgExecutor<'_>,
    new: &NewAttachment<'_>,
    max_per_message: i64,
) -> Result<Option<Attachment>, sqlx::Error> {
    sqlx::query_as!(
        Attachment,
        r#"insert into attachments (message_id, chat_id, url, object_key, mime, size,
                                    file_name, waveform)
           select m.id, m.chat_id, $2, $3, $4, $5, $6, $7
             from messages m
            where m.id = $1
              and (select count(*) from attachments a where a.message_id = m.id) < $8
           returning id, message_id, chat_id, url, object_key, mime, size, file_name,
                     waveform, created_at"#,
        new.message_id,
        new.url,
        new.object_key,
        new.mime,
        new.size,
        new.file_name,
        new.waveform as Option<&[i16]>,
        max_per_message
    )
    .fetch_optional(db)
    .await
}

/// The attachments of many messages in one statement, oldest first per message
/// (messages without attachments are absent).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn for_messages(
    db: impl PgExecutor<'_>,
    message_ids: &[i64],
) -> Result<HashMap<i64, Vec<Attachment>>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Attachment,
        r#"select id, message_id, chat_id, url, object_key, mime, size, file_name, waveform,
                  created_at
             from attachments where message_id = any($1)
            order by message_id, id"#,
        message_ids
    )
    .fetch_all(db)
    .await?;
    let mut by_message: HashMap<i64, Vec<Attachment>> = HashMap::new();
    for row in rows {
        by_message.entry(row.message_id).or_default().push(row);
    }
    Ok(by_message)
}

/// Which of a chat's attachments one member sees, and which page of them.
#[derive(Clone, Copy, Debug)]
pub struct ChatPage {
    pub chat_id: i64,
    pub viewer_id: i64,
    /// The viewer's `cleared_before_message_id`: older messages are gone for them.
    pub cleared_before_message_id: i64,
    /// Only attachments with a smaller id.
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// A chat's attachments, newest first, without those of messages deleted for everyone,
/// hidden by or cleared for the viewer (`attachments_chat_id_idx` serves the order).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list_for_chat(
    db: impl PgExecutor<'_>,
    page: ChatPage,
) -> Result<Vec<ChatAttachment>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select a.id, a.message_id, a.chat_id, a.url, a.object_key, a.mime, a.size,
                  a.file_name, a.waveform, a.created_at,
                  m.sender_id, m.type as "message_type: MessageKind",
                  m.created_at as message_created_at
             from attachments a
             join messages m on m.chat_id = a.chat_id and m.id = a.message_id
            where a.chat_id = $1
              and ($4::bigint is null or a.id < $4)
              and a.message_id > $3
              and m.deleted_at is null
              and not exists (select 1 from hidden_messages h
                               where h.user_id = $2 and h.chat_id = a.chat_id
                                 and h.message_id = a.message_id)
            order by a.id desc
            limit $5"#,
        page.chat_id,
        page.viewer_id,
        page.cleared_before_message_id,
        page.before_id,
        page.limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ChatAttachment {
            attachment: Attachment {
                id: r.id,
                message_id: r.message_id,
                chat_id: r.chat_id,
                url: r.url,
                object_key: r.object_key,
                mime: r.mime,
                size: r.size,
                file_name: r.file_name,
                waveform: r.waveform,
                created_at: r.created_at,
            },
            sender_id: r.sender_id,
            message_type: r.message_type,
            message_created_at: r.message_created_at,
        })
        .collect())
}
