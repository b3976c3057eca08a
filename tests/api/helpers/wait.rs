//! Bounded waits on a condition: a test waits for something to happen, never for a fixed
//! time. Each wait re-checks its condition every [`POLL`] up to a deadline, then fails
//! the test saying what did not happen and the last state it saw.

use std::{fmt::Debug, time::Duration};

/// How often a condition is checked again.
pub const POLL: Duration = Duration::from_millis(50);

/// Runs `check` until it returns `Ok` and returns that value; panics with `what` and
/// the last `Err` when `within` has passed.
pub async fn eventually<T, E: Debug>(
    within: Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> Result<T, E>,
) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let last = match check().await {
            Ok(value) => return value,
            Err(last) => last,
        };
        if tokio::time::Instant::now() >= deadline {
            panic!("{what}: not within {within:?} (last seen: {last:?})");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// [`eventually`] for a yes/no condition.
pub async fn wait_until(within: Duration, what: &str, mut check: impl AsyncFnMut() -> bool) {
    eventually(
        within,
        what,
        async || if check().await { Ok(()) } else { Err(()) },
    )
    .await;
}

/// Runs `check` until it returns `Some`, for at most `limit`; `None` when the time ran
/// out (for waits whose caller decides what running out means, e.g. killing a process).
pub async fn within<T>(limit: Duration, mut check: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(POLL).await;
    }
}
