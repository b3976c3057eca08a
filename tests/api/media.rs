//! Media (messenger-rest-api.md §9): presigned uploads to a real S3 API (moto's server,
//! installed by `scripts/test.sh`), attachments and a chat's files.

use std::time::Duration;

use rusty_s3::S3Action;
use serde_json::{json, Value};

use crate::helpers::{
    error_code, quick_user,
    s3::{credentials, s3_env, Moto, BUCKET},
    spawn_app, spawn_app_with, TestApp,
};

/// Never contacted: presigning and URL checks need no running S3.
const OFFLINE_ENDPOINT: &str = "http://127.0.0.1:9";

async fn spawn_media_app(endpoint: &str) -> TestApp {
    spawn_app_with(|env| s3_env(env, endpoint, 1024 * 1024)).await
}

/// A signed-in user: (`Bearer …` header, user id).
async fn user(app: &TestApp, name: &str) -> (String, i64) {
    let (token, id) = quick_user(app, name).await;
    (format!("Bearer {token}"), id.parse().expect("numeric id"))
}

async fn gql(app: &TestApp, auth: &str, query: &str, variables: Value) -> Value {
    app.graphql(query, variables, Some(auth)).await.1
}

const REQUEST_UPLOAD: &str = "mutation($n: String!, $t: String!, $s: BigInt!) {
    requestUpload(fileName: $n, fileType: $t, fileSize: $s) {
        uploadUrl fileUrl objectKey fileName expiresIn requiredHeaders { name value } } }";

async fn request_upload(app: &TestApp, auth: &str, name: &str, mime: &str, size: i64) -> Value {
    gql(
        app,
        auth,
        REQUEST_UPLOAD,
        json!({ "n": name, "t": mime, "s": size }),
    )
    .await
}

/// The `fileUrl` of a fresh upload ticket.
async fn file_url(app: &TestApp, auth: &str) -> String {
    let body = request_upload(app, auth, "photo.jpg", "image/jpeg", 2048).await;
    body["data"]["requestUpload"]["fileUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

const ATTACH: &str = "mutation($i: AttachFileInput!) {
    attachFile(input: $i) { id messageId fileUrl fileType fileSize fileName waveformPoints } }";

async fn attach(app: &TestApp, auth: &str, message_id: i64, file_url: &str) -> Value {
    let input = json!({ "messageId": message_id.to_string(), "fileUrl": file_url,
                        "fileType": "image/jpeg", "fileSize": 2048 });
    gql(app, auth, ATTACH, json!({ "i": input })).await
}

const CHAT_ATTACHMENTS: &str = "query($c: ID!, $n: Int, $b: ID) {
    chatAttachments(chatId: $c, first: $n, before: $b) {
        id messageId senderId messageType messageCreatedAt fileUrl fileType fileSize } }";

async fn chat_attachments(
    app: &TestApp,
    auth: &str,
    chat_id: i64,
    first: i32,
    before: Option<&str>,
) -> Value {
    let variables = json!({ "c": chat_id.to_string(), "n": first, "b": before });
    gql(app, auth, CHAT_ATTACHMENTS, variables).await
}

fn ids(body: &Value) -> Vec<String> {
    body["data"]["chatAttachments"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|a| a["id"].as_str().expect("id").to_owned())
        .collect()
}

fn field_error<'a>(body: &'a Value, field: &str) -> &'a Value {
    &body["errors"][0]["extensions"]["fields"][field]
}

