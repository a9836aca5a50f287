//! IPv6 (RFC 8200): header checks, the extension-header walk, hop limits, delivery to
//! ICMPv6 and UDP, the output path, and the per-interface IPv6 life cycle (link-local
//! address, duplicate address detection, router solicitation, timers).

pub mod nbr;
pub mod wire;

use core::net::Ipv6Addr;

use crate::buf::{Family, NetPkt};
use crate::ip::checksum::IpProtocol;
use crate::ip::net_core::{Stack, Verdict};
use crate::lib::sockets::Errno;
use crate::net_if::{AddrOrigin, Ipv6AddrState, Ipv6IfAddr};
use wire::{HEADER_LEN, Ipv6Packet};

/// What L4 needs to know about the IPv6 header of a received packet.
#[derive(Clone, Copy, Debug)]
pub struct Ipv6Info {
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address.
    pub dst: Ipv6Addr,
    /// Hop limit as received (neighbor discovery requires 255).
    pub hop_limit: u8,
    /// The fixed header as received (ICMPv6 errors quote it).
    pub header: [u8; HEADER_LEN],
    /// Payload length from the header.
    pub payload_len: usize,
}

/// Bytes of extension headers the walk may look at.
const EXT_SCAN: usize = 256;

macro_rules! v6_stat {
    ($stack:expr, $iface:expr, $($path:ident).+) => {{
        #[cfg(CONFIG_NET_STATISTICS)]
        crate::stat_inc!($stack.stats_for($iface), $($path).+);
    }};
}

macro_rules! v6_drop {
    ($stack:expr, $iface:expr) => {{
        #[cfg(CONFIG_NET_STATISTICS_IPV6)]
        crate::stat_inc!($stack.stats_for($iface), ipv6.drop);
    }};
}

/// RX: validates the header, walks the extension headers and hands the payload on.
pub(crate) fn input(stack: &Stack, iface: u8, mut pkt: NetPkt<'static>) -> Verdict {
    let mut scratch = [0u8; HEADER_LEN];
    let Some(header) = pkt.linearize(HEADER_LEN, &mut scratch).ok().map(|h| {
        let mut c = [0u8; HEADER_LEN];
        c.copy_from_slice(h);
        c
    }) else {
        v6_stat!(stack, iface, ip_errors.vhlerr);
        v6_drop!(stack, iface);
        return Verdict::Drop;
    };
    let p = Ipv6Packet::new_unchecked(&header[..]);
    if p.version() != 6 {
        v6_stat!(stack, iface, ip_errors.vhlerr);
        v6_drop!(stack, iface);
        return Verdict::Drop;
    }
    let payload_len = usize::from(p.payload_len());
    if HEADER_LEN + payload_len > pkt.len() {
        v6_stat!(stack, iface, ip_errors.lblenerr);
        v6_drop!(stack, iface);
        return Verdict::Drop;
    }
    let (src, dst, hop_limit, first) = (p.src_addr(), p.dst_addr(), p.hop_limit(), p.next_header());
    let Some(i) = stack.iface(iface) else {
        return Verdict::Drop;
    };
    let for_us = i.with(|s| {
        s.ipv6.as_ref().is_some_and(|v6| {
            v6.accepts(dst) || (v6.has_addr(dst)) || v6.mcast.iter().flatten().any(|m| *m == dst)
        })
    });
    if !for_us || src.is_multicast() {
        v6_drop!(stack, iface);
        return Verdict::Drop;
    }
    pkt.truncate(HEADER_LEN + payload_len);
    if pkt.pull_header(HEADER_LEN).is_err() {
        v6_drop!(stack, iface);
        return Verdict::Drop;
    }
    // Walk the extension headers on a contiguous copy of their start.
    let (proto, upper_offset) = if matches!(
        first,
        IpProtocol::Udp | IpProtocol::Icmpv6 | IpProtocol::Tcp
    ) {
        (first, 0)
    } else {
        let mut ext = [0u8; EXT_SCAN];
        let n = pkt.len().min(EXT_SCAN);
        let Ok(bytes) = pkt.linearize(n, &mut ext) else {
            v6_drop!(stack, iface);
            return Verdict::Drop;
        };
        match wire::walk_ext_headers(first, bytes) {
            Ok(h) if h.fragment.is_some() => {
                v6_stat!(stack, iface, ip_errors.fragerr);
                v6_drop!(stack, iface);
                return Verdict::Drop;
            }
            Ok(h) => (h.upper_protocol, h.upper_offset),
            Err(_) => {
                v6_stat!(stack, iface, ip_errors.protoerr);
                v6_drop!(stack, iface);
                return Verdict::Drop;
            }
        }
    };
    if pkt.pull_header(upper_offset).is_err() {
        v6_drop!(stack, iface);
        return Verdict::Drop;
    }
    {
        let m = pkt.meta_mut();
        m.family = Family::Ipv6;
        m.ip_hdr_len = (HEADER_LEN + upper_offset) as u16;
    }
    #[cfg(CONFIG_NET_STATISTICS_IPV6)]
    crate::stat_inc!(stack.stats_for(iface), ipv6.recv);
    #[cfg(CONFIG_NET_STATISTICS)]
    crate::stat_add!(
        stack.stats_for(iface),
        bytes.received,
        (HEADER_LEN + payload_len) as u32
    );
    let info = Ipv6Info {
        src,
        dst,
        hop_limit,
        header,
        payload_len,
    };
    match proto {
        IpProtocol::Icmpv6 => crate::ip::icmpv6::input(stack, iface, pkt, &info),
        #[cfg(CONFIG_NET_UDP)]
        IpProtocol::Udp => crate::ip::udp::input_v6(stack, iface, pkt, &info),
        #[cfg(CONFIG_NET_TCP)]
        IpProtocol::Tcp => crate::ip::tcp::io::input(
            stack,
            iface,
            pkt,
            crate::ip::checksum::IpAddress::V6(info.src),
            crate::ip::checksum::IpAddress::V6(info.dst),
        ),
        IpProtocol::Ipv6NoNxt => Verdict::Ok,
        _ => {
            v6_stat!(stack, iface, ip_errors.protoerr);
            v6_drop!(stack, iface);
            Verdict::Drop
        }
    }
}

