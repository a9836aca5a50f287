//! Malformed frames into one stack instance: each is dropped without a panic, counted in
//! the right statistics group, and the stack still answers afterwards.
//!
//! The instance's driver records what the stack sends; frames go in through
//! `RxPath::alloc_rx` + `append` + `RxPath::recv`, then `Stack::poll`. The clock is manual,
//! so DAD finishes when the test says so and nothing times out behind its back. The cases
//! share the instance and take turns (a mutex), so counter deltas are exact.
//!
//! Addresses: 192.0.2.1/24 (IPv4) and 2001:db8::1/64 (IPv6) on the stack, the peer is .2 /
//! ::2; a UDP socket on port 7 per enabled family.

#![allow(dead_code)]

#[cfg(CONFIG_NET_IPV4)]
use std::net::Ipv4Addr;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use net_core::buf::{ConfiguredPools, NetPkt};
use net_core::drivers::DriverError;
use net_core::{
    AddrFamily, Clock, Driver, Fd, Iface, L2Kind, LinkAddr, RxPath, SockOpt, SockType, Stack,
};

const MAC: [u8; 6] = [0x02, 0, 0, 0, 0x4d, 0x01];
const PEER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x4d, 0x02];
const MY4: [u8; 4] = [192, 0, 2, 1];
const PEER4: [u8; 4] = [192, 0, 2, 2];
const MY6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const PEER6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
const PORT: u16 = 7;

const ETH_IPV4: u16 = 0x0800;
const ETH_ARP: u16 = 0x0806;
const ETH_IPV6: u16 = 0x86dd;

// --- The instance -----------------------------------------------------------------------

struct ManualClock(AtomicU64);

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A driver that keeps every frame the stack sends.
struct Capture {
    sent: Mutex<Vec<Vec<u8>>>,
}

impl Driver for Capture {
    fn link_addr(&self) -> LinkAddr {
        LinkAddr::ethernet(MAC)
    }

    fn mtu(&self) -> u16 {
        1500
    }

    fn start(&'static self, _rx: &'static dyn RxPath, _iface: u8) -> Result<(), DriverError> {
        Ok(())
    }

    fn send(&self, frame: &NetPkt<'_>) -> Result<(), DriverError> {
        let mut bytes = Vec::with_capacity(frame.len());
        for c in frame.chunks() {
            bytes.extend_from_slice(c);
        }
        self.sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(bytes);
        Ok(())
    }
}

static CLOCK: ManualClock = ManualClock(AtomicU64::new(1_000));
static DRIVER: Capture = Capture {
    sent: Mutex::new(Vec::new()),
};
static STACK: Stack = {
    static POOLS: ConfiguredPools = ConfiguredPools::new();
    static IFACE_STATE: [net_core::IfaceState; 1] = [net_core::IfaceState::new()];
    static IFACES: [Iface; 1] = [Iface::new(
        "eth0",
        &DRIVER,
        L2Kind::Ethernet,
        0,
        &IFACE_STATE[0],
    )];
    static TCP: net_core::TcpTable = net_core::TcpTable::new();
    static STATE: net_core::StackState = net_core::StackState::new();
    Stack::new(&POOLS.pools(), &IFACES, &CLOCK, &TCP, &STATE)
};

struct Sockets {
    #[cfg(CONFIG_NET_IPV4)]
    v4: Fd,
    #[cfg(CONFIG_NET_IPV6)]
    v6: Fd,
}

static SETUP: OnceLock<Sockets> = OnceLock::new();
static TURN: Mutex<()> = Mutex::new(());

fn socket(family: AddrFamily, any: IpAddr) -> Fd {
    let fd = STACK.socket(family, SockType::Dgram).expect("socket");
    STACK.setsockopt(fd, SockOpt::NonBlocking(true)).unwrap();
    STACK.bind(fd, SocketAddr::new(any, PORT)).expect("bind");
    fd
}

/// Runs the clock `ms` ahead and polls.
fn advance(ms: u64) {
    CLOCK.0.fetch_add(ms, Ordering::Relaxed);
    STACK.poll();
}

