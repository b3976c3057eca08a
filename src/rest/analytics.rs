//! Mini App analytics (analytics-events-api.md): `POST /events` with the seed's bodies.
//!
//! The body is one event or an array, plain or `Content-Encoding: gzip` (what the
//! official SDK sends; `deflate` too), at most `MAX_REQUEST_BODY_BYTES` before and
//! after decompression. `Content-Type` is not insisted on: the body is read as JSON.
//! Answers beyond the seed's: 413 `{"message": "Request body is too large."}`, 415
//! `{"message": "Unsupported Content-Encoding."}`, 405 for other methods; the 429
//! carries `Retry-After`.

use std::io::Read;

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, State},
    http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde::Serialize;
use serde_json::json;
use utoipa::{
    openapi::{
        schema::SchemaType, ArrayBuilder, ObjectBuilder, OneOfBuilder, Ref, RefOr, Schema, Type,
    },
    PartialSchema, ToSchema,
};

use super::rate_limit;
use crate::{
    config::Config,
    domain::analytics::{
        events::{MAX_BATCH, SUPPORTED_EVENTS},
        AnalyticsError, Unreadable,
    },
    state::AppState,
};

pub fn router(config: &Config) -> Router<AppState> {
    let routes = Router::new().route("/events", post(record).fallback(method_not_allowed));
    rate_limit::per_client_ip(
        routes,
        config.rest.analytics_rate_limit_per_minute,
        &config.rest.trusted_proxies,
        too_many_requests,
    )
}

/// The header carrying the app's token.
const TOKEN_HEADER: &str = "tga-auth-token";

/// Every answer of `POST /events`: `{"message": …}`, plus `"status": 400` on the
/// schema mismatch (`VALIDATION_MISMATCH_REPORT`), as the seed shows them.
#[derive(Serialize, ToSchema)]
pub(super) struct EventsAnswer {
    #[schema(example = "Success record.")]
    message: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = 400)]
    status: Option<u16>,
}

fn message(status: StatusCode, text: &'static str) -> Response {
    let body = EventsAnswer {
        message: text,
        status: None,
    };
    (status, Json(body)).into_response()
}

/// The request body: one event or a non-empty array of at most 1000.
pub(super) struct EventBatch;

impl PartialSchema for EventBatch {
    fn schema() -> RefOr<Schema> {
        let event = || Ref::from_schema_name(Event::name());
        OneOfBuilder::new()
            .item(event())
            .item(
                ArrayBuilder::new()
                    .items(event())
                    .min_items(Some(1))
                    .max_items(Some(MAX_BATCH)),
            )
            .into()
    }
}

impl ToSchema for EventBatch {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Event::name().into_owned(), Event::schema()));
        <Event as ToSchema>::schemas(schemas);
    }
}

/// One event of analytics-events-api.md "Body". Optional fields may be `null`; fields
/// not listed are ignored; strings are at most 4096 characters.
#[derive(ToSchema)]
#[schema(as = AnalyticsEvent)]
#[allow(dead_code)] // the document's schema; the domain checks the JSON itself
pub(super) struct Event {
    #[schema(value_type = EventName)]
    event_name: String,
    session_id: uuid::Uuid,
    #[schema(example = 111111111)]
    user_id: i64,
    #[schema(min_length = 1, max_length = 4096, example = "docs")]
    app_name: String,
    is_premium: Option<bool>,
    is_success: Option<bool>,
    #[schema(max_length = 4096)]
    error_message: Option<String>,
    error_code: Option<i64>,
    #[schema(max_length = 4096)]
    wallet_address: Option<String>,
    #[schema(max_length = 4096)]
    wallet_type: Option<String>,
    #[schema(max_length = 4096)]
    wallet_version: Option<String>,
    #[schema(value_type = Option<AuthType>)]
    auth_type: Option<i16>,
    #[schema(max_length = 4096)]
    valid_until: Option<String>,
    #[serde(rename = "from")]
    #[schema(max_length = 4096)]
    from_address: Option<String>,
    messages: Option<Vec<TransactionMessage>>,
    #[schema(value_type = Option<Object>)]
    custom_data: Option<serde_json::Value>,
    #[schema(max_length = 4096, example = "1743503599534")]
    client_timestamp: Option<String>,
    #[schema(max_length = 4096, example = "tdesktop")]
    platform: Option<String>,
    #[schema(max_length = 4096, example = "en")]
    locale: Option<String>,
    #[schema(max_length = 4096)]
    start_param: Option<String>,
    #[schema(max_length = 4096)]
    url_referer: Option<String>,
    #[schema(max_length = 4096)]
    scope: Option<String>,
}

/// `messages[]` of an event.
#[derive(ToSchema)]
#[allow(dead_code)] // the document's schema
pub(super) struct TransactionMessage {
    address: String,
    amount: String,
}

/// `event_name`: the supported events.
pub(super) struct EventName;

impl PartialSchema for EventName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(SUPPORTED_EVENTS.iter().copied()))
            .into()
    }
}

impl ToSchema for EventName {}

/// `auth_type`: `0` or `ton_addr`, `1` or `ton_proof`.
pub(super) struct AuthType;

impl PartialSchema for AuthType {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::AnyValue)
            .enum_values(Some([
                json!(0),
                json!(1),
                json!("ton_addr"),
                json!("ton_proof"),
            ]))
            .into()
    }
}

impl ToSchema for AuthType {}

