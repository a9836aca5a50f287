//! Host-only wake-ups (`std`): a generation counter that waiters block on, for blocking
//! receives, waiting allocations and the traffic-class workers.
//!
//! Notifying is on every packet's path (each free, queue push and socket delivery), so it
//! costs two atomic operations when nobody waits, and takes the lock and wakes the
//! condition variable (a system call) only when someone does. The generation is bumped
//! before the waiter count is read, and a waiter registers before it reads the
//! generation (both sequentially consistent), so a notification is never missed: either
//! the notifier sees the waiter and wakes it (under the lock, so not before the waiter
//! sleeps), or the waiter sees the new generation and does not sleep.
//!
//! Waiters never enter a critical section while holding the lock, so a notifier may hold
//! one (a packet freed inside a critical section) without risking a deadlock with the
//! global lock of `critical-section`'s `std` implementation.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Instant;

/// A generation counter with a condition variable.
pub(crate) struct Notify {
    generation: AtomicU64,
    waiters: AtomicUsize,
    lock: Mutex<()>,
    cv: Condvar,
}

impl Notify {
    pub(crate) const fn new() -> Self {
        Self {
            generation: AtomicU64::new(0),
            waiters: AtomicUsize::new(0),
            lock: Mutex::new(()),
            cv: Condvar::new(),
        }
    }

    /// The current generation; read it before checking the condition waited for.
    #[inline]
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(SeqCst)
    }

    /// Bumps the generation and wakes every waiter.
    #[inline]
    pub(crate) fn notify(&self) {
        self.generation.fetch_add(1, SeqCst);
        if self.waiters.load(SeqCst) != 0 {
            drop(self.lock.lock().unwrap_or_else(PoisonError::into_inner));
            self.cv.notify_all();
        }
    }

    /// Waits until the generation differs from `seen` (`true`) or `deadline` passes
    /// (`false`; `None` waits forever).
    pub(crate) fn wait(&self, seen: u64, deadline: Option<Instant>) -> bool {
        let mut g = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.waiters.fetch_add(1, SeqCst);
        let changed = loop {
            if self.generation.load(SeqCst) != seen {
                break true;
            }
            match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break false;
                    }
                    g = self
                        .cv
                        .wait_timeout(g, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
                None => g = self.cv.wait(g).unwrap_or_else(PoisonError::into_inner),
            }
        };
        self.waiters.fetch_sub(1, SeqCst);
        drop(g);
        changed
    }
}
