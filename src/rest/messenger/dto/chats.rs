//! §3.3 and §7: chats as a member sees them, members, settings, invites.

use serde::{Deserialize, Serialize};

use super::{patch, Timestamp};
use crate::{
    db::chats::Member,
    domain::chats::{admin::InviteLink, admin::Role, Chat, ChatKind},
};

/// The seed's `ChatType`: `private`, `group` or `channel`. The saved-messages chat is a
/// private chat with `is_saved: true` (the seed's enum has no fourth value).
pub fn chat_type(chat: &Chat) -> &'static str {
    match ChatKind::of(chat) {
        ChatKind::Group => "group",
        ChatKind::Channel => "channel",
        ChatKind::Private | ChatKind::Saved => "private",
    }
}

/// `ChatRead`: the chat and the caller's facts about it.
#[derive(Serialize)]
pub struct ChatRead {
    pub id: i64,
    pub public_id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: Option<String>,
    pub avatar_url: Option<String>,
    pub display_title: String,
    pub handle: Option<String>,
    pub description: Option<String>,
    pub is_public: bool,
    pub is_saved: bool,
    pub archived: bool,
    pub pinned: bool,
    pub unread_count: i64,
    pub unread_mentions_count: i64,
    pub pinned_message_id: Option<i64>,
    pub members_count: i64,
    pub online_count: i64,
    pub subscribers_count: Option<i64>,
    pub counterpart_user_id: Option<i64>,
    pub counterpart_name: Option<String>,
    pub counterpart_username: Option<String>,
    pub counterpart_avatar_url: Option<String>,
    pub counterpart_is_online: bool,
    pub counterpart_last_seen_at: Option<Timestamp>,
    pub last_message_text: Option<String>,
    pub last_message_type: Option<String>,
    pub last_message_created_at: Option<Timestamp>,
    pub my_role: String,
    pub created_at: Timestamp,
}

/// `ChatDetailRead`: `ChatRead` plus its members.
#[derive(Serialize)]
pub struct ChatDetailRead {
    #[serde(flatten)]
    pub chat: ChatRead,
    pub members: Vec<ChatMemberRead>,
}

/// `ChatMemberRead` (the member item of `ChatDetailRead`).
#[derive(Serialize)]
pub struct ChatMemberRead {
    pub id: i64,
    pub user_id: i64,
    pub role: String,
    pub joined_at: Timestamp,
}

impl From<Member> for ChatMemberRead {
    fn from(member: Member) -> Self {
        Self {
            id: member.id,
            user_id: member.user_id,
            role: member.role,
            joined_at: member.joined_at.into(),
        }
    }
}

/// `ChatDiscoverRead` (named, not spelled out, by the seed): a public group or channel
/// the caller has not joined.
#[derive(Serialize)]
pub struct ChatDiscoverRead {
    pub id: i64,
    pub public_id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: Option<String>,
    pub handle: Option<String>,
    pub description: Option<String>,
    pub avatar_url: Option<String>,
    pub is_public: bool,
    pub members_count: i64,
}

impl ChatDiscoverRead {
    pub fn new(chat: Chat, members_count: i64) -> Self {
        Self {
            id: chat.id,
            kind: chat_type(&chat),
            public_id: chat.public_id,
            title: chat.title,
            handle: chat.handle,
            description: chat.description,
            avatar_url: chat.avatar_url,
            is_public: chat.is_public,
            members_count,
        }
    }
}

/// `ChatCreateRequest`.
#[derive(Deserialize)]
pub struct ChatCreateRequest {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: Option<String>,
    pub handle: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub is_public: bool,
    #[serde(default)]
    pub member_ids: Vec<i64>,
}

/// `PATCH /chats/{id}/title` body.
#[derive(Deserialize)]
pub struct ChatTitleUpdate {
    pub title: String,
}

/// `PATCH /chats/{id}/profile` body: all optional; `null` clears description or avatar.
#[derive(Deserialize)]
pub struct ChatProfileUpdate {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "patch")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch")]
    pub avatar_url: Option<Option<String>>,
}

/// `POST /chats/{id}/members` body.
#[derive(Deserialize)]
pub struct ChatMemberAdd {
    pub user_id: i64,
}

/// `ChatMemberRole`.
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    Owner,
    Admin,
    Member,
}

impl From<RoleName> for Role {
    fn from(role: RoleName) -> Self {
        match role {
            RoleName::Owner => Role::Owner,
            RoleName::Admin => Role::Admin,
            RoleName::Member => Role::Member,
        }
    }
}

/// `PATCH /chats/{id}/members/{user_id}/role` body.
#[derive(Deserialize)]
pub struct ChatMemberRoleUpdate {
    pub role: RoleName,
}

/// `POST /chats/{id}/pin` body: a message id, or `null` (or nothing) to unpin.
#[derive(Deserialize)]
pub struct PinRequest {
    #[serde(default)]
    pub message_id: Option<i64>,
}

/// `PUT /chats/{id}/notifications` body.
#[derive(Deserialize)]
pub struct MutedUpdate {
    pub muted: bool,
}

/// `ChatNotificationSettingsRead`.
#[derive(Serialize)]
pub struct ChatNotificationSettingsRead {
    pub chat_id: i64,
    pub user_id: i64,
    pub muted: bool,
}

impl From<&Member> for ChatNotificationSettingsRead {
    fn from(member: &Member) -> Self {
        Self {
            chat_id: member.chat_id,
            user_id: member.user_id,
            muted: member.muted,
        }
    }
}

/// `POST /chats/{id}/invite-link` response.
#[derive(Serialize)]
pub struct InviteLinkRead {
    pub chat_id: i64,
    pub token: String,
    pub invite_url: String,
}

impl From<InviteLink> for InviteLinkRead {
    fn from(link: InviteLink) -> Self {
        Self {
            chat_id: link.chat_id,
            token: link.token,
            invite_url: link.invite_url,
        }
    }
}
