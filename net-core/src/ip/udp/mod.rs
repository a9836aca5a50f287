//! UDP (RFC 768): checksum checks (an IPv4 zero checksum means none; IPv6 requires one),
//! demultiplexing to sockets, ephemeral ports, and the output path.

pub mod wire;

use core::net::{IpAddr, SocketAddr};

use crate::buf::NetPkt;
use crate::ip::checksum::{self, IpProtocol};
use crate::ip::net_core::{Stack, Verdict, pkt_sum};
use crate::lib::sockets::Errno;
use wire::{HEADER_LEN, UdpPacket};

macro_rules! udp_stat {
    ($stack:expr, $iface:expr, $field:ident) => {{
        #[cfg(CONFIG_NET_STATISTICS_UDP)]
        crate::stat_inc!($stack.stats_for($iface), udp.$field);
        // Without statistics the arguments are still used, so that no variable kept
        // only for counting is reported unused.
        #[cfg(not(CONFIG_NET_STATISTICS_UDP))]
        let _ = (&$stack, &$iface);
    }};
}

/// The header fields, after the length and checksum checks.
struct Header {
    src_port: u16,
    dst_port: u16,
    /// The header as received: an ICMP error about the datagram quotes it.
    raw: [u8; HEADER_LEN],
}

/// Checks length and checksum of the datagram in `pkt` (IP header already pulled) and
/// pulls the UDP header. `pseudo` is the pseudo-header sum; `v6` makes a zero checksum an
/// error.
#[allow(unused_variables)]
fn check(
    stack: &Stack,
    iface: u8,
    pkt: &mut NetPkt<'static>,
    pseudo: impl Fn(u16) -> u16,
    v6: bool,
) -> Option<Header> {
    let mut scratch = [0u8; HEADER_LEN];
    let hdr = pkt
        .linearize(HEADER_LEN.min(pkt.len()), &mut scratch)
        .ok()?;
    if hdr.len() < HEADER_LEN {
        return None;
    }
    let mut raw = [0u8; HEADER_LEN];
    raw.copy_from_slice(hdr);
    let p = UdpPacket::new_unchecked(hdr);
    let (src_port, dst_port, len, sum) = (
        p.src_port(),
        p.dst_port(),
        usize::from(p.len()),
        p.checksum(),
    );
    if len < HEADER_LEN || len > pkt.len() || dst_port == 0 {
        return None;
    }
    pkt.truncate(len);
    if sum == 0 {
        // "No checksum": never over IPv6 (RFC 8200 §8.1), over IPv4 only with
        // NET_UDP_MISSING_CHECKSUM.
        if v6 || !crate::config::CONFIG_NET_UDP_MISSING_CHECKSUM {
            udp_stat!(stack, iface, chkerr);
            return None;
        }
    } else if crate::config::CONFIG_NET_UDP_CHECKSUM
        && checksum::combine(&[pseudo(len as u16), pkt_sum(pkt, 0, len)]) != 0xffff
    {
        udp_stat!(stack, iface, chkerr);
        return None;
    }
    pkt.pull_header(HEADER_LEN).ok()?;
    Some(Header {
        src_port,
        dst_port,
        raw,
    })
}

