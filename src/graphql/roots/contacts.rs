//! Contacts and blocks (messenger-rest-api.md §6).

use async_graphql::{Context, Object, ID};

use crate::{
    domain::users::User,
    error::AppError,
    graphql::{
        context::{principal, services},
        scalars::parse_id,
    },
};

#[derive(Default)]
pub struct ContactQuery;

#[Object]
impl ContactQuery {
    /// The caller's contacts, most recently added first.
    async fn contacts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<User>> {
        let principal = principal(ctx).await?;
        Ok(services(ctx).contacts().list(&principal).await?)
    }

    /// The users the caller blocked, most recently blocked first.
    async fn blocked_users(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<User>> {
        let principal = principal(ctx).await?;
        Ok(services(ctx).contacts().blocked(&principal).await?)
    }
}

#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    /// Adds a contact by `userId` or by exact `email` (give one); returns the contact.
    async fn add_contact(
        &self,
        ctx: &Context<'_>,
        user_id: Option<ID>,
        email: Option<String>,
    ) -> async_graphql::Result<User> {
        let principal = principal(ctx).await?;
        let contacts = services(ctx).contacts();
        match (user_id, email) {
            (Some(id), None) => Ok(contacts.add(&principal, parse_id(&id, "userId")?).await?),
            (None, Some(email)) => Ok(contacts.add_by_email(&principal, &email).await?),
            _ => Err(AppError::invalid("userId", "give exactly one of userId and email").into()),
        }
    }

    /// Removes a contact; `true` also when it was not one.
    async fn remove_contact(&self, ctx: &Context<'_>, user_id: ID) -> async_graphql::Result<bool> {
        let principal = principal(ctx).await?;
        let id = parse_id(&user_id, "userId")?;
        services(ctx).contacts().remove(&principal, id).await?;
        Ok(true)
    }

    /// Blocks a user; returns them.
    async fn block_user(&self, ctx: &Context<'_>, user_id: ID) -> async_graphql::Result<User> {
        let principal = principal(ctx).await?;
        let id = parse_id(&user_id, "userId")?;
        Ok(services(ctx).contacts().block(&principal, id).await?)
    }

    /// Unblocks a user; `true` also when they were not blocked.
    async fn unblock_user(&self, ctx: &Context<'_>, user_id: ID) -> async_graphql::Result<bool> {
        let principal = principal(ctx).await?;
        let id = parse_id(&user_id, "userId")?;
        services(ctx).contacts().unblock(&principal, id).await?;
        Ok(true)
    }
}
