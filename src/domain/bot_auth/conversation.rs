//! What the bot answers, whatever the platform: `/start` with a login payload shows
//! Login / Cancel; Login links the account, subscribes it and issues the code; Cancel
//! ends the session. Platforms only translate updates in and [`Reply`]s out.
//!
//! A session is bound to the first platform account that opens its link (`channel`,
//! `platform_user_id`); Login and Cancel for it are accepted from that account only, so a
//! leaked or forged callback cannot complete someone else's login.

use chrono::{DateTime, SubsecRound, Utc};

use super::{codes, BotAuthService, BotAuthStatus, Channel};
use crate::{
    db::{self, bot_auth::SessionRow},
    error::{AppError, AppResult},
    realtime::{topics, Event},
};

/// The platform account talking to the bot.
#[derive(Clone, Debug)]
pub struct BotUser {
    pub channel: Channel,
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub lang: Option<String>,
    pub avatar_url: Option<String>,
    pub is_premium: bool,
}

/// Which login a button belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The static link (`auth_<slug>`): a session is made when the user presses Login.
    Static,
    /// A session created through the API (`auths_<id>`).
    Session(String),
}

impl Target {
    /// Callback data for `action` (`login` / `cancel`): `login:<id>`, or `login` for the
    /// static link. At most 23 bytes, within Telegram's 64.
    pub fn callback_data(&self, action: &str) -> String {
        match self {
            Self::Static => action.to_owned(),
            Self::Session(id) => format!("{action}:{id}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Login,
    Cancel,
}

fn parse_callback(data: &str) -> Option<(Action, Target)> {
    let (action, id) = match data.split_once(':') {
        Some((action, id)) => (action, Some(id)),
        None => (data, None),
    };
    let action = match action {
        "login" => Action::Login,
        "cancel" => Action::Cancel,
        _ => return None,
    };
    let target = match id {
        None => Target::Static,
        Some(id) if codes::is_session_id(id) => Target::Session(id.to_owned()),
        Some(_) => return None,
    };
    Some((action, target))
}

/// What the bot says next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Nothing (an update the bot does not act on).
    Silent,
    /// "Sign in?" with Login / Cancel buttons.
    Prompt(Target),
    /// Signed in: the "Go to website" button to `url` (`callback_url?code=…`).
    SignedIn {
        url: String,
    },
    Cancelled,
    /// The link is unknown, used up, cancelled or expired.
    InvalidLink,
    /// The link was opened from another account first.
    OtherAccount,
}

impl Reply {
    pub const LOGIN: &'static str = "Login";
    pub const CANCEL: &'static str = "Cancel";
    pub const GO_TO_WEBSITE: &'static str = "Go to website";

    pub fn text(&self) -> &'static str {
        match self {
            Self::Silent => "",
            Self::Prompt(_) => {
                "Sign in to the website with this account? Press Login to confirm, or Cancel."
            }
            Self::SignedIn { .. } => {
                "You are signed in. Press the button to go back to the website."
            }
            Self::Cancelled => "Login cancelled.",
            Self::InvalidLink => {
                "This login link is invalid or has expired. Open a new one on the website."
            }
            Self::OtherAccount => "This login link was opened from another account.",
        }
    }
}

impl BotAuthService<'_> {
    /// `/start <payload>`.
    pub(super) async fn on_start(&self, user: &BotUser, payload: &str) -> AppResult<Reply> {
        if self.0.config().bots.callback_url.is_none() || payload.is_empty() {
            return Ok(Reply::Silent);
        }
        if let Some(id) = payload.strip_prefix("auths_") {
            if !codes::is_session_id(id) {
                return Ok(Reply::InvalidLink);
            }
            return self.open_session_link(user, id).await;
        }
        let slug = self.0.config().bots.slug.as_deref();
        match payload.strip_prefix("auth_") {
            Some(given) if Some(given) == slug => Ok(Reply::Prompt(Target::Static)),
            _ => Ok(Reply::InvalidLink),
        }
    }

    async fn open_session_link(&self, user: &BotUser, id: &str) -> AppResult<Reply> {
        let db = self.0.db();
        let now = self.0.now();
        let mut tx = db.begin().await?;
        let Some(session) = db::bot_auth::lock(db.on(&mut *tx), id).await? else {
            return Ok(Reply::InvalidLink);
        };
        if session.status != BotAuthStatus::Pending || session.expires_at <= now {
            return Ok(Reply::InvalidLink);
        }
        match session.channel {
            None => {
                db::bot_auth::claim(db.on(&mut *tx), id, user.channel, user.id).await?;
                tx.commit().await?;
            }
            Some(_) if !opened_by(&session, user) => return Ok(Reply::OtherAccount),
            Some(_) => {}
        }
        Ok(Reply::Prompt(Target::Session(id.to_owned())))
    }

    /// A button press (`callback_data` / `payload`).
    pub(super) async fn on_callback(&self, user: &BotUser, data: &str) -> AppResult<Reply> {
        let Some((action, target)) = parse_callback(data) else {
            return Ok(Reply::Silent);
        };
        match action {
            Action::Cancel => self.cancel(user, &target).await,
            // A new Max user is created in the transaction; if the same account logs in
            // twice at once, the loser hits the unique key and retries, finding the winner.
            Action::Login => match self.login(user, &target).await {
                Err(AppError::Conflict { .. }) => self.login(user, &target).await,
                other => other,
            },
        }
    }

