//! User routes (messenger-rest-api.md §6): profiles, search, contacts, blocks.

use axum::{
    http::StatusCode,
    routing::{get, post, put},
    Json, Router,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    dto::{EmailRequest, UserProfileUpdate, UserRead, UserSearchRead},
    error::ApiResult,
    extract::{Body, Caller, Ids, Params},
    views,
};
use crate::{
    rest::openapi::responses::{
        Authenticated, Conflict, Forbidden, JsonBody, NotFound, OnUser, Unprocessable,
    },
    state::AppState,
};

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
#[utoipa::path(
    get,
    path = "/api/v1/users/me",
    tag = "users",
    security(("jwt" = [])),
    responses(
        (status = 200, description = "The caller's profile", body = UserRead),
        Authenticated,
        (status = 404, response = NotFound),
    )
)]
pub(super) async fn me(state: State, Caller(caller): Caller) -> ApiResult<Json<UserRead>> {
    let user = state.domain.users().me(&caller).await?;
    Ok(Json(
        views::user_read(&state.domain, caller.user_id, user).await,
    ))
}

fn twenty() -> i64 {
    20
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchParams {
    /// Name, username or e-mail; a leading `@` is ignored.
    #[serde(default)]
    query: String,
    #[serde(default = "twenty")]
    #[param(default = 20, minimum = 1, maximum = 100)]
    limit: i64,
}

/// `GET /api/v1/users/search?query=&limit=20` — messenger-rest-api.md §6: empty for
/// queries under two characters (after an optional leading `@`).
#[utoipa::path(
    get,
    path = "/api/v1/users/search",
    tag = "users",
    security(("jwt" = [])),
    params(SearchParams),
    responses(
        (status = 200, description = "Matching users; empty for queries under two characters", body = Vec<UserSearchRead>),
        Authenticated,
        (status = 422, response = Unprocessable),
    )
)]
pub(super) async fn search(
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
#[utoipa::path(
    put,
    path = "/api/v1/users/profile",
    tag = "users",
    security(("jwt" = [])),
    request_body = UserProfileUpdate,
    responses(
        (status = 200, description = "The updated profile", body = UserRead),
        Authenticated,
        JsonBody,
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
pub(super) async fn update_profile(
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
#[utoipa::path(
    get,
    path = "/api/v1/users/blocked",
    tag = "users",
    security(("jwt" = [])),
    responses(
        (status = 200, description = "Users the caller blocked", body = Vec<UserSearchRead>),
        Authenticated,
    )
)]
pub(super) async fn blocked(
    state: State,
    Caller(caller): Caller,
) -> ApiResult<Json<Vec<UserSearchRead>>> {
    let users = state.domain.contacts().blocked(&caller).await?;
    Ok(Json(
        views::user_search_reads(&state.domain, caller.user_id, users).await,
    ))
}

/// `GET /api/v1/users/contacts` — messenger-rest-api.md §6.
#[utoipa::path(
    get,
    path = "/api/v1/users/contacts",
    tag = "users",
    security(("jwt" = [])),
    responses(
        (status = 200, description = "The caller's contacts", body = Vec<UserSearchRead>),
        Authenticated,
    )
)]
pub(super) async fn contacts(
    state: State,
    Caller(caller): Caller,
) -> ApiResult<Json<Vec<UserSearchRead>>> {
    let users = state.domain.contacts().list(&caller).await?;
    Ok(Json(
        views::user_search_reads(&state.domain, caller.user_id, users).await,
    ))
}

/// `POST /api/v1/users/{user_id}/contacts` — messenger-rest-api.md §6: 204.
#[utoipa::path(
    post,
    path = "/api/v1/users/{user_id}/contacts",
    tag = "users",
    security(("jwt" = [])),
    params(("user_id" = i64, Path, description = "A user id")),
    responses(
        (status = 204, description = "Added (or already a contact)"),
        OnUser,
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    )
)]
pub(super) async fn add_contact(
    state: State,
    Caller(caller): Caller,
    Ids(user_id): Ids<i64>,
) -> ApiResult<StatusCode> {
    state.domain.contacts().add(&caller, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/users/contacts/by-email` — messenger-rest-api.md §6: 204.
#[utoipa::path(
    post,
    path = "/api/v1/users/contacts/by-email",
    tag = "users",
    security(("jwt" = [])),
    request_body = EmailRequest,
    responses(
        (status = 204, description = "Added (or already a contact)"),
        Authenticated,
        JsonBody,
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
pub(super) async fn add_contact_by_email(
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
#[utoipa::path(
    delete,
    path = "/api/v1/users/{user_id}/contacts",
    tag = "users",
    security(("jwt" = [])),
    params(("user_id" = i64, Path, description = "A user id")),
    responses(
        (status = 204, description = "Removed"),
        OnUser,
    )
)]
pub(super) async fn remove_contact(
    state: State,
    Caller(caller): Caller,
    Ids(user_id): Ids<i64>,
) -> ApiResult<StatusCode> {
    state.domain.contacts().remove(&caller, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/users/{user_id}/block` — messenger-rest-api.md §6: 204.
#[utoipa::path(
    post,
    path = "/api/v1/users/{user_id}/block",
    tag = "users",
    security(("jwt" = [])),
    params(("user_id" = i64, Path, description = "A user id")),
    responses(
        (status = 204, description = "Blocked"),
        OnUser,
        (status = 409, response = Conflict),
    )
)]
pub(super) async fn block(
    state: State,
    Caller(caller): Caller,
    Ids(user_id): Ids<i64>,
) -> ApiResult<StatusCode> {
    state.domain.contacts().block(&caller, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/users/{user_id}/block` — messenger-rest-api.md §6: 204.
#[utoipa::path(
    delete,
    path = "/api/v1/users/{user_id}/block",
    tag = "users",
    security(("jwt" = [])),
    params(("user_id" = i64, Path, description = "A user id")),
    responses(
        (status = 204, description = "Unblocked"),
        OnUser,
    )
)]
pub(super) async fn unblock(
    state: State,
    Caller(caller): Caller,
    Ids(user_id): Ids<i64>,
) -> ApiResult<StatusCode> {
    state.domain.contacts().unblock(&caller, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/users/{user_id}` — messenger-rest-api.md §6: `UserRead` (e-mail only
/// on one's own; avatar as the user's privacy allows).
#[utoipa::path(
    get,
    path = "/api/v1/users/{user_id}",
    tag = "users",
    security(("jwt" = [])),
    params(("user_id" = i64, Path, description = "A user id")),
    responses(
        (status = 200, description = "The profile as the caller may see it", body = UserRead),
        OnUser,
    )
)]
pub(super) async fn user(
    state: State,
    Caller(caller): Caller,
    Ids(user_id): Ids<i64>,
) -> ApiResult<Json<UserRead>> {
    let user = state.domain.users().get(user_id).await?;
    Ok(Json(
        views::user_read(&state.domain, caller.user_id, user).await,
    ))
}
