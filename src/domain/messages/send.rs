//! Sending and forwarding: one transaction writes the message, the chat's last-message
//! pointer, the sender's read pointer, mentions and notifications; events follow the
//! commit.

use super::{Message, MessageKind, MessageService, MAX_TEXT};
use crate::{
    db::{self, messages::NewMessage},
    domain::{
        chats::{ChatKind, ChatView, Role},
        validation::Checks,
        Principal, UnknownValue,
    },
    error::{AppError, AppResult},
    realtime::{topics, Event},
};

/// `sendMessage` input (seed `MessageCreateRequest`).
#[derive(Clone, Debug)]
pub struct SendMessage {
    pub chat_id: i64,
    /// As the request named it; `Err` (text that is no message type) is reported with
    /// the input's other faults.
    pub kind: Result<MessageKind, UnknownValue>,
    pub text: Option<String>,
    pub client_message_id: Option<String>,
    pub reply_to_message_id: Option<i64>,
}

/// `@username` tokens in `text`, lower-cased and without `@`.
pub fn mentioned_usernames(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '@'))
        .filter_map(|token| token.strip_prefix('@'))
        .filter(|name| (3..=32).contains(&name.len()) && !name.contains('@'))
        .map(str::to_ascii_lowercase)
        .collect();
    names.sort();
    names.dedup();
    names
}

struct Draft<'a> {
    kind: MessageKind,
    text: Option<&'a str>,
    reply_to: Option<i64>,
    forwarded_from: Option<(i64, Option<i64>)>,
    client_message_id: Option<&'a str>,
}

