//! `UploadTicket`, `HttpHeader`, `Attachment`, `ChatAttachment`.

use async_graphql::{Object, ID};
use chrono::{DateTime, Utc};

use crate::{
    domain::media::{Attachment, ChatAttachment, RequiredHeader, UploadTicket},
    graphql::{scalars::BigInt, types::message::MessageType},
};

/// Where and how to upload one file (messenger-rest-api.md `UploadUrlResponse`).
#[Object(name = "UploadTicket")]
impl UploadTicket {
    /// Presigned URL: `PUT` the file's bytes here, with `requiredHeaders`. The body must
    /// be exactly the announced `fileSize` bytes, or storage refuses it.
    async fn upload_url(&self) -> &str {
        &self.upload_url
    }

    /// Where the file is downloaded from once uploaded; pass it to `attachFile`.
    async fn file_url(&self) -> &str {
        &self.file_url
    }

    /// The file's key in the bucket: `uploads/<user id>/<random>.<extension>`.
    async fn object_key(&self) -> &str {
        &self.object_key
    }

    /// The file name, cleaned (no directories or control characters); pass it to
    /// `attachFile` to keep it.
    async fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Seconds `uploadUrl` stays valid.
    async fn expires_in(&self) -> i32 {
        i32::try_from(self.expires_in).unwrap_or(i32::MAX)
    }

    /// Headers the `PUT` must carry with exactly these values (they are signed).
    async fn required_headers(&self) -> &[RequiredHeader] {
        &self.required_headers
    }
}

/// One HTTP header.
#[Object(name = "HttpHeader")]
impl RequiredHeader {
    async fn name(&self) -> &str {
        &self.name
    }

    async fn value(&self) -> &str {
        &self.value
    }
}

/// A file attached to a message (messenger-rest-api.md `AttachmentRead`).
#[Object(name = "Attachment")]
impl Attachment {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    async fn message_id(&self) -> ID {
        ID(self.message_id.to_string())
    }

    async fn file_url(&self) -> &str {
        &self.url
    }

    /// MIME type.
    async fn file_type(&self) -> &str {
        &self.mime
    }

    /// Bytes.
    async fn file_size(&self) -> BigInt {
        BigInt(self.size)
    }

    async fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// Voice-message amplitudes, 0–255 each.
    async fn waveform_points(&self) -> Option<Vec<i32>> {
        waveform(&self.waveform)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
}

/// A file in a chat's media list, with its message's facts (messenger-rest-api.md
/// `ChatAttachmentRead`).
#[Object(name = "ChatAttachment")]
impl ChatAttachment {
    async fn id(&self) -> ID {
        ID(self.attachment.id.to_string())
    }

    async fn message_id(&self) -> ID {
        ID(self.attachment.message_id.to_string())
    }

    async fn sender_id(&self) -> ID {
        ID(self.sender_id.to_string())
    }

    async fn message_type(&self) -> MessageType {
        self.message_type.into()
    }

    async fn message_created_at(&self) -> DateTime<Utc> {
        self.message_created_at
    }

    async fn file_url(&self) -> &str {
        &self.attachment.url
    }

    /// MIME type.
    async fn file_type(&self) -> &str {
        &self.attachment.mime
    }

    /// Bytes.
    async fn file_size(&self) -> BigInt {
        BigInt(self.attachment.size)
    }

    async fn file_name(&self) -> Option<&str> {
        self.attachment.file_name.as_deref()
    }

    /// Voice-message amplitudes, 0–255 each.
    async fn waveform_points(&self) -> Option<Vec<i32>> {
        waveform(&self.attachment.waveform)
    }
}

fn waveform(points: &Option<Vec<i16>>) -> Option<Vec<i32>> {
    points
        .as_ref()
        .map(|points| points.iter().copied().map(i32::from).collect())
}
