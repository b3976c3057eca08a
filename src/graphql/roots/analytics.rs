//! Mini App analytics (analytics-events-api.md): the owner's `analyticsSummary`, and
//! `trackEvents`, the GraphQL twin of `POST /events`.

use async_graphql::{Context, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::{
    domain::analytics::{DailyUsers, EventCount, Summary},
    graphql::{
        context::{client_info, principal, services},
        scalars::BigInt,
    },
};

/// How often one event happened on one UTC day.
#[derive(SimpleObject)]
pub struct AnalyticsEventCount {
    event_name: String,
    /// The UTC day, `YYYY-MM-DD`.
    day: String,
    count: BigInt,
}

impl From<EventCount> for AnalyticsEventCount {
    fn from(e: EventCount) -> Self {
        Self {
            event_name: e.event_name,
            day: e.day.to_string(),
            count: BigInt(e.count),
        }
    }
}

/// Distinct users (`user_id`s) seen on one UTC day.
#[derive(SimpleObject)]
pub struct AnalyticsDailyUsers {
    /// The UTC day, `YYYY-MM-DD`.
    day: String,
    users: BigInt,
}

impl From<DailyUsers> for AnalyticsDailyUsers {
    fn from(d: DailyUsers) -> Self {
        Self {
            day: d.day.to_string(),
            users: BigInt(d.users),
        }
    }
}

/// An app's events received in `[from, to)`.
#[derive(SimpleObject)]
pub struct AnalyticsSummary {
    app_name: String,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    total_events: BigInt,
    /// Per event name and UTC day, by day then name.
    events: Vec<AnalyticsEventCount>,
    /// Per UTC day, by day.
    daily_active_users: Vec<AnalyticsDailyUsers>,
}

impl From<Summary> for AnalyticsSummary {
    fn from(s: Summary) -> Self {
        Self {
            app_name: s.app_name,
            from: s.from,
            to: s.to,
            total_events: BigInt(s.total_events),
            events: s.events.into_iter().map(Into::into).collect(),
            daily_active_users: s.daily_active_users.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Default)]
pub struct AnalyticsQuery;

#[Object]
impl AnalyticsQuery {
    /// Events of the app `appName` received in `[from, to)` (at most 366 days), by
    /// event and UTC day, and daily active users. The app's owner only (FORBIDDEN for
    /// anyone else, and for an unknown name).
    async fn analytics_summary(
        &self,
        ctx: &Context<'_>,
        app_name: String,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> async_graphql::Result<AnalyticsSummary> {
        let principal = principal(ctx).await?;
        Ok(services(ctx)
            .analytics()
            .summary(&principal, &app_name, from, to)
            .await?
            .into())
    }
}

#[derive(Default)]
pub struct AnalyticsMutation;

#[Object]
impl AnalyticsMutation {
    /// Records analytics events, as `POST /events` does: authorized by the app's
    /// token (the `TGA-Auth-Token` of the REST API), not by the caller's session.
    /// `events` is one event object or an array, with the seed's snake_case fields;
    /// the whole batch is stored or none of it. Returns how many were stored.
    /// Errors: BAD_USER_INPUT (token missing, `app_name` not the token's, a field not
    /// matching the schema: `VALIDATION_MISMATCH_REPORT`), UNAUTHENTICATED (unknown
    /// token), FORBIDDEN (the request's Origin is not the app's domain).
    async fn track_events(
        &self,
        ctx: &Context<'_>,
        token: String,
        events: Json<serde_json::Value>,
    ) -> async_graphql::Result<i32> {
        let recorded = services(ctx)
            .analytics()
            .record(Some(&token), Ok(events.0), client_info(ctx))
            .await
            .map_err(crate::error::AppError::from)?;
        Ok(i32::try_from(recorded).unwrap_or(i32::MAX))
    }
}
