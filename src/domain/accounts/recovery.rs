//! E-mail verification and password reset: one-time tokens sent by mail, and what
//! redeeming one does.

use super::{check_password, mail_unavailable, token_hash, AccountService, IF_REGISTERED};
use crate::{
    auth::password,
    db::{self, accounts::TokenPurpose},
    domain::{sessions::client_key, validation::Checks, ClientInfo},
    error::{AppError, AppResult},
};

impl AccountService<'_> {
    /// `verifyEmail`: uses a verification token once.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn verify_email(&self, token: &str) -> AppResult<String> {
        let db = self.0.db();
        let user_id = db::accounts::consume_email_token(
            db.exec(),
            TokenPurpose::VerifyEmail,
            &token_hash(token),
        )
        .await?
        .ok_or_else(|| AppError::invalid("token", "is invalid or expired"))?;
        db::accounts::mark_email_verified(db.exec(), user_id).await?;
        Ok("Email verified.".into())
    }

    /// `resendVerification`: the same answer whether or not the address is registered.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn resend_verification(&self, email: &str, client: &ClientInfo) -> AppResult<String> {
        self.mail_if_registered(email, client, TokenPurpose::VerifyEmail)
            .await
    }

    /// `requestPasswordReset`: the same answer whether or not the address is registered.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn request_password_reset(
        &self,
        email: &str,
        client: &ClientInfo,
    ) -> AppResult<String> {
        self.mail_if_registered(email, client, TokenPurpose::ResetPassword)
            .await
    }

    async fn mail_if_registered(
        &self,
        email: &str,
        client: &ClientInfo,
        purpose: TokenPurpose,
    ) -> AppResult<String> {
        let limits = self.0.config().accounts.limits;
        self.0
            .limiter()
            .hit(
                "reset",
                client_key(client),
                limits.reset_per_minute,
                self.0.now(),
            )
            .await?;
        // Checked before the lookup: an unreachable mail server answers the same for
        // every address.
        self.0.mailer().check().await.map_err(mail_unavailable)?;
        let db = self.0.db();
        let Some(user) = db::users::find_by_email(db.exec(), email.trim()).await? else {
            return Ok(IF_REGISTERED.into());
        };
        if purpose == TokenPurpose::VerifyEmail && user.email_verified {
            return Ok(IF_REGISTERED.into());
        }
        let mut tx = db.begin().await?;
        self.mail_token(&mut tx, &user, purpose).await?;
        tx.commit().await?;
        Ok(IF_REGISTERED.into())
    }

    /// `resetPassword`: a reset token sets a new password and ends every session.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn reset_password(&self, token: &str, new_password: &str) -> AppResult<String> {
        let mut checks = Checks::default();
        check_password(&mut checks, "newPassword", new_password);
        checks.finish()?;
        let hash = password::hash(new_password.to_owned())
            .await
            .map_err(AppError::internal)?;
        let db = self.0.db();
        let mut tx = db.begin().await?;
        let user_id = db::accounts::consume_email_token(
            db.on(&mut *tx),
            TokenPurpose::ResetPassword,
            &token_hash(token),
        )
        .await?
        .ok_or_else(|| AppError::invalid("token", "is invalid or expired"))?;
        db::accounts::set_password(db.on(&mut *tx), user_id, &hash).await?;
        // Whoever could read the reset mail owns the address.
        db::accounts::mark_email_verified(db.on(&mut *tx), user_id).await?;
        db::sessions::revoke_all(db.on(&mut *tx), user_id).await?;
        tx.commit().await?;
        self.0.sessions().publish_revoked(user_id, None).await;
        Ok("Password has been reset.".into())
    }
}
