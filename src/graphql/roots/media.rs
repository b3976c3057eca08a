//! Media (messenger-rest-api.md §9): presigned uploads, attachments, a chat's files.

use async_graphql::{Context, InputObject, Object, ID};

use crate::{
    domain::media::{AttachInput, Attachment, ChatAttachment, UploadRequest, UploadTicket},
    graphql::{
        context::{principal, services},
        scalars::{parse_id, BigInt},
    },
};

#[derive(Default)]
pub struct MediaQuery;

#[Object]
impl MediaQuery {
    /// A chat's files, newest first; `before` is an attachment id. Members only.
    /// Costs `first` × the selected fields.
    #[graphql(complexity = "first.unwrap_or(100).max(0) as usize * child_complexity")]
    async fn chat_attachments(
        &self,
        ctx: &Context<'_>,
        chat_id: ID,
        #[graphql(default = 100)] first: Option<i32>,
        before: Option<ID>,
    ) -> async_graphql::Result<Vec<ChatAttachment>> {
        let principal = principal(ctx).await?;
        let chat_id = parse_id(&chat_id, "chatId")?;
        let before = before.map(|id| parse_id(&id, "before")).transpose()?;
        let first = i64::from(first.unwrap_or(100));
        Ok(services(ctx)
            .media()
            .chat_attachments(&principal, chat_id, first, before)
            .await?)
    }
}

/// A file uploaded with `requestUpload`, to attach to one of the caller's messages.
#[derive(InputObject)]
pub struct AttachFileInput {
    message_id: ID,
    /// The `fileUrl` from `requestUpload`.
    file_url: String,
    /// MIME type, one of the types `requestUpload` accepts.
    file_type: String,
    /// Bytes.
    file_size: BigInt,
    /// The `fileName` from `requestUpload`, to show and download the file under.
    file_name: Option<String>,
    /// Voice-message amplitudes: at most 1024 points of 0–255.
    waveform_points: Option<Vec<i32>>,
}

#[derive(Default)]
pub struct MediaMutation;

#[Object]
impl MediaMutation {
    /// A presigned URL to upload one file straight to storage. Types: image/jpeg,
    /// image/png, image/webp, video/mp4, video/webm, audio/mpeg, audio/ogg, audio/webm,
    /// audio/wav, application/pdf, application/zip, text/plain; size up to
    /// `MAX_UPLOAD_SIZE_BYTES`.
    async fn request_upload(
        &self,
        ctx: &Context<'_>,
        file_name: String,
        file_type: String,
        file_size: BigInt,
    ) -> async_graphql::Result<UploadTicket> {
        let principal = principal(ctx).await?;
        let request = UploadRequest {
            file_name,
            file_type,
            file_size: file_size.0,
        };
        Ok(services(ctx)
            .media()
            .request_upload(&principal, request)
            .await?)
    }

    /// Attaches an uploaded file to a message the caller sent.
    async fn attach_file(
        &self,
        ctx: &Context<'_>,
        input: AttachFileInput,
    ) -> async_graphql::Result<Attachment> {
        let principal = principal(ctx).await?;
        let input = AttachInput {
            message_id: parse_id(&input.message_id, "messageId")?,
            file_url: input.file_url,
            file_type: input.file_type,
            file_size: input.file_size.0,
            file_name: input.file_name,
            waveform_points: input.waveform_points,
        };
        Ok(services(ctx).media().attach_file(&principal, input).await?)
    }
}
