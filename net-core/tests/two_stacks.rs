//! Two stack instances in one process, joined by the in-process Ethernet link: UDP echo
//! over IPv4 and IPv6, ICMP errors for closed ports, loss/duplication/reordering, and pool
//! exhaustion with full recovery.
//!
//! Both stacks are polled from the test thread, so each run is deterministic apart from
//! the timers (DAD and ARP/ND retries run on the wall clock).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

#[macro_use]
mod support;

#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_ARP, CONFIG_NET_UDP))]
use net_core::drivers::link::Impairments;
use net_core::drivers::link::{LinkEnd, connect};
use net_core::{AddrFamily, Errno, Fd, SockOpt, SockType, Stack};

/// Connects two instances, starts them, and gives them 192.0.2.1/24 and 192.0.2.2/24.
#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_ARP))]
fn start_v4_pair(
    a: &'static Stack,
    b: &'static Stack,
    a_end: &'static LinkEnd,
    b_end: &'static LinkEnd,
) {
    connect(a_end, b_end);
    a.start_bare().unwrap();
    b.start_bare().unwrap();
    let mask = Ipv4Addr::new(255, 255, 255, 0);
    a.ipv4_add(0, Ipv4Addr::new(192, 0, 2, 1), mask).unwrap();
    b.ipv4_add(0, Ipv4Addr::new(192, 0, 2, 2), mask).unwrap();
}

/// Polls both stacks and the link until `done` holds or `timeout` passes.
fn run_until(
    a: &Stack,
    b: &Stack,
    ends: [&LinkEnd; 2],
    timeout: Duration,
    mut done: impl FnMut() -> bool,
) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        for e in ends {
            e.pump();
        }
        let n = a.poll() + b.poll();
        if done() {
            return true;
        }
        if n == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    false
}

