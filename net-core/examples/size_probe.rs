//! A small application for `tests/zero_unused_code.rs`: one static stack on the in-process
//! Ethernet link, a UDP echo socket, and a polling loop. `black_box` keeps the compiler
//! from proving anything about the inputs, so whatever the configuration compiles in stays
//! reachable and shows up in the symbol table.
//!
//! Runs a bounded number of rounds (the first argument, default 0), so it also terminates
//! when started by hand.

use std::hint::black_box;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use net_core::buf::ConfiguredPools;
use net_core::drivers::link::{LinkEnd, connect};
use net_core::{AddrFamily, Iface, L2Kind, SockOpt, SockType, Stack, StdClock};

static CLOCK: StdClock = StdClock::new();
static END: LinkEnd = LinkEnd::new([0x02, 0, 0, 0, 0x5e, 0x01], 1);
static PEER: LinkEnd = LinkEnd::new([0x02, 0, 0, 0, 0x5e, 0x02], 2);
static STACK: Stack = {
    static POOLS: ConfiguredPools = ConfiguredPools::new();
    static IFACE_STATE: [net_core::IfaceState; 1] = [net_core::IfaceState::new()];
    static IFACES: [Iface; 1] = [Iface::new(
        "eth0",
        &END,
        L2Kind::Ethernet,
        0,
        &IFACE_STATE[0],
    )];
    static TCP: net_core::TcpTable = net_core::TcpTable::new();
    static STATE: net_core::StackState = net_core::StackState::new();
    Stack::new(&POOLS.pools(), &IFACES, &CLOCK, &TCP, &STATE)
};

fn main() {
    connect(&END, &PEER);
    if STACK.start().is_err() {
        return;
    }
    let Ok(fd) = STACK.socket(AddrFamily::Inet6, SockType::Dgram) else {
        return;
    };
    let _ = STACK.setsockopt(fd, SockOpt::NonBlocking(true));
    let local = SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), black_box(7));
    if STACK.bind(fd, local).is_err() {
        return;
    }
    let rounds: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    let mut buf = [0u8; 1500];
    for _ in 0..black_box(rounds) {
        PEER.pump();
        END.pump();
        black_box(STACK.poll());
        while let Ok((n, from)) = STACK.recvfrom(fd, black_box(&mut buf)) {
            let _ = black_box(STACK.sendto(fd, &buf[..n], Some(from)));
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let _ = STACK.close(fd);
    black_box(STACK.pools().stats());
}
