//! TOTP (RFC 6238): 6 digits, 30-second steps, SHA-1 — what authenticator apps use.

use totp_rs::{Algorithm, Secret, TOTP};

const DIGITS: usize = 6;
const STEP: u64 = 30;
/// Codes of one step before or after are accepted (clock drift).
const SKEW: u8 = 1;

/// A new random secret, base32 (what `otpauth://` URLs carry).
pub fn generate_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

fn totp(secret_base32: &str, issuer: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        SKEW,
        STEP,
        bytes,
        Some(issuer.to_owned()),
        account.to_owned(),
    )
    .ok()
}

/// The `otpauth://totp/…` URL for authenticator apps.
pub fn otpauth_url(secret_base32: &str, issuer: &str, account: &str) -> Option<String> {
    totp(secret_base32, issuer, account).map(|t| t.get_url())
}

/// The time step `code` belongs to, when it is valid at `unix_time` (± one step).
pub fn verify(secret_base32: &str, code: &str, unix_time: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret_base32, "x", "x")?;
    let now_step = unix_time / STEP;
    [now_step.saturating_sub(1), now_step, now_step + 1]
        .into_iter()
        .find(|step| totp.generate(step * STEP) == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, secret "12345678901234567890", 8 digits.
    #[test]
    fn rfc_6238_sha1_vectors() {
        let rfc = TOTP::new_unchecked(
            Algorithm::SHA1,
            8,
            0,
            30,
            b"12345678901234567890".to_vec(),
            None,
            String::new(),
        );
        for (time, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(rfc.generate(time), code, "T={time}");
        }
    }

    #[test]
    fn codes_verify_within_one_step_and_name_their_step() {
        let secret = generate_secret();
        let t = totp(&secret, "x", "x").expect("totp");
        let now = 1_700_000_000;
        assert_eq!(verify(&secret, &t.generate(now), now), Some(now / 30));
        assert_eq!(
            verify(&secret, &t.generate(now - 30), now),
            Some(now / 30 - 1)
        );
        assert_eq!(verify(&secret, &t.generate(now - 90), now), None);
        assert_eq!(verify(&secret, "12345", now), None);
        assert_eq!(verify(&secret, "abcdef", now), None);
    }

    #[test]
    fn the_otpauth_url_names_issuer_and_account() {
        let secret = generate_secret();
        let url = otpauth_url(&secret, "messenger-gateway", "ada@example.com").expect("url");
        assert!(url.starts_with("otpauth://totp/messenger-gateway:ada%40example.com?"));
        assert!(url.contains(&format!("secret={secret}")));
    }
}