impl MessageService<'_> {
    /// `sendMessage`: a retry with the same `clientMessageId` returns the first message.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn send(&self, caller: &Principal, input: SendMessage) -> AppResult<Message> {
        let mut checks = Checks::default();
        let kind = match &input.kind {
            Ok(kind) => *kind,
            Err(_) => {
                let names: Vec<&str> = MessageKind::ALL.iter().map(|k| k.as_str()).collect();
                checks.fail("type", format!("must be one of {}", names.join(", ")));
                MessageKind::Text // never sent: `finish` fails below
            }
        };
        let text = input
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        if input.kind == Ok(MessageKind::Text) && text.is_none() {
            checks.fail("text", "must not be empty");
        }
        if text.is_some_and(|t| t.chars().count() > MAX_TEXT) {
            checks.fail("text", format!("must be at most {MAX_TEXT} characters"));
        }
        let client_id = input.client_message_id.as_deref().map(str::trim);
        if client_id.is_some_and(|c| c.is_empty() || c.len() > 128) {
            checks.fail("clientMessageId", "must be 1-128 characters");
        }
        checks.finish()?;
        if let Some(client_id) = client_id {
            let db = self.0.db();
            if let Some(existing) =
                db::messages::find_by_client_id(db.exec(), caller.user_id, client_id).await?
            {
                return self.same_retry(existing, input.chat_id);
            }
        }
        let view = self.require_poster(caller, input.chat_id).await?;
        self.check_send_rate(caller, input.chat_id, text).await?;
        if let Some(reply_to) = input.reply_to_message_id {
            let visible =
                db::messages::find_visible(self.0.db().exec(), caller.user_id, &[reply_to]).await?;
            if visible
                .get(&reply_to)
                .is_none_or(|m| m.chat_id != input.chat_id)
            {
                return Err(AppError::invalid(
                    "replyToMessageId",
                    "no such message in this chat",
                ));
            }
        }
        let draft = Draft {
            kind,
            text,
            reply_to: input.reply_to_message_id,
            forwarded_from: None,
            client_message_id: client_id,
        };
        let sender = self.sender(caller).await?;
        match self.write(caller, &sender, &view, &draft, None).await? {
            Some(message) => Ok(message),
            // Lost a race with the same retry: return the winner.
            None => {
                let db = self.0.db();
                let existing = db::messages::find_by_client_id(
                    db.exec(),
                    caller.user_id,
                    client_id.unwrap_or_default(),
                )
                .await?
                .ok_or_else(|| {
                    AppError::internal(anyhow::anyhow!("idempotent insert lost its row"))
                })?;
                self.same_retry(existing, input.chat_id)
            }
        }
    }

    /// `MESSAGE_RATE_LIMIT_PER_MINUTE` per sender, and `DUPLICATE_MESSAGE_COOLDOWN_SECONDS`
    /// for the same text to the same chat (messenger-rest-api.md §12). Retries with a
    /// `clientMessageId` never get here: they return the first message.
    async fn check_send_rate(
        &self,
        caller: &Principal,
        chat_id: i64,
        text: Option<&str>,
    ) -> AppResult<()> {
        let limits = self.0.config().accounts.limits;
        let now = self.0.now();
        let limiter = self.0.limiter();
        limiter
            .hit(
                "message",
                &caller.user_id.to_string(),
                limits.message_per_minute,
                now,
            )
            .await?;
        if let Some(text) = text {
            use sha2::Digest as _;
            let digest = hex::encode(sha2::Sha256::digest(text.as_bytes()));
            let key = format!("dup:{}:{chat_id}:{}", caller.user_id, &digest[..16]);
            limiter
                .once_per(&key, limits.duplicate_message_cooldown, now)
                .await?;
        }
        Ok(())
    }

    fn same_retry(&self, existing: Message, chat_id: i64) -> AppResult<Message> {
        if existing.chat_id == chat_id {
            Ok(existing)
        } else {
            Err(AppError::Conflict {
                field: Some("clientMessageId".into()),
                message: "clientMessageId was already used in another chat".into(),
            })
        }
    }

    /// `forwardMessage`: copies a message (text, type, attachments) into each target
    /// chat, naming the original author when `include_author`.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, message_id = message_id))]
    pub async fn forward(
        &self,
        caller: &Principal,
        message_id: i64,
        target_chat_ids: &[i64],
        include_author: bool,
    ) -> AppResult<Vec<Message>> {
        if target_chat_ids.is_empty() || target_chat_ids.len() > 20 {
            return Err(AppError::invalid("targetChatIds", "give 1-20 chats"));
        }
        let source = self.get(caller, message_id).await?;
        let mut views = Vec::with_capacity(target_chat_ids.len());
        for chat_id in target_chat_ids {
            views.push(self.require_poster(caller, *chat_id).await?);
        }
        let author =
            include_author.then(|| source.forwarded_from_user_id.unwrap_or(source.sender_id));
        let draft = Draft {
            kind: source.kind,
            text: source.text.as_deref(),
            reply_to: None,
            forwarded_from: Some((source.id, author)),
            client_message_id: None,
        };
        let sender = self.sender(caller).await?;
        let mut sent = Vec::with_capacity(views.len());
        for view in &views {
            let written = self
                .write(caller, &sender, view, &draft, Some(source.id))
                .await?;
            if let Some(message) = written {
                sent.push(message);
            }
        }
        Ok(sent)
    }

    /// The caller's own row: its public profile travels with each message event.
    async fn sender(&self, caller: &Principal) -> AppResult<crate::domain::users::User> {
        db::users::find_by_id(self.0.db().exec(), caller.user_id)
            .await?
            .ok_or_else(|| AppError::unauthenticated("User not found"))
    }

    /// The caller's membership, when they may post: channels only for the owner and
    /// admins; private chats not across a block.
    async fn require_poster(&self, caller: &Principal, chat_id: i64) -> AppResult<ChatView> {
        let view = self.0.chats().get(caller, chat_id).await?;
        match view.chat.kind {
            ChatKind::Channel if !view.member.role.manages() => Err(AppError::forbidden(
                "Only the owner or an admin can post in a channel",
            )),
            ChatKind::Private => {
                self.require_not_blocked_in(caller, &view.chat).await?;
                Ok(view)
            }
            _ => Ok(view),
        }
    }

    /// Writes one message and publishes it after the commit; `None` when the client id
    /// was taken. A deadlock or serialization failure reruns the whole transaction, up to
    /// [`WRITE_ATTEMPTS`] times; after that the send answers `SERVICE_UNAVAILABLE`.
    async fn write(
        &self,
        caller: &Principal,
        sender: &crate::domain::users::User,
        view: &ChatView,
        draft: &Draft<'_>,
        copy_attachments_of: Option<i64>,
    ) -> AppResult<Option<Message>> {
        let mut attempt = 1;
        let written = loop {
            match self
                .write_once(caller, view, draft, copy_attachments_of)
                .await
            {
                Err(error) if db::messages::is_transient(&error) => {
                    if attempt == WRITE_ATTEMPTS {
                        tracing::warn!(chat_id = view.chat.id, %error, "send gave up after retries");
                        return Err(AppError::Unavailable(
                            "The chat is too busy right now; please retry the message".into(),
                        ));
                    }
                    tracing::debug!(chat_id = view.chat.id, attempt, %error, "retrying a send");
                    tokio::time::sleep(retry_pause(attempt)).await;
                    attempt += 1;
                }
                other => break other?,
            }
        };
        let Some(Written {
            message,
            previous_message_id,
            rejoined,
        }) = written
        else {
            return Ok(None);
        };
        let chat_id = view.chat.id;
        let bus = self.0.bus();
        for user_id in rejoined {
            let event = Event::MembershipChanged {
                chat_id,
                user_id,
                joined: true,
            };
            bus.publish(&topics::user(user_id), event).await;
        }
        let event = Event::MessageCreated {
            message: Box::new(message.clone()),
            sender: Box::new(sender.public()),
            previous_message_id,
        };
        bus.publish(&topics::chat(chat_id), event).await;
        Ok(Some(message))
    }

    /// One attempt: lock the chat row first, then write under that lock, then commit. The
    /// statements and rows are the same for any size of chat: message_created
    /// notifications are one chat-wide row (db::notifications::list derives recipients).
    async fn write_once(
        &self,
        caller: &Principal,
        view: &ChatView,
        draft: &Draft<'_>,
        copy_attachments_of: Option<i64>,
    ) -> Result<Option<Written>, sqlx::Error> {
        let db = self.0.db();
        let chat_id = view.chat.id;
        let mut tx = db.begin().await?;
        let previous_message_id =
            db::messages::lock_chat_for_send(db.on(&mut *tx), chat_id).await?;
        let new = NewMessage {
            chat_id,
            sender_id: caller.user_id,
            kind: draft.kind,
            text: draft.text,
            reply_to_message_id: draft.reply_to,
            forwarded_from_message_id: draft.forwarded_from.map(|f| f.0),
            forwarded_from_user_id: draft.forwarded_from.and_then(|f| f.1),
            client_message_id: draft.client_message_id,
        };
        let Some(message) = db::messages::insert_sent(db.on(&mut *tx), &new).await? else {
            return Ok(None);
        };
        if let Some(source) = copy_attachments_of {
            db::messages::copy_attachments(db.on(&mut *tx), source, &message).await?;
        }
        let mut rejoined = Vec::new();
        if let Some(other) = view.chat.counterpart_of(caller.user_id) {
            // A private chat deleted "for me" by the other side comes back with this message.
            rejoined =
                db::chats::add_members(db.on(&mut *tx), chat_id, &[other], Role::Member).await?;
        }
        let names = draft.text.map(mentioned_usernames).unwrap_or_default();
        if !names.is_empty() {
            db::messages::insert_mentions(db.on(&mut *tx), &message, &names).await?;
        }
        tx.commit().await?;
        Ok(Some(Written {
            message,
            previous_message_id,
            rejoined,
        }))
    }
}

/// How many times a send runs its transaction before giving up on deadlocks and
/// serialization failures.
const WRITE_ATTEMPTS: u32 = 5;

/// A short pause before retry `attempt` (1-based): 2, 4, 8, 16 ms, with up to as much
/// again at random so retrying senders spread out.
fn retry_pause(attempt: u32) -> std::time::Duration {
    use rand::Rng as _;
    let base = 1u64 << attempt.min(6);
    std::time::Duration::from_millis(base + rand::thread_rng().gen_range(0..=base))
}

/// What one committed send wrote.
struct Written {
    message: Message,
    previous_message_id: Option<i64>,
    /// The other side of a private chat, back in a chat they had deleted for themselves.
    rejoined: Vec<i64>,
}

#[cfg(test)]
mod tests {
    use super::mentioned_usernames;

    #[test]
    fn mentions_are_usernames_after_at() {
        assert_eq!(
            mentioned_usernames("hi @Alice, @bob_99 and @bob_99! mail a@b.c @x"),
            ["alice", "bob_99"]
        );
    }
}