fn udp_socket(stack: &Stack, family: AddrFamily, port: u16) -> Fd {
    let fd = stack.socket(family, SockType::Dgram).expect("socket");
    stack.setsockopt(fd, SockOpt::NonBlocking(true)).unwrap();
    let any = match family {
        AddrFamily::Inet => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        AddrFamily::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    stack.bind(fd, SocketAddr::new(any, port)).expect("bind");
    fd
}

/// Echoes every datagram waiting on `fd`.
fn serve_echo(stack: &Stack, fd: Fd) {
    let mut buf = [0u8; 2048];
    while let Ok((n, from)) = stack.recvfrom(fd, &mut buf) {
        let _ = stack.sendto(fd, &buf[..n], Some(from));
    }
}

fn payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// Sends each size to the echo server and checks the echo is byte-exact.
fn echo_sizes(
    a: &Stack,
    b: &Stack,
    ends: [&LinkEnd; 2],
    family: AddrFamily,
    server: SocketAddr,
    sizes: &[usize],
) {
    let server_fd = udp_socket(a, family, server.port());
    let client_fd = udp_socket(b, family, 0);
    for (k, &len) in sizes.iter().enumerate() {
        let data = payload(len, k as u8);
        // The first datagram may wait for ARP/ND; retry until the echo comes back.
        let mut got = None;
        for _attempt in 0..5 {
            b.sendto(client_fd, &data, Some(server))
                .unwrap_or_else(|e| panic!("sendto {len}: {e:?}"));
            let mut buf = vec![0u8; 2048];
            let ok = run_until(a, b, ends, Duration::from_secs(3), || {
                serve_echo(a, server_fd);
                match b.recvfrom(client_fd, &mut buf) {
                    Ok((n, from)) => {
                        got = Some((buf[..n].to_vec(), from));
                        true
                    }
                    Err(_) => false,
                }
            });
            if ok {
                break;
            }
        }
        let (echo, from) = got.unwrap_or_else(|| panic!("no echo of {len} bytes"));
        assert_eq!(from, server);
        assert_eq!(echo, data, "echo of {len} bytes differs");
    }
    a.close(server_fd).unwrap();
    b.close(client_fd).unwrap();
}

#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_ARP, CONFIG_NET_UDP))]
#[test]
fn udp_echo_over_ipv4() {
    instance!(A, A_END, [0x02, 0, 0, 0, 0, 0x0a], 1);
    instance!(B, B_END, [0x02, 0, 0, 0, 0, 0x0b], 2);
    start_v4_pair(&A, &B, &A_END, &B_END);
    let server = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 4242);
    echo_sizes(
        &A,
        &B,
        [&A_END, &B_END],
        AddrFamily::Inet,
        server,
        &[1, 512, 1472],
    );
    assert_eq!(
        B.pools().stats().rx_bufs.allocated,
        0,
        "every RX buffer is back"
    );
    assert_eq!(
        A.pools().stats().tx_bufs.allocated,
        0,
        "every TX buffer is back"
    );
    #[cfg(CONFIG_NET_STATISTICS_UDP)]
    {
        assert!(A.stats().udp.recv >= 3);
        assert!(B.stats().udp.recv >= 3);
    }
    // Processing time per direction, when configured.
    #[cfg(CONFIG_NET_PKT_RXTIME_STATS)]
    assert!(A.stats().rx_time.count >= 3);
    #[cfg(CONFIG_NET_PKT_TXTIME_STATS)]
    assert!(A.stats().tx_time.count >= 3);
    // The traffic-class counters saw every frame that went through a class queue: the
    // three datagrams in (and their echoes out, with TX queues), with their bytes.
    #[cfg(CONFIG_NET_STATISTICS)]
    {
        let tc = A.tc_stats();
        let (rx_pkts, rx_bytes) = tc
            .recv
            .iter()
            .fold((0, 0), |(p, b), c| (p + c.pkts, b + c.bytes));
        let (tx_pkts, tx_bytes) = tc
            .sent
            .iter()
            .fold((0, 0), |(p, b), c| (p + c.pkts, b + c.bytes));
        let payload = 1 + 512 + 1472;
        #[cfg(not(CONFIG_NET_TC_RX_COUNT = "0"))]
        assert!(rx_pkts >= 3 && rx_bytes > payload, "{tc:?}");
        #[cfg(CONFIG_NET_TC_RX_COUNT = "0")]
        assert_eq!(
            (rx_pkts, rx_bytes),
            (0, 0),
            "no RX queue, no RX class counts"
        );
        #[cfg(not(CONFIG_NET_TC_TX_COUNT = "0"))]
        assert!(tx_pkts >= 3 && tx_bytes > payload, "{tc:?}");
        #[cfg(CONFIG_NET_TC_TX_COUNT = "0")]
        assert_eq!(
            (tx_pkts, tx_bytes),
            (0, 0),
            "no TX queue, no TX class counts"
        );
        let _ = payload;
        assert!(tc.recv.iter().chain(&tc.sent).all(|c| c.dropped == 0));
    }
}

#[cfg(all(CONFIG_NET_IPV6, CONFIG_NET_UDP, CONFIG_NET_L2_ETHERNET))]
#[test]
fn udp_echo_over_ipv6() {
    instance!(A, A_END, [0x02, 0, 0, 0, 1, 0x0a], 3);
    instance!(B, B_END, [0x02, 0, 0, 0, 1, 0x0b], 4);
    connect(&A_END, &B_END);
    A.start_bare().unwrap();
    B.start_bare().unwrap();
    let a_addr: Ipv6Addr = "2001:db8::1".parse().unwrap();
    let b_addr: Ipv6Addr = "2001:db8::2".parse().unwrap();
    A.ipv6_add(0, a_addr, 64).unwrap();
    B.ipv6_add(0, b_addr, 64).unwrap();
    // Wait for duplicate address detection to finish on both sides.
    let ready = run_until(&A, &B, [&A_END, &B_END], Duration::from_secs(5), || {
        A.ifaces()[0].with(|s| s.ipv6.as_ref().unwrap().is_mine(a_addr))
            && B.ifaces()[0].with(|s| s.ipv6.as_ref().unwrap().is_mine(b_addr))
    });
    assert!(ready, "DAD did not complete");
    let server = SocketAddr::new(IpAddr::V6(a_addr), 4242);
    let sizes: &[usize] = if net_core::config::CONFIG_NET_BUF_RX_COUNT >= 14 {
        &[1, 512, 1232]
    } else {
        &[1, 512]
    };
    echo_sizes(&A, &B, [&A_END, &B_END], AddrFamily::Inet6, server, sizes);
    assert_eq!(A.pools().stats().rx_bufs.allocated, 0);
}

