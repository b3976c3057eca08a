//! GraphQL over HTTP, following the GraphQL-over-HTTP spec (checked by the
//! `graphql-http` server audit in the test suite):
//!
//! * `Accept` negotiation: `application/graphql-response+json` when the client prefers
//!   it, `application/json` for `application/json`, `*/*`, or no `Accept` at all.
//! * Request errors (bad JSON, bad parameters, unparsable or invalid documents, variable
//!   coercion) carry no `data` entry; they answer 400, except that document and
//!   variable errors answer 200 under `application/json`, as the spec requires for
//!   legacy clients.
//! * POST needs `Content-Type: application/json` (415 otherwise); GET runs queries only
//!   (a mutation answers 405 with `Allow: POST`); a browser asking for HTML on GET gets
//!   GraphiQL; a WebSocket upgrade on GET goes to `ws`.

use std::sync::Arc;

use async_graphql::{BatchRequest, Response};
use axum::{
    body::Bytes,
    extract::{
        rejection::BytesRejection,
        ws::{rejection::WebSocketUpgradeRejection, WebSocketUpgrade},
        FromRequestParts, RawQuery, State,
    },
    http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response as HttpResponse},
    Extension,
};
use futures_util::future::join_all;
use serde_json::json;

mod decode;
mod media;

pub(super) use decode::{parse_get, parse_post};
use media::MediaType;

use super::{
    context::RequestAuth,
    loaders::{run_in_waves, Loaders},
    metrics,
    parsed::Prepared,
    ws, Transport,
};
use crate::{auth::Credential, domain::ClientInfo, state::AppState};

/// A request-level failure, before or instead of execution.
pub(super) struct RequestError {
    status: StatusCode,
    message: String,
}

impl RequestError {
    fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    fn into_response(self, media: MediaType) -> HttpResponse {
        let code = match self.status {
            StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
            _ => "BAD_REQUEST",
        };
        let mut response = json_response(
            self.status,
            media,
            &json!({ "errors": [{ "message": self.message, "extensions": { "code": code } }] }),
        );
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        response
    }
}

/// A request refused before execution by a domain rule (the operation rate limit):
/// 429 with `Retry-After` when rate-limited, 503 when a dependency failed.
fn refused(media: MediaType, error: &crate::error::AppError) -> HttpResponse {
    use crate::error::AppError;
    error.log();
    let (status, retry_after) = match error {
        AppError::RateLimited { retry_after } => {
            (StatusCode::TOO_MANY_REQUESTS, Some(*retry_after))
        }
        AppError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, None),
        _ => (StatusCode::BAD_REQUEST, None),
    };
    let mut extensions = json!({ "code": error.code() });
    if let Some(seconds) = retry_after {
        extensions["retryAfter"] = json!(seconds);
    }
    let body = json!({ "errors": [{ "message": error.message(), "extensions": extensions }] });
    let mut response = json_response(status, media, &body);
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn json_response(
    status: StatusCode,
    media: MediaType,
    body: &impl serde::Serialize,
) -> HttpResponse {
    let text = serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec());
    let mut response = (status, text).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    response
}

/// Everything a handler needs from the request besides the body.
pub struct GraphqlCall {
    media: MediaType,
    auth: Arc<RequestAuth>,
    client: ClientInfo,
}

impl<S: Send + Sync> FromRequestParts<S> for GraphqlCall {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let credential = parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| Credential::from_authorization(v.to_str().unwrap_or("")));
        Ok(Self {
            media: MediaType::negotiate(&parts.headers),
            auth: Arc::new(RequestAuth::new(credential)),
            client: crate::http::client_info(parts),
        })
    }
}

/// `POST /graphql`: one operation or a batch (a JSON array).
pub async fn post(
    State(state): State<AppState>,
    Extension(transport): Extension<Transport>,
    call: GraphqlCall,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> HttpResponse {
    let media = call.media;
    let body = match body {
        Ok(body) => body,
        // Too large (413), or the client stopped sending: answered as GraphQL errors.
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!(
                    "Request body is larger than the limit of {} bytes",
                    state.config.max_request_body_bytes
                )
            } else {
                "Request body could not be read".to_owned()
            };
            return RequestError { status, message }.into_response(media);
        }
    };
    match parse_post(&headers, &body, state.config.graphql.max_batch_size) {
        Ok(batch) => execute(&state, &transport, call, batch).await,
        Err(error) => error.into_response(media),
    }
}

