//! The OpenAPI 3.1 document of every REST shim, generated with utoipa from the
//! handlers' `#[utoipa::path]`s and the DTOs' `ToSchema`s, served at
//! `/api/openapi.json` (read by `/api/docs` and `/api/redoc`) when `API__DEBUG=true`:
//! the Mini App API (miniapp-rest-api.md), the messenger API (messenger-rest-api.md,
//! `/api/v1` and the health routes), bot login (bot-auth-api.md, `/v1/auth`) with the
//! bots' webhooks, and Mini App analytics (analytics-events-api.md, `POST /events`).

pub(super) mod responses;

use std::sync::LazyLock;

use serde::Serialize;
use utoipa::{
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi, ToSchema,
};

use self::responses::{
    BadRequest, Conflict, Detail, Forbidden, NotFound, PayloadTooLarge, TooManyRequests,
    Unauthorized, Unavailable, Unprocessable, UnsupportedMediaType,
};
use super::{
    analytics, bot_auth, bot_webhooks, messenger,
    miniapp::{self, envelope, users},
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "messenger-gateway REST API",
        description = "The legacy REST shims of messenger-gateway, one per seed API:\n\n\
                       * **Mini App API** (`/api`, tag `miniapp`): the envelope `{success, data, error}`; \
                       Telegram initData in `Authorization: Bearer <initData>` (or `tma <initData>`).\n\
                       * **Messenger API** (`/api/v1` and `/health*`, tags `auth` … `health`): \
                       `Authorization: Bearer <access token>`; errors are `{\"detail\": …}`.\n\
                       * **Bot login** (`/v1/auth`, tag `bot-auth`) and the bots' webhooks \
                       (`/bot/*/webhook`, tag `bot-webhooks`): errors are `{\"detail\": …}`.\n\
                       * **Mini App analytics** (`POST /events`, tag `analytics`): `TGA-Auth-Token`; \
                       answers are `{\"message\": …}`.\n\n\
                       Integer ids are 64-bit; timestamps are RFC 3339 in UTC (`2026-03-08T10:00:00Z`)."
    ),
    paths(
        miniapp::health,
        users::validate,
        users::me,
        users::update_me,
        users::by_telegram_id,
        health,
        health_live,
        health_ready,
        bot_auth::link,
        bot_auth::create_session,
        bot_auth::status,
        bot_auth::verify,
        bot_webhooks::telegram,
        bot_webhooks::max,
        analytics::record,
    ),
    components(
        schemas(
            users::UserRead,
            users::UserUpdate,
            envelope::ApiErrorBody,
            envelope::TooManyRequestsBody,
            Detail,
            HealthStatus,
            Readiness,
            NotReady,
        ),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PayloadTooLarge,
            UnsupportedMediaType,
            Unprocessable,
            TooManyRequests,
            Unavailable,
        )
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "miniapp", description = "Mini App API (miniapp-rest-api.md)"),
        (name = "health", description = "messenger-rest-api.md §4"),
        (name = "auth", description = "messenger-rest-api.md §5"),
        (name = "users", description = "messenger-rest-api.md §6"),
        (name = "chats", description = "messenger-rest-api.md §7"),
        (name = "messages", description = "messenger-rest-api.md §8"),
        (name = "media", description = "messenger-rest-api.md §9"),
        (name = "notifications", description = "messenger-rest-api.md §10"),
        (name = "search", description = "messenger-rest-api.md §10 (`GET /search`)"),
        (name = "bot-auth", description = "Bot login (bot-auth-api.md)"),
        (name = "bot-webhooks", description = "The login bots' webhooks (Telegram, Max)"),
        (name = "analytics", description = "Mini App analytics (analytics-events-api.md)"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "jwt",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "`Authorization: Bearer <access_token>` from `POST /api/v1/auth/login` \
                         (or GraphQL sign-in)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "initData",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("Telegram initData")
                    .description(Some(
                        "`Authorization: Bearer <initData>` (or `tma <initData>`)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "TGA-Auth-Token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("TGA-Auth-Token"))),
        );
        components.add_security_scheme(
            "telegramWebhookSecret",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(
                "X-Telegram-Bot-Api-Secret-Token",
            ))),
        );
        components.add_security_scheme(
            "maxWebhookSecret",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Max-Bot-Api-Secret"))),
        );
    }
}

/// `{"status": "ok"}`: the process answers.
#[derive(Serialize, ToSchema)]
pub(super) struct HealthStatus {
    #[schema(example = "ok")]
    status: String,
}

