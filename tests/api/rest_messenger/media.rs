//! §9 over REST: presigned uploads, attachments and a chat's files (presigning and URL
//! checks need no running S3, so the endpoint is never contacted).

use serde_json::{json, Value};

use super::{assert_seed_timestamp, assert_shape, rest_group, rest_send, seed, user, Client, User};
use crate::helpers::{spawn_app, spawn_app_with, TestApp};

/// An app with S3 settings (never contacted) and uploads up to 1 MiB.
async fn media_app() -> TestApp {
    spawn_app_with(|env| {
        for (name, value) in [
            ("S3_ENDPOINT", "http://127.0.0.1:9"),
            ("S3_BUCKET", "media-test"),
            ("S3_ACCESS_KEY_ID", "test-key"),
            ("S3_SECRET_ACCESS_KEY", "test-secret"),
            ("MAX_UPLOAD_SIZE_BYTES", "1048576"),
        ] {
            env.insert(name.to_owned(), value.to_owned());
        }
    })
    .await
}

/// Ada's group "Voices" with Bob and her message in it: (Ada, Bob, chat, message).
async fn voices(app: &TestApp) -> (User<'_>, User<'_>, i64, i64) {
    let ada = user(app, "Ada").await;
    let bob = user(app, "Bob").await;
    let chat = rest_group(&ada.client, "Voices", &[bob.id]).await;
    let message = rest_send(&ada.client, chat, "listen").await;
    (ada, bob, chat, message)
}

/// The seed's `UploadUrlRequest` for a photo, answered.
async fn photo_ticket(client: &Client<'_>) -> Value {
    let request =
        json!({ "file_name": "photo.jpg", "file_type": "image/jpeg", "file_size": 123456 });
    Client::expect(client.post("/media/upload-url", request).await, 200)
}

/// The seed's `AttachmentCreate` of the photo of `ticket` to `message`, with a waveform.
fn attach_body(message: i64, ticket: &Value) -> Value {
    json!({ "message_id": message, "file_url": ticket["file_url"], "file_type": "image/jpeg",
            "file_size": 123456, "waveform_points": [4, 7, 10, 9, 6] })
}

#[tokio::test]
async fn an_upload_url_is_presigned_with_the_headers_to_send() {
    let app = media_app().await;
    let ada = user(&app, "Ada").await;
    let ticket = photo_ticket(&ada.client).await;
    assert_shape(&ticket, seed::UPLOAD_URL_RESPONSE);
    assert_eq!(
        ticket["required_headers"],
        json!({ "Content-Type": "image/jpeg" })
    );
    assert_eq!(ticket["expires_in"], 900);
}

#[tokio::test]
async fn an_upload_too_big_or_of_an_unlisted_type_is_a_422() {
    let app = media_app().await;
    let ada = user(&app, "Ada").await;
    let too_big =
        json!({ "file_name": "big.zip", "file_type": "application/zip", "file_size": 2_000_000 });
    let reply = ada.client.post("/media/upload-url", too_big).await;
    assert_eq!(
        (reply.status, reply.detail()),
        (422, "file_size: must be between 1 and 1048576 bytes")
    );
    let gif = json!({ "file_name": "a.gif", "file_type": "image/gif", "file_size": 10 });
    let reply = ada.client.post("/media/upload-url", gif).await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(
        reply
            .detail()
            .starts_with("file_type: must be one of image/jpeg"),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn the_sender_attaches_an_uploaded_file_with_its_waveform() {
    let app = media_app().await;
    let (ada, _, _, message) = voices(&app).await;
    let ticket = photo_ticket(&ada.client).await;
    let attachment = Client::expect(
        ada.client
            .post("/media/attachments", attach_body(message, &ticket))
            .await,
        200,
    );
    assert_shape(&attachment, seed::ATTACHMENT_READ);
    assert_eq!(attachment["waveform_points"], json!([4, 7, 10, 9, 6]));
}

#[tokio::test]
async fn only_the_sender_attaches_and_only_a_file_of_the_bucket() {
    let app = media_app().await;
    let (ada, bob, _, message) = voices(&app).await;
    let ticket = photo_ticket(&ada.client).await;
    let not_sender = bob
        .client
        .post("/media/attachments", attach_body(message, &ticket))
        .await;
    assert_eq!(
        (not_sender.status, not_sender.detail()),
        (403, "Only the sender can attach files")
    );
    let elsewhere = json!({ "message_id": message, "file_url": "https://evil.example.com/x.jpg",
                            "file_type": "image/jpeg", "file_size": 10 });
    let reply = ada.client.post("/media/attachments", elsewhere).await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.detail().starts_with("file_url: "), "{}", reply.text);
}

#[tokio::test]
async fn members_see_an_attachment_in_the_chats_files_and_its_waveform_on_the_message() {
    let app = media_app().await;
    let (ada, bob, chat, message) = voices(&app).await;
    let ticket = photo_ticket(&ada.client).await;
    Client::expect(
        ada.client
            .post("/media/attachments", attach_body(message, &ticket))
            .await,
        200,
    );
    let files = Client::expect(
        bob.client
            .get(&format!("/media/chats/{chat}/attachments?limit=100"))
            .await,
        200,
    );
    assert_shape(&files[0], seed::CHAT_ATTACHMENT_READ);
    assert_eq!(
        (
            files[0]["message_id"].as_i64(),
            files[0]["sender_id"].as_i64()
        ),
        (Some(message), Some(ada.id))
    );
    assert_seed_timestamp(&files[0]["message_created_at"]);
    let page = Client::expect(bob.client.get(&format!("/messages/{chat}")).await, 200);
    assert_eq!(page[0]["attachment_waveform"], json!([4, 7, 10, 9, 6]));
}

#[tokio::test]
async fn uploads_without_storage_are_503_with_a_detail() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let request = json!({ "file_name": "photo.jpg", "file_type": "image/jpeg", "file_size": 1 });
    let reply = ada.client.post("/media/upload-url", request).await;
    assert_eq!(
        (reply.status, reply.detail()),
        (503, "File storage is not configured")
    );
}
