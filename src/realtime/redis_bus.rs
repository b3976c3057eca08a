//! Redis pub/sub transport: one multiplexed command connection, and ONE pub/sub
//! connection per process, owned by a listener task that resubscribes every live topic
//! after a reconnect.
//!
//! Redis is never on a request's critical path for long: the command connection is made
//! lazily (the server starts while Redis is down, and reports not ready), every command
//! and connection attempt times out after `REDIS_COMMAND_TIMEOUT_MS`, and publishing only
//! puts the event on a bounded in-process queue that one task drains into Redis in
//! pipelined batches (in order). Events dropped because the queue is full or Redis
//! refused them are counted and logged; subscribers resynchronise from Postgres.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::{mpsc, Notify};

use super::{
    hub::{Command, Hub},
    Envelope,
};
use crate::error::{AppError, AppResult};

const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// The least time a batch of the outbox may take before it counts as failed.
const OUTBOX_TIMEOUT: Duration = Duration::from_secs(2);
/// Tries of one outbox batch before its events are dropped.
const OUTBOX_ATTEMPTS: u32 = 3;

/// Channels in one SUBSCRIBE / UNSUBSCRIBE at most.
const COMMAND_BATCH: usize = 512;
/// Events published in one pipelined round trip at most.
const PUBLISH_BATCH: usize = 256;

/// How the process talks to Redis.
#[derive(Clone, Debug)]
pub struct RedisSettings {
    pub url: String,
    pub prefix: String,
    /// Longest wait for one command or connection attempt.
    pub command_timeout: Duration,
    /// Events waiting to be published before new ones are dropped.
    pub publish_queue: usize,
}

pub struct RedisBus {
    client: redis::Client,
    publisher: ConnectionManager,
    /// Presence's own connection, so a burst of joins and leaves never queues behind
    /// (or in front of) publishing and rate limits.
    presence: ConnectionManager,
    prefix: String,
    command_timeout: Duration,
    commands: std::sync::Mutex<Option<mpsc::UnboundedReceiver<Command>>>,
    outbox: mpsc::Sender<(String, String)>,
    dropped: Arc<AtomicU64>,
    linked: Arc<AtomicBool>,
    stop: Arc<Notify>,
}

