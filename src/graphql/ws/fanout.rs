//! Shared fan-out of `messageEvents`: an event is resolved and encoded once per
//! subscription shape, and the encoded payload is written to every socket of that shape.
//!
//! A subscription is *shared* when its document selects only fields whose values are the
//! same for every viewer who receives the event (ids, kinds, the message's own fields,
//! the sender's public profile, reaction counts): then the visibility class is "every
//! member of the chat" and one resolution serves all of them. A document that selects a
//! per-viewer field (`sender { isOnline }`, `message { reactions { reacted } }`, …) is
//! resolved per socket as before. Which events a socket receives is still decided per
//! socket by the domain stream (membership, replay, resync).
//!
//! How: the socket's subscription runs once through the schema with a [`Tap`]; the
//! resolver checks the arguments and permissions, subscribes, and hands its event stream
//! to the tap instead of to the executor. For each event the socket then asks the
//! [`Fanout`] cache for the payload of (shape, event): the first asker runs the document
//! through the schema with that one event ([`OneEvent`]) and renders it; the others wait
//! for that result and reuse it.

use std::{
    collections::{HashMap, VecDeque},
    hash::{DefaultHasher, Hash, Hasher},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use futures_util::stream::BoxStream;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::domain::live::MessageUpdate;

/// Payloads kept for reuse at most: an event reaches all its sockets within moments,
/// so a short memory is enough; the oldest entries go first.
const CAPACITY: usize = 4096;

/// The root field that can be shared.
const SHARED_ROOT: &str = "messageEvents";

/// Fields whose value is the same for every viewer, by parent type, with the type of
/// the fields that have a selection of their own.
fn shared_field(parent: &str, field: &str) -> Option<Option<&'static str>> {
    let scalar = Some(None);
    match (parent, field) {
        (_, "__typename") => scalar,
        ("MessageEvent", "message") => Some(Some("Message")),
        ("MessageEvent", "sender") => Some(Some("User")),
        ("MessageEvent", "reactions") => Some(Some("ReactionCount")),
        (
            "MessageEvent",
            "kind"
            | "chatId"
            | "messageId"
            | "userId"
            | "lastReadMessageId"
            | "lastDeliveredMessageId",
        ) => scalar,
        (
            "Message",
            "id"
            | "chatId"
            | "senderId"
            | "type"
            | "text"
            | "clientMessageId"
            | "replyToMessageId"
            | "forwardedFromMessageId"
            | "editedAt"
            | "createdAt"
            | "updatedAt",
        ) => scalar,
        // The event carries the sender's public profile; avatar, e-mail, last seen,
        // online and privacy settings depend on the viewer and are not here.
        (
            "User",
            "id" | "telegramId" | "username" | "name" | "displayName" | "firstName" | "lastName"
            | "languageCode" | "isPremium" | "bio" | "createdAt" | "updatedAt",
        ) => scalar,
        ("ReactionCount", "emoji" | "count") => scalar,
        _ => None,
    }
}

/// A shared subscription's document and variables; equal shapes get equal payloads.
#[derive(Clone, Debug)]
pub struct Shape {
    key: Arc<str>,
    hash: u64,
}

impl Shape {
    /// The shape of a subscription when every field it selects is viewer-independent;
    /// `None` means "resolve per socket".
    pub fn of(
        document: &ExecutableDocument,
        query: &str,
        operation_name: Option<&str>,
        variables: Option<&Value>,
    ) -> Option<Self> {
        let operation = crate::graphql::parsed::operation(document, operation_name)?;
        if operation.node.ty != OperationType::Subscription || !operation.node.directives.is_empty()
        {
            return None;
        }
        let [root] = operation.node.selection_set.node.items.as_slice() else {
            return None;
        };
        let Selection::Field(field) = &root.node else {
            return None;
        };
        if field.node.name.node != SHARED_ROOT || !field.node.directives.is_empty() {
            return None;
        }
        if !shared_selection(document, &field.node.selection_set.node, "MessageEvent", 0) {
            return None;
        }
        let variables = variables.map(Value::to_string).unwrap_or_default();
        let key: Arc<str> =
            format!("{}\0{query}\0{variables}", operation_name.unwrap_or("")).into();
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        Some(Self {
            hash: hasher.finish(),
            key,
        })
    }
}

