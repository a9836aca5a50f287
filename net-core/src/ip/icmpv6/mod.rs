//! ICMPv6 (RFC 4443): echo, errors for closed ports; neighbor discovery (RFC 4861: NS/NA,
//! RS, RA with SLAAC per RFC 4862, DAD); MLDv2 reports (RFC 3810) for the joined groups.

pub mod wire;

use core::net::Ipv6Addr;

use crate::buf::NetPkt;
use crate::ip::checksum::{self, IpProtocol};
use crate::ip::ipv6::Ipv6Info;
use crate::ip::ipv6::wire as v6wire;
use crate::ip::net_core::{Stack, Verdict, pkt_sum};
use wire::{Icmpv6Message, Icmpv6Packet, Icmpv6Repr};

/// The largest neighbor-discovery or MLD message this stack reads; longer ones are read up
/// to this length (trailing options are then ignored).
const ND_SCAN: usize = 512;

macro_rules! icmp_stat {
    ($stack:expr, $iface:expr, $($path:ident).+) => {{
        #[cfg(CONFIG_NET_STATISTICS_ICMP)]
        crate::stat_inc!($stack.stats_for($iface), $($path).+);
    }};
}

#[allow(unused_macros)]
macro_rules! nd_stat {
    ($stack:expr, $iface:expr, $field:ident) => {{
        #[cfg(CONFIG_NET_STATISTICS_IPV6_ND)]
        crate::stat_inc!($stack.stats_for($iface), ipv6_nd.$field);
    }};
}

/// Counts an ICMPv6 message as sent, or as dropped when it could not be sent.
#[allow(unused_variables)]
fn count_sent(stack: &Stack, iface: u8, ok: bool) {
    #[cfg(CONFIG_NET_STATISTICS_ICMP)]
    if ok {
        crate::stat_inc!(stack.stats_for(iface), icmp.sent);
    } else {
        crate::stat_inc!(stack.stats_for(iface), icmp.drop);
    }
}

/// RX of an ICMPv6 message.
pub(crate) fn input(stack: &Stack, iface: u8, pkt: NetPkt<'static>, ip: &Ipv6Info) -> Verdict {
    let len = pkt.len();
    let Ok(len32) = u32::try_from(len) else {
        return Verdict::Drop;
    };
    if len < 4 {
        icmp_stat!(stack, iface, icmp.drop);
        return Verdict::Drop;
    }
    let pseudo = checksum::pseudo_header_v6(&ip.src, &ip.dst, IpProtocol::Icmpv6, len32);
    if checksum::combine(&[pseudo, pkt_sum(&pkt, 0, len)]) != 0xffff {
        icmp_stat!(stack, iface, icmp.chkerr);
        icmp_stat!(stack, iface, icmp.drop);
        return Verdict::Drop;
    }
    #[cfg(CONFIG_NET_SOCKETS_INET_RAW)]
    stack.deliver_raw(
        crate::lib::sockets::AddrFamily::Inet6,
        58,
        core::net::IpAddr::V6(ip.src),
        &pkt,
    );
    let mut head = [0u8; 4];
    pkt.copy_out(0, &mut head);
    let msg = Icmpv6Message::from(head[0]);
    icmp_stat!(stack, iface, icmp.recv);
    match msg {
        Icmpv6Message::EchoRequest => {
            if ip.dst.is_multicast() && !crate::config::CONFIG_NET_IPV6_ND {
                return Verdict::Drop;
            }
            echo_reply(stack, iface, &pkt, ip);
            Verdict::Ok
        }
        Icmpv6Message::EchoReply
        | Icmpv6Message::DstUnreachable
        | Icmpv6Message::PacketTooBig
        | Icmpv6Message::TimeExceeded
        | Icmpv6Message::ParamProblem => Verdict::Ok,
        Icmpv6Message::NeighborSolicit
        | Icmpv6Message::NeighborAdvert
        | Icmpv6Message::RouterAdvert
        | Icmpv6Message::RouterSolicit
        | Icmpv6Message::Redirect => ndisc_input(stack, iface, &pkt, ip),
        Icmpv6Message::MldQuery => mld_input(stack, iface, ip),
        _ => {
            icmp_stat!(stack, iface, icmp.typeerr);
            icmp_stat!(stack, iface, icmp.drop);
            Verdict::Drop
        }
    }
}

