//! Shared state besides events, for the domain's presence and rate limits: small traits
//! with a Redis implementation (every instance shares it) and an in-process one (one
//! instance). The domain names only the traits.

use std::{collections::HashMap, sync::Mutex};

use redis::aio::ConnectionManager;

/// The store did not answer; the caller decides what that means (retry, fall back).
#[derive(Debug)]
pub struct StoreDown(pub String);

impl std::fmt::Display for StoreDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<redis::RedisError> for StoreDown {
    fn from(error: redis::RedisError) -> Self {
        Self(error.to_string())
    }
}

/// Expiring counters and flags (rate limits, lockouts, cooldowns). Keys are relative:
/// the implementation adds the deployment's prefix.
#[async_trait::async_trait]
pub trait Counters: Send + Sync {
    /// Adds one to `key` (created at 0) and makes it expire `ttl_seconds` from now;
    /// returns the new count.
    async fn incr(&self, key: &str, ttl_seconds: i64) -> Result<u32, StoreDown>;
    /// Sets `key` for `seconds`; with `only_if_absent`, only when it is not set (then
    /// `false` says it already was).
    async fn set(&self, key: &str, seconds: i64, only_if_absent: bool) -> Result<bool, StoreDown>;
    /// Seconds until `key` expires (≤ 0 when it is not set).
    async fn ttl(&self, key: &str) -> Result<i64, StoreDown>;
    async fn delete(&self, keys: &[&str]) -> Result<(), StoreDown>;
}

/// [`Counters`] in Redis.
pub struct RedisCounters {
    pub(super) connection: ConnectionManager,
    pub(super) prefix: String,
}

#[async_trait::async_trait]
impl Counters for RedisCounters {
    async fn incr(&self, key: &str, ttl_seconds: i64) -> Result<u32, StoreDown> {
        let key = format!("{}{key}", self.prefix);
        let (count, _): (u32, i64) = redis::pipe()
            .atomic()
            .incr(&key, 1)
            .expire(&key, ttl_seconds)
            .query_async(&mut self.connection.clone())
            .await?;
        Ok(count)
    }

    async fn set(&self, key: &str, seconds: i64, only_if_absent: bool) -> Result<bool, StoreDown> {
        let mut command = redis::cmd("SET");
        command.arg(format!("{}{key}", self.prefix)).arg(1);
        if only_if_absent {
            command.arg("NX");
        }
        let set: Option<String> = command
            .arg("EX")
            .arg(seconds.max(1))
            .query_async(&mut self.connection.clone())
            .await?;
        Ok(set.is_some())
    }

    async fn ttl(&self, key: &str) -> Result<i64, StoreDown> {
        Ok(redis::cmd("TTL")
            .arg(format!("{}{key}", self.prefix))
            .query_async(&mut self.connection.clone())
            .await?)
    }

    async fn delete(&self, keys: &[&str]) -> Result<(), StoreDown> {
        let mut command = redis::cmd("DEL");
        for key in keys {
            command.arg(format!("{}{key}", self.prefix));
        }
        Ok(command.query_async(&mut self.connection.clone()).await?)
    }
}

/// Who is online: each open connection of a user is an entry with an expiry, refreshed
/// while the connection lives, so entries of a crashed instance age out.
#[async_trait::async_trait]
pub trait PresenceStore: Send + Sync {
    /// Adds `connection` of `user_id`, live until `expires` (Unix seconds); `true` when
    /// it is the user's only live connection at `now`.
    async fn join(
        &self,
        user_id: i64,
        connection: &str,
        now: i64,
        expires: i64,
    ) -> Result<bool, StoreDown>;
    /// Extends a connection's entry (only if it is still there).
    async fn refresh(&self, user_id: i64, connection: &str, expires: i64) -> Result<(), StoreDown>;
    /// Removes connections `(user, connection)` in one round trip; returns the users left
    /// without a live connection at `now`.
    async fn leave(&self, leaves: &[(i64, &str)], now: i64) -> Result<Vec<i64>, StoreDown>;
    /// Whether each user has a live connection at `now` (one round trip).
    async fn online(&self, user_ids: &[i64], now: i64) -> Result<HashMap<i64, bool>, StoreDown>;
}

