//! §3.3 and §7: chats as a member sees them, members, settings, invites.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{patch, Choice, MessageType, Timestamp};
use crate::domain::chats::{admin::InviteLink, Chat, ChatKind, Member, MemberSummary, Role};

/// The seed's `ChatType` of a chat (see [`ChatType`]'s `From<ChatKind>`).
pub fn chat_type(chat: &Chat) -> ChatType {
    chat.kind.into()
}

/// The seed's `ChatType` as the document names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChatType {
    Private,
    Group,
    Channel,
}

/// The saved-messages chat is a private chat with `is_saved: true` (the seed's enum has
/// no fourth value).
impl From<ChatKind> for ChatType {
    fn from(kind: ChatKind) -> Self {
        match kind {
            ChatKind::Group => Self::Group,
            ChatKind::Channel => Self::Channel,
            ChatKind::Private | ChatKind::Saved => Self::Private,
        }
    }
}

impl From<ChatType> for ChatKind {
    fn from(kind: ChatType) -> Self {
        match kind {
            ChatType::Private => Self::Private,
            ChatType::Group => Self::Group,
            ChatType::Channel => Self::Channel,
        }
    }
}

/// `ChatRead`: the chat and the caller's facts about it.
#[derive(Serialize, ToSchema)]
pub struct ChatRead {
    pub id: i64,
    #[schema(example = "A1B2C3D4E5F6G7H8J9K0L1M2")]
    pub public_id: String,
    #[serde(rename = "type")]
    pub kind: ChatType,
    #[schema(required = true)]
    pub title: Option<String>,
    #[schema(required = true)]
    pub avatar_url: Option<String>,
    pub display_title: String,
    #[schema(required = true)]
    pub handle: Option<String>,
    #[schema(required = true)]
    pub description: Option<String>,
    pub is_public: bool,
    pub is_saved: bool,
    pub archived: bool,
    pub pinned: bool,
    pub unread_count: i64,
    pub unread_mentions_count: i64,
    #[schema(required = true)]
    pub pinned_message_id: Option<i64>,
    pub members_count: i64,
    pub online_count: i64,
    #[schema(required = true)]
    pub subscribers_count: Option<i64>,
    #[schema(required = true)]
    pub counterpart_user_id: Option<i64>,
    #[schema(required = true)]
    pub counterpart_name: Option<String>,
    #[schema(required = true)]
    pub counterpart_username: Option<String>,
    #[schema(required = true)]
    pub counterpart_avatar_url: Option<String>,
    pub counterpart_is_online: bool,
    #[schema(required = true)]
    pub counterpart_last_seen_at: Option<Timestamp>,
    #[schema(required = true)]
    pub last_message_text: Option<String>,
    #[schema(required = true)]
    pub last_message_type: Option<MessageType>,
    #[schema(required = true)]
    pub last_message_created_at: Option<Timestamp>,
    pub my_role: RoleName,
    pub created_at: Timestamp,
}

/// `ChatDetailRead`: `ChatRead` plus its members.
#[derive(Serialize, ToSchema)]
pub struct ChatDetailRead {
    #[serde(flatten)]
    pub chat: ChatRead,
    pub members: Vec<ChatMemberRead>,
}

/// `ChatMemberRead` (the member item of `ChatDetailRead`).
#[derive(Serialize, ToSchema)]
pub struct ChatMemberRead {
    pub id: i64,
    pub user_id: i64,
    pub role: RoleName,
    pub joined_at: Timestamp,
}

impl From<Member> for ChatMemberRead {
    fn from(member: Member) -> Self {
        MemberSummary::from(&member).into()
    }
}

impl From<MemberSummary> for ChatMemberRead {
    fn from(member: MemberSummary) -> Self {
        Self {
            id: member.id,
            user_id: member.user_id,
            role: member.role.into(),
            joined_at: member.joined_at.into(),
        }
    }
}

/// `ChatDiscoverRead` (named, not spelled out, by the seed): a public group or channel
/// the caller has not joined.
#[derive(Serialize, ToSchema)]
pub struct ChatDiscoverRead {
    pub id: i64,
    pub public_id: String,
    #[serde(rename = "type")]
    pub kind: ChatType,
    #[schema(required = true)]
    pub title: Option<String>,
    #[schema(required = true)]
    pub handle: Option<String>,
    #[schema(required = true)]
    pub description: Option<String>,
    #[schema(required = true)]
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
#[derive(Deserialize, ToSchema)]
pub struct ChatCreateRequest {
    #[serde(rename = "type")]
    #[schema(value_type = ChatType)]
    pub kind: Choice<ChatType>,
    pub title: Option<String>,
    pub handle: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub is_public: bool,
    #[serde(default)]
    pub member_ids: Vec<i64>,
}

/// `PATCH /chats/{id}/title` body.
#[derive(Deserialize, ToSchema)]
pub struct ChatTitleUpdate {
    pub title: String,
}

/// `PATCH /chats/{id}/profile` body: all optional; `null` clears description or avatar.
#[derive(Deserialize, ToSchema)]
pub struct ChatProfileUpdate {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub avatar_url: Option<Option<String>>,
}

/// `POST /chats/{id}/members` body.
#[derive(Deserialize, ToSchema)]
pub struct ChatMemberAdd {
    pub user_id: i64,
}

/// `ChatMemberRole`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = ChatMemberRole)]
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

impl From<Role> for RoleName {
    fn from(role: Role) -> Self {
        match role {
            Role::Owner => Self::Owner,
            Role::Admin => Self::Admin,
            Role::Member => Self::Member,
        }
    }
}

/// `PATCH /chats/{id}/members/{user_id}/role` body.
#[derive(Deserialize, ToSchema)]
pub struct ChatMemberRoleUpdate {
    pub role: RoleName,
}

/// `POST /chats/{id}/pin` body: a message id, or `null` (or nothing) to unpin.
#[derive(Deserialize, ToSchema)]
pub struct PinRequest {
    #[serde(default)]
    pub message_id: Option<i64>,
}

/// `PUT /chats/{id}/notifications` body.
#[derive(Deserialize, ToSchema)]
pub struct MutedUpdate {
    pub muted: bool,
}

/// `ChatNotificationSettingsRead`.
#[derive(Serialize, ToSchema)]
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
#[derive(Serialize, ToSchema)]
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
