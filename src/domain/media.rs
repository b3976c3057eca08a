//! Media (messenger-rest-api.md §9): presigned uploads, attaching files to messages,
//! a chat's attachments.
//!
//! Files never pass through the gateway: `requestUpload` checks type and size and signs a
//! `PUT` URL for one new object key, the client uploads to S3 directly, then
//! `attachFile` records the file on a message. Only URLs of the configured bucket are
//! accepted, so an attachment can never point elsewhere.

mod inputs;

use std::collections::HashMap;

use self::inputs::{file_name, file_size, mime_type, waveform};
use super::{page_size, validation::Checks, Domain, Principal};
use crate::{
    config::S3Config,
    db::{
        self,
        attachments::{ChatPage, NewAttachment},
    },
    error::{AppError, AppResult},
    integrations::s3::S3Storage,
};

pub use self::inputs::{ALLOWED_MIME_TYPES, MAX_FILE_NAME_CHARS, MAX_WAVEFORM_POINTS};
pub use crate::db::attachments::{Attachment, ChatAttachment};

/// Most files one message may carry (an album of ten, like Telegram's).
pub const MAX_ATTACHMENTS_PER_MESSAGE: i64 = 10;
/// Every object key this service issues starts with this.
const UPLOAD_PREFIX: &str = "uploads/";

/// `requestUpload` input (the seed's `UploadUrlRequest`).
#[derive(Clone, Debug)]
pub struct UploadRequest {
    pub file_name: String,
    pub file_type: String,
    pub file_size: i64,
}

/// A header the upload `PUT` must carry with exactly this value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequiredHeader {
    pub name: String,
    pub value: String,
}

/// `requestUpload` output (the seed's `UploadUrlResponse`).
#[derive(Clone, Debug)]
pub struct UploadTicket {
    /// Presigned `PUT` URL; the body must be exactly `file_size` bytes.
    pub upload_url: String,
    /// Where the file is downloaded from once uploaded; pass it to `attachFile`.
    pub file_url: String,
    pub object_key: String,
    /// The file name, cleaned (pass it to `attachFile` to keep it).
    pub file_name: String,
    /// Seconds `upload_url` stays valid.
    pub expires_in: u64,
    pub required_headers: Vec<RequiredHeader>,
}

/// `attachFile` input (the seed's `AttachmentCreateRequest`, plus an optional name).
#[derive(Clone, Debug)]
pub struct AttachInput {
    pub message_id: i64,
    pub file_url: String,
    pub file_type: String,
    pub file_size: i64,
    pub file_name: Option<String>,
    pub waveform_points: Option<Vec<i32>>,
}

pub struct MediaService<'a>(pub(super) &'a Domain);

