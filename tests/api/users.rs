//! User search (messenger-rest-api.md §6 `GET /users/search`).

use serde_json::json;

use crate::helpers::{error_code, sign_in, spawn_app, unique_telegram_id, TestApp};

const SEARCH: &str =
    "query($q: String!, $n: Int) { searchUsers(query: $q, first: $n) { id username } }";

#[tokio::test]
async fn search_finds_by_username_with_or_without_at_and_ignores_short_queries() {
    let app = spawn_app().await;
    let telegram_id = unique_telegram_id();
    let (token, user_id) = sign_in(&app, telegram_id, "Searchable").await;
    let auth = format!("Bearer {token}");
    let username = format!("tg{telegram_id}");

    for query in [
        username.clone(),
        format!("@{username}"),
        username[2..8].to_owned(),
    ] {
        let (_, body) = app
            .graphql(SEARCH, json!({ "q": query }), Some(&auth))
            .await;
        let found = body["data"]["searchUsers"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        assert!(
            found.iter().any(|u| u["id"] == user_id.as_str()),
            "{query}: {body}"
        );
    }
    for query in ["t", "@t", "  ", "@"] {
        let (_, body) = app
            .graphql(SEARCH, json!({ "q": query }), Some(&auth))
            .await;
        assert_eq!(body["data"]["searchUsers"], json!([]), "{query}");
    }
    let (_, body) = app.graphql(SEARCH, json!({ "q": "%%" }), Some(&auth)).await;
    assert_eq!(
        body["data"]["searchUsers"],
        json!([]),
        "LIKE wildcards are literal"
    );
}

#[tokio::test]
async fn search_page_size_is_bounded() {
    let app = spawn_app().await;
    let (token, _) = sign_in(&app, unique_telegram_id(), "Pager").await;
    let (_, body) = app
        .graphql(
            SEARCH,
            json!({ "q": "pager", "n": 101 }),
            Some(&format!("Bearer {token}")),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(
        body["errors"][0]["extensions"]["fields"]["first"],
        "must be between 1 and 100"
    );
}

const UPDATE: &str = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { id name username bio languageCode avatarUrl allowPrivateMessages } }";

#[tokio::test]
async fn update_profile_changes_only_given_fields_and_null_clears() {
    let app = spawn_app().await;
    let (token, _) = sign_in(&app, unique_telegram_id(), "Prof").await;
    let auth = format!("Bearer {token}");
    let handle = format!("u{}", uuid::Uuid::new_v4().simple())[..20].to_owned();
    let input = json!({ "name": "Ada L", "username": format!("@{handle}"), "bio": "Hello",
                        "languageCode": "ru", "avatarUrl": "https://cdn.example.com/a.png",
                        "allowPrivateMessages": false });
    let (_, body) = app
        .graphql(UPDATE, json!({ "i": input }), Some(&auth))
        .await;
    let user = &body["data"]["updateProfile"];
    assert_eq!(user["name"], "Ada L", "{body}");
    assert_eq!(user["username"], handle.as_str(), "leading @ dropped");
    assert_eq!(user["bio"], "Hello");
    assert_eq!(user["languageCode"], "ru");
    assert_eq!(user["allowPrivateMessages"], false);

    let (_, body) = app
        .graphql(UPDATE, json!({ "i": { "bio": null } }), Some(&auth))
        .await;
    let user = &body["data"]["updateProfile"];
    assert_eq!(user["bio"], serde_json::Value::Null);
    assert_eq!(user["name"], "Ada L", "omitted fields stay");
}

#[tokio::test]
async fn update_profile_names_every_bad_field_and_taken_usernames_conflict() {
    let app = spawn_app().await;
    let (first, _) = sign_in(&app, unique_telegram_id(), "First").await;
    let (second, _) = sign_in(&app, unique_telegram_id(), "Second").await;
    let input =
        json!({ "bio": "x".repeat(501), "languageCode": "much-too-long", "username": "a b" });
    let (_, body) = app
        .graphql(
            UPDATE,
            json!({ "i": input }),
            Some(&format!("Bearer {first}")),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    let fields = &body["errors"][0]["extensions"]["fields"];
    assert_eq!(fields["bio"], "must be at most 500 characters");
    assert!(
        fields["languageCode"].is_string() && fields["username"].is_string(),
        "{body}"
    );

    let handle = format!("Taken{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (_, body) = app
        .graphql(
            UPDATE,
            json!({ "i": { "username": handle } }),
            Some(&format!("Bearer {first}")),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let (_, body) = app
        .graphql(
            UPDATE,
            json!({ "i": { "username": handle.to_lowercase() } }),
            Some(&format!("Bearer {second}")),
        )
        .await;
    assert_eq!(error_code(&body), Some("CONFLICT"));
    assert_eq!(
        body["errors"][0]["extensions"]["fields"]["username"],
        "Username is already taken"
    );
}

const ADD_CONTACT: &str = "mutation($id: ID!) { addContact(userId: $id) { id } }";
const LISTS: &str = "{ contacts { id } blockedUsers { id } }";

/// Alice and Bob signed in: (Alice's `Bearer …` header, Alice's id, Bob's id).
async fn alice_and_bob(app: &TestApp) -> (String, String, String) {
    let (alice, alice_id) = sign_in(app, unique_telegram_id(), "Alice").await;
    let (_, bob_id) = sign_in(app, unique_telegram_id(), "Bob").await;
    (format!("Bearer {alice}"), alice_id, bob_id)
}

#[tokio::test]
async fn adding_a_contact_twice_keeps_one_contact() {
    let app = spawn_app().await;
    let (auth, _, bob_id) = alice_and_bob(&app).await;
    let vars = json!({ "id": bob_id });
    for _ in 0..2 {
        let (_, body) = app.graphql(ADD_CONTACT, vars.clone(), Some(&auth)).await;
        assert_eq!(
            body["data"]["addContact"]["id"],
            bob_id.as_str(),
            "idempotent: {body}"
        );
    }
    let (_, body) = app.graphql(LISTS, json!({}), Some(&auth)).await;
    assert_eq!(body["data"]["contacts"], json!([{ "id": bob_id }]));
    assert_eq!(body["data"]["blockedUsers"], json!([]));
}

#[tokio::test]
async fn a_blocked_contact_moves_to_the_blocked_list_until_unblocked() {
    let app = spawn_app().await;
    let (auth, _, bob_id) = alice_and_bob(&app).await;
    let vars = json!({ "id": bob_id });
    let (_, body) = app.graphql(ADD_CONTACT, vars.clone(), Some(&auth)).await;
    assert!(body["errors"].is_null(), "{body}");

    let (_, body) = app
        .graphql(
            "mutation($id: ID!) { blockUser(userId: $id) { id } removeContact(userId: $id) }",
            vars.clone(),
            Some(&auth),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let (_, body) = app.graphql(LISTS, json!({}), Some(&auth)).await;
    assert_eq!(body["data"]["contacts"], json!([]));
    assert_eq!(body["data"]["blockedUsers"], json!([{ "id": bob_id }]));

    let (_, body) = app
        .graphql(
            "mutation($id: ID!) { unblockUser(userId: $id) }",
            vars,
            Some(&auth),
        )
        .await;
    assert_eq!(body["data"]["unblockUser"], true);
}

#[tokio::test]
async fn a_contact_must_be_another_known_user_given_by_id_or_email() {
    let app = spawn_app().await;
    let (auth, alice_id, _) = alice_and_bob(&app).await;
    let cases = [
        (json!({ "id": alice_id }), "BAD_USER_INPUT"),
        (json!({ "id": "999999999" }), "NOT_FOUND"),
    ];
    for (vars, code) in cases {
        let (_, body) = app.graphql(ADD_CONTACT, vars, Some(&auth)).await;
        assert_eq!(error_code(&body), Some(code), "{body}");
    }
    let (_, body) = app
        .graphql(
            "mutation { addContact(email: \"nobody@example.com\") { id } }",
            json!({}),
            Some(&auth),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"));
    let (_, body) = app
        .graphql("mutation { addContact { id } }", json!({}), Some(&auth))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn privacy_settings_hide_avatar_and_last_seen_from_the_right_viewers() {
    let app = spawn_app().await;
    let (owner, owner_id) = sign_in(&app, unique_telegram_id(), "Private").await;
    let (friend, friend_id) = sign_in(&app, unique_telegram_id(), "Friend").await;
    let (stranger, _) = sign_in(&app, unique_telegram_id(), "Stranger").await;
    let set = json!({ "i": { "avatarUrl": "https://cdn.example.com/me.png", "privacyAvatar": "CONTACTS" } });
    let (_, body) = app
        .graphql("mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { privacyAvatar avatarUrl } }", set, Some(&format!("Bearer {owner}")))
        .await;
    assert_eq!(
        body["data"]["updateProfile"]["privacyAvatar"], "CONTACTS",
        "{body}"
    );
    app.graphql(
        "mutation($u: ID!) { addContact(userId: $u) { id } }",
        json!({ "u": friend_id }),
        Some(&format!("Bearer {owner}")),
    )
    .await;
    let query = "query($u: ID!) { user(id: $u) { avatarUrl privacyAvatar } }";
    let (_, seen) = app
        .graphql(
            query,
            json!({ "u": owner_id }),
            Some(&format!("Bearer {friend}")),
        )
        .await;
    assert_eq!(
        seen["data"]["user"]["avatarUrl"],
        "https://cdn.example.com/me.png"
    );
    assert_eq!(
        seen["data"]["user"]["privacyAvatar"],
        serde_json::Value::Null,
        "settings are the owner's own"
    );
    let (_, hidden) = app
        .graphql(
            query,
            json!({ "u": owner_id }),
            Some(&format!("Bearer {stranger}")),
        )
        .await;
    assert_eq!(hidden["data"]["user"]["avatarUrl"], serde_json::Value::Null);
    let bad = json!({ "i": { "privacyAvatar": "SOMETIMES" } });
    let (_, body) = app
        .graphql(
            "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { id } }",
            bad,
            Some(&format!("Bearer {owner}")),
        )
        .await;
    assert!(body["errors"].is_array());
}
