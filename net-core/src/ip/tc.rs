//! Traffic classes: 802.1Q priorities, Zephyr's priority → class tables, and the
//! fixed-capacity queues of packet ids between contexts (driver → RX workers, stack → TX
//! workers).
//!
//! A higher class number is served first: [`TcQueues::pop_highest`] drains class `n - 1`
//! before class `n - 2`, and so on, as Zephyr gives higher-class worker threads higher
//! priorities.

use core::cell::RefCell;
use core::sync::atomic::{AtomicUsize, Ordering};

use critical_section::Mutex;

use crate::buf::{NetPkt, PktId, Pools};

/// Packet priorities, 802.1Q Annex I (Zephyr `NET_PRIORITY_*`). Note that background (1)
/// ranks *below* best effort (0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Priority {
    /// Best effort, the default (`NET_PRIORITY_BE`).
    #[default]
    BestEffort = 0,
    /// Background, the lowest (`NET_PRIORITY_BK`).
    Background = 1,
    /// Excellent effort (`NET_PRIORITY_EE`).
    ExcellentEffort = 2,
    /// Critical applications (`NET_PRIORITY_CA`).
    CriticalApps = 3,
    /// Video, < 100 ms latency (`NET_PRIORITY_VI`).
    Video = 4,
    /// Voice, < 10 ms latency (`NET_PRIORITY_VO`).
    Voice = 5,
    /// Internetwork control (`NET_PRIORITY_IC`).
    InternetworkControl = 6,
    /// Network control, the highest (`NET_PRIORITY_NC`).
    NetworkControl = 7,
}

impl Priority {
    /// The priority with this 802.1Q value; values above 7 become best effort, as in
    /// Zephyr's `net_{tx,rx}_priority2tc`.
    pub const fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Background,
            2 => Self::ExcellentEffort,
            3 => Self::CriticalApps,
            4 => Self::Video,
            5 => Self::Voice,
            6 => Self::InternetworkControl,
            7 => Self::NetworkControl,
            _ => Self::BestEffort,
        }
    }
}

/// A priority → class table: row `n - 1` is for `n` classes, column = priority value.
pub type MappingTable = [[u8; 8]; 8];

/// Strict priority (802.1Q §8.6.6 table 8-4), `NET_TC_MAPPING_STRICT`, Zephyr's default.
pub const STRICT: MappingTable = [
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 1, 1, 1, 1],
    [0, 0, 0, 0, 1, 1, 2, 2],
    [0, 0, 1, 1, 2, 2, 3, 3],
    [0, 0, 1, 1, 2, 2, 3, 4],
    [1, 0, 2, 2, 3, 3, 4, 5],
    [1, 0, 2, 3, 4, 4, 5, 6],
    [1, 0, 2, 3, 4, 5, 6, 7],
];

/// SR class A and B (802.1Q §34.5 table 34-1), `NET_TC_MAPPING_SR_CLASS_A_AND_B`. Zephyr
/// has no row for one class (the option needs two); with one class everything is class 0.
pub const SR_CLASS_A_AND_B: MappingTable = [
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 1, 1, 0, 0, 0, 0],
    [0, 0, 1, 2, 0, 0, 0, 0],
    [0, 0, 2, 3, 1, 1, 1, 1],
    [0, 0, 3, 4, 1, 1, 2, 2],
    [0, 0, 4, 5, 1, 1, 2, 3],
    [0, 0, 5, 6, 1, 2, 3, 4],
    [1, 0, 6, 7, 2, 3, 4, 5],
];

/// SR class B only (802.1Q table 34-2), `NET_TC_MAPPING_SR_CLASS_B_ONLY`.
pub const SR_CLASS_B_ONLY: MappingTable = [
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 1, 0, 0, 0, 0, 0],
    [0, 0, 2, 0, 1, 1, 1, 1],
    [0, 0, 3, 0, 1, 1, 2, 2],
    [0, 0, 4, 1, 2, 2, 3, 3],
    [0, 0, 5, 1, 2, 2, 3, 4],
    [1, 0, 6, 2, 3, 3, 4, 5],
    [1, 0, 7, 2, 3, 4, 5, 6],
];