/// Whether a selection on `parent` reads only shared fields (through fragments too).
fn shared_selection(
    document: &ExecutableDocument,
    selection: &SelectionSet,
    parent: &str,
    depth: usize,
) -> bool {
    if depth > 8 {
        return false;
    }
    let plain_directives =
        |directives: &[async_graphql::Positioned<async_graphql::parser::types::Directive>]| {
            directives
                .iter()
                .all(|d| matches!(d.node.name.node.as_str(), "skip" | "include"))
        };
    selection.items.iter().all(|item| match &item.node {
        Selection::Field(field) => {
            let field = &field.node;
            if !field.arguments.is_empty() || !plain_directives(&field.directives) {
                return false;
            }
            match shared_field(parent, field.name.node.as_str()) {
                Some(None) => field.selection_set.node.items.is_empty(),
                Some(Some(child)) => {
                    shared_selection(document, &field.selection_set.node, child, depth + 1)
                }
                None => false,
            }
        }
        Selection::InlineFragment(fragment) => {
            let fragment = &fragment.node;
            let on = fragment
                .type_condition
                .as_ref()
                .map_or(parent, |c| c.node.on.node.as_str());
            on == parent
                && plain_directives(&fragment.directives)
                && shared_selection(document, &fragment.selection_set.node, parent, depth + 1)
        }
        Selection::FragmentSpread(spread) => {
            let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) else {
                return false;
            };
            fragment.node.type_condition.node.on.node.as_str() == parent
                && plain_directives(&spread.node.directives)
                && shared_selection(
                    document,
                    &fragment.node.selection_set.node,
                    parent,
                    depth + 1,
                )
        }
    })
}

