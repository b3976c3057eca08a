//! Presence: a user is online while at least one of their WebSockets is open on any
//! instance. Each connection is an entry of the [`PresenceStore`] with an expiry,
//! refreshed by the socket's keep-alive, so a crashed instance's connections age out
//! (Redis, shared by the instances; or process memory for one instance). Going offline
//! records `last_seen_at`.

use std::{collections::HashMap, time::Duration};

use chrono::{DateTime, Utc};

use super::{visibility::PrivacyLevel, Domain};
use crate::{
    db,
    error::AppResult,
    realtime::{stores::PresenceStore, topics, Event},
};

/// How long a connection counts as online without a heartbeat.
pub const PRESENCE_TTL: Duration = Duration::from_secs(60);

/// Attempts at a batch of leaves (Redis, then the database) before giving up.
const LEAVE_ATTEMPTS: u32 = 6;
/// Leaves settled in one batch at most.
const LEAVE_BATCH: usize = 512;

/// 50 ms, doubling per attempt, at most 2 s.
fn retry_pause(attempt: u32) -> Duration {
    Duration::from_millis((50u64 << attempt.min(5)).min(2_000))
}

/// What the leaves worker is asked.
pub(super) enum LeaveCommand {
    Leave(PresenceHandle),
    /// Answer once everything queued before is settled.
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// The leaves worker: settles queued leaves in batches until the domain is dropped.
pub(super) async fn run_leaves(
    domain: std::sync::Weak<super::Inner>,
    mut queued: tokio::sync::mpsc::UnboundedReceiver<LeaveCommand>,
) {
    let mut batch = Vec::with_capacity(LEAVE_BATCH);
    while queued.recv_many(&mut batch, LEAVE_BATCH).await > 0 {
        let Some(inner) = domain.upgrade() else {
            return;
        };
        let domain = Domain(inner);
        let mut leaves = Vec::with_capacity(batch.len());
        let mut flushes = Vec::new();
        for command in batch.drain(..) {
            match command {
                LeaveCommand::Leave(handle) => leaves.push(handle),
                LeaveCommand::Flush(done) => flushes.push(done),
            }
        }
        domain.presence().settle(&leaves).await;
        for done in flushes {
            let _ = done.send(());
        }
    }
}

pub struct PresenceService<'a>(pub(super) &'a Domain);

/// One open connection of a user; call [`PresenceService::leave`] when it closes.
#[derive(Clone, Debug)]
pub struct PresenceHandle {
    pub user_id: i64,
    pub connection: String,
}

