//! Fixed keys and clock shared by the initData targets (test vectors V3 and V4 of
//! shared/init-data-vectors.md: bot token `42:TEST`, bot id 42, a synthetic Ed25519
//! key pair).

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use messenger_gateway::auth::init_data::InitDataKeys;

pub const BOT_TOKEN: &str = "42:TEST";
pub const BOT_ID: i64 = 42;
/// V4's synthetic private key (seed) and its public key.
pub const ED25519_SEED: [u8; 32] =
    hex32("c80e09dc60f5efcf2e1f8d0793358e0ea3371267bef0024588f7bf67cf48dfb9");
pub const ED25519_PUBLIC: [u8; 32] =
    hex32("4112765021341e5415e772cd65903f6b94e3ea1c2ab669e6d3e18ee2db00da61");
/// The vectors' `auth_date` (1650385342) plus 100 s, so they pass the age check.
pub const NOW: i64 = 1_650_385_442;
pub const MAX_AGE_SECONDS: i64 = 86_400;

pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(NOW, 0).expect("a valid fixed timestamp")
}

/// Every check on: HMAC, Ed25519 and the age limit.
pub fn keys() -> InitDataKeys<'static> {
    InitDataKeys {
        bot_token: Some(BOT_TOKEN),
        bot_id: Some(BOT_ID),
        public_key: Some(ED25519_PUBLIC),
        max_age_seconds: Some(MAX_AGE_SECONDS),
    }
}

/// HMAC only, no age limit.
pub fn keys_hmac_no_age() -> InitDataKeys<'static> {
    InitDataKeys {
        bot_token: Some(BOT_TOKEN),
        bot_id: None,
        public_key: None,
        max_age_seconds: None,
    }
}

const fn hex32(s: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lowercase hex digit"),
        }
    }
    let b = s.as_bytes();
    assert!(b.len() == 64);
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(b[2 * i]) << 4 | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}