fn echo_reply(stack: &Stack, iface: u8, req: &NetPkt<'static>, ip: &Ipv6Info) {
    let len = req.len();
    let Ok(mut reply) = stack.alloc_tx(len) else {
        icmp_stat!(stack, iface, icmp.drop);
        return;
    };
    if reply.append_chunks(req.chunks()).is_err() {
        icmp_stat!(stack, iface, icmp.drop);
        return;
    }
    // The reply comes from the address that was pinged, or (for a multicast ping) from
    // our best address towards the sender.
    let src = if ip.dst.is_multicast() {
        match crate::ip::ipv6::route(stack, Some(iface), ip.src) {
            Some(r) => r.src,
            None => return,
        }
    } else {
        ip.dst
    };
    let _ = reply.write_at(0, &[u8::from(Icmpv6Message::EchoReply), 0, 0, 0]);
    let Ok(len32) = u32::try_from(len) else {
        return;
    };
    let pseudo = checksum::pseudo_header_v6(&src, &ip.src, IpProtocol::Icmpv6, len32);
    let sum = !checksum::combine(&[pseudo, pkt_sum(&reply, 0, len)]);
    let _ = reply.write_at(2, &sum.to_be_bytes());
    reply.meta_mut().priority = req.meta().priority;
    let ok = crate::ip::ipv6::output(
        stack,
        Some(iface),
        Some(src),
        ip.src,
        IpProtocol::Icmpv6,
        reply,
    )
    .is_ok();
    count_sent(stack, iface, ok);
}

/// Sends "destination unreachable: port unreachable" about a received datagram, quoting
/// as much of it as fits the minimum MTU. Never about multicast datagrams.
pub(crate) fn send_port_unreachable(stack: &Stack, iface: u8, ip: &Ipv6Info, payload: &NetPkt<'_>) {
    if ip.dst.is_multicast()
        || ip.src.is_unspecified()
        || crate::config::CONFIG_NET_DISABLE_ICMP_DESTINATION_UNREACHABLE
    {
        return;
    }
    // From the address the datagram was sent to when it is ours, else our best address
    // towards the sender.
    let dst_is_ours = stack
        .iface(iface)
        .is_some_and(|i| i.with(|s| s.ipv6.as_ref().is_some_and(|v| v.is_mine(ip.dst))));
    let src = if dst_is_ours {
        ip.dst
    } else {
        match crate::ip::ipv6::route(stack, Some(iface), ip.src) {
            Some(r) => r.src,
            None => return,
        }
    };
    // Quote the IPv6 header, then the datagram from its UDP header on, as much as keeps
    // the error within the minimum MTU.
    let quote_len = payload
        .len()
        .min(wire::MAX_ERROR_DATA_LEN.saturating_sub(v6wire::HEADER_LEN));
    let len = 8 + v6wire::HEADER_LEN + quote_len;
    let Ok(mut pkt) = stack.alloc_tx(len) else {
        return;
    };
    let mut head = [0u8; 8];
    head[0] = u8::from(Icmpv6Message::DstUnreachable);
    head[1] = 4; // port unreachable
    if pkt.append(&head).is_err() || pkt.append(&ip.header).is_err() {
        return;
    }
    let mut rest = [0u8; 64];
    let mut offset = 0;
    while offset < quote_len {
        let n = payload.copy_out(offset, &mut rest[..(quote_len - offset).min(64)]);
        if n == 0 || pkt.append(&rest[..n]).is_err() {
            break;
        }
        offset += n;
    }
    let total = pkt.len();
    let Ok(total32) = u32::try_from(total) else {
        return;
    };
    let pseudo = checksum::pseudo_header_v6(&src, &ip.src, IpProtocol::Icmpv6, total32);
    let sum = !checksum::combine(&[pseudo, pkt_sum(&pkt, 0, total)]);
    let _ = pkt.write_at(2, &sum.to_be_bytes());
    let ok = crate::ip::ipv6::output(
        stack,
        Some(iface),
        Some(src),
        ip.src,
        IpProtocol::Icmpv6,
        pkt,
    )
    .is_ok();
    count_sent(stack, iface, ok);
}