#[cfg(all(CONFIG_NET_IPV6, CONFIG_NET_UDP, CONFIG_NET_L2_ETHERNET))]
#[test]
fn duplicate_address_is_detected() {
    instance!(A, A_END, [0x02, 0, 0, 0, 2, 0x0a], 5);
    instance!(B, B_END, [0x02, 0, 0, 0, 2, 0x0b], 6);
    connect(&A_END, &B_END);
    A.start_bare().unwrap();
    B.start_bare().unwrap();
    let addr: Ipv6Addr = "2001:db8::77".parse().unwrap();
    A.ipv6_add(0, addr, 64).unwrap();
    run_until(&A, &B, [&A_END, &B_END], Duration::from_secs(3), || {
        A.ifaces()[0].with(|s| s.ipv6.as_ref().unwrap().is_mine(addr))
    });
    // B now tries the same address: A defends it, B's DAD fails and B drops it.
    B.ipv6_add(0, addr, 64).unwrap();
    let failed = run_until(&A, &B, [&A_END, &B_END], Duration::from_secs(3), || {
        !B.ifaces()[0].with(|s| s.ipv6.as_ref().unwrap().has_addr(addr))
    });
    assert!(failed, "B kept an address A owns");
    assert!(A.ifaces()[0].with(|s| s.ipv6.as_ref().unwrap().is_mine(addr)));
}

#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_ARP, CONFIG_NET_UDP))]
#[test]
fn closed_port_gets_icmp_unreachable_and_is_counted() {
    instance!(A, A_END, [0x02, 0, 0, 0, 3, 0x0a], 7);
    instance!(B, B_END, [0x02, 0, 0, 0, 3, 0x0b], 8);
    start_v4_pair(&A, &B, &A_END, &B_END);
    let fd = udp_socket(&B, AddrFamily::Inet, 0);
    let closed = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 9);
    B.sendto(fd, b"anyone?", Some(closed)).unwrap();
    let _ = run_until(&A, &B, [&A_END, &B_END], Duration::from_millis(500), || {
        false
    });
    #[cfg(all(CONFIG_NET_STATISTICS_UDP, CONFIG_NET_STATISTICS_ICMP))]
    {
        assert_eq!(A.stats().udp.drop, 1);
        assert_eq!(A.stats().icmp.sent, 1);
        assert_eq!(B.stats().icmp.recv, 1);
    }
    B.close(fd).unwrap();
}

/// A datagram that does not fit the route's MTU (no IP fragmentation here) is refused with
/// `EMSGSIZE`, one to a down interface with `ENETDOWN`, and neither is counted as sent;
/// one that just fits goes out and is counted.
#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_ARP, CONFIG_NET_UDP))]
#[test]
fn a_datagram_beyond_the_mtu_is_refused_and_not_counted() {
    instance!(A, A_END, [0x02, 0, 0, 0, 10, 0x0a], 20);
    instance!(B, B_END, [0x02, 0, 0, 0, 10, 0x0b], 21);
    start_v4_pair(&A, &B, &A_END, &B_END);
    let server = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 4242);
    let listener = udp_socket(&A, AddrFamily::Inet, 4242);
    let fd = udp_socket(&B, AddrFamily::Inet, 0);
    // IPv4 and UDP headers take 28 bytes of the MTU.
    let fits = usize::from(B.iface(0).expect("interface").mtu()) - 28;
    let sent = || {
        #[cfg(CONFIG_NET_STATISTICS_UDP)]
        return B.stats().udp.sent;
        #[cfg(not(CONFIG_NET_STATISTICS_UDP))]
        0
    };
    let before = sent();
    assert_eq!(
        B.sendto(fd, &payload(fits + 1, 3), Some(server)),
        Err(Errno::EMSGSIZE)
    );
    assert_eq!(sent(), before, "a refused datagram was counted as sent");
    B.if_down(0).unwrap();
    assert_eq!(
        B.sendto(fd, &payload(fits, 3), Some(server)),
        Err(Errno::ENETDOWN)
    );
    assert_eq!(sent(), before, "a datagram to a down interface was counted");
    B.if_up(0).unwrap();
    assert_eq!(B.sendto(fd, &payload(fits, 3), Some(server)), Ok(fits));
    #[cfg(CONFIG_NET_STATISTICS_UDP)]
    assert_eq!(sent(), before + 1);
    let mut buf = vec![0u8; fits + 1];
    let mut got = None;
    assert!(run_until(
        &A,
        &B,
        [&A_END, &B_END],
        Duration::from_secs(5),
        || {
            got = A.recvfrom(listener, &mut buf).ok();
            got.is_some()
        }
    ));
    assert_eq!(got.map(|(n, _)| n), Some(fits));
    assert!(buf[..fits] == payload(fits, 3)[..]);
    A.close(listener).unwrap();
    B.close(fd).unwrap();
}

