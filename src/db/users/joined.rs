//! Users read in the same statement as the rows that name them.

/// The [`User`](super::User) of a read-path row that joins `users u` (left join) and
/// selects its API columns as `u_<field>`, each nullable (`"u_<field>?"`): `None` when
/// the join found no user. When `u_id` is present the row is there and its not-null columns are too, so the
/// defaults below never apply.
///
/// Why columns and not one `jsonb` per user: building a 20-key `jsonb` object costs
/// Postgres about 5 µs per user and the gateway a JSON parse, where plain columns cost
/// neither (a chat list's last messages with senders: 0.41 → 0.10 ms of statement time,
/// bench/README.md).
macro_rules! joined_user {
    ($r:ident) => {
        $r.u_id.map(|id| $crate::db::users::User {
            id,
            telegram_id: $r.u_telegram_id,
            email: $r.u_email,
            email_verified: $r.u_email_verified.unwrap_or_default(),
            twofa_enabled: $r.u_twofa_enabled.unwrap_or_default(),
            username: $r.u_username,
            name: $r.u_name,
            first_name: $r.u_first_name,
            last_name: $r.u_last_name,
            language_code: $r.u_language_code.unwrap_or_default(),
            is_premium: $r.u_is_premium.unwrap_or_default(),
            bio: $r.u_bio,
            avatar_url: $r.u_avatar_url,
            allow_private_messages: $r.u_allow_private_messages.unwrap_or_default(),
            privacy_avatar: $r.u_privacy_avatar.unwrap_or_default(),
            privacy_last_seen: $r.u_privacy_last_seen.unwrap_or_default(),
            privacy_group_invites: $r.u_privacy_group_invites.unwrap_or_default(),
            last_seen_at: $r.u_last_seen_at,
            created_at: $r.u_created_at.unwrap_or_default(),
            updated_at: $r.u_updated_at.unwrap_or_default(),
        })
    };
}
pub(crate) use joined_user;
