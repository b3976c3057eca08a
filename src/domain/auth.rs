//! Authentication: turning a credential into a [`Principal`], Telegram sign-in, and the
//! tokens a sign-in returns.

use uuid::Uuid;

use super::{users::User, AuthMethod, ClientInfo, Domain, Principal};
use crate::{
    auth::{
        init_data::{self, InitDataError, InitDataKeys, WebAppInitData},
        jwt::{TokenError, TokenKind},
        Credential,
    },
    db,
    error::{AppError, AppResult},
    realtime::{topics, Event},
};
use secrecy::ExposeSecret;

/// What a successful sign-in returns.
#[derive(Clone, Debug)]
pub struct AuthTokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

impl AuthTokens {
    pub const TOKEN_TYPE: &'static str = "bearer";
}

/// A sign-in: tokens and the signed-in user.
#[derive(Clone, Debug)]
pub struct SignIn {
    pub tokens: AuthTokens,
    pub user: User,
}

impl From<InitDataError> for AppError {
    fn from(error: InitDataError) -> Self {
        AppError::Unauthenticated(error.to_string())
    }
}

impl From<TokenError> for AppError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::Expired => AppError::unauthenticated("Access token has expired"),
            TokenError::Invalid => AppError::unauthenticated("Access token is invalid"),
        }
    }
}

pub struct AuthService<'a>(pub(super) &'a Domain);

/// A caller named by [`AuthService::authenticate_existing`], with their user row when
/// finding them read it.
pub struct KnownCaller {
    pub principal: Principal,
    /// The caller's row as authentication read it (initData), in this request.
    pub user: Option<User>,
}

