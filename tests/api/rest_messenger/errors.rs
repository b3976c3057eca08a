//! The seed's error dialect at the edges: authentication, unparsable requests, unknown
//! routes and methods — always `{"detail": …}`, never a bare text rejection.

use reqwest::Method;
use serde_json::json;

use super::{user, Client};
use crate::helpers::{quick_init_data, spawn_app, unique_telegram_id};

#[tokio::test]
async fn authentication_failures_are_401_with_a_detail() {
    let app = spawn_app().await;
    let anonymous = Client::anonymous(&app);
    let missing = anonymous.get("/users/me").await;
    assert_eq!(
        (missing.status, missing.detail()),
        (401, "Not authenticated")
    );
    assert_eq!(missing.headers["www-authenticate"], "Bearer");
    let forged = Client::with_token(&app, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln");
    let reply = forged.get("/chats").await;
    assert_eq!(
        (reply.status, reply.detail()),
        (401, "Access token is invalid")
    );
    let basic = app
        .http
        .get(app.url("/api/v1/users/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .expect("sent");
    assert_eq!(basic.status(), 401);
    let body: serde_json::Value = basic.json().await.expect("JSON");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("Authorization header")),
        "{body}"
    );
    // Mini App clients may present initData instead of a JWT, as everywhere else.
    let init_data = quick_init_data(unique_telegram_id(), "Tina");
    let tma = app
        .http
        .get(app.url("/api/v1/users/me"))
        .header("authorization", format!("tma {init_data}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(tma.status(), 200);
}

#[tokio::test]
async fn unparsable_requests_are_422_and_unknown_routes_404_with_a_detail() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let not_json = app
        .http
        .post(app.url("/api/v1/messages"))
        .bearer_auth(&ada.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_eq!(not_json.status(), 422);
    let body: serde_json::Value = not_json.json().await.expect("JSON");
    assert!(body["detail"].is_string(), "{body}");
    let missing_field = ada
        .client
        .post("/messages", json!({ "text": "no chat" }))
        .await;
    assert_eq!(missing_field.status, 422, "{}", missing_field.text);
    assert!(
        missing_field.detail().contains("chat_id"),
        "{}",
        missing_field.text
    );
    let wrong_type = ada
        .client
        .post("/chats/1/members", json!({ "user_id": "two" }))
        .await;
    assert_eq!(wrong_type.status, 422, "{}", wrong_type.text);
    wrong_type.detail();
    let bad_path = ada.client.get("/messages/abc").await;
    assert_eq!(bad_path.status, 422, "{}", bad_path.text);
    bad_path.detail();

    let unknown = ada.client.get("/no-such-route").await;
    assert_eq!((unknown.status, unknown.detail()), (404, "Not Found"));
    let wrong_method = ada
        .client
        .call(Method::PATCH, "/messages", Some(json!({})))
        .await;
    assert_eq!(
        (wrong_method.status, wrong_method.detail()),
        (405, "Method Not Allowed")
    );
}

/// Typed values (chat and message types, privacy settings, roles) arrive as text: a
/// value none of the documented ones is a 422 naming it with the request's other bad
/// fields; a value of another JSON type fails like any other field of that type.
#[tokio::test]
async fn unknown_typed_values_are_422_with_the_other_bad_fields() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let bob = user(&app, "Bob").await;
    let group = super::rest_group(&ada.client, "Typed", &[bob.id]).await;
    let bio = "b".repeat(501);
    let cases = [
        ("POST", "/chats", json!({ "type": "saved", "title": " " })),
        ("POST", "/chats", json!({ "type": "Group", "title": "T" })),
        ("POST", "/chats", json!({ "type": 1, "title": "T" })),
        ("POST", "/chats", json!({ "title": "T" })),
        (
            "POST",
            "/messages",
            json!({ "chat_id": group, "type": "sticker", "text": " " }),
        ),
        (
            "POST",
            "/messages",
            json!({ "chat_id": group, "type": "TEXT", "text": "hi", "client_message_id": "" }),
        ),
        (
            "POST",
            "/messages",
            json!({ "chat_id": 1, "type": 5, "text": "hi" }),
        ),
        ("POST", "/messages", json!({ "chat_id": group })),
        (
            "PUT",
            "/users/profile",
            json!({ "privacy_avatar": "friends", "privacy_last_seen": "NOBODY", "bio": bio }),
        ),
        (
            "PUT",
            "/users/profile",
            json!({ "privacy_group_invites": 3 }),
        ),
        (
            "PATCH",
            &format!("/chats/{group}/members/{}/role", bob.id),
            json!({ "role": "boss" }),
        ),
    ];
    let mut details = Vec::new();
    for (method, path, body) in cases {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let reply = ada.client.call(method, path, Some(body)).await;
        assert_eq!(reply.status, 422, "{}", reply.text);
        details.push(reply.detail().to_owned());
    }
    let invalid = "Invalid request body";
    assert_eq!(
        details,
        [
            "type: must be private, group or channel; title: must not be empty".to_owned(),
            "type: must be private, group or channel".to_owned(),
            format!("{invalid}: type: invalid type: integer `1`, expected a string at line 1 column 21"),
            format!("{invalid}: missing field `type` at line 1 column 13"),
            "type: must be one of text, image, video, audio, voice, file, circle_video".to_owned(),
            "type: must be one of text, image, video, audio, voice, file, circle_video; client_message_id: must be 1-128 characters".to_owned(),
            format!("{invalid}: type: invalid type: integer `5`, expected a string at line 1 column 33"),
            "text: must not be empty".to_owned(),
            "bio: must be at most 500 characters; privacy_avatar: must be everyone, contacts or nobody; privacy_last_seen: must be everyone, contacts or nobody".to_owned(),
            format!("{invalid}: privacy_group_invites: invalid type: integer `3`, expected a string at line 1 column 26"),
            format!("{invalid}: role: unknown variant `boss`, expected one of `owner`, `admin`, `member` at line 1 column 14"),
        ]
    );
    let kept = Client::expect(
        ada.client
            .put("/users/profile", json!({ "privacy_group_invites": null }))
            .await,
        200,
    );
    assert_eq!(kept["id"], ada.id);
}