/// Hands a checked datagram to its socket, counting it; a datagram no socket wants gets
/// `unreachable` (the ICMP error of its IP version).
#[allow(unused_variables)]
fn deliver(
    stack: &Stack,
    iface: u8,
    dst: SocketAddr,
    src: SocketAddr,
    header: &[u8; HEADER_LEN],
    pkt: NetPkt<'static>,
    unreachable: impl FnOnce(&NetPkt<'static>),
) -> Verdict {
    // A queued datagram is counted (udp.recv) as it is queued, so that statistics read
    // after the application's reply already include the request.
    match stack.deliver_datagram(iface, dst, src, pkt) {
        Ok(None) => Verdict::Ok,
        Ok(Some(mut unclaimed)) => {
            udp_stat!(stack, iface, drop);
            // The error quotes the datagram from its UDP header on: put the header back.
            if let Ok(h) = unclaimed.push_header(HEADER_LEN) {
                h.copy_from_slice(header);
                unreachable(&unclaimed);
            }
            Verdict::Drop
        }
        Err(()) => {
            udp_stat!(stack, iface, drop);
            Verdict::Drop
        }
    }
}

/// RX of a datagram over IPv4.
#[cfg(CONFIG_NET_IPV4)]
pub(crate) fn input_v4(
    stack: &Stack,
    iface: u8,
    mut pkt: NetPkt<'static>,
    ip: &crate::ip::ipv4::Ipv4Info,
) -> Verdict {
    let Some(h) = check(
        stack,
        iface,
        &mut pkt,
        |len| checksum::pseudo_header_v4(&ip.src, &ip.dst, IpProtocol::Udp, len),
        false,
    ) else {
        udp_stat!(stack, iface, drop);
        return Verdict::Drop;
    };
    let dst = SocketAddr::new(IpAddr::V4(ip.dst), h.dst_port);
    let src = SocketAddr::new(IpAddr::V4(ip.src), h.src_port);
    deliver(stack, iface, dst, src, &h.raw, pkt, |unclaimed| {
        crate::ip::icmpv4::send_unreachable(
            stack,
            iface,
            crate::ip::icmpv4::wire::DstUnreachable::PortUnreachable,
            ip,
            unclaimed,
        )
    })
}

/// RX of a datagram over IPv6.
#[cfg(CONFIG_NET_IPV6)]
pub(crate) fn input_v6(
    stack: &Stack,
    iface: u8,
    mut pkt: NetPkt<'static>,
    ip: &crate::ip::ipv6::Ipv6Info,
) -> Verdict {
    let Some(h) = check(
        stack,
        iface,
        &mut pkt,
        |len| checksum::pseudo_header_v6(&ip.src, &ip.dst, IpProtocol::Udp, u32::from(len)),
        true,
    ) else {
        udp_stat!(stack, iface, drop);
        return Verdict::Drop;
    };
    let dst = SocketAddr::new(IpAddr::V6(ip.dst), h.dst_port);
    let src = SocketAddr::new(IpAddr::V6(ip.src), h.src_port);
    deliver(stack, iface, dst, src, &h.raw, pkt, |unclaimed| {
        crate::ip::icmpv6::send_port_unreachable(stack, iface, ip, unclaimed)
    })
}

/// TX: prepends the UDP header to `pkt` (holding the payload) and sends it from `local`
/// (port and, unless unspecified, address) to `dst`.
pub(crate) fn output(
    stack: &Stack,
    local: SocketAddr,
    dst: SocketAddr,
    mut pkt: NetPkt<'static>,
) -> Result<(), Errno> {
    let len = HEADER_LEN + pkt.len();
    let len16 = u16::try_from(len).map_err(|_| Errno::EMSGSIZE)?;
    {
        let hdr = pkt.push_header(HEADER_LEN).map_err(|_| Errno::ENOBUFS)?;
        let mut p = UdpPacket::new_unchecked(hdr);
        p.set_src_port(local.port());
        p.set_dst_port(dst.port());
        p.set_len(len16);
        p.set_checksum(0);
    }
    match (local.ip(), dst.ip()) {
        #[cfg(CONFIG_NET_IPV4)]
        (IpAddr::V4(l), IpAddr::V4(d)) => {
            // Route, TTL, MTU and interface state in one critical section.
            let route = crate::ip::ipv4::route(stack, None, d).ok_or(Errno::ENETUNREACH)?;
            if !route.up {
                return Err(Errno::ENETDOWN);
            }
            if crate::ip::ipv4::wire::HEADER_LEN + len > usize::from(route.mtu) {
                return Err(Errno::EMSGSIZE);
            }
            let iface = route.iface;
            let src = if l.is_unspecified() { route.src } else { l };
            let sum = checksum::combine(&[
                checksum::pseudo_header_v4(&src, &d, IpProtocol::Udp, len16),
                pkt_sum(&pkt, 0, len),
            ]);
            let sum = match !sum {
                0 => 0xffff,
                s => s,
            };
            pkt.write_at(6, &sum.to_be_bytes())
                .map_err(|_| Errno::EINVAL)?;
            // Counted once the datagram is complete (as Zephyr's `net_udp_finalize` does),
            // its interface up and the route's MTU large enough: counted after the
            // hand-over, a reply could reach the peer, and statistics be read, before the
            // count. A full queue or a link error below is counted there.
            udp_stat!(stack, iface, sent);
            crate::ip::ipv4::output_routed(stack, &route, Some(src), d, IpProtocol::Udp, pkt)
        }
        #[cfg(CONFIG_NET_IPV6)]
        (IpAddr::V6(l), IpAddr::V6(d)) => {
            let route = crate::ip::ipv6::route(stack, None, d).ok_or(Errno::ENETUNREACH)?;
            if !route.up {
                return Err(Errno::ENETDOWN);
            }
            if crate::ip::ipv6::wire::HEADER_LEN + len > usize::from(route.mtu) {
                return Err(Errno::EMSGSIZE);
            }
            let src = if l.is_unspecified() { route.src } else { l };
            let sum = checksum::combine(&[
                checksum::pseudo_header_v6(&src, &d, IpProtocol::Udp, u32::from(len16)),
                pkt_sum(&pkt, 0, len),
            ]);
            let sum = match !sum {
                0 => 0xffff,
                s => s,
            };
            pkt.write_at(6, &sum.to_be_bytes())
                .map_err(|_| Errno::EINVAL)?;
            udp_stat!(stack, route.iface, sent);
            crate::ip::ipv6::output_routed(stack, &route, Some(src), d, IpProtocol::Udp, pkt)
        }
        _ => Err(Errno::EAFNOSUPPORT),
    }
}
