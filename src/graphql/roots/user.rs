//! User queries.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, ID};

use crate::{
    domain::users::{ProfileInput, User},
    graphql::{
        context::{loaders, principal, reads_only_id, services},
        errors::to_graphql,
        scalars::{parse_id, BigInt},
        types::PrivacyLevel,
    },
};

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The caller's own profile (JWT or raw initData).
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let principal = principal(ctx).await?;
        // `me { id }` is answered from the verified credential: verifying it found the
        // user's row.
        if reads_only_id(&ctx.look_ahead()) {
            return Ok(User {
                id: principal.user_id,
                ..User::default()
            });
        }
        Ok(services(ctx).users().me(&principal).await?)
    }

    /// A user's public profile; `null` when there is no such user.
    async fn user(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<std::sync::Arc<User>>> {
        principal(ctx).await?;
        let id = parse_id(&id, "id")?;
        loaders(ctx)
            .users
            .load_one(id)
            .await
            .map_err(|e| to_graphql(&e))
    }

    /// Users by username, name or exact email (an optional leading `@` is ignored);
    /// empty for queries under two characters. Costs `first` × the selected fields.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn search_users(
        &self,
        ctx: &Context<'_>,
        query: String,
        #[graphql(default = 20)] first: Option<i32>,
    ) -> async_graphql::Result<Vec<User>> {
        let principal = principal(ctx).await?;
        Ok(services(ctx)
            .users()
            .search(&principal, &query, i64::from(first.unwrap_or(20)))
            .await?)
    }

    /// A user by Telegram id; `null` when no account is linked to it.
    async fn user_by_telegram_id(
        &self,
        ctx: &Context<'_>,
        telegram_id: BigInt,
    ) -> async_graphql::Result<Option<User>> {
        principal(ctx).await?;
        match services(ctx).users().by_telegram_id(telegram_id.0).await {
            Ok(user) => Ok(Some(user)),
            Err(crate::error::AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// Profile fields to change; omitted fields stay, `null` clears a clearable one.
#[derive(InputObject, Default)]
pub struct UpdateProfileInput {
    /// At most 256 characters.
    name: MaybeUndefined<String>,
    /// 3–32 letters, digits or underscores; unique regardless of case.
    username: MaybeUndefined<String>,
    /// At most 500 characters.
    bio: MaybeUndefined<String>,
    /// An http(s) URL.
    avatar_url: MaybeUndefined<String>,
    /// At most 10 characters, e.g. `en`, `zh-hans`.
    language_code: Option<String>,
    allow_private_messages: Option<bool>,
    /// Who sees the avatar.
    privacy_avatar: Option<PrivacyLevel>,
    /// Who sees online status and last-seen time.
    privacy_last_seen: Option<PrivacyLevel>,
    /// Who may add the user to groups and channels.
    privacy_group_invites: Option<PrivacyLevel>,
}

fn patch(value: MaybeUndefined<String>) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Changes the caller's profile (messenger `PUT /users/profile`, Mini App
    /// `PATCH /users/me`); watchers of `userEvents` see the change.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> async_graphql::Result<User> {
        let principal = principal(ctx).await?;
        let input = ProfileInput {
            name: patch(input.name),
            username: patch(input.username),
            bio: patch(input.bio),
            avatar_url: patch(input.avatar_url),
            language_code: input.language_code,
            allow_private_messages: input.allow_private_messages,
            privacy_avatar: input.privacy_avatar.map(|p| Ok(p.into())),
            privacy_last_seen: input.privacy_last_seen.map(|p| Ok(p.into())),
            privacy_group_invites: input.privacy_group_invites.map(|p| Ok(p.into())),
        };
        Ok(services(ctx)
            .users()
            .update_profile(&principal, input)
            .await?)
    }
}
