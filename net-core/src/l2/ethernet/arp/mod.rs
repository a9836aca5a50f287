//! ARP (RFC 826): the cache of IPv4-to-MAC mappings, requests and replies, and the packets
//! waiting for a resolution.
//!
//! The table has `NET_ARP_TABLE_SIZE` entries. A resolved entry lives for
//! [`ENTRY_LIFETIME_MS`] after its last confirmation; an unresolved one is retried every
//! [`REQUEST_INTERVAL_MS`] up to [`REQUEST_TRIES`] times, then dropped together with the
//! (at most [`PENDING_PER_ENTRY`]) packets waiting on it. When the table is full, the
//! oldest resolved entry makes room; if every entry is still resolving, the new packet is
//! dropped and counted.

pub mod wire;

use core::cell::RefCell;
use core::net::Ipv4Addr;

use critical_section::Mutex;

use super::wire::{EtherType, EthernetAddress};
use super::{emit_and_send, eth_stat};
use crate::buf::{NetPkt, PktId};
use crate::ip::net_core::{Stack, Verdict};
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
    pending: heapless::Vec<PktId, PENDING_PER_ENTRY>,
}

/// The ARP table.
pub struct ArpCache {
    entries: Mutex<RefCell<[Option<Entry>; TABLE]>>,
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
            entries: Mutex::new(RefCell::new([const { None }; TABLE])),
        }
    }

    /// The MAC address cached for `ip` on `iface`, if resolved.
    pub fn lookup(&self, iface: u8, ip: Ipv4Addr) -> Option<EthernetAddress> {
        critical_section::with(|cs| self.lookup_in(cs, iface, ip))
    }

    /// [`lookup`](Self::lookup) inside a critical section the caller holds.
    pub(crate) fn lookup_in(
        &self,
        cs: critical_section::CriticalSection<'_>,
        iface: u8,
        ip: Ipv4Addr,
    ) -> Option<EthernetAddress> {
        self.entries
            .borrow_ref(cs)
            .iter()
            .flatten()
            .find(|e| e.iface == iface && e.ip == ip)
            .and_then(|e| e.mac)
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
    /// packets that were waiting for it.
    fn update(
        &self,
        iface: u8,
        ip: Ipv4Addr,
        mac: EthernetAddress,
        now: u64,
        create: bool,
    ) -> heapless::Vec<PktId, PENDING_PER_ENTRY> {
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
                return core::mem::take(&mut e.pending);
            }
            if create && let Some(slot) = free_or_oldest_resolved(&mut entries) {
                *slot = Some(Entry {
                    iface,
                    ip,
                    mac: Some(mac),
                    stamp_ms: now,
                    tries: 0,
                    pending: heapless::Vec::new(),
                });
            }
            heapless::Vec::new()
        })
    }
}

fn free_or_oldest_resolved(entries: &mut [Option<Entry>; TABLE]) -> Option<&mut Option<Entry>> {
    let idx = entries.iter().position(Option::is_none).or_else(|| {
        entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.as_ref().is_some_and(|e| e.mac.is_some()))
            .min_by_key(|(_, e)| e.as_ref().map_or(0, |e| e.stamp_ms))
            .map(|(i, _)| i)
    })?;
    entries.get_mut(idx)
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
    if source_hardware_addr.is_multicast() || source_protocol_addr.is_unspecified() {
        // Probes (RFC 5227) and bogus senders teach nothing; still answer a probe below.
    } else {
        let now = stack.now_ms();
        let waiting = stack.arp.update(
            iface,
            source_protocol_addr,
            source_hardware_addr,
            now,
            for_us,
        );
        for id in waiting {
            if let Some(p) = NetPkt::from_raw(stack.pools(), id) {
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
    if let Some(mac) = stack.arp.lookup(iface, next_hop) {
        emit_and_send(stack, iface, pkt, mac, EtherType::Ipv4);
        return;
    }
    let now = stack.now_ms();
    let id = pkt.into_raw();
    // Park the packet on the entry (creating a resolving entry if needed); decide outside
    // the critical section whether to send a request or to drop the packet.
    enum Outcome {
        Parked { request: bool },
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
                Ok(()) => Outcome::Parked { request: false },
                Err(id) => Outcome::Rejected(id),
            };
        }
        match free_or_oldest_resolved(&mut entries) {
            Some(slot) => {
                let mut pending = heapless::Vec::new();
                let _ = pending.push(id);
                *slot = Some(Entry {
                    iface,
                    ip: next_hop,
                    mac: None,
                    stamp_ms: now,
                    tries: 1,
                    pending,
                });
                Outcome::Parked { request: true }
            }
            None => Outcome::Rejected(id),
        }
    });
    match outcome {
        Outcome::Parked { request: true } => send_request(stack, iface, next_hop),
        Outcome::Parked { request: false } => {}
        Outcome::Rejected(id) => {
            drop(NetPkt::from_raw(stack.pools(), id));
            #[cfg(CONFIG_NET_STATISTICS_IPV4)]
            crate::stat_inc!(stack.stats_for(iface), ipv4.drop);
        }
    }
}

/// Periodic work: retries, expiry, and dropping packets whose resolution failed.
pub(crate) fn timers(stack: &Stack, now: u64) {
    let mut retry: heapless::Vec<(u8, Ipv4Addr), TABLE> = heapless::Vec::new();
    let mut dead: heapless::Vec<PktId, { TABLE * PENDING_PER_ENTRY }> = heapless::Vec::new();
    critical_section::with(|cs| {
        let mut entries = stack.arp.entries.borrow_ref_mut(cs);
        for slot in entries.iter_mut() {
            let Some(e) = slot else { continue };
            let age = now.saturating_sub(e.stamp_ms);
            match e.mac {
                Some(_) if age >= ENTRY_LIFETIME_MS => *slot = None,
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
                    *slot = None;
                }
            }
        }
    });
    for id in dead {
        if let Some(p) = NetPkt::from_raw(stack.pools(), id) {
            let _iface = p.meta().iface;
            drop(p);
            #[cfg(CONFIG_NET_STATISTICS_IPV4)]
            crate::stat_inc!(stack.stats_for(_iface), ipv4.drop);
        }
    }
    for (iface, ip) in retry {
        send_request(stack, iface, ip);
    }
}