/// `reset_stats` zeroes the totals, the traffic classes' and the interfaces' counters.
#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_ARP, CONFIG_NET_UDP, CONFIG_NET_STATISTICS))]
#[test]
fn reset_stats_starts_every_counter_again() {
    instance!(A, A_END, [0x02, 0, 0, 0, 9, 0x0a], 18);
    instance!(B, B_END, [0x02, 0, 0, 0, 9, 0x0b], 19);
    start_v4_pair(&A, &B, &A_END, &B_END);
    let server = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 4242);
    echo_sizes(&A, &B, [&A_END, &B_END], AddrFamily::Inet, server, &[64]);
    assert_ne!(A.stats(), Default::default());
    A.reset_stats();
    assert_eq!(A.stats(), Default::default());
    assert_eq!(A.tc_stats(), Default::default());
    #[cfg(CONFIG_NET_STATISTICS_PER_INTERFACE)]
    assert_eq!(A.ifaces()[0].stats.snapshot(), Default::default());
}

#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_ARP, CONFIG_NET_UDP))]
#[test]
fn loss_duplication_and_reordering_never_corrupt() {
    instance!(A, A_END, [0x02, 0, 0, 0, 4, 0x0a], 9);
    instance!(B, B_END, [0x02, 0, 0, 0, 4, 0x0b], 10);
    connect(&A_END, &B_END);
    let imp = Impairments {
        loss: 0.1,
        duplicate: 0.1,
        reorder: 0.1,
        delay_ms: 0,
    };
    A_END.set_impairments(imp);
    B_END.set_impairments(imp);
    A.start_bare().unwrap();
    B.start_bare().unwrap();
    let mask = Ipv4Addr::new(255, 255, 255, 0);
    A.ipv4_add(0, Ipv4Addr::new(192, 0, 2, 1), mask).unwrap();
    B.ipv4_add(0, Ipv4Addr::new(192, 0, 2, 2), mask).unwrap();
    let server = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 4242);
    let server_fd = udp_socket(&A, AddrFamily::Inet, 4242);
    let client_fd = udp_socket(&B, AddrFamily::Inet, 0);
    let mut echoed = std::collections::HashSet::new();
    let mut buf = [0u8; 2048];
    for i in 0u16..200 {
        let mut data = payload(100 + usize::from(i % 300), i as u8);
        data[..2].copy_from_slice(&i.to_be_bytes());
        let _ = B.sendto(client_fd, &data, Some(server));
        run_until(&A, &B, [&A_END, &B_END], Duration::from_millis(20), || {
            serve_echo(&A, server_fd);
            false
        });
        A_END.flush_held();
        B_END.flush_held();
        while let Ok((n, _)) = B.recvfrom(client_fd, &mut buf) {
            let id = u16::from_be_bytes([buf[0], buf[1]]);
            let mut expect = payload(100 + usize::from(id % 300), id as u8);
            expect[..2].copy_from_slice(&id.to_be_bytes());
            assert_eq!(&buf[..n], &expect[..], "datagram {id} corrupted");
            echoed.insert(id);
        }
    }
    // With 10% loss each way, well over half the round trips succeed.
    assert!(echoed.len() > 100, "only {} of 200 echoes", echoed.len());
    let s = A_END.stats();
    assert!(
        s.lost > 0 && s.duplicated > 0 && s.reordered > 0,
        "impairments were not exercised: {s:?}"
    );
    A.close(server_fd).unwrap();
    B.close(client_fd).unwrap();
}

