//! ICMPv4 (RFC 792): echo replies, and destination-unreachable errors for closed ports.

pub mod wire;

use core::net::Ipv4Addr;

use crate::buf::NetPkt;
use crate::ip::checksum::IpProtocol;
use crate::ip::ipv4::Ipv4Info;
use crate::ip::net_core::{Stack, Verdict, pkt_sum};
use wire::{DstUnreachable, HEADER_LEN, Icmpv4Packet, Message};

macro_rules! icmp_stat {
    ($stack:expr, $iface:expr, $field:ident) => {{
        #[cfg(CONFIG_NET_STATISTICS_ICMP)]
        crate::stat_inc!($stack.stats_for($iface), icmp.$field);
        // Without statistics the arguments are still used, so that no variable kept
        // only for counting is reported unused.
        #[cfg(not(CONFIG_NET_STATISTICS_ICMP))]
        let _ = (&$stack, &$iface);
    }};
}

/// RX of an ICMPv4 message (the IP header already pulled).
pub(crate) fn input(stack: &Stack, iface: u8, pkt: NetPkt<'static>, ip: &Ipv4Info) -> Verdict {
    let len = pkt.len();
    let mut scratch = [0u8; HEADER_LEN];
    let Ok(hdr) = pkt.linearize(HEADER_LEN.min(len), &mut scratch) else {
        icmp_stat!(stack, iface, drop);
        return Verdict::Drop;
    };
    if hdr.len() < HEADER_LEN {
        icmp_stat!(stack, iface, drop);
        return Verdict::Drop;
    }
    let (msg, code) = (Message::from(hdr[0]), hdr[1]);
    if pkt_sum(&pkt, 0, len) != 0xffff {
        icmp_stat!(stack, iface, chkerr);
        icmp_stat!(stack, iface, drop);
        return Verdict::Drop;
    }
    #[cfg(CONFIG_NET_SOCKETS_INET_RAW)]
    stack.deliver_raw(
        crate::lib::sockets::AddrFamily::Inet,
        1,
        core::net::IpAddr::V4(ip.src),
        &pkt,
    );
    icmp_stat!(stack, iface, recv);
    match msg {
        Message::EchoRequest if code == 0 => {
            // Broadcast and multicast pings (to 255.255.255.255, the subnet's broadcast
            // address, 0.0.0.0 where accepted, or a group) go unanswered unless
            // NET_ICMPV4_ACCEPT_BROADCAST, as Linux's icmp_echo_ignore_broadcasts.
            let group = ip.dst.is_broadcast()
                || ip.dst.is_multicast()
                || ip.dst.is_unspecified()
                || is_subnet_broadcast(stack, iface, ip.dst);
            if group && !crate::config::CONFIG_NET_ICMPV4_ACCEPT_BROADCAST {
                return Verdict::Drop;
            }
            // The answer to a group comes from our own address, never from the group's.
            let src = (!group).then_some(ip.dst);
            echo_reply(stack, iface, &pkt, ip, src);
            Verdict::Ok
        }
        Message::EchoReply | Message::DstUnreachable | Message::TimeExceeded => Verdict::Ok,
        _ => {
            icmp_stat!(stack, iface, typeerr);
            icmp_stat!(stack, iface, drop);
            Verdict::Drop
        }
    }
}

/// Answers the echo request `req` from `src` (`None`: the interface's address for the
/// requester).
fn echo_reply(
    stack: &Stack,
    iface: u8,
    req: &NetPkt<'static>,
    ip: &Ipv4Info,
    src: Option<core::net::Ipv4Addr>,
) {
    let len = req.len();
    let Ok(mut reply) = stack.alloc_tx(len) else {
        icmp_stat!(stack, iface, drop);
        return;
    };
    // Copy the request, then flip the type and fix the checksum.
    if reply.append_chunks(req.chunks()).is_err() {
        icmp_stat!(stack, iface, drop);
        return;
    }
    let mut head = [0u8; HEADER_LEN];
    reply.copy_out(0, &mut head);
    head[0] = u8::from(Message::EchoReply);
    head[2] = 0;
    head[3] = 0;
    let _ = reply.write_at(0, &head);
    let sum = !pkt_sum(&reply, 0, len);
    let _ = reply.write_at(2, &sum.to_be_bytes());
    reply.meta_mut().priority = req.meta().priority;
    match crate::ip::ipv4::output(stack, Some(iface), src, ip.src, IpProtocol::Icmp, reply) {
        Ok(()) => icmp_stat!(stack, iface, sent),
        Err(_) => icmp_stat!(stack, iface, drop),
    }
}

/// Sends "destination unreachable" about a received datagram, quoting its IP header and
/// the first 8 bytes of its payload. Never about broadcast or multicast datagrams.
pub(crate) fn send_unreachable(
    stack: &Stack,
    iface: u8,
    reason: DstUnreachable,
    ip: &Ipv4Info,
    payload: &NetPkt<'_>,
) {
    if ip.dst.is_broadcast()
        || ip.dst.is_multicast()
        || ip.dst.is_unspecified()
        || ip.src.is_unspecified()
        || is_subnet_broadcast(stack, iface, ip.dst)
    {
        return;
    }
    if crate::config::CONFIG_NET_DISABLE_ICMP_DESTINATION_UNREACHABLE {
        return;
    }
    let mut quote = [0u8; 8];
    let q = payload.copy_out(0, &mut quote);
    let hdr = ip.header();
    let len = HEADER_LEN + hdr.len() + q;
    let Ok(mut pkt) = stack.alloc_tx(len) else {
        return;
    };
    let mut head = [0u8; HEADER_LEN];
    {
        let mut p = Icmpv4Packet::new_unchecked(&mut head[..]);
        p.set_msg_type(Message::DstUnreachable);
        p.set_msg_code(u8::from(reason));
    }
    if pkt.append(&head).is_err() || pkt.append(hdr).is_err() || pkt.append(&quote[..q]).is_err() {
        return;
    }
    let sum = !pkt_sum(&pkt, 0, len);
    let _ = pkt.write_at(2, &sum.to_be_bytes());
    match crate::ip::ipv4::output(
        stack,
        Some(iface),
        Some(ip.dst),
        ip.src,
        IpProtocol::Icmp,
        pkt,
    ) {
        Ok(()) => icmp_stat!(stack, iface, sent),
        Err(_) => icmp_stat!(stack, iface, drop),
    }
}

fn is_subnet_broadcast(stack: &Stack, iface: u8, a: Ipv4Addr) -> bool {
    stack.iface(iface).is_some_and(|i| {
        i.with(|s| {
            s.ipv4
                .as_ref()
                .is_some_and(|v4| v4.unicast.iter().flatten().any(|x| x.broadcast() == a))
        })
    })
}
