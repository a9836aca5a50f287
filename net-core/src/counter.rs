//! The counter type behind statistics and drop accounting.

use core::sync::atomic::{AtomicU32, Ordering};

/// A wrapping 32-bit event counter that the RX and TX contexts (and interrupt handlers)
/// may bump concurrently.
///
/// On `std` (threads) the count is exact, without a locked read-modify-write per bump:
/// the counter is split into shards, most of them leased to one live thread each
/// (`shard`), which bumps its own shard with a plain load and store. Threads beyond the
/// leases share the last shard and bump it atomically. A locked instruction costs the
/// x86 pipeline a store-buffer drain; with statistics on, the stack bumped counters a
/// dozen times per packet, which was a fifth of a UDP echo's time.
///
/// On bare metal a bump is a plain load, add and store, as Zephyr's `net_stats` counters are
/// plain `++`: an interrupt handler bumping the same counter between the main loop's load
/// and store loses one increment. That is rare (most counters have one writer context) and
/// it saves the exclusive-access loop at every one of the stack's counting sites, about
/// 1.5 KiB of flash on Cortex-M3 with statistics on. Cortex-M0, which has no atomic
/// read-modify-write, would need a critical section per bump otherwise.
#[derive(Debug, Default)]
pub struct Counter {
    #[cfg(all(feature = "std", target_has_atomic = "32"))]
    shards: [AtomicU32; shard::SHARDS],
    #[cfg(not(all(feature = "std", target_has_atomic = "32")))]
    value: AtomicU32,
}

impl Counter {
    /// A counter at zero (usable in `static`s).
    pub const fn new() -> Counter {
        Counter {
            #[cfg(all(feature = "std", target_has_atomic = "32"))]
            shards: [const { AtomicU32::new(0) }; shard::SHARDS],
            #[cfg(not(all(feature = "std", target_has_atomic = "32")))]
            value: AtomicU32::new(0),
        }
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
        {
            let (index, leased) = shard::mine();
            let s = &self.shards[index % shard::SHARDS];
            if leased {
                s.store(s.load(Ordering::Relaxed).wrapping_add(n), Ordering::Relaxed);
            } else {
                s.fetch_add(n, Ordering::Relaxed);
            }
        }
        #[cfg(not(all(feature = "std", target_has_atomic = "32")))]
        self.value.store(
            self.value.load(Ordering::Relaxed).wrapping_add(n),
            Ordering::Relaxed,
        );
    }

    /// The current value.
    #[inline]
    pub fn get(&self) -> u32 {
        #[cfg(all(feature = "std", target_has_atomic = "32"))]
        return self
            .shards
            .iter()
            .fold(0u32, |sum, s| sum.wrapping_add(s.load(Ordering::Relaxed)));
        #[cfg(not(all(feature = "std", target_has_atomic = "32")))]
        return self.value.load(Ordering::Relaxed);
    }

    /// Sets the counter back to zero. A bump racing with the reset may survive it or not.
    pub fn reset(&self) {
        #[cfg(all(feature = "std", target_has_atomic = "32"))]
        for s in &self.shards {
            s.store(0, Ordering::Relaxed);
        }
        #[cfg(not(all(feature = "std", target_has_atomic = "32")))]
        self.value.store(0, Ordering::Relaxed);
    }
}

/// The shard leases of [`Counter`] on `std`: shard `i < LEASED` of every counter belongs
/// to the one live thread holding lease `i`, so that thread alone writes it and needs no
/// atomic read-modify-write. A thread takes a lease at its first bump and returns it when
/// it ends; the next holder carries on from the value its predecessor left, which the
/// release/acquire pair on [`TAKEN`] makes visible to it.
#[cfg(all(feature = "std", target_has_atomic = "32"))]
mod shard {
    use core::sync::atomic::{AtomicU8, Ordering};

    /// Shards leased to one thread each.
    pub const LEASED: usize = 7;
    /// All shards: the leased ones and the last, shared one.
    pub const SHARDS: usize = LEASED + 1;

    /// Bit `i` set: lease `i` is held by a live thread.
    static TAKEN: AtomicU8 = AtomicU8::new(0);

    /// A thread's lease of shard `.0` (`LEASED`: the shared shard), returned when the
    /// thread ends.
    struct Lease(usize);

    impl Lease {
        fn take() -> Lease {
            let mut taken = TAKEN.load(Ordering::Relaxed);
            loop {
                let free = (!taken).trailing_zeros() as usize;
                if free >= LEASED {
                    return Lease(LEASED);
                }
                match TAKEN.compare_exchange_weak(
                    taken,
                    taken | 1 << free,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return Lease(free),
                    Err(now) => taken = now,
                }
            }
        }
    }

    impl Drop for Lease {
        fn drop(&mut self) {
            // Later bumps of this thread (from other destructors) go to the shared shard.
            let _ = SHARD.try_with(|s| s.set(SHARED));
            if self.0 < LEASED {
                TAKEN.fetch_and(!(1u8 << self.0), Ordering::Release);
            }
        }
    }

    /// `SHARD` before the thread's first bump.
    const UNSET: u8 = 0;
    /// `SHARD` of a thread on the shared shard.
    const SHARED: u8 = LEASED as u8 + 1;

    std::thread_local! {
        /// The thread's shard plus one (`UNSET`: no lease taken yet). Read at every
        /// bump, so it has a constant initializer and no destructor, which makes it a
        /// plain thread-pointer-relative load.
        static SHARD: core::cell::Cell<u8> = const { core::cell::Cell::new(UNSET) };
        /// The lease itself, whose destructor returns it.
        static LEASE: core::cell::Cell<Option<Lease>> = const { core::cell::Cell::new(None) };
    }

    /// This thread's shard, and whether it is leased (written by this thread alone).
    #[inline]
    pub fn mine() -> (usize, bool) {
        let shard = SHARD.with(core::cell::Cell::get);
        if shard == UNSET {
            return first_bump();
        }
        let index = usize::from(shard - 1);
        (index, index < LEASED)
    }

    /// Takes this thread's lease (or the shared shard, when all are held or the thread
    /// is ending).
    #[cold]
    fn first_bump() -> (usize, bool) {
        let lease = Lease::take();
        let index = lease.0;
        // Registering the destructor fails only while the thread ends; the lease then
        // goes back at once and the shared shard is used.
        if LEASE.try_with(|l| l.set(Some(lease))).is_err() {
            return (LEASED, false);
        }
        let _ = SHARD.try_with(|s| s.set(index as u8 + 1));
        (index, index < LEASED)
    }
}

#[cfg(test)]
mod tests {
    use super::Counter;

    #[test]
    fn bumps_from_many_threads_are_all_counted() {
        // More threads than leases, several generations of them: shards change hands and
        // the shared shard is used, and no bump may be lost either way.
        static C: Counter = Counter::new();
        let rounds: u32 = if cfg!(miri) { 20 } else { 10_000 };
        let generations = if cfg!(miri) { 2 } else { 4 };
        let threads = 12;
        for _ in 0..generations {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    std::thread::spawn(move || {
                        for _ in 0..rounds {
                            C.inc();
                        }
                        C.add(2);
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
        }
        assert_eq!(C.get(), generations * threads * (rounds + 2));
        C.reset();
        assert_eq!(C.get(), 0);
    }

    #[test]
    fn a_counter_wraps() {
        let c = Counter::new();
        c.add(u32::MAX);
        c.add(2);
        assert_eq!(c.get(), 1);
    }
}
