//! Two-factor authentication with TOTP (RFC 6238): setup, enable, disable, and the
//! replay-proof code check logins use.

use super::AccountService;
use crate::{
    auth::totp,
    db,
    domain::Principal,
    error::{AppError, AppResult},
};

/// What an authenticator app needs.
#[derive(Clone, Debug)]
pub struct TwoFactorSetup {
    pub secret: String,
    pub otpauth_url: String,
}

impl AccountService<'_> {
    /// `setupTwoFactor`: a new secret to scan; two-factor stays off until a code from it
    /// is confirmed with `enableTwoFactor`.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn setup_two_factor(&self, caller: &Principal) -> AppResult<TwoFactorSetup> {
        let db = self.0.db();
        let user = db::users::find_by_id(db.exec(), caller.user_id)
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))?;
        if user.twofa_enabled {
            return Err(AppError::Conflict {
                field: None,
                message: "Two-factor authentication is already enabled".into(),
            });
        }
        let secret = totp::generate_secret();
        let account = user
            .email
            .clone()
            .or(user.username.clone())
            .unwrap_or_else(|| format!("user{}", user.id));
        let issuer = &self.0.config().accounts.app_name;
        let otpauth_url = totp::otpauth_url(&secret, issuer, &account)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("otpauth URL not built")))?;
        db::accounts::set_twofa_secret(db.exec(), caller.user_id, &secret).await?;
        Ok(TwoFactorSetup {
            secret,
            otpauth_url,
        })
    }

    /// `enableTwoFactor`: confirms a code of the secret from `setupTwoFactor`.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn enable_two_factor(&self, caller: &Principal, code: &str) -> AppResult<String> {
        let credentials = self.credentials(caller).await?;
        if credentials.twofa_enabled {
            return Err(AppError::Conflict {
                field: None,
                message: "Two-factor authentication is already enabled".into(),
            });
        }
        let Some(secret) = credentials.twofa_secret.as_deref() else {
            return Err(AppError::invalid("code", "call setupTwoFactor first"));
        };
        self.check_totp(caller.user_id, Some(secret), code).await?;
        db::accounts::set_twofa_enabled(self.0.db().exec(), caller.user_id, true).await?;
        Ok("Two-factor authentication enabled.".into())
    }

    /// `disableTwoFactor`: needs a current code.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn disable_two_factor(&self, caller: &Principal, code: &str) -> AppResult<String> {
        let credentials = self.credentials(caller).await?;
        if !credentials.twofa_enabled {
            return Err(AppError::invalid(
                "code",
                "two-factor authentication is not enabled",
            ));
        }
        self.check_totp(caller.user_id, credentials.twofa_secret.as_deref(), code)
            .await?;
        db::accounts::set_twofa_enabled(self.0.db().exec(), caller.user_id, false).await?;
        Ok("Two-factor authentication disabled.".into())
    }

    async fn credentials(&self, caller: &Principal) -> AppResult<db::accounts::Credentials> {
        db::accounts::credentials_by_id(self.0.db().exec(), caller.user_id)
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))
    }

    /// A code is good once: valid now (± one step) and of a later step than the last
    /// accepted one.
    pub(super) async fn check_totp(
        &self,
        user_id: i64,
        secret: Option<&str>,
        code: &str,
    ) -> AppResult<()> {
        let invalid = || AppError::unauthenticated("Invalid two-factor code");
        let secret = secret.ok_or_else(invalid)?;
        let now = u64::try_from(self.0.now().timestamp()).unwrap_or_default();
        let step = totp::verify(secret, code, now).ok_or_else(invalid)?;
        let step = i64::try_from(step).map_err(|_| invalid())?;
        if !db::accounts::accept_totp_step(self.0.db().exec(), user_id, step).await? {
            return Err(invalid());
        }
        Ok(())
    }
}
