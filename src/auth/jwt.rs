//! JWT access and refresh tokens (HS256 only; `alg: none` and every other algorithm
//! are refused by the decoder's algorithm list).

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a token is for; an access token is never accepted as a refresh token or back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Access,
    Refresh,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a decimal string.
    pub sub: String,
    /// Unique token id; for refresh tokens it is the session's `jti`.
    pub jti: String,
    /// The refresh session this token belongs to (access tokens) or its family (refresh).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub typ: TokenKind,
    /// Issued-at, seconds.
    pub iat: i64,
    /// Issued-at, milliseconds: revoke-all compares at this precision.
    #[serde(default)]
    pub iat_ms: i64,
    pub exp: i64,
}

impl Claims {
    pub fn user_id(&self) -> Option<i64> {
        self.sub.parse().ok()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token has expired")]
    Expired,
    #[error("token is invalid")]
    Invalid,
}

/// Tokens whose signature was checked, kept at most (then the set starts over).
const MAX_VERIFIED: usize = 10_000;

/// Issues and verifies tokens with one secret.
#[derive(Clone)]
pub struct TokenCodec {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The claims of tokens whose signature and shape were checked, by their exact text:
    /// a client sends the same token with every request, and the same bytes verify the
    /// same way. Kind and expiry are still checked on every use.
    verified: std::sync::Arc<std::sync::RwLock<std::collections::HashMap<String, Claims>>>,
}

impl TokenCodec {
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            verified: Default::default(),
        }
    }

    /// Signs a token of `kind` for `user_id`, valid for `ttl` from `now`.
    pub fn issue(
        &self,
        kind: TokenKind,
        user_id: i64,
        jti: String,
        sid: Option<String>,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> String {
        let claims = Claims {
            sub: user_id.to_string(),
            jti,
            sid,
            typ: kind,
            iat: now.timestamp(),
            iat_ms: now.timestamp_millis(),
            exp: now.timestamp() + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 encoding of plain claims cannot fail")
    }

    /// Verifies signature, algorithm, kind and expiry; expiry against `now` (the
    /// service's clock, which tests move), not the system time.
    pub fn verify(
        &self,
        token: &str,
        kind: TokenKind,
        now: DateTime<Utc>,
    ) -> Result<Claims, TokenError> {
        let claims = match self.already_verified(token) {
            Some(claims) => claims,
            None => self.decode(token)?,
        };
        if claims.typ != kind || claims.user_id().is_none() {
            return Err(TokenError::Invalid);
        }
        if claims.exp < now.timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    fn already_verified(&self, token: &str) -> Option<Claims> {
        let verified = self.verified.read().unwrap_or_else(|e| e.into_inner());
        verified.get(token).cloned()
    }

    /// Checks the signature, the algorithm and the required claims, and keeps the claims.
    fn decode(&self, token: &str) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        let claims = decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        let mut verified = self.verified.write().unwrap_or_else(|e| e.into_inner());
        if verified.len() >= MAX_VERIFIED {
            verified.clear();
        }
        verified.insert(token.to_owned(), claims.clone());
        Ok(claims)
    }
}

/// `true` when `token` has the shape of a compact JWS (three base64url segments).
pub fn looks_like_jwt(token: &str) -> bool {
    let segments: Vec<&str> = token.split('.').collect();
    segments.len() == 3
        && segments[..2].iter().all(|s| !s.is_empty())
        && segments.iter().all(|s| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn codec() -> TokenCodec {
        TokenCodec::new(&SecretString::from("0123456789abcdef0123456789abcdef"))
    }

    fn issue(kind: TokenKind, ttl: u64) -> String {
        codec().issue(
            kind,
            7,
            "j1".into(),
            None,
            Utc::now(),
            Duration::from_secs(ttl),
        )
    }

    #[test]
    fn an_issued_access_token_verifies_and_names_its_user() {
        let claims = codec()
            .verify(&issue(TokenKind::Access, 60), TokenKind::Access, Utc::now())
            .expect("valid");
        assert_eq!(claims.user_id(), Some(7));
    }

    #[test]
    fn a_token_verified_before_still_has_its_kind_and_expiry_checked() {
        let codec = codec();
        let token = codec.issue(
            TokenKind::Access,
            7,
            "j2".into(),
            None,
            Utc::now(),
            Duration::from_secs(60),
        );
        assert!(codec.verify(&token, TokenKind::Access, Utc::now()).is_ok());
        assert!(codec.verify(&token, TokenKind::Access, Utc::now()).is_ok());
        assert_eq!(
            codec.verify(&token, TokenKind::Refresh, Utc::now()),
            Err(TokenError::Invalid)
        );
        let later = Utc::now() + chrono::Duration::hours(2);
        assert_eq!(
            codec.verify(&token, TokenKind::Access, later),
            Err(TokenError::Expired)
        );
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(
            codec.verify(&tampered, TokenKind::Access, Utc::now()),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn a_refresh_token_is_not_an_access_token() {
        let token = issue(TokenKind::Refresh, 60);
        assert_eq!(
            codec().verify(&token, TokenKind::Access, Utc::now()),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn an_expired_token_is_reported_as_expired() {
        let token = codec().issue(
            TokenKind::Access,
            7,
            "j".into(),
            None,
            Utc::now() - chrono::Duration::hours(1),
            Duration::from_secs(60),
        );
        assert_eq!(
            codec().verify(&token, TokenKind::Access, Utc::now()),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn alg_none_a_wrong_key_and_tampering_are_refused() {
        let token = issue(TokenKind::Access, 60);
        let parts: Vec<&str> = token.split('.').collect();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let none_header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{}.", parts[1]);
        assert_eq!(
            codec().verify(&unsigned, TokenKind::Access, Utc::now()),
            Err(TokenError::Invalid)
        );

        let other = TokenCodec::new(&SecretString::from("another-secret-another-secret-xx"));
        assert_eq!(
            other.verify(&token, TokenKind::Access, Utc::now()),
            Err(TokenError::Invalid)
        );

        let payload = String::from_utf8(b64.decode(parts[1]).expect("b64")).expect("utf8");
        let forged = b64.encode(payload.replace("\"sub\":\"7\"", "\"sub\":\"8\""));
        let tampered = format!("{}.{forged}.{}", parts[0], parts[2]);
        assert_eq!(
            codec().verify(&tampered, TokenKind::Access, Utc::now()),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn jwt_shape_detection_tells_tokens_from_init_data() {
        assert!(looks_like_jwt(&issue(TokenKind::Access, 60)));
        assert!(!looks_like_jwt(
            "query_id=x&user=%7B%7D&auth_date=1&hash=ab"
        ));
        assert!(!looks_like_jwt("a.b"));
    }
}
