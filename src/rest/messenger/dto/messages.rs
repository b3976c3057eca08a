//! §3.4 and §8: messages, reactions, read pointers.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Choice, Timestamp};
use crate::domain::messages::{self, MessageKind, Pointers, ReactionCount, Receipt, SendMessage};

/// `MessageRead`. `delivery_status` is `sent` | `delivered` | `read` (how far it got
/// with the chat's other members); `attachment_waveform` is the waveform of the
/// message's first attachment that has one.
#[derive(Serialize, ToSchema)]
pub struct MessageRead {
    pub id: i64,
    pub chat_id: i64,
    pub sender_id: i64,
    #[schema(required = true)]
    pub reply_to_message_id: Option<i64>,
    #[schema(required = true)]
    pub forwarded_from_message_id: Option<i64>,
    #[serde(rename = "type")]
    pub kind: MessageType,
    #[schema(required = true)]
    pub text: Option<String>,
    pub delivery_status: DeliveryStatus,
    #[schema(required = true)]
    pub attachment_waveform: Option<Vec<i16>>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The seed's `MessageType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    Text,
    Image,
    Video,
    Audio,
    Voice,
    File,
    CircleVideo,
}

impl From<MessageKind> for MessageType {
    fn from(kind: MessageKind) -> Self {
        match kind {
            MessageKind::Text => Self::Text,
            MessageKind::Image => Self::Image,
            MessageKind::Video => Self::Video,
            MessageKind::Audio => Self::Audio,
            MessageKind::Voice => Self::Voice,
            MessageKind::File => Self::File,
            MessageKind::CircleVideo => Self::CircleVideo,
        }
    }
}

impl From<MessageType> for MessageKind {
    fn from(kind: MessageType) -> Self {
        match kind {
            MessageType::Text => Self::Text,
            MessageType::Image => Self::Image,
            MessageType::Video => Self::Video,
            MessageType::Audio => Self::Audio,
            MessageType::Voice => Self::Voice,
            MessageType::File => Self::File,
            MessageType::CircleVideo => Self::CircleVideo,
        }
    }
}

/// `MessageRead.delivery_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
}

impl From<messages::DeliveryStatus> for DeliveryStatus {
    fn from(status: messages::DeliveryStatus) -> Self {
        match status {
            messages::DeliveryStatus::Sent => Self::Sent,
            messages::DeliveryStatus::Delivered => Self::Delivered,
            messages::DeliveryStatus::Read => Self::Read,
        }
    }
}

fn text_type() -> Choice<MessageType> {
    Choice(Ok(MessageType::Text))
}

/// `MessageCreateRequest`; `type` defaults to `text`.
#[derive(Deserialize, ToSchema)]
pub struct MessageCreateRequest {
    pub chat_id: i64,
    #[serde(rename = "type", default = "text_type")]
    #[schema(value_type = MessageType)]
    pub kind: Choice<MessageType>,
    pub text: Option<String>,
    pub client_message_id: Option<String>,
    pub reply_to_message_id: Option<i64>,
}

impl From<MessageCreateRequest> for SendMessage {
    fn from(request: MessageCreateRequest) -> Self {
        Self {
            chat_id: request.chat_id,
            kind: request.kind.into_domain(),
            text: request.text,
            client_message_id: request.client_message_id,
            reply_to_message_id: request.reply_to_message_id,
        }
    }
}

/// `PUT /messages/{id}` body.
#[derive(Deserialize, ToSchema)]
pub struct MessageEditRequest {
    pub text: String,
}

fn yes() -> bool {
    true
}

/// `MessageForwardRequest`; `include_author` defaults to `true`.
#[derive(Deserialize, ToSchema)]
pub struct MessageForwardRequest {
    pub target_chat_id: i64,
    #[serde(default = "yes")]
    pub include_author: bool,
}

/// `MessageForwardBulkRequest`; `include_author` defaults to `true`.
#[derive(Deserialize, ToSchema)]
pub struct MessageForwardBulkRequest {
    pub target_chat_ids: Vec<i64>,
    #[serde(default = "yes")]
    pub include_author: bool,
}

/// §2 "Message status events".
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = MessageStatusEvent)]
pub enum StatusEvent {
    MessageDelivered,
    MessageRead,
}

impl From<StatusEvent> for Receipt {
    fn from(status: StatusEvent) -> Self {
        match status {
            StatusEvent::MessageDelivered => Receipt::Delivered,
            StatusEvent::MessageRead => Receipt::Read,
        }
    }
}

/// `MessageStatusUpdateRequest`.
#[derive(Deserialize, ToSchema)]
pub struct MessageStatusUpdateRequest {
    pub chat_id: i64,
    pub message_id: i64,
    pub status: StatusEvent,
}

/// `POST /messages/status` response: the caller's pointers in the chat.
#[derive(Serialize, ToSchema)]
pub struct ReadPointersRead {
    pub last_delivered_message_id: i64,
    pub last_read_message_id: i64,
}

impl From<Pointers> for ReadPointersRead {
    fn from(pointers: Pointers) -> Self {
        Self {
            last_delivered_message_id: pointers.last_delivered_message_id,
            last_read_message_id: pointers.last_read_message_id,
        }
    }
}

/// `MessageReactionToggleRequest`.
#[derive(Deserialize, ToSchema)]
pub struct MessageReactionToggleRequest {
    pub emoji: String,
}

/// `MessageReactionRead`.
#[derive(Serialize, ToSchema)]
pub struct MessageReactionRead {
    pub emoji: String,
    pub count: i64,
    pub reacted: bool,
}

impl From<ReactionCount> for MessageReactionRead {
    fn from(reaction: ReactionCount) -> Self {
        Self {
            emoji: reaction.emoji,
            count: reaction.count,
            reacted: reaction.reacted,
        }
    }
}
