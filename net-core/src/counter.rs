//! The counter type behind statistics and drop accounting.

use core::sync::atomic::{AtomicU32, Ordering};

/// A wrapping 32-bit event counter that the RX and TX contexts (and interrupt handlers)
/// may bump concurrently.
///
/// Targets with atomic read-modify-write get an exact count. On those without (Cortex-M0),
/// two contexts bumping the same counter at the same instant can lose one increment, like
/// Zephyr's plain `++`; a critical section per increment would cost more than the count
/// is worth.
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
        #[cfg(target_has_atomic = "32")]
        self.0.fetch_add(n, Ordering::Relaxed);
        #[cfg(not(target_has_atomic = "32"))]
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