impl RedisBus {
    /// Sets the connections up without waiting for Redis: they connect on first use and
    /// reconnect by themselves. Fails only on an invalid URL.
    pub fn connect(settings: &RedisSettings) -> AppResult<(Self, mpsc::UnboundedSender<Command>)> {
        let client = redis::Client::open(settings.url.as_str())
            .map_err(|e| AppError::internal(anyhow::anyhow!("REDIS_URL is invalid: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.command_timeout))
            .set_response_timeout(Some(settings.command_timeout))
            .set_number_of_retries(0);
        let publisher = ConnectionManager::new_lazy_with_config(client.clone(), config.clone())
            .map_err(|e| AppError::internal(anyhow::anyhow!("Redis client setup: {e}")))?;
        // The outbox is drained in the background, never on a request's path: its batches
        // may take longer than a request's command timeout before they count as failed.
        let outbox_timeout = (settings.command_timeout * 8).max(OUTBOX_TIMEOUT);
        let outbox_publisher = ConnectionManager::new_lazy_with_config(
            client.clone(),
            config
                .clone()
                .set_response_timeout(Some(outbox_timeout))
                .set_connection_timeout(Some(outbox_timeout)),
        )
        .map_err(|e| AppError::internal(anyhow::anyhow!("Redis client setup: {e}")))?;
        let presence = ConnectionManager::new_lazy_with_config(client.clone(), config)
            .map_err(|e| AppError::internal(anyhow::anyhow!("Redis client setup: {e}")))?;
        let (tx, rx) = mpsc::unbounded_channel();
        let (outbox, queued) = mpsc::channel(settings.publish_queue.max(1));
        let dropped = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(Notify::new());
        tokio::spawn(drain_outbox(outbox_publisher, queued, Arc::clone(&dropped)));
        Ok((
            Self {
                client,
                publisher,
                presence,
                prefix: settings.prefix.clone(),
                command_timeout: settings.command_timeout,
                commands: std::sync::Mutex::new(Some(rx)),
                outbox,
                dropped,
                linked: Arc::new(AtomicBool::new(false)),
                stop,
            },
            tx,
        ))
    }

    fn channel(&self, topic: &str) -> String {
        format!("{}events:{topic}", self.prefix)
    }

    /// Queues the event for Redis; never waits. A full queue drops it (counted).
    pub fn publish(&self, topic: &str, envelope: &Envelope) {
        let payload = match serde_json::to_string(envelope) {
            Ok(payload) => payload,
            Err(error) => {
                tracing::error!(%error, "event does not serialise");
                return;
            }
        };
        if self
            .outbox
            .try_send((self.channel(topic), payload))
            .is_err()
        {
            count_dropped(&self.dropped, 1, "the publish queue is full");
        }
    }

    /// Events not published since the process started (queue full or Redis failing).
    pub fn dropped_events(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The shared command connection (multiplexed), for other Redis users of the process.
    pub fn connection(&self) -> ConnectionManager {
        self.publisher.clone()
    }

    /// The presence connection (multiplexed).
    pub fn presence_connection(&self) -> ConnectionManager {
        self.presence.clone()
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether the pub/sub link is up right now (no round trip).
    pub fn linked(&self) -> bool {
        self.linked.load(Ordering::Relaxed)
    }

    pub async fn ready(&self) -> bool {
        let mut conn = self.publisher.clone();
        let command = redis::cmd("PING");
        let ping = command.query_async::<String>(&mut conn);
        let answered = matches!(
            tokio::time::timeout(self.command_timeout, ping).await,
            Ok(Ok(_))
        );
        answered && self.linked.load(Ordering::Relaxed)
    }

    pub fn shutdown(&self) {
        self.stop.notify_waiters();
        self.stop.notify_one();
    }

    /// Starts the listener task (once).
    pub fn spawn_listener(&self, hub: Arc<Hub>) {
        let Some(commands) = self
            .commands
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        else {
            return;
        };
        let listener = Listener {
            client: self.client.clone(),
            channel_prefix: format!("{}events:", self.prefix),
            hub,
            commands,
            linked: Arc::clone(&self.linked),
        };
        let stop = Arc::clone(&self.stop);
        tokio::spawn(async move {
            tokio::select! {
                () = listener.run() => {}
                () = stop.notified() => {}
            }
        });
    }
}

/// Adds `n` to the dropped-events counter, logging the first drop and then every
/// thousandth, so an outage does not flood the log.
fn count_dropped(dropped: &AtomicU64, n: u64, why: &str) {
    let before = dropped.fetch_add(n, Ordering::Relaxed);
    if before == 0 || before / 1000 != (before + n) / 1000 {
        tracing::warn!(dropped_total = before + n, why, "realtime events dropped");
    }
}

/// Publishes queued events in order, in pipelined batches; a failed batch is dropped
/// (counted): the changes are committed, and subscribers resynchronise from Postgres.
async fn drain_outbox(
    publisher: ConnectionManager,
    mut queued: mpsc::Receiver<(String, String)>,
    dropped: Arc<AtomicU64>,
) {
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    while queued.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
        let mut pipe = redis::pipe();
        for (channel, payload) in &batch {
            pipe.cmd("PUBLISH").arg(channel).arg(payload).ignore();
        }
        let mut published = false;
        for attempt in 0..OUTBOX_ATTEMPTS {
            let mut conn = publisher.clone();
            match pipe.query_async::<()>(&mut conn).await {
                Ok(()) => {
                    published = true;
                    break;
                }
                Err(error) => {
                    tracing::debug!(%error, attempt, "publish batch failed");
                    if attempt + 1 < OUTBOX_ATTEMPTS {
                        tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                    }
                }
            }
        }
        if !published {
            count_dropped(&dropped, batch.len() as u64, "Redis did not take them");
        }
        batch.clear();
    }
}

struct Listener {
    client: redis::Client,
    channel_prefix: String,
    hub: Arc<Hub>,
    commands: mpsc::UnboundedReceiver<Command>,
    linked: Arc<AtomicBool>,
}

impl Listener {
    async fn run(mut self) {
        let mut backoff = Duration::from_millis(100);
        let mut connected_before = false;
        loop {
            match self.session(&mut connected_before).await {
                Ok(()) => return,
                Err(error) => {
                    self.linked.store(false, Ordering::Relaxed);
                    tracing::warn!(%error, retry_in = ?backoff, "Redis pub/sub link lost");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    fn channel_of(&self, command: Command) -> String {
        match command {
            Command::Subscribe(topic) | Command::Unsubscribe(topic) => {
                format!("{}{topic}", self.channel_prefix)
            }
        }
    }

    /// One connected period; returns `Ok` only when the command channel closes.
    async fn session(&mut self, connected_before: &mut bool) -> redis::RedisResult<()> {
        let mut pending = Vec::with_capacity(COMMAND_BATCH);
        let pubsub = self.client.get_async_pubsub().await?;
        let (mut sink, mut stream) = pubsub.split();
        let live: Vec<String> = self
            .hub
            .topic_names()
            .into_iter()
            .map(|topic| format!("{}{topic}", self.channel_prefix))
            .collect();
        for chunk in live.chunks(COMMAND_BATCH) {
            sink.subscribe(chunk.to_vec()).await?;
        }
        self.linked.store(true, Ordering::Relaxed);
        if *connected_before {
            metrics::counter!("redis_reconnects_total").increment(1);
        }
        tracing::info!("Redis pub/sub link up");
        if *connected_before {
            // Whatever was published while the link was down is gone: subscribers
            // reload from the database.
            self.hub
                .deliver_all(Arc::new(Envelope::new(crate::realtime::Event::Resync)));
        }
        *connected_before = true;
        loop {
            tokio::select! {
                received = self.commands.recv_many(&mut pending, COMMAND_BATCH) => {
                    if received == 0 {
                        return Ok(());
                    }
                    // A burst of joins or leaves becomes a few SUBSCRIBE / UNSUBSCRIBE
                    // commands with many channels each, in the order asked.
                    let mut commands = pending.drain(..).peekable();
                    while let Some(first) = commands.next() {
                        let subscribe = matches!(first, Command::Subscribe(_));
                        let mut channels = vec![self.channel_of(first)];
                        while let Some(next) = commands.next_if(|c| {
                            matches!(c, Command::Subscribe(_)) == subscribe
                        }) {
                            channels.push(self.channel_of(next));
                        }
                        if subscribe {
                            sink.subscribe(channels).await?;
                        } else {
                            sink.unsubscribe(channels).await?;
                        }
                    }
                }
                message = stream.next() => {
                    let Some(message) = message else {
                        return Err(redis::RedisError::from((
                            redis::ErrorKind::Io,
                            "pub/sub connection closed",
                        )));
                    };
                    self.deliver(&message);
                }
            }
        }
    }

    fn deliver(&self, message: &redis::Msg) {
        let channel = message.get_channel_name();
        let Some(topic) = channel.strip_prefix(&self.channel_prefix) else {
            return;
        };
        let payload: Vec<u8> = match message.get_payload() {
            Ok(payload) => payload,
            Err(_) => return,
        };
        match serde_json::from_slice::<Envelope>(&payload) {
            Ok(envelope) => self.hub.deliver(topic, Arc::new(envelope)),
            Err(error) => tracing::warn!(%error, topic, "undecodable event ignored"),
        }
    }
}
