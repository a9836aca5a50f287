//! The stack instance and its data paths (Zephyr's `net_core.c`).
//!
//! RX: driver → [`RxPath::alloc_rx`] (RX pool) → [`RxPath::recv`] (priority → RX
//! traffic-class queue) → a worker or [`Stack::poll`] → [`Stack::process_rx`] (L2 →
//! interface statistics → L3 → L4 → socket queue) → the application.
//!
//! TX: the application's data is copied into a TX packet → L4 header → L3 header →
//! `Stack::send_ip` (interface and route checks) → TX traffic-class queue (when
//! `NET_TC_TX_COUNT > 0`) → L2 (link-address resolution, header) → [`Driver::send`].

use core::cell::RefCell;
use core::sync::atomic::{AtomicBool, AtomicU16, Ordering};

use critical_section::Mutex;

use crate::buf::{NetPkt, PktError, Pools};
use crate::drivers::{Driver, LinkAddr, RxPath};
use crate::ip::tc::{RxQueues, TxQueues};
use crate::net_if::{IfError, IfFlags, OperState};

/// The TCP connection table of an instance (see [`crate::ip::tcp::table`]).
#[cfg(CONFIG_NET_TCP)]
pub use crate::ip::tcp::table::TcpTable;

/// The TCP connection table of an instance: empty, because `NET_TCP` is off.
#[cfg(not(CONFIG_NET_TCP))]
#[derive(Debug, Default)]
pub struct TcpTable;

#[cfg(not(CONFIG_NET_TCP))]
impl TcpTable {
    /// The empty table.
    pub const fn new() -> TcpTable {
        TcpTable
    }
}

/// Milliseconds since some fixed start; the stack's only notion of time.
pub trait Clock: Sync {
    /// The current time in milliseconds. Must not go backwards.
    fn now_ms(&self) -> u64;

    /// The current time in microseconds, for the processing-time statistics
    /// (`NET_PKT_RXTIME_STATS`/`TXTIME_STATS`). Clocks without a finer source keep the
    /// default.
    fn now_us(&self) -> u64 {
        self.now_ms().saturating_mul(1000)
    }
}

/// The host clock (`std`).
#[cfg(feature = "std")]
#[derive(Debug)]
pub struct StdClock {
    start: std::sync::OnceLock<std::time::Instant>,
}

#[cfg(feature = "std")]
impl StdClock {
    /// A clock that starts at its first reading.
    pub const fn new() -> StdClock {
        StdClock {
            start: std::sync::OnceLock::new(),
        }
    }
}

#[cfg(feature = "std")]
impl Default for StdClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "std")]
impl Clock for StdClock {
    fn now_ms(&self) -> u64 {
        let start = self.start.get_or_init(std::time::Instant::now);
        u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn now_us(&self) -> u64 {
        let start = self.start.get_or_init(std::time::Instant::now);
        u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// The link layer an interface runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L2Kind {
    /// Ethernet II with ARP (IPv4) and neighbor discovery (IPv6).
    #[cfg(CONFIG_NET_L2_ETHERNET)]
    Ethernet,
    /// No link header: IP packets as they are (loopback).
    Dummy,
}

/// What an L2 tells the core after looking at a received packet (Zephyr's `net_verdict`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Consumed: handed on or answered.
    Ok,
    /// Dropped (and counted by whoever dropped it).
    Drop,
}

/// The mutable state of an interface.
#[derive(Debug)]
pub struct IfState {
    /// Flags.
    pub flags: IfFlags,
    /// RFC 2863 state.
    pub oper: OperState,
    /// L3 MTU.
    pub mtu: u16,
    /// Link-layer address.
    pub link_addr: LinkAddr,
    /// IPv4 block (absent beyond `NET_IF_MAX_IPV4_COUNT` interfaces).
    #[cfg(CONFIG_NET_IPV4)]
    pub ipv4: Option<crate::net_if::IfIpv4>,
    /// IPv6 block (absent beyond `NET_IF_MAX_IPV6_COUNT` interfaces).
    #[cfg(CONFIG_NET_IPV6)]
    pub ipv6: Option<crate::net_if::IfIpv6>,
}

impl IfState {
    /// The state in `slot`, built first if the interface has not been used yet. Out of
    /// line and not generic, so that the many inlined [`Iface::with`] calls each cost a
    /// call, not a copy of the initialization.
    #[inline(never)]
    fn get(slot: &mut crate::slot::Slot<IfState>, index: usize) -> &mut IfState {
        slot.get_or_insert_with(|| IfState::initial(index))
    }

    /// The state of a new interface: down, with no addresses yet. `index` decides whether
    /// it gets IPv4/IPv6 blocks (the first `NET_IF_MAX_IPV*_COUNT` do).
    fn initial(index: usize) -> IfState {
        let _ = index;
        IfState {
            flags: IfFlags(0),
            oper: OperState::Down,
            mtu: 0,
            link_addr: LinkAddr::NONE,
            #[cfg(CONFIG_NET_IPV4)]
            ipv4: if index < crate::config::CONFIG_NET_IF_MAX_IPV4_COUNT {
                Some(crate::net_if::IfIpv4::new())
            } else {
                None
            },
            #[cfg(CONFIG_NET_IPV6)]
            ipv6: if index < crate::config::CONFIG_NET_IF_MAX_IPV6_COUNT {
                Some(crate::net_if::IfIpv6::new())
            } else {
                None
            },
        }
    }
}

/// One network interface: a driver, its L2, and a reference to its mutable
/// [`IfaceState`].
///
/// `Iface` has no interior mutability, so the interface array `static` is immutable data
/// in flash (`.rodata`); the state is a separate all-zero `static` (`.bss`). It
/// dereferences to its state (`iface.stats`).
pub struct Iface {
    /// Name, e.g. `eth0`.
    pub name: &'static str,
    /// The device.
    pub driver: &'static dyn Driver,
    /// The link layer.
    pub l2: L2Kind,
    index: usize,
    state: &'static IfaceState,
}

/// The mutable part of an [`Iface`]: its [`IfState`] and statistics.
///
/// [`IfaceState::new`] is all zero bytes, so its `static` (which `net_stack!` declares as
/// `NAME::__NET_IFACE_STATE`) goes to `.bss` and costs no flash. The [`IfState`], whose
/// defaults are not zero (operational state, TTL, hop limit, neighbor timers), is built on
/// first use (at the latest when the stack starts), exactly as [`Iface::new`] used to build
/// it.
pub struct IfaceState {
    state: Mutex<RefCell<crate::slot::Slot<IfState>>>,
    /// This interface's statistics (`NET_STATISTICS_PER_INTERFACE`): every event of the
    /// interface, counted once here ([`Stack::stats`] adds them into the totals).
    #[cfg(all(CONFIG_NET_STATISTICS, CONFIG_NET_STATISTICS_PER_INTERFACE))]
    pub stats: crate::ip::stats::NetStats,
}

impl Default for IfaceState {
    fn default() -> Self {
        Self::new()
    }
}

impl IfaceState {
    /// The state of an interface not used yet (usable in `static`s; all zero bytes).
    pub const fn new() -> IfaceState {
        IfaceState {
            state: Mutex::new(RefCell::new(crate::slot::Slot::Free)),
            #[cfg(all(CONFIG_NET_STATISTICS, CONFIG_NET_STATISTICS_PER_INTERFACE))]
            stats: crate::ip::stats::NetStats::new(),
        }
    }
}

/// `iface.stats`: the state's public fields read as the interface's own, as they did
/// before the state moved to its own `static` (see [`Iface`]).
impl core::ops::Deref for Iface {
    type Target = IfaceState;

