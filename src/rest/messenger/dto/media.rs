//! §3.5 and §9: uploads and attachments.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Timestamp;
use crate::domain::media::{AttachInput, Attachment, ChatAttachment, UploadRequest, UploadTicket};

/// `UploadUrlRequest`.
#[derive(Deserialize, ToSchema)]
pub struct UploadUrlRequest {
    pub file_name: String,
    pub file_type: String,
    pub file_size: i64,
}

impl From<UploadUrlRequest> for UploadRequest {
    fn from(request: UploadUrlRequest) -> Self {
        Self {
            file_name: request.file_name,
            file_type: request.file_type,
            file_size: request.file_size,
        }
    }
}

/// `UploadUrlResponse`: `PUT` the file to `upload_url` with `required_headers`.
#[derive(Serialize, ToSchema)]
pub struct UploadUrlResponse {
    pub upload_url: String,
    pub file_url: String,
    pub object_key: String,
    pub expires_in: u64,
    pub required_headers: BTreeMap<String, String>,
}

impl From<UploadTicket> for UploadUrlResponse {
    fn from(ticket: UploadTicket) -> Self {
        Self {
            upload_url: ticket.upload_url,
            file_url: ticket.file_url,
            object_key: ticket.object_key,
            expires_in: ticket.expires_in,
            required_headers: ticket
                .required_headers
                .into_iter()
                .map(|h| (h.name, h.value))
                .collect(),
        }
    }
}

/// `AttachmentCreateRequest` (plus an optional `file_name`, as GraphQL takes it).
#[derive(Deserialize, ToSchema)]
pub struct AttachmentCreateRequest {
    pub message_id: i64,
    pub file_url: String,
    pub file_type: String,
    pub file_size: i64,
    pub file_name: Option<String>,
    pub waveform_points: Option<Vec<i32>>,
}

impl From<AttachmentCreateRequest> for AttachInput {
    fn from(request: AttachmentCreateRequest) -> Self {
        Self {
            message_id: request.message_id,
            file_url: request.file_url,
            file_type: request.file_type,
            file_size: request.file_size,
            file_name: request.file_name,
            waveform_points: request.waveform_points,
        }
    }
}

/// `AttachmentRead`.
#[derive(Serialize, ToSchema)]
pub struct AttachmentRead {
    pub id: i64,
    pub message_id: i64,
    pub file_url: String,
    pub file_type: String,
    pub file_size: i64,
    #[schema(required = true)]
    pub waveform_points: Option<Vec<i16>>,
}

impl From<Attachment> for AttachmentRead {
    fn from(attachment: Attachment) -> Self {
        Self {
            id: attachment.id,
            message_id: attachment.message_id,
            file_url: attachment.url,
            file_type: attachment.mime,
            file_size: attachment.size,
            waveform_points: attachment.waveform,
        }
    }
}

/// `ChatAttachmentRead`.
#[derive(Serialize, ToSchema)]
pub struct ChatAttachmentRead {
    pub id: i64,
    pub message_id: i64,
    pub sender_id: i64,
    pub message_type: super::MessageType,
    pub message_created_at: Timestamp,
    pub file_url: String,
    pub file_type: String,
    pub file_size: i64,
}

impl From<ChatAttachment> for ChatAttachmentRead {
    fn from(item: ChatAttachment) -> Self {
        Self {
            id: item.attachment.id,
            message_id: item.attachment.message_id,
            sender_id: item.sender_id,
            message_type: item.message_type.into(),
            message_created_at: item.message_created_at.into(),
            file_url: item.attachment.url,
            file_type: item.attachment.mime,
            file_size: item.attachment.size,
        }
    }
}
