//! Global search (messenger-rest-api.md §10 `GET /search`, the seed's unnumbered §11).

use axum::{routing::get, Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    chat_views,
    dto::GlobalSearchRead,
    error::ApiResult,
    extract::{Caller, Params},
    views,
};
use crate::{
    domain::search::SearchLimits,
    rest::openapi::responses::{Authenticated, Unprocessable},
    state::AppState,
};

type State = axum::extract::State<AppState>;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/search", get(search))
}

fn ten() -> i64 {
    10
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchParams {
    #[serde(default)]
    query: String,
    #[serde(default = "ten")]
    #[param(default = 10, minimum = 1, maximum = 100)]
    users_limit: i64,
    #[serde(default = "ten")]
    #[param(default = 10, minimum = 1, maximum = 100)]
    chats_limit: i64,
    #[serde(default = "ten")]
    #[param(default = 10, minimum = 1, maximum = 100)]
    messages_limit: i64,
}

/// `GET /api/v1/search?query=&users_limit=10&chats_limit=10&messages_limit=10` —
/// messenger-rest-api.md §10/§11: users, the caller's chats, and messages the caller
/// can read.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "search",
    security(("jwt" = [])),
    params(SearchParams),
    responses(
        (status = 200, description = "Users, the caller's chats, and messages the caller can read", body = GlobalSearchRead),
        Authenticated,
        (status = 422, response = Unprocessable),
    )
)]
pub(super) async fn search(
    state: State,
    Caller(caller): Caller,
    Params(params): Params<SearchParams>,
) -> ApiResult<Json<GlobalSearchRead>> {
    let limits = SearchLimits {
        users: params.users_limit,
        chats: params.chats_limit,
        messages: params.messages_limit,
    };
    let domain = &state.domain;
    let found = domain
        .search()
        .global(&caller, &params.query, limits)
        .await?;
    let viewer = caller.user_id;
    let (chats, messages) = tokio::try_join!(
        chat_views::chat_reads(domain, viewer, found.chats),
        views::message_reads(domain, found.messages),
    )?;
    Ok(Json(GlobalSearchRead {
        users: views::user_search_reads(domain, viewer, found.users).await,
        chats,
        messages,
    }))
}
