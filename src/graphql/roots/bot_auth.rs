//! Login through the Telegram and Max bots (bot-auth-api.md): links, sessions with
//! `state`, the status poll, and code verification. No caller authentication: the
//! session id and the one-time code are the credentials.

use async_graphql::{Context, Enum, Object, ID};

use crate::{
    domain::bot_auth::{BotAuthLinks, BotAuthResult, BotAuthSession, BotSignIn, SessionStatus},
    graphql::{
        context::{client_info, services},
        types::AuthPayload,
    },
};

#[derive(Default)]
pub struct BotAuthQuery;

#[Object]
impl BotAuthQuery {
    /// The static login links (`GET /v1/auth/link`).
    async fn bot_auth_link(&self, ctx: &Context<'_>) -> BotAuthLinks {
        services(ctx).bot_auth().links()
    }

    /// A session's status (`GET /v1/auth/session/{id}/status`). Not a pure read: the
    /// first read after the user confirmed returns `COMPLETED` with the one-time code,
    /// every later one `EXPIRED` (the seed's QR rule). Poll every 2-3 seconds.
    async fn bot_auth_session_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<BotAuthSessionStatus> {
        let status = services(ctx).bot_auth().session_status(&id).await?;
        Ok(BotAuthSessionStatus(status))
    }
}

#[derive(Default)]
pub struct BotAuthMutation;

#[Object]
impl BotAuthMutation {
    /// A login session carrying `state` (e.g. the browser session id; at most 512
    /// characters), returned unchanged by `verifyBotAuthCode` (`POST /v1/auth/session`).
    async fn create_bot_auth_session(
        &self,
        ctx: &Context<'_>,
        state: Option<String>,
    ) -> async_graphql::Result<BotAuthSession> {
        Ok(services(ctx).bot_auth().create_session(state).await?)
    }

    /// Exchanges the one-time code from `callback_url?code=…` for the login's data and
    /// gateway tokens for the linked account (`POST /v1/auth/verify`). A code works once.
    async fn verify_bot_auth_code(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<BotAuthSignIn> {
        let sign_in = services(ctx)
            .bot_auth()
            .sign_in(&code, client_info(ctx))
            .await?;
        Ok(BotAuthSignIn(sign_in))
    }
}

/// The static login links (start payload `auth_<BOT_AUTH_SLUG>`).
#[Object(name = "BotAuthLink")]
impl BotAuthLinks {
    /// `https://t.me/<bot>?start=auth_<slug>`; null when the Telegram bot is not set up.
    async fn telegram_link(&self) -> Option<&str> {
        self.telegram_link.as_deref()
    }

    /// `https://max.ru/<bot>?start=auth_<slug>`; null when the Max bot is not set up.
    async fn max_link(&self) -> Option<&str> {
        self.max_link.as_deref()
    }

    /// A callback URL, the slug and at least one bot are configured.
    async fn configured(&self) -> bool {
        self.configured
    }
}

/// A login session to open in a bot, e.g. as a QR code.
#[Object(name = "BotAuthSession")]
impl BotAuthSession {
    /// 16 characters of `[A-Za-z0-9_-]`.
    async fn session_id(&self) -> ID {
        ID(self.session_id.clone())
    }

    /// `https://t.me/<bot>?start=auths_<sessionId>` (also for a QR code).
    async fn telegram_link(&self) -> Option<&str> {
        self.telegram_link.as_deref()
    }

    /// `https://max.ru/<bot>?start=auths_<sessionId>`.
    async fn max_link(&self) -> Option<&str> {
        self.max_link.as_deref()
    }

    /// Seconds the links stay usable.
    async fn expires_in(&self) -> u64 {
        self.expires_in
    }
}

/// Where a bot-login session stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::bot_auth::BotAuthStatus")]
pub enum BotAuthStatus {
    /// Waiting for the user to press Login in the bot.
    Pending,
    /// Confirmed; this answer carries the one-time code.
    Completed,
    /// Expired, cancelled, or the code was already handed out or used.
    Expired,
}

pub struct BotAuthSessionStatus(pub(crate) SessionStatus);

/// A poll's answer; `code` only with `COMPLETED`.
#[Object]
impl BotAuthSessionStatus {
    async fn status(&self) -> BotAuthStatus {
        self.0.status().into()
    }

    /// The one-time code for `verifyBotAuthCode`.
    async fn code(&self) -> Option<&str> {
        match &self.0 {
            SessionStatus::Completed { code } => Some(code),
            _ => None,
        }
    }
}

/// The messenger the user confirmed in (the seed's `channel`).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::bot_auth::Channel")]
pub enum BotAuthChannel {
    Telegram,
    Max,
}

pub struct BotAuthSignIn(BotSignIn);

impl BotAuthSignIn {
    fn result(&self) -> &BotAuthResult {
        &self.0.result
    }
}

/// Who confirmed the login (bot-auth-api.md `POST /v1/auth/verify`), plus gateway tokens.
#[Object(name = "BotAuthResult")]
impl BotAuthSignIn {
    async fn channel(&self) -> BotAuthChannel {
        self.result().channel.into()
    }

    async fn first_name(&self) -> Option<&str> {
        self.result().first_name.as_deref()
    }

    async fn username(&self) -> Option<&str> {
        self.result().username.as_deref()
    }

    async fn avatar_url(&self) -> Option<&str> {
        self.result().avatar_url.as_deref()
    }

    /// The bot subscription (a UUID).
    async fn subscriber_id(&self) -> Option<ID> {
        self.result().subscriber_id.map(|id| ID(id.to_string()))
    }

    /// The user's language as the messenger reports it (e.g. `ru`).
    async fn lang(&self) -> Option<&str> {
        self.result().lang.as_deref()
    }

    async fn tags(&self) -> &[String] {
        &self.result().tags
    }

    /// The `state` given to `createBotAuthSession`; null for the static link.
    async fn state(&self) -> Option<&str> {
        self.result().state.as_deref()
    }

    /// A gateway session for the account linked to the messenger account.
    async fn tokens(&self) -> AuthPayload {
        let sign_in = self.0.sign_in.clone();
        AuthPayload::new(sign_in.tokens, sign_in.user)
    }
}
