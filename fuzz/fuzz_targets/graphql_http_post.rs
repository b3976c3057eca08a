//! `POST /graphql` bodies: `graphql::fuzzing::decode_http_post(content_type, body)`.
//!
//! Input format: the Content-Type header value, a `\n`, then the body (any bytes).
//! Without a `\n` the whole input is the body under `application/json`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use messenger_gateway::graphql::fuzzing::decode_http_post;

fuzz_target!(|data: &[u8]| {
    let (content_type, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (String::from_utf8_lossy(&data[..i]), &data[i + 1..]),
        None => ("application/json".into(), data),
    };
    let _ = decode_http_post(&content_type, body);
});
