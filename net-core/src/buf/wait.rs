//! Host-only waiting for freed packets, for [`super::Pools::alloc_with_timeout`].
//!
//! Every free notifies; with nobody waiting that is one plain load (see
//! [`crate::notify`]). A waiter registers before its last allocation attempt, so a free
//! that happens between the attempt and the wait is never missed. Waiters never enter a
//! critical section while holding the notifier's lock, so a free made inside one (as
//! `NetPkt`'s drop does) cannot deadlock.

use crate::notify::{Notify, Waiter};

static FREED: Notify = Notify::new();

/// Called after a descriptor or blocks went back to a pool.
#[inline]
pub(crate) fn notify_freed() {
    FREED.notify();
}

/// Registers a waiter for freed packets.
pub(crate) fn register() -> Waiter<'static> {
    FREED.register()
}
