//! WebSocket text frames: `graphql::fuzzing::decode_ws_message(text)`, under both
//! graphql-transport-ws and the legacy subscriptions-transport-ws.

#![no_main]

use libfuzzer_sys::fuzz_target;
use messenger_gateway::graphql::fuzzing::decode_ws_message;

fuzz_target!(|data: &[u8]| {
    // A WebSocket text frame is UTF-8 by definition (axum refuses anything else).
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = decode_ws_message(text);
    }
});
