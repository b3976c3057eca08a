//! Authentication primitives: initData validation, JWTs, and the credential a request
//! presents. Deciding *who* that credential is happens in `domain::auth`.

pub mod init_data;
pub mod jwt;
pub mod password;
pub mod totp;

/// What a request presented, parsed but not yet verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// `Authorization: Bearer <jwt>`, or a token in a WebSocket `connection_init`.
    AccessToken(String),
    /// `Authorization: Bearer <initData>` (seed 000) or `Authorization: tma <initData>`.
    InitData(String),
}

/// Why a credential could not even be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Authorization header must be 'Bearer <token>', 'Bearer <initData>' or 'tma <initData>'")]
pub struct MalformedAuthorization;

impl Credential {
    /// Parses an `Authorization` header value.
    pub fn from_authorization(value: &str) -> Result<Self, MalformedAuthorization> {
        let value = value.trim();
        let (scheme, rest) = value.split_once(' ').ok_or(MalformedAuthorization)?;
        let rest = rest.trim();
        if rest.is_empty() {
            return Err(MalformedAuthorization);
        }
        if scheme.eq_ignore_ascii_case("tma") {
            return Ok(Self::InitData(rest.to_owned()));
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(MalformedAuthorization);
        }
        if jwt::looks_like_jwt(rest) {
            Ok(Self::AccessToken(rest.to_owned()))
        } else {
            Ok(Self::InitData(rest.to_owned()))
        }
    }

    /// Reads a WebSocket `connection_init` payload: `{"Authorization": "..."}` (any case),
    /// `{"token"|"accessToken"|"authToken": "<jwt>"}` or `{"initData": "..."}`.
    pub fn from_connection_params(
        payload: &serde_json::Value,
    ) -> Result<Option<Self>, MalformedAuthorization> {
        let Some(object) = payload.as_object() else {
            return Ok(None);
        };
        let field = |name: &str| {
            object
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_str())
        };
        if let Some(header) = field("authorization") {
            return Self::from_authorization(header).map(Some);
        }
        if let Some(init_data) = field("initData") {
            return Ok(Some(Self::InitData(init_data.to_owned())));
        }
        for name in ["token", "accessToken", "authToken"] {
            if let Some(token) = field(name) {
                return Ok(Some(Self::AccessToken(
                    token.trim_start_matches("Bearer ").to_owned(),
                )));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_header_forms_are_told_apart() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln";
        assert_eq!(
            Credential::from_authorization(&format!("Bearer {jwt}")),
            Ok(Credential::AccessToken(jwt.into()))
        );
        assert_eq!(
            Credential::from_authorization("Bearer auth_date=1&hash=ab"),
            Ok(Credential::InitData("auth_date=1&hash=ab".into()))
        );
        assert_eq!(
            Credential::from_authorization("tma auth_date=1&hash=ab"),
            Ok(Credential::InitData("auth_date=1&hash=ab".into()))
        );
        assert_eq!(
            Credential::from_authorization("Basic abc"),
            Err(MalformedAuthorization)
        );
        assert_eq!(
            Credential::from_authorization("Bearer "),
            Err(MalformedAuthorization)
        );
    }

    #[test]
    fn connection_params_accept_headers_tokens_and_init_data() {
        let payload = serde_json::json!({"authorization": "tma a=1&hash=b"});
        assert_eq!(
            Credential::from_connection_params(&payload),
            Ok(Some(Credential::InitData("a=1&hash=b".into())))
        );
        let payload = serde_json::json!({"token": "x.y.z"});
        assert_eq!(
            Credential::from_connection_params(&payload),
            Ok(Some(Credential::AccessToken("x.y.z".into())))
        );
        assert_eq!(
            Credential::from_connection_params(&serde_json::json!({})),
            Ok(None)
        );
    }
}
