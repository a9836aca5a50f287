//! TCP between two stack instances in one process over the in-process Ethernet link:
//! handshake, bulk transfer both ways over IPv4 and IPv6, graceful close with every
//! buffer back in its pool, RST for a closed port, the listen backlog, and a transfer
//! under 10 % loss, duplication and reordering.
//!
//! Both stacks are polled from the test thread with non-blocking sockets. The transfer
//! sizes are modest because every configuration of the test matrix runs these tests (some
//! with windows of a few hundred bytes); `TCP_BULK_BYTES` and `TCP_LOSS_BYTES` make them
//! bigger, e.g. `TCP_LOSS_BYTES=10000000` for the 10 MB figure under loss.

#![cfg(all(CONFIG_NET_TCP, CONFIG_NET_SOCKETS))]
#![allow(non_snake_case)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use net_core::drivers::link::{Impairments, LinkEnd, connect};
use net_core::{AddrFamily, Errno, Fd, Shutdown, SockOpt, SockType, Stack};

use support::pattern;

#[macro_use]
mod support;

/// Connects and starts two instances with 192.0.2.1/24, 2001:db8::1/64 (`a`) and .2, ::2
/// (`b`), waiting for IPv6 DAD to finish.
fn start_pair(a: &'static Stack, b: &'static Stack, ae: &'static LinkEnd, be: &'static LinkEnd) {
    connect(ae, be);
    a.start_bare().unwrap();
    b.start_bare().unwrap();
    #[cfg(CONFIG_NET_IPV4)]
    {
        let mask = Ipv4Addr::new(255, 255, 255, 0);
        a.ipv4_add(0, Ipv4Addr::new(192, 0, 2, 1), mask).unwrap();
        b.ipv4_add(0, Ipv4Addr::new(192, 0, 2, 2), mask).unwrap();
    }
    #[cfg(CONFIG_NET_IPV6)]
    {
        a.ipv6_add(0, "2001:db8::1".parse().unwrap(), 64).unwrap();
        b.ipv6_add(0, "2001:db8::2".parse().unwrap(), 64).unwrap();
        // DAD takes a few timer ticks.
        pump(a, b, [ae, be], Duration::from_millis(1500), || false);
    }
}

/// Polls both stacks and the link until `done` holds or `timeout` passes.
fn pump(
    a: &Stack,
    b: &Stack,
    ends: [&LinkEnd; 2],
    timeout: Duration,
    mut done: impl FnMut() -> bool,
) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        let mut moved = 0;
        for e in ends {
            moved += e.pump();
        }
        moved += a.poll() + b.poll();
        if done() {
            return true;
        }
        if moved == 0 {
            a.run_timers();
            b.run_timers();
            std::thread::sleep(Duration::from_micros(200));
        }
    }
    false
}

fn nonblocking(stack: &Stack, family: AddrFamily) -> Fd {
    let fd = stack.socket(family, SockType::Stream).expect("socket");
    stack.setsockopt(fd, SockOpt::NonBlocking(true)).unwrap();
    fd
}

fn any(family: AddrFamily, port: u16) -> SocketAddr {
    match family {
        AddrFamily::Inet => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
        AddrFamily::Inet6 => SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
    }
}

fn server_addr(family: AddrFamily, port: u16) -> SocketAddr {
    match family {
        AddrFamily::Inet => SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), port),
        AddrFamily::Inet6 => SocketAddr::new("2001:db8::1".parse().unwrap(), port),
    }
}

