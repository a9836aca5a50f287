//! TCP statistics go to the interface the connection's route uses. Stack A has two
//! interfaces: `eth0` (192.0.2.1/24, a link to nowhere) and `eth1` (198.51.100.1/24, a link
//! to stack B). A connection from A to B goes out of `eth1`, so A's `eth1` counts its
//! segments, `eth0` counts none, and the global counters match `eth1`'s.
//!
//! Needs two IPv4 interfaces (`NET_IF_MAX_IPV4_COUNT` >= 2, as in `configs/maximal.conf`)
//! and per-interface TCP statistics; under other configurations it says so and returns.

#![cfg(all(
    CONFIG_NET_TCP,
    CONFIG_NET_IPV4,
    CONFIG_NET_ARP,
    CONFIG_NET_SOCKETS,
    CONFIG_NET_STATISTICS_TCP,
    CONFIG_NET_STATISTICS_PER_INTERFACE
))]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use net_core::drivers::link::{LinkEnd, connect};
use net_core::{AddrFamily, Errno, Iface, L2Kind, SockOpt, SockType, Stack};

#[macro_use]
mod support;

static A_ETH0: LinkEnd = LinkEnd::new([0x02, 0, 0, 0, 0x5a, 0x00], 81);
static A_ETH1: LinkEnd = LinkEnd::new([0x02, 0, 0, 0, 0x5a, 0x01], 82);
static A: Stack = {
    static POOLS: net_core::buf::ConfiguredPools = net_core::buf::ConfiguredPools::new();
    static IFACE_STATE: [net_core::IfaceState; 2] =
        [net_core::IfaceState::new(), net_core::IfaceState::new()];
    static IFACES: [Iface; 2] = [
        Iface::new("eth0", &A_ETH0, L2Kind::Ethernet, 0, &IFACE_STATE[0]),
        Iface::new("eth1", &A_ETH1, L2Kind::Ethernet, 1, &IFACE_STATE[1]),
    ];
    static TCP: net_core::TcpTable = net_core::TcpTable::new();
    static STATE: net_core::StackState = net_core::StackState::new();
    Stack::new(&POOLS.pools(), &IFACES, &support::CLOCK, &TCP, &STATE)
};
instance!(B, B_END, [0x02, 0, 0, 0, 0x5a, 0x02], 83);

fn pump() {
    A_ETH1.pump();
    B_END.pump();
    A.poll();
    B.poll();
}

/// Retries a non-blocking call for up to 5 s, pumping both stacks.
fn retry<T>(mut f: impl FnMut() -> Result<T, Errno>) -> T {
    let start = Instant::now();
    loop {
        match f() {
            Ok(v) => return v,
            Err(Errno::EAGAIN | Errno::EINPROGRESS | Errno::EALREADY) => pump(),
            Err(e) => panic!("{e:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(5), "timed out");
    }
}

#[test]
fn tcp_statistics_count_on_the_route_interface() {
    if net_core::config::CONFIG_NET_IF_MAX_IPV4_COUNT < 2 {
        eprintln!("tcp_route_stats: needs NET_IF_MAX_IPV4_COUNT >= 2 (configs/maximal.conf)");
        return;
    }
    connect(&A_ETH1, &B_END);
    A.start_bare().unwrap();
    B.start_bare().unwrap();
    let mask = Ipv4Addr::new(255, 255, 255, 0);
    A.ipv4_add(0, Ipv4Addr::new(192, 0, 2, 1), mask).unwrap();
    A.ipv4_add(1, Ipv4Addr::new(198, 51, 100, 1), mask).unwrap();
    B.ipv4_add(0, Ipv4Addr::new(198, 51, 100, 2), mask).unwrap();

    let listener = B.socket(AddrFamily::Inet, SockType::Stream).unwrap();
    B.setsockopt(listener, SockOpt::NonBlocking(true)).unwrap();
    B.bind(
        listener,
        SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 7000),
    )
    .unwrap();
    B.listen(listener, 1).unwrap();
    let client = A.socket(AddrFamily::Inet, SockType::Stream).unwrap();
    A.setsockopt(client, SockOpt::NonBlocking(true)).unwrap();
    let _ = A.connect(
        client,
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 2)), 7000),
    );
    let (server, _) = retry(|| B.accept(listener));
    B.setsockopt(server, SockOpt::NonBlocking(true)).unwrap();
    let data = support::pattern(20_000, 3);
    let mut sent = 0;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let start = Instant::now();
    while got.len() < data.len() {
        if sent < data.len()
            && let Ok(n) = A.send(client, &data[sent..])
        {
            sent += n;
        }
        pump();
        if let Ok(n) = B.recv(server, &mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
        assert!(start.elapsed() < Duration::from_secs(10), "stalled");
    }
    assert_eq!(got, data);

    let eth0 = &A.ifaces()[0].stats.tcp;
    let eth1 = &A.ifaces()[1].stats.tcp;
    assert_eq!(eth0.sent.get(), 0, "eth0 carried no TCP segment");
    assert_eq!(eth0.recv.get(), 0);
    assert!(
        eth1.sent.get() >= 14,
        "eth1 sent {} segments",
        eth1.sent.get()
    );
    assert!(eth1.recv.get() > 0);
    assert_eq!(eth1.bytes_sent.get(), 20_000);
    assert_eq!(A.stats().tcp.sent, eth1.sent.get());
    assert_eq!(A.stats().tcp.recv, eth1.recv.get());
}