#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_ARP, CONFIG_NET_UDP))]
#[test]
fn flood_exhausts_the_rx_pool_and_everything_comes_back() {
    instance!(A, A_END, [0x02, 0, 0, 0, 5, 0x0a], 11);
    instance!(B, B_END, [0x02, 0, 0, 0, 5, 0x0b], 12);
    start_v4_pair(&A, &B, &A_END, &B_END);
    let sink = udp_socket(&A, AddrFamily::Inet, 5000);
    let fd = udp_socket(&B, AddrFamily::Inet, 0);
    let to = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 5000);
    let total = net_core::config::CONFIG_NET_PKT_RX_COUNT * 4;
    for _ in 0..total {
        let _ = B.sendto(fd, &[0x55; 200], Some(to));
        run_until(&A, &B, [&A_END, &B_END], Duration::from_millis(5), || false);
    }
    let stats = A.pools().stats();
    assert!(
        stats.rx_pkts.failures > 0 || stats.rx_bufs.failures > 0,
        "the pool never ran out: {stats:?}"
    );
    // Read everything, then close: every buffer must be back.
    let mut buf = [0u8; 512];
    let mut read = 0;
    while A.recvfrom(sink, &mut buf).is_ok() {
        read += 1;
    }
    assert!(read > 0);
    A.close(sink).unwrap();
    B.close(fd).unwrap();
    let after = A.pools().stats();
    assert_eq!(after.rx_pkts.allocated, 0, "{after:?}");
    assert_eq!(after.rx_bufs.allocated, 0, "{after:?}");
    #[cfg(CONFIG_NET_STATISTICS)]
    assert!(A.stats().processing_error > 0 || A.stats().udp.drop > 0);
}

#[test]
fn socket_api_misuse_returns_errors() {
    instance!(A, A_END, [0x02, 0, 0, 0, 6, 0x0a], 13);
    A.start_bare().unwrap();
    assert_eq!(A.close(Fd(200)), Err(Errno::EBADF));
    let family = if net_core::config::CONFIG_NET_IPV6 {
        AddrFamily::Inet6
    } else {
        AddrFamily::Inet
    };
    if net_core::config::CONFIG_NET_TCP {
        let stream = A.socket(family, SockType::Stream).unwrap();
        assert_eq!(
            A.listen(stream, 0),
            Ok(()),
            "listen binds an ephemeral port"
        );
        A.close(stream).unwrap();
    } else {
        assert_eq!(
            A.socket(family, SockType::Stream).err(),
            Some(Errno::EPROTONOSUPPORT)
        );
    }
    assert_eq!(
        A.socket_proto(family, SockType::Raw, 200).err(),
        Some(Errno::EPROTONOSUPPORT)
    );
    // ICMP raw sockets only with NET_SOCKETS_INET_RAW.
    let icmp = match family {
        AddrFamily::Inet => 1,
        AddrFamily::Inet6 => 58,
    };
    let raw = A.socket_proto(family, SockType::Raw, icmp);
    if net_core::config::CONFIG_NET_SOCKETS_INET_RAW {
        A.close(raw.expect("an ICMP raw socket")).unwrap();
    } else {
        assert_eq!(raw.err(), Some(Errno::EPROTONOSUPPORT));
    }
    if !net_core::config::CONFIG_NET_IPV4 {
        assert_eq!(
            A.socket(AddrFamily::Inet, SockType::Dgram).err(),
            Some(Errno::EAFNOSUPPORT)
        );
    }
    if !net_core::config::CONFIG_NET_IPV6 {
        assert_eq!(
            A.socket(AddrFamily::Inet6, SockType::Dgram).err(),
            Some(Errno::EAFNOSUPPORT)
        );
    }
    let mut fds = Vec::new();
    loop {
        match A.socket(family, SockType::Dgram) {
            Ok(fd) => fds.push(fd),
            Err(e) => {
                assert_eq!(e, Errno::ENFILE);
                break;
            }
        }
    }
    assert_eq!(fds.len(), net_core::config::CONFIG_NET_MAX_CONTEXTS);
    let fd = fds[0];
    // Priorities beyond 802.1Q's 0..7 only with NET_ALLOW_ANY_PRIORITY (as best effort).
    let any_priority = if net_core::config::CONFIG_NET_ALLOW_ANY_PRIORITY {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    };
    assert_eq!(A.setsockopt(fd, SockOpt::Priority(9)), any_priority);
    A.setsockopt(fd, SockOpt::NonBlocking(true)).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(A.recvfrom(fd, &mut buf).err(), Some(Errno::EAGAIN));
    assert_eq!(A.send(fd, b"x").err(), Some(Errno::EDESTADDRREQ));
    for fd in fds {
        A.close(fd).unwrap();
    }
}

