//! Users and messages as the caller sees them, and the privacy filter: the per-viewer
//! facts of a whole list come from the domain's batch functions (a fixed number of
//! statements per list, never one per row), as GraphQL's loaders fetch them, so both
//! APIs answer with the same facts. Chats are in `chat_views`.

use std::collections::HashMap;

use super::dto::{MessageRead, UserRead, UserSearchRead};
use crate::{
    domain::{
        chats::Member,
        media::Attachment,
        messages::{DeliveryStatus, Message, MessagePageRead},
        users::{PrivacyLevel, User},
        visibility::Audience,
        Domain,
    },
    error::AppResult,
};

/// The §3.7 privacy filter for fields of `owners` shown to `viewer`: the domain's
/// [`Audience`] of the list (who has the viewer in their contacts, asked once, and only
/// if a `contacts` setting needs it).
pub struct Privacy<'a>(Audience<'a>);

impl<'a> Privacy<'a> {
    pub fn new(domain: &'a Domain, viewer: i64, owners: Vec<i64>) -> Self {
        Self(Audience::new(domain, viewer, owners))
    }

    /// `value` when `user`'s `setting` lets the viewer see it.
    pub async fn show<T>(&self, user: &User, setting: PrivacyLevel, value: Option<T>) -> Option<T> {
        value.as_ref()?;
        let shown = self.0.sees(user.id, setting).await;
        shown.then_some(value).flatten()
    }

    pub async fn avatar(&self, user: &User) -> Option<String> {
        self.show(user, user.privacy_avatar, user.avatar_url.clone())
            .await
    }
}

/// One profile as `viewer` sees it.
pub async fn user_read(domain: &Domain, viewer: i64, user: User) -> UserRead {
    let privacy = Privacy::new(domain, viewer, vec![user.id]);
    let avatar = privacy.avatar(&user).await;
    UserRead::new(user, viewer, avatar)
}

/// Profiles in the short list form, as `viewer` sees them.
pub async fn user_search_reads(
    domain: &Domain,
    viewer: i64,
    users: Vec<User>,
) -> Vec<UserSearchRead> {
    let privacy = Privacy::new(domain, viewer, users.iter().map(|u| u.id).collect());
    let mut out = Vec::with_capacity(users.len());
    for user in users {
        let avatar = privacy.avatar(&user).await;
        out.push(UserSearchRead::new(user, viewer, avatar));
    }
    out
}

/// Runs `load` unless `ids` is empty.
pub async fn batch<V>(
    ids: &[i64],
    load: impl std::future::Future<Output = AppResult<HashMap<i64, V>>>,
) -> AppResult<HashMap<i64, V>> {
    if ids.is_empty() {
        Ok(HashMap::new())
    } else {
        load.await
    }
}

/// Messages with their delivery status and waveform: two batch statements at most.
pub async fn message_reads(domain: &Domain, messages: Vec<Message>) -> AppResult<Vec<MessageRead>> {
    let mut chat_ids: Vec<i64> = messages.iter().map(|m| m.chat_id).collect();
    chat_ids.sort_unstable();
    chat_ids.dedup();
    let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
    let (chats, media) = (domain.chats(), domain.media());
    let (members, attachments) = tokio::try_join!(
        batch(&chat_ids, chats.members_of(&chat_ids)),
        batch(&ids, media.for_messages(&ids)),
    )?;
    Ok(messages
        .iter()
        .map(|message| {
            let members = members.get(&message.chat_id).map_or(&[][..], Vec::as_slice);
            shape(message, members, attachments.get(&message.id))
        })
        .collect())
}

/// A page of one chat from the domain's message read model (asked for its members and
/// attachments): no further statement.
pub fn page_reads(page: &MessagePageRead) -> Vec<MessageRead> {
    let members = page.facts.members.as_deref().map_or(&[][..], Vec::as_slice);
    page.items
        .iter()
        .map(|message| shape(message, members, page.facts.attachments.get(&message.id)))
        .collect()
}

/// A message with its delivery status among `members` and its voice waveform.
fn shape(
    message: &Message,
    members: &[Member],
    attachments: Option<&Vec<Attachment>>,
) -> MessageRead {
    let status = DeliveryStatus::of(message, members);
    let waveform = attachments.and_then(|files| files.iter().find_map(|f| f.waveform.clone()));
    MessageRead {
        id: message.id,
        chat_id: message.chat_id,
        sender_id: message.sender_id,
        reply_to_message_id: message.reply_to_message_id,
        forwarded_from_message_id: message.forwarded_from_message_id,
        kind: message.kind.into(),
        text: message.text.clone(),
        delivery_status: status.into(),
        attachment_waveform: waveform,
        created_at: message.created_at.into(),
        updated_at: message.updated_at.into(),
    }
}

/// One message.
pub async fn message_read(domain: &Domain, message: Message) -> AppResult<MessageRead> {
    let mut reads = message_reads(domain, vec![message]).await?;
    reads
        .pop()
        .ok_or_else(|| crate::error::AppError::internal(anyhow::anyhow!("message lost")))
}
