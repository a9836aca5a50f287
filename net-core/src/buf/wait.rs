//! Host-only waiting for freed packets, for [`super::Pools::alloc_with_timeout`].
//!
//! Every free bumps a generation counter and wakes all waiters. A waiter reads the
//! generation *before* its allocation attempt, so a free that happens between the attempt
//! and the wait is never missed. Waiters never enter a critical section while holding the
//! lock (frees take it only after leaving theirs), so it cannot deadlock with the global
//! lock of `critical-section`'s `std` implementation.

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

static GENERATION: Mutex<u64> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

/// Called after a descriptor or blocks went back to a pool.
pub(crate) fn notify_freed() {
    let mut g = GENERATION.lock().unwrap_or_else(PoisonError::into_inner);
    *g = g.wrapping_add(1);
    drop(g);
    FREED.notify_all();
}

/// The current generation.
pub(crate) fn generation() -> u64 {
    *GENERATION.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits until the generation differs from `seen` (`true`) or `timeout` after `start` has
/// passed (`false`).
pub(crate) fn wait_for_free(seen: u64, start: Instant, timeout: Duration) -> bool {
    let mut g = GENERATION.lock().unwrap_or_else(PoisonError::into_inner);
    while *g == seen {
        let left = match timeout.checked_sub(start.elapsed()) {
            Some(d) if !d.is_zero() => d,
            _ => return false,
        };
        g = FREED
            .wait_timeout(g, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    true
}
