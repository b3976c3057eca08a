//! The read path of a chat list: one statement (`page.sql`) for a page of a user's chats
//! with their memberships and, when asked, the per-viewer counters, the private chats'
//! counterparts, the members, and the last messages with their senders; before it, for a
//! search, one for the ids of the chats that match; one for the chats' members with their
//! users, when those are asked.

use sqlx::PgExecutor;

use super::{page_row::Flat, Chat, ChatCursor, ChatKind, Member, MemberSummary, Role};
use crate::db::{
    messages::{MessageKind, MessageRow},
    users::{joined_user, PrivacyLevel, User},
};

/// What a page statement computes beside the rows.
#[derive(Clone, Copy, Debug, Default)]
pub struct PageExtras {
    /// Unread messages and unread mentions of the viewer.
    pub unread: bool,
    /// Members per chat.
    pub member_counts: bool,
    /// The other participant of each private chat.
    pub counterparts: bool,
    /// Each chat's members (without their users): their user ids, oldest first.
    pub members: bool,
    /// With `members`: each member's membership id, role and join time too.
    pub member_details: bool,
    /// Each chat's last message, when the viewer may see it.
    pub last_messages: bool,
    /// The last messages' senders.
    pub last_senders: bool,
}

/// One chat of a page, with the viewer's membership and the extras asked for.
pub struct PageRow {
    pub chat: Chat,
    pub member: Member,
    pub cursor: ChatCursor,
    pub unread: Option<(i64, i64)>,
    pub members_count: Option<i64>,
    pub counterpart: Option<User>,
    pub members: Option<PageMembers>,
    pub last_message: Option<MessageRow>,
}

/// A chat's members as a page read them, oldest first.
pub enum PageMembers {
    /// With their membership ids, roles and join times ([`PageExtras::member_details`]).
    Summaries(Vec<MemberSummary>),
    /// Their user ids only.
    UserIds(Vec<i64>),
}

/// Where a page starts and which way it goes.
pub struct PageWindow<'a> {
    pub archived: bool,
    /// Only these chats (the ones a search matched, see [`matching`]).
    pub only: Option<&'a [i64]>,
    pub cursor: Option<&'a ChatCursor>,
    /// The chats before `cursor`, nearest first (the caller reverses them).
    pub backward: bool,
    pub limit: i64,
}

/// One page of `user_id`'s chat list, in list order (pinned first, most recently pinned
/// first, then by last activity; with `backward`, the reverse). Driven by the user's
/// memberships (`chat_members_user_idx`), so its cost does not grow with the number of
/// chats on the server; the extras are computed for the page's rows only.
///
/// Written so Postgres keeps one generic plan for it (planning this statement cost more
/// than running it: 0.42 vs 0.32 ms): no optional clause that only a custom plan could
/// drop at a high estimated cost; each joined row is a `lateral (... offset 0)` subquery,
/// so the plan probes an index per membership row (never a scan of `chats` or `users`)
/// and an extra not asked for is a one-time filter that probes nothing. Postgres builds
/// the plan's executor state on every execution, so every node and expression costs even
/// when its flag is off: the search (a join on the counterparts) is its own statement,
/// [`matching`], and the members are the four columns member lists show.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn page(
    db: impl PgExecutor<'_>,
    user_id: i64,
    window: &PageWindow<'_>,
    extras: PageExtras,
) -> Result<Vec<PageRow>, sqlx::Error> {
    if window.only.is_some_and(<[i64]>::is_empty) {
        // A search that matched none of the user's chats: no page to read.
        return Ok(Vec::new());
    }
    let mut rows: Vec<PageRow> = sqlx::query_file_as!(
        Flat,
        "src/db/chats/page.sql",
        user_id,
        window.archived,
        window.only,
        window.cursor.map(|c| c.pinned),
        window.cursor.map(|c| c.pinned_at),
        window.cursor.map(|c| c.last_message_at),
        window.cursor.map(|c| c.id),
        window.limit,
        window.backward,
        extras.unread,
        extras.member_counts,
        extras.counterparts,
        extras.members,
        extras.last_messages,
        extras.last_senders,
        extras.member_details,
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(PageRow::from)
    .collect();
    in_list_order(&mut rows, window.backward);
    Ok(rows)
}

/// The ids of `user_id`'s chats (archived or not, as `archived`) whose title, handle or
/// type, or whose private counterpart's name or username, matches `pattern` (an escaped
/// `ILIKE` pattern). Driven by the user's memberships, like [`page`].
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn matching(
    db: impl PgExecutor<'_>,
    user_id: i64,
    archived: bool,
    pattern: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select m.chat_id as "chat_id!"
             from chat_members m
             join chats c on c.id = m.chat_id
             left join users cu
               on cu.id <> $1
              and cu.id = case when c.pair_low_user_id = $1 then c.pair_high_user_id
                               else c.pair_low_user_id end
            where m.user_id = $1 and m.archived = $2
              and (c.title ilike $3 or c.handle ilike $3 or c.type = lower(trim('%' from $3))
                   or cu.name ilike $3 or cu.username ilike $3
                   or cu.first_name ilike $3 or cu.last_name ilike $3)"#,
        user_id,
        archived,
        pattern,
    )
    .fetch_all(db)
    .await
}

