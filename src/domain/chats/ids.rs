//! Public identifiers: chat `public_id`s and invite tokens.

use rand::{distributions::Alphanumeric, Rng};

/// 24 characters of `[0-9A-Za-z]` (the seed's `public_id`).
pub fn public_id() -> String {
    random(24)
}

/// 32 characters of `[0-9A-Za-z]`: unguessable invite tokens.
pub fn invite_token() -> String {
    random(32)
}

fn random(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}
