//! ARP (RFC 826): the cache of IPv4-to-MAC mappings, requests and replies, and the packets
//! waiting for a resolution.
//!
//! The table has `NET_ARP_TABLE_SIZE` entries. A resolved entry lives for
//! [`ENTRY_LIFETIME_MS`] after its last confirmation; an unresolved one is retried every
//! [`REQUEST_INTERVAL_MS`] up to [`REQUEST_TRIES`] times, then dropped together with the
//! (at most [`PENDING_PER_ENTRY`]) packets waiting on it.
//!
//! When the table is full, a new entry takes the place of, in order: the least recently
//! confirmed resolved entry that has carried no packet for a whole timer tick, or the
//! oldest entry still resolving (its waiting packets are dropped and counted). Entries in
//! use are never evicted: a flood of packets from spoofed IPv4 sources (a SYN flood, whose
//! SYN-ACKs each need a resolution) churns through the idle and resolving entries while
//! the established peers keep theirs. If every entry is resolved and in use, the new
//! packet is dropped and counted.
//!
//! A gratuitous ARP (sender and target IPv4 address the same, RFC 5227's announcement)
//! refreshes the sender's entry like any other packet with `NET_ARP_GRATUITOUS` (the
//! default); without it, it is ignored, as in Zephyr.

pub mod wire;

use core::cell::RefCell;
use core::net::Ipv4Addr;

use critical_section::Mutex;

use super::wire::{EtherType, EthernetAddress};
use super::{emit_and_send, eth_stat};
use crate::buf::{NetPkt, PktId};
use crate::ip::net_core::{Stack, Verdict};
use crate::slot::Slot;
use wire::{ArpPacket, ArpRepr, Operation};

/// How long a resolved entry stays valid without being confirmed.
pub const ENTRY_LIFETIME_MS: u64 = 300_000;
/// Time between two requests for the same address.
pub const REQUEST_INTERVAL_MS: u64 = 1_000;
/// Requests sent before giving up on an address.
pub const REQUEST_TRIES: u8 = 3;
/// Packets that may wait for one resolution.
pub const PENDING_PER_ENTRY: usize = 2;

const TABLE: usize = crate::config::CONFIG_NET_ARP_TABLE_SIZE;

#[derive(Debug)]
struct Entry {
    iface: u8,
    ip: Ipv4Addr,
    mac: Option<EthernetAddress>,
    /// Last confirmation (resolved) or last request (resolving).
    stamp_ms: u64,
    tries: u8,
    /// Set when a packet goes out through the entry, lowered by each timer tick: zero
    /// means unused for at least a whole tick, so the entry may be evicted.
    in_use: u8,
    pending: heapless::Vec<PktId, PENDING_PER_ENTRY>,
}

/// What [`Entry::in_use`] is set to by a packet sent through the entry.
const IN_USE_TICKS: u8 = 2;

/// The ARP table.
pub struct ArpCache {
    entries: Mutex<RefCell<[Slot<Entry>; TABLE]>>,
}

impl Default for ArpCache {
    fn default() -> Self {
        Self::new()
    }
}

impl ArpCache {
    /// An empty table (usable in `static`s).
    pub const fn new() -> ArpCache {
        ArpCache {
            entries: Mutex::new(RefCell::new([const { Slot::Free }; TABLE])),
        }
    }

    /// The MAC address cached for `ip` on `iface`, if resolved.
    pub fn lookup(&self, iface: u8, ip: Ipv4Addr) -> Option<EthernetAddress> {
        critical_section::with(|cs| {
            self.entries
                .borrow_ref(cs)
                .iter()
                .flatten()
                .find(|e| e.iface == iface && e.ip == ip)
                .and_then(|e| e.mac)
        })
    }

    /// [`lookup`](Self::lookup) for a packet about to be sent, inside a critical section
    /// the caller holds: a hit marks the entry in use, which protects it from eviction.
    pub(crate) fn lookup_in(
        &self,
        cs: critical_section::CriticalSection<'_>,
        iface: u8,
        ip: Ipv4Addr,
    ) -> Option<EthernetAddress> {
        let mut entries = self.entries.borrow_ref_mut(cs);
        let e = entries
            .iter_mut()
            .flatten()
            .find(|e| e.iface == iface && e.ip == ip)?;
        let mac = e.mac?;
        e.in_use = IN_USE_TICKS;
        Some(mac)
    }

