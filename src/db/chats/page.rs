//! The read path of a chat list: one statement for a page of a user's chats with their
//! memberships and, when asked, the per-viewer counters and the private chats'
//! counterparts; one for the chats' members with, when asked, their users.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use super::{Chat, ChatCursor, ChatKind, Member, Role};
use crate::db::users::{joined_user, PrivacyLevel, User};

/// What a page statement computes beside the rows.
#[derive(Clone, Copy, Debug, Default)]
pub struct PageExtras {
    /// Unread messages and unread mentions of the viewer.
    pub unread: bool,
    /// Members per chat.
    pub member_counts: bool,
    /// The other participant of each private chat.
    pub counterparts: bool,
}

/// One chat of a page, with the viewer's membership and the extras asked for.
pub struct PageRow {
    pub chat: Chat,
    pub member: Member,
    pub cursor: ChatCursor,
    pub unread: Option<(i64, i64)>,
    pub members_count: Option<i64>,
    pub counterpart: Option<User>,
}

struct Flat {
    id: i64,
    public_id: String,
    kind: ChatKind,
    title: Option<String>,
    description: Option<String>,
    avatar_url: Option<String>,
    handle: Option<String>,
    is_public: bool,
    created_by: Option<i64>,
    pair_low_user_id: Option<i64>,
    pair_high_user_id: Option<i64>,
    pinned_message_id: Option<i64>,
    last_message_id: Option<i64>,
    last_message_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    m_id: i64,
    m_user_id: i64,
    m_role: Role,
    m_joined_at: DateTime<Utc>,
    m_archived: bool,
    m_pinned: bool,
    m_pinned_at: DateTime<Utc>,
    m_muted: bool,
    m_last_read: i64,
    m_last_delivered: i64,
    m_cleared_before: i64,
    unread: Option<i64>,
    mentions: Option<i64>,
    members_count: Option<i64>,
    u_id: Option<i64>,
    u_telegram_id: Option<i64>,
    u_email: Option<String>,
    u_email_verified: Option<bool>,
    u_twofa_enabled: Option<bool>,
    u_username: Option<String>,
    u_name: Option<String>,
    u_first_name: Option<String>,
    u_last_name: Option<String>,
    u_language_code: Option<String>,
    u_is_premium: Option<bool>,
    u_bio: Option<String>,
    u_avatar_url: Option<String>,
    u_allow_private_messages: Option<bool>,
    u_privacy_avatar: Option<PrivacyLevel>,
    u_privacy_last_seen: Option<PrivacyLevel>,
    u_privacy_group_invites: Option<PrivacyLevel>,
    u_last_seen_at: Option<DateTime<Utc>>,
    u_created_at: Option<DateTime<Utc>>,
    u_updated_at: Option<DateTime<Utc>>,
}

impl From<Flat> for PageRow {
    fn from(r: Flat) -> Self {
        let cursor = ChatCursor {
            pinned: r.m_pinned,
            pinned_at: r.m_pinned_at,
            last_message_at: r.last_message_at,
            id: r.id,
        };
        let member = Member {
            id: r.m_id,
            chat_id: r.id,
            user_id: r.m_user_id,
            role: r.m_role,
            joined_at: r.m_joined_at,
            archived: r.m_archived,
            pinned: r.m_pinned,
            muted: r.m_muted,
            last_read_message_id: r.m_last_read,
            last_delivered_message_id: r.m_last_delivered,
            cleared_before_message_id: r.m_cleared_before,
        };
        let chat = Chat {
            id: r.id,
            public_id: r.public_id,
            kind: r.kind,
            title: r.title,
            description: r.description,
            avatar_url: r.avatar_url,
            handle: r.handle,
            is_public: r.is_public,
            created_by: r.created_by,
            pair_low_user_id: r.pair_low_user_id,
            pair_high_user_id: r.pair_high_user_id,
            pinned_message_id: r.pinned_message_id,
            last_message_id: r.last_message_id,
            last_message_at: r.last_message_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        };
        let counterpart = joined_user!(r);
        Self {
            chat,
            member,
            cursor,
            unread: r.unread.zip(r.mentions),
            members_count: r.members_count,
            counterpart,
        }
    }
}

