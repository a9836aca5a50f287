//! The neighbor cache (RFC 4861 §7.3) and the IPv6 timers that go with it: address
//! resolution with its INCOMPLETE/REACHABLE/STALE/DELAY/PROBE states, duplicate address
//! detection deadlines, and router solicitation.
//!
//! `NET_IPV6_MAX_NEIGHBORS` entries; an unresolved neighbor holds at most
//! [`PENDING_PER_NEIGHBOR`] packets. A full cache makes room as the ARP table does: the
//! least recently confirmed resolved entry that carried no packet for a whole timer tick
//! goes first, then the oldest INCOMPLETE entry (its waiting packets are dropped and
//! counted). Neighbors in use are never evicted, so a flood from spoofed sources cannot
//! push the established peers out. When every entry is resolved and in use, the new
//! packet is dropped and counted.

use core::cell::RefCell;
use core::net::Ipv6Addr;

use critical_section::Mutex;

use crate::buf::{NetPkt, PktId};
use crate::ip::net_core::Stack;
use crate::net_if::Ipv6AddrState;
use crate::slot::Slot;

/// Packets that may wait for one resolution.
pub const PENDING_PER_NEIGHBOR: usize = 2;
/// Neighbor solicitations before giving up (RFC 4861 MAX_MULTICAST_SOLICIT / MAX_UNICAST_SOLICIT).
pub const MAX_SOLICIT: u8 = 3;
/// DELAY_FIRST_PROBE_TIME.
pub const DELAY_FIRST_PROBE_MS: u64 = 5_000;

const SIZE: usize = crate::config::CONFIG_NET_IPV6_MAX_NEIGHBORS;
const DAD_SLOTS: usize = 8;
const RS_SLOTS: usize = 4;

/// RFC 4861 neighbor states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NbrState {
    /// Resolution in progress.
    Incomplete,
    /// Recently confirmed reachable.
    Reachable,
    /// Not confirmed lately; used, and confirmed when next used.
    Stale,
    /// Used while stale; waiting for upper-layer confirmation before probing.
    Delay,
    /// Probing with unicast solicitations.
    Probe,
}

#[derive(Debug)]
struct Entry {
    iface: u8,
    ip: Ipv6Addr,
    mac: Option<[u8; 6]>,
    state: NbrState,
    stamp_ms: u64,
    tries: u8,
    router: bool,
    /// Set when a packet goes out to the neighbor, lowered by each timer tick: zero means
    /// unused for at least a whole tick, so the entry may be evicted.
    in_use: u8,
    pending: Pending,
}

/// Packets waiting on one neighbor.
type Pending = heapless::Vec<PktId, PENDING_PER_NEIGHBOR>;

/// What [`Entry::in_use`] is set to by a packet sent to the neighbor.
#[cfg_attr(not(CONFIG_NET_L2_ETHERNET), allow(dead_code))]
const IN_USE_TICKS: u8 = 2;

/// The neighbor cache with the DAD and RS timers.
pub struct NbrCache {
    entries: Mutex<RefCell<[Slot<Entry>; SIZE]>>,
    dad: Mutex<RefCell<heapless::Vec<(u8, Ipv6Addr, u64), DAD_SLOTS>>>,
    rs: Mutex<RefCell<heapless::Vec<(u8, u8, u64), RS_SLOTS>>>,
}

impl Default for NbrCache {
    fn default() -> Self {
        Self::new()
    }
}

impl NbrCache {
    /// An empty cache (usable in `static`s).
    pub const fn new() -> NbrCache {
        NbrCache {
            entries: Mutex::new(RefCell::new([const { Slot::Free }; SIZE])),
            dad: Mutex::new(RefCell::new(heapless::Vec::new())),
            rs: Mutex::new(RefCell::new(heapless::Vec::new())),
        }
    }

    /// The link address and state of a neighbor.
    pub fn lookup(&self, iface: u8, ip: Ipv6Addr) -> Option<([u8; 6], NbrState)> {
        critical_section::with(|cs| {
            self.entries
                .borrow_ref(cs)
                .iter()
                .flatten()
                .find(|e| e.iface == iface && e.ip == ip)
                .and_then(|e| e.mac.map(|m| (m, e.state)))
        })
    }

    /// Entries in use.
    pub fn len(&self) -> usize {
        critical_section::with(|cs| self.entries.borrow_ref(cs).iter().flatten().count())
    }

