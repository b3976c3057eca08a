//! Loader batches of an HTTP request run in waves between polls of its execution, so
//! the statements a request runs are the same on every run and nothing waits on a timer.

use std::sync::Arc;

use futures_util::future::BoxFuture;

/// The batch loads a request's loaders started and not yet run.
///
/// Loaders of an HTTP request do not spawn their batches: they queue them here, and
/// [`run_in_waves`] runs them between polls of the request's execution. Every key the
/// execution asks for while it is polled joins one batch, and the execution only moves on
/// once the whole wave of batches has answered; so the batches (and the statements they
/// run) are the same on every run, however busy the machine, and nothing waits on a timer.
#[derive(Clone, Default)]
pub struct Fetches(Arc<std::sync::Mutex<Vec<BoxFuture<'static, ()>>>>);

impl Fetches {
    pub(super) fn queue(&self, fetch: BoxFuture<'static, ()>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(fetch);
    }

    fn take(&self) -> Vec<BoxFuture<'static, ()>> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Polls of the execution in a row while it keeps waking itself, before yielding to the
/// runtime.
const SPINS: usize = 1024;

/// The wave machinery around one execution (a request's future, or a subscription's
/// stream of results).
struct Waves {
    fetches: Fetches,
    running: futures_util::stream::FuturesUnordered<BoxFuture<'static, ()>>,
    flag: Arc<WakeFlag>,
    flag_waker: std::task::Waker,
}

impl Waves {
    fn new(fetches: Fetches) -> Self {
        let flag = Arc::new(WakeFlag::default());
        let flag_waker = std::task::Waker::from(Arc::clone(&flag));
        Self {
            fetches,
            running: Default::default(),
            flag,
            flag_waker,
        }
    }

    /// Polls the execution (`poll`) until it waits on nothing but loads (async-graphql's
    /// list resolution yields and wakes itself now and then: it is polled again at
    /// once); runs every batch it queued, concurrently, until all have answered; polls
    /// the execution again; and so on.
    fn poll<T>(
        &mut self,
        cx: &mut std::task::Context<'_>,
        mut poll: impl FnMut(&mut std::task::Context<'_>) -> std::task::Poll<T>,
    ) -> std::task::Poll<T> {
        use futures_util::StreamExt as _;
        use std::{sync::atomic::Ordering, task::Poll};
        self.flag.set_outer(cx.waker());
        let mut spins = 0;
        loop {
            // Finish the running wave before the execution moves on.
            if !self.running.is_empty() {
                match self.running.poll_next_unpin(cx) {
                    Poll::Ready(Some(())) => continue,
                    Poll::Ready(None) => {}
                    Poll::Pending => return Poll::Pending,
                }
            }
            self.flag.woken.store(false, Ordering::SeqCst);
            if let Poll::Ready(output) = poll(&mut std::task::Context::from_waker(&self.flag_waker))
            {
                return Poll::Ready(output);
            }
            if self.flag.woken.load(Ordering::SeqCst) {
                // It can go on by itself: let it, so every key of this wave is asked for.
                spins += 1;
                if spins == SPINS {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                continue;
            }
            let wave = self.fetches.take();
            if wave.is_empty() {
                return Poll::Pending;
            }
            self.running.extend(wave);
        }
    }
}

/// Drives `execution` and the loads it queues on `fetches` in waves (see `Waves::poll`),
/// so every key asked for while it runs joins one batch and nothing waits on a timer.
pub async fn run_in_waves<F: std::future::Future>(fetches: Fetches, execution: F) -> F::Output {
    let mut execution = std::pin::pin!(execution);
    let mut waves = Waves::new(fetches);
    std::future::poll_fn(move |cx| waves.poll(cx, |cx| execution.as_mut().poll(cx))).await
}

/// The results of a subscription (or of one event's rendering), each resolved with its
/// loads in waves, like [`run_in_waves`].
pub fn stream_in_waves<S>(fetches: Fetches, results: S) -> impl futures_util::Stream<Item = S::Item>
where
    S: futures_util::Stream,
{
    let mut results = Box::pin(results);
    let mut waves = Waves::new(fetches);
    futures_util::stream::poll_fn(move |cx| waves.poll(cx, |cx| results.as_mut().poll_next(cx)))
}

/// A waker that notes it was woken, then wakes the task that polls the execution.
#[derive(Default)]
struct WakeFlag {
    woken: std::sync::atomic::AtomicBool,
    outer: std::sync::Mutex<Option<std::task::Waker>>,
}

impl WakeFlag {
    fn set_outer(&self, waker: &std::task::Waker) {
        let mut outer = self.outer.lock().unwrap_or_else(|e| e.into_inner());
        if !outer.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *outer = Some(waker.clone());
        }
    }
}

impl std::task::Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(waker) = self
            .outer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            waker.wake_by_ref();
        }
    }
}
