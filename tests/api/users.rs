//! User search (messenger-rest-api.md §6 `GET /users/search`).

use serde_json::json;

use crate::helpers::{error_code, sign_in, spawn_app, unique_telegram_id};

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
