//! The critical section on the host (`std`): one process-wide lock, taken by the
//! outermost section of a thread and re-entered for free by its nested ones.
//!
//! It replaces `critical-section`'s own `std` implementation, a `std::sync::Mutex`, for
//! speed: the stack takes a section a dozen times per packet, and the mutex's unlock is
//! an atomic swap (it must learn whether a thread sleeps on it), which on x86 drains
//! the store buffer, with the payload just copied, every time. Here unlocking is a plain
//! release store. A thread that finds the lock taken spins briefly, then yields to the
//! scheduler until it is free: sections are a few hundred instructions, and nothing in
//! the stack blocks inside one.

#![allow(unsafe_code)]

use core::cell::Cell;
use core::sync::atomic::{AtomicBool, Ordering};

/// Whether some thread is inside a critical section.
static LOCKED: AtomicBool = AtomicBool::new(false);

std::thread_local! {
    /// Whether this thread holds `LOCKED` (so its next section is nested).
    static HELD: Cell<bool> = const { Cell::new(false) };
}

/// Spins before a waiting thread starts yielding its time slice.
const SPINS_BEFORE_YIELD: u32 = 128;

struct HostCriticalSection;
critical_section::set_impl!(HostCriticalSection);

// SAFETY: `acquire` returns only once the calling thread holds `LOCKED` (taken by its
// compare-exchange, or already held by an enclosing section of the same thread, reported
// as `true` so that the matching `release` leaves it held). Only the holder's outermost
// `release` clears it. The acquire/release orderings order each section's accesses after
// the previous holder's, which is the exclusion `critical_section::Mutex` relies on.
unsafe impl critical_section::Impl for HostCriticalSection {
    unsafe fn acquire() -> bool {
        if HELD.with(Cell::get) {
            return true;
        }
        let mut spins = 0u32;
        while LOCKED
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            // Test before test-and-set: waiters read the line shared instead of
            // stealing it from the holder on every try.
            while LOCKED.load(Ordering::Relaxed) {
                if spins < SPINS_BEFORE_YIELD {
                    spins += 1;
                    core::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
            }
        }
        HELD.with(|h| h.set(true));
        false
    }

    unsafe fn release(nested: bool) {
        if nested {
            return;
        }
        HELD.with(|h| h.set(false));
        LOCKED.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use core::cell::{Cell, RefCell};
    use critical_section::Mutex;

    // Miri runs these (`cargo +nightly miri test -p net-core --lib host_cs`), with fewer
    // rounds: it checks the lock's data-race freedom, which a plain run cannot.
    const ROUNDS: u64 = if cfg!(miri) { 50 } else { 20_000 };
    const THREADS: u64 = 4;

    #[test]
    fn sections_exclude_each_other() {
        // A read-modify-write split across two accesses: any overlap of two sections
        // loses an increment.
        static COUNT: Mutex<Cell<u64>> = Mutex::new(Cell::new(0));
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                std::thread::spawn(|| {
                    for _ in 0..ROUNDS {
                        critical_section::with(|cs| {
                            let c = COUNT.borrow(cs);
                            let v = c.get();
                            std::hint::black_box(v);
                            c.set(v + 1);
                        });
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(
            critical_section::with(|cs| COUNT.borrow(cs).get()),
            THREADS * ROUNDS
        );
    }

    #[test]
    fn nested_sections_keep_the_lock_until_the_outermost_ends() {
        static LOG: Mutex<RefCell<Vec<u32>>> = Mutex::new(RefCell::new(Vec::new()));
        let other = std::thread::spawn(|| {
            for _ in 0..ROUNDS {
                critical_section::with(|cs| {
                    let mut log = LOG.borrow_ref_mut(cs);
                    // What the main thread's section writes is never seen half done.
                    assert!(
                        matches!(log.last(), None | Some(3)),
                        "entered inside another thread's section: {log:?}"
                    );
                    log.clear();
                });
            }
        });
        for _ in 0..ROUNDS {
            critical_section::with(|cs| {
                LOG.borrow_ref_mut(cs).push(1);
                critical_section::with(|cs| LOG.borrow_ref_mut(cs).push(2));
                // Still held: the inner section's end did not release the lock.
                LOG.borrow_ref_mut(cs).push(3);
            });
        }
        other.join().unwrap();
    }

    #[test]
    fn a_panic_inside_a_section_releases_it() {
        let r = std::panic::catch_unwind(|| critical_section::with(|_| panic!("inside")));
        assert!(r.is_err());
        // Another thread can enter: the unwinding released the lock.
        std::thread::spawn(|| critical_section::with(|_| ()))
            .join()
            .unwrap();
    }
}
