//! Refresh sessions (messenger-rest-api.md §5): rotation on every refresh, reuse
//! detection, listing and revocation. A session is a refresh-token family.

use uuid::Uuid;

use super::{auth::SignIn, AuthMethod, ClientInfo, Domain, Principal};
use crate::{
    auth::jwt::{TokenError, TokenKind},
    db::{self, sessions::Session},
    error::{AppError, AppResult},
    realtime::{topics, Event},
};

/// A session as its owner sees it.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub session: Session,
    /// The session this request is authenticated with.
    pub current: bool,
}

pub struct SessionService<'a>(pub(super) &'a Domain);

impl SessionService<'_> {
    /// `refreshToken`: trades a refresh token for a new pair. A refresh token that was
    /// already rotated is a stolen copy or a replay: its whole family is revoked.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn refresh(&self, refresh_token: &str, client: &ClientInfo) -> AppResult<SignIn> {
        let limits = self.0.config().accounts.limits;
        self.0
            .limiter()
            .hit(
                "refresh",
                client_key(client),
                limits.refresh_per_minute,
                self.0.now(),
            )
            .await?;
        let claims = self
            .0
            .tokens()
            .verify(refresh_token, TokenKind::Refresh, self.0.now())
            .map_err(|e| match e {
                TokenError::Expired => AppError::unauthenticated("Refresh token has expired"),
                TokenError::Invalid => AppError::unauthenticated("Refresh token is invalid"),
            })?;
        let jti = Uuid::parse_str(&claims.jti)
            .map_err(|_| AppError::unauthenticated("Refresh token is invalid"))?;
        let db = self.0.db();
        let mut tx = db.begin().await?;
        let session = db::sessions::find_for_update(db.on(&mut *tx), jti)
            .await?
            .ok_or_else(|| AppError::unauthenticated("Refresh token is invalid"))?;
        if session.replaced_by.is_some() {
            db::sessions::revoke_family(db.on(&mut *tx), session.user_id, session.family_id)
                .await?;
            tx.commit().await?;
            tracing::warn!(
                user.id = session.user_id,
                "refresh token reuse: family revoked"
            );
            self.publish_revoked(session.user_id, Some(session.family_id))
                .await;
            return Err(AppError::unauthenticated(
                "Refresh token was already used; the session is revoked",
            ));
        }
        if session.revoked_at.is_some() || session.expires_at <= self.0.now() {
            return Err(AppError::unauthenticated("Session has been revoked"));
        }
        let tokens = self
            .0
            .auth()
            .issue(
                session.user_id,
                session.family_id,
                client,
                Some((&mut tx, jti)),
            )
            .await?;
        tx.commit().await?;
        let user = self
            .0
            .users()
            .load_many(&[session.user_id])
            .await?
            .remove(&session.user_id)
            .ok_or_else(|| AppError::unauthenticated("Refresh token is invalid"))?;
        Ok(SignIn { tokens, user })
    }

    /// `authSessions`: the caller's live sessions, the current one marked.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn list(&self, caller: &Principal) -> AppResult<Vec<SessionInfo>> {
        let current = current_family(caller);
        let sessions = db::sessions::list_live(self.0.db().exec(), caller.user_id).await?;
        let mut infos: Vec<SessionInfo> = sessions
            .into_iter()
            .map(|session| SessionInfo {
                current: Some(session.family_id) == current,
                session,
            })
            .collect();
        infos.sort_by_key(|info| std::cmp::Reverse(info.session.last_used_at));
        Ok(infos)
    }

    /// `revokeSession(jti)`: ends one of the caller's sessions (named by any of its
    /// refresh-token ids); its access tokens stop working at once.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn revoke(&self, caller: &Principal, jti: &str) -> AppResult<()> {
        let jti = Uuid::parse_str(jti.trim())
            .map_err(|_| AppError::invalid("jti", "is not a session id"))?;
        let db = self.0.db();
        let family = db::sessions::family_of(db.exec(), caller.user_id, jti)
            .await?
            .ok_or_else(|| AppError::not_found("Session not found"))?;
        db::sessions::revoke_family(db.exec(), caller.user_id, family).await?;
        self.publish_revoked(caller.user_id, Some(family)).await;
        Ok(())
    }

    /// `logout`: ends the session of the caller's access token.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn logout(&self, caller: &Principal) -> AppResult<()> {
        let Some(family) = current_family(caller) else {
            return Err(AppError::invalid(
                "authorization",
                "initData sign-ins have no session to end",
            ));
        };
        db::sessions::revoke_family(self.0.db().exec(), caller.user_id, family).await?;
        self.publish_revoked(caller.user_id, Some(family)).await;
        Ok(())
    }

    /// `revokeAllSessions`: ends every session; every access token issued before now
    /// stops working.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn revoke_all(&self, caller: &Principal) -> AppResult<()> {
        db::sessions::revoke_all(self.0.db().exec(), caller.user_id).await?;
        self.publish_revoked(caller.user_id, None).await;
        Ok(())
    }

    /// Tells the user's sockets and every instance's token-state cache (this one's at
    /// once) that sessions of `user_id` ended.
    pub(super) async fn publish_revoked(&self, user_id: i64, family_id: Option<Uuid>) {
        self.0 .0.token_states.forget(user_id);
        let event = Event::SessionRevoked { user_id, family_id };
        let bus = self.0.bus();
        bus.publish(&topics::revocations(), event.clone()).await;
        bus.publish(&topics::user(user_id), event).await;
    }
}

/// Forgets the token states of users whose sessions another instance revoked (all of
/// them when events were missed), while the domain lives.
pub(super) async fn forget_revoked(
    domain: std::sync::Weak<super::Inner>,
    mut revocations: crate::realtime::TopicStream,
) {
    use crate::realtime::hub::Delivery;
    use futures_util::StreamExt as _;
    while let Some(delivery) = revocations.next().await {
        let Some(inner) = domain.upgrade() else {
            return;
        };
        match delivery {
            Delivery::Event(envelope) => {
                if let Event::SessionRevoked { user_id, .. } = envelope.event {
                    inner.token_states.forget(user_id);
                }
            }
            Delivery::Lagged { .. } => inner.token_states.forget_all(),
        }
    }
}

fn current_family(caller: &Principal) -> Option<Uuid> {
    match caller.method {
        AuthMethod::AccessToken { session_id } => session_id,
        AuthMethod::InitData => None,
    }
}

/// The rate-limit key of a client: its address.
pub(super) fn client_key(client: &ClientInfo) -> &str {
    client.ip.as_deref().unwrap_or("unknown")
}
