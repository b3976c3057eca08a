//! §6 over REST: profiles, search, contacts, blocks, privacy of avatars.

use serde_json::{json, Value};

use super::{assert_seed_timestamp, assert_shape, seed, user, Client, User};
use crate::helpers::{spawn_app, TestApp};

/// Bob with a full profile (a unique handle, a bio and an avatar): (Bob, handle, the
/// answer to the update).
async fn bob_with_profile(app: &TestApp) -> (User<'_>, String, Value) {
    let bob = user(app, "Bob").await;
    let handle = format!("bob_{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let update = json!({ "name": "New Name", "username": handle, "bio": "new bio",
                         "avatar_url": "https://cdn.example.com/bob.png", "allow_private_messages": true });
    let updated = Client::expect(bob.client.put("/users/profile", update).await, 200);
    (bob, handle, updated)
}

#[tokio::test]
async fn me_is_the_callers_own_profile_in_the_seed_shape() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let me = Client::expect(ada.client.get("/users/me").await, 200);
    assert_shape(&me, seed::USER_READ);
    assert_eq!(
        (me["id"].as_i64(), me["name"].as_str()),
        (Some(ada.id), Some("Ada"))
    );
    assert_seed_timestamp(&me["updated_at"]);
}

#[tokio::test]
async fn a_profile_update_sets_fields_and_null_clears_one() {
    let app = spawn_app().await;
    let (bob, _, updated) = bob_with_profile(&app).await;
    assert_shape(&updated, seed::USER_READ);
    assert_eq!(updated["name"], "New Name");
    assert_eq!(updated["bio"], "new bio");
    let cleared = Client::expect(
        bob.client
            .put("/users/profile", json!({ "bio": null }))
            .await,
        200,
    );
    assert_eq!(
        (cleared["bio"].clone(), cleared["name"].clone()),
        (json!(null), json!("New Name"))
    );
}

#[tokio::test]
async fn an_invalid_profile_update_names_every_bad_field() {
    let app = spawn_app().await;
    let bob = user(&app, "Bob").await;
    let bad = bob
        .client
        .put(
            "/users/profile",
            json!({ "username": "a b", "bio": "x".repeat(501) }),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let detail = bad.detail();
    assert!(
        detail.contains("username: ") && detail.contains("bio: "),
        "{detail}"
    );
}

#[tokio::test]
async fn search_finds_a_user_by_handle_without_their_email() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let (bob, handle, _) = bob_with_profile(&app).await;
    let found = Client::expect(
        ada.client
            .get(&format!("/users/search?query=@{handle}&limit=20"))
            .await,
        200,
    );
    let found = found.as_array().expect("a list");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_shape(&found[0], seed::USER_SEARCH_READ);
    assert_eq!(found[0]["id"], bob.id);
    assert_eq!(
        found[0]["email"],
        json!(null),
        "other users' e-mail stays private"
    );
    assert_eq!(found[0]["avatar_url"], "https://cdn.example.com/bob.png");
}

#[tokio::test]
async fn search_ignores_short_queries_and_bounds_its_limit() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let short = Client::expect(ada.client.get("/users/search?query=@b").await, 200);
    assert_eq!(short, json!([]));
    let too_many = ada.client.get("/users/search?query=bob&limit=101").await;
    assert_eq!(
        (too_many.status, too_many.detail()),
        (422, "limit: must be between 1 and 100")
    );
}

#[tokio::test]
async fn an_avatar_hidden_from_everyone_is_still_shown_to_its_owner() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let (bob, handle, _) = bob_with_profile(&app).await;
    let profile = Client::expect(ada.client.get(&format!("/users/{}", bob.id)).await, 200);
    assert_shape(&profile, seed::USER_READ);
    assert_eq!(profile["username"], handle.as_str());
    let hidden = json!({ "privacy_avatar": "nobody" });
    Client::expect(bob.client.put("/users/profile", hidden).await, 200);
    let profile = Client::expect(ada.client.get(&format!("/users/{}", bob.id)).await, 200);
    assert_eq!(profile["avatar_url"], json!(null), "privacy_avatar: nobody");
    let own = Client::expect(bob.client.get("/users/me").await, 200);
    assert_eq!(own["avatar_url"], "https://cdn.example.com/bob.png");
}

#[tokio::test]
async fn an_unknown_user_is_not_found_and_a_malformed_id_is_a_422() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let missing = ada.client.get("/users/999999999").await;
    assert_eq!((missing.status, missing.detail()), (404, "User not found"));
    let not_a_number = ada.client.get("/users/abc").await;
    assert_eq!(not_a_number.status, 422, "{}", not_a_number.text);
    not_a_number.detail();
}

#[tokio::test]
async fn a_contact_is_added_listed_and_removed() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let bob = user(&app, "Bob").await;
    let path = format!("/users/{}/contacts", bob.id);
    ada.client.post_empty(&path).await.assert_no_content();
    let contacts = Client::expect(ada.client.get("/users/contacts").await, 200);
    assert_shape(&contacts[0], seed::USER_SEARCH_READ);
    assert_eq!(contacts[0]["id"], bob.id);
    ada.client.delete(&path).await.assert_no_content();
    assert_eq!(
        Client::expect(ada.client.get("/users/contacts").await, 200),
        json!([])
    );
}

#[tokio::test]
async fn a_contact_must_be_a_known_user_other_than_oneself() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let by_email = ada
        .client
        .post(
            "/users/contacts/by-email",
            json!({ "email": "nobody@example.com" }),
        )
        .await;
    assert_eq!(
        (by_email.status, by_email.detail()),
        (404, "User not found")
    );
    let myself = ada
        .client
        .post_empty(&format!("/users/{}/contacts", ada.id))
        .await;
    assert_eq!(myself.status, 422, "{}", myself.text);
    assert_eq!(myself.detail(), "user_id: must be another user");
}

#[tokio::test]
async fn a_blocked_user_cannot_open_a_private_chat_until_unblocked() {
    let app = spawn_app().await;
    let ada = user(&app, "Ada").await;
    let bob = user(&app, "Bob").await;
    let path = format!("/users/{}/block", bob.id);
    ada.client.post_empty(&path).await.assert_no_content();
    let blocked = Client::expect(ada.client.get("/users/blocked").await, 200);
    assert_shape(&blocked[0], seed::USER_SEARCH_READ);
    let private = json!({ "type": "private", "member_ids": [ada.id] });
    let refused = bob.client.post("/chats", private).await;
    assert_eq!(
        (refused.status, refused.detail()),
        (403, "You cannot message this user")
    );
    ada.client.delete(&path).await.assert_no_content();
    assert_eq!(
        Client::expect(ada.client.get("/users/blocked").await, 200),
        json!([])
    );
}
