//! §3.1 and §5: registration, logins, tokens, sessions, two-factor.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Timestamp;
use crate::domain::{auth::AuthTokens, sessions::SessionInfo, users::User};

/// `RegisterRequest`.
#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub name: Option<String>,
    pub username: Option<String>,
}

/// `LoginRequest`; `otp_code` only when two-factor is on.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    pub otp_code: Option<String>,
}

/// `POST /auth/refresh` body.
#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// `{ "token": … }` (verify-email).
#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    pub token: String,
}

/// `{ "email": … }` (resend-verification, request-password-reset, contacts by e-mail).
#[derive(Deserialize, ToSchema)]
pub struct EmailRequest {
    pub email: String,
}

/// `POST /auth/reset-password` body.
#[derive(Deserialize, ToSchema)]
pub struct ResetPasswordRequest {
    pub token: String,
    pub new_password: String,
}

/// `{ "code": "123456" }` (2FA enable / disable).
#[derive(Deserialize, ToSchema)]
pub struct CodeRequest {
    pub code: String,
}

/// `TokenResponse`.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    #[schema(value_type = String, example = "bearer")]
    pub token_type: &'static str,
}

impl From<AuthTokens> for TokenResponse {
    fn from(tokens: AuthTokens) -> Self {
        Self {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            token_type: AuthTokens::TOKEN_TYPE,
        }
    }
}

/// `AuthUserResponse`: the caller's own account.
#[derive(Serialize, ToSchema)]
pub struct AuthUserResponse {
    pub id: i64,
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true)]
    pub username: Option<String>,
    #[schema(required = true)]
    pub bio: Option<String>,
    #[schema(required = true)]
    pub avatar_url: Option<String>,
    pub email_verified: bool,
    pub twofa_enabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<User> for AuthUserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            name: super::users::shown_name(&user),
            email: user.email,
            username: user.username,
            bio: user.bio,
            avatar_url: user.avatar_url,
            email_verified: user.email_verified,
            twofa_enabled: user.twofa_enabled,
            created_at: user.created_at.into(),
            updated_at: user.updated_at.into(),
        }
    }
}

/// `SessionRead` (the seed names it without fields): one signed-in device. `jti` is
/// what `DELETE /auth/sessions/{jti}` takes; `current` marks the caller's own.
#[derive(Serialize, ToSchema)]
pub struct SessionRead {
    pub jti: String,
    #[schema(required = true)]
    pub user_agent: Option<String>,
    #[schema(required = true)]
    pub ip: Option<String>,
    pub created_at: Timestamp,
    pub last_used_at: Timestamp,
    pub expires_at: Timestamp,
    pub current: bool,
}

impl From<SessionInfo> for SessionRead {
    fn from(info: SessionInfo) -> Self {
        let session = info.session;
        Self {
            jti: session.jti.to_string(),
            user_agent: session.user_agent,
            ip: session.ip,
            created_at: session.created_at.into(),
            last_used_at: session.last_used_at.into(),
            expires_at: session.expires_at.into(),
            current: info.current,
        }
    }
}

/// `POST /auth/2fa/setup` response.
#[derive(Serialize, ToSchema)]
pub struct TwoFactorSetupRead {
    pub secret: String,
    pub otpauth_url: String,
}
