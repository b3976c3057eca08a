//! Notifications (messenger-rest-api.md §10), written by the services whose events
//! they record (new message, mention, added to a chat).

use super::{Domain, Principal};
use crate::error::AppResult;

pub use crate::db::notifications::Notification;

pub struct NotificationService<'a>(pub(super) &'a Domain);

/// A page of the caller's notifications, newest first.
pub struct NotificationPage {
    pub items: Vec<Notification>,
    /// Older notifications follow.
    pub has_next: bool,
}

impl NotificationService<'_> {
    /// `notifications`: the caller's, newest first; `before` continues below that id.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn list(
        &self,
        caller: &Principal,
        before: Option<i64>,
        limit: i64,
    ) -> AppResult<NotificationPage> {
        let limit = super::page_size(limit)?;
        let mut items =
            crate::db::notifications::list(self.0.db().exec(), caller.user_id, before, limit + 1)
                .await?;
        let has_next = items.len() as i64 > limit;
        items.truncate(limit as usize);
        Ok(NotificationPage { items, has_next })
    }
}
