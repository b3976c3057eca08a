//! The one visibility rule (messenger-rest-api.md §3.7): what a user's privacy setting
//! (`privacy_avatar`, `privacy_last_seen`, `privacy_group_invites`) lets another user
//! see or do. Every path that shows an avatar, last seen or online status, or checks a
//! group invite, asks here. It fails closed: a contacts lookup that fails counts as
//! "not a contact".

use std::collections::HashMap;

use tokio::sync::OnceCell;

use super::Domain;

pub use crate::db::users::PrivacyLevel;

/// Whether `viewer` may see (or do) what `owner`'s `setting` guards. The owner always
/// sees their own; `owner_has_viewer_as_contact` is asked only for `contacts`.
pub async fn admits<F, Fut>(
    setting: PrivacyLevel,
    owner: i64,
    viewer: Option<i64>,
    owner_has_viewer_as_contact: F,
) -> bool
where
    F: FnOnce(i64) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    match (viewer, setting) {
        (Some(v), _) if v == owner => true,
        (_, PrivacyLevel::Everyone) => true,
        (Some(v), PrivacyLevel::Contacts) => owner_has_viewer_as_contact(v).await,
        _ => false,
    }
}

/// What `viewer` may see of a page's users (`owners`): asks who has the viewer in their
/// contacts once for the whole page, and only if some `contacts` setting needs it.
pub struct Audience<'a> {
    domain: &'a Domain,
    viewer: i64,
    owners: Vec<i64>,
    contact_of: OnceCell<HashMap<i64, bool>>,
}

impl<'a> Audience<'a> {
    pub fn new(domain: &'a Domain, viewer: i64, owners: Vec<i64>) -> Self {
        Self {
            domain,
            viewer,
            owners,
            contact_of: OnceCell::new(),
        }
    }

    async fn has_viewer_as_contact(&self, owner: i64) -> bool {
        let map = self
            .contact_of
            .get_or_init(|| async {
                self.domain
                    .users()
                    .contact_of(self.viewer, &self.owners)
                    .await
                    .unwrap_or_else(|error| {
                        error.log();
                        HashMap::new()
                    })
            })
            .await;
        map.get(&owner).copied().unwrap_or(false)
    }

    /// Whether the viewer may see what `owner`'s `setting` guards.
    pub async fn sees(&self, owner: i64, setting: PrivacyLevel) -> bool {
        admits(setting, owner, Some(self.viewer), |_| {
            self.has_viewer_as_contact(owner)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn check(setting: PrivacyLevel, owner: i64, viewer: Option<i64>, contact: bool) -> bool {
        admits(setting, owner, viewer, |_| async move { contact }).await
    }

    #[tokio::test]
    async fn the_rule_fails_closed() {
        use PrivacyLevel::{Contacts, Everyone, Nobody};
        assert!(check(Everyone, 1, None, false).await);
        assert!(
            check(Nobody, 1, Some(1), false).await,
            "the owner sees their own"
        );
        assert!(check(Contacts, 1, Some(2), true).await);
        assert!(!check(Contacts, 1, Some(2), false).await);
        assert!(
            !check(Contacts, 1, None, true).await,
            "anonymous is no contact"
        );
        assert!(!check(Nobody, 1, Some(2), true).await);
        assert_eq!(
            PrivacyLevel::default(),
            Nobody,
            "a user row built in memory admits no one"
        );
    }
}
