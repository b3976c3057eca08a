//! The response media type: `Accept` negotiation between
//! `application/graphql-response+json` and `application/json`.

use axum::http::{header, HeaderMap, HeaderValue};

pub(super) const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The response media type the client gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MediaType {
    Json,
    GraphqlResponseJson,
}

impl MediaType {
    pub(super) fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::Json => "application/json; charset=utf-8",
            Self::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
        })
    }

    /// Picks from `Accept` by quality, first listed wins ties; defaults to JSON.
    pub(super) fn negotiate(headers: &HeaderMap) -> Self {
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Self::Json;
        };
        let mut best: Option<(f32, Self)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let candidate = match essence.as_str() {
                GRAPHQL_RESPONSE_JSON => Self::GraphqlResponseJson,
                "application/json" | "application/*" | "*/*" => Self::Json,
                _ => continue,
            };
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, candidate));
            }
        }
        best.map_or(Self::Json, |(_, media)| media)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> MediaType {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(value).expect("header"),
        );
        MediaType::negotiate(&headers)
    }

    #[test]
    fn accept_negotiation_follows_quality_and_order() {
        assert_eq!(MediaType::negotiate(&HeaderMap::new()), MediaType::Json);
        assert_eq!(accept("application/json"), MediaType::Json);
        assert_eq!(accept("*/*"), MediaType::Json);
        assert_eq!(
            accept(GRAPHQL_RESPONSE_JSON),
            MediaType::GraphqlResponseJson
        );
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            MediaType::GraphqlResponseJson
        );
        assert_eq!(
            accept("application/graphql-response+json;q=0.5, application/json"),
            MediaType::Json
        );
        assert_eq!(accept("text/html"), MediaType::Json);
    }
}