/// Sends a complete ICMPv6 message held in `msg` (checksum included).
fn send_message(
    stack: &Stack,
    iface: u8,
    src: Ipv6Addr,
    dst: Ipv6Addr,
    hop_limit: u8,
    msg: &[u8],
) -> bool {
    let Ok(mut pkt) = stack.alloc_tx(msg.len()) else {
        return false;
    };
    if pkt.append(msg).is_err() {
        return false;
    }
    crate::ip::ipv6::output_raw(stack, iface, src, dst, IpProtocol::Icmpv6, hop_limit, pkt).is_ok()
}

fn emit_ndisc(
    repr: &wire::NdiscRepr,
    src: &Ipv6Addr,
    dst: &Ipv6Addr,
    buf: &mut [u8],
) -> Option<usize> {
    let r = Icmpv6Repr::Ndisc(*repr);
    let len = r.buffer_len();
    r.emit(
        src,
        dst,
        &mut Icmpv6Packet::new_unchecked(buf.get_mut(..len)?),
    )
    .ok()?;
    Some(len)
}

fn our_mac(stack: &Stack, iface: u8) -> Option<[u8; 6]> {
    stack.iface(iface)?.link_addr().mac()
}

/// Sends a neighbor solicitation for `target`: multicast to its solicited-node group, or
/// unicast to `unicast_mac` when probing a known neighbor.
#[cfg(CONFIG_NET_IPV6_ND)]
pub(crate) fn send_ns(stack: &Stack, iface: u8, target: Ipv6Addr, unicast_mac: Option<[u8; 6]>) {
    let Some(src) = crate::ip::ipv6::route(stack, Some(iface), target).map(|r| r.src) else {
        return;
    };
    let dst = if unicast_mac.is_some() {
        target
    } else {
        v6wire::solicited_node(&target)
    };
    let repr = wire::NdiscRepr::NeighborSolicit {
        target_addr: target,
        lladdr: our_mac(stack, iface),
    };
    let mut buf = [0u8; 64];
    if let Some(n) = emit_ndisc(&repr, &src, &dst, &mut buf)
        && send_message(stack, iface, src, dst, v6wire::NDISC_HOP_LIMIT, &buf[..n])
    {
        nd_stat!(stack, iface, sent);
    }
}

/// Sends the duplicate-address-detection probe for a tentative address: an NS from `::`.
#[cfg(CONFIG_NET_IPV6_ND)]
pub(crate) fn send_dad_ns(stack: &Stack, iface: u8, addr: Ipv6Addr) {
    let dst = v6wire::solicited_node(&addr);
    let src = Ipv6Addr::UNSPECIFIED;
    let repr = wire::NdiscRepr::NeighborSolicit {
        target_addr: addr,
        lladdr: None,
    };
    let mut buf = [0u8; 64];
    if let Some(n) = emit_ndisc(&repr, &src, &dst, &mut buf)
        && send_message(stack, iface, src, dst, v6wire::NDISC_HOP_LIMIT, &buf[..n])
    {
        nd_stat!(stack, iface, sent);
    }
}

