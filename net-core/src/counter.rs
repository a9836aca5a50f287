//! The counter type behind statistics and drop accounting.

use core::sync::atomic::{AtomicU32, Ordering};

/// A wrapping 32-bit event counter that the RX and TX contexts (and interrupt handlers)
/// may bump concurrently.
///
/// On `std` (threads) the count is exact: each bump is an atomic read-modify-write. On
/// bare metal a bump is a plain load, add and store, as Zephyr's `net_stats` counters are
/// plain `++`: an interrupt handler bumping the same counter between the main loop's load
/// and store loses one increment. That is rare (most counters have one writer context) and
/// it saves the exclusive-access loop at every one of the stack's counting sites, about
/// 1.5 KiB of flash on Cortex-M3 with statistics on. Cortex-M0, which has no atomic
/// read-modify-write, would need a critical section per bump otherwise.
#[derive(Debug, Default)]
pub struct Counter(AtomicU32);

impl Counter {
    /// A counter at zero (usable in `static`s).
    pub const fn new() -> Counter {
        Counter(AtomicU32::new(0))
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.add(1);
    }

    /// Adds `n`.
    #[inline]
    pub fn add(&self, n: u32) {
        #[cfg(all(feature = "std", target_has_atomic = "32"))]
        self.0.fetch_add(n, Ordering::Relaxed);
        #[cfg(not(all(feature = "std", target_has_atomic = "32")))]
        self.0.store(
            self.0.load(Ordering::Relaxed).wrapping_add(n),
            Ordering::Relaxed,
        );
    }

    /// The current value.
    #[inline]
    pub fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }

    /// Sets the counter back to zero.
    pub fn reset(&self) {
        self.0.store(0, Ordering::Relaxed);
    }
}
