//! The send path's statements: the chat lock, the one-statement write, idempotent
//! retries by `client_message_id`.

use sqlx::PgExecutor;

use super::{Message, MessageKind};

pub struct NewMessage<'a> {
    pub chat_id: i64,
    pub sender_id: i64,
    pub kind: MessageKind,
    pub text: Option<&'a str>,
    pub reply_to_message_id: Option<i64>,
    pub forwarded_from_message_id: Option<i64>,
    pub forwarded_from_user_id: Option<i64>,
    pub client_message_id: Option<&'a str>,
}

/// The first statement of a send: locks the chat row and returns its last message id.
///
/// `for no key update` conflicts with another sender's lock but not with the key-share
/// lock a message's foreign key takes, so two senders queue here instead of deadlocking
/// (each holding a key-share lock the other's update waits for). Everything the send
/// writes afterwards happens under this lock, held to commit: message ids of one chat
/// are allocated, and become visible, in one order. `RowNotFound` when the chat is gone.
#[tracing::instrument(level = "debug", skip_all, fields(chat_id = chat_id))]
pub async fn lock_chat_for_send(
    db: impl PgExecutor<'_>,
    chat_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "select last_message_id from chats where id = $1 for no key update",
        chat_id
    )
    .fetch_one(db)
    .await
}

/// Writes a message under the chat lock ([`lock_chat_for_send`]) in one statement: the
/// row, the chat's last-message pointer, the sender's read and delivered pointers, and one
/// chat-wide `message_created` notification (the same rows for any size of chat). `None`
/// when the sender already used `client_message_id`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_sent(
    db: impl PgExecutor<'_>,
    m: &NewMessage<'_>,
) -> Result<Option<Message>, sqlx::Error> {
    sqlx::query_as!(
        Message,
        r#"with sent as (
               insert into messages (chat_id, sender_id, type, text, reply_to_message_id,
                                     forwarded_from_message_id, forwarded_from_user_id,
                                     client_message_id)
               values ($1, $2, $3, $4, $5, $6, $7, $8)
               on conflict on constraint messages_sender_client_message_id_key do nothing
               returning id, chat_id, sender_id, type, text, reply_to_message_id,
                         forwarded_from_message_id, forwarded_from_user_id, client_message_id,
                         edited_at, deleted_at, created_at, updated_at
           ), moved as (
               update chats c set last_message_id = s.id, last_message_at = s.created_at
                 from sent s
                where c.id = s.chat_id and coalesce(c.last_message_id, 0) < s.id
           ), reader as (
               update chat_members cm
                  set last_read_message_id = greatest(cm.last_read_message_id, s.id),
                      last_delivered_message_id = greatest(cm.last_delivered_message_id, s.id)
                 from sent s
                where cm.chat_id = s.chat_id and cm.user_id = s.sender_id
           ), noted as (
               insert into notifications (chat_id, message_id, sender_id, event_type, payload)
               select s.chat_id, s.id, s.sender_id, 'message_created',
                      jsonb_build_object('chat_id', s.chat_id, 'message_id', s.id,
                                         'sender_id', s.sender_id)
                 from sent s
           )
           select id as "id!", chat_id as "chat_id!", sender_id as "sender_id!",
                  type as "kind!: MessageKind", text, reply_to_message_id,
                  forwarded_from_message_id, forwarded_from_user_id, client_message_id, edited_at,
                  deleted_at, created_at as "created_at!", updated_at as "updated_at!"
             from sent"#,
        m.chat_id,
        m.sender_id,
        m.kind as MessageKind,
        m.text,
        m.reply_to_message_id,
        m.forwarded_from_message_id,
        m.forwarded_from_user_id,
        m.client_message_id,
    )
    .fetch_optional(db)
    .await
}

/// `true` for errors after which the whole transaction may simply run again: a deadlock
/// (`40P01`) or a serialization failure (`40001`).
pub fn is_transient(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db)
        if matches!(db.code().as_deref(), Some("40P01" | "40001")))
}

#[tracing::instrument(level = "debug", skip_all, fields(sender_id = sender_id))]
pub async fn find_by_client_id(
    db: impl PgExecutor<'_>,
    sender_id: i64,
    client_message_id: &str,
) -> Result<Option<Message>, sqlx::Error> {
    sqlx::query_as!(
        Message,
        r#"select id, chat_id, sender_id, type as "kind: MessageKind", text,
                  reply_to_message_id, forwarded_from_message_id, forwarded_from_user_id,
                  client_message_id, edited_at, deleted_at, created_at, updated_at
             from messages where sender_id = $1 and client_message_id = $2"#,
        sender_id,
        client_message_id
    )
    .fetch_optional(db)
    .await
}