/// Sends a router solicitation to all routers.
#[cfg(CONFIG_NET_IPV6_ND)]
pub(crate) fn send_rs(stack: &Stack, iface: u8) {
    let dst = v6wire::ALL_ROUTERS;
    let src =
        crate::ip::ipv6::route(stack, Some(iface), dst).map_or(Ipv6Addr::UNSPECIFIED, |r| r.src);
    // RFC 4861 §4.1: no link-layer option from the unspecified address.
    let lladdr = if src.is_unspecified() {
        None
    } else {
        our_mac(stack, iface)
    };
    let repr = wire::NdiscRepr::RouterSolicit { lladdr };
    let mut buf = [0u8; 32];
    if let Some(n) = emit_ndisc(&repr, &src, &dst, &mut buf)
        && send_message(stack, iface, src, dst, v6wire::NDISC_HOP_LIMIT, &buf[..n])
    {
        nd_stat!(stack, iface, sent);
    }
}

#[cfg(CONFIG_NET_IPV6_ND)]
fn send_na(stack: &Stack, iface: u8, target: Ipv6Addr, dst: Ipv6Addr, solicited: bool) {
    use wire::NeighborFlags;
    let mut flags = NeighborFlags::OVERRIDE;
    if solicited {
        flags = flags | NeighborFlags::SOLICITED;
    }
    let repr = wire::NdiscRepr::NeighborAdvert {
        flags,
        target_addr: target,
        lladdr: our_mac(stack, iface),
    };
    let mut buf = [0u8; 64];
    if let Some(n) = emit_ndisc(&repr, &target, &dst, &mut buf)
        && send_message(
            stack,
            iface,
            target,
            dst,
            v6wire::NDISC_HOP_LIMIT,
            &buf[..n],
        )
    {
        nd_stat!(stack, iface, sent);
    }
}

/// What an NS, RS or RA with source link-layer option `lladdr` says of its sender: its
/// address replaces a cached one, and an unknown sender gets an entry (RFC 4861 §7.2.3,
/// §6.3.4).
fn heard(lladdr: Option<[u8; 6]>, router: Option<bool>) -> crate::ip::ipv6::nbr::Heard {
    crate::ip::ipv6::nbr::Heard {
        lladdr,
        solicited: false,
        override_: true,
        router,
        create: true,
    }
}