    async fn cancel(&self, user: &BotUser, target: &Target) -> AppResult<Reply> {
        let Target::Session(id) = target else {
            return Ok(Reply::Cancelled);
        };
        let db = self.0.db();
        let mut tx = db.begin().await?;
        let Some(session) = db::bot_auth::lock(db.on(&mut *tx), id).await? else {
            return Ok(Reply::InvalidLink);
        };
        if !opened_by(&session, user) {
            return Ok(Reply::OtherAccount);
        }
        if session.status != BotAuthStatus::Pending {
            return Ok(Reply::InvalidLink);
        }
        db::bot_auth::cancel(db.on(&mut *tx), id).await?;
        tx.commit().await?;
        self.publish(id, BotAuthStatus::Expired).await;
        Ok(Reply::Cancelled)
    }

    async fn login(&self, user: &BotUser, target: &Target) -> AppResult<Reply> {
        let config = &self.0.config().bots;
        let Some(callback_url) = config.callback_url.as_ref() else {
            return Ok(Reply::Silent);
        };
        let now = self.0.now();
        let db = self.0.db();
        let mut tx = db.begin().await?;
        let (session_id, existing) = match target {
            Target::Static => (codes::new_session_id(), false),
            Target::Session(id) => {
                let Some(session) = db::bot_auth::lock(db.on(&mut *tx), id).await? else {
                    return Ok(Reply::InvalidLink);
                };
                if !opened_by(&session, user) {
                    return Ok(Reply::OtherAccount);
                }
                if let Some(code_expires_at) = reusable_code(&session, now) {
                    // Login pressed again (or the platform redelivered the update): the
                    // same code, recomputed.
                    let code = self.code_key().code(id, code_expires_at);
                    return Ok(Reply::SignedIn {
                        url: with_code(callback_url, &code),
                    });
                }
                if session.status != BotAuthStatus::Pending || session.expires_at <= now {
                    return Ok(Reply::InvalidLink);
                }
                (id.clone(), true)
            }
        };
        let linked = self.link_account(&mut tx, user).await?;
        let code_expires_at = (now + chrono_ttl(config.code_ttl)?).trunc_subsecs(6);
        let code = self.code_key().code(&session_id, code_expires_at);
        let code_hash = codes::hash_code(&code);
        let done = db::bot_auth::Completion {
            channel: user.channel,
            platform_user_id: user.id,
            user_id: linked.user_id,
            first_name: user.first_name.as_deref(),
            username: user.username.as_deref(),
            avatar_url: user.avatar_url.as_deref(),
            lang: user.lang.as_deref(),
            subscriber_id: linked.subscriber_id,
            code_hash: &code_hash,
            code_expires_at,
        };
        if existing {
            db::bot_auth::complete(db.on(&mut *tx), &session_id, &done).await?;
        } else {
            let expires_at = now + chrono_ttl(config.session_ttl)?;
            db::bot_auth::insert_completed(db.on(&mut *tx), &session_id, &done, expires_at).await?;
        }
        tx.commit().await?;
        if let Some(user) = linked.profile_changed {
            let user = Box::new(user.public());
            self.0
                .bus()
                .publish(&topics::user(user.id), Event::UserUpdated { user })
                .await;
        }
        self.publish(&session_id, BotAuthStatus::Completed).await;
        Ok(Reply::SignedIn {
            url: with_code(callback_url, &code),
        })
    }
}

/// Whether `user` is the account that opened the session's link.
fn opened_by(session: &SessionRow, user: &BotUser) -> bool {
    session.channel == Some(user.channel) && session.platform_user_id == Some(user.id)
}

/// The expiry of a completed session's code while it may still be used.
fn reusable_code(session: &SessionRow, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if session.status != BotAuthStatus::Completed || session.code_used_at.is_some() {
        return None;
    }
    session.code_expires_at.filter(|at| *at > now)
}

fn with_code(callback_url: &url::Url, code: &str) -> String {
    let mut url = callback_url.clone();
    url.query_pairs_mut().append_pair("code", code);
    url.into()
}

pub(super) fn chrono_ttl(ttl: std::time::Duration) -> AppResult<chrono::Duration> {
    chrono::Duration::from_std(ttl).map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_data_round_trips_and_rejects_junk() {
        let session = Target::Session("aBcDeFgH12345678".into());
        for (action, expected) in [("login", Action::Login), ("cancel", Action::Cancel)] {
            assert_eq!(
                parse_callback(&session.callback_data(action)),
                Some((expected, session.clone()))
            );
            assert_eq!(
                parse_callback(&Target::Static.callback_data(action)),
                Some((expected, Target::Static))
            );
        }
        assert_eq!(parse_callback("login:short"), None);
        assert_eq!(parse_callback("delete:aBcDeFgH12345678"), None);
        assert_eq!(parse_callback(""), None);
        assert!(session.callback_data("cancel").len() <= 64);
    }
}
