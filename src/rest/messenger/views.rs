//! Lists as the caller sees them: the per-viewer facts of a whole list come from the
//! domain's batch functions (a fixed number of statements per list, never one per row),
//! the way GraphQL's loaders fetch them, so both APIs answer with the same facts.

use std::collections::HashMap;

use tokio::sync::OnceCell;

use super::dto::{
    chat_type, ChatDetailRead, ChatRead, MessageRead, UserRead, UserSearchRead,
};
use crate::{
    domain::{
        chats::{ChatKind, ChatView},
        messages::{DeliveryStatus, Message},
        users::User,
        Domain,
    },
    error::AppResult,
};

/// The §3.7 privacy filter for fields of `owners` shown to `viewer`; asks the domain
/// who has the viewer in their contacts once, and only if a `contacts` setting needs it.
pub struct Privacy<'a> {
    domain: &'a Domain,
    viewer: i64,
    owners: Vec<i64>,
    contact_of: OnceCell<HashMap<i64, bool>>,
}

impl<'a> Privacy<'a> {
    pub fn new(domain: &'a Domain, viewer: i64, owners: Vec<i64>) -> Self {
        Self {
            domain,
            viewer,
            owners,
            contact_of: OnceCell::new(),
        }
    }

    async fn has_viewer_as_contact(&self, owner: i64) -> bool {
        let map = self
            .contact_of
            .get_or_init(|| async {
                // Fails closed, as GraphQL's guarded fields do.
                self.domain
                    .users()
                    .contact_of(self.viewer, &self.owners)
                    .await
                    .unwrap_or_else(|error| {
                        error.log();
                        HashMap::new()
                    })
            })
            .await;
        map.get(&owner).copied().unwrap_or(false)
    }

    /// `value` when `user`'s `setting` lets the viewer see it.
    pub async fn show<T>(&self, user: &User, setting: &str, value: Option<T>) -> Option<T> {
        value.as_ref()?;
        let shown = user
            .shows(setting, Some(self.viewer), |_| {
                self.has_viewer_as_contact(user.id)
            })
            .await;
        shown.then_some(value).flatten()
    }

