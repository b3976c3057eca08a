//! The OpenAPI 3 document of the REST shims (generated with utoipa from the handlers'
//! `#[utoipa::path]`s), served at `/api/openapi.json` when `API__DEBUG=true`.

use std::sync::LazyLock;

use utoipa::{
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use super::{
    analytics,
    miniapp::{self, envelope, users},
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "messenger-gateway REST API",
        description = "Legacy REST shims: the Mini App API (`/api`, envelope `{success, data, error}`, \
                       Telegram initData in `Authorization: Bearer <initData>` or `tma <initData>`) \
                       and Mini App analytics (`POST /events`, `TGA-Auth-Token`)."
    ),
    paths(
        miniapp::health,
        users::validate,
        users::me,
        users::update_me,
        users::by_telegram_id,
        analytics::record,
    ),
    components(schemas(
        users::UserRead,
        users::UserUpdate,
        envelope::ApiErrorBody,
        envelope::TooManyRequestsBody,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "miniapp", description = "miniapp-rest-api.md"),
        (name = "analytics", description = "analytics-events-api.md"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
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
    }
}

/// The document as JSON, built once.
pub fn json() -> String {
    static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
        ApiDoc::openapi()
            .to_json()
            .unwrap_or_else(|_| "{}".to_owned())
    });
    DOCUMENT.clone()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_lists_every_shim_route() {
        let doc: serde_json::Value = serde_json::from_str(&super::json()).expect("json");
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
        for path in [
            "/api/health",
            "/api/auth/validate",
            "/api/users/me",
            "/api/users/{telegram_id}",
            "/events",
        ] {
            assert!(doc["paths"][path].is_object(), "{path}");
        }
        assert!(doc["paths"]["/api/users/me"]["patch"].is_object());
    }
}
