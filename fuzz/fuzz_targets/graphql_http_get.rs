//! `GET /graphql` query strings: `graphql::fuzzing::decode_http_get(query)`, which also
//! parses the document to refuse mutations over GET.

#![no_main]

use libfuzzer_sys::fuzz_target;
use messenger_gateway::graphql::fuzzing::decode_http_get;

fuzz_target!(|data: &[u8]| {
    if let Ok(query) = std::str::from_utf8(data) {
        let _ = decode_http_get(query);
    }
});
