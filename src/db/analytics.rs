//! `analytics_apps` and `analytics_events`: apps with a hashed token, and their events.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// A registered analytics app (never its token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalyticsApp {
    pub id: i64,
    pub name: String,
    pub allowed_domain: Option<String>,
    pub owner_user_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// One validated event, as stored. `from` is stored as `from_address`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewEvent {
    pub event_name: String,
    pub session_id: Uuid,
    pub user_id: i64,
    pub is_premium: bool,
    pub is_success: bool,
    pub error_message: Option<String>,
    pub error_code: Option<i64>,
    pub wallet_address: Option<String>,
    pub wallet_type: Option<String>,
    pub wallet_version: Option<String>,
    pub auth_type: Option<i16>,
    pub valid_until: Option<String>,
    pub from_address: Option<String>,
    pub messages: Option<serde_json::Value>,
    pub custom_data: Option<serde_json::Value>,
    pub client_timestamp: Option<String>,
    pub platform: Option<String>,
    pub locale: Option<String>,
    pub start_param: Option<String>,
    pub url_referer: Option<String>,
    pub scope: Option<String>,
}

/// How often one event happened on one UTC day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventCount {
    pub event_name: String,
    pub day: NaiveDate,
    pub count: i64,
}

/// Distinct users seen on one UTC day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyUsers {
    pub day: NaiveDate,
    pub users: i64,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create_app(
    db: impl PgExecutor<'_>,
    name: &str,
    token_hash: &str,
    allowed_domain: Option<&str>,
    owner_user_id: Option<i64>,
) -> Result<AnalyticsApp, sqlx::Error> {
    sqlx::query_as!(
        AnalyticsApp,
        r#"insert into analytics_apps (name, token_hash, allowed_domain, owner_user_id)
           values ($1, $2, $3, $4)
           returning id, name, allowed_domain, owner_user_id, created_at"#,
        name,
        token_hash,
        allowed_domain,
        owner_user_id
    )
    .fetch_one(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_app_by_token_hash(
    db: impl PgExecutor<'_>,
    token_hash: &str,
) -> Result<Option<AnalyticsApp>, sqlx::Error> {
    sqlx::query_as!(
        AnalyticsApp,
        r#"select id, name, allowed_domain, owner_user_id, created_at
             from analytics_apps where token_hash = $1"#,
        token_hash
    )
    .fetch_optional(db)
    .await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_app_by_name(
    db: impl PgExecutor<'_>,
    name: &str,
) -> Result<Option<AnalyticsApp>, sqlx::Error> {
    sqlx::query_as!(
        AnalyticsApp,
        r#"select id, name, allowed_domain, owner_user_id, created_at
             from analytics_apps where name = $1"#,
        name
    )
    .fetch_optional(db)
    .await
}

/// Stores a batch with one multi-row statement: all of it or, on any error, none.
#[tracing::instrument(level = "debug", skip_all, fields(app_id = app_id))]
pub async fn insert_events(
    db: impl PgExecutor<'_>,
    app_id: i64,
    events: &[NewEvent],
) -> Result<u64, sqlx::Error> {
    fn column<T>(events: &[NewEvent], get: impl Fn(&NewEvent) -> T) -> Vec<T> {
        events.iter().map(get).collect()
    }
    let result = sqlx::query!(
        r#"insert into analytics_events (
               app_id, event_name, session_id, user_id, is_premium, is_success,
               error_message, error_code, wallet_address, wallet_type, wallet_version,
               auth_type, valid_until, from_address, messages, custom_data,
               client_timestamp, platform, locale, start_param, url_referer, scope)
           select $1, * from unnest(
               $2::text[], $3::uuid[], $4::int8[], $5::bool[], $6::bool[],
               $7::text[], $8::int8[], $9::text[], $10::text[], $11::text[],
               $12::int2[], $13::text[], $14::text[], $15::jsonb[], $16::jsonb[],
               $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[])"#,
        app_id,
        &column(events, |e| e.event_name.clone()),
        &column(events, |e| e.session_id),
        &column(events, |e| e.user_id),
        &column(events, |e| e.is_premium),
        &column(events, |e| e.is_success),
        &column(events, |e| e.error_message.clone()) as &[Option<String>],
        &column(events, |e| e.error_code) as &[Option<i64>],
        &column(events, |e| e.wallet_address.clone()) as &[Option<String>],
        &column(events, |e| e.wallet_type.clone()) as &[Option<String>],
        &column(events, |e| e.wallet_version.clone()) as &[Option<String>],
        &column(events, |e| e.auth_type) as &[Option<i16>],
        &column(events, |e| e.valid_until.clone()) as &[Option<String>],
        &column(events, |e| e.from_address.clone()) as &[Option<String>],
        &column(events, |e| e.messages.clone()) as &[Option<serde_json::Value>],
        &column(events, |e| e.custom_data.clone()) as &[Option<serde_json::Value>],
        &column(events, |e| e.client_timestamp.clone()) as &[Option<String>],
        &column(events, |e| e.platform.clone()) as &[Option<String>],
        &column(events, |e| e.locale.clone()) as &[Option<String>],
        &column(events, |e| e.start_param.clone()) as &[Option<String>],
        &column(events, |e| e.url_referer.clone()) as &[Option<String>],
        &column(events, |e| e.scope.clone()) as &[Option<String>],
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// Events of `app_id` received in `[from, to)`, counted by name and UTC day.
#[tracing::instrument(level = "debug", skip_all, fields(app_id = app_id))]
pub async fn event_counts(
    db: impl PgExecutor<'_>,
    app_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<EventCount>, sqlx::Error> {
    sqlx::query_as!(
        EventCount,
        r#"select event_name, (received_at at time zone 'utc')::date as "day!",
                  count(*) as "count!"
             from analytics_events
            where app_id = $1 and received_at >= $2 and received_at < $3
            group by 1, 2
            order by 2, 1"#,
        app_id,
        from,
        to
    )
    .fetch_all(db)
    .await
}

/// Distinct `user_id`s of `app_id` per UTC day in `[from, to)`.
#[tracing::instrument(level = "debug", skip_all, fields(app_id = app_id))]
pub async fn daily_users(
    db: impl PgExecutor<'_>,
    app_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DailyUsers>, sqlx::Error> {
    sqlx::query_as!(
        DailyUsers,
        r#"select (received_at at time zone 'utc')::date as "day!",
                  count(distinct user_id) as "users!"
             from analytics_events
            where app_id = $1 and received_at >= $2 and received_at < $3
            group by 1
            order by 1"#,
        app_id,
        from,
        to
    )
    .fetch_all(db)
    .await
}
