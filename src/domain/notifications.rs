//! Notifications (messenger-rest-api.md §10), written by the services whose events
//! they record (new message, mention, added to a chat).

use super::{Domain, Principal};
use crate::error::AppResult;

pub use crate::db::notifications::Notification;

pub struct NotificationService<'a>(pub(super) &'a Domain);

impl NotificationService<'_> {
    /// `notifications`: the caller's, newest first.
    pub async fn list(
        &self,
        caller: &Principal,
        before: Option<i64>,
        limit: i64,
    ) -> AppResult<Vec<Notification>> {
        let limit = super::page_size(limit)?;
        Ok(
            crate::db::notifications::list(self.0.db().exec(), caller.user_id, before, limit)
                .await?,
        )
    }
}
