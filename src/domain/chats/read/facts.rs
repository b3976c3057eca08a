//! [`ChatFacts`]: what a page of chats shows beside the chats, shared by the readers.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use super::super::{ChatView, MemberSummary};
use crate::{
    db::chats::PageMembers,
    domain::{messages::Message, users::User},
};

/// What a page of chats shows beside the chats, per chat id (users per user id,
/// messages per message id). Values are shared, not copied, by the readers.
#[derive(Default)]
pub struct ChatFacts {
    pub unread: HashMap<i64, (i64, i64)>,
    pub member_counts: HashMap<i64, i64>,
    /// Counterparts, senders and members' users that were asked for.
    pub users: HashMap<i64, Arc<User>>,
    pub last_messages: HashMap<i64, Arc<Message>>,
    /// Members, oldest first.
    pub members: HashMap<i64, Arc<Vec<MemberSummary>>>,
    /// Members known by their user ids only (nothing more was asked for), oldest first.
    pub member_user_ids: HashMap<i64, Arc<Vec<i64>>>,
    /// Other users online whose last-seen privacy lets the viewer see it.
    pub online: HashSet<i64>,
}

impl ChatFacts {
    pub fn user(&self, id: Option<i64>) -> Option<&Arc<User>> {
        self.users.get(&id?)
    }

    pub fn last_message(&self, view: &ChatView) -> Option<&Arc<Message>> {
        self.last_messages.get(&view.chat.last_message_id?)
    }

    /// The user ids of a chat's members that were read, oldest first.
    pub fn members_user_ids(&self, chat_id: i64) -> impl Iterator<Item = i64> + '_ {
        let members = self.members.get(&chat_id).map_or(&[][..], |m| m.as_slice());
        let ids = self
            .member_user_ids
            .get(&chat_id)
            .map_or(&[][..], |i| i.as_slice());
        members.iter().map(|m| m.user_id).chain(ids.iter().copied())
    }

    /// The user ids of every chat's members that were read (a chat's members are kept in
    /// one shape or the other, never both).
    pub(super) fn all_members_user_ids(&self) -> impl Iterator<Item = i64> + '_ {
        (self.members.keys().chain(self.member_user_ids.keys()))
            .flat_map(|&chat_id| self.members_user_ids(chat_id))
    }

    /// Other members of the chat the viewer sees online.
    pub fn online_count(&self, chat_id: i64) -> i64 {
        self.members_user_ids(chat_id)
            .filter(|id| self.online.contains(id))
            .count() as i64
    }

    /// Keeps a chat's members as a page read them.
    pub(super) fn keep_members(&mut self, chat_id: i64, members: PageMembers) {
        match members {
            PageMembers::Summaries(members) => {
                self.members.insert(chat_id, Arc::new(members));
            }
            PageMembers::UserIds(ids) => {
                self.member_user_ids.insert(chat_id, Arc::new(ids));
            }
        }
    }
}
