//! The chat list as its viewer sees it: one read model for both APIs. A page of chats
//! and everything it shows beside them (unread counters, member counts, counterparts,
//! last messages and their senders, members and their users, who is online) come from
//! a fixed number of statements, chosen by what the caller asked for ([`ChatWants`]):
//!
//! 1. for a search only, the ids of the viewer's chats that match;
//! 2. the page with the viewer's memberships, counters, counterparts, members (by user id
//!    only unless more of them is asked for), and last messages with their senders;
//! 3. only when the members' users are asked for, the members with their users.
//!
//! Chats loaded elsewhere ([`ChatService::read_views`]) take one concurrent round for
//! counters and counterparts, then one for last messages and members.
//!
//! Online status (Redis) and the last-seen privacy rule ([`Audience`]) are applied here,
//! once for the page.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

mod facts;

pub use facts::ChatFacts;

use super::{ChatCursor, ChatPageRequest, ChatService, ChatView, MemberSummary};
use crate::{
    db::{self, chats::PageExtras},
    domain::{visibility::Audience, Principal},
    error::AppResult,
};

/// What a reader of a chat list shows; everything else is not loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChatWants {
    pub unread: bool,
    pub member_counts: bool,
    /// Private chats' counterparts (also for display titles).
    pub counterparts: bool,
    pub last_messages: bool,
    /// The last messages' senders (more than their ids).
    pub last_senders: bool,
    pub members: bool,
    /// The members' membership ids, roles or join times (more than their user ids).
    pub member_details: bool,
    /// The members' users (more than their ids).
    pub member_users: bool,
    /// Which other members are online, as far as their last-seen privacy shows it (the
    /// users of those online are loaded for it).
    pub online: bool,
}

impl ChatWants {
    /// What the REST chat views show: everything but the members' profiles.
    pub fn all() -> Self {
        Self {
            unread: true,
            member_counts: true,
            counterparts: true,
            last_messages: true,
            last_senders: true,
            members: true,
            member_details: true,
            member_users: false,
            online: true,
        }
    }
}

/// A page of the chat list with its facts.
pub struct ChatListRead {
    pub items: Vec<(ChatView, ChatCursor)>,
    pub has_previous: bool,
    pub has_next: bool,
    pub facts: ChatFacts,
}