/// Where and how a packet to some destination leaves.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Route {
    /// The interface.
    pub iface: u8,
    /// The source address to use.
    pub src: Ipv6Addr,
    /// The interface's unicast hop limit.
    hop_limit: u8,
    /// The interface's L3 MTU.
    pub mtu: u16,
    /// The interface was operationally up.
    pub up: bool,
}

/// The route for sending to `dst`: `iface` when given, else the first interface with `dst`
/// on-link or a default router. One critical section per interface looked at, which also
/// reads what the output path needs (hop limit, MTU, state).
pub(crate) fn route(stack: &Stack, iface: Option<u8>, dst: Ipv6Addr) -> Option<Route> {
    let pick = |idx: u8, need_hop: bool| -> Option<Route> {
        stack.iface(idx)?.with(|s| {
            let v6 = s.ipv6.as_ref()?;
            if need_hop {
                v6.next_hop(dst)?;
            }
            v6.source_for(dst).map(|src| Route {
                iface: idx,
                src,
                hop_limit: v6.hop_limit,
                mtu: s.mtu,
                up: s.oper == crate::net_if::OperState::Up,
            })
        })
    };
    if let Some(idx) = iface {
        return pick(idx, false);
    }
    let n = u8::try_from(stack.ifaces().len()).unwrap_or(u8::MAX);
    (0..n).find_map(|i| pick(i, true))
}

