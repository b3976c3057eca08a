//! Users read in the same statement as the rows that name them.

/// The [`User`](super::User) of a read-path row that joins `users u` (left join) and
/// selects its API columns as `u_<field>`, each nullable (`"u_<field>?"`): `None` when
/// the join found no user. When `u_id` is present the row is there and its not-null
/// columns are too, so the defaults below never apply. `joined_user!(r, s)` reads a
/// second user of the same row, selected as `s_<field>`.
///
/// Why columns and not one `jsonb` per user: building a 20-key `jsonb` object costs
/// Postgres about 5 µs per user and the gateway a JSON parse, where plain columns cost
/// neither (a chat list's last messages with senders: 0.41 → 0.10 ms of statement time,
/// bench/README.md).
macro_rules! joined_user {
    ($r:ident) => {
        $crate::db::users::joined_user!(@ $r; u_id, u_telegram_id, u_email, u_email_verified,
            u_twofa_enabled, u_username, u_name, u_first_name, u_last_name, u_language_code,
            u_is_premium, u_bio, u_avatar_url, u_allow_private_messages, u_privacy_avatar,
            u_privacy_last_seen, u_privacy_group_invites, u_last_seen_at, u_created_at,
            u_updated_at)
    };
    // A second user of the same row, selected as `s_<field>`.
    ($r:ident, s) => {
        $crate::db::users::joined_user!(@ $r; s_id, s_telegram_id, s_email, s_email_verified,
            s_twofa_enabled, s_username, s_name, s_first_name, s_last_name, s_language_code,
            s_is_premium, s_bio, s_avatar_url, s_allow_private_messages, s_privacy_avatar,
            s_privacy_last_seen, s_privacy_group_invites, s_last_seen_at, s_created_at,
            s_updated_at)
    };
    (@ $r:ident; $id:ident, $telegram_id:ident, $email:ident, $email_verified:ident,
        $twofa_enabled:ident, $username:ident, $name:ident, $first_name:ident,
        $last_name:ident, $language_code:ident, $is_premium:ident, $bio:ident,
        $avatar_url:ident, $allow_private_messages:ident, $privacy_avatar:ident,
        $privacy_last_seen:ident, $privacy_group_invites:ident, $last_seen_at:ident,
        $created_at:ident, $updated_at:ident) => {
        $r.$id.map(|id| $crate::db::users::User {
            id,
            telegram_id: $r.$telegram_id,
            email: $r.$email,
            email_verified: $r.$email_verified.unwrap_or_default(),
            twofa_enabled: $r.$twofa_enabled.unwrap_or_default(),
            username: $r.$username,
            name: $r.$name,
            first_name: $r.$first_name,
            last_name: $r.$last_name,
            language_code: $r.$language_code.unwrap_or_default(),
            is_premium: $r.$is_premium.unwrap_or_default(),
            bio: $r.$bio,
            avatar_url: $r.$avatar_url,
            allow_private_messages: $r.$allow_private_messages.unwrap_or_default(),
            privacy_avatar: $r.$privacy_avatar.unwrap_or_default(),
            privacy_last_seen: $r.$privacy_last_seen.unwrap_or_default(),
            privacy_group_invites: $r.$privacy_group_invites.unwrap_or_default(),
            last_seen_at: $r.$last_seen_at,
            created_at: $r.$created_at.unwrap_or_default(),
            updated_at: $r.$updated_at.unwrap_or_default(),
        })
    };
}
pub(crate) use joined_user;
