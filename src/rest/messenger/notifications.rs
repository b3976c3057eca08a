//! Notification routes (messenger-rest-api.md §10).

use axum::{routing::get, Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    dto::NotificationRead,
    error::ApiResult,
    extract::{Caller, Params},
};
use crate::{
    rest::openapi::responses::{Authenticated, Unprocessable},
    state::AppState,
};

type State = axum::extract::State<AppState>;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/notifications", get(list))
}

fn fifty() -> i64 {
    50
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListParams {
    #[serde(default = "fifty")]
    #[param(default = 50, minimum = 1, maximum = 100)]
    limit: i64,
    /// Not in the seed: the next page, older than this notification id.
    before_id: Option<i64>,
}

/// `GET /api/v1/notifications?limit=50` — messenger-rest-api.md §10: newest first.
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    tag = "notifications",
    security(("jwt" = [])),
    params(ListParams),
    responses(
        (status = 200, description = "The caller's notifications, newest first", body = Vec<NotificationRead>),
        Authenticated,
        (status = 422, response = Unprocessable),
    )
)]
pub(super) async fn list(
    state: State,
    Caller(caller): Caller,
    Params(params): Params<ListParams>,
) -> ApiResult<Json<Vec<NotificationRead>>> {
    let found = state
        .domain
        .notifications()
        .list(&caller, params.before_id, params.limit)
        .await?;
    Ok(Json(found.items.into_iter().map(Into::into).collect()))
}