impl ChatService<'_> {
    /// `chats` with what the reader shows: one statement (two for a search), and one more
    /// only for the members' users.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn read_list(
        &self,
        caller: &Principal,
        archived: bool,
        query: Option<&str>,
        request: ChatPageRequest<'_>,
        wants: ChatWants,
    ) -> AppResult<ChatListRead> {
        let (cursor, backward, n) = match request {
            ChatPageRequest::Forward { after, n } => (after, false, n),
            ChatPageRequest::Backward { before, n } => (before, true, n),
        };
        let limit = crate::domain::page_size(n)?;
        let matching = self.matching(caller.user_id, archived, query).await?;
        let window = db::chats::PageWindow {
            archived,
            only: matching.as_deref(),
            cursor,
            backward,
            limit: limit + 1,
        };
        let extras = PageExtras {
            unread: wants.unread,
            member_counts: wants.member_counts,
            counterparts: wants.counterparts,
            members: (wants.members || wants.online) && !wants.member_users,
            member_details: wants.members && wants.member_details,
            last_messages: wants.last_messages,
            last_senders: wants.last_senders,
        };
        let mut rows = db::chats::page(self.0.db().exec(), caller.user_id, &window, extras).await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        if backward {
            rows.reverse();
        }
        let (has_previous, has_next) = if backward {
            (more, cursor.is_some())
        } else {
            (cursor.is_some(), more)
        };
        let mut facts = ChatFacts::default();
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let chat_id = row.chat.id;
            if let Some(unread) = row.unread {
                facts.unread.insert(chat_id, unread);
            }
            if let Some(count) = row.members_count {
                facts.member_counts.insert(chat_id, count);
            }
            if let Some(user) = row.counterpart {
                facts.users.insert(user.id, Arc::new(user));
            }
            if let Some(members) = row.members {
                facts.keep_members(chat_id, members);
            }
            if let Some(last) = row.last_message {
                if let Some(sender) = last.sender {
                    facts.users.insert(sender.id, Arc::new(sender));
                }
                facts
                    .last_messages
                    .insert(last.message.id, Arc::new(last.message));
            }
            let view = ChatView {
                chat: row.chat,
                member: row.member,
            };
            items.push((view, row.cursor));
        }
        let views: Vec<&ChatView> = items.iter().map(|(view, _)| view).collect();
        let rest = ChatWants {
            last_messages: false,
            ..wants
        };
        self.complete(caller.user_id, &views, rest, &mut facts)
            .await?;
        Ok(ChatListRead {
            items,
            has_previous,
            has_next,
            facts,
        })
    }

    /// For a search (`query` not blank), the ids of `viewer`'s chats that match it: the
    /// titles, handles, types and private counterparts' names. `None`: no search.
    async fn matching(
        &self,
        viewer: i64,
        archived: bool,
        query: Option<&str>,
    ) -> AppResult<Option<Vec<i64>>> {
        let Some(query) = query.map(str::trim).filter(|q| !q.is_empty()) else {
            return Ok(None);
        };
        let pattern = crate::domain::like_pattern(query);
        let ids = db::chats::matching(self.0.db().exec(), viewer, archived, &pattern).await?;
        Ok(Some(ids))
    }

    /// The facts of chats loaded elsewhere (one chat, a new chat, the saved chat).
    #[tracing::instrument(level = "debug", skip_all, fields(viewer = viewer))]
    pub async fn read_views(
        &self,
        viewer: i64,
        views: &[&ChatView],
        wants: ChatWants,
    ) -> AppResult<ChatFacts> {
        let ids: Vec<i64> = views.iter().map(|v| v.chat.id).collect();
        let counterparts: Vec<i64> = views
            .iter()
            .filter_map(|v| v.chat.counterpart_of(viewer))
            .collect();
        let db = self.0.db();
        let (unread, member_counts, users) = tokio::try_join!(
            when(wants.unread && !ids.is_empty(), || {
                db::chats::unread_counts(db.exec(), viewer, &ids)
            }),
            when(wants.member_counts && !ids.is_empty(), || {
                db::chats::member_counts(db.exec(), &ids)
            }),
            when(wants.counterparts && !counterparts.is_empty(), || {
                db::users::find_many(db.exec(), &counterparts)
            }),
        )?;
        let mut facts = ChatFacts {
            unread,
            member_counts,
            users: users
                .into_iter()
                .map(|(id, user)| (id, Arc::new(user)))
                .collect(),
            ..ChatFacts::default()
        };
        self.complete(viewer, views, wants, &mut facts).await?;
        Ok(facts)
    }

    /// The second round: last messages with their senders and members (those not loaded
    /// yet) with their users, together; then who is online.
    async fn complete(
        &self,
        viewer: i64,
        views: &[&ChatView],
        wants: ChatWants,
        facts: &mut ChatFacts,
    ) -> AppResult<()> {
        let ids: Vec<i64> = views.iter().map(|v| v.chat.id).collect();
        let last_ids: Vec<i64> = views
            .iter()
            .filter_map(|v| v.chat.last_message_id)
            .collect();
        let db = self.0.db();
        let wants_members = (wants.members || wants.online)
            && facts.members.is_empty()
            && facts.member_user_ids.is_empty();
        let (last, members) = tokio::try_join!(
            when(wants.last_messages && !last_ids.is_empty(), || {
                db::messages::find_visible_with_senders(
                    db.exec(),
                    viewer,
                    &last_ids,
                    wants.last_senders,
                )
            }),
            async {
                if wants_members && !ids.is_empty() {
                    db::chats::members_with_users(db.exec(), &ids, wants.member_users).await
                } else {
                    Ok(Vec::new())
                }
            },
        )?;
        for (id, row) in last {
            if let Some(sender) = row.sender {
                facts.users.insert(sender.id, Arc::new(sender));
            }
            facts.last_messages.insert(id, Arc::new(row.message));
        }
        let mut by_chat: HashMap<i64, Vec<MemberSummary>> = HashMap::new();
        for row in members {
            if let Some(user) = row.user {
                facts.users.insert(user.id, Arc::new(user));
            }
            by_chat
                .entry(row.member.chat_id)
                .or_default()
                .push(MemberSummary::from(&row.member));
        }
        facts.members.extend(
            by_chat
                .into_iter()
                .map(|(id, members)| (id, Arc::new(members))),
        );
        if wants.online {
            facts.online = self.visible_online(viewer, facts).await?;
        }
        Ok(())
    }

    /// The other members online now whose last-seen privacy the viewer passes: one Redis
    /// round trip; then, only if someone is online, their users (those not loaded yet)
    /// and, only if a setting needs it, who has the viewer in their contacts.
    async fn visible_online(&self, viewer: i64, facts: &mut ChatFacts) -> AppResult<HashSet<i64>> {
        let mut others: Vec<i64> = (facts.all_members_user_ids())
            .chain(facts.users.keys().copied())
            .filter(|id| *id != viewer)
            .collect();
        others.sort_unstable();
        others.dedup();
        if others.is_empty() {
            return Ok(HashSet::new());
        }
        let online = self.0.presence().online(&others).await.unwrap_or_default();
        let candidates: Vec<i64> = others
            .into_iter()
            .filter(|id| online.get(id).copied().unwrap_or(false))
            .collect();
        let missing: Vec<i64> = candidates
            .iter()
            .copied()
            .filter(|id| !facts.users.contains_key(id))
            .collect();
        if !missing.is_empty() {
            let users = db::users::find_many(self.0.db().exec(), &missing).await?;
            for (id, user) in users {
                facts.users.insert(id, Arc::new(user));
            }
        }
        let audience = Audience::new(self.0, viewer, candidates.clone());
        let mut shown = HashSet::new();
        for id in candidates {
            let Some(user) = facts.users.get(&id) else {
                continue;
            };
            if audience.sees(id, user.privacy_last_seen).await {
                shown.insert(id);
            }
        }
        Ok(shown)
    }
}

/// Runs `load` when `wanted`, else answers an empty map.
async fn when<V, F, Fut>(wanted: bool, load: F) -> Result<HashMap<i64, V>, sqlx::Error>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<HashMap<i64, V>, sqlx::Error>>,
{
    if wanted {
        load().await
    } else {
        Ok(HashMap::new())
    }
}
