//! Zephyr's `samples/net/sockets/echo_client` on the net stack: sends UDP datagrams of
//! several sizes to the peer of `NET_CONFIG_PEER_IPV4_ADDR`/`_IPV6_ADDR`, port 4242 (an
//! `echo_server`), and checks that each comes back byte-exact.
//!
//! ```sh
//! NET_CONFIG=examples/echo_client/prj.conf cargo run -p echo_client -- --eth-if zeth1
//! ```
//!
//! Options: `--eth-if NAME`, `--count N` (rounds, default 3), `--sizes 1,512,1232`
//! (default). Exits 0 when every echo came back, 1 otherwise, after printing the
//! statistics.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use net_core::drivers::ethernet::native_tap::NativeTap;
use net_core::{AddrFamily, Fd, SockOpt, SockType};

/// The port of Zephyr's echo samples.
const PORT: u16 = 4242;

net_macros::net_stack! {
    /// The client's stack.
    static NET: Stack;
    clock: ::net_core::StdClock::new(),
    interfaces: {
        /// The TAP device of native_sim.
        eth0: Ethernet(NativeTap) = NativeTap::new([0x00, 0x00, 0x5e, 0x00, 0x53, 0x02]),
    },
}

fn usage(msg: &str) -> ExitCode {
    if !msg.is_empty() {
        eprintln!("echo_client: {msg}");
    }
    eprintln!("usage: echo_client [--eth-if TAP] [--count N] [--sizes A,B,...]");
    ExitCode::from(if msg.is_empty() { 0 } else { 2 })
}

/// Sends `data` to `peer` until its echo comes back (the first may wait for address
/// resolution or duplicate address detection) or 10 s pass.
fn round_trip(fd: Fd, peer: SocketAddr, data: &[u8]) -> Result<Duration, String> {
    let start = Instant::now();
    let mut buf = vec![0u8; 2048];
    while start.elapsed() < Duration::from_secs(10) {
        match NET.sendto(fd, data, Some(peer)) {
            Ok(_) => {}
            // No usable source address yet: duplicate address detection is still running.
            Err(net_core::Errno::ENETUNREACH) => {
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
            Err(e) => return Err(format!("sendto {peer}: {e:?}")),
        }
        // Read until this datagram's echo or the receive timeout: a late echo of an
        // earlier try (or an earlier size) may still be queued, and is skipped.
        while let Ok((n, from)) = NET.recvfrom(fd, &mut buf) {
            if from == peer && buf[..n] == *data {
                return Ok(start.elapsed());
            }
        }
    }
    Err(format!("no echo of {} bytes from {peer}", data.len()))
}

fn main() -> ExitCode {
    let mut count = 3;
    let mut sizes = vec![1usize, 512, 1232];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--eth-if" => match args.next() {
                Some(n) => NET_ETH0.set_interface_name(&n),
                None => return usage("--eth-if needs a name"),
            },
            "--count" => match args.next().and_then(|s| s.parse().ok()) {
                Some(n) => count = n,
                None => return usage("--count needs a number"),
            },
            "--sizes" => match args.next().map(|s| {
                s.split(',')
                    .map(str::parse)
                    .collect::<Result<Vec<usize>, _>>()
            }) {
                Some(Ok(v)) if !v.is_empty() => sizes = v,
                _ => return usage("--sizes needs numbers separated by commas"),
            },
            "-h" | "--help" => return usage(""),
            other => return usage(&format!("unknown argument {other}")),
        }
    }
    if let Err(e) = NET
        .start()
        .map_err(|e| format!("{e:?}"))
        .and_then(|()| NET.spawn_workers().map_err(|e| e.to_string()))
    {
        eprintln!("echo_client: cannot start the stack: {e}");
        return ExitCode::from(1);
    }
    let peers: Vec<SocketAddr> = [
        net_core::config::CONFIG_NET_CONFIG_PEER_IPV4_ADDR,
        net_core::config::CONFIG_NET_CONFIG_PEER_IPV6_ADDR,
    ]
    .iter()
    .filter(|s| !s.is_empty())
    .filter_map(|s| s.parse::<IpAddr>().ok())
    .map(|ip| SocketAddr::new(ip, PORT))
    .collect();
    let mut failed = false;
    for peer in &peers {
        let family = if peer.is_ipv4() {
            AddrFamily::Inet
        } else {
            AddrFamily::Inet6
        };
        let Ok(fd) = NET.socket(family, SockType::Dgram) else {
            eprintln!("echo_client: no socket for {peer}");
            failed = true;
            continue;
        };
        let _ = NET.setsockopt(fd, SockOpt::RcvTimeo(Some(500)));
        for round in 0..count {
            for &len in &sizes {
                // IPv4 carries 1472 bytes in one frame; IPv6 1232 within its minimum MTU.
                let len = if peer.is_ipv4() && len == 1232 {
                    1472
                } else {
                    len
                };
                let data: Vec<u8> = (0..len)
                    .map(|i| (i as u8).wrapping_mul(13).wrapping_add(round as u8))
                    .collect();
                match round_trip(fd, *peer, &data) {
                    Ok(t) => println!(
                        "echo_client: {peer}: {len} bytes back in {} us",
                        t.as_micros()
                    ),
                    Err(e) => {
                        println!("echo_client: {e}");
                        failed = true;
                    }
                }
            }
        }
        let _ = NET.close(fd);
    }
    let mut s = String::new();
    let _ = NET.write_stats(&mut s);
    println!("--- statistics\n{s}---");
    if failed || peers.is_empty() {
        println!("echo_client: FAILED");
        ExitCode::from(1)
    } else {
        println!("echo_client: all echoes came back");
        ExitCode::SUCCESS
    }
}