/// `ping` over raw sockets: B sends ICMP echo requests through a raw socket and reads A's
/// replies from it (IPv4: the application fills the checksum; IPv6: the stack does).
#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_ARP, CONFIG_NET_SOCKETS_INET_RAW))]
#[test]
fn ping_over_raw_sockets() {
    instance!(A, A_END, [0x02, 0, 0, 0, 7, 0x0a], 14);
    instance!(B, B_END, [0x02, 0, 0, 0, 7, 0x0b], 15);
    start_v4_pair(&A, &B, &A_END, &B_END);
    let fd = B.socket_proto(AddrFamily::Inet, SockType::Raw, 1).unwrap();
    B.setsockopt(fd, SockOpt::NonBlocking(true)).unwrap();
    let mut req = vec![8u8, 0, 0, 0, 0x12, 0x34, 0, 1];
    req.extend_from_slice(b"ping payload");
    let mut sum = 0u32;
    for c in req.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    req[2..4].copy_from_slice(&(!(sum as u16)).to_be_bytes());
    let peer = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 0);
    let mut reply = None;
    for _ in 0..3 {
        B.sendto(fd, &req, Some(peer)).unwrap();
        let mut buf = [0u8; 256];
        if run_until(&A, &B, [&A_END, &B_END], Duration::from_secs(2), || {
            while let Ok((n, from)) = B.recvfrom(fd, &mut buf) {
                if buf[0] == 0 {
                    reply = Some((buf[..n].to_vec(), from));
                    return true;
                }
            }
            false
        }) {
            break;
        }
    }
    let (reply, from) = reply.expect("no echo reply on the raw socket");
    assert_eq!(from.ip(), peer.ip());
    assert_eq!(
        &reply[4..],
        &req[4..],
        "reply carries the request's ident, sequence and data"
    );
    B.close(fd).unwrap();
}

