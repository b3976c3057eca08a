//! Global search (messenger-rest-api.md `GET /search`): users, the caller's chats and
//! the messages they can read, for one query.

use super::{chats::ChatView, messages::Message, users::User, Domain, Principal};
use crate::error::AppResult;

pub struct GlobalResults {
    pub users: Vec<User>,
    pub chats: Vec<ChatView>,
    pub messages: Vec<Message>,
}

/// How many of each kind to return.
#[derive(Clone, Copy, Debug)]
pub struct SearchLimits {
    pub users: i64,
    pub chats: i64,
    pub messages: i64,
}

pub struct SearchService<'a>(pub(super) &'a Domain);

impl SearchService<'_> {
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn global(
        &self,
        caller: &Principal,
        query: &str,
        limits: SearchLimits,
    ) -> AppResult<GlobalResults> {
        let (users, chats, messages) = (self.0.users(), self.0.chats(), self.0.messages());
        let (users, chats, messages) = tokio::try_join!(
            users.search(caller, query, limits.users),
            chats.list(
                caller,
                false,
                Some(query),
                super::chats::ChatPageRequest::Forward {
                    after: None,
                    n: limits.chats,
                },
            ),
            messages.search(caller, query, None, limits.messages),
        )?;
        Ok(GlobalResults {
            users,
            chats: chats.items.into_iter().map(|(view, _)| view).collect(),
            messages,
        })
    }
}
