//! TCP in the data paths (Zephyr's `tcp.c`): received segments are checked, matched to a
//! connection (or to a listening socket, or answered with a RST), and fed to the state
//! machine; what the state machine wants to send is built into TX packets and handed to
//! IPv4 or IPv6; the timers run from [`crate::Stack::run_timers`].
//!
//! Segments are built inside the table's critical section but sent after it, in batches
//! of [`BATCH`], so that nothing on the TX path (which may loop back into this stack)
//! runs while the table is borrowed.

use heapless::Vec;

use super::conn::{Endpoint, Events, State};
use super::table::{self, Owner, Slot};
use super::wire::{TcpControl, TcpPacket, TcpRepr};
use crate::buf::NetPkt;
use crate::ip::checksum::{self, ChecksumPolicy, IpAddress, IpProtocol};
use crate::ip::net_core::{Stack, Verdict, pkt_sum};

/// Headroom of a TCP packet: Ethernet with a VLAN tag, IPv6, and the largest TCP header.
pub const HEADROOM: usize = 18 + 40 + super::wire::MAX_HEADER_LEN;

/// Largest segment (TCP header and payload) staged on the stack when it spans blocks: an
/// Ethernet MTU less the IPv4 header. Longer ones (a device's merged segments, or a
/// loopback with a larger MTU) go to a thread's buffer on host builds and are dropped on
/// bare metal.
pub const MAX_SEGMENT: usize = 1500 - 20;

/// Segments built per pass over the table before they are sent.
pub const BATCH: usize = 4;

macro_rules! tcp_stat {
    ($stack:expr, $iface:expr, $field:ident) => {{
        #[cfg(CONFIG_NET_STATISTICS_TCP)]
        crate::stat_inc!($stack.stats_for($iface), tcp.$field);
        // Without statistics the arguments are still used, so that no variable kept
        // only for counting is reported unused.
        #[cfg(not(CONFIG_NET_STATISTICS_TCP))]
        let _ = (&$stack, &$iface);
    }};
    ($stack:expr, $iface:expr, $field:ident, $n:expr) => {{
        #[cfg(CONFIG_NET_STATISTICS_TCP)]
        crate::stat_add!($stack.stats_for($iface), tcp.$field, $n as u32);
        #[cfg(not(CONFIG_NET_STATISTICS_TCP))]
        let _ = (&$stack, &$iface, &$n);
    }};
}

/// A segment built and waiting to be sent.
pub(crate) struct Outgoing {
    pkt: NetPkt<'static>,
    src: IpAddress,
    dst: IpAddress,
    payload: usize,
    /// The interface the route goes out of, whose statistics count the segment.
    iface: u8,
}

/// The route to a connection's remote end: its interface, MTU and source address (for a
/// connection whose local address is unspecified). A flush looks it up once and sends
/// every segment along it (the IP output path would otherwise look it up per segment).
#[derive(Clone, Copy)]
pub(crate) enum Routed {
    #[cfg(CONFIG_NET_IPV4)]
    V4(crate::ip::ipv4::Route, core::net::Ipv4Addr),
    #[cfg(CONFIG_NET_IPV6)]
    V6(crate::ip::ipv6::Route, core::net::Ipv6Addr),
}