    fn deref(&self) -> &IfaceState {
        self.state
    }
}

impl Iface {
    /// An interface over `state`, down, with no addresses yet (usable in `static`s).
    /// `index` is its place in the stack's interface array and decides whether it gets
    /// IPv4/IPv6 blocks (the first `NET_IF_MAX_IPV*_COUNT` do). Each interface needs its
    /// own `state`.
    pub const fn new(
        name: &'static str,
        driver: &'static dyn Driver,
        l2: L2Kind,
        index: usize,
        state: &'static IfaceState,
    ) -> Iface {
        Iface {
            name,
            driver,
            l2,
            index,
            state,
        }
    }

    /// Runs `f` on the interface state.
    pub fn with<R>(&self, f: impl FnOnce(&mut IfState) -> R) -> R {
        critical_section::with(|cs| self.with_in(cs, f))
    }

    /// [`with`](Self::with) inside a critical section the caller holds.
    pub(crate) fn with_in<R>(
        &self,
        cs: critical_section::CriticalSection<'_>,
        f: impl FnOnce(&mut IfState) -> R,
    ) -> R {
        f(IfState::get(
            &mut self.state.state.borrow_ref_mut(cs),
            self.index,
        ))
    }

    /// True when the interface is operationally up.
    pub fn is_up(&self) -> bool {
        self.with(|s| s.oper == OperState::Up)
    }

    /// The link-layer address.
    pub fn link_addr(&self) -> LinkAddr {
        self.with(|s| s.link_addr)
    }

    /// The L3 MTU.
    pub fn mtu(&self) -> u16 {
        self.with(|s| s.mtu)
    }
}

/// Headroom reserved in TX packets: the largest L2 header (Ethernet with a VLAN tag) plus
/// the largest IP header the stack emits plus the largest transport header.
pub const TX_HEADROOM: usize = 18 + 40 + 20;

/// Packets [`Stack::poll`] may process between two looks at the clock.
pub const TIMER_CHECK_EVERY: u32 = 32;

/// Received packets after which a receive batch ends even if more wait: TCP then sends
/// what it held back for the batch (`Stack::after_rx`). 16 full segments is about the
/// burst a Linux receiver's GRO merges into one ACK.
pub const RX_BATCH_MAX: usize = 16;

/// How long (ms) between two runs of the periodic work (ARP/ND timers, expiry).
pub const TIMER_TICK_MS: u64 = 100;

/// The network stack: pools, interfaces, clock, TCP table and the mutable
/// [`StackState`], each a separate `static` the stack refers to.
///
/// `Stack` holds only `&'static` references and no interior mutability, so a
/// `static NET: Stack` is immutable data in flash (`.rodata`, a few dozen bytes), while
/// everything that changes lives in the all-zero [`StackState`] (`.bss`, RAM only): the
/// instance costs no flash for initialized data. It dereferences to its state
/// (`NET.stats`, `NET.mgmt`).
pub struct Stack {
    /// The handle of the pools, made once in `const` context (`Stack::new(&POOLS.pools(),
    /// ..)` in a `static` puts it in flash): packets refer to it, so it must be `'static`.
    pub(crate) pools: &'static Pools<'static>,
    pub(crate) ifaces: &'static [Iface],
    pub(crate) clock: &'static dyn Clock,
    #[cfg(CONFIG_NET_TCP)]
    pub(crate) tcp: &'static TcpTable,
    state: &'static StackState,
}

/// The mutable state of a [`Stack`]: queues, caches, sockets, statistics, events and
/// the timer bookkeeping.
///
/// [`StackState::new`] is all zero bytes, so its `static` (which `net_stack!` declares as
/// `NAME::__NET_STATE`) goes to `.bss` and costs no flash. Keep it so when adding a
/// field: a free table slot is a `Slot::Free` (tag 0, `crate::slot`), not an `Option`
/// whose `None` may be a non-zero niche value, and counters start at 0.
/// `net-config/tests/size.rs` checks the firmware's `.data` for it.
pub struct StackState {
    pub(crate) rx_queues: RxQueues,
    #[cfg_attr(CONFIG_NET_TC_TX_COUNT = "0", allow(dead_code))]
    pub(crate) tx_queues: TxQueues,
    #[cfg(CONFIG_NET_ARP)]
    pub(crate) arp: crate::l2::ethernet::arp::ArpCache,
    #[cfg(CONFIG_NET_IPV6)]
    pub(crate) nbr: crate::ip::ipv6::nbr::NbrCache,
    pub(crate) conns: crate::lib::sockets::ConnTable,
    /// The counters of events that belong to no interface (all events without
    /// `NET_STATISTICS_PER_INTERFACE`); read the totals with [`Stack::stats`].
    #[cfg(CONFIG_NET_STATISTICS)]
    pub(crate) stats: crate::ip::stats::NetStats,
    /// The traffic classes' counters (one set: the queues are the stack's).
    #[cfg(CONFIG_NET_STATISTICS)]
    pub(crate) tc_stats: crate::ip::stats::TrafficClassStats,
    /// Management events.
    #[cfg(CONFIG_NET_MGMT_EVENT)]
    pub mgmt: crate::ip::mgmt::ConfiguredMgmt,
    pub(crate) started: AtomicBool,
    /// The next IPv4 identification (any start value is valid; 0 keeps the state zero).
    #[cfg_attr(not(CONFIG_NET_IPV4), allow(dead_code))]
    pub(crate) ipv4_ident: AtomicU16,
    pub(crate) last_tick: Mutex<core::cell::Cell<u64>>,
    since_timer_check: core::sync::atomic::AtomicU32,
    /// A copy of `last_tick` for a lock-free "not due yet" check where 64-bit atomics
    /// exist (0: look under the lock). Elsewhere the check takes the critical section,
    /// which on a single core only masks interrupts.
    #[cfg(target_has_atomic = "64")]
    last_tick_hint: core::sync::atomic::AtomicU64,
}

impl Default for StackState {
    fn default() -> Self {
        Self::new()
    }
}

impl StackState {
    /// Empty queues, caches and tables, zeroed statistics, not started (usable in
    /// `static`s; all zero bytes).
    pub const fn new() -> StackState {
        StackState {
            rx_queues: RxQueues::new(),
            tx_queues: TxQueues::new(),
            #[cfg(CONFIG_NET_ARP)]
            arp: crate::l2::ethernet::arp::ArpCache::new(),
            #[cfg(CONFIG_NET_IPV6)]
            nbr: crate::ip::ipv6::nbr::NbrCache::new(),
            conns: crate::lib::sockets::ConnTable::new(),
            #[cfg(CONFIG_NET_STATISTICS)]
            stats: crate::ip::stats::NetStats::new(),
            #[cfg(CONFIG_NET_STATISTICS)]
            tc_stats: crate::ip::stats::TrafficClassStats::new(),
            #[cfg(CONFIG_NET_MGMT_EVENT)]
            mgmt: crate::ip::mgmt::ConfiguredMgmt::new(),
            started: AtomicBool::new(false),
            ipv4_ident: AtomicU16::new(0),
            last_tick: Mutex::new(core::cell::Cell::new(0)),
            since_timer_check: core::sync::atomic::AtomicU32::new(0),
            #[cfg(target_has_atomic = "64")]
            last_tick_hint: core::sync::atomic::AtomicU64::new(0),
        }
    }
}

/// `stack.stats`, `stack.arp`, ...: the state's fields read as the stack's own, as they
/// were before the state moved to its own `static` (the split keeps `Stack` free of
/// interior mutability, so that its `static` is flash-only, without changing how the
/// stack and its users name the state).
impl core::ops::Deref for Stack {
    type Target = StackState;

