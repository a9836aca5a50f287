//! The `embedded-nal` 0.9 and `embedded-io` 0.6 traits over two stack instances: a TCP
//! echo server written against `TcpFullStack`, a client written against
//! `TcpClientStack` (generic code, as a client crate is), a byte stream through
//! `embedded_io::{Read, Write}` (`write_all`/`read_exact`), and UDP through
//! `UdpFullStack`/`UdpClientStack`. A background thread runs the link and both stacks.

#![cfg(all(CONFIG_NET_TCP, CONFIG_NET_UDP, CONFIG_NET_IPV4, CONFIG_NET_ARP))]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use embedded_nal::{TcpClientStack, TcpFullStack, UdpClientStack, UdpFullStack};
use net_core::drivers::link::connect;
use net_core::{NalStack, SockOpt, TcpStream};

#[macro_use]
mod support;

instance!(A, A_END, [0x02, 0, 0, 0, 0x4a, 0x0a], 71);
instance!(B, B_END, [0x02, 0, 0, 0, 0x4a, 0x0b], 72);
static STOP: AtomicBool = AtomicBool::new(false);

const SERVER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 4242);

/// Retries a non-blocking `embedded-nal` call until it completes (or 10 s pass).
fn block<T, E: core::fmt::Debug>(mut f: impl FnMut() -> nb::Result<T, E>) -> T {
    let start = Instant::now();
    loop {
        match f() {
            Ok(v) => return v,
            Err(nb::Error::WouldBlock) => std::thread::sleep(Duration::from_micros(100)),
            Err(nb::Error::Other(e)) => panic!("{e:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(10), "timed out");
    }
}

/// Client code as a crate writes it: generic over the stack.
fn echo_once<S: TcpClientStack>(stack: &mut S, server: SocketAddr, msg: &[u8]) -> Vec<u8>
where
    S::Error: core::fmt::Debug,
{
    let mut socket = stack.socket().unwrap();
    block(|| stack.connect(&mut socket, server));
    let mut sent = 0;
    while sent < msg.len() {
        sent += block(|| stack.send(&mut socket, &msg[sent..]));
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while got.len() < msg.len() {
        let n = block(|| stack.receive(&mut socket, &mut buf));
        got.extend_from_slice(&buf[..n]);
    }
    stack.close(socket).unwrap();
    got
}

#[test]
fn embedded_nal_and_embedded_io_over_the_stack() {
    connect(&A_END, &B_END);
    A.start_bare().unwrap();
    B.start_bare().unwrap();
    let mask = Ipv4Addr::new(255, 255, 255, 0);
    A.ipv4_add(0, Ipv4Addr::new(192, 0, 2, 1), mask).unwrap();
    B.ipv4_add(0, Ipv4Addr::new(192, 0, 2, 2), mask).unwrap();

    // The server: a TCP echo written against TcpFullStack, and a UDP echo against
    // UdpFullStack, run with the stacks on a thread of their own.
    let runner = std::thread::spawn(|| {
        let mut nal = NalStack(&A);
        let mut listener = TcpClientStack::socket(&mut nal).unwrap();
        TcpFullStack::bind(&mut nal, &mut listener, 4242).unwrap();
        nal.listen(&mut listener).unwrap();
        let mut udp = UdpClientStack::socket(&mut nal).unwrap();
        UdpFullStack::bind(&mut nal, &mut udp, 7).unwrap();
        let mut conns = Vec::new();
        let mut buf = [0u8; 512];
        while !STOP.load(Ordering::Relaxed) {
            A_END.pump();
            B_END.pump();
            if A.poll() + B.poll() == 0 {
                A.run_timers();
                B.run_timers();
                std::thread::sleep(Duration::from_micros(50));
            }
            if let Ok((conn, _peer)) = nal.accept(&mut listener) {
                conns.push((conn, Vec::new()));
            }
            // Echo what was received, keeping what the send buffer cannot take yet.
            for (c, pending) in &mut conns {
                if pending.is_empty()
                    && let Ok(n) = TcpClientStack::receive(&mut nal, c, &mut buf)
                {
                    pending.extend_from_slice(&buf[..n]);
                }
                if !pending.is_empty()
                    && let Ok(n) = TcpClientStack::send(&mut nal, c, pending)
                {
                    pending.drain(..n);
                }
            }
            if let Ok((n, from)) = UdpClientStack::receive(&mut nal, &mut udp, &mut buf) {
                let _ = nal.send_to(&mut udp, from, &buf[..n]);
            }
        }
    });

    // TCP through the generic client.
    let msg: Vec<u8> = (0..2000u32).map(|i| (i * 7) as u8).collect();
    assert_eq!(echo_once(&mut NalStack(&B), SERVER, &msg), msg);

    // TCP as an embedded-io byte stream (blocking socket; the runner thread polls).
    let fd = B
        .socket(net_core::AddrFamily::Inet, net_core::SockType::Stream)
        .unwrap();
    B.setsockopt(fd, SockOpt::RcvTimeo(Some(10_000))).unwrap();
    B.connect(fd, SERVER).unwrap();
    let mut stream = TcpStream::new(&B, fd);
    embedded_io::Write::write_all(&mut stream, b"hello over embedded-io").unwrap();
    let mut back = [0u8; 22];
    embedded_io::Read::read_exact(&mut stream, &mut back).unwrap();
    assert_eq!(&back, b"hello over embedded-io");
    stream.close().unwrap();

    // UDP through UdpClientStack.
    let mut nal = NalStack(&B);
    let mut udp = UdpClientStack::socket(&mut nal).unwrap();
    UdpClientStack::connect(
        &mut nal,
        &mut udp,
        SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 7),
    )
    .unwrap();
    let mut got = None;
    let start = Instant::now();
    while got.is_none() && start.elapsed() < Duration::from_secs(10) {
        block(|| UdpClientStack::send(&mut nal, &mut udp, b"datagram"));
        std::thread::sleep(Duration::from_millis(20));
        let mut buf = [0u8; 16];
        if let Ok((n, from)) = UdpClientStack::receive(&mut nal, &mut udp, &mut buf) {
            got = Some((buf[..n].to_vec(), from));
        }
    }
    let (data, from) = got.expect("no UDP echo");
    assert_eq!(data, b"datagram");
    assert_eq!(from.port(), 7);
    UdpClientStack::close(&mut nal, udp).unwrap();

    STOP.store(true, Ordering::Relaxed);
    runner.join().unwrap();
}