    /// The number of entries in use (resolved or resolving).
    pub fn len(&self) -> usize {
        critical_section::with(|cs| self.entries.borrow_ref(cs).iter().flatten().count())
    }

    /// True when no entry is in use.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records a mapping. With `create`, a missing entry is made (we were the target);
    /// without, only an existing one is refreshed (RFC 826's merge rule). Returns the
    /// packets that were waiting for it, and those of an entry evicted to make room.
    fn update(
        &self,
        iface: u8,
        ip: Ipv4Addr,
        mac: EthernetAddress,
        now: u64,
        create: bool,
    ) -> (Pending, Pending) {
        critical_section::with(|cs| {
            let mut entries = self.entries.borrow_ref_mut(cs);
            if let Some(e) = entries
                .iter_mut()
                .flatten()
                .find(|e| e.iface == iface && e.ip == ip)
            {
                e.mac = Some(mac);
                e.stamp_ms = now;
                e.tries = 0;
                return (core::mem::take(&mut e.pending), Pending::new());
            }
            let mut evicted = Pending::new();
            if create && let Some(slot) = victim(&entries[..]).and_then(|i| entries.get_mut(i)) {
                if let Some(old) = slot.take() {
                    evicted = old.pending;
                }
                *slot = Slot::Used(Entry {
                    iface,
                    ip,
                    mac: Some(mac),
                    stamp_ms: now,
                    tries: 0,
                    in_use: 0,
                    pending: Pending::new(),
                });
            }
            (Pending::new(), evicted)
        })
    }
}

/// Packets waiting on one entry.
type Pending = heapless::Vec<PktId, PENDING_PER_ENTRY>;

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

/// Drops packets that will never be sent, counting each.
fn drop_pending(stack: &Stack, ids: impl IntoIterator<Item = PktId>) {
    for id in ids {
        if let Some(p) = NetPkt::from_raw(stack.pools, id) {
            let _iface = p.meta().iface;
            drop(p);
            #[cfg(CONFIG_NET_STATISTICS_IPV4)]
            crate::stat_inc!(stack.stats_for(_iface), ipv4.drop);
        }
    }
}

/// RX of an ARP packet: learn the sender, answer requests for our addresses.
pub(crate) fn input(stack: &Stack, iface: u8, pkt: NetPkt<'static>) -> Verdict {
    let mut scratch = [0u8; 28];
    let n = pkt.len().min(scratch.len());
    let repr = pkt.linearize(n, &mut scratch).ok().and_then(|b| {
        ArpPacket::new_checked(b)
            .ok()
            .and_then(|p| ArpRepr::parse(&p).ok())
    });
    drop(pkt);
    let Some(ArpRepr::EthernetIpv4 {
        operation,
        source_hardware_addr,
        source_protocol_addr,
        target_protocol_addr,
        ..
    }) = repr
    else {
        eth_stat!(stack, iface, rx_errors);
        return Verdict::Drop;
    };
    let Some(i) = stack.iface(iface) else {
        return Verdict::Drop;
    };
    let for_us = i.with(|s| {
        s.ipv4
            .as_ref()
            .is_some_and(|v4| v4.is_mine(target_protocol_addr))
    });
    // A gratuitous ARP (RFC 5227 announcement: sender and target address the same) moves
    // an existing entry only with NET_ARP_GRATUITOUS, as in Zephyr's arp.c.
    let ignored_gratuitous =
        !crate::config::CONFIG_NET_ARP_GRATUITOUS && source_protocol_addr == target_protocol_addr;
    if source_hardware_addr.is_multicast()
        || source_protocol_addr.is_unspecified()
        || ignored_gratuitous
    {
        // Probes (RFC 5227) and bogus senders teach nothing; still answer a probe below.
    } else {
        let now = stack.now_ms();
        let (waiting, evicted) = stack.arp.update(
            iface,
            source_protocol_addr,
            source_hardware_addr,
            now,
            for_us,
        );
        drop_pending(stack, evicted);
        for id in waiting {
            if let Some(p) = NetPkt::from_raw(stack.pools, id) {
                emit_and_send(stack, iface, p, source_hardware_addr, EtherType::Ipv4);
            }
        }
    }
    if for_us && operation == Operation::Request {
        let my_mac = EthernetAddress(i.link_addr().mac().unwrap_or([0; 6]));
        let reply = ArpRepr::EthernetIpv4 {
            operation: Operation::Reply,
            source_hardware_addr: my_mac,
            source_protocol_addr: target_protocol_addr,
            target_hardware_addr: source_hardware_addr,
            target_protocol_addr: source_protocol_addr,
        };
        let dst = if source_protocol_addr.is_unspecified() {
            EthernetAddress::BROADCAST
        } else {
            source_hardware_addr
        };
        send_arp(stack, iface, &reply, dst);
    }
    Verdict::Ok
}