    fn deref(&self) -> &StackState {
        self.state
    }
}

impl Stack {
    /// A stack over the given pools, interfaces, clock, TCP connection table and state
    /// (usable in `static`s; pass the pools as `&POOLS.pools()`, which a `static`'s
    /// initializer keeps for the program's life). The table and the state are separate
    /// `static`s so that they stay all zero (in `.bss`) and the `Stack` itself immutable
    /// (in `.rodata`); without `NET_TCP` the table is empty.
    pub const fn new(
        pools: &'static Pools<'static>,
        ifaces: &'static [Iface],
        clock: &'static dyn Clock,
        tcp: &'static TcpTable,
        state: &'static StackState,
    ) -> Stack {
        #[cfg(not(CONFIG_NET_TCP))]
        let _ = tcp;
        Stack {
            pools,
            ifaces,
            clock,
            #[cfg(CONFIG_NET_TCP)]
            tcp,
            state,
        }
    }

    /// The pools.
    pub fn pools(&self) -> &'static Pools<'static> {
        self.pools
    }

    /// The interfaces.
    pub fn ifaces(&self) -> &'static [Iface] {
        self.ifaces
    }

    /// The interface with this index.
    pub fn iface(&self, index: u8) -> Option<&'static Iface> {
        self.ifaces.get(usize::from(index))
    }

    /// The default interface (`NET_DEFAULT_IF_FIRST`: the first one).
    pub fn default_iface(&self) -> Option<u8> {
        (!self.ifaces.is_empty()).then_some(0)
    }

    /// Milliseconds on the stack's clock.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// The counters an event of interface `iface` goes to: the interface's with
    /// `NET_STATISTICS_PER_INTERFACE`, else (or for an index with no interface) the
    /// stack's own. [`stats`](Self::stats) adds them all up.
    // Out of line: some fifty counting sites would each inline the interface lookup
    // (188 bytes on Cortex-M3), and a call costs the host benchmarks nothing measurable.
    #[cfg(CONFIG_NET_STATISTICS)]
    #[inline(never)]
    pub(crate) fn stats_for(&self, iface: u8) -> &crate::ip::stats::NetStats {
        #[cfg(CONFIG_NET_STATISTICS_PER_INTERFACE)]
        if let Some(i) = self.iface(iface) {
            return &i.stats;
        }
        let _ = iface;
        &self.state.stats
    }

    /// The stack's statistics totals (Zephyr's global `net_stats`): the events of every
    /// interface plus those that belong to none. Each interface's own counters are in
    /// its `stats` ([`IfaceState`]).
    #[cfg(CONFIG_NET_STATISTICS)]
    pub fn stats(&self) -> crate::ip::stats::NetStatsSnapshot {
        let mut total = self.state.stats.snapshot();
        #[cfg(CONFIG_NET_STATISTICS_PER_INTERFACE)]
        for iface in self.ifaces {
            total.accumulate(&iface.stats.snapshot());
        }
        total
    }

    /// The traffic classes' counters (Zephyr's `net_stats.tc`): packets, bytes and queue
    /// drops per RX and TX class.
    #[cfg(CONFIG_NET_STATISTICS)]
    pub fn tc_stats(&self) -> crate::ip::stats::TrafficClassSnapshot {
        self.state.tc_stats.snapshot()
    }

    /// Sets every statistics counter to zero: the stack's, the traffic classes' and every
    /// interface's, so that [`stats`](Self::stats) starts again from zero.
    #[cfg(CONFIG_NET_STATISTICS)]
    pub fn reset_stats(&self) {
        self.state.stats.reset();
        self.state.tc_stats.reset();
        #[cfg(CONFIG_NET_STATISTICS_PER_INTERFACE)]
        for iface in self.ifaces {
            iface.stats.reset();
        }
    }

    /// Raises a management event.
    #[allow(unused_variables)]
    pub(crate) fn event(&self, code: u32, iface: u8, info: crate::ip::mgmt::EventInfo) {
        #[cfg(CONFIG_NET_MGMT_EVENT)]
        self.mgmt.notify(code, iface, info);
    }

    /// Starts every driver and takes the interfaces up; applies the static addresses of
    /// `NET_CONFIG_SETTINGS`. Call once, after the `static` is in place.
    pub fn start(&'static self) -> Result<(), IfError> {
        self.start_bare()?;
        #[cfg(CONFIG_NET_CONFIG_SETTINGS)]
        crate::lib::config::apply(self)?;
        Ok(())
    }

    /// Like [`Stack::start`], but without the static addresses of `NET_CONFIG_SETTINGS`
    /// (for tests and applications that configure addresses themselves).
    pub fn start_bare(&'static self) -> Result<(), IfError> {
        // A critical section rather than `swap`: Cortex-M0 has no compare-and-swap.
        let already = critical_section::with(|_| {
            let was = self.started.load(Ordering::Acquire);
            self.started.store(true, Ordering::Release);
            was
        });
        if already {
            return Ok(());
        }
        #[cfg(CONFIG_NET_TCP)]
        self.seed_tcp_secret();
        for (i, iface) in self.ifaces.iter().enumerate() {
            let idx = u8::try_from(i).map_err(|_| IfError::NoInterface)?;
            iface.with(|s| {
                s.link_addr = iface.driver.link_addr();
                s.mtu = iface.driver.mtu();
            });
            if iface.driver.start(self, idx).is_err() {
                continue;
            }
            self.if_up(idx)?;
        }
        Ok(())
    }

    /// Takes an interface administratively up (`net_if_up`). It becomes operationally up
    /// when the driver has carrier; IPv6 then gets its link-local address.
    pub fn if_up(&self, index: u8) -> Result<(), IfError> {
        let iface = self.iface(index).ok_or(IfError::NoInterface)?;
        let carrier = iface.driver.carrier();
        let (was, now) = iface.with(|s| {
            let was = s.oper;
            s.flags.set(IfFlags::UP, true);
            s.flags.set(IfFlags::LOWER_UP, carrier);
            s.oper = OperState::from_flags(s.flags);
            s.flags.set(IfFlags::RUNNING, s.oper == OperState::Up);
            (was, s.oper)
        });
        self.event(
            crate::ip::mgmt::NET_EVENT_IF_ADMIN_UP,
            index,
            crate::ip::mgmt::EventInfo::None,
        );
        if was != OperState::Up && now == OperState::Up {
            self.event(
                crate::ip::mgmt::NET_EVENT_IF_UP,
                index,
                crate::ip::mgmt::EventInfo::None,
            );
            #[cfg(CONFIG_NET_IPV6)]
            crate::ip::ipv6::iface_up(self, index);
        }
        Ok(())
    }

    /// Takes an interface administratively down (`net_if_down`).
    pub fn if_down(&self, index: u8) -> Result<(), IfError> {
        let iface = self.iface(index).ok_or(IfError::NoInterface)?;
        let was = iface.with(|s| {
            let was = s.oper;
            s.flags.set(IfFlags::UP, false);
            s.flags.set(IfFlags::RUNNING, false);
            s.oper = OperState::from_flags(s.flags);
            was
        });
        self.event(
            crate::ip::mgmt::NET_EVENT_IF_ADMIN_DOWN,
            index,
            crate::ip::mgmt::EventInfo::None,
        );
        if was == OperState::Up {
            self.event(
                crate::ip::mgmt::NET_EVENT_IF_DOWN,
                index,
                crate::ip::mgmt::EventInfo::None,
            );
        }
        Ok(())
    }

    /// Records a carrier change reported by a driver (`net_if_carrier_on/off`).
    pub fn carrier(&self, index: u8, on: bool) {
        let Some(iface) = self.iface(index) else {
            return;
        };
        let (was, now) = iface.with(|s| {
            let was = s.oper;
            s.flags.set(IfFlags::LOWER_UP, on);
            s.oper = OperState::from_flags(s.flags);
            s.flags.set(IfFlags::RUNNING, s.oper == OperState::Up);
            (was, s.oper)
        });
        if was != now {
            let code = if now == OperState::Up {
                crate::ip::mgmt::NET_EVENT_IF_UP
            } else {
                crate::ip::mgmt::NET_EVENT_IF_DOWN
            };
            self.event(code, index, crate::ip::mgmt::EventInfo::None);
            #[cfg(CONFIG_NET_IPV6)]
            if now == OperState::Up {
                crate::ip::ipv6::iface_up(self, index);
            }
        }
    }

    /// Processes queued RX and TX packets (highest traffic class first) and due timers;
    /// returns how many packets were processed. The bare-metal main loop calls this; on
    /// `std` the workers of [`Stack::spawn_workers`] do the same work.
    pub fn poll(&self) -> usize {
        let mut n = 0;
        let mut batch = 0;
        loop {
            let mut did = false;
            // Pop and take back under one critical section (the inner ones nest).
            let next = if self.rx_queues.maybe_pending() {
                critical_section::with(|_| {
                    let (_, id) = self.rx_queues.pop_highest()?;
                    NetPkt::from_raw(self.pools, id)
                })
            } else {
                None
            };
            if let Some(pkt) = next {
                self.process_rx(pkt);
                self.after_rx(&mut batch);
                did = true;
            }
            #[cfg(not(CONFIG_NET_TC_TX_COUNT = "0"))]
            if let Some((_, id)) = self.tx_queues.pop_highest()
                && let Some(pkt) = NetPkt::from_raw(self.pools, id)
            {
                self.process_tx(pkt);
                did = true;
            }
            if !did {
                break;
            }
            n += 1;
        }
        // Reading the clock costs as much as a small packet: under load, look at the
        // timers every TIMER_CHECK_EVERY packets; when idle, every call.
        let since = self
            .since_timer_check
            .load(Ordering::Relaxed)
            .saturating_add(n as u32);
        if n == 0 || since >= TIMER_CHECK_EVERY {
            self.since_timer_check.store(0, Ordering::Relaxed);
            self.run_timers();
        } else {
            self.since_timer_check.store(since, Ordering::Relaxed);
        }
        n
    }

    /// Runs the periodic work when a tick is due, and the TCP timers when one is due.
    pub fn run_timers(&self) {
        let now = self.now_ms();
        // TCP timers (delayed ACK, retransmission) need better than the tick's
        // resolution: they keep their own deadline.
        #[cfg(CONFIG_NET_TCP)]
        crate::ip::tcp::io::timers(self, now);
        #[cfg(target_has_atomic = "64")]
        {
            let hint = self.last_tick_hint.load(Ordering::Relaxed);
            if hint != 0 && now.saturating_sub(hint) < TIMER_TICK_MS {
                return;
            }
        }
        let due = critical_section::with(|cs| {
            let last = self.last_tick.borrow(cs);
            if now.saturating_sub(last.get()) >= TIMER_TICK_MS || last.get() == 0 {
                last.set(now.max(1));
                #[cfg(target_has_atomic = "64")]
                self.last_tick_hint.store(now.max(1), Ordering::Relaxed);
                true
            } else {
                false
            }
        });
        if !due {
            return;
        }
        #[cfg(CONFIG_NET_ARP)]
        crate::l2::ethernet::arp::timers(self, now);
        #[cfg(CONFIG_NET_IPV6)]
        crate::ip::ipv6::timers(self, now);
    }

    /// Whether received frames wait in the RX queues: a protocol may then hold back its
    /// answer to the current packet, to answer the whole batch at once when the queues run
    /// empty (TCP's cumulative ACK, `tcp::io::flush_deferred`). Always false without RX
    /// queues (`NET_TC_RX_COUNT=0`: nothing is ever queued), where the driver's context
    /// runs each frame to the end.
    #[cfg(CONFIG_NET_TCP)]
    #[inline]
    pub(crate) fn rx_backlog(&self) -> bool {
        self.rx_queues.maybe_pending()
    }

    /// Called after each packet taken from the RX queues: ends the receive batch, so that
    /// what TCP held back for it goes out, when the queues have run empty, or after
    /// [`RX_BATCH_MAX`] packets, so that a queue kept busy by other traffic cannot hold an
    /// ACK back for long.
    #[inline]
    #[allow(unused_variables)]
    fn after_rx(&self, batch: &mut usize) {
        #[cfg(CONFIG_NET_TCP)]
        {
            *batch += 1;
            if *batch >= RX_BATCH_MAX || !self.rx_backlog() {
                *batch = 0;
                crate::ip::tcp::io::flush_deferred(self);
            }
        }
    }

    /// One received packet through L2, L3 and L4.
    pub fn process_rx(&self, pkt: NetPkt<'static>) {
        let index = pkt.meta().iface;
        let Some(iface) = self.iface(index) else {
            return;
        };
        #[cfg(CONFIG_NET_PKT_RXTIME_STATS)]
        let start = pkt.meta().timestamp;
        // The interface's state with what Ethernet needs (our MAC, PROMISC): one critical
        // section.
        let (up, _mac, _promisc) = iface.with(|s| {
            (
                s.oper == OperState::Up,
                s.link_addr.mac(),
                s.flags.contains(IfFlags::PROMISC),
            )
        });
        if !up {
            #[cfg(CONFIG_NET_STATISTICS)]
            crate::stat_inc!(self.stats_for(index), processing_error);
            return;
        }
        let _verdict = match iface.l2 {
            #[cfg(CONFIG_NET_L2_ETHERNET)]
            L2Kind::Ethernet => crate::l2::ethernet::recv(self, index, pkt, _mac, _promisc),
            L2Kind::Dummy => crate::l2::dummy::recv(self, index, pkt),
        };
        #[cfg(CONFIG_NET_PKT_RXTIME_STATS)]
        {
            let spent = (self.clock.now_us() as u32).wrapping_sub(start);
            crate::stat_add!(self.stats_for(index), rx_time.sum_us, spent);
            crate::stat_inc!(self.stats_for(index), rx_time.count);
        }
    }

    /// Hands an IP packet (L3 header in place) to the interface: through the TX traffic
    /// class queue when there is one, else straight to L2.
    #[cfg_attr(not(CONFIG_NET_IPV6), allow(dead_code))]
    pub(crate) fn send_ip(&self, pkt: NetPkt<'static>) -> Result<(), crate::lib::sockets::Errno> {
        let index = pkt.meta().iface;
        let iface = self
            .iface(index)
            .ok_or(crate::lib::sockets::Errno::ENETUNREACH)?;
        let up = iface.is_up();
        self.send_ip_up(pkt, up)
    }

    /// `Stack::send_ip` with the interface's state already read (`up`), by a caller that
    /// read it together with the route.
    // One of two cfg'd tails ends the function, so the `return` is needed in one build.
    #[allow(clippy::needless_return)]
    pub(crate) fn send_ip_up(
        &self,
        pkt: NetPkt<'static>,
        up: bool,
    ) -> Result<(), crate::lib::sockets::Errno> {
        use crate::lib::sockets::Errno;
        if self.iface(pkt.meta().iface).is_none() {
            return Err(Errno::ENETUNREACH);
        }
        if !up {
            return Err(Errno::ENETDOWN);
        }
        #[cfg(not(CONFIG_NET_TC_TX_COUNT = "0"))]
        {
            let class = crate::ip::tc::tx_priority_to_class(pkt.meta().priority);
            let len = pkt.len();
            return match self.tx_queues.push(class, pkt.into_raw()) {
                Ok(()) => {
                    #[cfg(CONFIG_NET_STATISTICS)]
                    if let Some(s) = self.tc_stats.sent.get(class) {
                        s.pkts.inc();
                        s.bytes.add(len as u32);
                    }
                    let _ = len;
                    Ok(())
                }
                Err(crate::ip::tc::QueueFull(id)) => {
                    drop(NetPkt::from_raw(self.pools, id));
                    #[cfg(CONFIG_NET_STATISTICS)]
                    if let Some(s) = self.tc_stats.sent.get(class) {
                        s.dropped.inc();
                    }
                    Err(Errno::ENOBUFS)
                }
            };
        }
        #[cfg(CONFIG_NET_TC_TX_COUNT = "0")]
        {
            self.process_tx(pkt);
            Ok(())
        }
    }

    /// The L2 part of the TX path: resolves the link address and gives the frame to the
    /// driver (or parks the packet until resolution completes).
    pub(crate) fn process_tx(&self, pkt: NetPkt<'static>) {
        let index = pkt.meta().iface;
        let Some(iface) = self.iface(index) else {
            return;
        };
        #[cfg(CONFIG_NET_PKT_TXTIME_STATS)]
        let start = pkt.meta().timestamp;
        match iface.l2 {
            #[cfg(CONFIG_NET_L2_ETHERNET)]
            L2Kind::Ethernet => crate::l2::ethernet::send(self, index, pkt),
            L2Kind::Dummy => crate::l2::dummy::send(self, index, pkt),
        }
        // From allocation to the driver (a packet parked for address resolution is
        // counted when it is parked).
        #[cfg(CONFIG_NET_PKT_TXTIME_STATS)]
        {
            let spent = (self.clock.now_us() as u32).wrapping_sub(start);
            crate::stat_add!(self.stats_for(index), tx_time.sum_us, spent);
            crate::stat_inc!(self.stats_for(index), tx_time.count);
        }
    }

    /// Allocates a TX packet for `len` bytes of payload behind all headers.
    pub(crate) fn alloc_tx(&self, len: usize) -> Result<NetPkt<'static>, PktError> {
        self.alloc_tx_headroom(len, TX_HEADROOM)
    }

    /// Allocates a TX packet for `len` bytes of payload behind `headroom` bytes.
    // Out of line: a dozen protocol paths allocate, and inlined each one re-derived the
    // pools' addresses and sizes (about 40 bytes of Cortex-M code per site).
    #[inline(never)]
    pub(crate) fn alloc_tx_headroom(
        &self,
        len: usize,
        headroom: usize,
    ) -> Result<NetPkt<'static>, PktError> {
        self.account_tx_alloc(self.pools.alloc_tx(len, headroom))
    }

    /// Counts a failed TX allocation and stamps a successful one (time statistics).
    #[inline(always)]
    fn account_tx_alloc(
        &self,
        #[allow(unused_mut)] mut r: Result<NetPkt<'static>, PktError>,
    ) -> Result<NetPkt<'static>, PktError> {
        #[cfg(CONFIG_NET_STATISTICS)]
        if r.is_err() {
            self.stats.processing_error.inc();
        }
        #[cfg(CONFIG_NET_PKT_TXTIME_STATS)]
        if let Ok(p) = r.as_mut() {
            p.meta_mut().timestamp = self.clock.now_us() as u32;
        }
        r
    }

    /// Whether a TX packet of `len` bytes could ever be allocated: the whole TX pool holds
    /// enough blocks for it.
    #[cfg(feature = "std")]
    pub(crate) fn tx_pool_can_hold(&self, len: usize) -> bool {
        let block = self.pools.block_size().max(1);
        (len + TX_HEADROOM).div_ceil(block) <= self.pools.stats().tx_bufs.capacity
    }

    /// Like [`Self::alloc_tx`], but waits up to `timeout` for packets to be freed (a
    /// blocking socket's send).
    #[cfg(feature = "std")]
    pub(crate) fn alloc_tx_waiting(
        &self,
        len: usize,
        timeout: core::time::Duration,
    ) -> Result<NetPkt<'static>, PktError> {
        self.account_tx_alloc(self.pools.alloc_with_timeout(
            crate::buf::Direction::Tx,
            len,
            TX_HEADROOM,
            timeout,
        ))
    }

    /// The next IPv4 identification value.
    #[cfg(CONFIG_NET_IPV4)]
    pub(crate) fn next_ipv4_ident(&self) -> u16 {
        let v = self.ipv4_ident.load(Ordering::Relaxed);
        self.ipv4_ident.store(v.wrapping_add(1), Ordering::Relaxed);
        v
    }

    /// Starts one worker thread per RX and TX traffic class (`rx_q[n]`, `tx_q[n]`), and
    /// one for timers and management events. Each drains its own queue, so a higher
    /// class is never stuck behind a lower one.
    #[cfg(feature = "std")]
    pub fn spawn_workers(&'static self) -> std::io::Result<()> {
        use std::time::Duration;
        for class in 0..self.rx_queues.classes() {
            std::thread::Builder::new()
                .name(format!("rx_q[{class}]"))
                .spawn(move || {
                    let mut batch = 0;
                    loop {
                        if let Some(id) = self
                            .rx_queues
                            .pop_class_timeout(class, Duration::from_millis(100))
                            && let Some(pkt) = NetPkt::from_raw(self.pools, id)
                        {
                            self.process_rx(pkt);
                            self.after_rx(&mut batch);
                        }
                    }
                })?;
        }
        #[cfg(not(CONFIG_NET_TC_TX_COUNT = "0"))]
        for class in 0..self.tx_queues.classes() {
            std::thread::Builder::new()
                .name(format!("tx_q[{class}]"))
                .spawn(move || {
                    loop {
                        if let Some(id) = self
                            .tx_queues
                            .pop_class_timeout(class, Duration::from_millis(100))
                            && let Some(pkt) = NetPkt::from_raw(self.pools, id)
                        {
                            self.process_tx(pkt);
                        }
                    }
                })?;
        }
        std::thread::Builder::new()
            .name("net_mgmt".into())
            .spawn(move || {
                loop {
                    // With TCP, often enough for its delayed ACKs and retransmissions.
                    let step = if crate::config::CONFIG_NET_TCP {
                        5
                    } else {
                        TIMER_TICK_MS
                    };
                    std::thread::sleep(Duration::from_millis(step));
                    self.run_timers();
                    #[cfg(CONFIG_NET_MGMT_EVENT)]
                    self.mgmt.deliver();
                }
            })?;
        Ok(())
    }
}

