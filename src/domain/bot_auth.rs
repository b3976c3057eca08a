//! Login through the Telegram and Max bots (bot-auth-api.md): links, sessions with
//! `state`, one-time codes, the QR poll, and the bots' webhooks.
//!
//! Flow: the website gets a link (static `auth_<slug>`, or a session's `auths_<id>`);
//! the user opens it in a bot and presses Login; the bot links or creates the account,
//! subscribes it, and sends "Go to website" to `callback_url?code=…`; the website
//! exchanges the code with `verify` (REST) or `sign_in` (GraphQL, also issues tokens).
//! A session's changes are published on `botauth:{id}` as
//! [`Event::BotAuthSessionChanged`](crate::realtime::Event) — without the code (see there).

mod accounts;
mod codes;
mod conversation;
mod platforms;

use anyhow::Context as _;
use uuid::Uuid;

use super::{auth::SignIn, ClientInfo, Domain};
use crate::{
    config::Config,
    db,
    error::{AppError, AppResult},
    integrations::{max_bot::MaxBot, telegram_bot::TelegramBot},
    realtime::{topics, Event},
};

use codes::CodeKey;
use conversation::chrono_ttl;

pub use crate::db::bot_auth::{BotAuthStatus, Channel};

/// `GET /v1/auth/link`: the static links. A link is `None` when its bot is not set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BotAuthLinks {
    pub telegram_link: Option<String>,
    pub max_link: Option<String>,
    /// A callback URL, a slug and at least one bot are configured.
    pub configured: bool,
}

/// `POST /v1/auth/session`: a session to open in a bot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BotAuthSession {
    pub session_id: String,
    pub telegram_link: Option<String>,
    pub max_link: Option<String>,
    /// Seconds the links stay usable.
    pub expires_in: u64,
}

/// A session as a poll sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionStatus {
    Pending,
    /// Confirmed in the bot; the code is handed out by this one read only.
    Completed {
        code: String,
    },
    /// Expired, cancelled, or its code already handed out or used.
    Expired,
}

impl SessionStatus {
    /// The state, without the code.
    pub fn status(&self) -> BotAuthStatus {
        match self {
            Self::Pending => BotAuthStatus::Pending,
            Self::Completed { .. } => BotAuthStatus::Completed,
            Self::Expired => BotAuthStatus::Expired,
        }
    }
}

/// `POST /v1/auth/verify`: who confirmed the login, and the website's `state`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BotAuthResult {
    pub channel: Channel,
    pub first_name: Option<String>,
    pub username: Option<String>,
    pub avatar_url: Option<String>,
    /// `None` only if the subscription was deleted since.
    pub subscriber_id: Option<Uuid>,
    pub lang: Option<String>,
    pub tags: Vec<String>,
    pub state: Option<String>,
    /// The gateway user the platform account is linked to.
    pub user_id: i64,
}

/// `verifyBotAuthCode`: the result and a gateway session for the linked user.
#[derive(Clone, Debug)]
pub struct BotSignIn {
    pub result: BotAuthResult,
    pub sign_in: SignIn,
}

/// The bot clients, built once per process (their connection pools are shared).
pub(super) struct BotClients {
    telegram: Option<TelegramBot>,
    max: Option<MaxBot>,
}

impl BotClients {
    pub(super) fn new(config: &Config) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .connect_timeout(std::time::Duration::from_secs(5))
            .build()
            .context("building the bot API HTTP client")?;
        let bots = &config.bots;
        Ok(Self {
            telegram: config
                .telegram
                .bot_token
                .as_ref()
                .map(|token| TelegramBot::new(http.clone(), &bots.telegram_api_url, token)),
            max: bots
                .max_bot_token
                .as_ref()
                .map(|token| MaxBot::new(http, &bots.max_api_url, token)),
        })
    }
}

/// The longest `state` a session keeps (the column's check).
pub const MAX_STATE_CHARS: usize = 512;

pub struct BotAuthService<'a>(pub(super) &'a Domain);

