//! Users: profiles and the rules about who sees what of them.

use std::collections::HashMap;

use super::UnknownValue;
use super::{auth::KnownCaller, validation::Checks, visibility::Audience, Domain, Principal};
use crate::db::users::ProfilePatch;
use crate::error::{AppError, AppResult};
use crate::realtime::{hub::Delivery, topics, Event};

pub use super::visibility::PrivacyLevel;
pub use super::MAX_PAGE;
pub use crate::db::users::User;

impl User {
    /// The profile as anyone may see it (what events carry).
    pub fn public(&self) -> User {
        User {
            email: None,
            ..self.clone()
        }
    }

    /// A user's email is visible to that user only.
    pub fn email_for(&self, viewer: Option<i64>) -> Option<&str> {
        (viewer == Some(self.id))
            .then_some(self.email.as_deref())
            .flatten()
    }

    /// Whether `viewer` may see a field guarded by `setting` (messenger-rest-api.md
    /// §3.7). `viewer_is_contact` is asked only for `Contacts`: whether this user has the
    /// viewer in their contacts.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn shows<F, Fut>(
        &self,
        setting: PrivacyLevel,
        viewer: Option<i64>,
        viewer_is_contact: F,
    ) -> bool
    where
        F: FnOnce(i64) -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        super::visibility::admits(setting, self.id, viewer, viewer_is_contact).await
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

/// What `updateProfile` may change: `None` keeps a field, `Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct ProfileInput {
    pub name: Option<Option<String>>,
    pub username: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub avatar_url: Option<Option<String>>,
    pub language_code: Option<String>,
    pub allow_private_messages: Option<bool>,
    /// The privacy settings as the request named them; `Err` (text that is no
    /// privacy level) is reported with the input's other faults.
    pub privacy_avatar: Option<Result<PrivacyLevel, UnknownValue>>,
    pub privacy_last_seen: Option<Result<PrivacyLevel, UnknownValue>>,
    pub privacy_group_invites: Option<Result<PrivacyLevel, UnknownValue>>,
}