impl RxPath for Stack {
    fn alloc_rx(&self, iface: u8, len: usize) -> Option<NetPkt<'static>> {
        match self.pools.alloc_rx(len, 0) {
            Ok(mut pkt) => {
                let m = pkt.meta_mut();
                m.iface = iface;
                m.priority = crate::config::CONFIG_NET_RX_DEFAULT_PRIORITY as u8;
                #[cfg(CONFIG_NET_PKT_RXTIME_STATS)]
                {
                    m.timestamp = self.clock.now_us() as u32;
                }
                Some(pkt)
            }
            Err(_) => {
                #[cfg(CONFIG_NET_STATISTICS)]
                crate::stat_inc!(self.stats_for(iface), processing_error);
                None
            }
        }
    }

    #[allow(unused_variables)]
    fn rx_error(&self, iface: u8, error: crate::drivers::RxError) {
        #[cfg(CONFIG_NET_STATISTICS_ETHERNET)]
        {
            use crate::drivers::RxError;
            let stats = self.stats_for(iface);
            crate::stat_inc!(stats, ethernet.rx_errors);
            match error {
                RxError::NoBuffer => crate::stat_inc!(stats, ethernet.rx_no_buffer_count),
                RxError::Length => crate::stat_inc!(stats, ethernet.rx_length_errors),
                RxError::Overrun => crate::stat_inc!(stats, ethernet.rx_missed_errors),
                RxError::Device => {}
            }
        }
    }

    fn recv(&self, iface: u8, mut frame: NetPkt<'static>) {
        frame.meta_mut().iface = iface;
        // No RX classes: the driver's context runs the whole receive path (Zephyr's
        // `NET_TC_RX_COUNT=0`).
        #[cfg(CONFIG_NET_TC_RX_COUNT = "0")]
        {
            frame.meta_mut().priority = crate::l2::rx_priority(self, iface, &frame);
            self.process_rx(frame);
        }
        #[cfg(not(CONFIG_NET_TC_RX_COUNT = "0"))]
        self.enqueue_rx(frame);
    }
}