/// Runs an operation that must succeed; returns `data`.
async fn ok(app: &TestApp, auth: &str, query: &str, variables: Value) -> Value {
    let body = gql(app, auth, query, variables).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

/// A group chat of `owner` and `others` with one `IMAGE` message by each of `senders`
/// (bearer headers), in order: (chat id, message ids).
async fn chat_with_messages(
    app: &TestApp,
    owner: &str,
    others: &[i64],
    senders: &[&str],
) -> (i64, Vec<i64>) {
    let members: Vec<_> = others.iter().map(i64::to_string).collect();
    let data = ok(
        app,
        owner,
        "mutation($i: CreateChatInput!) { createChat(input: $i) { id } }",
        json!({ "i": { "type": "GROUP", "title": "Media", "memberIds": members } }),
    )
    .await;
    let chat_id = data["createChat"]["id"]
        .as_str()
        .expect("chat id")
        .to_owned();
    let mut messages = Vec::new();
    for sender in senders {
        let data = ok(
            app,
            sender,
            "mutation($c: ID!) { sendMessage(input: { chatId: $c, type: IMAGE }) { id } }",
            json!({ "c": chat_id }),
        )
        .await;
        let id = data["sendMessage"]["id"].as_str().expect("message id");
        messages.push(id.parse().expect("numeric id"));
    }
    (chat_id.parse().expect("numeric id"), messages)
}

async fn delete_message(app: &TestApp, auth: &str, message_id: i64, for_all: bool) {
    ok(
        app,
        auth,
        "mutation($m: ID!, $a: Boolean) { deleteMessage(messageId: $m, forAll: $a) }",
        json!({ "m": message_id.to_string(), "a": for_all }),
    )
    .await;
}

#[tokio::test]
async fn an_upload_goes_straight_to_the_bucket_and_reads_back() {
    let moto = Moto::start().await;
    moto.create_bucket().await;
    let app = spawn_media_app(&moto.endpoint).await;
    let (auth, user_id) = user(&app, "Uploader").await;
    let bytes = b"hello, bucket\n".repeat(10);

    let body = request_upload(
        &app,
        &auth,
        "../notes/hello.txt",
        "text/plain",
        bytes.len() as i64,
    )
    .await;
    let ticket = &body["data"]["requestUpload"];
    let key = ticket["objectKey"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        key.starts_with(&format!("uploads/{user_id}/")) && key.ends_with(".txt"),
        "{key}"
    );
    assert_eq!(
        ticket["fileUrl"],
        format!("{}/{BUCKET}/{key}", moto.endpoint)
    );
    assert_eq!(ticket["fileName"], "hello.txt");
    assert_eq!(ticket["expiresIn"], 900);
    assert_eq!(
        ticket["requiredHeaders"],
        json!([{ "name": "Content-Type", "value": "text/plain" }])
    );

    let mut put = app
        .http
        .put(ticket["uploadUrl"].as_str().expect("uploadUrl"));
    for header in ticket["requiredHeaders"].as_array().expect("headers") {
        put = put.header(
            header["name"].as_str().expect("name"),
            header["value"].as_str().expect("value"),
        );
    }
    let response = put.body(bytes.clone()).send().await.expect("PUT sent");
    assert!(response.status().is_success(), "PUT: {}", response.status());

    let get = moto
        .bucket()
        .get_object(Some(&credentials()), key)
        .sign(Duration::from_secs(60));
    let response = app.http.get(get).send().await.expect("GET sent");
    assert!(response.status().is_success(), "GET: {}", response.status());
    assert_eq!(response.headers()["content-type"], "text/plain");
    assert_eq!(
        response.bytes().await.expect("body").as_ref(),
        bytes.as_slice()
    );
    drop(moto);
}

#[tokio::test]
async fn request_upload_names_every_bad_field() {
    let app = spawn_app_with(|env| s3_env(env, OFFLINE_ENDPOINT, 1000)).await;
    let (auth, _) = user(&app, "Validator").await;

    let body = request_upload(&app, &auth, "a.gif", "image/gif", 10).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert!(field_error(&body, "fileType")
        .as_str()
        .expect("fileType")
        .starts_with("must be one of image/jpeg"));

    for size in [1001, 0, -1] {
        let body = request_upload(&app, &auth, "a.png", "image/png", size).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{size}");
        assert_eq!(
            field_error(&body, "fileSize"),
            "must be between 1 and 1000 bytes"
        );
    }
    for name in ["", "   ", "dir/"] {
        let body = request_upload(&app, &auth, name, "image/png", 10).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{name:?}");
        assert_eq!(field_error(&body, "fileName"), "must not be empty");
    }

    let body = request_upload(&app, &auth, "", "text/html", 5000).await;
    let fields = body["errors"][0]["extensions"]["fields"]
        .as_object()
        .expect("fields");
    let mut names: Vec<_> = fields.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["fileName", "fileSize", "fileType"]);

    let body = request_upload(&app, &auth, "ok.png", "IMAGE/PNG", 1000).await;
    assert!(
        body["data"]["requestUpload"]["objectKey"]
            .as_str()
            .expect("key")
            .ends_with(".png"),
        "{body}"
    );
}

