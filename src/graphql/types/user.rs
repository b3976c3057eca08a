//! `User`, `AuthPayload`, `UserEvent`.

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::{
    domain::{
        self,
        auth::AuthTokens,
        users::{User, UserChange},
    },
    graphql::{
        context::{loaders, viewer_id},
        scalars::BigInt,
    },
};

// Fields resolve one after another (`serial`): a page holds hundreds of users (members,
// senders), and resolving each one's fields concurrently cost a `FuturesUnordered` per
// user for fields that almost never wait. Users of a list still resolve concurrently, so
// their loads (contacts for the privacy rules, presence) still batch, one batch per
// loader; a user asking for both waits for the two in turn.
#[Object(name = "User", serial)]
impl User {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Telegram user id, when the account is linked to Telegram.
    async fn telegram_id(&self) -> Option<BigInt> {
        self.telegram_id.map(BigInt)
    }

    async fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    async fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The name to show: the chosen name, else first + last name, else the username.
    async fn display_name(&self) -> String {
        self.shown_name()
    }

    async fn first_name(&self) -> Option<&str> {
        self.first_name.as_deref()
    }

    async fn last_name(&self) -> Option<&str> {
        self.last_name.as_deref()
    }

    async fn language_code(&self) -> &str {
        &self.language_code
    }

    async fn is_premium(&self) -> bool {
        self.is_premium
    }

    async fn bio(&self) -> Option<&str> {
        self.bio.as_deref()
    }

    /// Hidden from viewers the user's `privacyAvatar` excludes.
    async fn avatar_url(&self, ctx: &Context<'_>) -> Option<String> {
        self.guarded(ctx, self.privacy_avatar, self.avatar_url.clone())
            .await
    }

    /// Visible to the user themself only; `null` for everyone else.
    async fn email(&self, ctx: &Context<'_>) -> Option<String> {
        self.email_for(viewer_id(ctx).await).map(str::to_owned)
    }

    async fn email_verified(&self) -> bool {
        self.email_verified
    }

    async fn two_factor_enabled(&self) -> bool {
        self.twofa_enabled
    }

    async fn allow_private_messages(&self) -> bool {
        self.allow_private_messages
    }

    /// Hidden from viewers the user's `privacyLastSeen` excludes.
    async fn last_seen_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        self.guarded(ctx, self.privacy_last_seen, self.last_seen_at)
            .await
    }

    /// Online now (any open connection), for viewers `privacyLastSeen` admits.
    async fn is_online(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<bool>> {
        let online = loaders(ctx)
            .online
            .load_one(self.id)
            .await
            .map_err(|e| crate::graphql::errors::to_graphql(&e))?;
        Ok(self.guarded(ctx, self.privacy_last_seen, online).await)
    }

    /// Own profile only: who sees the avatar.
    async fn privacy_avatar(&self, ctx: &Context<'_>) -> Option<PrivacyLevel> {
        self.own(ctx, self.privacy_avatar).await
    }

    /// Own profile only: who sees online status and last-seen time.
    async fn privacy_last_seen(&self, ctx: &Context<'_>) -> Option<PrivacyLevel> {
        self.own(ctx, self.privacy_last_seen).await
    }

    /// Own profile only: who may add the user to groups and channels.
    async fn privacy_group_invites(&self, ctx: &Context<'_>) -> Option<PrivacyLevel> {
        self.own(ctx, self.privacy_group_invites).await
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// Who sees a profile field (messenger-rest-api.md §3.7).
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "crate::domain::users::PrivacyLevel")]
pub enum PrivacyLevel {
    Everyone,
    Contacts,
    Nobody,
}

impl User {
    async fn guarded<T>(
        &self,
        ctx: &Context<'_>,
        setting: domain::users::PrivacyLevel,
        value: Option<T>,
    ) -> Option<T> {
        value.as_ref()?;
        let viewer = viewer_id(ctx).await;
        // Fails closed, logged, as the REST views do (domain::visibility).
        let is_contact = |v: i64| async move {
            match loaders(ctx).contact_of.load_one((v, self.id)).await {
                Ok(found) => found.unwrap_or(false),
                Err(error) => {
                    error.log();
                    false
                }
            }
        };
        if self.shows(setting, viewer, is_contact).await {
            value
        } else {
            None
        }
    }

    async fn own(
        &self,
        ctx: &Context<'_>,
        setting: domain::users::PrivacyLevel,
    ) -> Option<PrivacyLevel> {
        (viewer_id(ctx).await == Some(self.id)).then_some(setting.into())
    }
}

/// Tokens and the signed-in user.
#[derive(SimpleObject)]
pub struct AuthPayload {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: User,
}

impl AuthPayload {
    pub fn new(tokens: AuthTokens, user: User) -> Self {
        Self {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            token_type: AuthTokens::TOKEN_TYPE.to_owned(),
            expires_in: tokens.expires_in,
            user,
        }
    }
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum UserEventKind {
    /// Name, username, avatar, bio or language changed.
    ProfileUpdated,
    /// The user opened their first connection.
    Online,
    /// The user closed their last connection.
    Offline,
}

/// A change to a watched user.
#[derive(SimpleObject)]
pub struct UserEvent {
    pub kind: UserEventKind,
    pub user_id: ID,
    /// The new profile (`PROFILE_UPDATED` only).
    pub user: Option<User>,
    /// `ONLINE` / `OFFLINE` only.
    pub is_online: Option<bool>,
    /// When an `OFFLINE` user was last seen.
    pub last_seen_at: Option<DateTime<Utc>>,
}

impl UserEvent {
    pub fn from_change(change: UserChange, _viewer: Option<i64>) -> Self {
        match change {
            UserChange::Profile(user) => Self {
                kind: UserEventKind::ProfileUpdated,
                user_id: ID(user.id.to_string()),
                user: Some(*user),
                is_online: None,
                last_seen_at: None,
            },
            UserChange::Presence {
                user_id,
                online,
                last_seen_at,
            } => Self {
                kind: if online {
                    UserEventKind::Online
                } else {
                    UserEventKind::Offline
                },
                user_id: ID(user_id.to_string()),
                user: None,
                is_online: Some(online),
                last_seen_at,
            },
        }
    }
}
