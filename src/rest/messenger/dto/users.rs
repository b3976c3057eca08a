//! §3.2: profiles as their owner and as others see them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{patch, Choice, Timestamp};
use crate::domain::users::{PrivacyLevel, ProfileInput, User};

/// The name to show: the chosen name, else first + last, else the username (Telegram
/// users often have no `name`; legacy clients show this field).
pub fn shown_name(user: &User) -> Option<String> {
    Some(user.shown_name()).filter(|n| !n.is_empty())
}

/// `UserRead`. `email` only on the caller's own profile; `avatar_url` as the owner's
/// `privacy_avatar` allows the viewer.
#[derive(Serialize, ToSchema)]
pub struct UserRead {
    pub id: i64,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true)]
    pub username: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub avatar_url: Option<String>,
    #[schema(required = true)]
    pub bio: Option<String>,
    pub email_verified: bool,
    pub allow_private_messages: bool,
    pub twofa_enabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl UserRead {
    /// `user` as `viewer` sees them, `avatar_url` already filtered.
    pub fn new(user: User, viewer: i64, avatar_url: Option<String>) -> Self {
        Self {
            id: user.id,
            name: shown_name(&user),
            email: user.email_for(Some(viewer)).map(str::to_owned),
            avatar_url,
            username: user.username,
            bio: user.bio,
            email_verified: user.email_verified,
            allow_private_messages: user.allow_private_messages,
            twofa_enabled: user.twofa_enabled,
            created_at: user.created_at.into(),
            updated_at: user.updated_at.into(),
        }
    }
}

/// `UserSearchRead`: the short form of lists (search, contacts, blocked).
#[derive(Serialize, ToSchema)]
pub struct UserSearchRead {
    pub id: i64,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true)]
    pub username: Option<String>,
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub avatar_url: Option<String>,
}

impl UserSearchRead {
    pub fn new(user: User, viewer: i64, avatar_url: Option<String>) -> Self {
        Self {
            id: user.id,
            name: shown_name(&user),
            email: user.email_for(Some(viewer)).map(str::to_owned),
            username: user.username,
            avatar_url,
        }
    }
}

/// `UserProfileUpdate`: every field optional; `null` clears name, username, bio or
/// avatar. The §3.7 privacy settings (`everyone` | `contacts` | `nobody`) are accepted
/// too.
#[derive(Deserialize, ToSchema)]
pub struct UserProfileUpdate {
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>, example = "New Name")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>, example = "new_username")]
    pub username: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>, example = "new bio")]
    pub bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>, example = "https://example.com/a.png")]
    pub avatar_url: Option<Option<String>>,
    pub allow_private_messages: Option<bool>,
    #[schema(value_type = Option<PrivacySetting>)]
    pub privacy_avatar: Option<Choice<PrivacySetting>>,
    #[schema(value_type = Option<PrivacySetting>)]
    pub privacy_last_seen: Option<Choice<PrivacySetting>>,
    #[schema(value_type = Option<PrivacySetting>)]
    pub privacy_group_invites: Option<Choice<PrivacySetting>>,
}

/// A §3.7 privacy setting: who may see the avatar or last-seen time, or add the user
/// to groups and channels (`contacts`: the users in the owner's contacts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PrivacySetting {
    Everyone,
    Contacts,
    Nobody,
}

impl From<PrivacySetting> for PrivacyLevel {
    fn from(setting: PrivacySetting) -> Self {
        match setting {
            PrivacySetting::Everyone => Self::Everyone,
            PrivacySetting::Contacts => Self::Contacts,
            PrivacySetting::Nobody => Self::Nobody,
        }
    }
}

impl From<UserProfileUpdate> for ProfileInput {
    fn from(update: UserProfileUpdate) -> Self {
        Self {
            name: update.name,
            username: update.username,
            bio: update.bio,
            avatar_url: update.avatar_url,
            language_code: None,
            allow_private_messages: update.allow_private_messages,
            privacy_avatar: update.privacy_avatar.map(Choice::into_domain),
            privacy_last_seen: update.privacy_last_seen.map(Choice::into_domain),
            privacy_group_invites: update.privacy_group_invites.map(Choice::into_domain),
        }
    }
}
