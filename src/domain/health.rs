//! Readiness of the service's dependencies.

use super::Domain;

/// What `/health/ready` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Readiness {
    pub db: bool,
    /// `None` when the service runs without Redis (in-process events).
    pub redis: Option<bool>,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.db && self.redis.unwrap_or(true)
    }
}

pub struct HealthService<'a>(pub(super) &'a Domain);

impl HealthService<'_> {
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn readiness(&self) -> Readiness {
        let (db, redis) = tokio::join!(self.0.db().ping(), self.0.bus().redis_ready());
        Readiness { db, redis }
    }
}
