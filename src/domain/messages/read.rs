//! A page of a chat as its reader sees it: the messages with, as asked
//! ([`MessageWants`]), their senders, reactions and attachments in the page's own
//! statement; then, together, the messages they reply to or forward (with their senders)
//! and the chat's members (for delivery status). At most three statements, whatever the
//! page's length; the membership check costs one more only when the page is empty.

use std::{collections::HashMap, sync::Arc};

use super::{Message, MessageService, PageRequest, ReactionCount};
use crate::{
    db::{
        self,
        messages::{MessageExtras, MessageWindow},
    },
    domain::{chats::Member, media::Attachment, users::User, Principal},
    error::AppResult,
};

/// What a reader of a message page shows; everything else is not loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageWants {
    /// Senders (more than their ids).
    pub senders: bool,
    pub reactions: bool,
    pub attachments: bool,
    /// The messages replied to or forwarded.
    pub targets: bool,
    /// Their senders (more than their ids).
    pub target_senders: bool,
    /// The chat's members (delivery status).
    pub members: bool,
}

/// What a page shows beside its messages: users per user id, the rest per message id.
#[derive(Default)]
pub struct MessageFacts {
    pub users: HashMap<i64, Arc<User>>,
    pub reactions: HashMap<i64, Vec<ReactionCount>>,
    pub attachments: HashMap<i64, Vec<Attachment>>,
    /// Reply and forward targets the viewer may see.
    pub targets: HashMap<i64, Arc<Message>>,
    pub members: Option<Arc<Vec<Member>>>,
}

/// A page of messages in chronological order, with its facts.
pub struct MessagePageRead {
    pub items: Vec<Arc<Message>>,
    pub has_previous: bool,
    pub has_next: bool,
    pub facts: MessageFacts,
}

impl MessageService<'_> {
    /// `messages(chatId, …)` with what the reader shows.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn read_page(
        &self,
        caller: &Principal,
        chat_id: i64,
        request: PageRequest,
        wants: MessageWants,
    ) -> AppResult<MessagePageRead> {
        let (after, before, newest_first, n) = match request {
            PageRequest::Forward { after, n } => (after, None, false, n),
            PageRequest::Backward { before, n } => (None, before, true, n),
        };
        let chats = self.0.chats();
        // A non-member learns only that (not that the page size is wrong).
        let n = match crate::domain::page_size(n) {
            Ok(n) => n,
            Err(error) => {
                chats.require_member(caller, chat_id).await?;
                return Err(error);
            }
        };
        let window = MessageWindow {
            chat_id,
            after,
            before,
            newest_first,
            limit: n + 1,
        };
        let extras = MessageExtras {
            senders: wants.senders,
            reactions: wants.reactions,
            attachments: wants.attachments,
        };
        let db = self.0.db();
        let mut rows =
            db::messages::page_with_extras(db.exec(), caller.user_id, window, extras).await?;
        if rows.is_empty() {
            // The page joins the caller's membership: an empty one may mean there is none.
            chats.require_member(caller, chat_id).await?;
        }
        let more = rows.len() as i64 > n;
        rows.truncate(n as usize);
        if newest_first {
            rows.reverse();
        }
        let mut facts = MessageFacts::default();
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let id = row.message.id;
            if let Some(sender) = row.sender {
                facts.users.insert(sender.id, Arc::new(sender));
            }
            if let Some(reactions) = row.reactions {
                facts.reactions.insert(id, reactions);
            }
            if let Some(attachments) = row.attachments {
                facts.attachments.insert(id, attachments);
            }
            items.push(Arc::new(row.message));
        }
        self.complete(caller.user_id, chat_id, &items, wants, &mut facts)
            .await?;
        Ok(MessagePageRead {
            items,
            has_previous: if newest_first { more } else { after.is_some() },
            has_next: if newest_first { before.is_some() } else { more },
            facts,
        })
    }

    /// The second round: reply and forward targets with their senders, and the members.
    async fn complete(
        &self,
        viewer: i64,
        chat_id: i64,
        items: &[Arc<Message>],
        wants: MessageWants,
        facts: &mut MessageFacts,
    ) -> AppResult<()> {
        let mut target_ids: Vec<i64> = items
            .iter()
            .flat_map(|m| [m.reply_to_message_id, m.forwarded_from_message_id])
            .flatten()
            .collect();
        target_ids.sort_unstable();
        target_ids.dedup();
        let db = self.0.db();
        let (targets, members) = tokio::try_join!(
            async {
                if wants.targets && !target_ids.is_empty() {
                    db::messages::find_visible_with_senders(
                        db.exec(),
                        viewer,
                        &target_ids,
                        wants.target_senders,
                    )
                    .await
                } else {
                    Ok(HashMap::new())
                }
            },
            async {
                if wants.members && !items.is_empty() {
                    db::chats::members_of(db.exec(), &[chat_id]).await
                } else {
                    Ok(HashMap::new())
                }
            },
        )?;
        for (id, row) in targets {
            if let Some(sender) = row.sender {
                facts.users.insert(sender.id, Arc::new(sender));
            }
            facts.targets.insert(id, Arc::new(row.message));
        }
        if wants.members && !items.is_empty() {
            let members = members.into_values().next().unwrap_or_default();
            facts.members = Some(Arc::new(members));
        }
        Ok(())
    }
}