/// TX: prepends the IPv6 header to a packet holding the upper-layer message and sends it.
pub(crate) fn output(
    stack: &Stack,
    iface: Option<u8>,
    src: Option<Ipv6Addr>,
    dst: Ipv6Addr,
    proto: IpProtocol,
    pkt: NetPkt<'static>,
) -> Result<(), Errno> {
    match route(stack, iface, dst) {
        Some(r) => output_routed(stack, &r, src, dst, proto, pkt),
        // Before any address is usable (DAD, RS) the unspecified source is allowed.
        None => {
            let index = iface.or(stack.default_iface()).ok_or(Errno::ENETUNREACH)?;
            let hop_limit = if dst.is_multicast() {
                crate::config::CONFIG_NET_INITIAL_MCAST_HOP_LIMIT as u8
            } else {
                stack
                    .iface(index)
                    .and_then(|i| i.with(|s| s.ipv6.as_ref().map(|v| v.hop_limit)))
                    .unwrap_or(64)
            };
            output_raw(
                stack,
                index,
                src.unwrap_or(Ipv6Addr::UNSPECIFIED),
                dst,
                proto,
                hop_limit,
                pkt,
            )
        }
    }
}

/// TX along a route already found (no further interface lookups).
pub(crate) fn output_routed(
    stack: &Stack,
    route: &Route,
    src: Option<Ipv6Addr>,
    dst: Ipv6Addr,
    proto: IpProtocol,
    pkt: NetPkt<'static>,
) -> Result<(), Errno> {
    let hop_limit = if dst.is_multicast() {
        crate::config::CONFIG_NET_INITIAL_MCAST_HOP_LIMIT as u8
    } else {
        route.hop_limit
    };
    let src = src.unwrap_or(route.src);
    emit(
        stack,
        route.iface,
        src,
        dst,
        proto,
        hop_limit,
        route.mtu,
        Some(route.up),
        pkt,
    )
}

/// TX with every header field given (neighbor discovery needs hop limit 255).
pub(crate) fn output_raw(
    stack: &Stack,
    index: u8,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    proto: IpProtocol,
    hop_limit: u8,
    pkt: NetPkt<'static>,
) -> Result<(), Errno> {
    let mtu = stack.iface(index).map_or(0, |i| i.mtu());
    emit(stack, index, src, dst, proto, hop_limit, mtu, None, pkt)
}

/// Writes the header and hands the packet to the interface.
#[allow(clippy::too_many_arguments)]
fn emit(
    stack: &Stack,
    index: u8,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    proto: IpProtocol,
    hop_limit: u8,
    mtu: u16,
    up: Option<bool>,
    mut pkt: NetPkt<'static>,
) -> Result<(), Errno> {
    let payload_len = pkt.len();
    // A packet of several TCP segments goes to a device that cuts it to the MTU (TSO).
    if HEADER_LEN + payload_len > usize::from(mtu) && !pkt.meta().is_gso() {
        return Err(Errno::EMSGSIZE);
    }
    let repr = wire::Ipv6Repr {
        src_addr: src,
        dst_addr: dst,
        next_header: proto,
        payload_len,
        hop_limit,
        traffic_class: 0,
    };
    let hdr = pkt.push_header(HEADER_LEN).map_err(|_| Errno::ENOBUFS)?;
    repr.emit(&mut Ipv6Packet::new_unchecked(hdr))
        .map_err(|_| Errno::EMSGSIZE)?;
    {
        let m = pkt.meta_mut();
        m.iface = index;
        m.family = Family::Ipv6;
        m.ip_hdr_len = HEADER_LEN as u16;
    }
    #[cfg(CONFIG_NET_STATISTICS_IPV6)]
    crate::stat_inc!(stack.stats_for(index), ipv6.sent);
    #[cfg(CONFIG_NET_STATISTICS)]
    crate::stat_add!(
        stack.stats_for(index),
        bytes.sent,
        (HEADER_LEN + payload_len) as u32
    );
    match up {
        Some(up) => stack.send_ip_up(pkt, up),
        None => stack.send_ip(pkt),
    }
}

/// The destination of the IPv6 packet at the front of `pkt`.
#[cfg(CONFIG_NET_L2_ETHERNET)]
pub(crate) fn peek_dst(pkt: &NetPkt<'_>) -> Option<Ipv6Addr> {
    let mut scratch = [0u8; HEADER_LEN];
    let hdr = pkt.linearize(HEADER_LEN, &mut scratch).ok()?;
    Some(Ipv6Packet::new_unchecked(hdr).dst_addr())
}