#[allow(unused_variables)]
fn ndisc_input(stack: &Stack, iface: u8, pkt: &NetPkt<'static>, ip: &Ipv6Info) -> Verdict {
    #[cfg(not(CONFIG_NET_IPV6_ND))]
    {
        Verdict::Drop
    }
    #[cfg(CONFIG_NET_IPV6_ND)]
    {
        use wire::{NdiscRepr, NeighborFlags, PrefixInfoFlags};
        let mut scratch = [0u8; ND_SCAN];
        let n = pkt.len().min(ND_SCAN);
        let Ok(bytes) = pkt.linearize(n, &mut scratch) else {
            return Verdict::Drop;
        };
        let ip_repr = v6wire::Ipv6Repr {
            src_addr: ip.src,
            dst_addr: ip.dst,
            next_header: IpProtocol::Icmpv6,
            payload_len: ip.payload_len,
            hop_limit: ip.hop_limit,
            traffic_class: 0,
        };
        let parsed = Icmpv6Packet::new_checked(bytes)
            .ok()
            .and_then(|p| NdiscRepr::parse(&p).ok())
            .filter(|r| r.validate_ip(&ip_repr).is_ok());
        let Some(repr) = parsed else {
            nd_stat!(stack, iface, drop);
            return Verdict::Drop;
        };
        nd_stat!(stack, iface, recv);
        let Some(i) = stack.iface(iface) else {
            return Verdict::Drop;
        };
        match repr {
            NdiscRepr::NeighborSolicit {
                target_addr,
                lladdr,
            } => {
                let (mine, tentative) = i.with(|s| {
                    s.ipv6.as_ref().map_or((false, false), |v| {
                        (
                            v.is_mine(target_addr),
                            v.has_addr(target_addr) && !v.is_mine(target_addr),
                        )
                    })
                });
                if ip.src.is_unspecified() {
                    // Someone else probes an address we also try to use: DAD failed for us.
                    if tentative {
                        crate::ip::ipv6::nbr::dad_failed(stack, iface, target_addr);
                    } else if mine {
                        send_na(stack, iface, target_addr, v6wire::ALL_NODES, false);
                    }
                    return Verdict::Ok;
                }
                if !mine {
                    return Verdict::Ok;
                }
                crate::ip::ipv6::nbr::learn(stack, iface, ip.src, heard(lladdr, None));
                send_na(stack, iface, target_addr, ip.src, true);
                Verdict::Ok
            }
            NdiscRepr::NeighborAdvert {
                flags,
                target_addr,
                lladdr,
            } => {
                let ours = i.with(|s| s.ipv6.as_ref().is_some_and(|v| v.has_addr(target_addr)));
                if ours {
                    crate::ip::ipv6::nbr::dad_failed(stack, iface, target_addr);
                    return Verdict::Ok;
                }
                crate::ip::ipv6::nbr::learn(
                    stack,
                    iface,
                    target_addr,
                    crate::ip::ipv6::nbr::Heard {
                        lladdr,
                        solicited: flags.contains(NeighborFlags::SOLICITED),
                        override_: flags.contains(NeighborFlags::OVERRIDE),
                        router: Some(flags.contains(NeighborFlags::ROUTER)),
                        create: false,
                    },
                );
                Verdict::Ok
            }
            NdiscRepr::RouterAdvert {
                hop_limit,
                router_lifetime,
                reachable_time,
                retrans_time,
                lladdr,
                mtu,
                prefix_info,
                ..
            } => {
                crate::ip::ipv6::nbr::stop_router_solicitation(stack, iface);
                crate::ip::ipv6::nbr::learn(stack, iface, ip.src, heard(lladdr, Some(true)));
                let mut slaac = None;
                i.with(|s| {
                    if let Some(m) = mtu
                        && let Ok(m) = u16::try_from(m)
                        && m >= 1280
                        && m <= i.driver.mtu()
                    {
                        s.mtu = m;
                    }
                    let Some(v6) = s.ipv6.as_mut() else { return };
                    if hop_limit != 0 {
                        v6.hop_limit = hop_limit;
                    }
                    if reachable_time != 0 {
                        v6.reachable_time_ms = reachable_time;
                    }
                    if retrans_time != 0 {
                        v6.retrans_timer_ms = retrans_time;
                    }
                    v6.router = if router_lifetime > 0 {
                        Some(ip.src)
                    } else {
                        v6.router.filter(|r| *r != ip.src)
                    };
                    if let Some(p) = prefix_info
                        && !crate::net_if::is_link_local(p.prefix)
                        && p.valid_lifetime > 0
                    {
                        if p.flags.contains(PrefixInfoFlags::ON_LINK) {
                            let known = v6
                                .prefixes
                                .iter_mut()
                                .flatten()
                                .find(|x| x.prefix == p.prefix && x.len == p.prefix_len);
                            match known {
                                Some(x) => x.valid_lifetime = p.valid_lifetime,
                                None => {
                                    if let Some(slot) = v6.prefixes.iter_mut().find(|x| x.is_none())
                                    {
                                        *slot = Some(crate::net_if::Ipv6Prefix {
                                            prefix: p.prefix,
                                            len: p.prefix_len,
                                            valid_lifetime: p.valid_lifetime,
                                        });
                                    }
                                }
                            }
                        }
                        if p.flags.contains(PrefixInfoFlags::ADDRCONF) && p.prefix_len == 64 {
                            slaac = Some(p.prefix);
                        }
                    }
                });
                if let (Some(prefix), Some(mac)) = (slaac, i.link_addr().mac()) {
                    let iid = v6wire::eui64_interface_id(&mac);
                    let mut bytes = prefix.octets();
                    bytes[8..].copy_from_slice(&iid);
                    let addr = Ipv6Addr::from(bytes);
                    let have = i.with(|s| s.ipv6.as_ref().is_some_and(|v| v.has_addr(addr)));
                    if !have {
                        let _ = crate::ip::ipv6::add_addr(
                            stack,
                            iface,
                            addr,
                            64,
                            crate::net_if::AddrOrigin::Autoconf,
                        );
                    }
                }
                Verdict::Ok
            }
            // Hosts ignore router solicitations and (this one) redirects.
            _ => Verdict::Ok,
        }
    }
}