#[tokio::test]
async fn without_s3_settings_uploads_are_unavailable() {
    let app = spawn_app().await;
    let (auth, _) = user(&app, "NoStorage").await;
    let body = request_upload(&app, &auth, "a.png", "image/png", 10).await;
    assert_eq!(error_code(&body), Some("SERVICE_UNAVAILABLE"), "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "File storage is not configured"
    );
}

#[tokio::test]
async fn only_the_sender_attaches_files_and_only_from_this_bucket() {
    let app = spawn_media_app(OFFLINE_ENDPOINT).await;
    let (sender, _) = user(&app, "Sender").await;
    let (member, member_id) = user(&app, "Member").await;
    let (outsider, _) = user(&app, "Outsider").await;
    let (_, messages) = chat_with_messages(&app, &sender, &[member_id], &[&sender, &sender]).await;
    let url = file_url(&app, &sender).await;

    let input = json!({ "messageId": messages[0].to_string(), "fileUrl": url,
                        "fileType": "image/jpeg", "fileSize": 2048, "fileName": "photo.jpg",
                        "waveformPoints": [4, 7, 10, 9, 6] });
    let body = gql(&app, &sender, ATTACH, json!({ "i": input })).await;
    let attachment = &body["data"]["attachFile"];
    assert_eq!(attachment["messageId"], messages[0].to_string(), "{body}");
    assert_eq!(attachment["fileUrl"], url.as_str());
    assert_eq!(attachment["fileType"], "image/jpeg");
    assert_eq!(attachment["fileSize"], 2048);
    assert_eq!(attachment["fileName"], "photo.jpg");
    assert_eq!(attachment["waveformPoints"], json!([4, 7, 10, 9, 6]));

    let body = attach(&app, &member, messages[0], &file_url(&app, &member).await).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "Only the sender can attach files"
    );
    let body = attach(
        &app,
        &outsider,
        messages[0],
        &file_url(&app, &outsider).await,
    )
    .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");

    for foreign in [
        "https://evil.example.com/media-test/uploads/1/a.jpg",
        &format!("{OFFLINE_ENDPOINT}/other-bucket/uploads/1/a.jpg"),
        &format!("{OFFLINE_ENDPOINT}/{BUCKET}/private/a.jpg"),
    ] {
        let body = attach(&app, &sender, messages[0], foreign).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{foreign}");
        assert!(field_error(&body, "fileUrl").is_string(), "{body}");
    }
    let input = json!({ "messageId": messages[0].to_string(), "fileUrl": url,
                        "fileType": "image/jpeg", "fileSize": 2048, "waveformPoints": [256] });
    let body = gql(&app, &sender, ATTACH, json!({ "i": input })).await;
    assert_eq!(
        field_error(&body, "waveformPoints"),
        "every point must be between 0 and 255"
    );

    let body = attach(&app, &sender, 999_999_999, &url).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    delete_message(&app, &sender, messages[1], true).await;
    let body = attach(&app, &sender, messages[1], &url).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    assert_eq!(body["errors"][0]["message"], "Message not found");
}