    pub async fn avatar(&self, user: &User) -> Option<String> {
        self.show(user, &user.privacy_avatar, user.avatar_url.clone())
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
async fn batch<V>(
    ids: &[i64],
    load: impl std::future::Future<Output = AppResult<HashMap<i64, V>>>,
) -> AppResult<HashMap<i64, V>> {
    if ids.is_empty() {
        Ok(HashMap::new())
    } else {
        load.await
    }
}

/// Chats as `viewer` (their member) sees them: five batch statements at most.
pub async fn chat_reads(
    domain: &Domain,
    viewer: i64,
    views: Vec<ChatView>,
) -> AppResult<Vec<ChatRead>> {
    let ids: Vec<i64> = views.iter().map(|v| v.chat.id).collect();
    let last_ids: Vec<i64> = views.iter().filter_map(|v| v.chat.last_message_id).collect();
    let counterpart_ids: Vec<i64> = views
        .iter()
        .filter_map(|v| v.chat.counterpart_of(viewer))
        .collect();
    let (chats, messages, users) = (domain.chats(), domain.messages(), domain.users());
    let (unread, counts, last, counterparts) = tokio::try_join!(
        batch(&ids, chats.unread_counts(viewer, &ids)),
        batch(&ids, chats.member_counts(&ids)),
        batch(&last_ids, messages.load_visible(viewer, &last_ids)),
        batch(&counterpart_ids, users.load_many(&counterpart_ids)),
    )?;
    let privacy = Privacy::new(domain, viewer, counterpart_ids);
    let mut out = Vec::with_capacity(views.len());
    for view in views {
        let chat = &view.chat;
        let counterpart_id = chat.counterpart_of(viewer);
        let counterpart = counterpart_id.and_then(|id| counterparts.get(&id));
        let last = chat.last_message_id.and_then(|id| last.get(&id));
        let (unread_count, unread_mentions_count) = unread.get(&chat.id).copied().unwrap_or((0, 0));
        let members_count = counts.get(&chat.id).copied().unwrap_or(0);
        let kind = ChatKind::of(chat);
        let (avatar, last_seen) = match counterpart {
            Some(user) => (
                privacy.avatar(user).await,
                privacy
                    .show(user, &user.privacy_last_seen, user.last_seen_at)
                    .await,
            ),
            None => (None, None),
        };
        out.push(ChatRead {
            id: chat.id,
            public_id: chat.public_id.clone(),
            kind: chat_type(chat),
            title: chat.title.clone(),
            avatar_url: chat.avatar_url.clone(),
            display_title: chat.display_title(counterpart),
            handle: chat.handle.clone(),
            description: chat.description.clone(),
            is_public: chat.is_public,
            is_saved: kind == ChatKind::Saved,
            archived: view.member.archived,
            pinned: view.member.pinned,
            unread_count,
            unread_mentions_count,
            pinned_message_id: chat.pinned_message_id,
            members_count,
            // presence: the lead's `domain.presence()` will give who is online; until
            // then nobody is reported online.
            online_count: 0,
            subscribers_count: (kind == ChatKind::Channel).then_some(members_count),
            counterpart_user_id: counterpart_id,
            counterpart_name: counterpart.and_then(super::dto::shown_name),
            counterpart_username: counterpart.and_then(|u| u.username.clone()),
            counterpart_avatar_url: avatar,
            // presence: see `online_count`.
            counterpart_is_online: false,
            counterpart_last_seen_at: last_seen.map(Into::into),
            last_message_text: last.and_then(|m| m.text.clone()),
            last_message_type: last.map(|m| m.kind.clone()),
            last_message_created_at: last.map(|m| m.created_at.into()),
            my_role: view.member.role.clone(),
            created_at: chat.created_at.into(),
        });
    }
    Ok(out)
}

/// One chat as its member `viewer` sees it.
pub async fn chat_read(domain: &Domain, viewer: i64, view: ChatView) -> AppResult<ChatRead> {
    let mut reads = chat_reads(domain, viewer, vec![view]).await?;
    reads
        .pop()
        .ok_or_else(|| crate::error::AppError::internal(anyhow::anyhow!("chat view lost")))
}

/// A chat with its members (the caller already holds the chat, so membership is
/// checked).
pub async fn chat_detail(
    domain: &Domain,
    viewer: i64,
    view: ChatView,
) -> AppResult<ChatDetailRead> {
    let chat_id = view.chat.id;
    let (chat, mut members) = tokio::try_join!(
        chat_read(domain, viewer, view),
        domain.chats().members_of(&[chat_id]),
    )?;
    let members = members.remove(&chat_id).unwrap_or_default();
    Ok(ChatDetailRead {
        chat,
        members: members.into_iter().map(Into::into).collect(),
    })
}

/// Messages with their delivery status and waveform: two batch statements at most.
pub async fn message_reads(domain: &Domain, messages: Vec<Message>) -> AppResult<Vec<MessageRead>> {
    let mut chat_ids: Vec<i64> = messages.iter().map(|m| m.chat_id).collect();
    chat_ids.sort_unstable();
    chat_ids.dedup();
    let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
    let (members, attachments) = tokio::try_join!(
        batch(&chat_ids, domain.chats().members_of(&chat_ids)),
        batch(&ids, domain.media().for_messages(&ids)),
    )?;
    Ok(messages
        .into_iter()
        .map(|message| {
            let status = DeliveryStatus::of(
                &message,
                members.get(&message.chat_id).map_or(&[], Vec::as_slice),
            );
            let waveform = attachments
                .get(&message.id)
                .and_then(|files| files.iter().find_map(|f| f.waveform.clone()));
            MessageRead {
                id: message.id,
                chat_id: message.chat_id,
                sender_id: message.sender_id,
                reply_to_message_id: message.reply_to_message_id,
                forwarded_from_message_id: message.forwarded_from_message_id,
                kind: message.kind,
                text: message.text,
                delivery_status: status.as_str(),
                attachment_waveform: waveform,
                created_at: message.created_at.into(),
                updated_at: message.updated_at.into(),
            }
        })
        .collect())
}

/// One message.
pub async fn message_read(domain: &Domain, message: Message) -> AppResult<MessageRead> {
    let mut reads = message_reads(domain, vec![message]).await?;
    reads
        .pop()
        .ok_or_else(|| crate::error::AppError::internal(anyhow::anyhow!("message lost")))
}