fn send_arp(stack: &Stack, iface: u8, repr: &ArpRepr, dst: EthernetAddress) {
    let len = repr.buffer_len();
    let Ok(mut p) = stack.alloc_tx(len) else {
        return;
    };
    let mut buf = [0u8; 28];
    let ok = buf
        .get_mut(..len)
        .is_some_and(|b| repr.emit(&mut ArpPacket::new_unchecked(b)).is_ok());
    if !ok || p.append(&buf[..len]).is_err() {
        return;
    }
    p.meta_mut().iface = iface;
    emit_and_send(stack, iface, p, dst, EtherType::Arp);
}

fn send_request(stack: &Stack, iface: u8, target: Ipv4Addr) {
    let Some(i) = stack.iface(iface) else { return };
    let Some(src_ip) = i.with(|s| s.ipv4.as_ref().and_then(|v4| v4.source_for(target))) else {
        return;
    };
    let my_mac = EthernetAddress(i.link_addr().mac().unwrap_or([0; 6]));
    let req = ArpRepr::EthernetIpv4 {
        operation: Operation::Request,
        source_hardware_addr: my_mac,
        source_protocol_addr: src_ip,
        target_hardware_addr: EthernetAddress::UNSPECIFIED,
        target_protocol_addr: target,
    };
    send_arp(stack, iface, &req, EthernetAddress::BROADCAST);
}

/// TX of an IPv4 packet to unicast `dst` on `iface`: to the cached MAC of the next hop, or
/// parked while a request goes out.
pub(crate) fn send_resolved(stack: &Stack, iface: u8, pkt: NetPkt<'static>, dst: Ipv4Addr) {
    let Some(i) = stack.iface(iface) else { return };
    let Some(next_hop) = i.with(|s| s.ipv4.as_ref().and_then(|v4| v4.next_hop(dst))) else {
        #[cfg(CONFIG_NET_STATISTICS_IPV4)]
        crate::stat_inc!(stack.stats_for(iface), ipv4.drop);
        return;
    };
    if let Some(mac) = critical_section::with(|cs| stack.arp.lookup_in(cs, iface, next_hop)) {
        emit_and_send(stack, iface, pkt, mac, EtherType::Ipv4);
        return;
    }
    let now = stack.now_ms();
    let id = pkt.into_raw();
    // Park the packet on the entry (creating a resolving entry if needed); decide outside
    // the critical section whether to send a request or to drop the packet.
    enum Outcome {
        Parked { request: bool, evicted: Pending },
        Rejected(PktId),
    }
    let outcome = critical_section::with(|cs| {
        let mut entries = stack.arp.entries.borrow_ref_mut(cs);
        if let Some(e) = entries
            .iter_mut()
            .flatten()
            .find(|e| e.iface == iface && e.ip == next_hop)
        {
            return match e.pending.push(id) {
                Ok(()) => Outcome::Parked {
                    request: false,
                    evicted: Pending::new(),
                },
                Err(id) => Outcome::Rejected(id),
            };
        }
        match victim(&entries[..]).and_then(|i| entries.get_mut(i)) {
            Some(slot) => {
                let evicted = slot.take().map(|old| old.pending).unwrap_or_default();
                let mut pending = Pending::new();
                let _ = pending.push(id);
                *slot = Slot::Used(Entry {
                    iface,
                    ip: next_hop,
                    mac: None,
                    stamp_ms: now,
                    tries: 1,
                    in_use: 0,
                    pending,
                });
                Outcome::Parked {
                    request: true,
                    evicted,
                }
            }
            None => Outcome::Rejected(id),
        }
    });
    match outcome {
        Outcome::Parked { request, evicted } => {
            drop_pending(stack, evicted);
            if request {
                send_request(stack, iface, next_hop);
            }
        }
        Outcome::Rejected(id) => drop_pending(stack, [id]),
    }
}