impl PresenceService<'_> {
    fn store(&self) -> &dyn PresenceStore {
        self.0.presence_store()
    }

    /// Registers a connection; publishes "online" when it is the user's first.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = user_id))]
    pub async fn join(&self, user_id: i64) -> PresenceHandle {
        let handle = PresenceHandle {
            user_id,
            connection: uuid::Uuid::new_v4().simple().to_string(),
        };
        let now = self.0.now().timestamp();
        let expires = now + PRESENCE_TTL.as_secs() as i64;
        let first = match self
            .store()
            .join(user_id, &handle.connection, now, expires)
            .await
        {
            Ok(first) => first,
            Err(error) => {
                tracing::warn!(%error, "presence not recorded");
                false
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
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn refresh(&self, handle: &PresenceHandle) {
        let expires = self.0.now().timestamp() + PRESENCE_TTL.as_secs() as i64;
        let refreshed = self
            .store()
            .refresh(handle.user_id, &handle.connection, expires)
            .await;
        if let Err(error) = refreshed {
            tracing::warn!(%error, "presence not refreshed");
        }
    }

    /// Unregisters a connection. The work is queued for the leaves worker, which
    /// handles leaves in batches: one Redis pipeline per batch (retried on failure, never
    /// taken as "still online"), one statement recording `last_seen_at` for every user
    /// whose last connection it was, then their "offline" events. So a burst of
    /// disconnects costs a few round trips, not one per socket.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn leave(&self, handle: &PresenceHandle) {
        if self
            .0
            .presence_leaves()
            .send(LeaveCommand::Leave(handle.clone()))
            .is_err()
        {
            tracing::warn!(
                user_id = handle.user_id,
                "presence worker gone; leave dropped"
            );
        }
    }

    /// Waits until every leave queued so far is settled (at shutdown).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn flush(&self) {
        let (done, settled) = tokio::sync::oneshot::channel();
        if self
            .0
            .presence_leaves()
            .send(LeaveCommand::Flush(done))
            .is_ok()
        {
            let _ = settled.await;
        }
    }

    /// Settles a batch of leaves (see [`Self::leave`]).
    async fn settle(&self, leaves: &[PresenceHandle]) {
        if leaves.is_empty() {
            return;
        }
        let now = self.0.now();
        let last = self.settle_in_store(leaves, now).await;
        if last.is_empty() {
            return;
        }
        let mut recorded = None;
        for attempt in 0..LEAVE_ATTEMPTS {
            match db::users::touch_last_seen_many(self.0.db().exec(), &last, now).await {
                Ok(rows) => {
                    recorded = Some(rows);
                    break;
                }
                Err(error) => {
                    tracing::warn!(%error, users = last.len(), attempt, "last_seen_at not recorded yet");
                    tokio::time::sleep(retry_pause(attempt)).await;
                }
            }
        }
        let privacy: HashMap<i64, PrivacyLevel> =
            recorded.unwrap_or_default().into_iter().collect();
        for user_id in last {
            let event = Event::Presence {
                user_id,
                online: false,
                last_seen_at: Some(now),
                // Unknown (the write failed): the safe default.
                privacy_last_seen: privacy.get(&user_id).copied().unwrap_or_default(),
            };
            self.0.bus().publish(&topics::user(user_id), event).await;
        }
    }

    /// Removes the batch's connections from the store in one round trip (retried while
    /// it fails: a failed leave is never taken as "still online"); returns the users
    /// left without any live connection.
    async fn settle_in_store(&self, leaves: &[PresenceHandle], now: DateTime<Utc>) -> Vec<i64> {
        let batch: Vec<(i64, &str)> = leaves
            .iter()
            .map(|h| (h.user_id, h.connection.as_str()))
            .collect();
        for attempt in 0..LEAVE_ATTEMPTS {
            match self.store().leave(&batch, now.timestamp()).await {
                Ok(last) => return last,
                Err(error) => {
                    tracing::warn!(%error, leaves = leaves.len(), attempt, "presence leave retried");
                    tokio::time::sleep(retry_pause(attempt)).await;
                }
            }
        }
        // The store stayed away: the entries age out after PRESENCE_TTL on their own.
        tracing::warn!(
            leaves = leaves.len(),
            "presence leaves abandoned after retries"
        );
        Vec::new()
    }

    /// The user's `privacy_last_seen` (`nobody` when unknown, the safe default).
    async fn privacy_of(&self, user_id: i64) -> PrivacyLevel {
        match db::users::find_by_id(self.0.db().exec(), user_id).await {
            Ok(Some(user)) => user.privacy_last_seen,
            _ => PrivacyLevel::Nobody,
        }
    }

    /// Batch for loaders: which of `user_ids` are online now (one Redis round trip).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn online(&self, user_ids: &[i64]) -> AppResult<HashMap<i64, bool>> {
        let now = self.0.now().timestamp();
        Ok(self
            .store()
            .online(user_ids, now)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "presence unknown");
                user_ids.iter().map(|id| (*id, false)).collect()
            }))
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
        // Sockets opened together would refresh together: start at a random point of the
        // period, so refreshes spread evenly over it.
        let jitter = {
            use rand::Rng as _;
            every.mul_f64(rand::thread_rng().gen_range(0.0..1.0))
        };
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + jitter, every);
        loop {
            tick.tick().await;
            domain.presence().refresh(&handle).await;
        }
    })
}