impl Stack {
    /// Queues a received frame in the RX class of its priority, for that class's worker
    /// (or [`Stack::poll`]).
    #[cfg(not(CONFIG_NET_TC_RX_COUNT = "0"))]
    fn enqueue_rx(&self, mut frame: NetPkt<'static>) {
        let iface = frame.meta().iface;
        let prio = crate::l2::rx_priority(self, iface, &frame);
        frame.meta_mut().priority = prio;
        let class = crate::ip::tc::rx_priority_to_class(prio);
        let len = frame.len();
        // Parking and queueing under one critical section (the slab's nests in it): this
        // runs for every received frame, often in an interrupt handler.
        match critical_section::with(|_| self.rx_queues.push(class, frame.into_raw())) {
            Ok(()) => {
                #[cfg(CONFIG_NET_STATISTICS)]
                if let Some(s) = self.tc_stats.recv.get(class) {
                    s.pkts.inc();
                    s.bytes.add(len as u32);
                }
                let _ = len;
            }
            Err(crate::ip::tc::QueueFull(id)) => {
                drop(NetPkt::from_raw(self.pools, id));
                #[cfg(CONFIG_NET_STATISTICS)]
                if let Some(s) = self.tc_stats.recv.get(class) {
                    s.dropped.inc();
                }
            }
        }
    }
}

