//! Account and session operations (messenger-rest-api.md §5).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::{
    domain::{accounts::Registration, sessions::SessionInfo, users::User},
    graphql::{
        context::{client_info, principal, services, signed_in},
        types::AuthPayload,
    },
};

/// A confirmation (seed `MessageResponse`).
#[derive(SimpleObject)]
pub struct MessageResult {
    pub message: String,
}

impl From<String> for MessageResult {
    fn from(message: String) -> Self {
        Self { message }
    }
}

/// A signed-in device (seed `SessionRead`).
pub struct AuthSession(SessionInfo);

#[Object]
impl AuthSession {
    /// The session's current refresh-token id (`jti`); pass it to `revokeSession`.
    async fn id(&self) -> ID {
        ID(self.0.session.jti.to_string())
    }
    async fn jti(&self) -> String {
        self.0.session.jti.to_string()
    }
    /// The session this request uses.
    async fn current(&self) -> bool {
        self.0.current
    }
    async fn user_agent(&self) -> Option<&str> {
        self.0.session.user_agent.as_deref()
    }
    async fn ip(&self) -> Option<&str> {
        self.0.session.ip.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.session.created_at
    }
    async fn last_used_at(&self) -> DateTime<Utc> {
        self.0.session.last_used_at
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.session.expires_at
    }
}

/// What an authenticator app needs to add the account.
#[derive(SimpleObject)]
pub struct TwoFactorSetup {
    /// Base32 secret, for manual entry.
    pub secret: String,
    /// `otpauth://totp/…`, for a QR code.
    pub otpauth_url: String,
}

#[derive(InputObject)]
pub struct RegisterInput {
    email: String,
    password: String,
    name: Option<String>,
    username: Option<String>,
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The caller's live sessions, most recently used first.
    async fn auth_sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AuthSession>> {
        let principal = principal(ctx).await?;
        let sessions = services(ctx).sessions().list(&principal).await?;
        Ok(sessions.into_iter().map(AuthSession).collect())
    }
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an e-mail account and mails a verification token.
    async fn register(
        &self,
        ctx: &Context<'_>,
        input: RegisterInput,
    ) -> async_graphql::Result<MessageResult> {
        let registration = Registration {
            email: input.email,
            password: input.password,
            name: input.name,
            username: input.username,
        };
        Ok(services(ctx)
            .accounts()
            .register(registration, client_info(ctx))
            .await?
            .into())
    }

    /// E-mail and password, and `otpCode` when two-factor is on.
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
        otp_code: Option<String>,
    ) -> async_graphql::Result<AuthPayload> {
        let sign_in = services(ctx)
            .accounts()
            .login(&email, &password, otp_code.as_deref(), client_info(ctx))
            .await?;
        signed_in(ctx, sign_in.user.id);
        Ok(AuthPayload::new(sign_in.tokens, sign_in.user))
    }

    /// Trades a refresh token for a new pair (the old one stops working; using it again
    /// revokes the session).
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<AuthPayload> {
        let sign_in = services(ctx)
            .sessions()
            .refresh(&refresh_token, client_info(ctx))
            .await?;
        signed_in(ctx, sign_in.user.id);
        Ok(AuthPayload::new(sign_in.tokens, sign_in.user))
    }

    /// Ends the session of the access token used.
    async fn logout(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let principal = principal(ctx).await?;
        services(ctx).sessions().logout(&principal).await?;
        Ok(true)
    }

    /// Ends one of the caller's sessions, by its `jti`.
    async fn revoke_session(&self, ctx: &Context<'_>, jti: String) -> async_graphql::Result<bool> {
        let principal = principal(ctx).await?;
        services(ctx).sessions().revoke(&principal, &jti).await?;
        Ok(true)
    }

    /// Ends every session; all access tokens issued before now stop working.
    async fn revoke_all_sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let principal = principal(ctx).await?;
        services(ctx).sessions().revoke_all(&principal).await?;
        Ok(true)
    }

    async fn verify_email(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> async_graphql::Result<MessageResult> {
        Ok(services(ctx).accounts().verify_email(&token).await?.into())
    }

    /// Answers the same whether or not the address is registered.
    async fn resend_verification(
        &self,
        ctx: &Context<'_>,
        email: String,
    ) -> async_graphql::Result<MessageResult> {
        Ok(services(ctx)
            .accounts()
            .resend_verification(&email, client_info(ctx))
            .await?
            .into())
    }

    /// Answers the same whether or not the address is registered.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        email: String,
    ) -> async_graphql::Result<MessageResult> {
        Ok(services(ctx)
            .accounts()
            .request_password_reset(&email, client_info(ctx))
            .await?
            .into())
    }

    /// Sets a new password with a reset token; every session ends.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        token: String,
        new_password: String,
    ) -> async_graphql::Result<MessageResult> {
        Ok(services(ctx)
            .accounts()
            .reset_password(&token, &new_password)
            .await?
            .into())
    }

    /// Changes the password; every other session ends and new tokens are returned.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> async_graphql::Result<AuthPayload> {
        let principal = principal(ctx).await?;
        let sign_in = services(ctx)
            .accounts()
            .change_password(
                &principal,
                &current_password,
                &new_password,
                client_info(ctx),
            )
            .await?;
        signed_in(ctx, sign_in.user.id);
        Ok(AuthPayload::new(sign_in.tokens, sign_in.user))
    }

    /// A new TOTP secret; confirm it with `enableTwoFactor`.
    async fn setup_two_factor(&self, ctx: &Context<'_>) -> async_graphql::Result<TwoFactorSetup> {
        let principal = principal(ctx).await?;
        let setup = services(ctx)
            .accounts()
            .setup_two_factor(&principal)
            .await?;
        Ok(TwoFactorSetup {
            secret: setup.secret,
            otpauth_url: setup.otpauth_url,
        })
    }

    async fn enable_two_factor(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<MessageResult> {
        let principal = principal(ctx).await?;
        Ok(services(ctx)
            .accounts()
            .enable_two_factor(&principal, &code)
            .await?
            .into())
    }

    async fn disable_two_factor(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<MessageResult> {
        let principal = principal(ctx).await?;
        Ok(services(ctx)
            .accounts()
            .disable_two_factor(&principal, &code)
            .await?
            .into())
    }

    /// Gives the caller's account (e.g. a Telegram one) an e-mail login.
    async fn add_email_login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> async_graphql::Result<MessageResult> {
        let principal = principal(ctx).await?;
        Ok(services(ctx)
            .accounts()
            .add_email_login(&principal, &email, &password)
            .await?
            .into())
    }

    /// Links a Telegram identity (from Mini App initData) to the caller's account.
    async fn link_telegram(
        &self,
        ctx: &Context<'_>,
        init_data: String,
    ) -> async_graphql::Result<User> {
        let principal = principal(ctx).await?;
        Ok(services(ctx)
            .accounts()
            .link_telegram(&principal, &init_data)
            .await?)
    }
}
