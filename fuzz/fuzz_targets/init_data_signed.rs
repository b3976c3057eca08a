//! initData built from the fuzz input and signed correctly, so `validate` always gets
//! past the signature check into decoding (`user`/`receiver`/`chat` JSON, `auth_date`,
//! `can_send_after`) and the age check.
//!
//! Input format (easy to write by hand):
//! * byte 0 selects the signature: `b % 3` = 0 `hash` (HMAC-SHA256), 1 `signature`
//!   (Ed25519, no hash), 2 both (so ASCII '0', '1', '2');
//! * the rest is UTF-8 text, one field per line, `key=value` split on the first `=`;
//!   values are written raw (not percent-encoded): `user={"id":42}`.
//!
//! Fields with an empty key and the fuzzer's own `hash` (and `signature` when this
//! target signs with Ed25519) are dropped; a repeated key keeps its last value.

#![no_main]

mod common;

use std::collections::BTreeMap;

use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey};
use hmac::{digest::KeyInit, Mac as _};
use libfuzzer_sys::fuzz_target;
use messenger_gateway::auth::init_data::{validate, InitDataError};
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

fn check_string(pairs: &BTreeMap<String, String>, skip: &[&str]) -> String {
    pairs
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// hex(HMAC-SHA256(key = HMAC-SHA256(key = "WebAppData", msg = token), msg = check)).
fn hmac_hash(pairs: &BTreeMap<String, String>) -> String {
    let mut secret =
        <HmacSha256 as KeyInit>::new_from_slice(b"WebAppData").expect("any key length");
    secret.update(common::BOT_TOKEN.as_bytes());
    let secret = secret.finalize().into_bytes();
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&secret).expect("any key length");
    mac.update(check_string(pairs, &["hash"]).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// base64url(Ed25519("<bot_id>:WebAppData\n" + check string without hash, signature)).
fn ed25519_signature(pairs: &BTreeMap<String, String>) -> String {
    let key = SigningKey::from_bytes(&common::ED25519_SEED);
    let message = format!(
        "{}:WebAppData\n{}",
        common::BOT_ID,
        check_string(pairs, &["hash", "signature"])
    );
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.sign(message.as_bytes()).to_bytes())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let (use_hmac, use_ed25519) = match mode % 3 {
        0 => (true, false),
        1 => (false, true),
        _ => (true, true),
    };
    let mut pairs = BTreeMap::new();
    for line in text.split('\n') {
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        if key.is_empty() || key == "hash" || (use_ed25519 && key == "signature") {
            continue;
        }
        pairs.insert(key.to_owned(), value.to_owned());
    }
    if use_ed25519 {
        let signature = ed25519_signature(&pairs);
        pairs.insert("signature".to_owned(), signature);
    }
    if use_hmac {
        let hash = hmac_hash(&pairs);
        pairs.insert("hash".to_owned(), hash);
    }
    let mut raw = url::form_urlencoded::Serializer::new(String::new());
    raw.extend_pairs(&pairs);
    let raw = raw.finish();

    for keys in [common::keys(), common::keys_hmac_no_age()] {
        if use_ed25519 && !use_hmac && keys.public_key.is_none() {
            continue; // an HMAC-only validator cannot check this one
        }
        let result = validate(&raw, &keys, common::now());
        // The harness signed it: anything failing before decoding means the harness
        // and the validator disagree on the encoding or the check string.
        assert!(
            !matches!(
                result,
                Err(InitDataError::Empty
                    | InitDataError::Malformed
                    | InitDataError::Unsigned
                    | InitDataError::BadSignature)
            ),
            "correctly signed initData was refused before decoding: {result:?}\n{raw}"
        );
    }
});
