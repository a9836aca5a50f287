//! The TAP driver with offloads on (`NativeTap::set_offload`), against the Linux
//! kernel on the other side of a TAP in a network namespace the test creates. With
//! `TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6` the kernel hands this side UDP datagrams with
//! partial checksums and TCP super-frames of many segments; the driver completes the
//! first and cuts the second before the stack sees them. The test runs one loop, as
//! firmware does (polled mode), and checks that:
//!
//! - UDP datagrams from Linux (partial checksums) are echoed back byte-exact;
//! - 4 MiB from a Linux TCP sender arrive byte-exact and go back byte-exact, over IPv4
//!   and over IPv6: our TCP
//!   sends packets of several segments (TSO, `Driver::tso_max`), which leave behind a
//!   virtio-net header asking the kernel to cut them, and everything else behind a header
//!   of zeros;
//! - the driver received super-frames (taken whole by the stack's TCP when the RX pool
//!   has room, else cut into segments) and sent some, and counted no error.
//!
//! Needs root and `ip`; without them the test prints `SKIP:` (and fails under
//! `NET_INTEROP_REQUIRED=1`).

#![cfg(all(
    CONFIG_NET_UDP,
    CONFIG_NET_TCP,
    CONFIG_NET_IPV4,
    CONFIG_NET_IPV6,
    CONFIG_NET_ARP,
    CONFIG_NET_SOCKETS,
    CONFIG_ETH_NATIVE_TAP,
    target_os = "linux"
))]

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use net_core::drivers::ethernet::native_tap::NativeTap;
use net_core::{AddrFamily, Errno, Fd, SockOpt, SockType};

#[macro_use]
mod support;
use support::netns::{Netns, missing, skip};

static TAP: NativeTap = NativeTap::new([0x02, 0, 0, 0, 0x70, 0x12]);
stack_on!(NET, TAP);

const OURS: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const OURS6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const UDP_PORT: u16 = 4242;
const TCP_PORT: u16 = 4243;
const TCP_BYTES: usize = 4 << 20;

/// One turn of the firmware-style loop; sleeps on the TAP when nothing moved.
fn turn(idle: bool) {
    let frames = TAP.poll_rx(64);
    let work = NET.poll();
    if idle && frames + work == 0 {
        TAP.wait_rx(Duration::from_millis(1));
    }
}

/// Retries a non-blocking call, turning the loop, for up to 20 s.
fn retry<T>(what: &str, mut f: impl FnMut() -> Result<T, Errno>) -> T {
    let start = Instant::now();
    loop {
        match f() {
            Ok(v) => return v,
            Err(Errno::EAGAIN) => turn(true),
            Err(e) => panic!("{what}: {e:?}"),
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{what}: timed out"
        );
    }
}

fn udp_echoes() {
    let fd = NET.socket(AddrFamily::Inet, SockType::Dgram).unwrap();
    NET.setsockopt(fd, SockOpt::NonBlocking(true)).unwrap();
    NET.bind(
        fd,
        SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), UDP_PORT),
    )
    .unwrap();
    let linux = UdpSocket::bind("192.0.2.2:0").expect("bind on the TAP's address");
    linux.set_nonblocking(true).unwrap();
    let to = SocketAddr::new(IpAddr::V4(OURS), UDP_PORT);
    let mut buf = [0u8; 2048];
    for (i, len) in [1usize, 33, 512, 1472].into_iter().enumerate() {
        let data: Vec<u8> = (0..len).map(|j| (j * 11 + i) as u8).collect();
        linux.send_to(&data, to).expect("send to the stack");
        let start = Instant::now();
        loop {
            turn(false);
            if let Ok((n, from)) = NET.recvfrom(fd, &mut buf) {
                NET.sendto(fd, &buf[..n], Some(from)).expect("echo");
            }
            let mut back = [0u8; 2048];
            if let Ok((n, _)) = linux.recv_from(&mut back) {
                assert_eq!(&back[..n], &data[..], "UDP echo of {len} bytes differs");
                break;
            }
            turn(true);
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no UDP echo of {len} bytes (a partial checksum not completed?)"
            );
        }
    }
    NET.close(fd).unwrap();
}

/// Linux connects to `to`, sends `data`, and reads it back; returns what it read.
fn linux_client(to: SocketAddr, data: Vec<u8>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut s = TcpStream::connect_timeout(&to, Duration::from_secs(10)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut reader = s.try_clone().unwrap();
        let back = std::thread::spawn(move || {
            let mut back = Vec::with_capacity(TCP_BYTES);
            let mut buf = vec![0u8; 65536];
            while back.len() < TCP_BYTES {
                let n = reader.read(&mut buf).expect("read the echo");
                assert!(n > 0, "echo ended after {} bytes", back.len());
                back.extend_from_slice(&buf[..n]);
            }
            back
        });
        s.write_all(&data).expect("send");
        back.join().unwrap()
    })
}

