//! Ethernet II (IEEE 802.3) with 802.1Q VLAN tags, and ARP for IPv4.
//!
//! RX: check the destination (ours, broadcast, or multicast), count, strip the header and
//! hand the payload to ARP, IPv4 or IPv6 by EtherType. TX: find the destination MAC
//! (multicast mapping, broadcast, ARP or the IPv6 neighbor cache), prepend the header and
//! give the frame to the driver.

#[cfg(CONFIG_NET_ARP)]
pub mod arp;
pub mod wire;

use crate::buf::{Family, NetPkt};
use crate::ip::net_core::{Stack, Verdict};
use wire::{EtherType, EthernetAddress, EthernetFrame, EthernetRepr, HEADER_LEN, VLAN_HEADER_LEN};

/// The 802.1Q priority of a tagged frame, `None` for an untagged or unreadable one.
pub(crate) fn frame_priority(frame: &NetPkt<'_>) -> Option<u8> {
    let mut scratch = [0u8; VLAN_HEADER_LEN];
    let n = frame.len().min(VLAN_HEADER_LEN);
    let hdr = frame.linearize(n, &mut scratch).ok()?;
    let f = EthernetFrame::new_checked(hdr).ok()?;
    f.vlan_tag().map(|t| t.pcp)
}

macro_rules! eth_stat {
    ($stack:expr, $iface:expr, $field:ident) => {
        eth_stat!($stack, $iface, $field, 1)
    };
    ($stack:expr, $iface:expr, $field:ident, $n:expr) => {{
        #[cfg(CONFIG_NET_STATISTICS_ETHERNET)]
        crate::stat_add!($stack.stats_for($iface), ethernet.$field, $n as u32);
        #[cfg(not(CONFIG_NET_STATISTICS_ETHERNET))]
        let _ = (&$stack, $iface, $n);
    }};
}
#[allow(unused_imports)]
pub(crate) use eth_stat;

/// RX path of an Ethernet frame; `my_mac` and `promisc` are the interface's, read by the
/// caller together with its state.
pub(crate) fn recv(
    stack: &Stack,
    iface: u8,
    mut pkt: NetPkt<'static>,
    my_mac: Option<[u8; 6]>,
    promisc: bool,
) -> Verdict {
    let frame_len = pkt.len();
    let (dst, ethertype, hdr_len) = {
        let mut scratch = [0u8; VLAN_HEADER_LEN];
        let n = pkt.len().min(VLAN_HEADER_LEN);
        let parsed = pkt.linearize(n, &mut scratch).ok().and_then(|hdr| {
            EthernetFrame::new_checked(hdr)
                .ok()
                .map(|f| (f.dst_addr(), f.ethertype(), f.header_len()))
        });
        match parsed {
            Some(p) => p,
            None => {
                eth_stat!(stack, iface, rx_length_errors);
                eth_stat!(stack, iface, rx_errors);
                return Verdict::Drop;
            }
        }
    };
    let my_mac = my_mac.map(EthernetAddress);
    if Some(dst) != my_mac && !dst.is_broadcast() && !dst.is_multicast() && !promisc {
        // Another station's unicast (a bridge or hub delivered it): not an error.
        return Verdict::Drop;
    }
    eth_stat!(stack, iface, rx_pkts);
    eth_stat!(stack, iface, rx_bytes, frame_len);
    #[cfg(CONFIG_NET_STATISTICS_ETHERNET)]
    if dst.is_broadcast() {
        eth_stat!(stack, iface, rx_broadcast);
    } else if dst.is_multicast() {
        eth_stat!(stack, iface, rx_multicast);
    }
    if pkt.pull_header(hdr_len).is_err() {
        eth_stat!(stack, iface, rx_errors);
        return Verdict::Drop;
    }
    {
        let m = pkt.meta_mut();
        m.l2_hdr_len = hdr_len as u8;
        m.ll_proto = u16::from(ethertype);
    }
    match ethertype {
        #[cfg(CONFIG_NET_ARP)]
        EtherType::Arp => arp::input(stack, iface, pkt),
        #[cfg(CONFIG_NET_IPV4)]
        EtherType::Ipv4 => crate::ip::ipv4::input(stack, iface, pkt),
        #[cfg(CONFIG_NET_IPV6)]
        EtherType::Ipv6 => crate::ip::ipv6::input(stack, iface, pkt),
        _ => {
            eth_stat!(stack, iface, unknown_protocol);
            Verdict::Drop
        }
    }
}

