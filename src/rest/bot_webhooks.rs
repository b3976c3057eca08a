//! The login bots' webhooks: `POST /bot/telegram/webhook` (Telegram's `setWebhook` with
//! a `secret_token`) and `POST /bot/max/webhook` (Max's `POST /subscriptions` with a
//! `secret`).
//!
//! 401 without the platform's secret header, 403 with a wrong one, 404 while the bot or
//! its secret is not configured; otherwise 200 for every update, acted on or not (a
//! platform redelivers anything else). A 5xx only when the database fails, so the update
//! is redelivered. The body is read raw: the secret is checked before it is parsed.

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::bot_auth::Detail;
use crate::{
    integrations::{max_bot, telegram_bot},
    rest::openapi::responses::Webhook,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bot/telegram/webhook", post(telegram))
        .route("/bot/max/webhook", post(max))
}

/// The secret header's value; a value that is not text counts as a wrong secret.
fn secret<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .map(|value| value.to_str().unwrap_or_default())
}

/// The answer to every update taken.
#[derive(Serialize, ToSchema)]
pub(super) struct Acknowledged {
    /// Always `true`.
    ok: bool,
}

fn acknowledged() -> Response {
    Json(Acknowledged { ok: true }).into_response()
}

/// `POST /bot/telegram/webhook` — one Telegram `Update`.
#[utoipa::path(
    post,
    path = "/bot/telegram/webhook",
    tag = "bot-webhooks",
    security(("telegramWebhookSecret" = [])),
    request_body(content = Object, description = "A Telegram `Update`"),
    responses(
        (status = 200, description = "Taken (acted on or not)", body = Acknowledged),
        Webhook,
    )
)]
pub(super) async fn telegram(
    State(state): State<AppState>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Detail> {
    let raw = raw?;
    let secret = secret(&headers, telegram_bot::SECRET_HEADER);
    state
        .domain
        .bot_auth()
        .telegram_webhook(secret, &raw)
        .await?;
    Ok(acknowledged())
}

/// `POST /bot/max/webhook` — one Max `Update`.
#[utoipa::path(
    post,
    path = "/bot/max/webhook",
    tag = "bot-webhooks",
    security(("maxWebhookSecret" = [])),
    request_body(content = Object, description = "A Max `Update`"),
    responses(
        (status = 200, description = "Taken (acted on or not)", body = Acknowledged),
        Webhook,
    )
)]
pub(super) async fn max(
    State(state): State<AppState>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, Detail> {
    let raw = raw?;
    let secret = secret(&headers, max_bot::SECRET_HEADER);
    state.domain.bot_auth().max_webhook(secret, &raw).await?;
    Ok(acknowledged())
}