impl MediaService<'_> {
    /// `requestUpload` (`POST /media/upload-url`): a presigned URL for one new object
    /// under `uploads/<caller id>/`, for an allowed type and a size within
    /// `MAX_UPLOAD_SIZE_BYTES`.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn request_upload(
        &self,
        caller: &Principal,
        request: UploadRequest,
    ) -> AppResult<UploadTicket> {
        let (config, storage) = self.storage()?;
        let mut checks = Checks::default();
        let file_name = file_name(&mut checks, "fileName", &request.file_name);
        let mime = mime_type(&mut checks, "fileType", &request.file_type);
        file_size(&mut checks, "fileSize", request.file_size, config);
        checks.finish()?;
        let (mime, extension) = mime.expect("checked above");
        let object_key = format!(
            "{UPLOAD_PREFIX}{}/{}.{extension}",
            caller.user_id,
            uuid::Uuid::new_v4().simple()
        );
        let size = u64::try_from(request.file_size).expect("checked above");
        let upload_url = storage.presign_put(&object_key, mime, size, config.presign_ttl);
        Ok(UploadTicket {
            upload_url: upload_url.into(),
            file_url: storage.public_url(&object_key),
            object_key,
            file_name,
            expires_in: config.presign_ttl.as_secs(),
            required_headers: vec![RequiredHeader {
                name: "Content-Type".into(),
                value: mime.into(),
            }],
        })
    }

    /// `attachFile` (`POST /media/attachments`): records an uploaded file on a message.
    /// The message must be visible to the caller, who must be its sender; the URL must
    /// be one of this bucket's uploads.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn attach_file(
        &self,
        caller: &Principal,
        input: AttachInput,
    ) -> AppResult<Attachment> {
        let (config, storage) = self.storage()?;
        let mut checks = Checks::default();
        let object_key = storage
            .object_key_from_url(&input.file_url)
            .filter(|key| key.starts_with(UPLOAD_PREFIX));
        if object_key.is_none() {
            checks.fail(
                "fileUrl",
                "must be the fileUrl of an upload to this service's storage",
            );
        }
        let mime = mime_type(&mut checks, "fileType", &input.file_type);
        file_size(&mut checks, "fileSize", input.file_size, config);
        let file_name = input
            .file_name
            .as_deref()
            .map(|name| file_name(&mut checks, "fileName", name));
        let waveform = input
            .waveform_points
            .as_deref()
            .map(|points| waveform(&mut checks, "waveformPoints", points));
        checks.finish()?;
        let (object_key, (mime, _)) = object_key.zip(mime).expect("checked above");

        self.require_own_visible_message(caller, input.message_id)
            .await?;
        let new = NewAttachment {
            message_id: input.message_id,
            url: &storage.public_url(&object_key),
            object_key: &object_key,
            mime,
            size: input.file_size,
            file_name: file_name.as_deref(),
            waveform: waveform.as_deref(),
        };
        self.insert(&new).await
    }

    /// `chatAttachments` (`GET /media/chats/{chat_id}/attachments`): newest first, only
    /// what the caller still sees (not deleted for everyone, hidden, or cleared), paged
    /// with `before_id` (an attachment id).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id, chat_id = chat_id))]
    pub async fn chat_attachments(
        &self,
        caller: &Principal,
        chat_id: i64,
        limit: i64,
        before_id: Option<i64>,
    ) -> AppResult<Vec<ChatAttachment>> {
        let member = self.0.chats().require_member(caller, chat_id).await?;
        let limit = page_size(limit)?;
        let page = ChatPage {
            chat_id,
            viewer_id: caller.user_id,
            cleared_before_message_id: member.cleared_before_message_id,
            before_id,
            limit,
        };
        Ok(db::attachments::list_for_chat(self.0.db().exec(), page).await?)
    }

    /// Batch load for DataLoaders: the attachments of many messages, oldest first per
    /// message, in one statement. No permission check: the caller already holds the
    /// messages.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn for_messages(
        &self,
        message_ids: &[i64],
    ) -> AppResult<HashMap<i64, Vec<Attachment>>> {
        if message_ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(db::attachments::for_messages(self.0.db().exec(), message_ids).await?)
    }

    /// Inserts while holding the message's row lock, so concurrent attaches count each
    /// other against [`MAX_ATTACHMENTS_PER_MESSAGE`].
    async fn insert(&self, new: &NewAttachment<'_>) -> AppResult<Attachment> {
        let db = self.0.db();
        let mut tx = db.begin().await?;
        if !db::attachments::lock_live_message(db.on(&mut *tx), new.message_id).await? {
            return Err(AppError::not_found("Message not found"));
        }
        let attachment =
            db::attachments::insert_capped(db.on(&mut *tx), new, MAX_ATTACHMENTS_PER_MESSAGE)
                .await?
                .ok_or_else(|| {
                    AppError::invalid(
                        "messageId",
                        format!("a message has at most {MAX_ATTACHMENTS_PER_MESSAGE} files"),
                    )
                })?;
        tx.commit().await?;
        Ok(attachment)
    }

    /// The storage settings, or `SERVICE_UNAVAILABLE` when `S3_ENDPOINT` is unset.
    fn storage(&self) -> AppResult<(&S3Config, &S3Storage)> {
        match (self.0.config().s3.as_ref(), self.0.storage()) {
            (Some(config), Some(storage)) => Ok((config, storage)),
            _ => Err(AppError::Unavailable(
                "File storage is not configured".to_owned(),
            )),
        }
    }

    /// `NOT_FOUND` unless the message exists and the caller still sees it (a member,
    /// not deleted for everyone, hidden or cleared); `FORBIDDEN` unless they sent it.
    async fn require_own_visible_message(
        &self,
        caller: &Principal,
        message_id: i64,
    ) -> AppResult<()> {
        let not_found = || AppError::not_found("Message not found");
        let facts = db::attachments::message_facts(self.0.db().exec(), message_id, caller.user_id)
            .await?
            .filter(|m| !m.deleted)
            .ok_or_else(not_found)?;
        let member = self.0.chats().require_member(caller, facts.chat_id).await?;
        if facts.hidden || message_id <= member.cleared_before_message_id {
            return Err(not_found());
        }
        if facts.sender_id != caller.user_id {
            return Err(AppError::forbidden("Only the sender can attach files"));
        }
        Ok(())
    }
}