/// [`PresenceStore`] in Redis: a sorted set `<prefix>presence:<user>` of connections
/// scored by expiry, on presence's own connection.
pub struct RedisPresence {
    pub(super) connection: ConnectionManager,
    pub(super) prefix: String,
}

impl RedisPresence {
    fn key(&self, user_id: i64) -> String {
        format!("{}presence:{user_id}", self.prefix)
    }
}

#[async_trait::async_trait]
impl PresenceStore for RedisPresence {
    async fn join(
        &self,
        user_id: i64,
        connection: &str,
        now: i64,
        expires: i64,
    ) -> Result<bool, StoreDown> {
        let key = self.key(user_id);
        let ((), (), count): ((), (), i64) = redis::pipe()
            .cmd("ZREMRANGEBYSCORE")
            .arg(&key)
            .arg("-inf")
            .arg(now)
            .cmd("ZADD")
            .arg(&key)
            .arg(expires)
            .arg(connection)
            .cmd("ZCARD")
            .arg(&key)
            .query_async(&mut self.connection.clone())
            .await?;
        Ok(count == 1)
    }

    async fn refresh(&self, user_id: i64, connection: &str, expires: i64) -> Result<(), StoreDown> {
        Ok(redis::cmd("ZADD")
            .arg(self.key(user_id))
            .arg("XX")
            .arg(expires)
            .arg(connection)
            .query_async(&mut self.connection.clone())
            .await?)
    }

    async fn leave(&self, leaves: &[(i64, &str)], now: i64) -> Result<Vec<i64>, StoreDown> {
        let mut pipe = redis::pipe();
        for (user_id, connection) in leaves {
            let key = self.key(*user_id);
            pipe.cmd("ZREM")
                .arg(&key)
                .arg(*connection)
                .ignore()
                .cmd("ZREMRANGEBYSCORE")
                .arg(&key)
                .arg("-inf")
                .arg(now)
                .ignore()
                .cmd("ZCARD")
                .arg(&key);
        }
        let counts: Vec<i64> = pipe.query_async(&mut self.connection.clone()).await?;
        // A user's last count in the batch is the one after all of their leaves.
        let mut left: HashMap<i64, i64> = HashMap::new();
        for ((user_id, _), count) in leaves.iter().zip(counts) {
            left.insert(*user_id, count);
        }
        Ok(left
            .into_iter()
            .filter(|(_, count)| *count == 0)
            .map(|(user_id, _)| user_id)
            .collect())
    }

    async fn online(&self, user_ids: &[i64], now: i64) -> Result<HashMap<i64, bool>, StoreDown> {
        let mut pipe = redis::pipe();
        for id in user_ids {
            pipe.cmd("ZCOUNT").arg(self.key(*id)).arg(now).arg("+inf");
        }
        let counts: Vec<i64> = pipe.query_async(&mut self.connection.clone()).await?;
        Ok(user_ids
            .iter()
            .copied()
            .zip(counts.into_iter().map(|c| c > 0))
            .collect())
    }
}

/// [`PresenceStore`] in process memory: a count of open connections per user (one
/// instance; connections cannot outlive the process, so nothing expires).
#[derive(Default)]
pub struct LocalPresence(Mutex<HashMap<i64, usize>>);

#[async_trait::async_trait]
impl PresenceStore for LocalPresence {
    async fn join(&self, user_id: i64, _: &str, _: i64, _: i64) -> Result<bool, StoreDown> {
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(user_id).or_insert(0);
        *count += 1;
        Ok(*count == 1)
    }

    async fn refresh(&self, _: i64, _: &str, _: i64) -> Result<(), StoreDown> {
        Ok(())
    }

    async fn leave(&self, leaves: &[(i64, &str)], _: i64) -> Result<Vec<i64>, StoreDown> {
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut last = Vec::new();
        for (user_id, _) in leaves {
            let count = counts.entry(*user_id).or_insert(1);
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(user_id);
                last.push(*user_id);
            }
        }
        Ok(last)
    }

    async fn online(&self, user_ids: &[i64], _: i64) -> Result<HashMap<i64, bool>, StoreDown> {
        let counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        Ok(user_ids
            .iter()
            .map(|id| (*id, counts.get(id).is_some_and(|c| *c > 0)))
            .collect())
    }
}
