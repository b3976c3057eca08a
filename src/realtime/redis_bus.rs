//! Redis pub/sub transport: one multiplexed connection to publish, and ONE pub/sub
//! connection per process, owned by a listener task that resubscribes every live topic
//! after a reconnect.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use tokio::sync::{mpsc, Notify};

use super::{
    hub::{Command, Hub},
    Envelope,
};
use crate::error::{AppError, AppResult};

const PING_TIMEOUT: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

pub struct RedisBus {
    client: redis::Client,
    publisher: ConnectionManager,
    prefix: String,
    commands: std::sync::Mutex<Option<mpsc::UnboundedReceiver<Command>>>,
    linked: Arc<AtomicBool>,
    stop: Arc<Notify>,
}

impl RedisBus {
    pub async fn connect(
        url: &str,
        prefix: &str,
    ) -> AppResult<(Self, mpsc::UnboundedSender<Command>)> {
        let client = redis::Client::open(url)
            .map_err(|e| AppError::internal(anyhow::anyhow!("REDIS_URL is invalid: {e}")))?;
        let publisher = client.get_connection_manager().await.map_err(|e| {
            tracing::error!(error = %e, "cannot connect to Redis");
            AppError::Unavailable("Redis is unavailable".into())
        })?;
        let (tx, rx) = mpsc::unbounded_channel();
        Ok((
            Self {
                client,
                publisher,
                prefix: prefix.to_owned(),
                commands: std::sync::Mutex::new(Some(rx)),
                linked: Arc::new(AtomicBool::new(false)),
                stop: Arc::new(Notify::new()),
            },
            tx,
        ))
    }

    fn channel(&self, topic: &str) -> String {
        format!("{}events:{topic}", self.prefix)
    }

    pub async fn publish(&self, topic: &str, envelope: &Envelope) {
        let payload = match serde_json::to_string(envelope) {
            Ok(payload) => payload,
            Err(error) => {
                tracing::error!(%error, "event does not serialise");
                return;
            }
        };
        let mut conn = self.publisher.clone();
        let result: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(self.channel(topic))
            .arg(payload)
            .query_async(&mut conn)
            .await;
        if let Err(error) = result {
            tracing::warn!(%error, topic, "event not published");
        }
    }

    /// The shared command connection (multiplexed), for other Redis users of the process.
    pub fn connection(&self) -> ConnectionManager {
        self.publisher.clone()
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub async fn ready(&self) -> bool {
        let mut conn = self.publisher.clone();
        let command = redis::cmd("PING");
        let ping = command.query_async::<String>(&mut conn);
        let answered = matches!(tokio::time::timeout(PING_TIMEOUT, ping).await, Ok(Ok(_)));
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

    /// One connected period; returns `Ok` only when the command channel closes.
    async fn session(&mut self, connected_before: &mut bool) -> redis::RedisResult<()> {
        let pubsub = self.client.get_async_pubsub().await?;
        let (mut sink, mut stream) = pubsub.split();
        for topic in self.hub.topic_names() {
            sink.subscribe(format!("{}{topic}", self.channel_prefix))
                .await?;
        }
        self.linked.store(true, Ordering::Relaxed);
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
                command = self.commands.recv() => match command {
                    None => return Ok(()),
                    Some(Command::Subscribe(topic)) => {
                        sink.subscribe(format!("{}{topic}", self.channel_prefix)).await?;
                    }
                    Some(Command::Unsubscribe(topic)) => {
                        sink.unsubscribe(format!("{}{topic}", self.channel_prefix)).await?;
                    }
                },
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