impl BotAuthService<'_> {
    /// `GET /v1/auth/link`, `botAuthLink`.
    pub fn links(&self) -> BotAuthLinks {
        let bots = &self.0.config().bots;
        let payload = bots.slug.as_ref().map(|slug| format!("auth_{slug}"));
        let (telegram_link, max_link) = match &payload {
            Some(payload) => self.bot_links(payload),
            None => (None, None),
        };
        let configured = bots.callback_url.is_some()
            && payload.is_some()
            && (telegram_link.is_some() || max_link.is_some());
        BotAuthLinks {
            telegram_link: telegram_link.filter(|_| configured),
            max_link: max_link.filter(|_| configured),
            configured,
        }
    }

    /// `POST /v1/auth/session`, `createBotAuthSession`: a session carrying the caller's
    /// opaque `state` (at most 512 characters, no control characters).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_session(&self, state: Option<String>) -> AppResult<BotAuthSession> {
        if let Some(state) = &state {
            if state.chars().count() > MAX_STATE_CHARS {
                return Err(AppError::invalid("state", "must be at most 512 characters"));
            }
            if state.chars().any(char::is_control) {
                return Err(AppError::invalid(
                    "state",
                    "must not contain control characters",
                ));
            }
        }
        let bots = &self.0.config().bots;
        let session_id = codes::new_session_id();
        let (telegram_link, max_link) = self.bot_links(&format!("auths_{session_id}"));
        if bots.callback_url.is_none() || (telegram_link.is_none() && max_link.is_none()) {
            return Err(AppError::Unavailable("Bot login is not configured".into()));
        }
        let expires_at = self.0.now() + chrono_ttl(bots.session_ttl)?;
        db::bot_auth::insert_pending(
            self.0.db().exec(),
            &session_id,
            state.as_deref(),
            expires_at,
        )
        .await?;
        Ok(BotAuthSession {
            session_id,
            telegram_link,
            max_link,
            expires_in: bots.session_ttl.as_secs(),
        })
    }

    /// `GET /v1/auth/session/{id}/status`, `botAuthSessionStatus`: `Pending` until the
    /// user confirms; then `Completed` with the code for exactly one read (the seed's QR
    /// rule), `Expired` after. Anyone holding the session id may poll: the id is the
    /// capability, as in the seed (it travels in the QR code).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn session_status(&self, session_id: &str) -> AppResult<SessionStatus> {
        let not_found = || AppError::not_found("Session not found");
        if !codes::is_session_id(session_id) {
            return Err(not_found());
        }
        let now = self.0.now();
        let row = db::bot_auth::read_status(self.0.db().exec(), session_id, now)
            .await?
            .ok_or_else(not_found)?;
        if let Some(delivered) = row.delivered {
            let code = self.code_key().code(session_id, delivered.code_expires_at);
            // A code made under another JWT_SECRET cannot be recomputed: it is as good as
            // expired (the bot's button still carries it).
            if codes::hash_code(&code) == delivered.code_hash {
                return Ok(SessionStatus::Completed { code });
            }
            return Ok(SessionStatus::Expired);
        }
        if row.status == BotAuthStatus::Pending && row.expires_at > now {
            return Ok(SessionStatus::Pending);
        }
        Ok(SessionStatus::Expired)
    }

    /// `POST /v1/auth/verify`: exchanges a one-time code for the login's data. A code
    /// works once, until `BOT_AUTH_CODE_TTL_SECONDS` after it was issued.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn verify(&self, code: &str) -> AppResult<BotAuthResult> {
        let invalid = || AppError::invalid("code", "Invalid or expired code");
        let code = code.trim();
        if code.is_empty() || code.len() > 128 {
            return Err(invalid());
        }
        let consumed =
            db::bot_auth::consume_code(self.0.db().exec(), &codes::hash_code(code), self.0.now())
                .await?
                .ok_or_else(invalid)?;
        self.publish(&consumed.session_id, BotAuthStatus::Expired)
            .await;
        Ok(BotAuthResult {
            channel: consumed.channel,
            first_name: consumed.first_name,
            username: consumed.username,
            avatar_url: consumed.avatar_url,
            subscriber_id: consumed.subscriber_id,
            lang: consumed.lang,
            tags: consumed.tags,
            state: consumed.state,
            user_id: consumed.user_id.ok_or_else(invalid)?,
        })
    }

    /// `verifyBotAuthCode`: [`verify`](Self::verify), then a gateway session for the
    /// linked user (access and refresh tokens).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn sign_in(&self, code: &str, client: &ClientInfo) -> AppResult<BotSignIn> {
        let result = self.verify(code).await?;
        let user = db::users::find_by_id(self.0.db().exec(), result.user_id)
            .await?
            .ok_or_else(|| AppError::invalid("code", "Invalid or expired code"))?;
        let tokens = self.0.auth().open_session(user.id, client).await?;
        Ok(BotSignIn {
            result,
            sign_in: SignIn { tokens, user },
        })
    }

    /// The Telegram and Max links for a start payload, for the bots that are set up.
    fn bot_links(&self, payload: &str) -> (Option<String>, Option<String>) {
        let config = self.0.config();
        let telegram = config
            .telegram
            .bot_token
            .as_ref()
            .and(config.telegram.bot_username.as_deref())
            .map(|bot| format!("https://t.me/{bot}?start={payload}"));
        let max = config
            .bots
            .max_bot_token
            .as_ref()
            .and(config.bots.max_bot_username.as_deref())
            .map(|bot| format!("https://max.ru/{bot}?start={payload}"));
        (telegram, max)
    }

    fn code_key(&self) -> CodeKey {
        CodeKey::new(&self.0.config().jwt_secret)
    }

    async fn publish(&self, session_id: &str, status: BotAuthStatus) {
        let event = Event::BotAuthSessionChanged {
            session_id: session_id.to_owned(),
            status,
        };
        self.0
            .bus()
            .publish(&topics::bot_auth(session_id), event)
            .await;
    }
}