/// `POST /events` — analytics-events-api.md: 201 `Success record.`, or the seed's
/// 400 / 403 bodies (see [`error_response`]).
#[utoipa::path(
    post,
    path = "/events",
    tag = "analytics",
    security(("TGA-Auth-Token" = [])),
    request_body(content = EventBatch, description = "One event or an array of events (`Content-Encoding: gzip` or `deflate` accepted)"),
    responses(
        (status = 201, description = "Recorded", body = EventsAnswer, example = json!({"message": "Success record."})),
        (status = 400, description = "Token missing or invalid, app_name not the token's, body not matching the schema (`{\"status\": 400, \"message\": \"VALIDATION_MISMATCH_REPORT\"}`), or storing failed (`Failed to record`)", body = EventsAnswer, example = json!({"message": "Token is invalid."})),
        (status = 403, description = "Origin/Referer host is not the app's domain", body = EventsAnswer, example = json!({"message": "The domain name does not match."})),
        (status = 413, description = "The body, before or after decompression, is over `MAX_REQUEST_BODY_BYTES`", body = EventsAnswer, example = json!({"message": "Request body is too large."})),
        (status = 415, description = "A `Content-Encoding` other than gzip, deflate or identity", body = EventsAnswer, example = json!({"message": "Unsupported Content-Encoding."})),
        (status = 429, description = "Too many requests", body = EventsAnswer,
            headers(("Retry-After" = u64, description = "Seconds to wait")),
            example = json!({"message": "Too many requests. Try again later."})),
    )
)]
pub(super) async fn record(
    State(state): State<AppState>,
    parts: Parts,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return too_large();
        }
        Err(_) => Bytes::new(),
    };
    let limit = state.config.max_request_body_bytes;
    let json = match decode(&parts.headers, &body, limit) {
        Ok(json) => json,
        Err(Decode::TooLarge) => return too_large(),
        Err(Decode::UnsupportedEncoding) => {
            return message(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported Content-Encoding.",
            )
        }
    };
    let token = parts
        .headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok());
    let client = crate::http::client_info(&parts);
    match state.domain.analytics().record(token, json, &client).await {
        Ok(_) => message(StatusCode::CREATED, "Success record."),
        Err(error) => error_response(error),
    }
}

/// The seed's body for each refusal.
fn error_response(error: AnalyticsError) -> Response {
    match error {
        AnalyticsError::MissingToken => message(
            StatusCode::BAD_REQUEST,
            "The token is not specified in the headers or is specified incorrectly.",
        ),
        AnalyticsError::InvalidToken => message(StatusCode::BAD_REQUEST, "Token is invalid."),
        AnalyticsError::InvalidAppName => {
            message(StatusCode::BAD_REQUEST, "Invalid app_name is specified.")
        }
        AnalyticsError::Mismatch(mismatch) => {
            tracing::debug!(path = %mismatch.path, expected = %mismatch.expected, "event refused");
            let body = EventsAnswer {
                message: "VALIDATION_MISMATCH_REPORT",
                status: Some(400),
            };
            (StatusCode::BAD_REQUEST, Json(body)).into_response()
        }
        AnalyticsError::DomainMismatch => {
            message(StatusCode::FORBIDDEN, "The domain name does not match.")
        }
        AnalyticsError::NotRecorded(error) => {
            error.log();
            message(StatusCode::BAD_REQUEST, "Failed to record")
        }
    }
}

enum Decode {
    TooLarge,
    UnsupportedEncoding,
}

/// The body as JSON: decompressed per `Content-Encoding`, at most `limit` bytes.
/// A body that is not JSON (or not valid gzip) is [`Unreadable`]: the domain answers
/// it as a schema mismatch once the token was checked.
fn decode(
    headers: &HeaderMap,
    body: &[u8],
    limit: usize,
) -> Result<Result<serde_json::Value, Unreadable>, Decode> {
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or_default().trim().to_ascii_lowercase());
    let inflated = match encoding.as_deref() {
        None | Some("" | "identity") => return Ok(parse(body)),
        Some("gzip" | "x-gzip") => read_capped(flate2::read::MultiGzDecoder::new(body), limit),
        Some("deflate") => read_capped(flate2::read::ZlibDecoder::new(body), limit),
        Some(_) => return Err(Decode::UnsupportedEncoding),
    };
    match inflated {
        Ok(Some(bytes)) => Ok(parse(&bytes)),
        Ok(None) => Err(Decode::TooLarge),
        Err(_) => Ok(Err(Unreadable)),
    }
}

/// Reads at most `limit` bytes; `None` when there are more (a zip bomb stops here).
fn read_capped(reader: impl Read, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(cap).read_to_end(&mut out)?;
    Ok((out.len() <= limit).then_some(out))
}

fn parse(bytes: &[u8]) -> Result<serde_json::Value, Unreadable> {
    serde_json::from_slice(bytes).map_err(|_| Unreadable)
}

fn too_large() -> Response {
    message(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large.")
}

async fn method_not_allowed() -> Response {
    message(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}

fn too_many_requests(wait_seconds: u64) -> Response {
    let mut response = message(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many requests. Try again later.",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait_seconds.max(1)));
    response
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).expect("gzip");
        encoder.finish().expect("gzip")
    }

    fn headers(encoding: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_ENCODING, encoding.parse().expect("value"));
        headers
    }

    #[test]
    fn gzip_bodies_are_inflated_up_to_the_limit() {
        let body = gzip(br#"[{"a": 1}]"#);
        let json = decode(&headers("gzip"), &body, 100)
            .ok()
            .and_then(Result::ok);
        assert_eq!(json, Some(json!([{ "a": 1 }])));
        let bomb = gzip(&vec![b' '; 10_000]);
        assert!(matches!(
            decode(&headers("gzip"), &bomb, 1_000),
            Err(Decode::TooLarge)
        ));
        assert!(matches!(
            decode(&headers("gzip"), b"not gzip", 1_000),
            Ok(Err(Unreadable))
        ));
        assert!(matches!(
            decode(&headers("br"), b"x", 1_000),
            Err(Decode::UnsupportedEncoding)
        ));
    }
}