/// Where a page starts and which way it goes.
pub struct PageWindow<'a> {
    pub archived: bool,
    /// An escaped `ILIKE` pattern matching titles, handles, the type, and private chats'
    /// counterpart names.
    pub search: Option<&'a str>,
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
/// drop at a high estimated cost (the counterpart-name search is a join, not an `exists`
/// per row); each joined row is a `lateral (... offset 0)` subquery, so the plan probes
/// an index per membership row (never a scan of `chats` or `users`) and an extra not
/// asked for is a one-time filter that probes nothing.
#[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
pub async fn page(
    db: impl PgExecutor<'_>,
    user_id: i64,
    window: &PageWindow<'_>,
    extras: PageExtras,
) -> Result<Vec<PageRow>, sqlx::Error> {
    let mut rows: Vec<PageRow> = sqlx::query_as!(
        Flat,
        r#"with page as (
             select c.*, m.id as m_id, m.user_id as m_user_id, m.role as m_role,
                    m.joined_at as m_joined_at, m.archived as m_archived, m.pinned as m_pinned,
                    coalesce(m.pinned_at, 'epoch'::timestamptz) as m_pinned_at, m.muted as m_muted,
                    m.last_read_message_id as m_last_read, m.cleared_before_message_id as m_cleared_before,
                    m.last_delivered_message_id as m_last_delivered
               from chat_members m
               join lateral (select * from chats where id = m.chat_id offset 0) c on true
               left join lateral (select * from users cu where $3::text is not null and cu.id <> $1
                                     and cu.id = case when c.pair_low_user_id = $1 then c.pair_high_user_id
                                                      else c.pair_low_user_id end offset 0) cu on true
              where m.user_id = $1 and m.archived = $2
                and ($3::text is null
                     or c.title ilike $3 or c.handle ilike $3 or c.type = lower(trim('%' from $3))
                     or cu.name ilike $3 or cu.username ilike $3 or cu.first_name ilike $3 or cu.last_name ilike $3)
                and ($4::boolean is null
                     or (not $9 and (m.pinned, coalesce(m.pinned_at, 'epoch'::timestamptz),
                                     c.last_message_at, c.id) < ($4, $5, $6, $7))
                     or ($9 and (m.pinned, coalesce(m.pinned_at, 'epoch'::timestamptz),
                                 c.last_message_at, c.id) > ($4, $5, $6, $7)))
              order by case when not $9 then m.pinned end desc,
                       case when not $9 then coalesce(m.pinned_at, 'epoch'::timestamptz) end desc,
                       case when not $9 then c.last_message_at end desc,
                       case when not $9 then c.id end desc,
                       case when $9 then m.pinned end,
                       case when $9 then coalesce(m.pinned_at, 'epoch'::timestamptz) end,
                       case when $9 then c.last_message_at end,
                       case when $9 then c.id end
              limit $8)
           select p.id as "id!", p.public_id as "public_id!", p.type as "kind!: ChatKind", p.title,
                  p.description, p.avatar_url, p.handle, p.is_public as "is_public!",
                  p.created_by, p.pair_low_user_id, p.pair_high_user_id, p.pinned_message_id,
                  p.last_message_id, p.last_message_at as "last_message_at!",
                  p.created_at as "created_at!", p.updated_at as "updated_at!",
                  p.m_id as "m_id!", p.m_user_id as "m_user_id!", p.m_role as "m_role!: Role",
                  p.m_joined_at as "m_joined_at!", p.m_archived as "m_archived!",
                  p.m_pinned as "m_pinned!", p.m_pinned_at as "m_pinned_at!",
                  p.m_muted as "m_muted!", p.m_last_read as "m_last_read!",
                  p.m_last_delivered as "m_last_delivered!",
                  p.m_cleared_before as "m_cleared_before!",
                  un.unread, un.mentions,
                  case when $11 then
                    (select count(*) from chat_members cm where cm.chat_id = p.id)
                  end as members_count,
                  u.id as "u_id?", u.telegram_id as "u_telegram_id?", u.email as "u_email?",
                  u.email_verified as "u_email_verified?", u.twofa_enabled as "u_twofa_enabled?",
                  u.username as "u_username?", u.name as "u_name?", u.first_name as "u_first_name?",
                  u.last_name as "u_last_name?", u.language_code as "u_language_code?",
                  u.is_premium as "u_is_premium?", u.bio as "u_bio?", u.avatar_url as "u_avatar_url?",
                  u.allow_private_messages as "u_allow_private_messages?", u.last_seen_at as "u_last_seen_at?",
                  u.privacy_avatar as "u_privacy_avatar?: PrivacyLevel", u.created_at as "u_created_at?",
                  u.privacy_last_seen as "u_privacy_last_seen?: PrivacyLevel", u.updated_at as "u_updated_at?",
                  u.privacy_group_invites as "u_privacy_group_invites?: PrivacyLevel"
             from page p
             left join lateral chat_unread(p.id, $1, greatest(p.m_last_read, p.m_cleared_before)) un on $10
             left join lateral (select * from users u
                                 where $12 and p.type = 'private'
                                   and u.id = case when p.pair_low_user_id = $1
                                                   then p.pair_high_user_id
                                                   else p.pair_low_user_id end
                                offset 0) u on true"#,
        user_id,
        window.archived,
        window.search,
        window.cursor.map(|c| c.pinned),
        window.cursor.map(|c| c.pinned_at),
        window.cursor.map(|c| c.last_message_at),
        window.cursor.map(|c| c.id),
        window.limit,
        window.backward,
        extras.unread,
        extras.member_counts,
        extras.counterparts,
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(PageRow::from)
    .collect();
    in_list_order(&mut rows, window.backward);
    Ok(rows)
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
