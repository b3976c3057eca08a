//! The request-scoped loader cache, and the extension that turns it off for writes.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{CacheFactory, CacheStorage};

/// The request's loader cache: on for queries (pages seed it with what they loaded with
/// their rows, fields read it), off for a document with a mutation or subscription,
/// where a value read before a mutation field must not be answered after it, and a
/// subscription lives long. [`Loaders::writes`](super::Loaders::writes) switches it
/// off once the documents are parsed.
#[derive(Clone, Default)]
pub struct QueryCache(Arc<std::sync::atomic::AtomicBool>);

impl QueryCache {
    fn enabled(&self) -> bool {
        !self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(super) fn disable(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

impl CacheFactory for QueryCache {
    fn create<K, V>(&self) -> Box<dyn CacheStorage<Key = K, Value = V>>
    where
        K: Send + Sync + Clone + Eq + std::hash::Hash + 'static,
        V: Send + Sync + Clone + 'static,
    {
        Box::new(QueryCacheStorage {
            switch: self.clone(),
            map: HashMap::new(),
        })
    }
}

struct QueryCacheStorage<K, V> {
    switch: QueryCache,
    map: HashMap<K, V>,
}

impl<K, V> CacheStorage for QueryCacheStorage<K, V>
where
    K: Send + Sync + Clone + Eq + std::hash::Hash + 'static,
    V: Send + Sync + Clone + 'static,
{
    type Key = K;
    type Value = V;

    fn get(&mut self, key: &K) -> Option<&V> {
        if self.switch.enabled() {
            self.map.get(key)
        } else {
            None
        }
    }

    fn insert(&mut self, key: std::borrow::Cow<'_, K>, val: std::borrow::Cow<'_, V>) {
        if self.switch.enabled() {
            self.map.insert(key.into_owned(), val.into_owned());
        }
    }

    fn remove(&mut self, key: &K) {
        self.map.remove(key);
    }

    fn clear(&mut self) {
        self.map.clear();
    }

    fn iter(&self) -> Box<dyn Iterator<Item = (&'_ K, &'_ V)> + '_> {
        Box::new(self.map.iter())
    }
}