/// Linux sends [`TCP_BYTES`] to our listener on `ours` and reads them back.
fn tcp_echoes_a_stream(ours: IpAddr) {
    let data: Vec<u8> = (0..TCP_BYTES).map(|i| (i * 7 + i / 4099) as u8).collect();
    let (family, any) = match ours {
        IpAddr::V4(_) => (AddrFamily::Inet, IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        IpAddr::V6(_) => (AddrFamily::Inet6, IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
    };
    let listener = NET.socket(family, SockType::Stream).unwrap();
    NET.setsockopt(listener, SockOpt::NonBlocking(true))
        .unwrap();
    NET.bind(listener, SocketAddr::new(any, TCP_PORT)).unwrap();
    NET.listen(listener, 1).unwrap();
    let client = linux_client(SocketAddr::new(ours, TCP_PORT), data.clone());
    let (fd, _): (Fd, _) = retry("accept", || NET.accept(listener));
    NET.setsockopt(fd, SockOpt::NonBlocking(true)).unwrap();
    let mut received = Vec::with_capacity(TCP_BYTES);
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 16384];
    let mut echoed = 0;
    let start = Instant::now();
    while echoed < TCP_BYTES {
        if received.len() < TCP_BYTES {
            match NET.recv(fd, &mut buf) {
                Ok(0) => panic!("stream ended at {} bytes", received.len()),
                Ok(n) => {
                    received.extend_from_slice(&buf[..n]);
                    pending.extend_from_slice(&buf[..n]);
                }
                Err(Errno::EAGAIN) => {}
                Err(e) => panic!("recv: {e:?}"),
            }
        }
        if !pending.is_empty() {
            match NET.send(fd, &pending) {
                Ok(n) => {
                    pending.drain(..n);
                    echoed += n;
                }
                Err(Errno::EAGAIN) => {}
                Err(e) => panic!("send: {e:?}"),
            }
        }
        turn(true);
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "stuck at {} bytes received, {echoed} echoed",
            received.len()
        );
    }
    assert!(received == data, "the stream arrived altered");
    while !client.is_finished() {
        turn(true);
    }
    let back = client.join().expect("Linux client");
    assert!(back == data, "the echo arrived altered at Linux");
    NET.close(fd).unwrap();
    NET.close(listener).unwrap();
}

#[test]
fn offloaded_tap_resolves_partial_checksums_and_tcp_super_frames() {
    if let Some(why) = missing(&[]) {
        skip(&why);
        return;
    }
    let ns = Netns::create("tap-offload", "otap0").expect("namespace");
    ns.enter().expect("enter the namespace");
    TAP.set_interface_name(&ns.tap);
    TAP.set_polled(true);
    TAP.set_offload(true);
    NET.start_bare().expect("the stack starts on the TAP");
    NET.ipv4_add(0, OURS, Ipv4Addr::new(255, 255, 255, 0))
        .expect("address");
    // Duplicate address detection runs while the UDP part does.
    NET.ipv6_add(0, OURS6, 64).expect("IPv6 address");
    udp_echoes();
    tcp_echoes_a_stream(IpAddr::V4(OURS));
    let (rx_v4, tx_v4) = (TAP.rx_super_frames(), TAP.tx_super_frames());
    tcp_echoes_a_stream(IpAddr::V6(OURS6));
    let (rx_v6, tx_v6) = (TAP.rx_super_frames() - rx_v4, TAP.tx_super_frames() - tx_v4);
    eprintln!(
        "super-frames: {rx_v4} + {rx_v6} received ({} of them cut), {tx_v4} + {tx_v6} sent",
        TAP.rx_super_frames_cut()
    );

    assert!(
        rx_v4 > 0 && rx_v6 > 0,
        "the kernel sent no TCP super-frame ({rx_v4} over IPv4, {rx_v6} over IPv6): \
         the segmentation path went untested"
    );
    // TCP joins segments only when a quarter of the TX pool and the send buffer each hold
    // two or more (configurations with small pools or buffers send one MSS at a time;
    // `tcp-fast-link.conf` and the benchmark's do join).
    let tx_pool =
        net_core::config::CONFIG_NET_BUF_DATA_SIZE * net_core::config::CONFIG_NET_BUF_TX_COUNT;
    if (tx_pool / 4).min(net_core::ip::tcp::table::TX_BUFFER) >= 2 * 1460 {
        assert!(
            tx_v4 > 0 && tx_v6 > 0,
            "our TCP sent no packet of several segments ({tx_v4} over IPv4, {tx_v6} over \
             IPv6): TSO went untested"
        );
    }
    // Drops for want of buffers may happen with small pools (a super-frame is cut into a
    // whole window's worth of segments at once); TCP recovers them, which the byte-exact
    // stream checks.
    assert_eq!(TAP.rx_errors(), 0, "offloads the driver could not resolve");
    drop(ns);
}
