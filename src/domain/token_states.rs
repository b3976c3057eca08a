//! Access-token states kept for a moment per process (`AUTH_STATE_CACHE_MS`), so a burst
//! of requests with one token checks revocation against Postgres once, not per request.
//!
//! A revocation (logout, revoked session, "log out everywhere", password change or reset)
//! forgets the user's states here at once, and on every other instance through the event
//! bus (`topics::revocations`). If that message is lost (Redis down), another instance
//! accepts the revoked token until its entry is older than the cache's time to live: that
//! bound is the setting. `0` turns the cache off.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};

use uuid::Uuid;

use crate::db::users::TokenState;

/// Entries kept at most; past it the cache starts over (they are cheap to read again).
const MAX_ENTRIES: usize = 100_000;

type Key = (i64, Option<Uuid>);

pub struct TokenStates {
    ttl: Duration,
    entries: Mutex<HashMap<Key, (TokenState, Instant)>>,
    /// Bumped by every forget: a state read before it is not kept after it.
    generation: AtomicU64,
}

impl TokenStates {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<Key, (TokenState, Instant)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A state read within the time to live, and the generation to hand [`Self::keep`]
    /// after reading it afresh.
    pub fn get(&self, user_id: i64, session: Option<Uuid>) -> (Option<TokenState>, u64) {
        let generation = self.generation.load(Ordering::SeqCst);
        if self.ttl.is_zero() {
            return (None, generation);
        }
        let found = self
            .entries()
            .get(&(user_id, session))
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(state, _)| state.clone());
        (found, generation)
    }

    /// Keeps a state read from Postgres, unless a revocation came in meanwhile.
    pub fn keep(&self, user_id: i64, session: Option<Uuid>, state: &TokenState, generation: u64) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries();
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert((user_id, session), (state.clone(), Instant::now()));
    }

    /// Forgets every state (revocations may have been missed).
    pub fn forget_all(&self) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    /// Forgets every state of `user_id` (a revocation).
    pub fn forget(&self, user_id: i64) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.retain(|(user, _), _| *user != user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> TokenState {
        TokenState {
            tokens_valid_after: None,
            session_revoked: false,
        }
    }

    #[test]
    fn a_state_read_before_a_revocation_is_not_kept() {
        let states = TokenStates::new(Duration::from_secs(60));
        let (found, generation) = states.get(1, None);
        assert!(found.is_none());
        states.forget(1);
        states.keep(1, None, &state(), generation);
        assert!(states.get(1, None).0.is_none());
        let (_, generation) = states.get(1, None);
        states.keep(1, None, &state(), generation);
        assert!(states.get(1, None).0.is_some());
        states.forget(1);
        assert!(states.get(1, None).0.is_none(), "forgotten at once");
    }

    #[test]
    fn a_zero_time_to_live_keeps_nothing() {
        let states = TokenStates::new(Duration::ZERO);
        let (_, generation) = states.get(1, None);
        states.keep(1, None, &state(), generation);
        assert!(states.get(1, None).0.is_none());
    }
}
