//! Chats as their member sees them (`ChatRead`, `ChatDetailRead`): the per-viewer facts
//! of the whole list come from the domain's chat read model (`ChatService::read_list`,
//! `read_views`) — the one GraphQL uses too — in a fixed number of statements whatever
//! its length. Here they are only shaped into the seed's DTOs.

use super::{
    dto::{chat_type, shown_name, ChatDetailRead, ChatRead},
    views::Privacy,
};
use crate::{
    domain::{
        chats::{ChatFacts, ChatKind, ChatListRead, ChatView, ChatWants},
        Domain,
    },
    error::AppResult,
};

/// A page's facts (the domain's chat read model) and the §3.7 filter for the
/// counterparts' avatars and last-seen times.
struct Facts<'a> {
    viewer: i64,
    facts: ChatFacts,
    privacy: Privacy<'a>,
}

impl<'a> Facts<'a> {
    fn new(domain: &'a Domain, viewer: i64, views: &[&ChatView], facts: ChatFacts) -> Self {
        let counterparts = views
            .iter()
            .filter_map(|v| v.chat.counterpart_of(viewer))
            .collect();
        Self {
            viewer,
            facts,
            privacy: Privacy::new(domain, viewer, counterparts),
        }
    }

    async fn read(&self, view: ChatView) -> ChatRead {
        let ChatView { chat, member } = view;
        let kind = chat.kind;
        let facts = &self.facts;
        let counterpart_id = chat.counterpart_of(self.viewer);
        let counterpart = facts.user(counterpart_id).map(|u| &**u);
        let last = chat
            .last_message_id
            .and_then(|id| facts.last_messages.get(&id));
        let (unread_count, unread_mentions_count) =
            facts.unread.get(&chat.id).copied().unwrap_or((0, 0));
        let members_count = facts.member_counts.get(&chat.id).copied().unwrap_or(0);
        let online_count = facts.online_count(chat.id);
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
            counterpart_is_online: counterpart_id.is_some_and(|id| facts.online.contains(&id)),
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

/// A page of the chat list as its `viewer` sees it (the domain's read model with
/// everything a `ChatRead` shows). `online_count` counts the other members online whose
/// last-seen privacy lets the viewer see it.
pub async fn list_reads(domain: &Domain, viewer: i64, read: ChatListRead) -> Vec<ChatRead> {
    let views = read.items.into_iter().map(|(view, _)| view).collect();
    shape(domain, viewer, views, read.facts).await
}

/// `views` with their facts, in order.
async fn shape(
    domain: &Domain,
    viewer: i64,
    views: Vec<ChatView>,
    facts: ChatFacts,
) -> Vec<ChatRead> {
    let refs: Vec<&ChatView> = views.iter().collect();
    let facts = Facts::new(domain, viewer, &refs, facts);
    let mut out = Vec::with_capacity(views.len());
    for view in views {
        out.push(facts.read(view).await);
    }
    out
}

/// Chats loaded elsewhere (search results) as their member `viewer` sees them.
pub async fn chat_reads(
    domain: &Domain,
    viewer: i64,
    views: Vec<ChatView>,
) -> AppResult<Vec<ChatRead>> {
    let refs: Vec<&ChatView> = views.iter().collect();
    let facts = domain
        .chats()
        .read_views(viewer, &refs, ChatWants::all())
        .await?;
    Ok(shape(domain, viewer, views, facts).await)
}

/// One chat as its member `viewer` sees it.
pub async fn chat_read(domain: &Domain, viewer: i64, view: ChatView) -> AppResult<ChatRead> {
    chat_reads(domain, viewer, vec![view])
        .await?
        .pop()
        .ok_or_else(|| crate::error::AppError::internal(anyhow::anyhow!("chat view lost")))
}

/// A chat with its members, oldest first (the caller holds the chat: a member).
pub async fn chat_detail(
    domain: &Domain,
    viewer: i64,
    view: ChatView,
) -> AppResult<ChatDetailRead> {
    let chat_id = view.chat.id;
    let facts = domain
        .chats()
        .read_views(viewer, &[&view], ChatWants::all())
        .await?;
    let facts = Facts::new(domain, viewer, &[&view], facts);
    let members = facts
        .facts
        .members
        .get(&chat_id)
        .map(|members| members.iter().copied().map(Into::into).collect())
        .unwrap_or_default();
    Ok(ChatDetailRead {
        chat: facts.read(view).await,
        members,
    })
}