/// `GET /graphql`: a WebSocket upgrade, GraphiQL for browsers, or a query.
pub async fn get(
    State(state): State<AppState>,
    Extension(transport): Extension<Transport>,
    call: GraphqlCall,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> HttpResponse {
    if let Ok(upgrade) = upgrade {
        return ws::upgrade(state, transport, upgrade, &headers, call.client);
    }
    let media = call.media;
    let query = query.unwrap_or_default();
    if query.is_empty() && wants_html(&headers) && state.config.graphql.graphiql {
        // Bundled and served by the gateway itself: it works offline.
        return crate::http::consoles::graphiql();
    }
    match parse_get(&query) {
        Ok(request) => execute(&state, &transport, call, BatchRequest::Single(request)).await,
        Err(error) => error.into_response(media),
    }
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

async fn execute(
    state: &AppState,
    transport: &Transport,
    call: GraphqlCall,
    batch: BatchRequest,
) -> HttpResponse {
    let GraphqlCall {
        media,
        auth,
        client,
    } = call;
    let operations = match &batch {
        BatchRequest::Single(_) => 1,
        BatchRequest::Batch(requests) => requests.len(),
    };
    if let Err(error) = state
        .domain
        .auth()
        .charge_operations(auth.credential(), &client, operations)
        .await
    {
        return refused(media, &error);
    }
    let (single, requests) = match batch {
        BatchRequest::Single(request) => (true, vec![request]),
        BatchRequest::Batch(requests) => (false, requests),
    };
    let prepared: Vec<_> = (requests.into_iter())
        .map(|request| transport.documents.prepare(request))
        .collect();
    let (loaders, fetches) = Loaders::for_request(&state.domain);
    if prepared.iter().any(|p| p.as_ref().is_ok_and(|p| p.writes)) {
        loaders.writes();
    }
    let loaders = Arc::new(loaders);
    let run = |prepared: async_graphql::ServerResult<Prepared>| {
        let (auth, loaders, client) = (Arc::clone(&auth), Arc::clone(&loaders), client.clone());
        async move {
            match prepared {
                Ok(Prepared {
                    request,
                    name,
                    kind,
                    kept,
                    ..
                }) => {
                    let request = request.data(auth).data(loaders).data(client);
                    let schema = match &kept {
                        Some(kept) if kept.validated() => &transport.validated,
                        _ => &transport.schema,
                    };
                    // Boxed once: the execution's state is large, and moving it into the
                    // span and the join would copy it each time.
                    let run = Box::pin(schema.execute(request));
                    let response = metrics::recorded(name.as_deref(), kind, run).await;
                    if let Some(kept) = kept.filter(|_| !is_request_error(&response)) {
                        kept.passed_validation();
                    }
                    response
                }
                // Refused before it ran, as anonymous as async-graphql would have left it.
                Err(error) => {
                    let refused = async { Response::from_errors(vec![error]) };
                    metrics::recorded(None, None, refused).await
                }
            }
        }
    };
    let execution = join_all(prepared.into_iter().map(run));
    let mut responses = run_in_waves(fetches, execution).await;
    if !single {
        let bodies: Vec<Body<'_>> = (responses.iter())
            .map(|r| Body::of(r, is_request_error(r)))
            .collect();
        return json_response(StatusCode::OK, media, &bodies);
    }
    let response = responses.pop().unwrap_or_default();
    let request_error = is_request_error(&response);
    let status = if request_error && media == MediaType::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut http = json_response(status, media, &Body::of(&response, request_error));
    http.headers_mut().extend(response.http_headers);
    http
}

/// A request error stopped the operation before execution: no data, and no error
/// points at a field.
pub(super) fn is_request_error(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// A response body serialized straight from async-graphql's values (no intermediate
/// JSON tree): `data` (left out after a request error), `errors` and `extensions` when
/// there are any. Fields keep the order of the selection.
#[derive(serde::Serialize)]
pub(super) struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl<'a> Body<'a> {
    pub(super) fn of(response: &'a Response, request_error: bool) -> Self {
        Self {
            data: (!request_error).then_some(&response.data),
            errors: &response.errors,
            extensions: &response.extensions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mutation_over_get_is_refused_and_a_query_is_not() {
        let err = parse_get("query=mutation%20%7B%20__typename%20%7D").err();
        assert_eq!(err.map(|e| e.status), Some(StatusCode::METHOD_NOT_ALLOWED));
        assert!(parse_get("query=%7B%20__typename%20%7D").is_ok());
        let named =
            "query=query%20A%7B__typename%7D%20mutation%20B%7B__typename%7D&operationName=B";
        assert!(parse_get(named).is_err());
    }
}