/// The table selected by the configuration's `NET_TC_MAPPING` choice.
#[cfg(CONFIG_NET_TC_MAPPING_SR_CLASS_A_AND_B)]
pub const CONFIGURED_MAPPING: &MappingTable = &SR_CLASS_A_AND_B;
/// The table selected by the configuration's `NET_TC_MAPPING` choice.
#[cfg(CONFIG_NET_TC_MAPPING_SR_CLASS_B_ONLY)]
pub const CONFIGURED_MAPPING: &MappingTable = &SR_CLASS_B_ONLY;
/// The table selected by the configuration's `NET_TC_MAPPING` choice.
#[cfg(not(any(
    CONFIG_NET_TC_MAPPING_SR_CLASS_A_AND_B,
    CONFIG_NET_TC_MAPPING_SR_CLASS_B_ONLY
)))]
pub const CONFIGURED_MAPPING: &MappingTable = &STRICT;

/// The class of priority `prio` among `num_classes` classes, with `table`. Priorities
/// above 7 count as best effort; 0 classes give class 0 (the caller bypasses the queues);
/// more than 8 classes use the 8-class row. Always `< max(num_classes, 1)`.
pub const fn priority_to_class_with(table: &MappingTable, prio: u8, num_classes: usize) -> usize {
    if num_classes == 0 {
        return 0;
    }
    let prio = Priority::from_u8(prio) as usize;
    let row = if num_classes > 8 { 7 } else { num_classes - 1 };
    table[row][prio] as usize
}

/// The class of priority `prio` among `num_classes` classes, with the configured table.
pub const fn priority_to_class(prio: u8, num_classes: usize) -> usize {
    priority_to_class_with(CONFIGURED_MAPPING, prio, num_classes)
}

/// The TX class of `prio` (Zephyr `net_tx_priority2tc`), for `NET_TC_TX_COUNT` classes.
pub const fn tx_priority_to_class(prio: u8) -> usize {
    priority_to_class(prio, crate::config::CONFIG_NET_TC_TX_COUNT)
}

/// The RX class of `prio` (Zephyr `net_rx_priority2tc`), for `NET_TC_RX_COUNT` classes.
pub const fn rx_priority_to_class(prio: u8) -> usize {
    priority_to_class(prio, crate::config::CONFIG_NET_TC_RX_COUNT)
}

/// A push was refused: the class queue is full (or the class does not exist). The id is
/// handed back so the caller can drop the packet (`NetPkt::from_raw` then drop).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueFull(pub PktId);

/// Counters of one class queue (Zephyr `net_stats_tc` `pkts`/`dropped`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClassStats {
    /// Packets waiting now.
    pub len: usize,
    /// The most packets that ever waited at once.
    pub high_water: usize,
    /// Packets accepted in total (wraps).
    pub queued: u32,
    /// Packets refused because the queue was full (wraps).
    pub dropped: u32,
}

/// One ring buffer of ids.
struct Ring<const DEPTH: usize> {
    ids: [PktId; DEPTH],
    head: usize,
    len: usize,
    high_water: usize,
    queued: u32,
    dropped: u32,
}

impl<const DEPTH: usize> Ring<DEPTH> {
    const EMPTY: Self = Self {
        ids: [PktId::PLACEHOLDER; DEPTH],
        head: 0,
        len: 0,
        high_water: 0,
        queued: 0,
        dropped: 0,
    };

    fn push(&mut self, id: PktId) -> Result<(), QueueFull> {
        if self.len >= DEPTH {
            self.dropped = self.dropped.wrapping_add(1);
            return Err(QueueFull(id));
        }
        let tail = (self.head + self.len) % DEPTH;
        if let Some(slot) = self.ids.get_mut(tail) {
            *slot = id;
        }
        self.len += 1;
        self.high_water = self.high_water.max(self.len);
        self.queued = self.queued.wrapping_add(1);
        Ok(())
    }

    fn pop(&mut self) -> Option<PktId> {
        if self.len == 0 {
            return None;
        }
        let id = self.ids.get(self.head).copied();
        self.head = (self.head + 1) % DEPTH;
        self.len -= 1;
        id
    }
}

