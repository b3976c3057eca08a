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

/// Drives `execution` and the loads it queues on `fetches` in waves: poll the execution
/// until it waits on nothing but loads (async-graphql's list resolution yields and wakes
/// itself now and then: it is polled again at once); run every batch it queued,
/// concurrently, until all have answered; poll the execution again; and so on.
pub async fn run_in_waves<F: std::future::Future>(fetches: Fetches, execution: F) -> F::Output {
    use futures_util::{stream::FuturesUnordered, StreamExt as _};
    use std::task::{Context, Poll, Waker};
    /// Polls of the execution in a row while it keeps waking itself, before yielding to
    /// the runtime.
    const SPINS: usize = 1024;
    let mut execution = std::pin::pin!(execution);
    let mut running: FuturesUnordered<BoxFuture<'static, ()>> = FuturesUnordered::new();
    let flag = Arc::new(WakeFlag::default());
    let flag_waker = Waker::from(Arc::clone(&flag));
    std::future::poll_fn(move |cx| {
        flag.set_outer(cx.waker());
        let mut spins = 0;
        loop {
            // Finish the running wave before the execution moves on.
            if !running.is_empty() {
                match running.poll_next_unpin(cx) {
                    Poll::Ready(Some(())) => continue,
                    Poll::Ready(None) => {}
                    Poll::Pending => return Poll::Pending,
                }
            }
            flag.woken.store(false, std::sync::atomic::Ordering::SeqCst);
            if let Poll::Ready(output) = execution
                .as_mut()
                .poll(&mut Context::from_waker(&flag_waker))
            {
                return Poll::Ready(output);
            }
            if flag.woken.load(std::sync::atomic::Ordering::SeqCst) {
                // It can go on by itself: let it, so every key of this wave is asked for.
                spins += 1;
                if spins == SPINS {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                continue;
            }
            let wave = fetches.take();
            if wave.is_empty() {
                return Poll::Pending;
            }
            running.extend(wave);
        }
    })
    .await
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