/// Adds an address to an interface: it joins the solicited-node group and, with DAD,
/// starts tentative; without DAD it is usable at once. Raises `NET_EVENT_IPV6_ADDR_ADD`.
pub fn add_addr(
    stack: &Stack,
    index: u8,
    addr: Ipv6Addr,
    prefix_len: u8,
    origin: AddrOrigin,
) -> Result<(), crate::net_if::IfError> {
    use crate::net_if::IfError;
    let iface = stack.iface(index).ok_or(IfError::NoInterface)?;
    let dad = crate::config::CONFIG_NET_IPV6_DAD && iface.link_addr().mac().is_some();
    let state = if dad {
        Ipv6AddrState::Tentative {
            probes_left: DAD_TRANSMITS,
        }
    } else {
        Ipv6AddrState::Preferred
    };
    iface.with(|s| {
        let v6 = s.ipv6.as_mut().ok_or(IfError::NotSupported)?;
        v6.add(Ipv6IfAddr {
            addr,
            prefix_len,
            state,
            origin,
            valid_lifetime: u32::MAX,
        })?;
        // A full multicast table only costs the NS for this address; DAD still works.
        let _ = v6.join(wire::solicited_node(&addr));
        Ok(())
    })?;
    stack.event(
        crate::ip::mgmt::NET_EVENT_IPV6_ADDR_ADD,
        index,
        crate::ip::mgmt::EventInfo::Ipv6Addr(addr),
    );
    #[cfg(CONFIG_NET_IPV6_MLD)]
    crate::ip::icmpv6::send_mld_report(stack, index);
    if dad {
        #[cfg(CONFIG_NET_IPV6_ND)]
        crate::ip::icmpv6::send_dad_ns(stack, index, addr);
        nbr::set_dad_timer(stack, index, addr);
    } else {
        stack.event(
            crate::ip::mgmt::NET_EVENT_IPV6_DAD_SUCCEED,
            index,
            crate::ip::mgmt::EventInfo::Ipv6Addr(addr),
        );
    }
    Ok(())
}

/// Removes an address and leaves its solicited-node group. Raises `NET_EVENT_IPV6_ADDR_DEL`.
pub fn remove_addr(stack: &Stack, index: u8, addr: Ipv6Addr) -> Result<(), crate::net_if::IfError> {
    use crate::net_if::IfError;
    let iface = stack.iface(index).ok_or(IfError::NoInterface)?;
    iface.with(|s| {
        let v6 = s.ipv6.as_mut().ok_or(IfError::NotSupported)?;
        v6.remove(addr)?;
        let group = wire::solicited_node(&addr);
        if !v6
            .unicast
            .iter()
            .flatten()
            .any(|a| wire::solicited_node(&a.addr) == group)
        {
            let _ = v6.leave(group);
        }
        Ok(())
    })?;
    stack.event(
        crate::ip::mgmt::NET_EVENT_IPV6_ADDR_DEL,
        index,
        crate::ip::mgmt::EventInfo::Ipv6Addr(addr),
    );
    Ok(())
}

/// Duplicate address detection probes per address (RFC 4862 DupAddrDetectTransmits).
pub const DAD_TRANSMITS: u8 = 1;
/// Router solicitations sent when an interface comes up (RFC 4861 MAX_RTR_SOLICITATIONS).
pub const MAX_RTR_SOLICITATIONS: u8 = 3;

/// Called when an interface becomes operational: the EUI-64 link-local address (with DAD),
/// and router solicitation.
pub(crate) fn iface_up(stack: &Stack, index: u8) {
    let Some(iface) = stack.iface(index) else {
        return;
    };
    if let Some(mac) = iface.link_addr().mac() {
        let ll = wire::link_local_from_mac(&mac);
        let have = iface.with(|s| s.ipv6.as_ref().is_some_and(|v| v.has_addr(ll)));
        if !have {
            let _ = add_addr(stack, index, ll, 64, AddrOrigin::Autoconf);
        }
        #[cfg(CONFIG_NET_IPV6_ND)]
        nbr::start_router_solicitation(stack, index);
    }
}

/// Periodic IPv6 work: DAD completion, router solicitations, neighbor states, lifetimes.
pub(crate) fn timers(stack: &Stack, now: u64) {
    nbr::timers(stack, now);
}