/// `CLASSES` FIFO queues of [`PktId`]s, `DEPTH` ids each (Zephyr's `rx_classes` /
/// `tx_classes` fifos). Use the packet count of the direction as `DEPTH`: a queue can
/// never hold more packets than exist, so with that depth a push only fails when the
/// stack is misused.
///
/// All operations take a short critical section and never wait, so `push` is safe in an
/// interrupt handler (with `std`, a successful push also takes a per-class host mutex for a
/// moment to wake the waiting worker; hosts have no interrupt handlers). Under `std`, [`pop_class_timeout`](Self::pop_class_timeout) lets a
/// worker thread per class (`rx_q[n]` / `tx_q[n]`) sleep until work arrives.
pub struct TcQueues<const CLASSES: usize, const DEPTH: usize> {
    rings: Mutex<RefCell<[Ring<DEPTH>; CLASSES]>>,
    /// Ids queued over all classes, written only inside the critical section. Pollers read
    /// it without one, so an idle poll (the common case) costs one load instead of a
    /// critical section; a push that races with the read is seen by the next poll, as it
    /// would be had it come just after a locked look. Only load and store are used, which
    /// targets without compare-and-swap (thumbv6m) have.
    queued: AtomicUsize,
    #[cfg(feature = "std")]
    wakers: [waker::Waker; CLASSES],
}

impl<const CLASSES: usize, const DEPTH: usize> TcQueues<CLASSES, DEPTH> {
    /// Empty queues. `const` so they can be a `static`.
    pub const fn new() -> Self {
        Self {
            rings: Mutex::new(RefCell::new([const { Ring::EMPTY }; CLASSES])),
            queued: AtomicUsize::new(0),
            #[cfg(feature = "std")]
            wakers: [const { waker::Waker::new() }; CLASSES],
        }
    }

    /// Number of classes.
    pub const fn classes(&self) -> usize {
        CLASSES
    }

    /// Queues `id` at the back of `class`. Fails (counting a drop) when the queue is full,
    /// or when `class` does not exist, returning the id to the caller.
    pub fn push(&self, class: usize, id: PktId) -> Result<(), QueueFull> {
        let res = critical_section::with(|cs| {
            let res = match self.rings.borrow_ref_mut(cs).get_mut(class) {
                Some(ring) => ring.push(id),
                None => Err(QueueFull(id)),
            };
            if res.is_ok() {
                self.queued
                    .store(self.queued.load(Ordering::Relaxed) + 1, Ordering::Release);
            }
            res
        });
        #[cfg(feature = "std")]
        if res.is_ok()
            && let Some(w) = self.wakers.get(class)
        {
            w.wake();
        }
        res
    }

    /// Takes the oldest id of the highest non-empty class.
    pub fn pop_highest(&self) -> Option<(usize, PktId)> {
        if self.queued.load(Ordering::Acquire) == 0 {
            return None;
        }
        critical_section::with(|cs| {
            let mut rings = self.rings.borrow_ref_mut(cs);
            let popped =
                (rings.iter_mut().enumerate().rev()).find_map(|(c, r)| r.pop().map(|id| (c, id)));
            if popped.is_some() {
                self.taken();
            }
            popped
        })
    }

    /// Takes the oldest id of `class`.
    pub fn pop_class(&self, class: usize) -> Option<PktId> {
        if self.queued.load(Ordering::Acquire) == 0 {
            return None;
        }
        critical_section::with(|cs| {
            let popped = self.rings.borrow_ref_mut(cs).get_mut(class)?.pop();
            if popped.is_some() {
                self.taken();
            }
            popped
        })
    }

    /// Whether some class may hold an id: a lock-free hint for pollers, exact when no push
    /// or pop runs at the same time.
    pub fn maybe_pending(&self) -> bool {
        self.queued.load(Ordering::Acquire) != 0
    }

    /// Books one popped id; called inside the critical section that popped it.
    fn taken(&self) {
        self.queued.store(
            self.queued.load(Ordering::Relaxed).saturating_sub(1),
            Ordering::Relaxed,
        );
    }

