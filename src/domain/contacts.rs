//! Contacts and blocks (messenger-rest-api.md §6).

use super::{users::User, Domain, Principal};
use crate::{
    db::{self, relations::Relation},
    error::{AppError, AppResult},
};

pub struct ContactService<'a>(pub(super) &'a Domain);

impl ContactService<'_> {
    /// `addContact(userId)`: idempotent; yourself or an unknown user is refused.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, user_id = user_id))]
    pub async fn add(&self, caller: &Principal, user_id: i64) -> AppResult<User> {
        self.relate(caller, Relation::Contact, user_id).await
    }

    /// `addContact(email)` (`POST /users/contacts/by-email`): exact, case-insensitive.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn add_by_email(&self, caller: &Principal, email: &str) -> AppResult<User> {
        let user = db::users::find_by_email(self.0.db().exec(), email.trim())
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))?;
        self.relate(caller, Relation::Contact, user.id).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, user_id = user_id))]
    pub async fn remove(&self, caller: &Principal, user_id: i64) -> AppResult<()> {
        db::relations::remove(
            self.0.db().exec(),
            Relation::Contact,
            caller.user_id,
            user_id,
        )
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn list(&self, caller: &Principal) -> AppResult<Vec<User>> {
        Ok(db::relations::list(self.0.db().exec(), Relation::Contact, caller.user_id).await?)
    }

    /// `blockUser`: a blocked user cannot open private chats with or message the blocker.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, user_id = user_id))]
    pub async fn block(&self, caller: &Principal, user_id: i64) -> AppResult<User> {
        self.relate(caller, Relation::Block, user_id).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, user_id = user_id))]
    pub async fn unblock(&self, caller: &Principal, user_id: i64) -> AppResult<()> {
        db::relations::remove(self.0.db().exec(), Relation::Block, caller.user_id, user_id).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn blocked(&self, caller: &Principal) -> AppResult<Vec<User>> {
        Ok(db::relations::list(self.0.db().exec(), Relation::Block, caller.user_id).await?)
    }

    async fn relate(
        &self,
        caller: &Principal,
        relation: Relation,
        user_id: i64,
    ) -> AppResult<User> {
        if user_id == caller.user_id {
            return Err(AppError::invalid("userId", "must be another user"));
        }
        let pool = self.0.db().exec();
        let user = db::users::find_by_id(pool, user_id)
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))?;
        db::relations::add(pool, relation, caller.user_id, user_id).await?;
        Ok(user)
    }
}