/// Opens a connection from `b` to a listener on `a` and returns (listener, server side,
/// client side).
fn open(
    a: &'static Stack,
    b: &'static Stack,
    ends: [&'static LinkEnd; 2],
    family: AddrFamily,
    port: u16,
) -> (Fd, Fd, Fd) {
    let listener = nonblocking(a, family);
    a.bind(listener, any(family, port)).unwrap();
    a.listen(listener, 2).unwrap();
    let client = nonblocking(b, family);
    assert_eq!(
        b.connect(client, server_addr(family, port)),
        Err(Errno::EINPROGRESS)
    );
    let mut server = None;
    assert!(
        pump(a, b, ends, Duration::from_secs(5), || {
            if server.is_none() {
                server = a.accept(listener).ok().map(|(fd, _)| fd);
            }
            server.is_some()
        }),
        "no connection accepted"
    );
    // Accepted sockets start blocking, as on Linux.
    a.setsockopt(server.unwrap(), SockOpt::NonBlocking(true))
        .unwrap();
    (listener, server.unwrap(), client)
}

/// Sends `data` from `tx` on `from` and reads it on `rx` at `to`, both ways at once when
/// `back` is given (`to` sends `back` to `from`). Returns what each side received.
#[allow(clippy::too_many_arguments)]
fn exchange(
    from: &'static Stack,
    tx: Fd,
    data: &[u8],
    to: &'static Stack,
    rx: Fd,
    back: &[u8],
    ends: [&'static LinkEnd; 2],
    timeout: Duration,
) -> (Vec<u8>, Vec<u8>) {
    let (mut sent, mut sent_back) = (0, 0);
    let (mut got, mut got_back) = (Vec::new(), Vec::new());
    let mut buf = vec![0u8; 4096];
    let ok = pump(from, to, ends, timeout, || {
        if sent < data.len()
            && let Ok(n) = from.send(tx, &data[sent..])
        {
            sent += n;
        }
        if sent_back < back.len()
            && let Ok(n) = to.send(rx, &back[sent_back..])
        {
            sent_back += n;
        }
        while let Ok(n) = to.recv(rx, &mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        while let Ok(n) = from.recv(tx, &mut buf) {
            if n == 0 {
                break;
            }
            got_back.extend_from_slice(&buf[..n]);
        }
        got.len() >= data.len() && got_back.len() >= back.len()
    });
    assert!(
        ok,
        "transfer stalled: sent {sent}/{}, received {}/{} and {}/{}",
        data.len(),
        got.len(),
        data.len(),
        got_back.len(),
        back.len()
    );
    (got, got_back)
}

/// Closes both sides and waits until each stack's pools are full again and the
/// connections are gone (the active closer's TIME-WAIT included).
fn close_and_drain(
    a: &'static Stack,
    b: &'static Stack,
    ends: [&'static LinkEnd; 2],
    fds: &[(bool, Fd)],
) {
    for &(on_a, fd) in fds {
        let s = if on_a { a } else { b };
        s.close(fd).unwrap();
    }
    let settled = pump(a, b, ends, Duration::from_secs(10), || {
        [a, b].iter().all(|s| {
            let p = s.pools().stats();
            p.rx_pkts.allocated == 0
                && p.tx_pkts.allocated == 0
                && p.rx_bufs.allocated == 0
                && p.tx_bufs.allocated == 0
                && s.tcp_connections() == 0
        })
    });
    assert!(
        settled,
        "buffers not back: {:?} / {:?}",
        a.pools().stats(),
        b.pools().stats()
    );
}

fn bulk_both_ways(
    a: &'static Stack,
    b: &'static Stack,
    ends: [&'static LinkEnd; 2],
    family: AddrFamily,
) {
    let (A, B) = (a, b);
    start_pair(A, B, ends[0], ends[1]);
    let (listener, server, client) = open(A, B, ends, family, 4242);
    assert_eq!(B.getpeername(client).unwrap(), server_addr(family, 4242));
    let size: usize = std::env::var("TCP_BULK_BYTES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300_000);
    let up = pattern(size, 1);
    let down = pattern(size * 2 / 3, 2);
    let start = Instant::now();
    let (got, got_back) = exchange(
        B,
        client,
        &up,
        A,
        server,
        &down,
        ends,
        Duration::from_secs(60),
    );
    eprintln!(
        "bulk: {size} + {} bytes in {:?}",
        down.len(),
        start.elapsed()
    );
    assert!(got == up, "client → server corrupted");
    assert!(got_back == down, "server → client corrupted");
    // Half close: the server sees the end of the stream, then answers and closes.
    B.shutdown(client, Shutdown::Write).unwrap();
    let mut buf = [0u8; 16];
    assert!(pump(A, B, ends, Duration::from_secs(5), || A
        .recv(server, &mut buf)
        == Ok(0)));
    assert_eq!(A.send(server, b"bye").unwrap(), 3);
    let mut last = Vec::new();
    assert!(pump(A, B, ends, Duration::from_secs(5), || {
        if let Ok(n) = B.recv(client, &mut buf) {
            last.extend_from_slice(&buf[..n]);
        }
        last == b"bye"
    }));
    close_and_drain(
        A,
        B,
        ends,
        &[(true, server), (false, client), (true, listener)],
    );
}

#[cfg(CONFIG_NET_IPV4)]
#[test]
fn bulk_transfer_both_ways_over_ipv4() {
    instance!(A, A_END, [0x02, 0, 0, 0, 7, 0x0a], 31);
    instance!(B, B_END, [0x02, 0, 0, 0, 7, 0x0b], 32);
    bulk_both_ways(&A, &B, [&A_END, &B_END], AddrFamily::Inet);
}

#[cfg(CONFIG_NET_IPV6)]
#[test]
fn bulk_transfer_both_ways_over_ipv6() {
    instance!(A, A_END, [0x02, 0, 0, 0, 6, 0x0a], 33);
    instance!(B, B_END, [0x02, 0, 0, 0, 6, 0x0b], 34);
    bulk_both_ways(&A, &B, [&A_END, &B_END], AddrFamily::Inet6);
}

#[cfg(CONFIG_NET_IPV4)]
#[test]
fn closed_port_refuses_with_rst() {
    instance!(A, A_END, [0x02, 0, 0, 0, 8, 0x0a], 41);
    instance!(B, B_END, [0x02, 0, 0, 0, 8, 0x0b], 42);
    start_pair(&A, &B, &A_END, &B_END);
    let client = nonblocking(&B, AddrFamily::Inet);
    assert_eq!(
        B.connect(client, server_addr(AddrFamily::Inet, 9)),
        Err(Errno::EINPROGRESS)
    );
    let mut buf = [0u8; 4];
    assert!(pump(
        &A,
        &B,
        [&A_END, &B_END],
        Duration::from_secs(5),
        || { B.recv(client, &mut buf) == Err(Errno::ECONNREFUSED) }
    ));
    B.close(client).unwrap();
}

#[cfg(CONFIG_NET_IPV4)]
#[test]
fn backlog_bounds_pending_connections() {
    instance!(A, A_END, [0x02, 0, 0, 0, 9, 0x0a], 51);
    instance!(B, B_END, [0x02, 0, 0, 0, 9, 0x0b], 52);
    start_pair(&A, &B, &A_END, &B_END);
    let ends = [&A_END, &B_END];
    let listener = nonblocking(&A, AddrFamily::Inet);
    A.bind(listener, any(AddrFamily::Inet, 80)).unwrap();
    A.listen(listener, 1).unwrap();
    let c1 = nonblocking(&B, AddrFamily::Inet);
    let c2 = nonblocking(&B, AddrFamily::Inet);
    let _ = B.connect(c1, server_addr(AddrFamily::Inet, 80));
    pump(&A, &B, ends, Duration::from_millis(300), || false);
    let _ = B.connect(c2, server_addr(AddrFamily::Inet, 80));
    pump(&A, &B, ends, Duration::from_millis(300), || false);
    // One pending connection fills a backlog of 1: the second SYN waits for accept.
    let mut buf = [0u8; 1];
    assert_eq!(B.recv(c1, &mut buf), Err(Errno::EAGAIN), "first connected");
    let (s1, _) = A.accept(listener).expect("first accepted");
    A.setsockopt(s1, SockOpt::NonBlocking(true)).unwrap();
    assert_eq!(A.accept(listener), Err(Errno::EAGAIN));
    // The client retransmits its SYN (initial RTO) and now gets in.
    let mut s2 = None;
    assert!(pump(&A, &B, ends, Duration::from_secs(10), || {
        s2 = s2.or_else(|| A.accept(listener).ok().map(|(fd, _)| fd));
        s2.is_some()
    }));
    close_and_drain(
        &A,
        &B,
        ends,
        &[
            (true, s1),
            (true, s2.unwrap()),
            (false, c1),
            (false, c2),
            (true, listener),
        ],
    );
}

#[cfg(CONFIG_NET_IPV4)]
#[test]
fn transfer_survives_loss_duplication_and_reordering() {
    instance!(A, A_END, [0x02, 0, 0, 0, 10, 0x0a], 61);
    instance!(B, B_END, [0x02, 0, 0, 0, 10, 0x0b], 62);
    start_pair(&A, &B, &A_END, &B_END);
    let ends = [&A_END, &B_END];
    let (listener, server, client) = open(&A, &B, ends, AddrFamily::Inet, 5001);
    let imp = Impairments {
        loss: 0.1,
        duplicate: 0.1,
        reorder: 0.1,
        delay_ms: 0,
    };
    A_END.set_impairments(imp);
    B_END.set_impairments(imp);
    let size: usize = std::env::var("TCP_LOSS_BYTES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64 * 1024);
    let up = pattern(size, 7);
    let down = pattern(size, 8);
    let start = Instant::now();
    let (got, got_back) = exchange(
        &B,
        client,
        &up,
        &A,
        server,
        &down,
        ends,
        Duration::from_secs(240),
    );
    let secs = start.elapsed().as_secs_f64();
    assert!(got == up, "client → server corrupted");
    assert!(got_back == down, "server → client corrupted");
    let s = A_END.stats();
    assert!(s.lost > 0 && s.duplicated > 0 && s.reordered > 0, "{s:?}");
    eprintln!(
        "{} bytes each way under 10% loss/dup/reorder in {secs:.1} s ({:.2} MB/s each way)",
        size,
        size as f64 / secs / 1e6
    );
    A_END.set_impairments(Impairments::default());
    B_END.set_impairments(Impairments::default());
    close_and_drain(
        &A,
        &B,
        ends,
        &[(true, server), (false, client), (true, listener)],
    );
}