    /// True when no entry is in use.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl crate::slot::ResolutionEntry for Entry {
    fn resolved(&self) -> bool {
        self.mac.is_some()
    }
    fn in_use(&self) -> bool {
        self.in_use > 0
    }
    fn stamp_ms(&self) -> u64 {
        self.stamp_ms
    }
}

/// The slot a new entry takes (see the module documentation for the order).
fn victim(entries: &[Slot<Entry>]) -> Option<usize> {
    crate::slot::resolution_victim(entries)
}

/// Empties the slot a new entry takes; the packets that waited on the old entry.
fn evict(slot: &mut Slot<Entry>) -> Pending {
    slot.take().map(|old| old.pending).unwrap_or_default()
}

/// Drops packets that will never be sent, counting each.
fn drop_pending(stack: &Stack, ids: impl IntoIterator<Item = PktId>) {
    for id in ids {
        if let Some(p) = NetPkt::from_raw(stack.pools, id) {
            let _iface = p.meta().iface;
            drop(p);
            #[cfg(CONFIG_NET_STATISTICS_IPV6)]
            crate::stat_inc!(stack.stats_for(_iface), ipv6.drop);
        }
    }
}

/// TX to unicast `dst`: to the neighbor's MAC (next hop: `dst` or the router), or parked
/// while a solicitation goes out.
#[cfg(CONFIG_NET_L2_ETHERNET)]
pub(crate) fn send_resolved(stack: &Stack, iface: u8, pkt: NetPkt<'static>, dst: Ipv6Addr) {
    use crate::l2::ethernet::wire::{EtherType, EthernetAddress};
    let Some(i) = stack.iface(iface) else { return };
    let Some(next_hop) = i.with(|s| s.ipv6.as_ref().and_then(|v6| v6.next_hop(dst))) else {
        #[cfg(CONFIG_NET_STATISTICS_IPV6)]
        crate::stat_inc!(stack.stats_for(iface), ipv6.drop);
        return;
    };
    let now = stack.now_ms();
    enum Outcome {
        Send([u8; 6]),
        Parked { solicit: bool, evicted: Pending },
        Rejected(PktId),
    }
    let id = pkt.into_raw();
    let outcome = critical_section::with(|cs| {
        let mut entries = stack.nbr.entries.borrow_ref_mut(cs);
        if let Some(e) = find_mut(&mut entries[..], iface, next_hop) {
            if let Some(mac) = e.mac {
                if e.state == NbrState::Stale {
                    e.state = NbrState::Delay;
                    e.stamp_ms = now;
                }
                e.in_use = IN_USE_TICKS;
                return Outcome::Send(mac);
            }
            return match e.pending.push(id) {
                Ok(()) => Outcome::Parked {
                    solicit: false,
                    evicted: Pending::new(),
                },
                Err(id) => Outcome::Rejected(id),
            };
        }
        match victim(&entries[..]).and_then(|i| entries.get_mut(i)) {
            Some(slot) => {
                let evicted = evict(slot);
                let mut pending = Pending::new();
                let _ = pending.push(id);
                *slot = Slot::Used(Entry {
                    iface,
                    ip: next_hop,
                    mac: None,
                    state: NbrState::Incomplete,
                    stamp_ms: now,
                    tries: 1,
                    router: false,
                    in_use: 0,
                    pending,
                });
                Outcome::Parked {
                    solicit: true,
                    evicted,
                }
            }
            None => Outcome::Rejected(id),
        }
    });
    match outcome {
        Outcome::Send(mac) => {
            if let Some(p) = NetPkt::from_raw(stack.pools, id) {
                crate::l2::ethernet::emit_and_send(
                    stack,
                    iface,
                    p,
                    EthernetAddress(mac),
                    EtherType::Ipv6,
                );
            }
        }
        Outcome::Parked { solicit, evicted } => {
            drop_pending(stack, evicted);
            #[cfg(CONFIG_NET_IPV6_ND)]
            if solicit {
                crate::ip::icmpv6::send_ns(stack, iface, next_hop, None);
            }
            #[cfg(not(CONFIG_NET_IPV6_ND))]
            let _ = solicit;
        }
        Outcome::Rejected(id) => drop_pending(stack, [id]),
    }
}

