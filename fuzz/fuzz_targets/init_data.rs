//! Raw initData strings: `RawInitData::parse`, each verifier and the decoder on their
//! own (so decoding is reached without a valid signature), and `validate` with every
//! check on and with HMAC only. Nothing may panic.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use messenger_gateway::auth::init_data::{validate, RawInitData};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = RawInitData::parse(raw) {
        let _ = parsed.verify_hmac(common::BOT_TOKEN);
        let _ = parsed.verify_signature(common::BOT_ID, &common::ED25519_PUBLIC);
        let _ = parsed.decode();
    }
    let _ = validate(raw, &common::keys(), common::now());
    let _ = validate(raw, &common::keys_hmac_no_age(), common::now());
});