/// The statement's outer scan keeps no order of its own: puts the page back in list
/// order (nearest the cursor first).
fn in_list_order(rows: &mut [PageRow], backward: bool) {
    let key = |r: &PageRow| {
        let c = &r.cursor;
        (c.pinned, c.pinned_at, c.last_message_at, c.id)
    };
    if backward {
        rows.sort_by_key(key);
    } else {
        rows.sort_by_key(|r| std::cmp::Reverse(key(r)));
    }
}

/// One member of a chat with, when asked, their user.
pub struct MemberRow {
    pub member: Member,
    pub user: Option<User>,
}

/// The members of `chat_ids`, oldest first per chat, each with their user when
/// `with_users`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn members_with_users(
    db: impl PgExecutor<'_>,
    chat_ids: &[i64],
    with_users: bool,
) -> Result<Vec<MemberRow>, sqlx::Error> {
    // Two statements rather than one with a flag: Postgres keeps one generic plan per
    // statement, and with the flag that plan joins every member's user (a hash of `users`
    // here) even when no user is asked for.
    if !with_users {
        let members = super::members_in(db, chat_ids).await?;
        return Ok(members
            .into_iter()
            .map(|member| MemberRow { member, user: None })
            .collect());
    }
    let rows = sqlx::query!(
        r#"select m.id, m.chat_id, m.user_id, m.role as "role: Role", m.joined_at, m.archived,
                  m.pinned, m.muted, m.last_read_message_id, m.last_delivered_message_id,
                  m.cleared_before_message_id,
                  u.id as "u_id?", u.telegram_id as "u_telegram_id?", u.email as "u_email?",
                  u.email_verified as "u_email_verified?", u.twofa_enabled as "u_twofa_enabled?",
                  u.username as "u_username?", u.name as "u_name?",
                  u.first_name as "u_first_name?", u.last_name as "u_last_name?",
                  u.language_code as "u_language_code?", u.is_premium as "u_is_premium?",
                  u.bio as "u_bio?", u.avatar_url as "u_avatar_url?",
                  u.allow_private_messages as "u_allow_private_messages?",
                  u.privacy_avatar as "u_privacy_avatar?: PrivacyLevel",
                  u.privacy_last_seen as "u_privacy_last_seen?: PrivacyLevel",
                  u.privacy_group_invites as "u_privacy_group_invites?: PrivacyLevel",
                  u.last_seen_at as "u_last_seen_at?", u.created_at as "u_created_at?",
                  u.updated_at as "u_updated_at?"
             from chat_members m
             left join users u on u.id = m.user_id
            where m.chat_id = any($1)
            order by m.chat_id, m.joined_at, m.id"#,
        chat_ids,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MemberRow {
            user: joined_user!(r),
            member: Member {
                id: r.id,
                chat_id: r.chat_id,
                user_id: r.user_id,
                role: r.role,
                joined_at: r.joined_at,
                archived: r.archived,
                pinned: r.pinned,
                muted: r.muted,
                last_read_message_id: r.last_read_message_id,
                last_delivered_message_id: r.last_delivered_message_id,
                cleared_before_message_id: r.cleared_before_message_id,
            },
        })
        .collect())
}
