//! Host-only wake-ups (`std`): a generation counter that waiters block on, for blocking
//! receives, waiting allocations and the traffic-class workers.
//!
//! Notifying is on every packet's path (each free, queue push and socket delivery), so
//! with nobody waiting it is one plain load: no atomic read-modify-write, which on x86
//! would drain the store buffer (full of the packet just copied) every time.
//!
//! That needs one rule from both sides, which every user here follows:
//!
//! - the state a waiter waits for changes inside a critical section, and [`Notify::notify`]
//!   is called after that change;
//! - a waiter [`register`](Notify::register)s *before* it looks at the state, inside a
//!   critical section, for the last time before sleeping.
//!
//! Then no wake-up is lost. If the waiter's look came first, the notifier's critical
//! section began after the waiter's ended, so it sees the registration (the
//! critical-section lock orders them) and bumps the generation that the waiter sleeps on.
//! If the notifier's change came first, the waiter's look sees the new state. Waiters
//! look once without registering (the common case: the data is already there), and
//! register only when they are about to sleep, then look again.
//!
//! Waiters never enter a critical section while holding the lock, so a notifier may hold
//! one (a packet freed inside a critical section) without risking a deadlock.

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

    /// Wakes every registered waiter: call it after the state change, which must have
    /// been made inside a critical section (see the module documentation).
    #[inline]
    pub(crate) fn notify(&self) {
        if self.waiters.load(SeqCst) != 0 {
            self.generation.fetch_add(1, SeqCst);
            drop(self.lock.lock().unwrap_or_else(PoisonError::into_inner));
            self.cv.notify_all();
        }
    }

    /// Registers a waiter; look at the state again (inside a critical section) after
    /// this, then [`Waiter::wait`] if it still is not what you wait for.
    pub(crate) fn register(&self) -> Waiter<'_> {
        self.waiters.fetch_add(1, SeqCst);
        Waiter {
            notify: self,
            seen: self.generation.load(SeqCst),
        }
    }
}

/// A registered waiter of a [`Notify`]; dropping it unregisters.
pub(crate) struct Waiter<'a> {
    notify: &'a Notify,
    /// The generation when the state was last looked at.
    seen: u64,
}

impl Waiter<'_> {
    /// Sleeps until a notification after the last look (`true`) or until `deadline`
    /// (`false`; `None` waits forever). Look at the state again after either.
    pub(crate) fn wait(&mut self, deadline: Option<Instant>) -> bool {
        let n = self.notify;
        let mut g = n.lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let now = n.generation.load(SeqCst);
            if now != self.seen {
                self.seen = now;
                return true;
            }
            match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    g =
                        n.cv.wait_timeout(g, left)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0;
                }
                None => g = n.cv.wait(g).unwrap_or_else(PoisonError::into_inner),
            }
        }
    }
}

/// One turn of the loop every blocking call runs: the first turn registers (with
/// `register`) and returns `true` at once, so that the caller looks at the state once more
/// before sleeping; later turns sleep in [`Waiter::wait`]. `false` when `deadline` passed.
pub(crate) fn register_or_wait<'a>(
    waiter: &mut Option<Waiter<'a>>,
    register: impl FnOnce() -> Waiter<'a>,
    deadline: Option<Instant>,
) -> bool {
    match waiter {
        Some(w) => w.wait(deadline),
        None => {
            *waiter = Some(register());
            true
        }
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        self.notify.waiters.fetch_sub(1, SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;
    use critical_section::Mutex as CsMutex;
    use std::time::Duration;

    #[test]
    fn a_notification_with_nobody_registered_bumps_nothing() {
        let n = Notify::new();
        n.notify();
        assert_eq!(n.generation.load(SeqCst), 0);
        let mut w = n.register();
        n.notify();
        assert!(w.wait(Some(Instant::now())));
        // Seen: the next wait times out.
        assert!(!w.wait(Some(Instant::now() + Duration::from_millis(5))));
        drop(w);
        assert_eq!(n.waiters.load(SeqCst), 0);
    }

    /// A producer changes the state inside a critical section and notifies; a consumer
    /// looks, registers, looks again and sleeps. Every item must be consumed without a
    /// timeout: a lost wake-up would leave the consumer asleep until its deadline.
    #[test]
    fn no_wake_up_is_lost() {
        static N: Notify = Notify::new();
        static ITEMS: CsMutex<Cell<u32>> = CsMutex::new(Cell::new(0));
        const COUNT: u32 = if cfg!(miri) { 20 } else { 20_000 };
        let take = || {
            critical_section::with(|cs| {
                let c = ITEMS.borrow(cs);
                let v = c.get();
                if v > 0 {
                    c.set(v - 1);
                }
                v > 0
            })
        };
        let consumer = std::thread::spawn(move || {
            let mut got = 0;
            while got < COUNT {
                if take() {
                    got += 1;
                    continue;
                }
                let mut w = N.register();
                while !take() {
                    let deadline = Instant::now() + Duration::from_secs(10);
                    assert!(w.wait(Some(deadline)), "lost wake-up after {got} items");
                }
                got += 1;
            }
        });
        for i in 0..COUNT {
            critical_section::with(|cs| {
                let c = ITEMS.borrow(cs);
                c.set(c.get() + 1);
            });
            N.notify();
            if i % 64 == 0 {
                std::thread::yield_now();
            }
        }
        consumer.join().unwrap();
    }
}