/// `GET /health/ready` when ready.
#[derive(Serialize, ToSchema)]
struct Readiness {
    #[schema(example = "ready")]
    status: String,
    #[schema(example = "ok")]
    db: String,
    /// `"disabled"` when `REDIS_URL` is unset.
    #[schema(example = "ok")]
    redis: String,
}

/// `GET /health/ready` when not ready: `false` names what failed.
#[derive(Serialize, ToSchema)]
struct NotReady {
    detail: NotReadyDetail,
}

#[derive(Serialize, ToSchema)]
struct NotReadyDetail {
    #[schema(example = "not_ready")]
    status: String,
    db: bool,
    redis: bool,
}

// The health routes are served by `crate::http::health`; these items only describe
// them for the document.

/// `GET /health` — messenger-rest-api.md §4.
#[utoipa::path(
    get,
    path = "/health",
    tag = "health",
    responses((status = 200, description = "The process answers", body = HealthStatus))
)]
#[allow(dead_code)]
fn health() {}

/// `GET /health/live` — messenger-rest-api.md §4.
#[utoipa::path(
    get,
    path = "/health/live",
    tag = "health",
    responses((status = 200, description = "The process answers", body = HealthStatus))
)]
#[allow(dead_code)]
fn health_live() {}

/// `GET /health/ready` — messenger-rest-api.md §4.
#[utoipa::path(
    get,
    path = "/health/ready",
    tag = "health",
    responses(
        (status = 200, description = "PostgreSQL and Redis answer", body = Readiness),
        (status = 503, description = "Not ready", body = NotReady),
    )
)]
#[allow(dead_code)]
fn health_ready() {}

/// The whole document. Operation ids are `<tag>.<handler>` (`auth.me`, `users.me`):
/// the handlers' names alone repeat across the shims.
fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(messenger::Doc::openapi());
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let tag = operation.tags.iter().flatten().next().cloned();
            if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut()) {
                *id = format!("{tag}.{id}");
            }
        }
    }
    doc
}

/// The document as JSON, built once.
pub fn json() -> String {
    static DOCUMENT: LazyLock<String> =
        LazyLock::new(|| document().to_json().unwrap_or_else(|_| "{}".to_owned()));
    DOCUMENT.clone()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn doc() -> Value {
        serde_json::from_str(&super::json()).expect("json")
    }

    #[test]
    fn the_document_lists_every_shim_route() {
        let doc = doc();
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
        for path in [
            "/api/health",
            "/api/auth/validate",
            "/api/users/me",
            "/api/users/{telegram_id}",
            "/events",
            "/health/ready",
            "/api/v1/auth/login",
            "/api/v1/chats/{chat_id}/members/{user_id}/role",
            "/api/v1/messages/{id}",
            "/v1/auth/session/{session_id}/status",
            "/bot/telegram/webhook",
        ] {
            assert!(doc["paths"][path].is_object(), "{path}");
        }
        assert!(doc["paths"]["/api/users/me"]["patch"].is_object());
    }

    #[test]
    fn operation_ids_are_unique() {
        let doc = doc();
        let mut seen = std::collections::BTreeSet::new();
        for item in doc["paths"].as_object().expect("paths").values() {
            for operation in item.as_object().expect("path item").values() {
                let id = operation["operationId"].as_str().expect("operationId");
                assert!(seen.insert(id.to_owned()), "{id} twice");
            }
        }
    }

    /// The messenger part is merged in: a schema name both parts use must mean the same
    /// schema (a clash would silently replace one).
    #[test]
    fn merged_schema_names_do_not_clash() {
        use utoipa::OpenApi;
        let schemas = |doc: utoipa::openapi::OpenApi| {
            let value = serde_json::to_value(doc).expect("serializes");
            value["components"]["schemas"]
                .as_object()
                .cloned()
                .unwrap_or_default()
        };
        let main = schemas(super::ApiDoc::openapi());
        let messenger = schemas(super::messenger::Doc::openapi());
        for (name, schema) in &messenger {
            if let Some(other) = main.get(name) {
                assert_eq!(schema, other, "two schemas named {name}");
            }
        }
    }

    /// Every `$ref` points at a component that exists.
    #[test]
    fn every_reference_resolves() {
        fn walk(value: &Value, doc: &Value, bad: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        let pointer = target.trim_start_matches('#');
                        if doc.pointer(pointer).is_none() {
                            bad.push(target.clone());
                        }
                    }
                    map.values().for_each(|v| walk(v, doc, bad));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, doc, bad)),
                _ => {}
            }
        }
        let doc = doc();
        let mut bad = Vec::new();
        walk(&doc, &doc, &mut bad);
        assert!(bad.is_empty(), "unresolved: {bad:?}");
    }
}
