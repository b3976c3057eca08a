//! Chats as their member sees them (`ChatRead`, `ChatDetailRead`): the per-viewer facts
//! of the whole list come from batch calls — unread counters, member counts, members,
//! last messages, users, presence — a fixed number of statements whatever its length.

use std::collections::{HashMap, HashSet};

use super::{
    dto::{chat_type, shown_name, ChatDetailRead, ChatRead},
    views::{batch, Privacy},
};
use crate::{
    domain::{
        chats::{ChatKind, ChatView, Member},
        messages::Message,
        users::User,
        Domain,
    },
    error::{AppError, AppResult},
};

/// What a list of chats needs beyond the chats themselves.
struct Facts<'a> {
    viewer: i64,
    unread: HashMap<i64, (i64, i64)>,
    counts: HashMap<i64, i64>,
    members: HashMap<i64, Vec<Member>>,
    last: HashMap<i64, Message>,
    users: HashMap<i64, User>,
    /// Other users the viewer may see online (§3.7 `privacy_last_seen`).
    online: HashSet<i64>,
    privacy: Privacy<'a>,
}

impl<'a> Facts<'a> {
    async fn load(domain: &'a Domain, viewer: i64, views: &[ChatView]) -> AppResult<Self> {
        let ids: Vec<i64> = views.iter().map(|v| v.chat.id).collect();
        let last_ids: Vec<i64> = views
            .iter()
            .filter_map(|v| v.chat.last_message_id)
            .collect();
        let (chats, messages) = (domain.chats(), domain.messages());
        let (unread, counts, last, members) = tokio::try_join!(
            batch(&ids, chats.unread_counts(viewer, &ids)),
            batch(&ids, chats.member_counts(&ids)),
            batch(&last_ids, messages.load_visible(viewer, &last_ids)),
            batch(&ids, chats.members_of(&ids)),
        )?;
        let mut others: Vec<i64> = members
            .values()
            .flatten()
            .map(|m| m.user_id)
            .filter(|id| *id != viewer)
            .collect();
        others.sort_unstable();
        others.dedup();
        let presence = domain.presence();
        let online_now = batch(&others, presence.online(&others)).await?;
        let mut wanted: Vec<i64> = views
            .iter()
            .filter_map(|v| v.chat.counterpart_of(viewer))
            .chain(online_now.iter().filter(|(_, on)| **on).map(|(id, _)| *id))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let users = batch(&wanted, domain.users().load_many(&wanted)).await?;
        let privacy = Privacy::new(domain, viewer, wanted);
        let mut online = HashSet::new();
        for (id, on) in &online_now {
            let Some(user) = users.get(id).filter(|_| *on) else {
                continue;
            };
            if privacy
                .show(user, user.privacy_last_seen, Some(()))
                .await
                .is_some()
            {
                online.insert(*id);
            }
        }
        Ok(Self {
            viewer,
            unread,
            counts,
            members,
            last,
            users,
            online,
            privacy,
        })
    }

    async fn read(&self, view: ChatView) -> ChatRead {
        let ChatView { chat, member } = view;
        let kind = chat.kind;
        let counterpart_id = chat.counterpart_of(self.viewer);
        let counterpart = counterpart_id.and_then(|id| self.users.get(&id));
        let last = chat.last_message_id.and_then(|id| self.last.get(&id));
        let (unread_count, unread_mentions_count) =
            self.unread.get(&chat.id).copied().unwrap_or((0, 0));
        let members_count = self.counts.get(&chat.id).copied().unwrap_or(0);
        let online_count = self.members.get(&chat.id).map_or(0, |members| {
            members
                .iter()
                .filter(|m| self.online.contains(&m.user_id))
                .count() as i64
        });
        let (avatar, last_seen) = match counterpart {
            Some(user) => (
                self.privacy.avatar(user).await,
                self.privacy
                    .show(user, user.privacy_last_seen, user.last_seen_at)
                    .await,
            ),
            None => (None, None),
        };
        ChatRead {
            id: chat.id,
            kind: chat_type(&chat),
            display_title: chat.display_title(counterpart),
            is_saved: kind == ChatKind::Saved,
            archived: member.archived,
            pinned: member.pinned,
            unread_count,
            unread_mentions_count,
            pinned_message_id: chat.pinned_message_id,
            members_count,
            online_count,
            subscribers_count: (kind == ChatKind::Channel).then_some(members_count),
            counterpart_user_id: counterpart_id,
            counterpart_name: counterpart.and_then(shown_name),
            counterpart_username: counterpart.and_then(|u| u.username.clone()),
            counterpart_avatar_url: avatar,
            counterpart_is_online: counterpart_id.is_some_and(|id| self.online.contains(&id)),
            counterpart_last_seen_at: last_seen.map(Into::into),
            last_message_text: last.and_then(|m| m.text.clone()),
            last_message_type: last.map(|m| m.kind.into()),
            last_message_created_at: last.map(|m| m.created_at.into()),
            my_role: member.role.into(),
            created_at: chat.created_at.into(),
            public_id: chat.public_id,
            title: chat.title,
            avatar_url: chat.avatar_url,
            handle: chat.handle,
            description: chat.description,
            is_public: chat.is_public,
        }
    }
}

/// Chats as `viewer` (their member) sees them, in the given order. `online_count`
/// counts the other members online whose last-seen privacy lets the viewer see it.
pub async fn chat_reads(
    domain: &Domain,
    viewer: i64,
    views: Vec<ChatView>,
) -> AppResult<Vec<ChatRead>> {
    let facts = Facts::load(domain, viewer, &views).await?;
    let mut out = Vec::with_capacity(views.len());
    for view in views {
        out.push(facts.read(view).await);
    }
    Ok(out)
}

/// One chat as its member `viewer` sees it.
pub async fn chat_read(domain: &Domain, viewer: i64, view: ChatView) -> AppResult<ChatRead> {
    let mut reads = chat_reads(domain, viewer, vec![view]).await?;
    reads
        .pop()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("chat view lost")))
}

/// A chat with its members, oldest first (the caller holds the chat: a member).
pub async fn chat_detail(
    domain: &Domain,
    viewer: i64,
    view: ChatView,
) -> AppResult<ChatDetailRead> {
    let chat_id = view.chat.id;
    let facts = Facts::load(domain, viewer, std::slice::from_ref(&view)).await?;
    let members = facts.members.get(&chat_id).cloned().unwrap_or_default();
    Ok(ChatDetailRead {
        chat: facts.read(view).await,
        members: members.into_iter().map(Into::into).collect(),
    })
}
