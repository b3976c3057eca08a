//! Fixed-window rate limits per client and action (messenger-rest-api.md §12): in Redis
//! when configured, so every instance counts together; in process memory otherwise.

use std::{collections::HashMap, sync::Arc, sync::Mutex};

use chrono::{DateTime, Utc};

use crate::{
    error::{AppError, AppResult},
    realtime::stores::Counters,
};

pub struct RateLimiter {
    /// Counted together with the other instances (Redis); `None`: this process only.
    shared: Option<Arc<dyn Counters>>,
    local: Mutex<HashMap<String, u32>>,
    cooldowns: Mutex<HashMap<String, i64>>,
    /// Failures per key and until when they count (without Redis).
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

/// How long failures are remembered while below the lockout threshold.
const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;
/// The first lockout; each further failure doubles it, up to [`FAILURE_WINDOW_SECONDS`].
const FIRST_LOCKOUT_SECONDS: i64 = 30;

/// The lockout after `failures` failures (`threshold` or more).
fn lockout_seconds(failures: u32, threshold: u32) -> i64 {
    let doublings = failures.saturating_sub(threshold).min(10);
    (FIRST_LOCKOUT_SECONDS << doublings).min(FAILURE_WINDOW_SECONDS)
}

impl RateLimiter {
    pub fn new(shared: Option<Arc<dyn Counters>>) -> Self {
        Self {
            shared,
            local: Mutex::new(HashMap::new()),
            cooldowns: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `RATE_LIMITED` while `key` (e.g. one account's logins) is locked out: it failed
    /// `threshold` times within 15 minutes of each other. The lockout starts at 30 s and
    /// doubles with each further failure, up to 15 minutes; the failures are forgotten
    /// 15 minutes after the last one (or on success). `threshold = 0` never locks.
    pub async fn check_lockout(
        &self,
        key: &str,
        threshold: u32,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        if threshold == 0 {
            return Ok(());
        }
        let lock = format!("lock:{key}");
        let left = match &self.shared {
            Some(shared) => match shared.ttl(&lock).await {
                Ok(ttl) => Some(ttl),
                Err(error) => {
                    tracing::warn!(%error, "lockout falls back to process memory");
                    None
                }
            },
            None => None,
        };
        let left = left.unwrap_or_else(|| {
            let locks = self.cooldowns.lock().unwrap_or_else(|e| e.into_inner());
            locks.get(&lock).map_or(0, |until| until - now.timestamp())
        });
        if left > 0 {
            metrics::counter!("rate_limit_refusals_total", "action" => "lockout").increment(1);
            return Err(AppError::RateLimited {
                retry_after: u64::try_from(left).unwrap_or(1),
            });
        }
        Ok(())
    }

    /// Counts one failure of `key`; from the threshold on, each failure locks it out.
    pub async fn record_failure(&self, key: &str, threshold: u32, now: DateTime<Utc>) {
        if threshold == 0 {
            return;
        }
        let (fail, lock) = (format!("fail:{key}"), format!("lock:{key}"));
        if let Some(shared) = &self.shared {
            match shared.incr(&fail, FAILURE_WINDOW_SECONDS).await {
                Ok(count) if count < threshold => return,
                Ok(count) => {
                    let seconds = lockout_seconds(count, threshold);
                    if shared.set(&lock, seconds, false).await.is_ok() {
                        return;
                    }
                }
                Err(error) => tracing::warn!(%error, "lockout falls back to process memory"),
            }
        }
        let now = now.timestamp();
        let count = {
            let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
            failures.retain(|_, (_, until)| *until > now);
            let entry = failures.entry(fail).or_insert((0, now));
            entry.0 += 1;
            entry.1 = now + FAILURE_WINDOW_SECONDS;
            entry.0
        };
        if count >= threshold {
            let mut locks = self.cooldowns.lock().unwrap_or_else(|e| e.into_inner());
            locks.insert(lock, now + lockout_seconds(count, threshold));
        }
    }

    /// Forgets `key`'s failures and lockout (after a success).
    pub async fn clear_failures(&self, key: &str) {
        let (fail, lock) = (format!("fail:{key}"), format!("lock:{key}"));
        if let Some(shared) = &self.shared {
            let _ = shared.delete(&[&fail, &lock]).await;
        }
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&fail);
        self.cooldowns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&lock);
    }

    /// Counts one `action` by `client`; `RATE_LIMITED` with the seconds left in the
    /// minute once more than `per_minute` happened in it. `per_minute = 0` is unlimited.
    pub async fn hit(
        &self,
        action: &str,
        client: &str,
        per_minute: u32,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        if per_minute == 0 {
            return Ok(());
        }
        let window = now.timestamp().div_euclid(60);
        let retry_after = u64::try_from(60 - now.timestamp().rem_euclid(60)).unwrap_or(60);
        let key = format!("rl:{action}:{client}:{window}");
        let count = match self.shared_incr(&key).await {
            Some(count) => count,
            None => self.local_incr(&key, window),
        };
        if count > per_minute {
            metrics::counter!("rate_limit_refusals_total", "action" => action.to_owned())
                .increment(1);
            return Err(AppError::RateLimited { retry_after });
        }
        Ok(())
    }

    /// Allows `key` once per `seconds`: `RATE_LIMITED` with the time left while it is
    /// cooling down. `seconds = 0` always allows.
    pub async fn once_per(&self, key: &str, seconds: u32, now: DateTime<Utc>) -> AppResult<()> {
        if seconds == 0 {
            return Ok(());
        }
        let key = format!("once:{key}");
        let left = match &self.shared {
            Some(shared) => match shared.set(&key, i64::from(seconds), true).await {
                Ok(true) => None,
                Ok(false) => {
                    let ttl = shared.ttl(&key).await.unwrap_or(1);
                    Some(u64::try_from(ttl.max(1)).unwrap_or(1))
                }
                Err(error) => {
                    tracing::warn!(%error, "cooldown falls back to process memory");
                    self.local_once(&key, seconds, now)
                }
            },
            None => self.local_once(&key, seconds, now),
        };
        match left {
            Some(retry_after) => Err(AppError::RateLimited { retry_after }),
            None => Ok(()),
        }
    }

    /// The seconds left on `key`'s cooldown, or `None` after starting a new one.
    fn local_once(&self, key: &str, seconds: u32, now: DateTime<Utc>) -> Option<u64> {
        let mut until = self.cooldowns.lock().unwrap_or_else(|e| e.into_inner());
        let now = now.timestamp();
        until.retain(|_, end| *end > now);
        match until.get(key) {
            Some(end) => Some(u64::try_from(end - now).unwrap_or(1).max(1)),
            None => {
                until.insert(key.to_owned(), now + i64::from(seconds));
                None
            }
        }
    }

    async fn shared_incr(&self, key: &str) -> Option<u32> {
        let shared = self.shared.as_ref()?;
        match shared.incr(key, 120).await {
            Ok(count) => Some(count),
            Err(error) => {
                tracing::warn!(%error, "rate limit falls back to process memory");
                None
            }
        }
    }

    fn local_incr(&self, key: &str, window: i64) -> u32 {
        let mut counts = self.local.lock().unwrap_or_else(|e| e.into_inner());
        let suffix = format!(":{window}");
        counts.retain(|k, _| k.ends_with(&suffix));
        let count = counts.entry(key.to_owned()).or_insert(0);
        *count += 1;
        *count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[tokio::test]
    async fn failures_lock_a_key_out_with_a_doubling_back_off() {
        let limiter = RateLimiter::new(None);
        let t = Utc.timestamp_opt(1_700_000_000, 0).single().expect("time");
        for _ in 0..3 {
            assert!(limiter.check_lockout("a@x", 3, t).await.is_ok());
            limiter.record_failure("a@x", 3, t).await;
        }
        match limiter.check_lockout("a@x", 3, t).await {
            Err(AppError::RateLimited { retry_after }) => assert_eq!(retry_after, 30),
            other => panic!("expected RATE_LIMITED, got {other:?}"),
        }
        assert!(limiter.check_lockout("b@x", 3, t).await.is_ok(), "per key");
        let later = t + chrono::Duration::seconds(31);
        assert!(limiter.check_lockout("a@x", 3, later).await.is_ok());
        limiter.record_failure("a@x", 3, later).await;
        match limiter.check_lockout("a@x", 3, later).await {
            Err(AppError::RateLimited { retry_after }) => assert_eq!(retry_after, 60),
            other => panic!("expected a doubled lockout, got {other:?}"),
        }
        limiter.clear_failures("a@x").await;
        assert!(limiter.check_lockout("a@x", 3, later).await.is_ok());
        assert_eq!(lockout_seconds(40, 3), 15 * 60);
    }

    #[tokio::test]
    async fn the_limit_applies_per_window_and_tells_the_seconds_left() {
        let limiter = RateLimiter::new(None);
        let t = Utc.timestamp_opt(1_700_000_006, 0).single().expect("time");
        for _ in 0..3 {
            assert!(limiter.hit("login", "1.2.3.4", 3, t).await.is_ok());
        }
        match limiter.hit("login", "1.2.3.4", 3, t).await {
            Err(AppError::RateLimited { retry_after }) => assert_eq!(retry_after, 34),
            other => panic!("expected RATE_LIMITED, got {other:?}"),
        }
        assert!(
            limiter.hit("login", "5.6.7.8", 3, t).await.is_ok(),
            "per client"
        );
        let next_minute = t + chrono::Duration::seconds(60);
        assert!(limiter
            .hit("login", "1.2.3.4", 3, next_minute)
            .await
            .is_ok());
    }
}