/// Set by the socket on its subscription's first run: the resolver leaves its event
/// stream here instead of returning it to the executor.
#[derive(Default)]
pub struct Tap(Mutex<Option<BoxStream<'static, MessageUpdate>>>);

impl Tap {
    pub fn put(&self, stream: BoxStream<'static, MessageUpdate>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(stream);
    }

    pub fn take(&self) -> Option<BoxStream<'static, MessageUpdate>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Set to resolve a shared subscription for one event: the resolver yields just this.
pub struct OneEvent(pub MessageUpdate);

/// A payload being or having been rendered for one (shape, event).
struct Entry {
    shape: Arc<str>,
    update: MessageUpdate,
    payload: OnceCell<Arc<str>>,
}

#[derive(Default)]
struct Entries {
    by_key: HashMap<u64, Arc<Entry>>,
    order: VecDeque<u64>,
}

/// The instance's cache of rendered shared payloads, and how many it rendered.
#[derive(Default)]
pub struct Fanout {
    entries: Mutex<Entries>,
    encodes: AtomicU64,
}

/// Why a shared payload could not be rendered: the errors to send instead.
pub struct Unrenderable(pub Value);

impl Fanout {
    /// Payloads rendered so far (one per shape and event when sharing works).
    pub fn encodes(&self) -> u64 {
        self.encodes.load(Ordering::Relaxed)
    }

    /// The rendered `payload` of `update` for `shape`: from the cache, or rendered by
    /// `render` (once, however many sockets ask at the same moment).
    pub async fn payload<F, Fut>(
        &self,
        shape: &Shape,
        update: &MessageUpdate,
        render: F,
    ) -> Result<Arc<str>, Unrenderable>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<String, Unrenderable>>,
    {
        let entry = self.entry(shape, update);
        let rendered = async {
            let payload = render().await?;
            self.encodes.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("realtime_fanout_encodes_total").increment(1);
            Ok::<_, Unrenderable>(Arc::<str>::from(payload))
        };
        match entry {
            Some(entry) => entry.payload.get_or_try_init(|| rendered).await.cloned(),
            // A hash collision with another (shape, event): rendered for this socket only.
            None => rendered.await,
        }
    }

    fn entry(&self, shape: &Shape, update: &MessageUpdate) -> Option<Arc<Entry>> {
        let key = {
            let mut hasher = DefaultHasher::new();
            shape.hash.hash(&mut hasher);
            identity(update).hash(&mut hasher);
            hasher.finish()
        };
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = entries.by_key.get(&key) {
            return (entry.shape == shape.key && entry.update == *update)
                .then(|| Arc::clone(entry));
        }
        let entry = Arc::new(Entry {
            shape: Arc::clone(&shape.key),
            update: update.clone(),
            payload: OnceCell::new(),
        });
        entries.by_key.insert(key, Arc::clone(&entry));
        entries.order.push_back(key);
        while entries.order.len() > CAPACITY {
            if let Some(old) = entries.order.pop_front() {
                entries.by_key.remove(&old);
            }
        }
        Some(entry)
    }
}

/// What tells events apart cheaply (the full event is compared on a hit).
fn identity(update: &MessageUpdate) -> (u8, i64, i64, i64) {
    match update {
        MessageUpdate::Created { message, .. } => (0, message.id, 0, 0),
        MessageUpdate::Edited { message } => (
            1,
            message.id,
            message.updated_at.timestamp_micros(),
            message.text.as_ref().map_or(0, |t| t.len() as i64),
        ),
        MessageUpdate::Deleted { message_id, .. } => (2, *message_id, 0, 0),
        MessageUpdate::Reactions {
            message_id,
            reactions,
            ..
        } => (
            3,
            *message_id,
            reactions.len() as i64,
            reactions.iter().map(|(_, n)| *n).sum(),
        ),
        MessageUpdate::Read {
            user_id,
            last_delivered_message_id,
            last_read_message_id,
            ..
        } => (
            4,
            *user_id,
            *last_delivered_message_id,
            *last_read_message_id,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(query: &str) -> Option<Shape> {
        of(query, None)
    }

    fn of(query: &str, variables: Option<&Value>) -> Option<Shape> {
        // An unparsable document never reaches `Shape::of`: the socket has no document.
        let document = async_graphql::parser::parse_query(query).ok()?;
        Shape::of(&document, query, None, variables)
    }

    #[test]
    fn public_fields_share_and_per_viewer_fields_do_not() {
        assert!(shape(
            "subscription { messageEvents(chatId: 1) { kind chatId message { id text createdAt } \
             sender { id displayName username } reactions { emoji count } } }"
        )
        .is_some());
        assert!(shape(
            "subscription S { e: messageEvents { ...M } } \
             fragment M on MessageEvent { kind message { ... on Message { id } } }"
        )
        .is_some());
        for per_viewer in [
            "subscription { messageEvents { sender { isOnline } } }",
            "subscription { messageEvents { sender { avatarUrl } } }",
            "subscription { messageEvents { message { reactions { reacted } } } }",
            "subscription { messageEvents { message { deliveryStatus } } }",
            "subscription { messageEvents { message { sender { id } } } }",
            "subscription { chatEvents { kind } }",
            "subscription { messageEvents { kind } } query { __typename }",
            "subscription { messageEvents @custom { kind } }",
            "{ __typename }",
        ] {
            assert!(shape(per_viewer).is_none(), "{per_viewer}");
        }
    }

    #[test]
    fn shapes_differ_by_document_variables_and_operation() {
        let q = "subscription($c: ID) { messageEvents(chatId: $c) { kind } }";
        let a = of(q, Some(&serde_json::json!({ "c": "1" }))).expect("shared");
        let b = of(q, Some(&serde_json::json!({ "c": "2" }))).expect("shared");
        let c = of(q, Some(&serde_json::json!({ "c": "1" }))).expect("shared");
        assert_ne!(a.key, b.key);
        assert_eq!(a.key, c.key);
        assert_eq!(a.hash, c.hash);
    }
}
