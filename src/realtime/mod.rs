//! The event bus: domain services publish typed, versioned events to topics after their
//! transaction commits; subscribers receive them through a per-process [`hub::Hub`].
//!
//! With `REDIS_URL` set, events travel over Redis pub/sub so every gateway instance sees
//! them (one pub/sub connection per process, owned by [`redis_bus`]); without it the
//! hub delivers in-process, for a single instance.

pub mod events;
pub mod hub;
mod redis_bus;
pub mod stores;

use std::sync::Arc;

pub use events::{topics, Envelope, Event};
pub use hub::TopicStream;
pub use redis_bus::RedisSettings;

use crate::error::AppResult;

/// Cloneable handle to the bus.
#[derive(Clone)]
pub struct EventBus {
    hub: Arc<hub::Hub>,
    redis: Option<Arc<redis_bus::RedisBus>>,
}

impl EventBus {
    /// A bus that never leaves this process.
    pub fn in_process() -> Self {
        Self {
            hub: Arc::new(hub::Hub::new(None)),
            redis: None,
        }
    }

    /// A bus over Redis pub/sub; connects lazily and reconnects by itself, so it is
    /// built even while Redis is down (the process is then not ready). Fails only on an
    /// invalid URL.
    pub fn redis(settings: &RedisSettings) -> AppResult<Self> {
        let (redis, commands) = redis_bus::RedisBus::connect(settings)?;
        let hub = Arc::new(hub::Hub::new(Some(commands)));
        let redis = Arc::new(redis);
        redis.spawn_listener(Arc::clone(&hub));
        Ok(Self {
            hub,
            redis: Some(redis),
        })
    }

    /// Publishes `event` on `topic` without waiting for Redis (it is queued). Failures
    /// are counted and logged, never returned: the change this event announces has
    /// already committed, and clients resync from Postgres.
    pub async fn publish(&self, topic: &str, event: Event) {
        metrics::counter!("realtime_events_published_total").increment(1);
        let envelope = Arc::new(Envelope::new(event));
        match &self.redis {
            Some(redis) => redis.publish(topic, &envelope),
            None => self.hub.deliver(topic, envelope),
        }
    }

    /// `None` without Redis; otherwise whether the pub/sub link is up (no round trip).
    pub fn redis_linked(&self) -> Option<bool> {
        self.redis.as_ref().map(|r| r.linked())
    }

    /// Events dropped instead of published (0 without Redis).
    pub fn dropped_events(&self) -> u64 {
        self.redis.as_ref().map_or(0, |r| r.dropped_events())
    }

    /// A stream of the events published on `topic` from now on.
    pub fn subscribe(&self, topic: &str) -> TopicStream {
        self.hub.subscribe(topic)
    }

    /// `None` without Redis; otherwise whether Redis answers and the pub/sub link is up.
    pub async fn redis_ready(&self) -> Option<bool> {
        match &self.redis {
            Some(redis) => Some(redis.ready().await),
            None => None,
        }
    }

    /// Counters shared by every instance (Redis), when Redis is configured.
    pub fn shared_counters(&self) -> Option<Arc<dyn stores::Counters>> {
        self.redis.as_ref().map(|r| {
            Arc::new(stores::RedisCounters {
                connection: r.connection(),
                prefix: r.prefix().to_owned(),
            }) as Arc<dyn stores::Counters>
        })
    }

    /// Where presence lives: Redis (on its own connection) when configured, otherwise
    /// process memory.
    pub fn presence_store(&self) -> Arc<dyn stores::PresenceStore> {
        match &self.redis {
            Some(r) => Arc::new(stores::RedisPresence {
                connection: r.presence_connection(),
                prefix: r.prefix().to_owned(),
            }),
            None => Arc::new(stores::LocalPresence::default()),
        }
    }

    /// Topics with at least one local listener (for tests and metrics).
    pub fn live_topics(&self) -> usize {
        self.hub.topic_count()
    }

    /// Stops the Redis listener task.
    pub fn shutdown(&self) {
        if let Some(redis) = &self.redis {
            redis.shutdown();
        }
    }
}