    /// Number of ids waiting in `class` (0 for a class that does not exist).
    pub fn len(&self, class: usize) -> usize {
        critical_section::with(|cs| self.rings.borrow_ref(cs).get(class).map_or(0, |r| r.len))
    }

    /// Whether every class is empty.
    pub fn is_empty(&self) -> bool {
        critical_section::with(|cs| self.rings.borrow_ref(cs).iter().all(|r| r.len == 0))
    }

    /// Counters of `class` (all zero for a class that does not exist).
    pub fn stats(&self, class: usize) -> ClassStats {
        critical_section::with(|cs| {
            self.rings
                .borrow_ref(cs)
                .get(class)
                .map_or(ClassStats::default(), |r| ClassStats {
                    len: r.len,
                    high_water: r.high_water,
                    queued: r.queued,
                    dropped: r.dropped,
                })
        })
    }

    /// Waits up to `timeout` for an id in `class` and takes it: the loop of a per-class
    /// worker thread. `None` on timeout (or for a class that does not exist).
    #[cfg(feature = "std")]
    pub fn pop_class_timeout(&self, class: usize, timeout: core::time::Duration) -> Option<PktId> {
        let waker = self.wakers.get(class)?;
        let deadline = std::time::Instant::now().checked_add(timeout);
        let mut waiter = None;
        loop {
            if let Some(id) = self.pop_class(class) {
                return Some(id);
            }
            // Register, then look once more before sleeping, so a push in between is
            // not missed (see `crate::notify`).
            if !crate::notify::register_or_wait(&mut waiter, || waker.register(), deadline) {
                return self.pop_class(class);
            }
        }
    }

    /// Wakes every thread waiting in [`pop_class_timeout`](Self::pop_class_timeout), e.g.
    /// so that workers notice a shutdown flag. A waiter that has not yet registered when
    /// this runs sleeps until its timeout, unless the flag was set inside a critical
    /// section (see `crate::notify`).
    #[cfg(feature = "std")]
    pub fn wake_all(&self) {
        for w in &self.wakers {
            w.wake();
        }
    }

    /// Drops every queued packet (e.g. when the stack stops), returning them to `pools`.
    pub fn clear(&self, pools: &Pools<'_>) {
        while let Some((_, id)) = self.pop_highest() {
            drop(NetPkt::from_raw(pools, id));
        }
    }
}

impl<const CLASSES: usize, const DEPTH: usize> Default for TcQueues<CLASSES, DEPTH> {
    fn default() -> Self {
        Self::new()
    }
}

/// The RX queues of the configuration: `NET_TC_RX_COUNT` classes, `NET_PKT_RX_COUNT` deep.
pub type RxQueues =
    TcQueues<{ crate::config::CONFIG_NET_TC_RX_COUNT }, { crate::config::CONFIG_NET_PKT_RX_COUNT }>;

/// The TX queues of the configuration: `NET_TC_TX_COUNT` classes (0: packets are sent
/// synchronously, the queues stay unused), `NET_PKT_TX_COUNT` deep.
pub type TxQueues =
    TcQueues<{ crate::config::CONFIG_NET_TC_TX_COUNT }, { crate::config::CONFIG_NET_PKT_TX_COUNT }>;

#[cfg(feature = "std")]
mod waker {
    //! A generation counter with a condition variable ([`crate::notify::Notify`]): a push
    //! with no worker waiting costs one plain load, no lock and no system call.

    use crate::notify::{Notify, Waiter};

    /// Wakes the worker of one class.
    pub(super) struct Waker(Notify);

    impl Waker {
        pub(super) const fn new() -> Self {
            Self(Notify::new())
        }

        #[inline]
        pub(super) fn wake(&self) {
            self.0.notify();
        }

        /// Registers the worker, before its last look at the queue.
        pub(super) fn register(&self) -> Waiter<'_> {
            self.0.register()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buf::{Direction, PacketPools};

