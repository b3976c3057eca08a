//! Caps that protect one instance from too many WebSockets: sockets in all, sockets per
//! client IP (as `TRUSTED_PROXIES` resolves it), and subscriptions in all. A permit is
//! held for a socket's (or subscription's) life and returned on drop. Refusals are
//! counted and logged (the first, then every thousandth). The `ws_sockets` and
//! `ws_subscriptions` gauges and `ws_refused_total` move with the permits.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

/// The caps, from `WS_MAX_SOCKETS`, `WS_MAX_SOCKETS_PER_IP` and `WS_MAX_SUBSCRIPTIONS`.
#[derive(Clone, Copy, Debug)]
pub struct GateLimits {
    pub sockets: usize,
    pub sockets_per_ip: usize,
    pub subscriptions: usize,
}

pub struct SocketGate {
    limits: GateLimits,
    sockets: AtomicUsize,
    subscriptions: AtomicUsize,
    by_ip: Mutex<HashMap<String, usize>>,
    refused: AtomicU64,
}

/// Why a socket or subscription was refused, and the close code that says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The instance holds its maximum of sockets or subscriptions: 1013 (try again later).
    Busy,
    /// This client IP holds its maximum of sockets: 4429.
    TooManyFromClient,
}

impl Refusal {
    pub fn close_code(self) -> u16 {
        match self {
            Self::Busy => 1013,
            Self::TooManyFromClient => 4429,
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            Self::Busy => "Server busy: too many connections",
            Self::TooManyFromClient => "Too many connections from this address",
        }
    }
}

/// One admitted socket.
pub struct SocketPermit {
    gate: Arc<SocketGate>,
    ip: Option<String>,
}

/// One running subscription.
pub struct SubscriptionPermit(Arc<SocketGate>);

impl SocketGate {
    pub fn new(limits: GateLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            sockets: AtomicUsize::new(0),
            subscriptions: AtomicUsize::new(0),
            by_ip: Mutex::new(HashMap::new()),
            refused: AtomicU64::new(0),
        })
    }

    /// Admits a socket from `ip`, or says why not.
    pub fn admit(self: &Arc<Self>, ip: Option<&str>) -> Result<SocketPermit, Refusal> {
        if self.sockets.fetch_add(1, Ordering::AcqRel) >= self.limits.sockets {
            self.sockets.fetch_sub(1, Ordering::AcqRel);
            return Err(self.refuse(Refusal::Busy));
        }
        if let Some(ip) = ip {
            let mut by_ip = self.by_ip.lock().unwrap_or_else(|e| e.into_inner());
            let count = by_ip.entry(ip.to_owned()).or_insert(0);
            if *count >= self.limits.sockets_per_ip {
                drop(by_ip);
                self.sockets.fetch_sub(1, Ordering::AcqRel);
                return Err(self.refuse(Refusal::TooManyFromClient));
            }
            *count += 1;
        }
        metrics::gauge!("ws_sockets").increment(1.0);
        Ok(SocketPermit {
            gate: Arc::clone(self),
            ip: ip.map(str::to_owned),
        })
    }

    /// Admits a subscription, or `None` when the instance runs its maximum.
    pub fn subscription(self: &Arc<Self>) -> Option<SubscriptionPermit> {
        if self.subscriptions.fetch_add(1, Ordering::AcqRel) >= self.limits.subscriptions {
            self.subscriptions.fetch_sub(1, Ordering::AcqRel);
            self.refuse(Refusal::Busy);
            return None;
        }
        metrics::gauge!("ws_subscriptions").increment(1.0);
        Some(SubscriptionPermit(Arc::clone(self)))
    }

    /// Open sockets and running subscriptions on this instance.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.sockets.load(Ordering::Acquire),
            self.subscriptions.load(Ordering::Acquire),
        )
    }

    /// Sockets and subscriptions refused since start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    fn refuse(&self, why: Refusal) -> Refusal {
        let before = self.refused.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("ws_refused_total").increment(1);
        if before % 1000 == 0 {
            tracing::warn!(
                refused_total = before + 1,
                reason = why.reason(),
                "WebSocket refused"
            );
        }
        why
    }
}

impl Drop for SocketPermit {
    fn drop(&mut self) {
        self.gate.sockets.fetch_sub(1, Ordering::AcqRel);
        metrics::gauge!("ws_sockets").decrement(1.0);
        if let Some(ip) = &self.ip {
            let mut by_ip = self.gate.by_ip.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(count) = by_ip.get_mut(ip) {
                *count -= 1;
                if *count == 0 {
                    by_ip.remove(ip);
                }
            }
        }
    }
}

impl Drop for SubscriptionPermit {
    fn drop(&mut self) {
        self.0.subscriptions.fetch_sub(1, Ordering::AcqRel);
        metrics::gauge!("ws_subscriptions").decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_per_ip_and_in_all_and_permits_give_back() {
        let gate = SocketGate::new(GateLimits {
            sockets: 3,
            sockets_per_ip: 2,
            subscriptions: 1,
        });
        let a1 = gate.admit(Some("a")).expect("first");
        let _a2 = gate.admit(Some("a")).expect("second");
        assert_eq!(
            gate.admit(Some("a")).err(),
            Some(Refusal::TooManyFromClient)
        );
        let _b = gate.admit(Some("b")).expect("another address");
        assert_eq!(gate.admit(Some("c")).err(), Some(Refusal::Busy));
        drop(a1);
        assert!(gate.admit(Some("a")).is_ok(), "a permit was given back");
        let sub = gate.subscription().expect("one subscription");
        assert!(gate.subscription().is_none());
        drop(sub);
        assert!(gate.subscription().is_some());
        assert_eq!(gate.refused(), 3);
    }
}
