//! Domain services: business rules, authorization, transactions, and event publishing
//! after commit. Adapters (`graphql`, `rest`) call exactly one function here per
//! operation; nothing here knows about axum or async-graphql.

pub mod accounts;
pub mod analytics;
pub mod auth;
pub mod bot_auth;
pub mod chats;
pub mod contacts;
pub mod health;
pub mod live;
pub mod media;
pub mod messages;
pub mod notifications;
pub mod presence;
pub mod rate_limit;
pub mod search;
pub mod sessions;
mod token_states;
pub mod users;
pub mod validation;
pub mod visibility;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::{
    auth::jwt::TokenCodec, config::Config, db::Db, integrations::mailer::Mailer, realtime::EventBus,
};

/// Text a request gave for a typed value (a chat or message type, a privacy level) that
/// is none of its values: adapters parse such fields at the edge and hand the domain
/// `Result<_, UnknownValue>`, which it reports with the request's other faults.
pub use crate::db::UnknownValue;

/// The largest page any list serves.
pub const MAX_PAGE: i64 = 100;

/// Checks a requested page size (`first` / `last` / `limit`).
pub fn page_size(requested: i64) -> crate::error::AppResult<i64> {
    if (1..=MAX_PAGE).contains(&requested) {
        Ok(requested)
    } else {
        Err(crate::error::AppError::invalid(
            "first",
            format!("must be between 1 and {MAX_PAGE}"),
        ))
    }
}

/// `%text%` for `ILIKE`, with the pattern characters of `text` escaped.
pub fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The time source, swappable in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Who is calling, once their credential was verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub method: AuthMethod,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// A JWT access token of the refresh session `session_id`.
    AccessToken { session_id: Option<uuid::Uuid> },
    /// Raw Telegram initData presented on the request itself.
    InitData,
}

/// Where a request came from (recorded on sessions).
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The lowercase host of the request's `Origin` (else `Referer`) header: the site a
    /// browser sent it from (analytics apps restricted to a domain check it).
    pub origin_host: Option<String>,
}

struct Inner {
    config: Arc<Config>,
    db: Db,
    bus: EventBus,
    clock: Arc<dyn Clock>,
    tokens: TokenCodec,
    token_states: token_states::TokenStates,
    bots: bot_auth::BotClients,
    mailer: Mailer,
    /// Media storage, built once from `S3_*` (`None`: uploads are off).
    storage: Option<crate::integrations::s3::S3Storage>,
    limiter: rate_limit::RateLimiter,
    presence: Arc<dyn crate::realtime::stores::PresenceStore>,
    presence_leaves: tokio::sync::mpsc::UnboundedSender<presence::LeaveCommand>,
    /// Replays of missed messages (reconnect storms) hold at most half the database pool,
    /// so requests still get connections.
    replays: tokio::sync::Semaphore,
}

/// The handle every adapter holds; services are views onto it.
#[derive(Clone)]
pub struct Domain(Arc<Inner>);

impl Domain {
    pub fn new(
        config: Arc<Config>,
        db: Db,
        bus: EventBus,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let tokens = TokenCodec::new(&config.jwt_secret);
        let token_states = token_states::TokenStates::new(config.auth_state_cache);
        let bots = bot_auth::BotClients::new(&config)?;
        let mailer = Mailer::from_config(&config.accounts)?;
        let storage = match &config.s3 {
            Some(s3) => Some(
                crate::integrations::s3::S3Storage::new(s3)
                    .map_err(|reason| anyhow::anyhow!("S3_ENDPOINT is invalid: {reason}"))?,
            ),
            None => None,
        };
        let limiter = rate_limit::RateLimiter::new(bus.shared_counters());
        let presence = bus.presence_store();
        let (presence_leaves, queued) = tokio::sync::mpsc::unbounded_channel();
        let replays =
            tokio::sync::Semaphore::new((config.database_max_connections as usize / 2).max(1));
        let domain = Self(Arc::new(Inner {
            config,
            db,
            bus,
            clock,
            tokens,
            token_states,
            bots,
            mailer,
            storage,
            limiter,
            presence,
            presence_leaves,
            replays,
        }));
        tokio::spawn(presence::run_leaves(Arc::downgrade(&domain.0), queued));
        let revocations = domain
            .0
            .bus
            .subscribe(&crate::realtime::topics::revocations());
        tokio::spawn(sessions::forget_revoked(
            Arc::downgrade(&domain.0),
            revocations,
        ));
        Ok(domain)
    }

    pub fn accounts(&self) -> accounts::AccountService<'_> {
        accounts::AccountService(self)
    }

    pub fn sessions(&self) -> sessions::SessionService<'_> {
        sessions::SessionService(self)
    }

    pub fn auth(&self) -> auth::AuthService<'_> {
        auth::AuthService(self)
    }

    pub fn bot_auth(&self) -> bot_auth::BotAuthService<'_> {
        bot_auth::BotAuthService(self)
    }

    pub fn users(&self) -> users::UserService<'_> {
        users::UserService(self)
    }

    pub fn chats(&self) -> chats::ChatService<'_> {
        chats::ChatService(self)
    }

    pub fn messages(&self) -> messages::MessageService<'_> {
        messages::MessageService(self)
    }

    pub fn notifications(&self) -> notifications::NotificationService<'_> {
        notifications::NotificationService(self)
    }

    pub fn search(&self) -> search::SearchService<'_> {
        search::SearchService(self)
    }

    pub fn media(&self) -> media::MediaService<'_> {
        media::MediaService(self)
    }

    pub fn contacts(&self) -> contacts::ContactService<'_> {
        contacts::ContactService(self)
    }

    pub fn health(&self) -> health::HealthService<'_> {
        health::HealthService(self)
    }

    pub fn analytics(&self) -> analytics::AnalyticsService<'_> {
        analytics::AnalyticsService(self)
    }

    /// The database pool's `(open, idle)` connections (for metrics).
    pub fn db_pool_state(&self) -> (u32, usize) {
        self.0.db.pool_state()
    }

    pub fn bus(&self) -> &EventBus {
        &self.0.bus
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn live(&self) -> live::LiveService<'_> {
        live::LiveService(self)
    }

    pub fn presence(&self) -> presence::PresenceService<'_> {
        presence::PresenceService(self)
    }

    /// A place among the replays that may run at once (see `Inner::replays`).
    async fn replay_permit(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.0.replays.acquire().await.ok()
    }

    fn presence_leaves(&self) -> &tokio::sync::mpsc::UnboundedSender<presence::LeaveCommand> {
        &self.0.presence_leaves
    }

    fn presence_store(&self) -> &dyn crate::realtime::stores::PresenceStore {
        self.0.presence.as_ref()
    }

    fn tokens(&self) -> &TokenCodec {
        &self.0.tokens
    }

    fn storage(&self) -> Option<&crate::integrations::s3::S3Storage> {
        self.0.storage.as_ref()
    }

    fn mailer(&self) -> &Mailer {
        &self.0.mailer
    }

    fn limiter(&self) -> &rate_limit::RateLimiter {
        &self.0.limiter
    }

    fn db(&self) -> &Db {
        &self.0.db
    }

    fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }
}
