//! The row of the chat list's page statement (`page.sql`) and how it becomes a
//! [`PageRow`]: the chat, the viewer's membership, and the extras asked for.

use chrono::{DateTime, Utc};

use super::{Chat, ChatCursor, ChatKind, Member, MemberSummary, PageMembers, PageRow, Role};
use crate::db::{
    messages::{Message, MessageKind, MessageRow},
    users::{joined_user, PrivacyLevel},
};

/// A row of `page.sql` as it comes: the page's columns side by side.
pub(super) struct Flat {
    pub(super) id: i64,
    pub(super) public_id: String,
    pub(super) kind: ChatKind,
    pub(super) title: Option<String>,
    pub(super) description: Option<String>,
    pub(super) avatar_url: Option<String>,
    pub(super) handle: Option<String>,
    pub(super) is_public: bool,
    pub(super) created_by: Option<i64>,
    pub(super) pair_low_user_id: Option<i64>,
    pub(super) pair_high_user_id: Option<i64>,
    pub(super) pinned_message_id: Option<i64>,
    pub(super) last_message_id: Option<i64>,
    pub(super) last_message_at: DateTime<Utc>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) m_id: i64,
    pub(super) m_user_id: i64,
    pub(super) m_role: Role,
    pub(super) m_joined_at: DateTime<Utc>,
    pub(super) m_archived: bool,
    pub(super) m_pinned: bool,
    pub(super) m_pinned_at: DateTime<Utc>,
    pub(super) m_muted: bool,
    pub(super) m_last_read: i64,
    pub(super) m_last_delivered: i64,
    pub(super) m_cleared_before: i64,
    pub(super) unread: Option<i64>,
    pub(super) mentions: Option<i64>,
    pub(super) members_count: Option<i64>,
    pub(super) u_id: Option<i64>,
    pub(super) u_telegram_id: Option<i64>,
    pub(super) u_email: Option<String>,
    pub(super) u_email_verified: Option<bool>,
    pub(super) u_twofa_enabled: Option<bool>,
    pub(super) u_username: Option<String>,
    pub(super) u_name: Option<String>,
    pub(super) u_first_name: Option<String>,
    pub(super) u_last_name: Option<String>,
    pub(super) u_language_code: Option<String>,
    pub(super) u_is_premium: Option<bool>,
    pub(super) u_bio: Option<String>,
    pub(super) u_avatar_url: Option<String>,
    pub(super) u_allow_private_messages: Option<bool>,
    pub(super) u_privacy_avatar: Option<PrivacyLevel>,
    pub(super) u_privacy_last_seen: Option<PrivacyLevel>,
    pub(super) u_privacy_group_invites: Option<PrivacyLevel>,
    pub(super) u_last_seen_at: Option<DateTime<Utc>>,
    pub(super) u_created_at: Option<DateTime<Utc>>,
    pub(super) u_updated_at: Option<DateTime<Utc>>,
    pub(super) mm_ids: Option<Vec<i64>>,
    pub(super) mm_user_ids: Option<Vec<i64>>,
    pub(super) mm_roles: Option<Vec<Role>>,
    pub(super) mm_joined: Option<Vec<DateTime<Utc>>>,
    pub(super) lm_id: Option<i64>,
    pub(super) lm_sender_id: Option<i64>,
    pub(super) lm_kind: Option<MessageKind>,
    pub(super) lm_text: Option<String>,
    pub(super) lm_reply_to: Option<i64>,
    pub(super) lm_forwarded_from_message: Option<i64>,
    pub(super) lm_forwarded_from_user: Option<i64>,
    pub(super) lm_client_message_id: Option<String>,
    pub(super) lm_edited_at: Option<DateTime<Utc>>,
    pub(super) lm_deleted_at: Option<DateTime<Utc>>,
    pub(super) lm_created_at: Option<DateTime<Utc>>,
    pub(super) lm_updated_at: Option<DateTime<Utc>>,
    pub(super) s_id: Option<i64>,
    pub(super) s_telegram_id: Option<i64>,
    pub(super) s_email: Option<String>,
    pub(super) s_email_verified: Option<bool>,
    pub(super) s_twofa_enabled: Option<bool>,
    pub(super) s_username: Option<String>,
    pub(super) s_name: Option<String>,
    pub(super) s_first_name: Option<String>,
    pub(super) s_last_name: Option<String>,
    pub(super) s_language_code: Option<String>,
    pub(super) s_is_premium: Option<bool>,
    pub(super) s_bio: Option<String>,
    pub(super) s_avatar_url: Option<String>,
    pub(super) s_allow_private_messages: Option<bool>,
    pub(super) s_privacy_avatar: Option<PrivacyLevel>,
    pub(super) s_privacy_last_seen: Option<PrivacyLevel>,
    pub(super) s_privacy_group_invites: Option<PrivacyLevel>,
    pub(super) s_last_seen_at: Option<DateTime<Utc>>,
    pub(super) s_created_at: Option<DateTime<Utc>>,
    pub(super) s_updated_at: Option<DateTime<Utc>>,
}

impl From<Flat> for PageRow {
    fn from(mut r: Flat) -> Self {
        let members = page_members(&mut r);
        let last_message = last_message(&mut r).map(|message| MessageRow {
            message,
            sender: joined_user!(r, s),
        });
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
            members,
            last_message,
        }
    }
}

/// The last message of a row's chat, when it was asked for and the viewer may see it.
fn last_message(r: &mut Flat) -> Option<Message> {
    Some(Message {
        id: r.lm_id?,
        chat_id: r.id,
        sender_id: r.lm_sender_id?,
        kind: r.lm_kind?,
        text: r.lm_text.take(),
        reply_to_message_id: r.lm_reply_to,
        forwarded_from_message_id: r.lm_forwarded_from_message,
        forwarded_from_user_id: r.lm_forwarded_from_user,
        client_message_id: r.lm_client_message_id.take(),
        edited_at: r.lm_edited_at,
        deleted_at: r.lm_deleted_at,
        created_at: r.lm_created_at?,
        updated_at: r.lm_updated_at?,
    })
}

/// A chat's members as the statement aggregates them: one array per column, all from
/// the same rows in the same order (oldest first, from `chat_members_in_order_idx`).
struct MemberColumns {
    ids: Vec<i64>,
    user_ids: Vec<i64>,
    roles: Vec<Role>,
    joined: Vec<DateTime<Utc>>,
}

/// A row's members when they were asked for: with their details when those were asked
/// for too, else their user ids.
fn page_members(r: &mut Flat) -> Option<PageMembers> {
    let user_ids = r.mm_user_ids.take()?;
    Some(
        match (r.mm_ids.take(), r.mm_roles.take(), r.mm_joined.take()) {
            (Some(ids), Some(roles), Some(joined)) => PageMembers::Summaries(
                MemberColumns {
                    ids,
                    user_ids,
                    roles,
                    joined,
                }
                .into_members(r.id),
            ),
            _ => PageMembers::UserIds(user_ids),
        },
    )
}

impl MemberColumns {
    /// The members of `chat_id`, in the statement's order (oldest first).
    fn into_members(self, chat_id: i64) -> Vec<MemberSummary> {
        let n = [self.user_ids.len(), self.roles.len(), self.joined.len()]
            .into_iter()
            .fold(self.ids.len(), usize::min);
        (0..n)
            .map(|i| MemberSummary {
                id: self.ids[i],
                chat_id,
                user_id: self.user_ids[i],
                role: self.roles[i],
                joined_at: self.joined[i],
            })
            .collect()
    }
}