/// The one's-complement sum (not inverted) of `len` bytes of `pkt` from `offset`, across
/// its blocks: a block that starts at an odd position contributes its sum byte-swapped.
pub(crate) fn pkt_sum(pkt: &NetPkt<'_>, offset: usize, len: usize) -> u16 {
    let mut sums: [u16; 2] = [0, 0];
    let mut pos = 0usize;
    let end = offset.saturating_add(len);
    for chunk in pkt.chunks() {
        let c_start = pos;
        let c_end = pos + chunk.len();
        pos = c_end;
        let from = offset.max(c_start);
        let to = end.min(c_end);
        if from >= to {
            continue;
        }
        let part = &chunk[from - c_start..to - c_start];
        let s = crate::ip::checksum::data(part);
        let s = if (from - offset) % 2 == 1 {
            s.swap_bytes()
        } else {
            s
        };
        sums[0] = crate::ip::checksum::combine(&[sums[0], s]);
    }
    sums[0]
}

/// Address management (`net_if_ipv4_addr_add` and friends), raising the matching events.
impl Stack {
    /// Adds an IPv4 address with its netmask (`NET_EVENT_IPV4_ADDR_ADD`).
    #[cfg(CONFIG_NET_IPV4)]
    pub fn ipv4_add(
        &self,
        index: u8,
        addr: core::net::Ipv4Addr,
        netmask: core::net::Ipv4Addr,
    ) -> Result<(), IfError> {
        let iface = self.iface(index).ok_or(IfError::NoInterface)?;
        iface.with(|s| {
            s.ipv4.as_mut().ok_or(IfError::NotSupported)?.add(
                addr,
                netmask,
                crate::net_if::AddrOrigin::Manual,
            )
        })?;
        self.event(
            crate::ip::mgmt::NET_EVENT_IPV4_ADDR_ADD,
            index,
            crate::ip::mgmt::EventInfo::Ipv4Addr(addr),
        );
        Ok(())
    }