/// What a received NS, RS, RA or NA says of a neighbor (RFC 4861 §7.2.3 to §7.2.5).
#[derive(Clone, Copy)]
pub(crate) struct Heard {
    /// The link-layer address option, if the message had one.
    pub lladdr: Option<[u8; 6]>,
    /// A solicited NA: the neighbor is REACHABLE.
    pub solicited: bool,
    /// The address replaces a different cached one (an NA's override flag; NS, RS and RA
    /// always replace).
    pub override_: bool,
    /// Whether the neighbor is a router, when the message says.
    pub router: Option<bool>,
    /// An unknown neighbor gets an entry (not for an NA).
    pub create: bool,
}

/// The cache entry of `ip` on interface `iface`.
fn find_mut(entries: &mut [Slot<Entry>], iface: u8, ip: Ipv6Addr) -> Option<&mut Entry> {
    entries
        .iter_mut()
        .flatten()
        .find(|e| e.iface == iface && e.ip == ip)
}

/// Updates the cache from what was heard of `ip`. An INCOMPLETE entry needs the link-layer
/// address, becomes REACHABLE (solicited) or STALE, and sends what waited for it. Any
/// other entry takes the address when it overrides or is unchanged, becomes REACHABLE when
/// solicited and STALE when the address changed. Without the option the cached address
/// stays: Linux answers a unicast probe so. A different address that does not override
/// only turns a REACHABLE entry STALE.
pub(crate) fn learn(stack: &Stack, iface: u8, ip: Ipv6Addr, heard: Heard) {
    if ip.is_unspecified() || ip.is_multicast() {
        return;
    }
    let now = stack.now_ms();
    let mut flush = None;
    let mut evicted = Pending::new();
    let mut added = false;
    critical_section::with(|cs| {
        let mut entries = stack.nbr.entries.borrow_ref_mut(cs);
        if let Some(e) = find_mut(&mut entries[..], iface, ip) {
            let differs = heard.lladdr.is_some_and(|m| e.mac != Some(m));
            let state = if e.state == NbrState::Incomplete {
                let Some(mac) = heard.lladdr else { return };
                flush = Some((mac, core::mem::take(&mut e.pending)));
                if heard.solicited {
                    NbrState::Reachable
                } else {
                    NbrState::Stale
                }
            } else if differs && !heard.override_ {
                if e.state == NbrState::Reachable {
                    e.state = NbrState::Stale;
                    e.stamp_ms = now;
                }
                return;
            } else if heard.solicited {
                NbrState::Reachable
            } else if differs {
                NbrState::Stale
            } else {
                e.state
            };
            if state != e.state || heard.solicited {
                e.state = state;
                e.stamp_ms = now;
                e.tries = 0;
            }
            if let Some(m) = heard.lladdr {
                e.mac = Some(m);
            }
            if let Some(r) = heard.router {
                e.router = r;
            }
        } else if heard.create
            && let Some(mac) = heard.lladdr
            && let Some(slot) = victim(&entries[..]).and_then(|i| entries.get_mut(i))
        {
            evicted = evict(slot);
            *slot = Slot::Used(Entry {
                iface,
                ip,
                mac: Some(mac),
                state: NbrState::Stale,
                stamp_ms: now,
                tries: 0,
                router: heard.router.unwrap_or(false),
                in_use: 0,
                pending: Pending::new(),
            });
            added = true;
        }
    });
    drop_pending(stack, evicted);
    if added {
        stack.event(
            crate::ip::mgmt::NET_EVENT_IPV6_NBR_ADD,
            iface,
            crate::ip::mgmt::EventInfo::Ipv6Addr(ip),
        );
    }
    if let Some((mac, pending)) = flush {
        send_pending(stack, iface, mac, pending);
    }
}

/// An upper layer saw forward progress with `ip` (RFC 4861 §7.3.1; TCP with
/// `NET_TCP_IPV6_ND_REACHABILITY_HINT`): its entry, unless still INCOMPLETE, is REACHABLE
/// again from `now`, and a probe under way stops. No entry is created (Zephyr's
/// `net_ipv6_nbr_reachability_hint`).
#[cfg(CONFIG_NET_TCP_IPV6_ND_REACHABILITY_HINT)]
pub(crate) fn reachability_hint(stack: &Stack, iface: u8, ip: Ipv6Addr, now: u64) {
    critical_section::with(|cs| {
        let mut entries = stack.nbr.entries.borrow_ref_mut(cs);
        if let Some(e) = find_mut(&mut entries[..], iface, ip)
            && e.state != NbrState::Incomplete
        {
            e.state = NbrState::Reachable;
            e.stamp_ms = now;
            e.tries = 0;
        }
    });
}

