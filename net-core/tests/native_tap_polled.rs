//! The TAP driver in polled mode (`NativeTap::set_polled`): no reader thread and no
//! worker threads; one loop polls the TAP and the stack, as firmware does. Linux, on the
//! other side of a TAP in a network namespace the test creates, sends UDP datagrams that
//! the loop echoes back from a non-blocking socket, resolving Linux's MAC with ARP on the
//! way; every echo must come back byte-exact, and the driver must count no errors.
//!
//! Needs root and `ip`; without them the test prints `SKIP:` (and fails under
//! `NET_INTEROP_REQUIRED=1`).

#![cfg(all(
    CONFIG_NET_UDP,
    CONFIG_NET_IPV4,
    CONFIG_NET_ARP,
    CONFIG_NET_SOCKETS,
    CONFIG_ETH_NATIVE_TAP,
    target_os = "linux"
))]

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use net_core::drivers::ethernet::native_tap::NativeTap;
use net_core::{AddrFamily, Errno, SockOpt, SockType};

#[macro_use]
mod support;
use support::netns::{Netns, missing, skip};

static TAP: NativeTap = NativeTap::new([0x02, 0, 0, 0, 0x70, 0x11]);
stack_on!(NET, TAP);

/// Threads of this process.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

const OURS: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const PORT: u16 = 4242;

#[test]
fn polled_tap_echoes_udp_without_threads() {
    if let Some(why) = missing(&[]) {
        skip(&why);
        return;
    }
    let ns = Netns::create("tap-polled", "ptap0").expect("namespace");
    ns.enter().expect("enter the namespace");
    TAP.set_interface_name(&ns.tap);
    TAP.set_polled(true);
    let threads_before = threads();
    NET.start_bare().expect("the stack starts on the TAP");
    NET.ipv4_add(0, OURS, Ipv4Addr::new(255, 255, 255, 0))
        .expect("address");
    let fd = NET.socket(AddrFamily::Inet, SockType::Dgram).unwrap();
    NET.setsockopt(fd, SockOpt::NonBlocking(true)).unwrap();
    NET.bind(fd, SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), PORT))
        .unwrap();

    // Linux's side, in the namespace (this thread entered it).
    let linux = UdpSocket::bind("192.0.2.2:0").expect("bind on the TAP's address");
    linux.set_nonblocking(true).unwrap();
    let to = SocketAddr::new(IpAddr::V4(OURS), PORT);
    let mut buf = [0u8; 2048];
    for (i, len) in [1usize, 512, 1472].into_iter().enumerate() {
        let data: Vec<u8> = (0..len).map(|j| (j * 13 + i) as u8).collect();
        linux.send_to(&data, to).expect("send to the stack");
        let start = Instant::now();
        loop {
            // One turn of the firmware-style loop: the TAP, the stack, the socket.
            let frames = TAP.poll_rx(16);
            let work = NET.poll();
            match NET.recvfrom(fd, &mut buf) {
                Ok((n, from)) => {
                    NET.sendto(fd, &buf[..n], Some(from)).expect("echo");
                }
                Err(Errno::EAGAIN) => {}
                Err(e) => panic!("recvfrom: {e:?}"),
            }
            let mut back = [0u8; 2048];
            if let Ok((n, from)) = linux.recv_from(&mut back) {
                assert_eq!(from, to);
                assert_eq!(&back[..n], &data[..], "echo of {len} bytes differs");
                break;
            }
            if frames + work == 0 {
                TAP.wait_rx(Duration::from_millis(1));
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no echo of {len} bytes"
            );
        }
    }
    assert_eq!(TAP.rx_errors(), 0);
    assert_eq!(TAP.rx_no_buffer(), 0);
    // The driver started no thread: the test's loop did all the work.
    assert_eq!(threads(), threads_before, "a thread was started");
    drop(ns);
}