#[tokio::test]
async fn a_message_carries_at_most_ten_files() {
    let app = spawn_media_app(OFFLINE_ENDPOINT).await;
    let (sender, _) = user(&app, "Album").await;
    let (_, messages) = chat_with_messages(&app, &sender, &[], &[&sender]).await;
    let url = file_url(&app, &sender).await;
    for _ in 0..10 {
        let body = attach(&app, &sender, messages[0], &url).await;
        assert!(body["data"]["attachFile"]["id"].is_string(), "{body}");
    }
    let body = attach(&app, &sender, messages[0], &url).await;
    assert_eq!(
        field_error(&body, "messageId"),
        "a message has at most 10 files"
    );
}

#[tokio::test]
async fn chat_attachments_are_newest_first_paged_and_for_members_only() {
    let app = spawn_media_app(OFFLINE_ENDPOINT).await;
    let (alice, alice_id) = user(&app, "Alice").await;
    let (bob, bob_id) = user(&app, "Bob").await;
    let (outsider, _) = user(&app, "Outsider").await;
    let (chat_id, m) = chat_with_messages(&app, &alice, &[bob_id], &[&alice, &bob, &alice]).await;
    let mut attached = Vec::new();
    for (message_id, auth) in [(m[0], &alice), (m[1], &bob), (m[2], &alice)] {
        let body = attach(&app, auth, message_id, &file_url(&app, auth).await).await;
        attached.push(
            body["data"]["attachFile"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned(),
        );
    }
    let newest_first: Vec<_> = attached.iter().rev().cloned().collect();

    let body = chat_attachments(&app, &bob, chat_id, 100, None).await;
    assert_eq!(ids(&body), newest_first);
    let first = &body["data"]["chatAttachments"][0];
    assert_eq!(first["messageId"], m[2].to_string());
    assert_eq!(first["senderId"], alice_id.to_string());
    assert_eq!(first["messageType"], "IMAGE");
    assert!(first["messageCreatedAt"].is_string());
    assert_eq!(
        (first["fileType"].clone(), first["fileSize"].clone()),
        (json!("image/jpeg"), json!(2048))
    );

    let page = chat_attachments(&app, &bob, chat_id, 2, None).await;
    assert_eq!(ids(&page), newest_first[..2]);
    let rest = chat_attachments(&app, &bob, chat_id, 2, Some(&newest_first[1])).await;
    assert_eq!(ids(&rest), newest_first[2..]);

    let body = chat_attachments(&app, &outsider, chat_id, 100, None).await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = chat_attachments(&app, &bob, 999_999_999, 100, None).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let body = chat_attachments(&app, &bob, chat_id, 0, None).await;
    assert_eq!(field_error(&body, "first"), "must be between 1 and 100");

    // Hidden for Bob, deleted for everyone, cleared by Bob: each drops out of the list.
    delete_message(&app, &bob, m[1], false).await;
    assert_eq!(
        ids(&chat_attachments(&app, &bob, chat_id, 100, None).await),
        [attached[2].as_str(), attached[0].as_str()]
    );
    assert_eq!(
        ids(&chat_attachments(&app, &alice, chat_id, 100, None).await),
        newest_first
    );
    delete_message(&app, &alice, m[2], true).await;
    assert_eq!(
        ids(&chat_attachments(&app, &alice, chat_id, 100, None).await),
        [attached[1].as_str(), attached[0].as_str()]
    );
    ok(
        &app,
        &bob,
        "mutation($c: ID!) { clearChatHistory(chatId: $c) }",
        json!({ "c": chat_id.to_string() }),
    )
    .await;
    assert_eq!(
        ids(&chat_attachments(&app, &bob, chat_id, 100, None).await),
        Vec::<String>::new()
    );
    // What Bob no longer sees, he cannot attach to either.
    let body = attach(&app, &bob, m[1], &file_url(&app, &bob).await).await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
}