impl AuthService<'_> {
    /// Verifies `credential` and names the user behind it.
    ///
    /// An access token must be well signed, unexpired, issued after the user's last
    /// revoke-all, and its session not revoked. Raw initData signs the user in on the
    /// spot: the Telegram user is created or refreshed, exactly as `authenticateTelegram`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn authenticate(&self, credential: &Credential) -> AppResult<Principal> {
        match credential {
            Credential::AccessToken(token) => self.verify_access_token(token).await,
            Credential::InitData(raw) => {
                let data = self.validate_init_data(raw)?;
                let user = self.upsert_telegram_user(&data).await?;
                Ok(Principal {
                    user_id: user.id,
                    method: AuthMethod::InitData,
                })
            }
        }
    }

    async fn verify_access_token(&self, token: &str) -> AppResult<Principal> {
        let claims = self
            .0
             .0
            .tokens
            .verify(token, TokenKind::Access, self.0.now())?;
        let user_id = claims.user_id().ok_or(TokenError::Invalid)?;
        let session_id = claims.sid.as_deref().and_then(|s| Uuid::parse_str(s).ok());
        let states = &self.0 .0.token_states;
        let state = match states.get(user_id, session_id) {
            (Some(state), _) => state,
            (None, generation) => {
                let state = db::users::token_state(self.0.db().exec(), user_id, session_id)
                    .await?
                    .ok_or_else(|| AppError::unauthenticated("Access token is invalid"))?;
                states.keep(user_id, session_id, &state, generation);
                state
            }
        };
        let revoked_all = state
            .tokens_valid_after
            .is_some_and(|after| claims.iat_ms < after.timestamp_millis());
        if revoked_all || state.session_revoked {
            return Err(AppError::unauthenticated("Access token has been revoked"));
        }
        Ok(Principal {
            user_id,
            method: AuthMethod::AccessToken { session_id },
        })
    }

    /// `GRAPHQL_RATE_LIMIT_PER_MINUTE`: counts `operations` GraphQL operations against
    /// the caller, the user a well-signed credential names (checked without the
    /// database), else the client IP. `RATE_LIMITED` with `retryAfter` past the limit.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn charge_operations(
        &self,
        credential: Option<&Credential>,
        client: &ClientInfo,
        operations: usize,
    ) -> AppResult<()> {
        let per_minute = self.0.config().graphql.operations_per_minute;
        if per_minute == 0 {
            return Ok(());
        }
        let who = match credential {
            Some(Credential::AccessToken(token)) => self
                .0
                 .0
                .tokens
                .verify(token, TokenKind::Access, self.0.now())
                .ok()
                .and_then(|claims| claims.user_id())
                .map(|id| format!("user:{id}")),
            Some(Credential::InitData(raw)) => self
                .validate_init_data(raw)
                .ok()
                .and_then(|data| data.user.map(|u| format!("tg:{}", u.id))),
            None => None,
        }
        .unwrap_or_else(|| format!("ip:{}", client.ip.as_deref().unwrap_or("unknown")));
        let now = self.0.now();
        for _ in 0..operations {
            self.0
                .limiter()
                .hit("graphql", &who, per_minute, now)
                .await?;
        }
        Ok(())
    }

    /// Whether a credential accepted earlier still holds (its session not revoked, the
    /// user not signed out everywhere). Only a definite "no" is `false`: when the
    /// database cannot answer, the connection is kept and checked again later.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn still_valid(&self, credential: &Credential) -> bool {
        match credential {
            Credential::AccessToken(token) => !matches!(
                self.verify_access_token(token).await,
                Err(AppError::Unauthenticated(_))
            ),
            Credential::InitData(raw) => self.validate_init_data(raw).is_ok(),
        }
    }

    /// Unix time after which `credential` stops being valid by itself (an access token's
    /// `exp`; initData's `auth_date` + the accepted age). Long-lived connections close
    /// then. `None`: no expiry (initData without an age limit) or not verifiable.
    pub fn credential_expiry(&self, credential: &Credential) -> Option<i64> {
        match credential {
            Credential::AccessToken(token) => self
                .0
                 .0
                .tokens
                .verify(token, TokenKind::Access, self.0.now())
                .ok()
                .map(|c| c.exp),
            Credential::InitData(raw) => {
                let age = self.0.config().telegram.init_data_max_age?;
                let data = self.validate_init_data(raw).ok()?;
                Some(data.auth_date + i64::try_from(age.as_secs()).unwrap_or(i64::MAX / 2))
            }
        }
    }

    /// `validateInitData`: checks the signature and age, and returns the parsed data.
    pub fn validate_init_data(&self, raw: &str) -> AppResult<WebAppInitData> {
        let telegram = &self.0.config().telegram;
        let public_key = hex::decode(&telegram.public_key_hex)
            .ok()
            .and_then(|k| <[u8; 32]>::try_from(k).ok());
        let keys = InitDataKeys {
            bot_token: telegram.bot_token.as_ref().map(|t| t.expose_secret()),
            bot_id: telegram.effective_bot_id(),
            public_key,
            max_age_seconds: telegram
                .init_data_max_age
                .map(|age| i64::try_from(age.as_secs()).unwrap_or(i64::MAX)),
        };
        Ok(init_data::validate(raw, &keys, self.0.now())?)
    }

    /// `authenticateTelegram`: signs a Telegram user in from initData and opens a session.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn authenticate_telegram(&self, raw: &str, client: &ClientInfo) -> AppResult<SignIn> {
        let data = self.validate_init_data(raw)?;
        let user = self.upsert_telegram_user(&data).await?;
        let tokens = self.open_session(user.id, client).await?;
        Ok(SignIn { tokens, user })
    }

    /// Seed 000 `POST /api/auth/validate`: checks initData and creates or refreshes its
    /// Telegram user, like `authenticateTelegram` but opening no session.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn register_from_init_data(&self, raw: &str) -> AppResult<User> {
        let data = self.validate_init_data(raw)?;
        self.upsert_telegram_user(&data).await
    }

    /// Like [`Self::authenticate`], but raw initData only names a user who already
    /// exists (seed 000 answers 404 "User not found" until `POST /api/auth/validate`
    /// created them); nothing is created or refreshed. With initData the user's row is
    /// read to find them, and comes back with the caller (so `me` reads nothing more).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn authenticate_existing(&self, credential: &Credential) -> AppResult<KnownCaller> {
        let raw = match credential {
            Credential::AccessToken(token) => {
                return Ok(KnownCaller {
                    principal: self.verify_access_token(token).await?,
                    user: None,
                })
            }
            Credential::InitData(raw) => raw,
        };
        let data = self.validate_init_data(raw)?;
        let telegram_id = data
            .user
            .as_ref()
            .map(|user| user.id)
            .ok_or_else(|| AppError::unauthenticated("initData carries no user"))?;
        let user = db::users::find_by_telegram_id(self.0.db().exec(), telegram_id)
            .await?
            .ok_or_else(|| AppError::not_found("User not found"))?;
        Ok(KnownCaller {
            principal: Principal {
                user_id: user.id,
                method: AuthMethod::InitData,
            },
            user: Some(user),
        })
    }

    async fn upsert_telegram_user(&self, data: &WebAppInitData) -> AppResult<User> {
        let tg = data
            .user
            .as_ref()
            .ok_or_else(|| AppError::unauthenticated("initData carries no user"))?;
        if tg.id <= 0 {
            return Err(AppError::unauthenticated("initData user id is invalid"));
        }
        // Signed initData is trusted for who the user is, not for fitting our columns:
        // names are cut to the stored length, and a username, language or photo URL that
        // cannot be stored is left out (the login still succeeds).
        let profile = db::users::TelegramProfile {
            telegram_id: tg.id,
            first_name: clip(&tg.first_name, MAX_NAME),
            last_name: tg.last_name.as_deref().map(|l| clip(l, MAX_NAME)),
            username: tg
                .username
                .clone()
                .filter(|u| !u.is_empty() && u.chars().count() <= MAX_USERNAME),
            language_code: tg
                .language_code
                .clone()
                .filter(|l| !l.is_empty() && l.chars().count() <= 10),
            is_premium: tg.is_premium.unwrap_or(false),
            photo_url: tg
                .photo_url
                .clone()
                .filter(|u| !u.is_empty() && u.chars().count() <= MAX_URL),
        };
        let upserted = db::users::upsert_telegram(self.0.db().exec(), &profile).await?;
        if upserted.changed && !upserted.created {
            let user = Box::new(upserted.user.public());
            self.0
                .bus()
                .publish(&topics::user(user.id), Event::UserUpdated { user })
                .await;
        }
        Ok(upserted.user)
    }

    /// Creates a refresh session and the token pair for it (every sign-in path ends here).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
    pub async fn open_session(&self, user_id: i64, client: &ClientInfo) -> AppResult<AuthTokens> {
        self.issue(user_id, Uuid::new_v4(), client, None).await
    }

    /// Writes a refresh-token row of `family` (replacing `rotated`, when refreshing) and
    /// signs the pair. Access tokens carry the family: revoking it revokes them too.
    pub(super) async fn issue(
        &self,
        user_id: i64,
        family_id: Uuid,
        client: &ClientInfo,
        rotated: Option<(&mut crate::db::Tx, Uuid)>,
    ) -> AppResult<AuthTokens> {
        let config = self.0.config();
        let now = self.0.now();
        let jti = Uuid::new_v4();
        let refresh_ttl =
            chrono::Duration::from_std(config.refresh_token_ttl).map_err(AppError::internal)?;
        let row = db::sessions::NewSession {
            jti,
            family_id,
            user_id,
            user_agent: client.user_agent.as_deref(),
            ip: client.ip.as_deref(),
            expires_at: now + refresh_ttl,
        };
        let db = self.0.db();
        match rotated {
            Some((tx, old)) => {
                db::sessions::create(db.on(&mut **tx), &row).await?;
                db::sessions::mark_rotated(db.on(&mut **tx), old, jti).await?;
            }
            None => db::sessions::create(db.exec(), &row).await?,
        }
        let tokens = &self.0 .0.tokens;
        Ok(AuthTokens {
            access_token: tokens.issue(
                TokenKind::Access,
                user_id,
                Uuid::new_v4().to_string(),
                Some(family_id.to_string()),
                now,
                config.access_token_ttl,
            ),
            refresh_token: tokens.issue(
                TokenKind::Refresh,
                user_id,
                jti.to_string(),
                Some(family_id.to_string()),
                now,
                config.refresh_token_ttl,
            ),
            expires_in: config.access_token_ttl.as_secs(),
        })
    }
}

/// Longest stored first, last and display name (characters).
const MAX_NAME: usize = 256;
/// Longest stored username.
const MAX_USERNAME: usize = 64;
/// Longest stored avatar URL.
const MAX_URL: usize = 2048;

/// `text` cut to at most `max` characters.
fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
