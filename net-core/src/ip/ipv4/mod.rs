//! IPv4 (RFC 791): header checks, delivery to ICMPv4 and UDP, and the output path.
//!
//! The stack is a host, not a router: packets for other addresses are dropped. Options are
//! skipped; fragments are dropped and counted (`ip_errors.fragerr`) as long as there is no
//! reassembly.

pub mod wire;

use core::net::Ipv4Addr;

use crate::buf::{Family, NetPkt};
use crate::ip::checksum::{self, IpProtocol};
use crate::ip::net_core::{Stack, Verdict};
use crate::lib::sockets::Errno;
use wire::{HEADER_LEN, Ipv4Packet};

/// The largest IPv4 header (IHL 15).
pub const MAX_HEADER_LEN: usize = 60;

/// What L4 needs to know about the IPv4 header of a received packet.
#[derive(Clone, Copy, Debug)]
pub struct Ipv4Info {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// The header as received (ICMP errors quote it).
    pub header: [u8; MAX_HEADER_LEN],
    /// Its length.
    pub header_len: usize,
}

impl Ipv4Info {
    /// The received header bytes.
    pub fn header(&self) -> &[u8] {
        &self.header[..self.header_len]
    }
}

macro_rules! v4_stat {
    ($stack:expr, $iface:expr, $($path:ident).+) => {{
        #[cfg(CONFIG_NET_STATISTICS)]
        crate::stat_inc!($stack.stats_for($iface), $($path).+);
    }};
}
#[allow(unused_imports)]
pub(crate) use v4_stat;

macro_rules! v4_drop {
    ($stack:expr, $iface:expr) => {{
        #[cfg(CONFIG_NET_STATISTICS_IPV4)]
        crate::stat_inc!($stack.stats_for($iface), ipv4.drop);
    }};
}

/// RX: validates the header and hands the payload to ICMPv4 or UDP.
pub(crate) fn input(stack: &Stack, iface: u8, mut pkt: NetPkt<'static>) -> Verdict {
    let mut header = [0u8; MAX_HEADER_LEN];
    let avail = pkt.len().min(MAX_HEADER_LEN);
    let Ok(bytes) = pkt.linearize(avail, &mut header) else {
        v4_drop!(stack, iface);
        return Verdict::Drop;
    };
    let mut copy = [0u8; MAX_HEADER_LEN];
    copy[..bytes.len()].copy_from_slice(bytes);
    let hdr = &copy[..avail];
    if hdr.len() < HEADER_LEN || hdr[0] >> 4 != 4 || usize::from(hdr[0] & 0x0f) * 4 < HEADER_LEN {
        v4_stat!(stack, iface, ip_errors.vhlerr);
        v4_drop!(stack, iface);
        return Verdict::Drop;
    }
    let ihl = usize::from(hdr[0] & 0x0f) * 4;
    let packet = Ipv4Packet::new_unchecked(hdr);
    let total = usize::from(packet.total_len());
    if ihl > hdr.len() || total < ihl || total > pkt.len() {
        v4_stat!(stack, iface, ip_errors.lblenerr);
        v4_drop!(stack, iface);
        return Verdict::Drop;
    }
    if checksum::data(&hdr[..ihl]) != 0xffff {
        v4_stat!(stack, iface, ip_errors.chkerr);
        v4_drop!(stack, iface);
        return Verdict::Drop;
    }
    if packet.is_fragment() {
        v4_stat!(stack, iface, ip_errors.fragerr);
        v4_drop!(stack, iface);
        return Verdict::Drop;
    }
    let (src, dst, proto) = (packet.src_addr(), packet.dst_addr(), packet.next_header());
    let Some(i) = stack.iface(iface) else {
        return Verdict::Drop;
    };
    let accept = i.with(|s| s.ipv4.as_ref().is_some_and(|v4| v4.accepts(dst)));
    if !accept || src.is_broadcast() || src.is_multicast() {
        v4_drop!(stack, iface);
        return Verdict::Drop;
    }
    pkt.truncate(total);
    if pkt.pull_header(ihl).is_err() {
        v4_drop!(stack, iface);
        return Verdict::Drop;
    }
    {
        let m = pkt.meta_mut();
        m.family = Family::Ipv4;
        m.ip_hdr_len = ihl as u16;
    }
    #[cfg(CONFIG_NET_STATISTICS_IPV4)]
    crate::stat_inc!(stack.stats_for(iface), ipv4.recv);
    #[cfg(CONFIG_NET_STATISTICS)]
    crate::stat_add!(stack.stats_for(iface), bytes.received, total as u32);
    let info = Ipv4Info {
        src,
        dst,
        header: copy,
        header_len: ihl,
    };
    match proto {
        IpProtocol::Icmp => crate::ip::icmpv4::input(stack, iface, pkt, &info),
        #[cfg(CONFIG_NET_UDP)]
        IpProtocol::Udp => crate::ip::udp::input_v4(stack, iface, pkt, &info),
        #[cfg(CONFIG_NET_TCP)]
        IpProtocol::Tcp => crate::ip::tcp::io::input(
            stack,
            iface,
            pkt,
            crate::ip::checksum::IpAddress::V4(info.src),
            crate::ip::checksum::IpAddress::V4(info.dst),
        ),
        _ => {
            v4_stat!(stack, iface, ip_errors.protoerr);
            v4_drop!(stack, iface);
            Verdict::Drop
        }
    }
}

