//! Users: profiles and the rules about who sees what of them.

use std::collections::HashMap;

use super::{Domain, Principal};
use crate::error::{AppError, AppResult};

pub use crate::db::users::User;

impl User {
    /// A user's email is visible to that user only.
    pub fn email_for(&self, viewer: Option<i64>) -> Option<&str> {
        (viewer == Some(self.id))
            .then_some(self.email.as_deref())
            .flatten()
    }

    /// The name shown in lists: the chosen name, else first + last, else the username.
    pub fn shown_name(&self) -> String {
        if let Some(name) = self.name.as_deref().filter(|n| !n.trim().is_empty()) {
            return name.to_owned();
        }
        let full = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !full.is_empty() {
            return full;
        }
        self.username.clone().unwrap_or_default()
    }
}

pub struct UserService<'a>(pub(super) &'a Domain);

impl UserService<'_> {
    /// `me`: the caller's own profile.
    pub async fn me(&self, principal: &Principal) -> AppResult<User> {
        crate::db::users::find_by_id(self.0.db().pool(), principal.user_id)
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))
    }

    /// Batch load for DataLoaders and lists: one statement for any number of ids.
    pub async fn load_many(&self, ids: &[i64]) -> AppResult<HashMap<i64, User>> {
        Ok(crate::db::users::find_many(self.0.db().pool(), ids).await?)
    }

    /// A user by Telegram id (seed 000 `GET /api/users/{telegram_id}`).
    pub async fn by_telegram_id(&self, telegram_id: i64) -> AppResult<User> {
        crate::db::users::find_by_telegram_id(self.0.db().pool(), telegram_id)
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))
    }
}
