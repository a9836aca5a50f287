//! Host-only waiting for freed packets, for [`super::Pools::alloc_with_timeout`].
//!
//! Every free bumps a generation counter and wakes all waiters. A waiter reads the
//! generation *before* its allocation attempt, so a free that happens between the attempt
//! and the wait is never missed. Waiters never enter a critical section while holding the
//! lock, so a free made inside one (as `NetPkt`'s drop does) cannot deadlock with the
//! global lock of `critical-section`'s `std` implementation. A free with nobody waiting
//! costs two atomic operations (see [`crate::notify`]).

use std::time::{Duration, Instant};

use crate::notify::Notify;

static FREED: Notify = Notify::new();

/// Called after a descriptor or blocks went back to a pool.
#[inline]
pub(crate) fn notify_freed() {
    FREED.notify();
}

/// The current generation.
pub(crate) fn generation() -> u64 {
    FREED.generation()
}

/// Waits until the generation differs from `seen` (`true`) or `timeout` after `start` has
/// passed (`false`).
pub(crate) fn wait_for_free(seen: u64, start: Instant, timeout: Duration) -> bool {
    // A deadline past the clock's range is no deadline.
    FREED.wait(seen, start.checked_add(timeout))
}
