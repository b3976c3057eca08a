//! Decoding GraphQL-over-HTTP requests: `POST` bodies (JSON, `application/graphql`,
//! batches) and `GET` query strings, refusing mutations over `GET`.

use async_graphql::{parser::types::OperationType, BatchRequest, Request, Variables};
use axum::http::{header, HeaderMap, StatusCode};
use serde_json::{Map, Value};

use super::RequestError;

pub(in crate::graphql) fn parse_post(
    headers: &HeaderMap,
    body: &[u8],
    max_batch: usize,
) -> Result<BatchRequest, RequestError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime: Option<mime::Mime> = content_type.parse().ok();
    let is_json = mime.as_ref().is_some_and(|m| {
        m.essence_str() == "application/json"
            && m.get_param(mime::CHARSET)
                .is_none_or(|c| c.as_str().eq_ignore_ascii_case("utf-8"))
    });
    if !is_json {
        return Err(RequestError {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: "Content-Type must be application/json".into(),
        });
    }
    if body.is_empty() {
        return Err(RequestError::bad_request("Request body is empty"));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| RequestError::bad_request("Request body is not valid JSON"))?;
    match value {
        Value::Array(items) => {
            if items.is_empty() {
                return Err(RequestError::bad_request("Batch is empty"));
            }
            if items.len() > max_batch {
                return Err(RequestError::bad_request(format!(
                    "Batch has {} operations; the limit is {max_batch}",
                    items.len()
                )));
            }
            let requests = items
                .into_iter()
                .map(request_from_json)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(BatchRequest::Batch(requests))
        }
        other => Ok(BatchRequest::Single(request_from_json(other)?)),
    }
}

fn request_from_json(value: Value) -> Result<Request, RequestError> {
    let Value::Object(mut params) = value else {
        return Err(RequestError::bad_request("Request must be a JSON object"));
    };
    let query = match params.remove("query") {
        Some(Value::String(query)) => query,
        Some(_) => return Err(RequestError::bad_request("'query' must be a string")),
        None => return Err(RequestError::bad_request("'query' is required")),
    };
    let operation_name = match params.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name),
        Some(_) => {
            return Err(RequestError::bad_request(
                "'operationName' must be a string",
            ))
        }
    };
    let variables = optional_map(params.remove("variables"), "variables")?;
    let extensions = optional_map(params.remove("extensions"), "extensions")?;
    build_request(query, operation_name, variables, extensions)
}

fn optional_map(
    value: Option<Value>,
    name: &str,
) -> Result<Option<Map<String, Value>>, RequestError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(RequestError::bad_request(format!(
            "'{name}' must be an object"
        ))),
    }
}

fn build_request(
    query: String,
    operation_name: Option<String>,
    variables: Option<Map<String, Value>>,
    extensions: Option<Map<String, Value>>,
) -> Result<Request, RequestError> {
    let mut request = Request::new(query);
    if let Some(name) = operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = variables {
        request = request.variables(Variables::from_json(Value::Object(variables)));
    }
    if let Some(extensions) = extensions {
        for (key, value) in extensions {
            let value = async_graphql::Value::from_json(value)
                .map_err(|_| RequestError::bad_request("'extensions' is not valid"))?;
            request.extensions.insert(key, value);
        }
    }
    Ok(request)
}

pub(in crate::graphql) fn parse_get(raw_query: &str) -> Result<Request, RequestError> {
    let mut query = None;
    let mut operation_name = None;
    let mut variables = None;
    let mut extensions = None;
    for (key, value) in url::form_urlencoded::parse(raw_query.as_bytes()) {
        let slot = match key.as_ref() {
            "query" => &mut query,
            "operationName" => &mut operation_name,
            "variables" => &mut variables,
            "extensions" => &mut extensions,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(RequestError::bad_request(format!("'{key}' is given twice")));
        }
    }
    let query = query.ok_or_else(|| RequestError::bad_request("'query' is required"))?;
    let json_map =
        |raw: Option<String>, name: &str| -> Result<Option<Map<String, Value>>, RequestError> {
            match raw.filter(|r| !r.is_empty()) {
                None => Ok(None),
                Some(raw) => {
                    let value = serde_json::from_str(&raw).map_err(|_| {
                        RequestError::bad_request(format!("'{name}' is not valid JSON"))
                    })?;
                    optional_map(Some(value), name)
                }
            }
        };
    let variables = json_map(variables, "variables")?;
    let extensions = json_map(extensions, "extensions")?;
    let mut request = build_request(
        query,
        operation_name.filter(|n| !n.is_empty()),
        variables,
        extensions,
    )?;
    refuse_mutation_over_get(&mut request)?;
    Ok(request)
}

/// GET must not change anything: a mutation is refused before it runs.
fn refuse_mutation_over_get(request: &mut Request) -> Result<(), RequestError> {
    let operation_name = request.operation_name.clone();
    // An unparsable document is reported by execution, as a normal request error.
    let Ok(document) = request.parsed_query() else {
        return Ok(());
    };
    let operation = crate::graphql::parsed::operation(document, operation_name.as_deref());
    if operation.is_some_and(|op| op.node.ty == OperationType::Mutation) {
        return Err(RequestError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: "Mutations must be sent with POST".into(),
        });
    }
    Ok(())
}
