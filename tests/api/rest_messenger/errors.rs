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