    /// Removes an IPv4 address (`NET_EVENT_IPV4_ADDR_DEL`).
    #[cfg(CONFIG_NET_IPV4)]
    pub fn ipv4_remove(&self, index: u8, addr: core::net::Ipv4Addr) -> Result<(), IfError> {
        let iface = self.iface(index).ok_or(IfError::NoInterface)?;
        iface.with(|s| s.ipv4.as_mut().ok_or(IfError::NotSupported)?.remove(addr))?;
        self.event(
            crate::ip::mgmt::NET_EVENT_IPV4_ADDR_DEL,
            index,
            crate::ip::mgmt::EventInfo::Ipv4Addr(addr),
        );
        Ok(())
    }

    /// Sets or clears the IPv4 default gateway (`NET_EVENT_IPV4_ROUTER_ADD/DEL`).
    #[cfg(CONFIG_NET_IPV4)]
    pub fn ipv4_set_gateway(
        &self,
        index: u8,
        gw: Option<core::net::Ipv4Addr>,
    ) -> Result<(), IfError> {
        let iface = self.iface(index).ok_or(IfError::NoInterface)?;
        let old = iface
            .with(|s| {
                s.ipv4
                    .as_mut()
                    .map(|v| core::mem::replace(&mut v.gateway, gw))
            })
            .ok_or(IfError::NotSupported)?;
        if let Some(o) = old {
            self.event(
                crate::ip::mgmt::NET_EVENT_IPV4_ROUTER_DEL,
                index,
                crate::ip::mgmt::EventInfo::Ipv4Addr(o),
            );
        }
        if let Some(g) = gw {
            self.event(
                crate::ip::mgmt::NET_EVENT_IPV4_ROUTER_ADD,
                index,
                crate::ip::mgmt::EventInfo::Ipv4Addr(g),
            );
        }
        Ok(())
    }

