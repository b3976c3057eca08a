//! Mini App analytics (analytics-events-api.md): apps with a secret token, recording
//! event batches, and the owner's summary.

pub mod events;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::{validation::Checks, ClientInfo, Domain, Principal};
use crate::{
    db::{self, analytics::AnalyticsApp},
    error::{AppError, AppResult},
};

pub use db::analytics::{DailyUsers, EventCount};
pub use events::Mismatch;

/// Why a batch was not recorded; each case is a distinct answer of the seed.
#[derive(Debug)]
pub enum AnalyticsError {
    /// No token, or one that cannot be a token.
    MissingToken,
    /// A well-formed token that no app has.
    InvalidToken,
    /// An event names another app than the token's.
    InvalidAppName,
    /// The body is not JSON, or does not match the event schema.
    Mismatch(Mismatch),
    /// The app is restricted to a domain the request was not sent from.
    DomainMismatch,
    /// Storing (or looking the token up) failed.
    NotRecorded(AppError),
}

impl From<AnalyticsError> for AppError {
    fn from(error: AnalyticsError) -> Self {
        match error {
            AnalyticsError::MissingToken => AppError::invalid(
                "token",
                "The token is not specified in the headers or is specified incorrectly.",
            ),
            AnalyticsError::InvalidToken => AppError::unauthenticated("Token is invalid."),
            AnalyticsError::InvalidAppName => {
                AppError::invalid("app_name", "Invalid app_name is specified.")
            }
            AnalyticsError::Mismatch(m) => AppError::invalid(
                if m.path.is_empty() { "events" } else { &m.path },
                format!("VALIDATION_MISMATCH_REPORT: must be {}", m.expected),
            ),
            AnalyticsError::DomainMismatch => {
                AppError::forbidden("The domain name does not match.")
            }
            AnalyticsError::NotRecorded(e) => e,
        }
    }
}

/// A request body the adapter could not decode (not gzip, not JSON, too large).
#[derive(Clone, Copy, Debug)]
pub struct Unreadable;

/// `create-analytics-app` input.
#[derive(Clone, Debug, Default)]
pub struct NewApp {
    pub name: String,
    /// A host (`app.example.com`) or a URL whose host is taken.
    pub allowed_domain: Option<String>,
    /// The gateway user who may read the app's summary.
    pub owner_user_id: Option<i64>,
}

/// A new app and its token: shown once, only its hash is stored.
#[derive(Clone, Debug)]
pub struct CreatedApp {
    pub app: AnalyticsApp,
    pub token: String,
}

/// `analyticsSummary`: counts per event and UTC day, and daily active users.
#[derive(Clone, Debug)]
pub struct Summary {
    pub app_name: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub total_events: i64,
    pub events: Vec<EventCount>,
    pub daily_active_users: Vec<DailyUsers>,
}

/// The longest range one summary covers.
pub const MAX_SUMMARY_DAYS: i64 = 366;

const TOKEN_PREFIX: &str = "tga_";
const MAX_TOKEN_LEN: usize = 256;

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A token is visible ASCII; anything else cannot have been issued.
fn well_formed(token: Option<&str>) -> Option<&str> {
    let token = token?.trim();
    let ok = !token.is_empty()
        && token.len() <= MAX_TOKEN_LEN
        && token.bytes().all(|b| b.is_ascii_graphic());
    ok.then_some(token)
}

pub struct AnalyticsService<'a>(pub(super) &'a Domain);

