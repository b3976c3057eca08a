//! Snapshots (insta) of what clients parse: the SDL, and one error body of each dialect
//! (GraphQL, the messenger REST API, the Mini App REST API, bot login, analytics). A
//! change shows as a diff in `tests/api/snapshots/`; accept it with `cargo insta review`
//! (or `INSTA_UPDATE=always`) only when the change is meant. CI never writes them.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

#[test]
fn the_sdl_matches_its_snapshot() {
    insta::assert_snapshot!("schema", messenger_gateway::graphql::sdl());
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    answer(
        app.http
            .post(app.url(path))
            .json(&body)
            .send()
            .await
            .expect("sent"),
    )
    .await
}

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    answer(app.http.get(app.url(path)).send().await.expect("sent")).await
}

#[tokio::test]
async fn each_dialect_answers_errors_in_its_documented_shape() {
    let app = spawn_app().await;
    let graphql_unauthenticated = post(&app, "/graphql", json!({ "query": "{ me { id } }" })).await;
    let graphql_invalid = post(&app, "/graphql", json!({ "query": "{ nope }" })).await;
    let messenger_unauthenticated = get(&app, "/api/v1/users/me").await;
    let messenger_invalid = post(
        &app,
        "/api/v1/auth/register",
        json!({ "email": "not-an-email", "password": "x" }),
    )
    .await;
    let miniapp_unauthenticated = get(&app, "/api/users/me").await;
    let bot_login_bad_code = post(&app, "/v1/auth/verify", json!({ "code": "000000" })).await;
    let analytics_unauthenticated = post(&app, "/events", json!([])).await;
    insta::assert_json_snapshot!(
        "error_bodies",
        json!({
            "graphql_unauthenticated": graphql_unauthenticated,
            "graphql_invalid_document": graphql_invalid,
            "messenger_unauthenticated": messenger_unauthenticated,
            "messenger_invalid_input": messenger_invalid,
            "miniapp_unauthenticated": miniapp_unauthenticated,
            "bot_login_bad_code": bot_login_bad_code,
            "analytics_unauthenticated": analytics_unauthenticated,
        })
    );
}
