//! User routes (messenger-rest-api.md §6): profiles, search, contacts, blocks.

use axum::{
    http::StatusCode,
    routing::{get, post, put},
    Json, Router,
};
use serde::Deserialize;

use super::{
    dto::{EmailRequest, UserProfileUpdate, UserRead, UserSearchRead},
    error::ApiResult,
    extract::{Body, Caller, Ids, Params},
    views,
};
use crate::state::AppState;

type State = axum::extract::State<AppState>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users/me", get(me))
        .route("/api/v1/users/search", get(search))
        .route("/api/v1/users/profile", put(update_profile))
        .route("/api/v1/users/blocked", get(blocked))
        .route("/api/v1/users/contacts", get(contacts))
        .route(
            "/api/v1/users/contacts/by-email",
            post(add_contact_by_email),
        )
        .route(
            "/api/v1/users/{user_id}/contacts",
            post(add_contact).delete(remove_contact),
        )
        .route("/api/v1/users/{user_id}/block", post(block).delete(unblock))
        .route("/api/v1/users/{user_id}", get(user))
}

/// `GET /api/v1/users/me` — messenger-rest-api.md §6: `UserRead`.
async fn me(state: State, Caller(caller): Caller) -> ApiResult<Json<UserRead>> {
    let user = state.domain.users().me(&caller).await?;
    Ok(Json(
        views::user_read(&state.domain, caller.user_id, user).await,
    ))
}

fn twenty() -> i64 {
    20
}

#[derive(Deserialize)]
struct SearchParams {
    #[serde(default)]
    query: String,
    #[serde(default = "twenty")]
    limit: i64,
}

/// `GET /api/v1/users/search?query=&limit=20` — messenger-rest-api.md §6: empty for
/// queries under two characters (after an optional leading `@`).
async fn search(
    state: State,
    Caller(caller): Caller,
    Params(params): Params<SearchParams>,
) -> ApiResult<Json<Vec<UserSearchRead>>> {
    let users = state
        .domain
        .users()
        .search(&caller, &params.query, params.limit)
        .await?;
    Ok(Json(
        views::user_search_reads(&state.domain, caller.user_id, users).await,
    ))
}

/// `PUT /api/v1/users/profile` — messenger-rest-api.md §6: `UserRead`.
async fn update_profile(
    state: State,
    Caller(caller): Caller,
    Body(body): Body<UserProfileUpdate>,
) -> ApiResult<Json<UserRead>> {
    let users = state.domain.users();
    let user = users.update_profile(&caller, body.into()).await?;
    Ok(Json(
        views::user_read(&state.domain, caller.user_id, user).await,
    ))
}

/// `GET /api/v1/users/blocked` — messenger-rest-api.md §6.
async fn blocked(state: State, Caller(caller): Caller) -> ApiResult<Json<Vec<UserSearchRead>>> {
    let users = state.domain.contacts().blocked(&caller).await?;
    Ok(Json(
        views::user_search_reads(&state.domain, caller.user_id, users).await,
    ))
}

/// `GET /api/v1/users/contacts` — messenger-rest-api.md §6.
async fn contacts(state: State, Caller(caller): Caller) -> ApiResult<Json<Vec<UserSearchRead>>> {
    let users = state.domain.contacts().list(&caller).await?;
    Ok(Json(
        views::user_search_reads(&state.domain, caller.user_id, users).await,
    ))
}

/// `POST /api/v1/users/{user_id}/contacts` — messenger-rest-api.md §6: 204.
async fn add_contact(
    state: State,
    Caller(caller): Caller,
    Ids(user_id): Ids<i64>,
) -> ApiResult<StatusCode> {
    state.domain.contacts().add(&caller, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/users/contacts/by-email` — messenger-rest-api.md §6: 204.
async fn add_contact_by_email(
    state: State,
    Caller(caller): Caller,
    Body(body): Body<EmailRequest>,
) -> ApiResult<StatusCode> {
    state
        .domain
        .contacts()
        .add_by_email(&caller, &body.email)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/users/{user_id}/contacts` — messenger-rest-api.md §6: 204.
async fn remove_contact(
    state: State,
    Caller(caller): Caller,
    Ids(user_id): Ids<i64>,
) -> ApiResult<StatusCode> {
    state.domain.contacts().remove(&caller, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/users/{user_id}/block` — messenger-rest-api.md §6: 204.
async fn block(
    state: State,
    Caller(caller): Caller,
    Ids(user_id): Ids<i64>,
) -> ApiResult<StatusCode> {
    state.domain.contacts().block(&caller, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/users/{user_id}/block` — messenger-rest-api.md §6: 204.
async fn unblock(
    state: State,
    Caller(caller): Caller,
    Ids(user_id): Ids<i64>,
) -> ApiResult<StatusCode> {
    state.domain.contacts().unblock(&caller, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/users/{user_id}` — messenger-rest-api.md §6: `UserRead` (e-mail only
/// on one's own; avatar as the user's privacy allows).
async fn user(
    state: State,
    Caller(caller): Caller,
    Ids(user_id): Ids<i64>,
) -> ApiResult<Json<UserRead>> {
    let user = state.domain.users().get(user_id).await?;
    Ok(Json(
        views::user_read(&state.domain, caller.user_id, user).await,
    ))
}