/// An MLD query: answer with a report of our groups.
#[allow(unused_variables)]
fn mld_input(stack: &Stack, iface: u8, ip: &Ipv6Info) -> Verdict {
    if ip.hop_limit != 1 || !crate::net_if::is_link_local(ip.src) {
        #[cfg(CONFIG_NET_STATISTICS_MLD)]
        crate::stat_inc!(stack.stats_for(iface), ipv6_mld.drop);
        return Verdict::Drop;
    }
    #[cfg(CONFIG_NET_STATISTICS_MLD)]
    crate::stat_inc!(stack.stats_for(iface), ipv6_mld.recv);
    #[cfg(CONFIG_NET_IPV6_MLD)]
    send_mld_report(stack, iface);
    Verdict::Ok
}

/// Sends an MLDv2 report listing every joined group (all-nodes excepted, RFC 3810 §6).
#[cfg(CONFIG_NET_IPV6_MLD)]
pub(crate) fn send_mld_report(stack: &Stack, iface: u8) {
    use wire::{MldAddressRecordRepr, MldRecordType};
    let Some(i) = stack.iface(iface) else { return };
    if i.link_addr().mac().is_none() {
        return;
    }
    const MAX: usize = crate::config::CONFIG_NET_IF_MCAST_IPV6_ADDR_COUNT;
    // The slots are copied out whole and compacted into a plain array, and each address
    // moves as a `u128`: at opt-level "s" a 16-byte copy between these arrays became a
    // call to `memmove`, the image's only one (1.6 KiB on Cortex-M).
    let slots = i.with(|s| s.ipv6.as_ref().map(|v| v.mcast));
    let unused = MldAddressRecordRepr {
        record_type: MldRecordType::ChangeToExclude,
        mcast_addr: Ipv6Addr::UNSPECIFIED,
        sources: &[],
    };
    let mut all = [unused; MAX];
    let mut count = 0;
    for group in slots.iter().flatten().flatten() {
        if *group == v6wire::ALL_NODES {
            continue;
        }
        if let Some(record) = all.get_mut(count) {
            record.mcast_addr = Ipv6Addr::from_bits(group.to_bits());
            count += 1;
        }
    }
    let records = &all[..count];
    if records.is_empty() {
        return;
    }
    let dst = v6wire::ALL_MLDV2_ROUTERS;
    let src =
        crate::ip::ipv6::route(stack, Some(iface), dst).map_or(Ipv6Addr::UNSPECIFIED, |r| r.src);
    let len = wire::mldv2_report_len(records);
    let mut buf = [0u8; 8 + 8 + 20 * MAX];
    let Some(msg) = buf.get_mut(8..8 + len) else {
        return;
    };
    if wire::emit_mldv2_report(&mut Icmpv6Packet::new_unchecked(msg), &src, &dst, records).is_err()
    {
        return;
    }
    if v6wire::emit_router_alert_hop_by_hop(
        &mut buf[..8],
        IpProtocol::Icmpv6,
        v6wire::ROUTER_ALERT_MLD,
    )
    .is_err()
    {
        return;
    }
    let Ok(mut pkt) = stack.alloc_tx(8 + len) else {
        return;
    };
    if pkt.append(&buf[..8 + len]).is_err() {
        return;
    }
    if crate::ip::ipv6::output_raw(stack, iface, src, dst, IpProtocol::HopByHop, 1, pkt).is_ok() {
        #[cfg(CONFIG_NET_STATISTICS_MLD)]
        crate::stat_inc!(stack.stats_for(iface), ipv6_mld.sent);
    }
}
