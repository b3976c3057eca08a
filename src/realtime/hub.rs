//! Per-process fan-out: reference-counted topics, each a broadcast channel.
//!
//! The first listener of a topic asks the Redis side to SUBSCRIBE it, the last one to
//! leave (its [`TopicStream`] is dropped, e.g. on disconnect) to UNSUBSCRIBE. A slow
//! consumer only lags its own receiver; it never blocks delivery to the others.

use std::{
    collections::HashMap,
    pin::Pin,
    sync::{Arc, Mutex, MutexGuard},
    task::{Context, Poll},
};

use futures_util::Stream;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::{errors::BroadcastStreamRecvError, BroadcastStream};

use super::Envelope;

/// Events buffered per topic before a slow consumer starts to lag (and resynchronises
/// from Postgres). Each topic allocates its ring up front, and every signed-in socket
/// has a topic of its own (`user:<id>`): 64 slots keep that to about 2.5 KiB a socket.
const TOPIC_CAPACITY: usize = 64;

/// What the hub asks of the Redis listener.
#[derive(Debug)]
pub enum Command {
    Subscribe(String),
    Unsubscribe(String),
}

struct Topic {
    sender: broadcast::Sender<Arc<Envelope>>,
    listeners: usize,
}

pub struct Hub {
    topics: Mutex<HashMap<String, Topic>>,
    commands: Option<mpsc::UnboundedSender<Command>>,
}

impl Hub {
    pub fn new(commands: Option<mpsc::UnboundedSender<Command>>) -> Self {
        Self {
            topics: Mutex::new(HashMap::new()),
            commands,
        }
    }

    fn topics(&self) -> MutexGuard<'_, HashMap<String, Topic>> {
        // A panic while holding this lock cannot leave the map inconsistent
        // (every critical section is a single map operation), so poisoning is ignored.
        self.topics.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn subscribe(self: &Arc<Self>, topic: &str) -> TopicStream {
        let mut topics = self.topics();
        let entry = topics.entry(topic.to_owned()).or_insert_with(|| Topic {
            sender: broadcast::channel(TOPIC_CAPACITY).0,
            listeners: 0,
        });
        entry.listeners += 1;
        let receiver = entry.sender.subscribe();
        if entry.listeners == 1 {
            self.command(Command::Subscribe(topic.to_owned()));
        }
        TopicStream {
            inner: BroadcastStream::new(receiver),
            guard: Guard {
                hub: Arc::clone(self),
                topic: topic.to_owned(),
            },
        }
    }

    fn release(&self, topic: &str) {
        let mut topics = self.topics();
        let Some(entry) = topics.get_mut(topic) else {
            return;
        };
        entry.listeners -= 1;
        if entry.listeners == 0 {
            topics.remove(topic);
            self.command(Command::Unsubscribe(topic.to_owned()));
        }
    }

    fn command(&self, command: Command) {
        if let Some(commands) = &self.commands {
            // The listener only goes away at shutdown; nothing to do then.
            let _ = commands.send(command);
        }
    }

    /// Hands `envelope` to every local listener of `topic`.
    pub fn deliver(&self, topic: &str, envelope: Arc<Envelope>) {
        if let Some(entry) = self.topics().get(topic) {
            // No receiver left is fine: the last one is being dropped right now.
            if let Ok(listeners) = entry.sender.send(envelope) {
                metrics::counter!("realtime_events_delivered_total").increment(listeners as u64);
            }
        }
    }

    /// Hands `envelope` to every local listener of every topic.
    pub fn deliver_all(&self, envelope: Arc<Envelope>) {
        for entry in self.topics().values() {
            let _ = entry.sender.send(Arc::clone(&envelope));
        }
    }

    /// The topics that currently have listeners (resubscribed after a reconnect).
    pub fn topic_names(&self) -> Vec<String> {
        self.topics().keys().cloned().collect()
    }

    pub fn topic_count(&self) -> usize {
        self.topics().len()
    }
}

struct Guard {
    hub: Arc<Hub>,
    topic: String,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.hub.release(&self.topic);
    }
}

/// An item of a [`TopicStream`].
#[derive(Debug, Clone)]
pub enum Delivery {
    Event(Arc<Envelope>),
    /// The consumer fell behind and `skipped` events were dropped for it: it should
    /// resynchronise from the database.
    Lagged {
        skipped: u64,
    },
}

/// Events of one topic; dropping it releases the topic.
pub struct TopicStream {
    inner: BroadcastStream<Arc<Envelope>>,
    guard: Guard,
}

impl TopicStream {
    pub fn topic(&self) -> &str {
        &self.guard.topic
    }
}

impl Stream for TopicStream {
    type Item = Delivery;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.inner).poll_next(cx).map(|item| {
            item.map(|result| match result {
                Ok(envelope) => Delivery::Event(envelope),
                Err(BroadcastStreamRecvError::Lagged(skipped)) => Delivery::Lagged { skipped },
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::Event;
    use futures_util::StreamExt;

    #[tokio::test]
    async fn topics_are_counted_and_released_when_the_last_listener_leaves() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let hub = Arc::new(Hub::new(Some(tx)));
        let first = hub.subscribe("user:1");
        let second = hub.subscribe("user:1");
        assert_eq!(hub.topic_count(), 1);
        drop(first);
        assert_eq!(hub.topic_count(), 1);
        drop(second);
        assert_eq!(hub.topic_count(), 0);
        let commands: Vec<_> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert!(
            matches!(&commands[..], [Command::Subscribe(a), Command::Unsubscribe(b)] if a == "user:1" && b == "user:1")
        );
    }

    #[tokio::test]
    async fn a_slow_consumer_lags_without_blocking_the_others() {
        let hub = Arc::new(Hub::new(None));
        let mut slow = hub.subscribe("t");
        let mut fast = hub.subscribe("t");
        for i in 0..(TOPIC_CAPACITY as i64 + 10) {
            hub.deliver("t", Arc::new(Envelope::new(Event::Ping { seq: i })));
            assert!(matches!(fast.next().await, Some(Delivery::Event(_))));
        }
        assert!(matches!(
            slow.next().await,
            Some(Delivery::Lagged { skipped: 10 })
        ));
    }
}
