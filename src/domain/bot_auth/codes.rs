//! Session ids, one-time codes and webhook secrets.
//!
//! Only a hash of a code is stored, yet the QR poll must hand the code out once, after the
//! fact. So a code is not drawn at random: it is an HMAC, under a server key, of the
//! session id and the code's expiry (bot_auth_and_analytics.sql suggests this). Without
//! the key it is as unpredictable as 256 random bits; with it the server recomputes the
//! code for the one poll that may see it, and checks it against the stored hash.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Length of a session id: 12 random bytes (96 bits) in URL-safe base64.
pub const SESSION_ID_LEN: usize = 16;

/// A new session id, `[A-Za-z0-9_-]{16}` (what the table's check allows).
pub fn new_session_id() -> String {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `id` has the shape of a session id (anything else is not looked up).
pub fn is_session_id(id: &str) -> bool {
    id.len() == SESSION_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The key codes are derived with; itself derived from `JWT_SECRET` under its own label,
/// so no token and no code can be turned into the other.
pub struct CodeKey([u8; 32]);

impl CodeKey {
    pub fn new(server_secret: &SecretString) -> Self {
        let mut mac = HmacSha256::new_from_slice(server_secret.expose_secret().as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(b"messenger-gateway bot-auth code key v1");
        Self(mac.finalize().into_bytes().into())
    }

    /// The code of `session_id` that expires at `expires_at` (microseconds count: that is
    /// what Postgres keeps). 43 URL-safe characters.
    pub fn code(&self, session_id: &str, expires_at: DateTime<Utc>) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(session_id.as_bytes());
        mac.update(b"\n");
        mac.update(expires_at.timestamp_micros().to_string().as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// What is stored of a code: its SHA-256, hex. A plain hash suffices: the code has 256
/// bits of entropy, so there is nothing to brute-force.
pub fn hash_code(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// Compares a webhook secret in constant time (over hashes, so the length leaks nothing).
pub fn secret_matches(given: &str, expected: &SecretString) -> bool {
    let given = Sha256::digest(given.as_bytes());
    let expected = Sha256::digest(expected.expose_secret().as_bytes());
    given.ct_eq(&expected).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn session_ids_fit_the_table_check() {
        for _ in 0..100 {
            let id = new_session_id();
            assert!(is_session_id(&id), "{id}");
        }
        assert!(!is_session_id("short"));
        assert!(!is_session_id("aBcDeFgH1234567!"));
        assert!(!is_session_id("aBcDeFgH12345678x"));
    }

    #[test]
    fn codes_depend_on_key_session_and_expiry_and_are_url_safe() {
        let key = CodeKey::new(&SecretString::from("k".repeat(32)));
        let at = Utc
            .timestamp_micros(1_800_000_000_123_456)
            .single()
            .expect("time");
        let code = key.code("aBcDeFgH12345678", at);
        assert_eq!(code.len(), 43);
        assert!(code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
        assert_eq!(code, key.code("aBcDeFgH12345678", at), "recomputable");
        assert_ne!(code, key.code("aBcDeFgH12345679", at));
        assert_ne!(
            code,
            key.code("aBcDeFgH12345678", at + chrono::Duration::microseconds(1))
        );
        let other = CodeKey::new(&SecretString::from("j".repeat(32)));
        assert_ne!(code, other.code("aBcDeFgH12345678", at));
        assert_eq!(hash_code(&code).len(), 64);
    }

    #[test]
    fn secrets_compare_exactly() {
        let expected = SecretString::from("s3cret-token");
        assert!(secret_matches("s3cret-token", &expected));
        assert!(!secret_matches("s3cret-tokeN", &expected));
        assert!(!secret_matches("", &expected));
    }
}