    /// The neighbor cache's entry for `addr` on interface `index`, once resolved: its
    /// link-layer address and RFC 4861 state (Zephyr's `net_ipv6_nbr_lookup`).
    #[cfg(CONFIG_NET_IPV6)]
    pub fn ipv6_neighbor(
        &self,
        index: u8,
        addr: core::net::Ipv6Addr,
    ) -> Option<([u8; 6], crate::ip::ipv6::nbr::NbrState)> {
        self.nbr.lookup(index, addr)
    }

    /// Adds an IPv6 address (with DAD when enabled; `NET_EVENT_IPV6_ADDR_ADD`).
    #[cfg(CONFIG_NET_IPV6)]
    pub fn ipv6_add(
        &self,
        index: u8,
        addr: core::net::Ipv6Addr,
        prefix_len: u8,
    ) -> Result<(), IfError> {
        crate::ip::ipv6::add_addr(
            self,
            index,
            addr,
            prefix_len,
            crate::net_if::AddrOrigin::Manual,
        )
    }

    /// Removes an IPv6 address (`NET_EVENT_IPV6_ADDR_DEL`).
    #[cfg(CONFIG_NET_IPV6)]
    pub fn ipv6_remove(&self, index: u8, addr: core::net::Ipv6Addr) -> Result<(), IfError> {
        crate::ip::ipv6::remove_addr(self, index, addr)
    }

    /// net_mgmt requests by code: [`NET_REQUEST_IF_UP`](crate::ip::mgmt::NET_REQUEST_IF_UP),
    /// `_IF_DOWN`, `_IF_ADDR_ADD` and `_IF_ADDR_DEL` (the address in `addr`, with a prefix
    /// length or, for IPv4, a netmask in `prefix`).
    pub fn mgmt_request(
        &self,
        code: u32,
        index: u8,
        addr: Option<core::net::IpAddr>,
        prefix: u8,
    ) -> Result<(), IfError> {
        use crate::ip::mgmt::*;
        let _ = prefix;
        match (code, addr) {
            (NET_REQUEST_IF_UP, _) => self.if_up(index),
            (NET_REQUEST_IF_DOWN, _) => self.if_down(index),
            #[cfg(CONFIG_NET_IPV4)]
            (NET_REQUEST_IF_ADDR_ADD, Some(core::net::IpAddr::V4(a))) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(prefix.min(32)))
                    .unwrap_or(0);
                self.ipv4_add(index, a, core::net::Ipv4Addr::from(mask))
            }
            #[cfg(CONFIG_NET_IPV4)]
            (NET_REQUEST_IF_ADDR_DEL, Some(core::net::IpAddr::V4(a))) => self.ipv4_remove(index, a),
            #[cfg(CONFIG_NET_IPV6)]
            (NET_REQUEST_IF_ADDR_ADD, Some(core::net::IpAddr::V6(a))) => {
                self.ipv6_add(index, a, prefix)
            }
            #[cfg(CONFIG_NET_IPV6)]
            (NET_REQUEST_IF_ADDR_DEL, Some(core::net::IpAddr::V6(a))) => self.ipv6_remove(index, a),
            _ => Err(IfError::NotSupported),
        }
    }
}

impl Stack {
    /// Writes every statistics group the configuration keeps, one line per group
    /// (`udp: drop=0 recv=6 sent=6 chkerr=0`), then the pool and queue counters. Prints
    /// `statistics: off` when `NET_STATISTICS` is not configured.
    pub fn write_stats(&self, out: &mut dyn core::fmt::Write) -> core::fmt::Result {
        #[cfg(CONFIG_NET_STATISTICS)]
        {
            let s = self.stats();
            writeln!(out, "processing_error: {}", s.processing_error)?;
            writeln!(out, "bytes: {:?}", s.bytes)?;
            writeln!(out, "ip_errors: {:?}", s.ip_errors)?;
            #[cfg(CONFIG_NET_STATISTICS_IPV4)]
            writeln!(out, "ipv4: {:?}", s.ipv4)?;
            #[cfg(CONFIG_NET_STATISTICS_IPV6)]
            writeln!(out, "ipv6: {:?}", s.ipv6)?;
            #[cfg(CONFIG_NET_STATISTICS_ICMP)]
            writeln!(out, "icmp: {:?}", s.icmp)?;
            #[cfg(CONFIG_NET_STATISTICS_UDP)]
            writeln!(out, "udp: {:?}", s.udp)?;
            #[cfg(CONFIG_NET_STATISTICS_TCP)]
            writeln!(out, "tcp: {:?}", s.tcp)?;
            #[cfg(CONFIG_NET_STATISTICS_IPV6_ND)]
            writeln!(out, "ipv6_nd: {:?}", s.ipv6_nd)?;
            #[cfg(CONFIG_NET_STATISTICS_MLD)]
            writeln!(out, "ipv6_mld: {:?}", s.ipv6_mld)?;
            #[cfg(CONFIG_NET_STATISTICS_ETHERNET)]
            writeln!(out, "ethernet: {:?}", s.ethernet)?;
            let tc = self.tc_stats();
            for (i, c) in tc.recv.iter().enumerate() {
                writeln!(out, "tc_rx[{i}]: {c:?}")?;
            }
            for (i, c) in tc.sent.iter().enumerate() {
                writeln!(out, "tc_tx[{i}]: {c:?}")?;
            }
            #[cfg(CONFIG_NET_PKT_RXTIME_STATS)]
            writeln!(out, "rx_time: {:?}", s.rx_time)?;
            #[cfg(CONFIG_NET_PKT_TXTIME_STATS)]
            writeln!(out, "tx_time: {:?}", s.tx_time)?;
        }
        #[cfg(not(CONFIG_NET_STATISTICS))]
        writeln!(out, "statistics: off")?;
        #[cfg(CONFIG_NET_TCP)]
        writeln!(out, "tcp_connections: {}", self.tcp_connections())?;
        writeln!(out, "pools: {:?}", self.pools().stats())
    }
}