    #[test]
    fn tables_match_zephyr_doc() {
        // Rows copied by hand from zephyr.md §2.2 (net_tc_mapping.h).
        assert_eq!(STRICT[0], [0; 8]);
        assert_eq!(STRICT[1], [0, 0, 0, 0, 1, 1, 1, 1]);
        assert_eq!(STRICT[3], [0, 0, 1, 1, 2, 2, 3, 3]);
        assert_eq!(STRICT[5], [1, 0, 2, 2, 3, 3, 4, 5]);
        assert_eq!(STRICT[7], [1, 0, 2, 3, 4, 5, 6, 7]);
        assert_eq!(SR_CLASS_A_AND_B[1], [0, 0, 1, 1, 0, 0, 0, 0]);
        assert_eq!(SR_CLASS_A_AND_B[4], [0, 0, 3, 4, 1, 1, 2, 2]);
        assert_eq!(SR_CLASS_A_AND_B[7], [1, 0, 6, 7, 2, 3, 4, 5]);
        assert_eq!(SR_CLASS_B_ONLY[1], [0, 0, 1, 0, 0, 0, 0, 0]);
        assert_eq!(SR_CLASS_B_ONLY[6], [1, 0, 6, 2, 3, 3, 4, 5]);
        assert_eq!(SR_CLASS_B_ONLY[7], [1, 0, 7, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn every_class_is_in_range_and_tables_are_monotonic_in_use() {
        for table in [&STRICT, &SR_CLASS_A_AND_B, &SR_CLASS_B_ONLY] {
            for n in 0..=10 {
                for p in 0..=255u8 {
                    assert!(priority_to_class_with(table, p, n) < n.max(1));
                }
            }
            // With 8 classes every class is used exactly once.
            let mut seen = [false; 8];
            for p in 0..8 {
                seen[priority_to_class_with(table, p, 8)] = true;
            }
            assert!(seen.iter().all(|s| *s));
        }
    }

    #[test]
    fn priority_values_and_out_of_range() {
        assert_eq!(Priority::Background as u8, 1);
        assert_eq!(Priority::BestEffort as u8, 0);
        assert_eq!(Priority::NetworkControl as u8, 7);
        assert_eq!(Priority::from_u8(200), Priority::BestEffort);
        // Out-of-range priorities map like best effort (Zephyr).
        assert_eq!(priority_to_class_with(&STRICT, 9, 8), 1);
        assert_eq!(priority_to_class_with(&STRICT, 7, 0), 0);
        assert_eq!(priority_to_class_with(&STRICT, Priority::Voice as u8, 3), 1);
    }

    #[test]
    fn configured_mapping_is_used() {
        #[cfg(not(any(
            CONFIG_NET_TC_MAPPING_SR_CLASS_A_AND_B,
            CONFIG_NET_TC_MAPPING_SR_CLASS_B_ONLY
        )))]
        assert_eq!(priority_to_class(7, 8), 7);
        let (tx, rx) = (
            crate::config::CONFIG_NET_TC_TX_COUNT,
            crate::config::CONFIG_NET_TC_RX_COUNT,
        );
        assert!(tx_priority_to_class(7) <= tx.saturating_sub(1));
        assert!(rx_priority_to_class(7) <= rx.saturating_sub(1));
    }

    fn id(n: u16) -> PktId {
        PktId::from_u16(n)
    }

    #[test]
    fn pending_hint_follows_pushes_and_pops() {
        let q: TcQueues<2, 4> = TcQueues::new();
        assert!(!q.maybe_pending());
        assert_eq!(q.pop_highest(), None);
        q.push(0, id(1)).unwrap();
        q.push(1, id(2)).unwrap();
        assert!(q.maybe_pending());
        assert_eq!(q.pop_class(1), Some(id(2)));
        assert!(q.maybe_pending());
        // A failed push (no such class, or full) does not count.
        assert!(q.push(5, id(3)).is_err());
        assert_eq!(q.pop_highest(), Some((0, id(1))));
        assert!(!q.maybe_pending());
        for n in 0..4 {
            q.push(0, id(n)).unwrap();
        }
        assert!(q.push(0, id(9)).is_err());
        for n in 0..4 {
            assert_eq!(q.pop_highest(), Some((0, id(n))));
        }
        assert!(!q.maybe_pending());
        assert_eq!(q.pop_class(0), None);
    }