/// The reachable time of interface `iface` in ms (RFC 4861 ReachableTime; 30 s when the
/// interface has no IPv6 state).
#[cfg(CONFIG_NET_TCP_IPV6_ND_REACHABILITY_HINT)]
pub(crate) fn reachable_time_ms(stack: &Stack, iface: u8) -> u64 {
    stack
        .iface(iface)
        .and_then(|i| i.with(|s| s.ipv6.as_ref().map(|v| u64::from(v.reachable_time_ms))))
        .unwrap_or(30_000)
}

/// Sends the packets that waited for `mac`.
#[allow(unused_variables)]
fn send_pending(stack: &Stack, iface: u8, mac: [u8; 6], pending: Pending) {
    for id in pending {
        if let Some(p) = NetPkt::from_raw(stack.pools, id) {
            #[cfg(CONFIG_NET_L2_ETHERNET)]
            crate::l2::ethernet::emit_and_send(
                stack,
                iface,
                p,
                crate::l2::ethernet::wire::EthernetAddress(mac),
                crate::l2::ethernet::wire::EtherType::Ipv6,
            );
            #[cfg(not(CONFIG_NET_L2_ETHERNET))]
            drop(p);
        }
    }
}

/// Starts the DAD deadline of a tentative address (one retransmission interval per probe).
pub(crate) fn set_dad_timer(stack: &Stack, iface: u8, addr: Ipv6Addr) {
    let retrans = stack
        .iface(iface)
        .and_then(|i| i.with(|s| s.ipv6.as_ref().map(|v| u64::from(v.retrans_timer_ms))))
        .unwrap_or(1000);
    let deadline = stack.now_ms() + retrans * u64::from(crate::ip::ipv6::DAD_TRANSMITS);
    critical_section::with(|cs| {
        let mut dad = stack.nbr.dad.borrow_ref_mut(cs);
        dad.retain(|(i, a, _)| !(*i == iface && *a == addr));
        // With every slot busy the address simply stays tentative until a slot frees up
        // on the next attempt; that cannot happen with DAD_SLOTS >= unicast slots.
        let _ = dad.push((iface, addr, deadline));
    });
}

/// Another node claims `addr` (an NS from `::` or an NA for our tentative address): DAD
/// failed; the address is removed.
pub(crate) fn dad_failed(stack: &Stack, iface: u8, addr: Ipv6Addr) {
    let tentative = stack.iface(iface).is_some_and(|i| {
        i.with(|s| {
            s.ipv6
                .as_mut()
                .and_then(|v| v.find_mut(addr))
                .is_some_and(|a| matches!(a.state, Ipv6AddrState::Tentative { .. }))
        })
    });
    if !tentative {
        return;
    }
    critical_section::with(|cs| {
        stack
            .nbr
            .dad
            .borrow_ref_mut(cs)
            .retain(|(i, a, _)| !(*i == iface && *a == addr))
    });
    let _ = crate::ip::ipv6::remove_addr(stack, iface, addr);
    stack.event(
        crate::ip::mgmt::NET_EVENT_IPV6_DAD_FAILED,
        iface,
        crate::ip::mgmt::EventInfo::Ipv6Addr(addr),
    );
}

/// Schedules the router solicitations of an interface that came up.
#[cfg(CONFIG_NET_IPV6_ND)]
pub(crate) fn start_router_solicitation(stack: &Stack, iface: u8) {
    let now = stack.now_ms();
    critical_section::with(|cs| {
        let mut rs = stack.nbr.rs.borrow_ref_mut(cs);
        rs.retain(|(i, _, _)| *i != iface);
        let _ = rs.push((iface, crate::ip::ipv6::MAX_RTR_SOLICITATIONS, now));
    });
}

/// Stops soliciting on an interface (a router answered).
pub(crate) fn stop_router_solicitation(stack: &Stack, iface: u8) {
    critical_section::with(|cs| {
        stack
            .nbr
            .rs
            .borrow_ref_mut(cs)
            .retain(|(i, _, _)| *i != iface)
    });
}

