//! Two stack instances declared with `net_stack!`, joined by the in-process Ethernet link:
//! the generated statics are usable, the interfaces come up, and a UDP datagram crosses.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use net_core::drivers::link::{LinkEnd, connect};
use net_core::{AddrFamily, SockOpt, SockType};

net_macros::net_stack! {
    /// The first instance.
    static A: Stack;
    clock: ::net_core::StdClock::new(),
    interfaces: {
        /// A's end of the link.
        eth0: Ethernet(::net_core::drivers::link::LinkEnd) =
            ::net_core::drivers::link::LinkEnd::new([0x02, 0, 0, 0, 0, 0x0a], 1),
    },
}

net_macros::net_stack! {
    static B: Stack;
    clock: ::net_core::StdClock = ::net_core::StdClock::new(),
    interfaces: {
        eth0: Ethernet(LinkEnd) = LinkEnd::new([0x02, 0, 0, 0, 0, 0x0b], 2),
        eth1: Ethernet(LinkEnd) = LinkEnd::new([0x02, 0, 0, 0, 0, 0x0c], 3),
    },
}

fn pump_until(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        for end in [&A_ETH0, &B_ETH0, &B_ETH1] {
            end.pump();
        }
        let n = A.poll() + B.poll();
        if done() {
            return true;
        }
        if n == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    false
}

#[test]
fn instances_come_up_and_exchange_a_datagram() {
    connect(&A_ETH0, &B_ETH0);
    A.start_bare().expect("start A");
    B.start_bare().expect("start B");

    assert_eq!(A.ifaces().len(), 1);
    assert_eq!(B.ifaces().len(), 2);
    let names: Vec<&str> = B.ifaces().iter().map(|i| i.name).collect();
    assert_eq!(names, ["eth0", "eth1"]);
    assert!(A.iface(0).is_some_and(|i| i.is_up()));
    assert_eq!(
        A.iface(0).and_then(|i| i.link_addr().mac()),
        Some([0x02, 0, 0, 0, 0, 0x0a])
    );
    assert_eq!(
        B.iface(1).and_then(|i| i.link_addr().mac()),
        Some([0x02, 0, 0, 0, 0, 0x0c])
    );
    assert_eq!(A.default_iface(), Some(0));

    if !net_core::config::CONFIG_NET_IPV6 || !net_core::config::CONFIG_NET_UDP {
        return;
    }
    // IPv6 link-local addresses come from the MACs; wait for DAD on both sides.
    let ll = |mac: [u8; 6]| {
        Ipv6Addr::new(
            0xfe80,
            0,
            0,
            0,
            u16::from_be_bytes([mac[0] ^ 2, mac[1]]),
            u16::from_be_bytes([mac[2], 0xff]),
            u16::from_be_bytes([0xfe, mac[3]]),
            u16::from_be_bytes([mac[4], mac[5]]),
        )
    };
    let b_addr = ll([0x02, 0, 0, 0, 0, 0x0b]);
    let rx = B
        .socket(AddrFamily::Inet6, SockType::Dgram)
        .expect("socket B");
    B.setsockopt(rx, SockOpt::NonBlocking(true)).unwrap();
    B.bind(rx, SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 7777))
        .expect("bind B");
    let tx = A
        .socket(AddrFamily::Inet6, SockType::Dgram)
        .expect("socket A");
    A.setsockopt(tx, SockOpt::NonBlocking(true)).unwrap();
    let to = SocketAddr::new(IpAddr::V6(b_addr), 7777);
    let mut buf = [0u8; 64];
    let mut got = None;
    let ok = pump_until(Duration::from_secs(10), || {
        let _ = A.sendto(tx, b"hello", Some(to));
        if let Ok((n, _)) = B.recvfrom(rx, &mut buf) {
            got = Some(buf[..n].to_vec());
            return true;
        }
        false
    });
    assert!(ok, "no datagram crossed the link");
    assert_eq!(got.as_deref(), Some(&b"hello"[..]));
}