    #[test]
    fn higher_class_overtakes_backlog() {
        let q: TcQueues<4, 16> = TcQueues::new();
        for n in 0..10 {
            q.push(0, id(n)).unwrap();
        }
        q.push(1, id(100)).unwrap();
        assert_eq!(q.pop_highest(), Some((1, id(100))));
        assert_eq!(q.pop_highest(), Some((0, id(0))));
        q.push(3, id(300)).unwrap();
        q.push(2, id(200)).unwrap();
        q.push(3, id(301)).unwrap();
        assert_eq!(q.pop_highest(), Some((3, id(300))));
        assert_eq!(q.pop_highest(), Some((3, id(301))));
        assert_eq!(q.pop_highest(), Some((2, id(200))));
        for n in 1..10 {
            assert_eq!(q.pop_highest(), Some((0, id(n))), "FIFO within a class");
        }
        assert_eq!(q.pop_highest(), None);
        assert!(q.is_empty());
        assert_eq!(q.stats(0).queued, 10);
        assert_eq!(q.stats(0).high_water, 10);
    }

    #[test]
    fn full_queue_drops_and_counts() {
        let q: TcQueues<2, 3> = TcQueues::new();
        for n in 0..3 {
            q.push(1, id(n)).unwrap();
        }
        assert_eq!(q.push(1, id(9)), Err(QueueFull(id(9))));
        assert_eq!(q.push(5, id(8)), Err(QueueFull(id(8))), "no such class");
        assert_eq!(q.stats(1).dropped, 1);
        assert_eq!(q.len(1), 3);
        // Wrap around the ring.
        for round in 0..5u16 {
            assert_eq!(q.pop_class(1), Some(id(round)));
            q.push(1, id(round + 3)).unwrap();
        }
        assert_eq!(q.len(1), 3);
        assert_eq!(q.pop_class(0), None);
        assert_eq!(q.pop_class(7), None);
    }

    #[test]
    fn zero_classes_and_zero_depth_never_panic() {
        let q: TcQueues<0, 4> = TcQueues::new();
        assert!(q.push(0, id(1)).is_err());
        assert_eq!(q.pop_highest(), None);
        let q: TcQueues<2, 0> = TcQueues::new();
        assert!(q.push(0, id(1)).is_err());
        assert_eq!(q.pop_highest(), None);
        assert_eq!(q.stats(0).dropped, 1);
    }

    #[test]
    fn queued_packets_round_trip_and_clear_frees_them() {
        let storage: PacketPools<4, 4, 8, 8, 64> = PacketPools::new();
        let pools = storage.pools();
        let q: TcQueues<2, 4> = TcQueues::new();
        for n in 0..4u8 {
            let mut p = pools.alloc_rx(10, 0).unwrap();
            p.append(&[n; 10]).unwrap();
            p.meta_mut().priority = if n == 3 { 7 } else { 0 };
            let class = priority_to_class_with(&STRICT, p.meta().priority, 2);
            q.push(class, p.into_raw()).unwrap();
        }
        let (class, first) = q.pop_highest().unwrap();
        assert_eq!(class, 1);
        let p = NetPkt::from_raw(&pools, first).unwrap();
        assert_eq!(p.first_chunk(), &[3; 10]);
        assert_eq!(p.direction(), Direction::Rx);
        drop(p);
        q.clear(&pools);
        assert!(q.is_empty());
        assert_eq!(pools.stats().rx_pkts.allocated, 0);
        assert_eq!(pools.stats().rx_bufs.allocated, 0);
    }

    #[cfg(feature = "std")]
    #[test]
    fn worker_waits_for_its_class() {
        use std::time::Duration;
        static Q: TcQueues<2, 8> = TcQueues::new();
        assert_eq!(Q.pop_class_timeout(1, Duration::from_millis(10)), None);
        let worker = std::thread::Builder::new()
            .name("rx_q[1]".into())
            .spawn(|| Q.pop_class_timeout(1, Duration::from_secs(10)))
            .unwrap();
        std::thread::sleep(Duration::from_millis(20));
        Q.push(0, id(1)).unwrap();
        Q.push(1, id(2)).unwrap();
        assert_eq!(worker.join().unwrap(), Some(id(2)));
        assert_eq!(Q.pop_class_timeout(0, Duration::ZERO), Some(id(1)));
    }
}
