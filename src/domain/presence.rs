//! Presence: a user is online while at least one of their WebSockets is open on any
//! instance. With Redis, each connection is a member of the sorted set
//! `<prefix>presence:<user>` scored by its expiry (refreshed by the socket's
//! keep-alive), so a crashed instance's connections age out; without Redis, a count in
//! process memory. Going offline records `last_seen_at`.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use chrono::{DateTime, Utc};

use super::Domain;
use crate::{
    db,
    error::AppResult,
    realtime::{topics, Event},
};

/// How long a connection counts as online without a heartbeat.
pub const PRESENCE_TTL: Duration = Duration::from_secs(60);

/// Process-local counts, for running without Redis.
#[derive(Default)]
pub struct LocalPresence(Mutex<HashMap<i64, usize>>);

pub struct PresenceService<'a>(pub(super) &'a Domain);

/// One open connection of a user; call [`PresenceService::leave`] when it closes.
#[derive(Clone, Debug)]
pub struct PresenceHandle {
    pub user_id: i64,
    pub connection: String,
}

impl PresenceService<'_> {
    fn key(prefix: &str, user_id: i64) -> String {
        format!("{prefix}presence:{user_id}")
    }

    /// Registers a connection; publishes "online" when it is the user's first.
    pub async fn join(&self, user_id: i64) -> PresenceHandle {
        let handle = PresenceHandle {
            user_id,
            connection: uuid::Uuid::new_v4().simple().to_string(),
        };
        let first = match self.0.bus().redis_commands() {
            Some((mut conn, prefix)) => {
                let key = Self::key(&prefix, user_id);
                let now = self.0.now().timestamp();
                let expires = now + PRESENCE_TTL.as_secs() as i64;
                let result: redis::RedisResult<((), (), i64)> = redis::pipe()
                    .cmd("ZREMRANGEBYSCORE")
                    .arg(&key)
                    .arg("-inf")
                    .arg(now)
                    .cmd("ZADD")
                    .arg(&key)
                    .arg(expires)
                    .arg(&handle.connection)
                    .cmd("ZCARD")
                    .arg(&key)
                    .query_async(&mut conn)
                    .await;
                match result {
                    Ok((_, _, count)) => count == 1,
                    Err(error) => {
                        tracing::warn!(%error, "presence not recorded");
                        false
                    }
                }
            }
            None => {
                let mut counts = self
                    .0
                    .local_presence()
                    .0
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                let count = counts.entry(user_id).or_insert(0);
                *count += 1;
                *count == 1
            }
        };
        if first {
            let event = Event::Presence {
                user_id,
                online: true,
                last_seen_at: None,
                privacy_last_seen: self.privacy_of(user_id).await,
            };
            self.0.bus().publish(&topics::user(user_id), event).await;
        }
        handle
    }

    /// Keeps a connection counted (called from the socket's keep-alive).
    pub async fn refresh(&self, handle: &PresenceHandle) {
        if let Some((mut conn, prefix)) = self.0.bus().redis_commands() {
            let expires = self.0.now().timestamp() + PRESENCE_TTL.as_secs() as i64;
            let result: redis::RedisResult<()> = redis::cmd("ZADD")
                .arg(Self::key(&prefix, handle.user_id))
                .arg("XX")
                .arg(expires)
                .arg(&handle.connection)
                .query_async(&mut conn)
                .await;
            if let Err(error) = result {
                tracing::warn!(%error, "presence not refreshed");
            }
        }
    }

    /// Unregisters a connection; the user's last one records `last_seen_at` and
    /// publishes "offline".
    pub async fn leave(&self, handle: &PresenceHandle) {
        let last = match self.0.bus().redis_commands() {
            Some((mut conn, prefix)) => {
                let key = Self::key(&prefix, handle.user_id);
                let now = self.0.now().timestamp();
                let result: redis::RedisResult<((), (), i64)> = redis::pipe()
                    .cmd("ZREM")
                    .arg(&key)
                    .arg(&handle.connection)
                    .cmd("ZREMRANGEBYSCORE")
                    .arg(&key)
                    .arg("-inf")
                    .arg(now)
                    .cmd("ZCARD")
                    .arg(&key)
                    .query_async(&mut conn)
                    .await;
                matches!(result, Ok((_, _, 0)))
            }
            None => {
                let mut counts = self
                    .0
                    .local_presence()
                    .0
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                let count = counts.entry(handle.user_id).or_insert(1);
                *count = count.saturating_sub(1);
                let last = *count == 0;
                if last {
                    counts.remove(&handle.user_id);
                }
                last
            }
        };
        if last {
            let now = self.0.now();
            if let Err(error) =
                db::users::touch_last_seen(self.0.db().exec(), handle.user_id, now).await
            {
                tracing::warn!(error = ?error, "last_seen_at not recorded");
            }
            let event = Event::Presence {
                user_id: handle.user_id,
                online: false,
                last_seen_at: Some(now),
                privacy_last_seen: self.privacy_of(handle.user_id).await,
            };
            self.0
                .bus()
                .publish(&topics::user(handle.user_id), event)
                .await;
        }
    }

    /// The user's `privacy_last_seen` (`nobody` when unknown, the safe default).
    async fn privacy_of(&self, user_id: i64) -> String {
        match db::users::find_by_id(self.0.db().exec(), user_id).await {
            Ok(Some(user)) => user.privacy_last_seen,
            _ => "nobody".to_owned(),
        }
    }

    /// Batch for loaders: which of `user_ids` are online now (one Redis round trip).
    pub async fn online(&self, user_ids: &[i64]) -> AppResult<HashMap<i64, bool>> {
        let now = self.0.now().timestamp();
        match self.0.bus().redis_commands() {
            Some((mut conn, prefix)) => {
                let mut pipe = redis::pipe();
                for id in user_ids {
                    pipe.cmd("ZCOUNT")
                        .arg(Self::key(&prefix, *id))
                        .arg(now)
                        .arg("+inf");
                }
                let counts: Vec<i64> = pipe.query_async(&mut conn).await.unwrap_or_else(|error| {
                    tracing::warn!(%error, "presence unknown");
                    vec![0; user_ids.len()]
                });
                Ok(user_ids
                    .iter()
                    .copied()
                    .zip(counts.into_iter().map(|c| c > 0))
                    .collect())
            }
            None => {
                let counts = self
                    .0
                    .local_presence()
                    .0
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                Ok(user_ids
                    .iter()
                    .map(|id| (*id, counts.get(id).is_some_and(|c| *c > 0)))
                    .collect())
            }
        }
    }
}

/// A presence change as subscribers see it.
#[derive(Clone, Debug)]
pub struct PresenceChange {
    pub user_id: i64,
    pub online: bool,
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// Keeps `handle` online until dropped, refreshing it every `every`.
pub fn keep_alive(
    domain: Domain,
    handle: PresenceHandle,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            domain.presence().refresh(&handle).await;
        }
    })
}