/// The port-unreachable error quotes the datagram's UDP header, so the sender can tell
/// which of its sockets it concerns (RFC 792/RFC 4443).
#[cfg(all(
    CONFIG_NET_IPV4,
    CONFIG_NET_ARP,
    CONFIG_NET_UDP,
    CONFIG_NET_SOCKETS_INET_RAW
))]
#[test]
fn port_unreachable_quotes_the_udp_header() {
    instance!(A, A_END, [0x02, 0, 0, 0, 8, 0x0a], 16);
    instance!(B, B_END, [0x02, 0, 0, 0, 8, 0x0b], 17);
    start_v4_pair(&A, &B, &A_END, &B_END);
    let icmp = B.socket_proto(AddrFamily::Inet, SockType::Raw, 1).unwrap();
    B.setsockopt(icmp, SockOpt::NonBlocking(true)).unwrap();
    let fd = udp_socket(&B, AddrFamily::Inet, 40000);
    let closed = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 9);
    let mut msg = None;
    for _ in 0..3 {
        B.sendto(fd, b"anyone?", Some(closed)).unwrap();
        let mut buf = [0u8; 256];
        if run_until(&A, &B, [&A_END, &B_END], Duration::from_secs(2), || match B
            .recvfrom(icmp, &mut buf)
        {
            Ok((n, _)) if buf[0] == 3 => {
                msg = Some(buf[..n].to_vec());
                true
            }
            _ => false,
        }) {
            break;
        }
    }
    let msg = msg.expect("no ICMP error");
    assert_eq!(msg[1], 3, "port unreachable");
    // ICMP header (8), quoted IPv4 header (20), then the UDP header.
    let udp = &msg[28..36];
    assert_eq!(
        u16::from_be_bytes([udp[0], udp[1]]),
        40000,
        "source port of the quoted datagram"
    );
    assert_eq!(
        u16::from_be_bytes([udp[2], udp[3]]),
        9,
        "destination port of the quoted datagram"
    );
}

/// `NET_SOCKETS_POLL_MAX`: `poll` takes that many entries and fails with ENOMEM for more.
#[cfg(CONFIG_NET_UDP)]
#[test]
fn poll_takes_at_most_poll_max_entries() {
    instance!(A, A_END, [0x02, 0, 0, 0, 7, 0x0a], 22);
    A.start_bare().unwrap();
    let family = if net_core::config::CONFIG_NET_IPV4 {
        AddrFamily::Inet
    } else {
        AddrFamily::Inet6
    };
    let fd = udp_socket(&A, family, 4000);
    let max = net_core::lib::sockets::limits::POLL_MAX;
    let entry = net_core::PollFd {
        fd,
        events: net_core::lib::sockets::POLLOUT,
        revents: 0,
    };
    let mut entries = vec![entry; max + 1];
    assert_eq!(A.poll_fds(&mut entries[..max], Some(0)), Ok(max));
    assert_eq!(A.poll_fds(&mut entries, Some(0)), Err(Errno::ENOMEM));
    A.close(fd).unwrap();
}

/// A blocking datagram send that finds the TX pool empty waits for packets to be freed
/// (as Zephyr's does, up to `NET_SOCKET_MAX_SEND_WAIT`), and gives up after
/// `SO_SNDTIMEO` with EAGAIN; a non-blocking one fails with ENOBUFS at once.
#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_ARP, CONFIG_NET_UDP))]
#[test]
fn a_blocking_send_waits_for_tx_buffers() {
    instance!(A, A_END, [0x02, 0, 0, 0, 8, 0x0a], 23);
    instance!(B, B_END, [0x02, 0, 0, 0, 8, 0x0b], 24);
    start_v4_pair(&A, &B, &A_END, &B_END);
    let ends = [&A_END, &B_END];
    let server = udp_socket(&A, AddrFamily::Inet, 4001);
    let client = udp_socket(&B, AddrFamily::Inet, 0);
    let to = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 4001);
    let mut buf = [0u8; 64];
    // The first datagram resolves the peer's address, so later ones leave at once.
    B.sendto(client, b"first", Some(to)).unwrap();
    assert!(run_until(&A, &B, ends, Duration::from_secs(5), || {
        A.recvfrom(server, &mut buf).is_ok()
    }));
    // The application holds every TX packet.
    let held = std::sync::Mutex::new(Vec::new());
    while let Ok(p) = B.pools().alloc_tx(1, 0) {
        held.lock().unwrap().push(p);
    }
    assert_eq!(B.sendto(client, b"x", Some(to)), Err(Errno::ENOBUFS));
    B.setsockopt(client, SockOpt::NonBlocking(false)).unwrap();
    B.setsockopt(client, SockOpt::SndTimeo(Some(300))).unwrap();
    let start = Instant::now();
    assert_eq!(B.sendto(client, b"x", Some(to)), Err(Errno::EAGAIN));
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    // A datagram larger than the whole pool can never get one: no wait.
    let pool_bytes = B.pools().stats().tx_bufs.capacity * B.pools().block_size();
    if pool_bytes < 60_000 {
        let huge = vec![0u8; pool_bytes + 1];
        let start = Instant::now();
        assert_eq!(B.sendto(client, &huge, Some(to)), Err(Errno::ENOBUFS));
        assert!(start.elapsed() < Duration::from_millis(250));
    }
    // Packets freed during the wait let it through.
    B.setsockopt(client, SockOpt::SndTimeo(None)).unwrap();
    let start = Instant::now();
    let sent = std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(200));
            held.lock().unwrap().truncate(0);
        });
        B.sendto(client, b"late", Some(to))
    });
    let waited = start.elapsed();
    assert_eq!(sent, Ok(4));
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    let mut got = None;
    assert!(run_until(&A, &B, ends, Duration::from_secs(5), || {
        got = A.recvfrom(server, &mut buf).ok().map(|(n, _)| n);
        got.is_some()
    }));
    assert_eq!(&buf[..got.unwrap()], b"late");
    A.close(server).unwrap();
    B.close(client).unwrap();
}