/// TX path: resolves the destination MAC of an IP packet and sends the frame, or parks
/// the packet until the address is resolved.
pub(crate) fn send(stack: &Stack, iface: u8, pkt: NetPkt<'static>) {
    match pkt.meta().family {
        #[cfg(CONFIG_NET_IPV4)]
        Family::Ipv4 => {
            let Some(dst) = crate::ip::ipv4::peek_dst(&pkt) else {
                return;
            };
            let Some(i) = stack.iface(iface) else { return };
            // One critical section for all the interface and cache state the frame needs:
            // a subnet broadcast?, our MAC, and for unicast the next hop's cached MAC.
            let (broadcast, src, _cached) = critical_section::with(|cs| {
                i.with_in(cs, |s| {
                    let v4 = s.ipv4.as_ref();
                    let broadcast = dst.is_broadcast()
                        || v4.is_some_and(|v4| {
                            v4.unicast.iter().flatten().any(|a| a.broadcast() == dst)
                        });
                    let src = EthernetAddress(s.link_addr.mac().unwrap_or([0; 6]));
                    #[cfg(CONFIG_NET_ARP)]
                    let cached = if broadcast || dst.is_multicast() {
                        None
                    } else {
                        v4.and_then(|v4| v4.next_hop(dst))
                            .and_then(|hop| stack.arp.lookup_in(cs, iface, hop))
                    };
                    #[cfg(not(CONFIG_NET_ARP))]
                    let cached: Option<EthernetAddress> = None;
                    (broadcast, src, cached)
                })
            });
            if broadcast {
                emit_and_send_from(
                    stack,
                    iface,
                    pkt,
                    src,
                    EthernetAddress::BROADCAST,
                    EtherType::Ipv4,
                );
            } else if dst.is_multicast() {
                emit_and_send_from(
                    stack,
                    iface,
                    pkt,
                    src,
                    EthernetAddress::from_ipv4_multicast(dst),
                    EtherType::Ipv4,
                );
            } else {
                #[cfg(CONFIG_NET_ARP)]
                match _cached {
                    Some(mac) => emit_and_send_from(stack, iface, pkt, src, mac, EtherType::Ipv4),
                    // No next hop, or not resolved yet: the slow path drops or parks it.
                    None => arp::send_resolved(stack, iface, pkt, dst),
                }
                #[cfg(not(CONFIG_NET_ARP))]
                drop(pkt);
            }
        }
        #[cfg(CONFIG_NET_IPV6)]
        Family::Ipv6 => {
            let Some(dst) = crate::ip::ipv6::peek_dst(&pkt) else {
                return;
            };
            if dst.is_multicast() {
                emit_and_send(
                    stack,
                    iface,
                    pkt,
                    EthernetAddress::from_ipv6_multicast(dst),
                    EtherType::Ipv6,
                );
            } else {
                crate::ip::ipv6::nbr::send_resolved(stack, iface, pkt, dst);
            }
        }
        _ => {
            eth_stat!(stack, iface, tx_dropped);
        }
    }
}

/// Prepends the Ethernet header and hands the frame to the driver.
pub(crate) fn emit_and_send(
    stack: &Stack,
    iface: u8,
    pkt: NetPkt<'static>,
    dst: EthernetAddress,
    ethertype: EtherType,
) {
    let Some(i) = stack.iface(iface) else { return };
    let src = EthernetAddress(i.link_addr().mac().unwrap_or([0; 6]));
    emit_and_send_from(stack, iface, pkt, src, dst, ethertype);
}

/// [`emit_and_send`] with our MAC address already read.
pub(crate) fn emit_and_send_from(
    stack: &Stack,
    iface: u8,
    mut pkt: NetPkt<'static>,
    src: EthernetAddress,
    dst: EthernetAddress,
    ethertype: EtherType,
) {
    let Some(i) = stack.iface(iface) else { return };
    let repr = EthernetRepr {
        src_addr: src,
        dst_addr: dst,
        ethertype,
        vlan: None,
    };
    let ok = match pkt.push_header(HEADER_LEN) {
        Ok(hdr) => {
            let mut frame = EthernetFrame::new_unchecked(hdr);
            repr.emit(&mut frame).is_ok()
        }
        Err(_) => false,
    };
    if !ok {
        eth_stat!(stack, iface, tx_dropped);
        return;
    }
    let len = pkt.len();
    match i.driver.send(&pkt) {
        Ok(()) => {
            eth_stat!(stack, iface, tx_pkts);
            eth_stat!(stack, iface, tx_bytes, len);
            #[cfg(CONFIG_NET_STATISTICS_ETHERNET)]
            if dst.is_broadcast() {
                eth_stat!(stack, iface, tx_broadcast);
            } else if dst.is_multicast() {
                eth_stat!(stack, iface, tx_multicast);
            }
        }
        Err(e) => {
            eth_stat!(stack, iface, tx_errors);
            eth_stat!(stack, iface, tx_dropped);
            if e == crate::drivers::DriverError::Busy {
                eth_stat!(stack, iface, tx_timeout_count);
            }
        }
    }
}