impl AnalyticsService<'_> {
    /// `POST /events` (analytics-events-api.md) and `trackEvents`: checks the token,
    /// the app's domain, every event's schema and `app_name`, then stores the batch in
    /// one statement, all or nothing. Returns how many events were stored.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn record(
        &self,
        token: Option<&str>,
        body: Result<serde_json::Value, Unreadable>,
        client: &ClientInfo,
    ) -> Result<u64, AnalyticsError> {
        let token = well_formed(token).ok_or(AnalyticsError::MissingToken)?;
        let db = self.0.db();
        let app = db::analytics::find_app_by_token_hash(db.exec(), &token_hash(token))
            .await
            .map_err(|e| AnalyticsError::NotRecorded(e.into()))?
            .ok_or(AnalyticsError::InvalidToken)?;
        if let Some(domain) = &app.allowed_domain {
            if client.origin_host.as_deref() != Some(domain.as_str()) {
                return Err(AnalyticsError::DomainMismatch);
            }
        }
        let body = body.map_err(|Unreadable| {
            AnalyticsError::Mismatch(Mismatch {
                path: String::new(),
                expected: "a JSON event or array of events".into(),
            })
        })?;
        let parsed = events::parse_batch(&body).map_err(AnalyticsError::Mismatch)?;
        if parsed.iter().any(|p| p.app_name != app.name) {
            return Err(AnalyticsError::InvalidAppName);
        }
        let rows: Vec<_> = parsed.into_iter().map(|p| p.event).collect();
        db::analytics::insert_events(db.exec(), app.id, &rows)
            .await
            .map_err(|e| AnalyticsError::NotRecorded(e.into()))
    }

    /// `messenger-gateway create-analytics-app`: registers an app and returns its token.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_app(&self, input: NewApp) -> AppResult<CreatedApp> {
        let mut checks = Checks::default();
        let name = checks.text("name", &input.name, 64);
        let allowed_domain = input.allowed_domain.map(|d| {
            let host = host_of(&d);
            if host.is_none() {
                checks.fail("domain", "must be a host name such as app.example.com");
            }
            host.unwrap_or_default()
        });
        checks.finish()?;
        let db = self.0.db();
        if let Some(owner) = input.owner_user_id {
            if db::users::find_by_id(db.exec(), owner).await?.is_none() {
                return Err(AppError::invalid("owner_user_id", "no user has this id"));
            }
        }
        let token = new_token();
        let app = db::analytics::create_app(
            db.exec(),
            &name,
            &token_hash(&token),
            allowed_domain.as_deref(),
            input.owner_user_id,
        )
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict { .. } => AppError::Conflict {
                field: Some("name".into()),
                message: format!("An analytics app named {name:?} already exists"),
            },
            other => other,
        })?;
        Ok(CreatedApp { app, token })
    }

    /// `analyticsSummary`: the app's events in `[from, to)` by name and UTC day, and
    /// distinct users per day. Only the app's owner may read it; any other caller
    /// (and an unknown app name) is refused alike, so names cannot be probed.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = caller.user_id))]
    pub async fn summary(
        &self,
        caller: &Principal,
        app_name: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> AppResult<Summary> {
        if to <= from {
            return Err(AppError::invalid("to", "must be after from"));
        }
        if to - from > chrono::Duration::days(MAX_SUMMARY_DAYS) {
            return Err(AppError::invalid(
                "to",
                format!("the range must span at most {MAX_SUMMARY_DAYS} days"),
            ));
        }
        let db = self.0.db();
        let app = db::analytics::find_app_by_name(db.exec(), app_name)
            .await?
            .filter(|app| app.owner_user_id == Some(caller.user_id))
            .ok_or_else(|| AppError::forbidden("Only the app's owner may read its analytics"))?;
        let events = db::analytics::event_counts(db.exec(), app.id, from, to).await?;
        let daily_active_users = db::analytics::daily_users(db.exec(), app.id, from, to).await?;
        Ok(Summary {
            app_name: app.name,
            from,
            to,
            total_events: events.iter().map(|e| e.count).sum(),
            events,
            daily_active_users,
        })
    }
}

/// 256 random bits, URL-safe, with a recognisable prefix.
fn new_token() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// `app.example.com` or `https://app.example.com/x` → `app.example.com`.
fn host_of(input: &str) -> Option<String> {
    let input = input.trim();
    let with_scheme = if input.contains("://") {
        input.to_owned()
    } else {
        format!("https://{input}")
    };
    let url = url::Url::parse(&with_scheme).ok()?;
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty() && host.len() <= 253).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_for_shape_before_lookup() {
        assert_eq!(well_formed(None), None);
        assert_eq!(well_formed(Some("  ")), None);
        assert_eq!(well_formed(Some("has space")), None);
        assert_eq!(well_formed(Some(&"a".repeat(257))), None);
        assert_eq!(well_formed(Some(" tga_abc ")), Some("tga_abc"));
        let token = new_token();
        assert!(token.starts_with("tga_") && token.len() == 47, "{token}");
    }

    #[test]
    fn allowed_domains_are_hosts() {
        assert_eq!(
            host_of("App.Example.com").as_deref(),
            Some("app.example.com")
        );
        assert_eq!(
            host_of("https://app.example.com:8443/path").as_deref(),
            Some("app.example.com")
        );
        assert_eq!(host_of("not a host"), None);
    }
}