/// `recvfrom` answers an idle non-blocking socket without a critical section; that
/// shortcut follows the socket: a datagram queued after an `EAGAIN` is read next, a socket
/// made blocking again waits, and a closed descriptor is `EBADF`, also when a new socket
/// takes its slot.
#[cfg(all(CONFIG_NET_IPV4, CONFIG_NET_ARP, CONFIG_NET_UDP))]
#[test]
fn recvfrom_on_an_idle_socket_follows_its_state() {
    instance!(A, A_END, [0x02, 0, 0, 0, 9, 0x0a], 25);
    instance!(B, B_END, [0x02, 0, 0, 0, 9, 0x0b], 26);
    start_v4_pair(&A, &B, &A_END, &B_END);
    let ends = [&A_END, &B_END];
    let server = udp_socket(&A, AddrFamily::Inet, 4002);
    let client = udp_socket(&B, AddrFamily::Inet, 0);
    let to = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 4002);
    let mut buf = [0u8; 64];
    for round in 0..3u8 {
        assert_eq!(A.recvfrom(server, &mut buf).err(), Some(Errno::EAGAIN));
        B.sendto(client, &[round; 3], Some(to)).unwrap();
        let mut got = None;
        assert!(run_until(&A, &B, ends, Duration::from_secs(5), || {
            got = A.recvfrom(server, &mut buf).ok().map(|(n, _)| n);
            got.is_some()
        }));
        assert_eq!(&buf[..got.unwrap()], &[round; 3]);
    }
    // Blocking again (right after an idle answer): the call waits for its timeout
    // instead of answering at once.
    assert_eq!(A.recvfrom(server, &mut buf).err(), Some(Errno::EAGAIN));
    A.setsockopt(server, SockOpt::NonBlocking(false)).unwrap();
    A.setsockopt(server, SockOpt::RcvTimeo(Some(100))).unwrap();
    let start = Instant::now();
    assert_eq!(A.recvfrom(server, &mut buf).err(), Some(Errno::EAGAIN));
    assert!(start.elapsed() >= Duration::from_millis(100));
    A.setsockopt(server, SockOpt::NonBlocking(true)).unwrap();
    assert_eq!(A.recvfrom(server, &mut buf).err(), Some(Errno::EAGAIN));
    A.close(server).unwrap();
    assert_eq!(A.recvfrom(server, &mut buf).err(), Some(Errno::EBADF));
    // A new socket in the same slot starts blocking, as every socket does.
    let again = A.socket(AddrFamily::Inet, SockType::Dgram).unwrap();
    assert_eq!(again, server, "the freed slot is reused");
    A.setsockopt(again, SockOpt::RcvTimeo(Some(50))).unwrap();
    let start = Instant::now();
    assert_eq!(A.recvfrom(again, &mut buf).err(), Some(Errno::EAGAIN));
    assert!(start.elapsed() >= Duration::from_millis(50));
    A.close(again).unwrap();
    B.close(client).unwrap();
}