/// A route towards a destination, with what the output path needs from the interface
/// (TTL, MTU, operational state), all read in one critical section.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Route {
    /// The interface.
    pub iface: u8,
    /// The source address to use.
    pub src: Ipv4Addr,
    /// The interface's unicast TTL.
    ttl: u8,
    /// The interface's L3 MTU.
    pub mtu: u16,
    /// The interface was operationally up.
    pub up: bool,
}

/// The route for sending to `dst`: through `iface` when given, else the first interface
/// with `dst` on-link, else the first with a gateway. One pass over the interfaces, one
/// critical section each.
pub(crate) fn route(stack: &Stack, iface: Option<u8>, dst: Ipv4Addr) -> Option<Route> {
    // Whether `dst` is on-link on `idx`, and the route through `idx` if there is one.
    let look = |idx: u8| -> Option<(bool, Option<Route>)> {
        let i = stack.iface(idx)?;
        Some(i.with(|s| {
            let Some(v4) = s.ipv4.as_ref() else {
                return (false, None);
            };
            let on_link = v4.unicast.iter().flatten().any(|a| a.on_link(dst));
            let route = v4.next_hop(dst).and(v4.source_for(dst)).map(|src| Route {
                iface: idx,
                src,
                ttl: v4.ttl,
                mtu: s.mtu,
                up: s.oper == crate::net_if::OperState::Up,
            });
            (on_link, route)
        }))
    };
    if let Some(idx) = iface {
        return look(idx)?.1;
    }
    let n = u8::try_from(stack.ifaces().len()).unwrap_or(u8::MAX);
    // The first interface with `dst` on-link wins; failing that (none, or no route
    // through it), the first interface with any route.
    let mut first = None;
    let mut on_link_seen = false;
    for idx in 0..n {
        let Some((on_link, route)) = look(idx) else {
            continue;
        };
        if on_link && !on_link_seen {
            on_link_seen = true;
            if route.is_some() {
                return route;
            }
        }
        if first.is_none() {
            first = route;
        }
    }
    first
}

/// TX: prepends the IPv4 header to a packet holding the L4 message and sends it.
/// `src` must be one of our addresses (or `None` to choose).
pub(crate) fn output(
    stack: &Stack,
    iface: Option<u8>,
    src: Option<Ipv4Addr>,
    dst: Ipv4Addr,
    proto: IpProtocol,
    pkt: NetPkt<'static>,
) -> Result<(), Errno> {
    let route = route(stack, iface, dst).ok_or(Errno::ENETUNREACH)?;
    output_routed(stack, &route, src, dst, proto, pkt)
}

/// [`output`] along a route already looked up (with [`route`]).
pub(crate) fn output_routed(
    stack: &Stack,
    route: &Route,
    src: Option<Ipv4Addr>,
    dst: Ipv4Addr,
    proto: IpProtocol,
    mut pkt: NetPkt<'static>,
) -> Result<(), Errno> {
    let index = route.iface;
    let src = match src {
        Some(s) if !s.is_unspecified() => s,
        _ => route.src,
    };
    let ttl = if dst.is_multicast() {
        crate::config::CONFIG_NET_INITIAL_MCAST_TTL as u8
    } else {
        route.ttl
    };
    let mtu = route.mtu;
    let payload_len = pkt.len();
    let total = HEADER_LEN + payload_len;
    let total16 = u16::try_from(total).map_err(|_| Errno::EMSGSIZE)?;
    // A packet of several TCP segments goes to a device that cuts it to the MTU (TSO).
    if total > usize::from(mtu) && !pkt.meta().is_gso() {
        return Err(Errno::EMSGSIZE);
    }
    let ident = stack.next_ipv4_ident();
    let hdr = pkt.push_header(HEADER_LEN).map_err(|_| Errno::ENOBUFS)?;
    let mut p = Ipv4Packet::new_unchecked(hdr);
    p.set_version(4);
    p.set_header_len(HEADER_LEN as u8);
    p.set_dscp_ecn(0);
    p.set_total_len(total16);
    p.set_ident(ident);
    p.clear_flags();
    p.set_dont_frag(true);
    p.set_hop_limit(ttl);
    p.set_next_header(proto);
    p.set_src_addr(src);
    p.set_dst_addr(dst);
    p.fill_checksum();
    {
        let m = pkt.meta_mut();
        m.iface = index;
        m.family = Family::Ipv4;
        m.ip_hdr_len = HEADER_LEN as u16;
    }
    #[cfg(CONFIG_NET_STATISTICS_IPV4)]
    crate::stat_inc!(stack.stats_for(index), ipv4.sent);
    #[cfg(CONFIG_NET_STATISTICS)]
    crate::stat_add!(stack.stats_for(index), bytes.sent, total as u32);
    stack.send_ip_up(pkt, route.up)
}

/// The destination address of the IPv4 packet at the front of `pkt`.
#[cfg(CONFIG_NET_L2_ETHERNET)]
pub(crate) fn peek_dst(pkt: &NetPkt<'_>) -> Option<Ipv4Addr> {
    let mut scratch = [0u8; HEADER_LEN];
    let hdr = pkt.linearize(HEADER_LEN, &mut scratch).ok()?;
    Some(Ipv4Packet::new_unchecked(hdr).dst_addr())
}