/// Periodic work: retries, expiry, and dropping packets whose resolution failed.
pub(crate) fn timers(stack: &Stack, now: u64) {
    let mut retry: heapless::Vec<(u8, Ipv4Addr), TABLE> = heapless::Vec::new();
    let mut dead: heapless::Vec<PktId, { TABLE * PENDING_PER_ENTRY }> = heapless::Vec::new();
    critical_section::with(|cs| {
        let mut entries = stack.arp.entries.borrow_ref_mut(cs);
        for slot in entries.iter_mut() {
            let Some(e) = slot.as_mut() else { continue };
            e.in_use = e.in_use.saturating_sub(1);
            let age = now.saturating_sub(e.stamp_ms);
            match e.mac {
                Some(_) if age >= ENTRY_LIFETIME_MS => *slot = Slot::Free,
                Some(_) => {}
                None if age < REQUEST_INTERVAL_MS => {}
                None if e.tries < REQUEST_TRIES => {
                    e.tries += 1;
                    e.stamp_ms = now;
                    let _ = retry.push((e.iface, e.ip));
                }
                None => {
                    for id in e.pending.iter() {
                        let _ = dead.push(*id);
                    }
                    *slot = Slot::Free;
                }
            }
        }
    });
    drop_pending(stack, dead);
    for (iface, ip) in retry {
        send_request(stack, iface, ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(last: u8, resolved: bool, stamp_ms: u64, in_use: u8) -> Slot<Entry> {
        Slot::Used(Entry {
            iface: 0,
            ip: Ipv4Addr::new(192, 0, 2, last),
            mac: resolved.then_some(EthernetAddress([2, 0, 0, 0, 0, last])),
            stamp_ms,
            tries: u8::from(!resolved),
            in_use,
            pending: Pending::new(),
        })
    }

    #[test]
    fn a_free_slot_comes_first() {
        let t = [entry(1, true, 5, 0), Slot::Free, entry(3, false, 1, 0)];
        assert_eq!(victim(&t), Some(1));
    }

    #[test]
    fn the_least_recently_confirmed_idle_entry_goes_before_resolving_ones() {
        let t = [
            entry(1, true, 50, 0),
            entry(2, false, 1, 0),
            entry(3, true, 20, 0),
            entry(4, true, 10, IN_USE_TICKS),
        ];
        // 4 is older but in use; 3 is the oldest idle resolved entry.
        assert_eq!(victim(&t), Some(2));
    }

    #[test]
    fn entries_in_use_survive_a_flood_of_new_destinations() {
        // The established peer (in use) and three resolutions for spoofed sources.
        let t = [
            entry(2, true, 0, IN_USE_TICKS),
            entry(10, false, 30, 0),
            entry(11, false, 20, 0),
            entry(12, false, 40, 0),
        ];
        assert_eq!(victim(&t), Some(2), "the oldest resolving entry");
        let t = [entry(2, true, 0, 1), entry(10, false, 30, 0)];
        assert_eq!(victim(&t), Some(1), "still in use one tick later");
    }

    #[test]
    fn nothing_is_evicted_when_every_entry_is_resolved_and_in_use() {
        let t = [entry(1, true, 0, 1), entry(2, true, 0, IN_USE_TICKS)];
        assert_eq!(victim(&t), None);
    }

    #[test]
    fn a_lookup_for_sending_marks_the_entry_in_use() {
        let cache = ArpCache::new();
        let (_, evicted) = cache.update(
            0,
            Ipv4Addr::new(192, 0, 2, 2),
            EthernetAddress([2, 0, 0, 0, 0, 2]),
            7,
            true,
        );
        assert!(evicted.is_empty());
        let in_use = |cache: &ArpCache| {
            critical_section::with(|cs| {
                cache
                    .entries
                    .borrow_ref(cs)
                    .iter()
                    .flatten()
                    .map(|e| e.in_use)
                    .max()
            })
        };
        assert_eq!(in_use(&cache), Some(0));
        let mac = critical_section::with(|cs| cache.lookup_in(cs, 0, Ipv4Addr::new(192, 0, 2, 2)));
        assert_eq!(mac, Some(EthernetAddress([2, 0, 0, 0, 0, 2])));
        assert_eq!(in_use(&cache), Some(IN_USE_TICKS));
        // The public query does not count as use.
        let cache = ArpCache::new();
        cache.update(
            0,
            Ipv4Addr::new(192, 0, 2, 3),
            EthernetAddress([2, 0, 0, 0, 0, 3]),
            7,
            true,
        );
        assert!(cache.lookup(0, Ipv4Addr::new(192, 0, 2, 3)).is_some());
        assert_eq!(in_use(&cache), Some(0));
    }
}