/// Periodic work of the IPv6 neighbor machinery.
pub(crate) fn timers(stack: &Stack, now: u64) {
    // DAD deadlines: a tentative address nobody claimed becomes preferred.
    let mut done: heapless::Vec<(u8, Ipv6Addr), DAD_SLOTS> = heapless::Vec::new();
    critical_section::with(|cs| {
        stack
            .nbr
            .dad
            .borrow_ref_mut(cs)
            .retain(|&(i, a, deadline)| {
                if now >= deadline {
                    let _ = done.push((i, a));
                    false
                } else {
                    true
                }
            });
    });
    for (i, a) in done {
        let became = stack.iface(i).is_some_and(|f| {
            f.with(|s| match s.ipv6.as_mut().and_then(|v| v.find_mut(a)) {
                Some(entry) if matches!(entry.state, Ipv6AddrState::Tentative { .. }) => {
                    entry.state = Ipv6AddrState::Preferred;
                    true
                }
                _ => false,
            })
        });
        if became {
            stack.event(
                crate::ip::mgmt::NET_EVENT_IPV6_DAD_SUCCEED,
                i,
                crate::ip::mgmt::EventInfo::Ipv6Addr(a),
            );
        }
    }
    // Router solicitations.
    #[cfg(CONFIG_NET_IPV6_ND)]
    {
        let interval = (crate::config::CONFIG_NET_IPV6_RS_TIMEOUT as u64).max(1) * 1000;
        let mut send: heapless::Vec<u8, RS_SLOTS> = heapless::Vec::new();
        critical_section::with(|cs| {
            stack
                .nbr
                .rs
                .borrow_ref_mut(cs)
                .retain_mut(|(i, left, next)| {
                    if now >= *next && *left > 0 {
                        let _ = send.push(*i);
                        *left -= 1;
                        *next = now + interval;
                    }
                    *left > 0
                });
        });
        for i in send {
            crate::ip::icmpv6::send_rs(stack, i);
        }
    }
    // Neighbor states.
    let mut solicit: heapless::Vec<(u8, Ipv6Addr, Option<[u8; 6]>), SIZE> = heapless::Vec::new();
    let mut dead: heapless::Vec<PktId, { SIZE * PENDING_PER_NEIGHBOR }> = heapless::Vec::new();
    let mut removed: heapless::Vec<(u8, Ipv6Addr), SIZE> = heapless::Vec::new();
    critical_section::with(|cs| {
        let mut entries = stack.nbr.entries.borrow_ref_mut(cs);
        for slot in entries.iter_mut() {
            let Some(e) = slot.as_mut() else { continue };
            e.in_use = e.in_use.saturating_sub(1);
            let (reachable, retrans) = stack
                .iface(e.iface)
                .and_then(|i| {
                    i.with(|s| {
                        s.ipv6.as_ref().map(|v| {
                            (
                                u64::from(v.reachable_time_ms),
                                u64::from(v.retrans_timer_ms),
                            )
                        })
                    })
                })
                .unwrap_or((30_000, 1_000));
            let age = now.saturating_sub(e.stamp_ms);
            match e.state {
                NbrState::Reachable if age >= reachable => e.state = NbrState::Stale,
                NbrState::Delay if age >= DELAY_FIRST_PROBE_MS => {
                    e.state = NbrState::Probe;
                    e.tries = 1;
                    e.stamp_ms = now;
                    let _ = solicit.push((e.iface, e.ip, e.mac));
                }
                NbrState::Incomplete | NbrState::Probe if age >= retrans => {
                    if e.tries < MAX_SOLICIT {
                        e.tries += 1;
                        e.stamp_ms = now;
                        let unicast = if e.state == NbrState::Probe {
                            e.mac
                        } else {
                            None
                        };
                        let _ = solicit.push((e.iface, e.ip, unicast));
                    } else {
                        for id in e.pending.iter() {
                            let _ = dead.push(*id);
                        }
                        let _ = removed.push((e.iface, e.ip));
                        *slot = Slot::Free;
                    }
                }
                _ => {}
            }
        }
    });
    drop_pending(stack, dead);
    for (i, ip) in removed {
        stack.event(
            crate::ip::mgmt::NET_EVENT_IPV6_NBR_DEL,
            i,
            crate::ip::mgmt::EventInfo::Ipv6Addr(ip),
        );
    }
    #[cfg(CONFIG_NET_IPV6_ND)]
    for (i, ip, mac) in solicit {
        crate::ip::icmpv6::send_ns(stack, i, ip, mac);
    }
    #[cfg(not(CONFIG_NET_IPV6_ND))]
    let _ = solicit;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(last: u16, state: NbrState, stamp_ms: u64, in_use: u8) -> Slot<Entry> {
        Slot::Used(Entry {
            iface: 0,
            ip: Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last),
            mac: (state != NbrState::Incomplete).then_some([2, 0, 0, 0, 0, last as u8]),
            state,
            stamp_ms,
            tries: 0,
            router: false,
            in_use,
            pending: Pending::new(),
        })
    }

    #[test]
    fn a_free_slot_comes_first() {
        let t = [entry(1, NbrState::Reachable, 5, 0), Slot::Free];
        assert_eq!(victim(&t), Some(1));
    }

    #[test]
    fn idle_resolved_entries_go_before_incomplete_ones_and_used_ones_stay() {
        let t = [
            entry(2, NbrState::Reachable, 1, IN_USE_TICKS),
            entry(10, NbrState::Incomplete, 2, 0),
            entry(3, NbrState::Stale, 30, 0),
        ];
        assert_eq!(victim(&t), Some(2));
        let t = [
            entry(2, NbrState::Reachable, 1, 1),
            entry(10, NbrState::Incomplete, 9, 0),
            entry(11, NbrState::Incomplete, 4, 0),
        ];
        assert_eq!(victim(&t), Some(2), "the oldest incomplete entry");
        let t = [
            entry(2, NbrState::Reachable, 1, 1),
            entry(3, NbrState::Delay, 0, IN_USE_TICKS),
        ];
        assert_eq!(victim(&t), None);
    }

    /// TCP's reachability hint, state by state, on an instance of its own.
    #[cfg(all(feature = "std", CONFIG_NET_TCP_IPV6_ND_REACHABILITY_HINT))]
    mod hints {
        use super::*;

        unit_test_stack!(NET);

        const PEER: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 9);
        const MAC: [u8; 6] = [2, 0, 0, 0, 0, 9];

        fn set(state: Option<NbrState>) {
            critical_section::with(|cs| {
                let mut entries = NET.nbr.entries.borrow_ref_mut(cs);
                for e in entries.iter_mut() {
                    *e = Slot::Free;
                }
                if let (Some(state), Some(first)) = (state, entries.first_mut()) {
                    *first = Slot::Used(Entry {
                        iface: 0,
                        ip: PEER,
                        mac: (state != NbrState::Incomplete).then_some(MAC),
                        state,
                        stamp_ms: 5,
                        tries: 2,
                        router: false,
                        in_use: 0,
                        pending: Pending::new(),
                    });
                }
            });
        }

        fn entry() -> Option<(NbrState, u64, u8)> {
            critical_section::with(|cs| {
                NET.nbr
                    .entries
                    .borrow_ref(cs)
                    .iter()
                    .flatten()
                    .find(|e| e.ip == PEER)
                    .map(|e| (e.state, e.stamp_ms, e.tries))
            })
        }

        #[test]
        fn a_hint_makes_a_resolved_entry_reachable_and_nothing_else() {
            use NbrState::{Delay, Incomplete, Probe, Reachable, Stale};
            for state in [Reachable, Stale, Delay, Probe] {
                set(Some(state));
                reachability_hint(&NET, 0, PEER, 1_000);
                assert_eq!(entry(), Some((Reachable, 1_000, 0)), "from {state:?}");
            }
            // Resolution under way is left to neighbor discovery.
            set(Some(Incomplete));
            reachability_hint(&NET, 0, PEER, 1_000);
            assert_eq!(entry(), Some((Incomplete, 5, 2)));
            // Another interface's entry, or none: nothing is created.
            set(Some(Stale));
            reachability_hint(&NET, 1, PEER, 1_000);
            assert_eq!(entry(), Some((Stale, 5, 2)));
            set(None);
            reachability_hint(&NET, 0, PEER, 1_000);
            assert_eq!(entry(), None);
        }
    }

    /// One instance whose cache the NA and NS cases below set up entry by entry.
    #[cfg(feature = "std")]
    mod learning {
        use super::*;

        unit_test_stack!(NET);

        const PEER: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7);
        const OLD: [u8; 6] = [2, 0, 0, 0, 0, 7];
        const NEW: [u8; 6] = [2, 0, 0, 0, 0, 8];

        /// The cache holding only PEER, in `state` (with OLD unless INCOMPLETE).
        fn only_peer(state: NbrState) {
            critical_section::with(|cs| {
                let mut entries = NET.nbr.entries.borrow_ref_mut(cs);
                for e in entries.iter_mut() {
                    *e = Slot::Free;
                }
                if let Some(first) = entries.first_mut() {
                    *first = Slot::Used(Entry {
                        iface: 0,
                        ip: PEER,
                        mac: (state != NbrState::Incomplete).then_some(OLD),
                        state,
                        stamp_ms: 0,
                        tries: 2,
                        router: false,
                        in_use: 0,
                        pending: Pending::new(),
                    });
                }
            });
        }

        fn peer() -> Option<([u8; 6], NbrState)> {
            NET.nbr.lookup(0, PEER)
        }

        fn na(target: Ipv6Addr, lladdr: Option<[u8; 6]>, solicited: bool, override_: bool) {
            let heard = Heard {
                lladdr,
                solicited,
                override_,
                router: Some(false),
                create: false,
            };
            learn(&NET, 0, target, heard);
        }

        fn ns(sender: Ipv6Addr, lladdr: [u8; 6]) {
            let heard = Heard {
                lladdr: Some(lladdr),
                solicited: false,
                override_: true,
                router: None,
                create: true,
            };
            learn(&NET, 0, sender, heard);
        }

        fn incomplete() -> bool {
            critical_section::with(|cs| {
                NET.nbr
                    .entries
                    .borrow_ref(cs)
                    .iter()
                    .flatten()
                    .any(|e| e.ip == PEER && e.state == NbrState::Incomplete && e.mac.is_none())
            })
        }

        /// RFC 4861 §7.2.5, case by case. (A single test: the cases share the cache.)
        #[test]
        fn advertisements_and_solicitations_update_the_cache_as_rfc_4861_says() {
            use NbrState::{Delay, Incomplete, Probe, Reachable, Stale};
            // The entry before, the NA (target link-layer option, solicited, override),
            // the entry after (None: still INCOMPLETE), and why.
            type Case = (
                NbrState,
                Option<[u8; 6]>,
                bool,
                bool,
                Option<([u8; 6], NbrState)>,
                &'static str,
            );
            let probe_answer = "a solicited NA without the option (Linux answers a unicast \
                                probe so) confirms the cached address";
            #[rustfmt::skip]
            let cases: [Case; 12] = [
                (Probe, None, true, false, Some((OLD, Reachable)), probe_answer),
                (Delay, None, true, false, Some((OLD, Reachable)), probe_answer),
                (Stale, None, true, false, Some((OLD, Reachable)), probe_answer),
                (Stale, None, false, false, Some((OLD, Stale)), "nothing to learn"),
                (Incomplete, None, true, true, None, "INCOMPLETE needs the address"),
                (Incomplete, Some(NEW), true, false, Some((NEW, Reachable)), "resolved"),
                (Incomplete, Some(NEW), false, false, Some((NEW, Stale)), "unconfirmed"),
                (Reachable, Some(NEW), true, false, Some((OLD, Stale)), "no override"),
                (Probe, Some(NEW), true, false, Some((OLD, Probe)), "no override: ignored"),
                (Reachable, Some(NEW), false, true, Some((NEW, Stale)), "override"),
                (Probe, Some(NEW), true, true, Some((NEW, Reachable)), "override, solicited"),
                (Delay, Some(OLD), true, false, Some((OLD, Reachable)), "same address"),
            ];
            for (before, lladdr, solicited, override_, after, why) in cases {
                only_peer(before);
                na(PEER, lladdr, solicited, override_);
                match after {
                    Some(entry) => assert_eq!(peer(), Some(entry), "from {before:?}: {why}"),
                    None => assert!(incomplete(), "{why}"),
                }
            }
            // No entry: an NA creates none.
            only_peer(NbrState::Reachable);
            let other = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 9);
            na(other, Some(NEW), true, true);
            assert_eq!(NET.nbr.lookup(0, other), None);

            // A solicitation (§7.2.3): the same address changes nothing, a new one is
            // taken and STALE, an unknown sender gets a STALE entry.
            only_peer(NbrState::Reachable);
            ns(PEER, OLD);
            assert_eq!(peer(), Some((OLD, NbrState::Reachable)));
            ns(PEER, NEW);
            assert_eq!(peer(), Some((NEW, NbrState::Stale)));
            ns(other, NEW);
            assert_eq!(NET.nbr.lookup(0, other), Some((NEW, NbrState::Stale)));
            only_peer(NbrState::Incomplete);
            ns(PEER, NEW);
            assert_eq!(peer(), Some((NEW, NbrState::Stale)));
        }
    }
}