impl Routed {
    pub(crate) fn to(stack: &Stack, remote: IpAddress) -> Option<Routed> {
        match remote {
            #[cfg(CONFIG_NET_IPV4)]
            IpAddress::V4(d) => crate::ip::ipv4::route(stack, None, d).map(|r| Routed::V4(r, d)),
            #[cfg(CONFIG_NET_IPV6)]
            IpAddress::V6(d) => crate::ip::ipv6::route(stack, None, d).map(|r| Routed::V6(r, d)),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The source address the route gives.
    pub(crate) fn src(&self) -> IpAddress {
        match self {
            #[cfg(CONFIG_NET_IPV4)]
            Routed::V4(r, _) => IpAddress::V4(r.src),
            #[cfg(CONFIG_NET_IPV6)]
            Routed::V6(r, _) => IpAddress::V6(r.src),
        }
    }

    fn iface(&self) -> u8 {
        match self {
            #[cfg(CONFIG_NET_IPV4)]
            Routed::V4(r, _) => r.iface,
            #[cfg(CONFIG_NET_IPV6)]
            Routed::V6(r, _) => r.iface,
        }
    }

    fn dst(&self) -> IpAddress {
        match self {
            #[cfg(CONFIG_NET_IPV4)]
            Routed::V4(_, d) => IpAddress::V4(*d),
            #[cfg(CONFIG_NET_IPV6)]
            Routed::V6(_, d) => IpAddress::V6(*d),
        }
    }

    fn mtu(&self) -> usize {
        match self {
            #[cfg(CONFIG_NET_IPV4)]
            Routed::V4(r, _) => usize::from(r.mtu),
            #[cfg(CONFIG_NET_IPV6)]
            Routed::V6(r, _) => usize::from(r.mtu),
        }
    }
}

/// Builds `repr` from `src` to `dst` into a TX packet, checksum included. `gso` is the
/// segment size of a segment of several MSS that the device cuts (TSO), or 0.
fn build(
    stack: &Stack,
    repr: &TcpRepr<'_>,
    src: IpAddress,
    dst: IpAddress,
    priority: u8,
    iface: u8,
    gso: usize,
) -> Option<Outgoing> {
    let payload = repr.payload;
    let mut pkt = stack.alloc_tx_headroom(payload.len(), HEADROOM).ok()?;
    pkt.append(payload).ok()?;
    pkt.meta_mut().priority = priority;
    #[cfg(feature = "std")]
    {
        pkt.meta_mut().gso_size = u16::try_from(gso).ok()?;
    }
    #[cfg(not(feature = "std"))]
    let _ = gso;
    let header = TcpRepr {
        payload: &[],
        ..*repr
    };
    let header_len = header.header_len();
    let total = header_len + payload.len();
    {
        let buf = pkt.push_header(header_len).ok()?;
        header
            .emit(&mut TcpPacket::new_unchecked(buf), &src, &dst, false)
            .ok()?;
    }
    let pseudo = match (src, dst) {
        #[cfg(CONFIG_NET_IPV4)]
        (IpAddress::V4(s), IpAddress::V4(d)) => {
            checksum::pseudo_header_v4(&s, &d, IpProtocol::Tcp, u16::try_from(total).ok()?)
        }
        #[cfg(CONFIG_NET_IPV6)]
        (IpAddress::V6(s), IpAddress::V6(d)) => {
            checksum::pseudo_header_v6(&s, &d, IpProtocol::Tcp, total as u32)
        }
        _ => return None,
    };
    let sum = !checksum::combine(&[pseudo, pkt_sum(&pkt, 0, total)]);
    pkt.write_at(16, &sum.to_be_bytes()).ok()?;
    Some(Outgoing {
        pkt,
        src,
        dst,
        payload: payload.len(),
        iface,
    })
}

/// Hands built segments to IP.
fn send_all(stack: &Stack, out: &mut Vec<Outgoing, BATCH>) {
    send_all_via(stack, out, None);
}

/// [`send_all`], along `via` for the segments to its destination.
fn send_all_via(stack: &Stack, out: &mut Vec<Outgoing, BATCH>, via: Option<&Routed>) {
    // In the order built.
    out.reverse();
    while let Some(o) = out.pop() {
        let routed = match via {
            Some(r) if r.dst() == o.dst => Some(*r),
            _ => Routed::to(stack, o.dst),
        };
        let r = match (o.src, routed) {
            #[cfg(CONFIG_NET_IPV4)]
            (IpAddress::V4(s), Some(Routed::V4(route, d))) => {
                crate::ip::ipv4::output_routed(stack, &route, Some(s), d, IpProtocol::Tcp, o.pkt)
            }
            #[cfg(CONFIG_NET_IPV6)]
            (IpAddress::V6(s), Some(Routed::V6(route, d))) => {
                crate::ip::ipv6::output_routed(stack, &route, Some(s), d, IpProtocol::Tcp, o.pkt)
            }
            (_, None) => Err(crate::lib::sockets::Errno::ENETUNREACH),
            #[allow(unreachable_patterns)]
            _ => Err(crate::lib::sockets::Errno::EAFNOSUPPORT),
        };
        let iface = o.iface;
        if r.is_ok() {
            tcp_stat!(stack, iface, sent);
            tcp_stat!(stack, iface, bytes_sent, o.payload);
        } else {
            // The state machine counts the segment as sent; its retransmission timer
            // covers the loss.
            tcp_stat!(stack, iface, drop);
        }
    }
}

/// Builds and sends one segment from `src` to `dst` now.
pub(crate) fn send_segment(stack: &Stack, seg: &TcpRepr<'_>, src: IpAddress, dst: IpAddress) {
    let priority = crate::config::CONFIG_NET_TX_DEFAULT_PRIORITY as u8;
    let iface = Routed::to(stack, dst).map_or(stack.default_iface().unwrap_or(0), |r| r.iface());
    let mut out: Vec<Outgoing, BATCH> = Vec::new();
    if let Some(o) = build(stack, seg, src, dst, priority, iface, 0) {
        let _ = out.push(o);
    }
    send_all(stack, &mut out);
}

/// Sends everything connection `index` has to send now (data, ACKs, retransmissions,
/// SYN, FIN), and runs its due timers. Returns the events that produced.
pub(crate) fn flush(stack: &Stack, index: usize) -> Events {
    flush_at(stack, index, stack.now_ms())
}

/// [`flush`] with the time already read by the caller.
pub(crate) fn flush_at(stack: &Stack, index: usize, now: u64) -> Events {
    let remote = stack.tcp.with(|slots| {
        slots
            .get_mut(index)
            .and_then(Slot::entry)
            .and_then(|e| e.tcb.remote())
    });
    flush_to(stack, index, now, remote, None)
}

/// [`flush_at`] with the connection's remote end already known (`None`: it has none),
/// sending `reply` (already built, to the remote end) first.
fn flush_to(
    stack: &Stack,
    index: usize,
    now: u64,
    remote: Option<Endpoint>,
    reply: Option<Outgoing>,
) -> Events {
    let mut first: Vec<Outgoing, BATCH> = Vec::new();
    if let Some(r) = reply {
        let _ = first.push(r);
    }
    let routed = remote.and_then(|r| Routed::to(stack, r.addr));
    let (Some(remote), Some(routed)) = (remote, routed) else {
        send_all(stack, &mut first);
        stack.tcp.with(table::sweep);
        return Events::empty();
    };
    send_all_via(stack, &mut first, Some(&routed));
    #[cfg(feature = "std")]
    {
        let tso = tso_max(stack, &routed);
        if tso > 0 {
            // The thread's buffer, unless a flush further up this thread's stack holds it
            // (a loopback delivering in the sender's context): then one MSS at a time.
            let done = TSO_PAYLOAD.with(|buf| {
                let mut buf = buf.try_borrow_mut().ok()?;
                Some(transmit(
                    stack,
                    index,
                    now,
                    remote,
                    &routed,
                    &mut buf[..],
                    tso,
                ))
            });
            if let Some(events) = done {
                return events;
            }
        }
    }
    let mut payload = [0u8; MAX_SEGMENT];
    transmit(stack, index, now, remote, &routed, &mut payload, 0)
}

/// The most payload bytes a TCP segment along `routed` may carry when its device
/// segments itself (0 when it does not): the device's limit, a quarter of the TX pool (so
/// that one segment never takes the pool; `poll_transmit` has counted a segment as sent
/// before it is built) and the payload buffer.
#[cfg(feature = "std")]
fn tso_max(stack: &Stack, routed: &Routed) -> usize {
    let device = stack
        .iface(routed.iface())
        .map_or(0, |i| i.driver.tso_max());
    if device == 0 {
        return 0;
    }
    let pool = stack.pools().block_size() * crate::config::CONFIG_NET_BUF_TX_COUNT / 4;
    device.min(pool).min(TSO_BUFFER)
}

/// Size of a thread's payload buffer for segments of several MSS: the send buffer, which
/// no segment exceeds, at most 64000 bytes (the IP length field's limit, less headers).
#[cfg(feature = "std")]
const TSO_BUFFER: usize = if table::TX_BUFFER < 64_000 {
    table::TX_BUFFER
} else {
    64_000
};

#[cfg(feature = "std")]
std::thread_local! {
    /// Payload of segments of several MSS (TSO), one per thread (host builds only).
    static TSO_PAYLOAD: core::cell::RefCell<[u8; TSO_BUFFER]> =
        const { core::cell::RefCell::new([0; TSO_BUFFER]) };
}

/// The transmit part of [`flush_to`]: every segment connection `index` has to send along
/// `routed`, its payload staged in `payload`; segments of new data up to `tso` bytes
/// (0: one MSS).
fn transmit(
    stack: &Stack,
    index: usize,
    now: u64,
    remote: Endpoint,
    routed: &Routed,
    payload: &mut [u8],
    tso: usize,
) -> Events {
    let mut events = Events::empty();
    let (iface, mtu) = (routed.iface(), routed.mtu());
    loop {
        let mut out: Vec<Outgoing, BATCH> = Vec::new();
        let more = stack.tcp.with(|slots| {
            let Some(e) = slots.get_mut(index).and_then(Slot::entry) else {
                table::sweep(slots);
                return false;
            };
            let local = e.tcb.local();
            #[cfg(feature = "std")]
            e.tcb.set_tso_max(tso);
            #[cfg(not(feature = "std"))]
            let _ = tso;
            while !out.is_full() {
                let before = e.tcb.stats();
                let Some(seg) = e.tcb.poll_transmit(now, mtu, payload) else {
                    events.insert(e.tcb.take_events());
                    // Done for now: note the connection's next timer and free finished
                    // connections in this same critical section (this runs after every
                    // segment received).
                    if let Some(at) = e.tcb.poll_at() {
                        stack.tcp.timer_at(at);
                    }
                    table::sweep(slots);
                    return false;
                };
                let after = e.tcb.stats();
                if after != before {
                    // A timeout, fast retransmit or partial ACK resent data.
                    tcp_stat!(stack, iface, rexmit);
                    tcp_stat!(stack, iface, resent, seg.payload.len());
                }
                let priority = crate::config::CONFIG_NET_TX_DEFAULT_PRIORITY as u8;
                let smss = e.tcb.smss();
                let gso = if seg.payload.len() > smss { smss } else { 0 };
                if let Some(o) = build(stack, &seg, local.addr, remote.addr, priority, iface, gso) {
                    let _ = out.push(o);
                } else {
                    tcp_stat!(stack, iface, drop);
                }
            }
            events.insert(e.tcb.take_events());
            true
        });
        send_all_via(stack, &mut out, Some(routed));
        if !more {
            break;
        }
    }
    if events.contains(Events::TIMED_OUT) {
        tcp_stat!(stack, iface, conndrop);
    }
    events
}

/// Wakes the sockets when a connection reported something.
fn wake(events: Events) {
    if !events.is_empty() {
        crate::lib::sockets::wake_all();
    }
}

/// Parses a received segment (IP header already pulled) and hands it to its connection.
pub(crate) fn input(
    stack: &Stack,
    iface: u8,
    pkt: NetPkt<'static>,
    src: IpAddress,
    dst: IpAddress,
) -> Verdict {
    let len = pkt.len();
    // A segment in one block (the common case) is parsed where it lies; only one spread
    // over blocks is copied, into a scratch buffer that is zeroed only then.
    let first = pkt.first_chunk();
    if first.len() >= len {
        return parse_segment(stack, iface, first.get(..len).unwrap_or(&[]), src, dst);
    }
    #[cfg(feature = "std")]
    if len > MAX_SEGMENT {
        // A segment of many MSS from a device that merged them (the TAP's receive
        // offload), staged whole in the thread's buffer.
        let verdict = LARGE_SEGMENT.with(|buf| {
            let mut buf = buf.try_borrow_mut().ok()?;
            let bytes = pkt.linearize(len, &mut buf[..]).ok()?;
            Some(parse_segment(stack, iface, bytes, src, dst))
        });
        return verdict.unwrap_or_else(|| {
            tcp_stat!(stack, iface, drop);
            Verdict::Drop
        });
    }
    let mut scratch = [0u8; MAX_SEGMENT];
    let bytes = if len <= MAX_SEGMENT {
        pkt.linearize(len, &mut scratch).ok()
    } else {
        None
    };
    let Some(bytes) = bytes else {
        tcp_stat!(stack, iface, drop);
        return Verdict::Drop;
    };
    parse_segment(stack, iface, bytes, src, dst)
}

#[cfg(feature = "std")]
std::thread_local! {
    /// A received segment longer than an Ethernet MTU allows (a device's merged segments),
    /// made contiguous; one per thread, host builds only.
    static LARGE_SEGMENT: core::cell::RefCell<[u8; u16::MAX as usize]> =
        const { core::cell::RefCell::new([0; u16::MAX as usize]) };
}

/// [`input`] once the segment's bytes are contiguous.
fn parse_segment(
    stack: &Stack,
    iface: u8,
    bytes: &[u8],
    src: IpAddress,
    dst: IpAddress,
) -> Verdict {
    let policy = if crate::config::CONFIG_NET_TCP_CHECKSUM {
        ChecksumPolicy::Verify
    } else {
        ChecksumPolicy::Trust
    };
    let repr = TcpPacket::new_checked(bytes)
        .map_err(|_| false)
        .and_then(|p| {
            TcpRepr::parse(&p, &src, &dst, policy)
                .map_err(|e| e == crate::ip::checksum::WireError::Checksum)
        });
    let repr = match repr {
        Ok(r) => r,
        Err(bad_checksum) => {
            // The branches differ only in the counter they bump, so without statistics
            // they are the same.
            #[allow(clippy::if_same_then_else)]
            if bad_checksum {
                tcp_stat!(stack, iface, chkerr);
            } else {
                tcp_stat!(stack, iface, seg_drop);
            }
            tcp_stat!(stack, iface, drop);
            return Verdict::Drop;
        }
    };
    tcp_stat!(stack, iface, recv);
    tcp_stat!(stack, iface, bytes_received, repr.payload.len());
    if repr.control == TcpControl::Rst {
        tcp_stat!(stack, iface, rst);
    }
    segment(stack, iface, &repr, src, dst)
}

/// RFC 4861 §7.3.1 (`NET_TCP_IPV6_ND_REACHABILITY_HINT`): an ACK of new data shows that
/// the peer is reachable, so neighbor discovery need not probe it. At most one hint per
/// connection and half reachable time, as Zephyr rate-limits it. The hint goes to the
/// peer's own cache entry (a peer behind a router has none, and nothing happens).
#[cfg(CONFIG_NET_TCP_IPV6_ND_REACHABILITY_HINT)]
fn reachability_hint(stack: &Stack, iface: u8, e: &mut table::Entry, src: IpAddress, now: u64) {
    let IpAddress::V6(peer) = src else {
        return;
    };
    let half = crate::ip::ipv6::nbr::reachable_time_ms(stack, iface) / 2;
    if e.nd_hint_ms != 0 && now.saturating_sub(e.nd_hint_ms) < half {
        return;
    }
    e.nd_hint_ms = now.max(1);
    crate::ip::ipv6::nbr::reachability_hint(stack, iface, peer, now);
}

/// What the demultiplexer decided, inside the table's critical section.
enum Demux {
    /// Handled by connection `index`; maybe with an immediate reply. With `deferred` its
    /// output waits for the end of the receive batch instead of being flushed now.
    Conn {
        index: usize,
        reply: Option<Outgoing>,
        events: Events,
        deferred: bool,
    },
    /// No connection and no listener: maybe a RST.
    Refused(Option<Outgoing>),
    /// Dropped (a listener's backlog or the table is full).
    Dropped,
}

fn segment(
    stack: &Stack,
    iface: u8,
    repr: &TcpRepr<'_>,
    src: IpAddress,
    dst: IpAddress,
) -> Verdict {
    let local = Endpoint {
        addr: dst,
        port: repr.dst_port,
    };
    let remote = Endpoint {
        addr: src,
        port: repr.src_port,
    };
    let now = stack.now_ms();
    let prio = crate::config::CONFIG_NET_TX_DEFAULT_PRIORITY as u8;
    // The segment to connection `i`, and its immediate reply built.
    let deliver = |i: usize, slots: &mut [Slot]| {
        let Some(e) = slots.get_mut(i).and_then(Slot::entry) else {
            return Demux::Dropped;
        };
        #[cfg(CONFIG_NET_TCP_IPV6_ND_REACHABILITY_HINT)]
        let queued = e.tcb.send_queue();
        let reaction = e.tcb.on_segment(src, dst, repr, now);
        #[cfg(CONFIG_NET_TCP_IPV6_ND_REACHABILITY_HINT)]
        if e.tcb.send_queue() < queued {
            reachability_hint(stack, iface, e, src, now);
        }
        // More frames wait in the RX queues: whatever this segment makes the connection
        // send (an ACK, data the ACK let out) goes out once the queues are drained,
        // covering all of them (`flush_deferred`).
        if reaction.reply.is_none()
            && e.tcb.may_defer_output()
            && !reaction.events.contains(Events::TIME_WAIT_SYN)
            && stack.rx_backlog()
        {
            e.output_deferred = true;
            stack.tcp.note_deferred();
            return Demux::Conn {
                index: i,
                reply: None,
                events: reaction.events,
                deferred: true,
            };
        }
        let reply = reaction
            .reply
            .and_then(|r| build(stack, &r, dst, src, prio, iface, 0));
        Demux::Conn {
            index: i,
            reply,
            events: reaction.events,
            deferred: false,
        }
    };
    // A SYN that ended a TIME-WAIT goes round once more, to a listener.
    for _ in 0..2 {
        let decision = stack.tcp.with(|slots| {
            if let Some(i) = table::find(slots, local, remote) {
                return deliver(i, slots);
            }
            let is_syn = repr.control == TcpControl::Syn && repr.ack_number.is_none();
            let listener =
                is_syn
                    .then(|| stack.tcp_listener(local))
                    .flatten()
                    .filter(|&(fd, backlog)| {
                        let pending = slots
                            .iter_mut()
                            .filter_map(Slot::entry)
                            .filter(|e| e.owner == Owner::Pending(fd) && !table::is_done(e))
                            .count();
                        pending < backlog
                    });
            if let Some((fd, _)) = listener {
                let Some(i) = table::claim(stack.tcp, slots, Owner::Pending(fd)) else {
                    return Demux::Dropped;
                };
                let Some(e) = slots.get_mut(i).and_then(Slot::entry) else {
                    return Demux::Dropped;
                };
                if e.tcb.listen(local).is_err() {
                    return Demux::Dropped;
                }
                return deliver(i, slots);
            }
            if is_syn && stack.tcp_listener(local).is_some() {
                return Demux::Dropped;
            }
            let rst = if crate::config::CONFIG_NET_TCP_REJECT_CONN_WITH_RST {
                table::ConnTcb::rst_for(repr)
                    .and_then(|r| build(stack, &r, dst, src, prio, iface, 0))
            } else {
                None
            };
            Demux::Refused(rst)
        });
        match decision {
            Demux::Conn {
                index,
                reply,
                events,
                deferred,
            } => {
                // The connection's remote end is the segment's source; the reply goes
                // out first, along the same route. `flush_to` also frees the
                // connections that are finished.
                let events = if deferred {
                    events
                } else {
                    events | flush_to(stack, index, now, Some(remote), reply)
                };
                if events.contains(Events::RESET) {
                    tcp_stat!(stack, iface, connrst);
                }
                if events.contains(Events::TIMED_OUT) {
                    tcp_stat!(stack, iface, conndrop);
                }
                wake(events);
                if events.contains(Events::TIME_WAIT_SYN) {
                    continue;
                }
                return Verdict::Ok;
            }
            Demux::Refused(rst) => {
                let mut out: Vec<Outgoing, BATCH> = Vec::new();
                if let Some(r) = rst {
                    let _ = out.push(r);
                }
                send_all(stack, &mut out);
                tcp_stat!(stack, iface, drop);
                return Verdict::Drop;
            }
            Demux::Dropped => {
                tcp_stat!(stack, iface, drop);
                return Verdict::Drop;
            }
        }
    }
    Verdict::Ok
}

/// Sends what the connections deferred during a receive batch (see [`segment`]): each
/// flagged connection is flushed once, so a burst of segments is answered by one
/// cumulative ACK. The RX paths call this when the queues run empty; the timers call it
/// too, so nothing waits longer than a poll.
pub(crate) fn flush_deferred(stack: &Stack) {
    if !stack.tcp.take_deferred() {
        return;
    }
    let now = stack.now_ms();
    // One critical section finds the next flagged connection (usually the only one).
    let mut from = 0;
    while let Some((i, remote)) = stack.tcp.with(|slots| {
        slots
            .iter_mut()
            .enumerate()
            .skip(from)
            .find_map(|(i, slot)| {
                let e = slot.entry()?;
                core::mem::take(&mut e.output_deferred).then(|| (i, e.tcb.remote()))
            })
    }) {
        wake(flush_to(stack, i, now, remote, None));
        from = i + 1;
    }
}

/// Runs the due timers of every connection (retransmission, delayed ACK, persist,
/// keep-alive, TIME-WAIT) when the earliest is due, and frees the connections that ended
/// without a socket.
pub(crate) fn timers(stack: &Stack, now: u64) {
    flush_deferred(stack);
    if !stack.tcp.take_due(now) {
        return;
    }
    for i in 0..table::SLOTS {
        let due = stack.tcp.with(|slots| {
            slots
                .get_mut(i)
                .and_then(Slot::entry)
                .and_then(|e| e.tcb.poll_at())
                .is_some_and(|at| at <= now)
        });
        if due {
            // Notes this connection's next timer.
            wake(flush_at(stack, i, now));
        } else if let Some(at) = stack.tcp.with(|slots| {
            slots
                .get_mut(i)
                .and_then(Slot::entry)
                .and_then(|e| e.tcb.poll_at())
        }) {
            stack.tcp.timer_at(at);
        }
    }
    stack.tcp.with(table::sweep);
}

/// Whether connection `index` has reached a state where `accept` may hand it out.
pub(crate) fn acceptable(state: State) -> bool {
    matches!(state, State::Established | State::CloseWait)
}

impl Stack {
    /// Gives the TCP table a secret for its initial sequence numbers unless the
    /// application set one ([`crate::ip::tcp::table::TcpTable::set_secret`]): on `std`
    /// from the operating system's random source; on bare metal from what differs between
    /// devices and boots (the clock in microseconds, the link addresses, the instance's
    /// address), which is weak: firmware with a random number generator should set the
    /// secret itself.
    pub(crate) fn seed_tcp_secret(&self) {
        if self.tcp.secret() != [0; 16] {
            return;
        }
        #[cfg(feature = "std")]
        {
            use std::io::Read;
            let mut key = [0u8; 16];
            if std::fs::File::open("/dev/urandom")
                .and_then(|mut f| f.read_exact(&mut key))
                .is_ok()
            {
                self.tcp.set_secret(key);
                return;
            }
        }
        let mut entropy = [0u8; 40];
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            for b in bytes {
                if let Some(slot) = entropy.get_mut(at % 40) {
                    *slot ^= *b;
                }
                at += 1;
            }
        };
        put(&self.clock.now_us().to_le_bytes());
        put(&(self as *const Stack as usize).to_le_bytes());
        for iface in self.ifaces() {
            put(iface.driver.link_addr().as_bytes());
        }
        self.tcp.stir_secret(&entropy);
    }
}