/// What `userEvents` reports.
#[derive(Clone, Debug)]
pub enum UserChange {
    Profile(Box<User>),
    Presence {
        user_id: i64,
        online: bool,
        last_seen_at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// How many users one profile watch may follow.
pub const MAX_WATCHED_USERS: usize = 200;

pub struct UserService<'a>(pub(super) &'a Domain);

impl UserService<'_> {
    /// `me`: the caller's own profile.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn me(&self, principal: &Principal) -> AppResult<User> {
        crate::db::users::find_by_id(self.0.db().exec(), principal.user_id)
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))
    }

    /// `me` of a caller whose row authentication may have read already, in this request
    /// (seed 000's `GET /api/users/me` with initData: one statement in all).
    pub async fn me_known(&self, caller: KnownCaller) -> AppResult<User> {
        match caller.user {
            Some(user) => Ok(user),
            None => self.me(&caller.principal).await,
        }
    }

    /// A profile by id (REST `GET /users/{user_id}`); profiles are public.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
    pub async fn get(&self, user_id: i64) -> AppResult<User> {
        crate::db::users::find_by_id(self.0.db().exec(), user_id)
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))
    }

    /// Batch load for DataLoaders and lists: one statement for any number of ids.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn load_many(&self, ids: &[i64]) -> AppResult<HashMap<i64, User>> {
        Ok(crate::db::users::find_many(self.0.db().exec(), ids).await?)
    }

    /// `searchUsers` (messenger-rest-api.md §6 `GET /users/search`): by username, name or
    /// exact email; a query shorter than two characters after an optional leading `@`
    /// finds nobody.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn search(
        &self,
        _caller: &Principal,
        query: &str,
        limit: i64,
    ) -> AppResult<Vec<User>> {
        let limit = super::page_size(limit)?;
        let query = query.trim();
        let query = query.strip_prefix('@').unwrap_or(query).trim();
        if query.chars().count() < 2 {
            return Ok(Vec::new());
        }
        let pattern = super::like_pattern(query);
        Ok(crate::db::users::search(self.0.db().exec(), &pattern, query, limit).await?)
    }

    /// `userEvents`: a live stream of the given users' profile and presence changes.
    /// Profiles are public, so any signed-in user may watch up to
    /// [`MAX_WATCHED_USERS`] of them; presence reaches only viewers the user's
    /// `privacy_last_seen` admits.
    pub fn watch(
        &self,
        caller: &Principal,
        user_ids: &[i64],
    ) -> AppResult<impl futures_util::Stream<Item = UserChange> + Send + 'static> {
        use futures_util::StreamExt;
        if user_ids.len() > MAX_WATCHED_USERS {
            return Err(AppError::invalid(
                "userIds",
                format!("at most {MAX_WATCHED_USERS} users"),
            ));
        }
        let bus = self.0.bus();
        let streams = user_ids.iter().map(|id| bus.subscribe(&topics::user(*id)));
        let domain = self.0.clone();
        let viewer = caller.user_id;
        Ok(
            futures_util::stream::select_all(streams).filter_map(move |delivery| {
                let domain = domain.clone();
                async move {
                    let Delivery::Event(envelope) = delivery else {
                        // Profiles are state, not history: the next change carries it all.
                        return None;
                    };
                    match &envelope.event {
                        Event::UserUpdated { user } => Some(UserChange::Profile(user.clone())),
                        Event::Presence {
                            user_id,
                            online,
                            last_seen_at,
                            privacy_last_seen,
                        } => {
                            let audience = Audience::new(&domain, viewer, vec![*user_id]);
                            let visible = audience.sees(*user_id, *privacy_last_seen).await;
                            visible.then_some(UserChange::Presence {
                                user_id: *user_id,
                                online: *online,
                                last_seen_at: *last_seen_at,
                            })
                        }
                        _ => None,
                    }
                }
            }),
        )
    }

    /// `updateProfile` (messenger-rest-api.md `PUT /users/profile`, miniapp `PATCH
    /// /users/me`): every given field is checked, all failures reported at once.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn update_profile(&self, caller: &Principal, input: ProfileInput) -> AppResult<User> {
        let mut checks = Checks::default();
        let patch = ProfilePatch {
            name: input.name.map(|n| n.map(|n| checks.text("name", &n, 256))),
            username: input
                .username
                .map(|u| u.map(|u| checks.username("username", &u))),
            bio: input.bio.map(|b| {
                b.map(|b| checks.text("bio", &b, 500))
                    .filter(|b| !b.is_empty())
            }),
            avatar_url: input
                .avatar_url
                .map(|a| a.map(|a| checks.url("avatarUrl", &a))),
            language_code: input
                .language_code
                .map(|l| checks.language_code("languageCode", &l)),
            allow_private_messages: input.allow_private_messages,
            privacy_avatar: input
                .privacy_avatar
                .map(|p| privacy(&mut checks, "privacyAvatar", p)),
            privacy_last_seen: input
                .privacy_last_seen
                .map(|p| privacy(&mut checks, "privacyLastSeen", p)),
            privacy_group_invites: input
                .privacy_group_invites
                .map(|p| privacy(&mut checks, "privacyGroupInvites", p)),
        };
        checks.finish()?;
        let user =
            crate::db::users::update_profile(self.0.db().exec(), caller.user_id, &patch).await?;
        let event = Event::UserUpdated {
            user: Box::new(user.public()),
        };
        self.0.bus().publish(&topics::user(user.id), event).await;
        Ok(user)
    }

    /// Batch for loaders: of `owners`, those who have `viewer` in their contacts.
    #[tracing::instrument(level = "debug", skip_all, fields(viewer = viewer))]
    pub async fn contact_of(&self, viewer: i64, owners: &[i64]) -> AppResult<HashMap<i64, bool>> {
        let having =
            crate::db::relations::having_contact(self.0.db().exec(), owners, viewer).await?;
        Ok(owners.iter().map(|o| (*o, having.contains(o))).collect())
    }

    /// A user by Telegram id (seed 000 `GET /api/users/{telegram_id}`).
    #[tracing::instrument(level = "debug", skip_all, fields(telegram_id = telegram_id))]
    pub async fn by_telegram_id(&self, telegram_id: i64) -> AppResult<User> {
        crate::db::users::find_by_telegram_id(self.0.db().exec(), telegram_id)
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))
    }
}

fn privacy(
    checks: &mut Checks,
    field: &str,
    value: Result<PrivacyLevel, UnknownValue>,
) -> PrivacyLevel {
    value.unwrap_or_else(|_| {
        checks.fail(field, "must be everyone, contacts or nobody");
        PrivacyLevel::Nobody // never stored: `finish` fails
    })
}