/// Takes the instance (set up on first use) for one case.
fn instance() -> (MutexGuard<'static, ()>, &'static Sockets) {
    let guard = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let socks = SETUP.get_or_init(|| {
        STACK.start_bare().unwrap();
        #[cfg(CONFIG_NET_IPV4)]
        STACK
            .ipv4_add(0, MY4.into(), Ipv4Addr::new(255, 255, 255, 0))
            .unwrap();
        #[cfg(CONFIG_NET_IPV6)]
        {
            STACK.ipv6_add(0, MY6, 64).unwrap();
            for _ in 0..20 {
                advance(1_000);
            }
            assert!(
                STACK.ifaces()[0].with(|s| s.ipv6.as_ref().unwrap().is_mine(MY6)),
                "DAD did not complete"
            );
        }
        let socks = Sockets {
            #[cfg(CONFIG_NET_IPV4)]
            v4: socket(AddrFamily::Inet, IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            #[cfg(CONFIG_NET_IPV6)]
            v6: socket(AddrFamily::Inet6, IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
        };
        // Teach the stack the peer's MAC so that replies leave at once: an ARP request
        // and a neighbor solicitation, both answered.
        #[cfg(CONFIG_NET_ARP)]
        {
            inject(&eth(MAC_BCAST, ETH_ARP, &arp(1, 6, 4, PEER4, MY4)));
            assert!(take_sent().iter().any(|f| f[12..14] == [0x08, 0x06]));
        }
        #[cfg(all(CONFIG_NET_IPV6, CONFIG_NET_IPV6_ND))]
        {
            let ns = neighbor_solicit(MY6, true);
            inject(&eth(MAC, ETH_IPV6, &ipv6(58, 255, PEER6, MY6, &ns)));
            assert!(take_sent().iter().any(|f| is_icmpv6(f, 136)));
        }
        socks
    });
    take_sent();
    (guard, socks)
}

/// One frame into the stack, then a poll.
fn inject(frame: &[u8]) {
    let mut pkt = STACK.alloc_rx(0, frame.len()).expect("RX pool");
    pkt.append(frame).expect("RX buffers");
    RxPath::recv(&STACK, 0, pkt);
    STACK.poll();
}

fn take_sent() -> Vec<Vec<u8>> {
    std::mem::take(&mut *DRIVER.sent.lock().unwrap_or_else(|e| e.into_inner()))
}

// --- Frame builders ---------------------------------------------------------------------

const MAC_BCAST: [u8; 6] = [0xff; 6];

fn sum(data: &[u8]) -> u32 {
    data.chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum()
}

fn fold(mut s: u32) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

fn checksum(data: &[u8]) -> u16 {
    fold(sum(data))
}

fn eth(dst: [u8; 6], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + payload.len());
    f.extend_from_slice(&dst);
    f.extend_from_slice(&PEER_MAC);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An IPv4 header (valid checksum) plus payload.
fn ipv4(proto: u8, src: [u8; 4], dst: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut h = vec![0x45, 0];
    h.extend_from_slice(&total.to_be_bytes());
    h.extend_from_slice(&[0, 1, 0x40, 0, 64, proto, 0, 0]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    refresh_ipv4_checksum(&mut h);
    h.extend_from_slice(payload);
    h
}

fn refresh_ipv4_checksum(p: &mut [u8]) {
    let ihl = usize::from(p[0] & 0x0f) * 4;
    p[10] = 0;
    p[11] = 0;
    let c = checksum(&p[..ihl.min(p.len())]);
    p[10..12].copy_from_slice(&c.to_be_bytes());
}

fn udp(src_port: u16, dst_port: u16, data: &[u8]) -> Vec<u8> {
    let mut u = Vec::new();
    u.extend_from_slice(&src_port.to_be_bytes());
    u.extend_from_slice(&dst_port.to_be_bytes());
    u.extend_from_slice(&((8 + data.len()) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(data);
    u
}

fn pseudo4(src: [u8; 4], dst: [u8; 4], proto: u8, len: usize) -> u32 {
    sum(&src) + sum(&dst) + u32::from(proto) + len as u32
}

fn pseudo6(src: Ipv6Addr, dst: Ipv6Addr, nh: u8, len: usize) -> u32 {
    sum(&src.octets()) + sum(&dst.octets()) + u32::from(nh) + len as u32
}

/// A UDP datagram over IPv4 with a correct checksum.
fn udp4(dst_port: u16, data: &[u8]) -> Vec<u8> {
    udp4_to(MY4, dst_port, data)
}

/// [`udp4`] to the address `dst`.
fn udp4_to(dst: [u8; 4], dst_port: u16, data: &[u8]) -> Vec<u8> {
    let mut u = udp(4000, dst_port, data);
    let c = match fold(pseudo4(PEER4, dst, 17, u.len()) + sum(&u)) {
        0 => 0xffff,
        c => c,
    };
    u[6..8].copy_from_slice(&c.to_be_bytes());
    u
}

/// A UDP datagram over IPv6 with a correct checksum.
fn udp6(dst_port: u16, data: &[u8]) -> Vec<u8> {
    let mut u = udp(4000, dst_port, data);
    let c = match fold(pseudo6(PEER6, MY6, 17, u.len()) + sum(&u)) {
        0 => 0xffff,
        c => c,
    };
    u[6..8].copy_from_slice(&c.to_be_bytes());
    u
}

fn ipv6(next_header: u8, hop_limit: u8, src: Ipv6Addr, dst: Ipv6Addr, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0];
    h.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    h.push(next_header);
    h.push(hop_limit);
    h.extend_from_slice(&src.octets());
    h.extend_from_slice(&dst.octets());
    h.extend_from_slice(payload);
    h
}

/// An ICMPv6 message (type, code 0, body) with its checksum for PEER6 -> `dst`.
fn icmpv6(ty: u8, body: &[u8], dst: Ipv6Addr) -> Vec<u8> {
    let mut m = vec![ty, 0, 0, 0];
    m.extend_from_slice(body);
    let c = fold(pseudo6(PEER6, dst, 58, m.len()) + sum(&m));
    m[2..4].copy_from_slice(&c.to_be_bytes());
    m
}

fn icmpv4(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![ty, 0, 0, 0];
    m.extend_from_slice(body);
    let c = checksum(&m);
    m[2..4].copy_from_slice(&c.to_be_bytes());
    m
}

/// A neighbor solicitation for `target`, with or without a source link-layer option.
fn neighbor_solicit(target: Ipv6Addr, lladdr: bool) -> Vec<u8> {
    let mut body = vec![0, 0, 0, 0];
    body.extend_from_slice(&target.octets());
    if lladdr {
        body.extend_from_slice(&[1, 1]);
        body.extend_from_slice(&PEER_MAC);
    }
    icmpv6(135, &body, MY6)
}

fn arp(op: u16, hlen: u8, plen: u8, spa: [u8; 4], tpa: [u8; 4]) -> Vec<u8> {
    let mut a = vec![0, 1, 0x08, 0x00, hlen, plen];
    a.extend_from_slice(&op.to_be_bytes());
    a.extend_from_slice(&PEER_MAC);
    a.extend_from_slice(&spa);
    a.extend_from_slice(&[0; 6]);
    a.extend_from_slice(&tpa);
    a
}

fn is_icmpv6(frame: &[u8], ty: u8) -> bool {
    frame.len() >= 14 + 40 + 4
        && frame[12..14] == [0x86, 0xdd]
        && frame[20] == 58
        && frame[54] == ty
}

// --- Liveness ---------------------------------------------------------------------------

/// The stack still works: a datagram reaches each socket, pings get replies, and every RX
/// buffer is back in its pool.
fn assert_alive(socks: &Sockets, case: &str) {
    let mut buf = [0u8; 256];
    #[cfg(CONFIG_NET_IPV4)]
    {
        inject(&eth(
            MAC,
            ETH_IPV4,
            &ipv4(17, PEER4, MY4, &udp4(PORT, b"alive4")),
        ));
        let (n, from) = STACK
            .recvfrom(socks.v4, &mut buf)
            .unwrap_or_else(|e| panic!("{case}: IPv4 datagram not delivered afterwards: {e:?}"));
        assert_eq!(&buf[..n], b"alive4", "{case}");
        assert_eq!(from, SocketAddr::new(IpAddr::V4(PEER4.into()), 4000));
        #[cfg(CONFIG_NET_ARP)]
        {
            take_sent();
            let ping = icmpv4(8, &[0x12, 0x34, 0, 1, b'p', b'4']);
            inject(&eth(MAC, ETH_IPV4, &ipv4(1, PEER4, MY4, &ping)));
            let sent = take_sent();
            assert!(
                sent.iter().any(|f| f.len() >= 38
                    && f[0..6] == PEER_MAC
                    && f[12..14] == [0x08, 0x00]
                    && f[23] == 1
                    && f[34] == 0),
                "{case}: no ICMPv4 echo reply afterwards ({} frames sent)",
                sent.len()
            );
        }
    }
    #[cfg(CONFIG_NET_IPV6)]
    {
        inject(&eth(
            MAC,
            ETH_IPV6,
            &ipv6(17, 64, PEER6, MY6, &udp6(PORT, b"alive6")),
        ));
        let (n, from) = STACK
            .recvfrom(socks.v6, &mut buf)
            .unwrap_or_else(|e| panic!("{case}: IPv6 datagram not delivered afterwards: {e:?}"));
        assert_eq!(&buf[..n], b"alive6", "{case}");
        assert_eq!(from, SocketAddr::new(IpAddr::V6(PEER6), 4000));
        #[cfg(CONFIG_NET_IPV6_ND)]
        {
            take_sent();
            let ping = icmpv6(128, &[0x56, 0x78, 0, 1, b'p', b'6'], MY6);
            inject(&eth(MAC, ETH_IPV6, &ipv6(58, 64, PEER6, MY6, &ping)));
            let sent = take_sent();
            assert!(
                sent.iter()
                    .any(|f| f[0..6] == PEER_MAC && is_icmpv6(f, 129)),
                "{case}: no ICMPv6 echo reply afterwards ({} frames sent)",
                sent.len()
            );
        }
    }
    let _ = (&mut buf, socks);
    let p = STACK.pools().stats();
    assert_eq!(p.rx_pkts.allocated, 0, "{case}: {p:?}");
    assert_eq!(p.rx_bufs.allocated, 0, "{case}: {p:?}");
    assert_eq!(p.tx_pkts.allocated, 0, "{case}: {p:?}");
    assert_eq!(p.tx_bufs.allocated, 0, "{case}: {p:?}");
}

/// Injects `frame`, checks the counter `read` moved by exactly one (with statistics), and
/// that the stack is alive afterwards.
macro_rules! case {
    ($name:expr, $frame:expr $(, $cfg:ident => $group:ident . $field:ident)* $(,)?) => {{
        let (_turn, socks) = instance();
        #[allow(unused_variables)]
        let before = snapshot_all();
        inject(&$frame);
        #[allow(unused_variables)]
        let after = snapshot_all();
        $(
            #[cfg($cfg)]
            assert_eq!(
                after.$group.$field,
                before.$group.$field + 1,
                "{}: {} did not count the drop",
                $name,
                stringify!($group.$field),
            );
        )*
        assert_alive(socks, $name);
    }};
}

/// Every statistics group this configuration has, as plain numbers.
#[derive(Clone, Copy, Debug, Default)]
struct Snapshot {
    #[cfg(CONFIG_NET_STATISTICS)]
    ip_errors: net_core::ip::stats::IpErrorSnapshot,
    #[cfg(CONFIG_NET_STATISTICS_IPV4)]
    ipv4: net_core::ip::stats::IpSnapshot,
    #[cfg(CONFIG_NET_STATISTICS_IPV6)]
    ipv6: net_core::ip::stats::IpSnapshot,
    #[cfg(CONFIG_NET_STATISTICS_ICMP)]
    icmp: net_core::ip::stats::IcmpSnapshot,
    #[cfg(CONFIG_NET_STATISTICS_UDP)]
    udp: net_core::ip::stats::UdpSnapshot,
    #[cfg(CONFIG_NET_STATISTICS_IPV6_ND)]
    ipv6_nd: net_core::ip::stats::ControlSnapshot,
    #[cfg(CONFIG_NET_STATISTICS_ETHERNET)]
    ethernet: net_core::ip::stats::EthernetSnapshot,
}

fn snapshot_all() -> Snapshot {
    #[cfg(CONFIG_NET_STATISTICS)]
    let s = STACK.stats();
    Snapshot {
        #[cfg(CONFIG_NET_STATISTICS)]
        ip_errors: s.ip_errors,
        #[cfg(CONFIG_NET_STATISTICS_IPV4)]
        ipv4: s.ipv4,
        #[cfg(CONFIG_NET_STATISTICS_IPV6)]
        ipv6: s.ipv6,
        #[cfg(CONFIG_NET_STATISTICS_ICMP)]
        icmp: s.icmp,
        #[cfg(CONFIG_NET_STATISTICS_UDP)]
        udp: s.udp,
        #[cfg(CONFIG_NET_STATISTICS_IPV6_ND)]
        ipv6_nd: s.ipv6_nd,
        #[cfg(CONFIG_NET_STATISTICS_ETHERNET)]
        ethernet: s.ethernet,
    }
}

// --- Ethernet ---------------------------------------------------------------------------

#[test]
fn truncated_ethernet_header() {
    case!(
        "truncated Ethernet header",
        MAC[..].iter().chain(&PEER_MAC[..3]).copied().collect::<Vec<u8>>(),
        CONFIG_NET_STATISTICS_ETHERNET => ethernet.rx_length_errors,
        CONFIG_NET_STATISTICS_ETHERNET => ethernet.rx_errors,
    );
}

#[test]
fn unknown_ethertype() {
    case!(
        "unknown EtherType",
        eth(MAC, 0x88b5, &[0u8; 46]),
        CONFIG_NET_STATISTICS_ETHERNET => ethernet.unknown_protocol,
    );
}

/// Without IPv4 an IPv4 frame is just an unknown EtherType.
#[cfg(not(CONFIG_NET_IPV4))]
#[test]
fn ipv4_frame_without_ipv4() {
    case!(
        "IPv4 frame with IPv4 off",
        eth(MAC, ETH_IPV4, &ipv4(17, PEER4, MY4, &udp4(PORT, b"x"))),
        CONFIG_NET_STATISTICS_ETHERNET => ethernet.unknown_protocol,
    );
}

#[cfg(not(CONFIG_NET_ARP))]
#[test]
fn arp_frame_without_arp() {
    case!(
        "ARP frame with ARP off",
        eth(MAC_BCAST, ETH_ARP, &arp(1, 6, 4, PEER4, MY4)),
        CONFIG_NET_STATISTICS_ETHERNET => ethernet.unknown_protocol,
    );
}

// --- ARP --------------------------------------------------------------------------------

#[cfg(CONFIG_NET_ARP)]
#[test]
fn arp_with_wrong_hardware_size() {
    // hlen 8: the addresses are sized by the header, so the packet is long enough.
    let mut a = arp(1, 8, 4, PEER4, MY4);
    a.extend_from_slice(&[0; 4]);
    case!(
        "ARP hlen 8",
        eth(MAC_BCAST, ETH_ARP, &a),
        CONFIG_NET_STATISTICS_ETHERNET => ethernet.rx_errors,
    );
}

#[cfg(CONFIG_NET_ARP)]
#[test]
fn arp_with_wrong_protocol_size() {
    let mut a = arp(1, 6, 16, PEER4, MY4);
    a.extend_from_slice(&[0; 24]);
    case!(
        "ARP plen 16",
        eth(MAC_BCAST, ETH_ARP, &a),
        CONFIG_NET_STATISTICS_ETHERNET => ethernet.rx_errors,
    );
}

#[cfg(CONFIG_NET_ARP)]
#[test]
fn truncated_arp() {
    case!(
        "truncated ARP",
        eth(MAC_BCAST, ETH_ARP, &arp(1, 6, 4, PEER4, MY4)[..20]),
        CONFIG_NET_STATISTICS_ETHERNET => ethernet.rx_errors,
    );
}

// --- IPv4 -------------------------------------------------------------------------------

#[cfg(CONFIG_NET_IPV4)]
fn v4_frame(edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut p = ipv4(17, PEER4, MY4, &udp4(PORT, b"malformed"));
    edit(&mut p);
    eth(MAC, ETH_IPV4, &p)
}

#[cfg(CONFIG_NET_IPV4)]
#[test]
fn truncated_ipv4_header() {
    case!(
        "truncated IPv4 header",
        v4_frame(|p| p.truncate(12)),
        CONFIG_NET_STATISTICS => ip_errors.vhlerr,
        CONFIG_NET_STATISTICS_IPV4 => ipv4.drop,
    );
}

#[cfg(CONFIG_NET_IPV4)]
#[test]
fn ipv4_ihl_below_five() {
    case!(
        "IHL 4",
        v4_frame(|p| {
            p[0] = 0x44;
            refresh_ipv4_checksum(p);
        }),
        CONFIG_NET_STATISTICS => ip_errors.vhlerr,
        CONFIG_NET_STATISTICS_IPV4 => ipv4.drop,
    );
}

#[cfg(CONFIG_NET_IPV4)]
#[test]
fn ipv4_ihl_beyond_the_packet() {
    case!(
        "IHL 15 in a 29-byte packet",
        v4_frame(|p| {
            p.truncate(29);
            p[0] = 0x4f;
            p[2..4].copy_from_slice(&29u16.to_be_bytes());
        }),
        CONFIG_NET_STATISTICS => ip_errors.lblenerr,
        CONFIG_NET_STATISTICS_IPV4 => ipv4.drop,
    );
}

#[cfg(CONFIG_NET_IPV4)]
#[test]
fn ipv4_total_length_beyond_the_frame() {
    case!(
        "total length beyond the frame",
        v4_frame(|p| {
            let t = (p.len() + 100) as u16;
            p[2..4].copy_from_slice(&t.to_be_bytes());
            refresh_ipv4_checksum(p);
        }),
        CONFIG_NET_STATISTICS => ip_errors.lblenerr,
        CONFIG_NET_STATISTICS_IPV4 => ipv4.drop,
    );
}

#[cfg(CONFIG_NET_IPV4)]
#[test]
fn ipv4_total_length_below_the_header() {
    case!(
        "total length 12",
        v4_frame(|p| {
            p[2..4].copy_from_slice(&12u16.to_be_bytes());
            refresh_ipv4_checksum(p);
        }),
        CONFIG_NET_STATISTICS => ip_errors.lblenerr,
        CONFIG_NET_STATISTICS_IPV4 => ipv4.drop,
    );
}

#[cfg(CONFIG_NET_IPV4)]
#[test]
fn ipv4_bad_header_checksum() {
    case!(
        "bad IPv4 header checksum",
        v4_frame(|p| p[10] ^= 0x5a),
        CONFIG_NET_STATISTICS => ip_errors.chkerr,
        CONFIG_NET_STATISTICS_IPV4 => ipv4.drop,
    );
}

#[cfg(CONFIG_NET_IPV4)]
#[test]
fn ipv4_fragment() {
    case!(
        "IPv4 first fragment (MF)",
        v4_frame(|p| {
            p[6] = 0x20;
            p[7] = 0;
            refresh_ipv4_checksum(p);
        }),
        CONFIG_NET_STATISTICS => ip_errors.fragerr,
        CONFIG_NET_STATISTICS_IPV4 => ipv4.drop,
    );
    case!(
        "IPv4 later fragment (offset)",
        v4_frame(|p| {
            p[6] = 0;
            p[7] = 0x10;
            refresh_ipv4_checksum(p);
        }),
        CONFIG_NET_STATISTICS => ip_errors.fragerr,
        CONFIG_NET_STATISTICS_IPV4 => ipv4.drop,
    );
}

#[cfg(CONFIG_NET_IPV4)]
#[test]
fn ipv4_unknown_protocol() {
    case!(
        "IPv4 protocol 253",
        eth(MAC, ETH_IPV4, &ipv4(253, PEER4, MY4, &[0u8; 16])),
        CONFIG_NET_STATISTICS => ip_errors.protoerr,
        CONFIG_NET_STATISTICS_IPV4 => ipv4.drop,
    );
}

#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_UDP))]
#[test]
fn udp4_length_beyond_the_payload() {
    let mut u = udp4(PORT, b"short");
    u[4..6].copy_from_slice(&200u16.to_be_bytes());
    case!(
        "UDPv4 length 200 in 13 bytes",
        eth(MAC, ETH_IPV4, &ipv4(17, PEER4, MY4, &u)),
        CONFIG_NET_STATISTICS_UDP => udp.drop,
    );
}

#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_UDP))]
#[test]
fn udp4_length_below_the_header() {
    let mut u = udp4(PORT, b"short");
    u[4..6].copy_from_slice(&4u16.to_be_bytes());
    case!(
        "UDPv4 length 4",
        eth(MAC, ETH_IPV4, &ipv4(17, PEER4, MY4, &u)),
        CONFIG_NET_STATISTICS_UDP => udp.drop,
    );
}

#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_UDP, CONFIG_NET_UDP_CHECKSUM))]
#[test]
fn udp4_bad_checksum() {
    let mut u = udp4(PORT, b"corrupted");
    u[9] ^= 0x01;
    case!(
        "UDPv4 bad checksum",
        eth(MAC, ETH_IPV4, &ipv4(17, PEER4, MY4, &u)),
        CONFIG_NET_STATISTICS_UDP => udp.chkerr,
        CONFIG_NET_STATISTICS_UDP => udp.drop,
    );
}

#[cfg(CONFIG_NET_IPV4)]
#[test]
fn icmpv4_bad_checksum() {
    let mut m = icmpv4(8, &[0, 1, 0, 1, 1, 2, 3, 4]);
    m[3] ^= 0xff;
    case!(
        "ICMPv4 bad checksum",
        eth(MAC, ETH_IPV4, &ipv4(1, PEER4, MY4, &m)),
        CONFIG_NET_STATISTICS_ICMP => icmp.chkerr,
        CONFIG_NET_STATISTICS_ICMP => icmp.drop,
    );
}

// --- IPv6 -------------------------------------------------------------------------------

#[cfg(CONFIG_NET_IPV6)]
#[test]
fn truncated_ipv6_header() {
    let p = ipv6(17, 64, PEER6, MY6, &udp6(PORT, b"x"));
    case!(
        "truncated IPv6 header",
        eth(MAC, ETH_IPV6, &p[..30]),
        CONFIG_NET_STATISTICS => ip_errors.vhlerr,
        CONFIG_NET_STATISTICS_IPV6 => ipv6.drop,
    );
}

#[cfg(CONFIG_NET_IPV6)]
#[test]
fn ipv6_bad_version() {
    let mut p = ipv6(17, 64, PEER6, MY6, &udp6(PORT, b"x"));
    p[0] = 0x40;
    case!(
        "IPv6 version 4",
        eth(MAC, ETH_IPV6, &p),
        CONFIG_NET_STATISTICS => ip_errors.vhlerr,
        CONFIG_NET_STATISTICS_IPV6 => ipv6.drop,
    );
}

#[cfg(CONFIG_NET_IPV6)]
#[test]
fn ipv6_payload_length_beyond_the_frame() {
    let mut p = ipv6(17, 64, PEER6, MY6, &udp6(PORT, b"x"));
    p[4..6].copy_from_slice(&600u16.to_be_bytes());
    case!(
        "IPv6 payload length 600 in 9 bytes",
        eth(MAC, ETH_IPV6, &p),
        CONFIG_NET_STATISTICS => ip_errors.lblenerr,
        CONFIG_NET_STATISTICS_IPV6 => ipv6.drop,
    );
}

#[cfg(CONFIG_NET_IPV6)]
#[test]
fn ipv6_unknown_next_header() {
    case!(
        "IPv6 next header 253",
        eth(MAC, ETH_IPV6, &ipv6(253, 64, PEER6, MY6, &[0u8; 16])),
        CONFIG_NET_STATISTICS => ip_errors.protoerr,
        CONFIG_NET_STATISTICS_IPV6 => ipv6.drop,
    );
}

#[cfg(all(CONFIG_NET_IPV6, CONFIG_NET_UDP))]
#[test]
fn udp6_length_beyond_the_payload() {
    let mut u = udp6(PORT, b"short");
    u[4..6].copy_from_slice(&300u16.to_be_bytes());
    case!(
        "UDPv6 length 300 in 13 bytes",
        eth(MAC, ETH_IPV6, &ipv6(17, 64, PEER6, MY6, &u)),
        CONFIG_NET_STATISTICS_UDP => udp.drop,
    );
}

#[cfg(all(CONFIG_NET_IPV6, CONFIG_NET_UDP))]
#[test]
fn udp6_length_below_the_header() {
    let mut u = udp6(PORT, b"short");
    u[4..6].copy_from_slice(&7u16.to_be_bytes());
    case!(
        "UDPv6 length 7",
        eth(MAC, ETH_IPV6, &ipv6(17, 64, PEER6, MY6, &u)),
        CONFIG_NET_STATISTICS_UDP => udp.drop,
    );
}

#[cfg(all(CONFIG_NET_IPV6, CONFIG_NET_UDP, CONFIG_NET_UDP_CHECKSUM))]
#[test]
fn udp6_bad_checksum() {
    let mut u = udp6(PORT, b"corrupted");
    u[10] ^= 0x80;
    case!(
        "UDPv6 bad checksum",
        eth(MAC, ETH_IPV6, &ipv6(17, 64, PEER6, MY6, &u)),
        CONFIG_NET_STATISTICS_UDP => udp.chkerr,
        CONFIG_NET_STATISTICS_UDP => udp.drop,
    );
}

#[cfg(all(CONFIG_NET_IPV6, CONFIG_NET_UDP))]
#[test]
fn udp6_zero_checksum() {
    let mut u = udp6(PORT, b"no checksum");
    u[6..8].copy_from_slice(&[0, 0]);
    case!(
        "UDPv6 zero checksum",
        eth(MAC, ETH_IPV6, &ipv6(17, 64, PEER6, MY6, &u)),
        CONFIG_NET_STATISTICS_UDP => udp.chkerr,
        CONFIG_NET_STATISTICS_UDP => udp.drop,
    );
}

#[cfg(CONFIG_NET_IPV6)]
#[test]
fn icmpv6_bad_checksum() {
    let mut m = icmpv6(128, &[0, 1, 0, 1, 1, 2, 3, 4], MY6);
    m[2] ^= 0x10;
    case!(
        "ICMPv6 bad checksum",
        eth(MAC, ETH_IPV6, &ipv6(58, 64, PEER6, MY6, &m)),
        CONFIG_NET_STATISTICS_ICMP => icmp.chkerr,
        CONFIG_NET_STATISTICS_ICMP => icmp.drop,
    );
}

#[cfg(all(CONFIG_NET_IPV6, CONFIG_NET_IPV6_ND))]
#[test]
fn ndp_with_hop_limit_below_255() {
    case!(
        "NS with hop limit 64",
        eth(MAC, ETH_IPV6, &ipv6(58, 64, PEER6, MY6, &neighbor_solicit(MY6, true))),
        CONFIG_NET_STATISTICS_IPV6_ND => ipv6_nd.drop,
    );
}

#[cfg(all(CONFIG_NET_IPV6, CONFIG_NET_IPV6_ND))]
#[test]
fn ndp_option_of_length_zero() {
    let mut body = vec![0, 0, 0, 0];
    body.extend_from_slice(&MY6.octets());
    body.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
    let ns = icmpv6(135, &body, MY6);
    case!(
        "NS with a zero-length option",
        eth(MAC, ETH_IPV6, &ipv6(58, 255, PEER6, MY6, &ns)),
        CONFIG_NET_STATISTICS_IPV6_ND => ipv6_nd.drop,
    );
}

// --- The end ----------------------------------------------------------------------------

/// After a burst of every kind of garbage, every pool is full again.
#[test]
fn pools_are_full_after_a_burst_of_garbage() {
    let (_turn, socks) = instance();
    let mut frames: Vec<Vec<u8>> = vec![
        MAC.to_vec(),
        eth(MAC, 0x88b5, &[1, 2, 3]),
        eth(MAC, ETH_IPV6, &[0x60; 41]),
        eth(MAC, ETH_IPV4, &[0x45; 25]),
        eth(MAC_BCAST, ETH_ARP, &[0; 7]),
    ];
    for n in 0..64u8 {
        frames.push(eth(MAC, ETH_IPV6, &ipv6(n, n, PEER6, MY6, &[n; 40])));
        frames.push(eth(MAC, ETH_IPV4, &ipv4(n, PEER4, MY4, &[n; 30])));
    }
    for f in &frames {
        inject(f);
    }
    assert_alive(socks, "burst");
    let p = STACK.pools().stats();
    for (name, s) in [
        ("rx_pkts", p.rx_pkts),
        ("tx_pkts", p.tx_pkts),
        ("rx_bufs", p.rx_bufs),
        ("tx_bufs", p.tx_bufs),
    ] {
        assert_eq!(s.allocated, 0, "{name}: {p:?}");
    }
}

// --- Errors the driver reports ----------------------------------------------------------

/// A driver's receive problems land in the interface's Ethernet statistics, by kind.
#[test]
fn driver_rx_errors_are_counted() {
    use net_core::drivers::RxError;
    let (_turn, socks) = instance();
    let cases = [
        (RxError::NoBuffer, "rx_no_buffer_count"),
        (RxError::Length, "rx_length_errors"),
        (RxError::Overrun, "rx_missed_errors"),
        (RxError::Device, "rx_errors"),
    ];
    for (error, _field) in cases {
        #[allow(unused_variables)]
        let before = snapshot_all();
        RxPath::rx_error(&STACK, 0, error);
        #[allow(unused_variables)]
        let after = snapshot_all();
        #[cfg(CONFIG_NET_STATISTICS_ETHERNET)]
        {
            let (b, a) = (before.ethernet, after.ethernet);
            assert_eq!(a.rx_errors, b.rx_errors + 1, "{error:?}");
            let moved = |x: u32, y: u32| u32::from(y != x);
            assert_eq!(
                moved(b.rx_no_buffer_count, a.rx_no_buffer_count),
                u32::from(error == RxError::NoBuffer),
                "{error:?}"
            );
            assert_eq!(
                moved(b.rx_length_errors, a.rx_length_errors),
                u32::from(error == RxError::Length),
                "{error:?}"
            );
            assert_eq!(
                moved(b.rx_missed_errors, a.rx_missed_errors),
                u32::from(error == RxError::Overrun),
                "{error:?}"
            );
        }
    }
    assert_alive(socks, "after driver errors");
}

// --- Options that decide what is accepted -----------------------------------------------

/// A UDPv4 datagram with checksum 0 ("none", RFC 768) is delivered with
/// `NET_UDP_MISSING_CHECKSUM` (the default) and dropped as a checksum error without it.
#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_UDP, CONFIG_NET_SOCKETS))]
#[test]
fn udp4_zero_checksum_follows_net_udp_missing_checksum() {
    let (_turn, socks) = instance();
    let mut u = udp(4000, PORT, b"no checksum");
    u[6..8].copy_from_slice(&[0, 0]);
    inject(&eth(MAC, ETH_IPV4, &ipv4(17, PEER4, MY4, &u)));
    let mut buf = [0u8; 64];
    let got = STACK.recvfrom(socks.v4, &mut buf).ok().map(|(n, _)| n);
    if net_core::config::CONFIG_NET_UDP_MISSING_CHECKSUM {
        assert_eq!(got, Some(11), "a zero checksum is accepted over IPv4");
    } else {
        assert_eq!(got, None, "a zero checksum is refused without the option");
    }
    assert_alive(socks, "UDPv4 zero checksum");
}

/// Pings to the limited broadcast and to the subnet's broadcast address go unanswered
/// without `NET_ICMPV4_ACCEPT_BROADCAST` (the default), and with it are answered from the
/// interface's own address, never from the broadcast address.
#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_ARP))]
#[test]
fn broadcast_pings_follow_net_icmpv4_accept_broadcast() {
    let (_turn, socks) = instance();
    for dst in [[255, 255, 255, 255], [192, 0, 2, 255]] {
        take_sent();
        let ping = icmpv4(8, &[0x77, 0x01, 0, 1, b'b']);
        inject(&eth(MAC_BCAST, ETH_IPV4, &ipv4(1, PEER4, dst, &ping)));
        let replies: Vec<Vec<u8>> = take_sent()
            .into_iter()
            .filter(|f| f.len() >= 38 && f[12..14] == [0x08, 0x00] && f[23] == 1 && f[34] == 0)
            .collect();
        if net_core::config::CONFIG_NET_ICMPV4_ACCEPT_BROADCAST {
            assert_eq!(replies.len(), 1, "a ping to {dst:?} is answered");
            assert_eq!(replies[0][26..30], MY4, "from our own address");
            assert_eq!(replies[0][30..34], PEER4);
        } else {
            assert!(replies.is_empty(), "a ping to {dst:?} was answered");
        }
    }
    assert_alive(socks, "broadcast pings");
}

/// A datagram to 0.0.0.0 is taken as a broadcast with `NET_IPV4_ACCEPT_ZERO_BROADCAST`
/// and dropped without it (the default).
#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_UDP, CONFIG_NET_SOCKETS))]
#[test]
fn zero_destination_follows_net_ipv4_accept_zero_broadcast() {
    let (_turn, socks) = instance();
    let zero = [0, 0, 0, 0];
    let u = udp4_to(zero, PORT, b"to zero");
    inject(&eth(MAC_BCAST, ETH_IPV4, &ipv4(17, PEER4, zero, &u)));
    let mut buf = [0u8; 64];
    let got = STACK.recvfrom(socks.v4, &mut buf).ok().map(|(n, _)| n);
    if net_core::config::CONFIG_NET_IPV4_ACCEPT_ZERO_BROADCAST {
        assert_eq!(got, Some(7), "a datagram to 0.0.0.0 is delivered");
    } else {
        assert_eq!(got, None, "a datagram to 0.0.0.0 was delivered");
    }
    assert_alive(socks, "datagram to 0.0.0.0");
}

/// A gratuitous ARP (RFC 5227 announcement: sender and target IPv4 address both the
/// sender's own), request or reply, moves the peer's cache entry to the MAC it announces
/// with `NET_ARP_GRATUITOUS` (the default), and is ignored without it, as in Zephyr's
/// `arp.c`: replies to the peer keep going to the MAC learnt before.
#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_ARP))]
#[test]
fn gratuitous_arp_follows_net_arp_gratuitous() {
    const MOVED_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x4d, 0x03];
    let (_turn, socks) = instance();
    for op in [1u16, 2] {
        // The announcement, from the peer's new MAC.
        let mut a = arp(op, 6, 4, PEER4, PEER4);
        a[8..14].copy_from_slice(&MOVED_MAC);
        let mut frame = eth(MAC_BCAST, ETH_ARP, &a);
        frame[6..12].copy_from_slice(&MOVED_MAC);
        inject(&frame);
        assert!(
            take_sent().is_empty(),
            "op {op}: an announcement is not answered"
        );
        // Where the reply to a ping from the peer goes.
        let ping = icmpv4(8, &[0x47, 0x41, 0, op as u8, b'g']);
        inject(&eth(MAC, ETH_IPV4, &ipv4(1, PEER4, MY4, &ping)));
        let replies: Vec<Vec<u8>> = take_sent()
            .into_iter()
            .filter(|f| f.len() >= 38 && f[12..14] == [0x08, 0x00] && f[23] == 1 && f[34] == 0)
            .collect();
        assert_eq!(replies.len(), 1, "op {op}: the ping is answered");
        let expected = if net_core::config::CONFIG_NET_ARP_GRATUITOUS {
            MOVED_MAC
        } else {
            PEER_MAC
        };
        assert_eq!(
            replies[0][0..6],
            expected,
            "op {op}: the reply goes to the MAC the cache should hold"
        );
        // Back to the peer's usual MAC: an ARP request for our address is learnt always.
        inject(&eth(MAC_BCAST, ETH_ARP, &arp(1, 6, 4, PEER4, MY4)));
        take_sent();
    }
    assert_alive(socks, "gratuitous ARP");
}
