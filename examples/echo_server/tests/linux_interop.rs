//! `echo_server` on `native_sim` against the Linux kernel: the test creates a network
//! namespace with a TAP (192.0.2.2/24, 2001:db8::2/64), runs the server inside it, and
//! checks ping over IPv4 and IPv6, Linux's neighbor table, byte-exact UDP echoes, a tshark
//! capture free of malformed packets and bad checksums, and the stack's statistics.
//!
//! Needs root (namespaces, TAP), `ip`, `ping` and `tshark`. Without them the test prints
//! why it skipped; with `NET_INTEROP_REQUIRED=1` it fails instead. It only talks to the
//! namespace it made, removes it afterwards, and stops only the processes it started.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Netns, have, pattern, round_trip_on, run, skip, tcp_round_trip, udp_echo};

/// The echo_server binary built with the sample's `prj.conf` and its native_sim overlay
/// (which adds TCP), whatever configuration the outer `cargo test` uses (a nested build in
/// its own target directory).
fn echo_server_bin() -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = root.join("target/nested-echo-server");
    let out = Command::new(env!("CARGO"))
        .current_dir(&root)
        .args(["build", "-q", "-p", "echo_server", "--target-dir"])
        .arg(&target)
        .env(
            "NET_CONFIG",
            "examples/echo_server/prj.conf;examples/echo_server/boards/native_sim.conf",
        )
        .env("NET_BOARD", "native_sim")
        .env_remove("NET_CONFIG_DEFINES")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(target.join("debug/echo_server"))
}

fn wait_for(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// The Internet checksum of `data`.
fn inet_sum(data: &[u8]) -> u16 {
    let mut sum = 0u32;
    for c in data.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An Ethernet frame to the stack's MAC.
fn eth(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![
        0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x99,
    ];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An IPv4 header 192.0.2.2 -> 192.0.2.1 (checksum filled) followed by `payload`.
fn ipv4(proto: u8, payload: &[u8], tweak: impl Fn(&mut [u8])) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut h = vec![
        0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, proto, 0, 0, 192, 0, 2, 2, 192, 0, 2, 1,
    ];
    h[2..4].copy_from_slice(&total.to_be_bytes());
    tweak(&mut h);
    let sum = inet_sum(&h);
    h[10..12].copy_from_slice(&sum.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

/// Malformed frames, each with the statistics line and counter it must move.
fn malformed_frames() -> Vec<(&'static str, Vec<u8>)> {
    let udp = [0x30, 0x39, 0x10, 0x92, 0x00, 0x40, 0x00, 0x00, b'x', b'y'];
    let mut bad_sum = ipv4(17, &udp, |_| {});
    bad_sum[10] ^= 0xff;
    let mut v6 = vec![0x60, 0, 0, 0, 0x01, 0x00, 17, 64];
    v6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    v6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    v6.extend_from_slice(&[0; 8]);
    let mut v6_unknown = v6.clone();
    v6_unknown[4..6].copy_from_slice(&8u16.to_be_bytes());
    v6_unknown[6] = 253;
    let arp_bad = [
        0x00, 0x01, 0x08, 0x00, 0x08, 0x04, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    vec![
        (
            "ipv4 truncated header",
            eth(0x0800, &[0x45, 0, 0, 40, 0, 0]),
        ),
        (
            "ipv4 IHL below 5",
            eth(0x0800, &ipv4(17, &udp, |h| h[0] = 0x43)),
        ),
        (
            "ipv4 length beyond frame",
            eth(
                0x0800,
                &ipv4(17, &udp, |h| {
                    h[2..4].copy_from_slice(&1400u16.to_be_bytes())
                }),
            ),
        ),
        ("ipv4 bad checksum", eth(0x0800, &bad_sum)),
        (
            "ipv4 fragment",
            eth(0x0800, &ipv4(17, &udp, |h| h[6] = 0x20)),
        ),
        (
            "ipv4 unknown protocol",
            eth(0x0800, &ipv4(253, &udp, |_| {})),
        ),
        (
            "udp length beyond payload",
            eth(0x0800, &ipv4(17, &udp, |_| {})),
        ),
        ("ipv6 payload beyond frame", eth(0x86dd, &v6)),
        ("ipv6 unknown next header", eth(0x86dd, &v6_unknown)),
        ("arp wrong sizes", eth(0x0806, &arp_bad)),
        ("unknown ethertype", eth(0x88b5, &[1, 2, 3, 4])),
    ]
}

/// Sends raw frames into the TAP from the namespace side (an `AF_PACKET` socket bound to
/// it), so they reach the stack exactly as written.
fn inject(ns: &Netns, tap: &'static str, frames: Vec<(&'static str, Vec<u8>)>) {
    ns.within(move || send_frames(tap, &frames));
}

/// Writes raw frames into `tap` through an `AF_PACKET` socket, from a thread that is in
/// the TAP's namespace already.
fn send_frames(tap: &str, frames: &[(&'static str, Vec<u8>)]) {
    {
        let name = std::ffi::CString::new(tap).unwrap();
        // SAFETY: plain libc calls with valid arguments; the socket is closed below.
        unsafe {
            let index = libc::if_nametoindex(name.as_ptr());
            assert!(index > 0, "no interface {tap}");
            let fd = libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW,
                (libc::ETH_P_ALL as u16).to_be() as i32,
            );
            assert!(
                fd >= 0,
                "AF_PACKET socket: {}",
                std::io::Error::last_os_error()
            );
            let mut addr: libc::sockaddr_ll = std::mem::zeroed();
            addr.sll_family = libc::AF_PACKET as u16;
            addr.sll_ifindex = index as i32;
            addr.sll_halen = 6;
            for (what, f) in frames {
                let n = libc::sendto(
                    fd,
                    f.as_ptr().cast(),
                    f.len(),
                    0,
                    (&addr as *const libc::sockaddr_ll).cast(),
                    std::mem::size_of::<libc::sockaddr_ll>() as u32,
                );
                assert_eq!(
                    n as usize,
                    f.len(),
                    "injecting {what}: {}",
                    std::io::Error::last_os_error()
                );
            }
            libc::close(fd);
        }
    }
}

fn read_stats(child: &mut Child, reader: &mut impl BufRead) -> String {
    child.stdin.as_mut().unwrap().write_all(b"stats\n").unwrap();
    let mut stats = String::new();
    let mut in_block = false;
    for line in reader.lines() {
        let line = line.unwrap();
        if line == "--- statistics" {
            in_block = true;
            continue;
        }
        if in_block && line == "---" {
            break;
        }
        if in_block {
            stats.push_str(&line);
            stats.push('\n');
        }
    }
    stats
}

/// The numbers after `name=` on the statistics line of `group`.
fn stat(stats: &str, group: &str, name: &str) -> Option<u64> {
    let line = stats
        .lines()
        .find(|l| l.starts_with(&format!("{group}: ")))?;
    let at = line.find(&format!(" {name}: "))? + name.len() + 3;
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[test]
fn echo_server_against_linux() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return skip("needs root for network namespaces and TAP devices");
    }
    for tool in ["ip", "ping", "tshark"] {
        if !have(tool) {
            return skip(&format!(
                "{tool} is not installed (apt install iproute2 iputils-ping tshark)"
            ));
        }
    }
    let bin = echo_server_bin()
        .unwrap_or_else(|e| panic!("building echo_server with its prj.conf failed:\n{e}"));
    let tap = "zeth";
    let mut ns = Netns::create_with_tap("netstk-echo", tap);
    let pcap = std::env::temp_dir().join(format!("{}.pcap", ns.name));
    let pcap_s = pcap.display().to_string();
    let tshark = ns.spawn(&["tshark", "-i", tap, "-w", &pcap_s, "-q"], false);
    assert!(
        wait_for(Duration::from_secs(10), || pcap.exists()),
        "tshark did not start capturing"
    );
    let server = ns.spawn(&[bin.to_str().unwrap(), "--eth-if", tap], true);

    // Ready when the IPv6 address passed DAD and answers.
    let up = wait_for(Duration::from_secs(15), || {
        ns.exec(&["ping", "-6", "-c", "1", "-W", "1", "2001:db8::1"])
            .0
    });
    assert!(up, "echo_server never answered ping -6");

    let (ok4, out4) = ns.exec(&["ping", "-c", "5", "-i", "0.2", "192.0.2.1"]);
    assert!(
        ok4 && out4.contains("5 received"),
        "ping over IPv4:\n{out4}"
    );
    let (ok6, out6) = ns.exec(&["ping", "-6", "-c", "5", "-i", "0.2", "2001:db8::1"]);
    assert!(
        ok6 && out6.contains("5 received"),
        "ping over IPv6:\n{out6}"
    );

    let (_, neigh) = ns.exec(&["ip", "neigh", "show", "dev", tap]);
    assert!(
        neigh.contains("00:00:5e:00:53:01"),
        "Linux's neighbor table lacks the stack's MAC:\n{neigh}"
    );

    udp_echo(&ns, "192.0.2.1:4242".parse().unwrap(), &[1, 512, 1472]).unwrap();
    udp_echo(&ns, "[2001:db8::1]:4242".parse().unwrap(), &[1, 512, 1232]).unwrap();

    // Statistics: ask, read until the end marker.
    let mut child = ns.children.remove(server);
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let stats = read_stats(&mut child, &mut reader);
    assert_eq!(stat(&stats, "udp", "recv"), Some(6), "{stats}");
    assert_eq!(stat(&stats, "udp", "sent"), Some(6), "{stats}");
    assert_eq!(stat(&stats, "udp", "chkerr"), Some(0), "{stats}");
    assert!(stat(&stats, "icmp", "recv").unwrap() >= 10, "{stats}");
    assert!(stat(&stats, "icmp", "sent").unwrap() >= 10, "{stats}");
    assert_eq!(stat(&stats, "ip_errors", "chkerr"), Some(0), "{stats}");
    assert_eq!(
        stat(&stats, "ipv4", "recv"),
        stat(&stats, "ipv4", "sent"),
        "{stats}"
    );

    // Malformed frames through the TAP: each is dropped and counted, nothing panics, and
    // the stack still answers.
    inject(&ns, tap, malformed_frames());
    std::thread::sleep(Duration::from_millis(300));
    let after = read_stats(&mut child, &mut reader);
    let moved = |group: &str, name: &str| {
        stat(&after, group, name).unwrap_or(0) > stat(&stats, group, name).unwrap_or(0)
    };
    for (group, name) in [
        ("ip_errors", "vhlerr"),
        ("ip_errors", "lblenerr"),
        ("ip_errors", "chkerr"),
        ("ip_errors", "fragerr"),
        ("ip_errors", "protoerr"),
        ("udp", "drop"),
        ("ethernet", "unknown_protocol"),
        ("ethernet", "rx_errors"),
    ] {
        assert!(
            moved(group, name),
            "{group}.{name} did not count the malformed frames:\nbefore:\n{stats}\nafter:\n{after}"
        );
    }
    let (ok4, out4) = ns.exec(&["ping", "-c", "2", "-i", "0.2", "192.0.2.1"]);
    assert!(
        ok4 && out4.contains("2 received"),
        "no ping after malformed frames:\n{out4}"
    );
    let (ok6, out6) = ns.exec(&["ping", "-6", "-c", "2", "-i", "0.2", "2001:db8::1"]);
    assert!(
        ok6 && out6.contains("2 received"),
        "no ping -6 after malformed frames:\n{out6}"
    );
    assert!(child.try_wait().unwrap().is_none(), "echo_server exited");
    ns.children.push(child);

    // Stop the capture (SIGINT flushes it) and check every frame.
    let t = &mut ns.children[tshark];
    let _ = Command::new("kill")
        .args(["-INT", &t.id().to_string()])
        .status();
    let _ = t.wait();
    // The injected malformed frames come from 02:00:00:00:00:99 and are left out.
    let check = |filter: &str| -> usize {
        let filter = format!("({filter}) && eth.src != 02:00:00:00:00:99");
        let (_, out) = run(&[
            "tshark",
            "-r",
            &pcap_s,
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "udp.check_checksum:TRUE",
            "-o",
            "icmpv6.checksum_verification:TRUE",
            "-Y",
            &filter,
        ]);
        out.lines()
            .filter(|l| {
                !l.contains("Running as user") && !l.trim().is_empty() && !l.contains("tshark:")
            })
            .count()
    };
    let (_, all) = run(&["tshark", "-r", &pcap_s]);
    let frames = all
        .lines()
        .filter(|l| !l.contains("Running as user"))
        .count();
    assert!(frames > 20, "capture holds only {frames} frames");
    assert_eq!(
        check("_ws.malformed"),
        0,
        "malformed frames in the capture:\n{all}"
    );
    let bad = "ip.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\" || icmpv6.checksum.status == \"Bad\"";
    assert_eq!(check(bad), 0, "frames with bad checksums:\n{all}");
    let _ = std::fs::remove_file(Path::new(&pcap));
}

/// Whether the test can run: root, and `tools` installed (otherwise it says why it skips).
fn can_run(tools: &[&str]) -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        skip("needs root for network namespaces and TAP devices");
        return false;
    }
    for tool in tools {
        if !have(tool) {
            skip(&format!(
                "{tool} is not installed (apt install iproute2 iputils-ping nftables)"
            ));
            return false;
        }
    }
    true
}

/// A new namespace with the TAP `zeth` and echo_server on it, answering ping; returns the
/// namespace and the server's index among its children.
fn echo_server_in_namespace(prefix: &str) -> (Netns, usize) {
    let bin = echo_server_bin()
        .unwrap_or_else(|e| panic!("building echo_server with its prj.conf failed:\n{e}"));
    let mut ns = Netns::create_with_tap(prefix, "zeth");
    let server = ns.spawn(&[bin.to_str().unwrap(), "--eth-if", "zeth"], true);
    let up = wait_for(Duration::from_secs(15), || {
        ns.exec(&["ping", "-6", "-c", "1", "-W", "1", "2001:db8::1"])
            .0
    });
    assert!(up, "echo_server never answered ping -6");
    (ns, server)
}

#[test]
fn tcp_echo_against_linux() {
    if !can_run(&["ip", "ping"]) {
        return;
    }
    let (mut ns, server) = echo_server_in_namespace("netstk-tcp");
    let v4: SocketAddr = "192.0.2.1:4242".parse().unwrap();
    let v6: SocketAddr = "[2001:db8::1]:4242".parse().unwrap();
    let big = std::env::var_os("NET_TCP_100MB").is_some();
    let report = ns
        .within(move || -> Result<String, String> {
            let mut report = String::new();
            // 1 MB (and, behind the flag, 100 MB) round trips over both IP versions.
            let mut sizes = vec![1 << 20];
            if big {
                sizes.push(100 << 20);
            }
            for len in sizes {
                for server in [v4, v6] {
                    let secs = tcp_round_trip(server, len, len as u32)?;
                    report += &format!(
                        "{len} bytes each way with {server}: {secs:.2} s ({:.1} MB/s each way)\n",
                        len as f64 / secs / 1e6
                    );
                }
            }
            // Ten clients at once, both IP versions.
            let clients: Vec<_> = (0..10u32)
                .map(|i| {
                    let server = if i % 2 == 0 { v4 } else { v6 };
                    std::thread::spawn(move || tcp_round_trip(server, 200_000, 100 + i))
                })
                .collect();
            for c in clients {
                c.join().map_err(|_| "client panicked".to_string())??;
            }
            // A burst of twenty connects at once: the backlog holds them until accepted.
            let burst: Vec<_> = (0..20u32)
                .map(|i| std::thread::spawn(move || tcp_round_trip(v4, 1000, 200 + i)))
                .collect();
            for c in burst {
                c.join().map_err(|_| "client panicked".to_string())??;
            }
            // A closed port answers with a RST.
            match std::net::TcpStream::connect_timeout(
                &"192.0.2.1:4243".parse().unwrap(),
                Duration::from_secs(5),
            ) {
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
                other => return Err(format!("closed port: {other:?}")),
            }
            // A client that resets in the middle of a transfer (SO_LINGER 0 closes with RST).
            {
                use std::os::fd::AsRawFd;
                let mut s = std::net::TcpStream::connect_timeout(&v4, Duration::from_secs(5))
                    .map_err(|e| e.to_string())?;
                s.write_all(&pattern(300_000, 9))
                    .map_err(|e| e.to_string())?;
                let linger = libc::linger {
                    l_onoff: 1,
                    l_linger: 0,
                };
                // SAFETY: a valid socket and a correctly sized linger struct.
                let r = unsafe {
                    libc::setsockopt(
                        s.as_raw_fd(),
                        libc::SOL_SOCKET,
                        libc::SO_LINGER,
                        (&linger as *const libc::linger).cast(),
                        std::mem::size_of::<libc::linger>() as libc::socklen_t,
                    )
                };
                if r != 0 {
                    return Err("SO_LINGER".into());
                }
            }
            Ok(report)
        })
        .unwrap_or_else(|e| panic!("TCP echo: {e}"));
    eprint!("{report}");
    // Every connection ends, and every buffer is back in its pool.
    let mut child = ns.children.remove(server);
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut stats = String::new();
    let settled = wait_for(Duration::from_secs(20), || {
        stats = read_stats(&mut child, &mut reader);
        stats.contains("tcp_connections: 0") && stats.matches("allocated: 0").count() == 4
    });
    assert!(settled, "connections or buffers left over:\n{stats}");
    assert!(stat(&stats, "tcp", "connrst").unwrap_or(0) >= 1, "{stats}");
    assert_eq!(stat(&stats, "tcp", "chkerr"), Some(0), "{stats}");
    ns.children.push(child);
}

/// nftables rules inside the namespace that drop `percent` % of the frames on `tap` in
/// each direction: at the netdev ingress hook for frames from the stack, at the inet
/// output hook for frames to it.
fn lossy_rules(tap: &str, percent: u32) -> String {
    format!(
        "table netdev netstk_loss_in {{
            chain c {{ type filter hook ingress device \"{tap}\" priority 0; numgen random mod 100 < {percent} counter drop; }}
        }}
        table inet netstk_loss_out {{
            chain c {{ type filter hook output priority 0; oifname \"{tap}\" numgen random mod 100 < {percent} counter drop; }}
        }}"
    )
}

#[test]
fn tcp_under_five_percent_loss() {
    if !can_run(&["ip", "ping", "nft"]) {
        return;
    }
    let tap = "zeth";
    let (mut ns, server) = echo_server_in_namespace("netstk-loss");
    let rules = std::env::temp_dir().join(format!("{}.nft", ns.name));
    std::fs::write(&rules, lossy_rules(tap, 5)).unwrap();
    let (ok, out) = ns.exec(&["nft", "-f", rules.to_str().unwrap()]);
    let _ = std::fs::remove_file(&rules);
    assert!(ok, "nft: {out}");
    let len = 10 << 20;
    let secs = ns
        .within(move || tcp_round_trip("192.0.2.1:4242".parse().unwrap(), len, 77))
        .unwrap_or_else(|e| panic!("10 MB under 5% loss: {e}"));
    let (_, counters) = ns.exec(&["nft", "list", "ruleset"]);
    eprintln!(
        "10 MiB each way under 5% loss in both directions: {secs:.2} s ({:.2} MB/s each way)",
        len as f64 / secs / 1e6
    );
    // Both rules dropped frames.
    let dropped: Vec<u64> = counters
        .split("counter packets ")
        .skip(1)
        .filter_map(|s| s.split_whitespace().next()?.parse().ok())
        .collect();
    assert!(
        dropped.len() == 2 && dropped.iter().all(|&n| n > 0),
        "the loss rules dropped nothing:\n{counters}"
    );
    let mut child = ns.children.remove(server);
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let stats = read_stats(&mut child, &mut reader);
    assert!(stat(&stats, "tcp", "sent").unwrap_or(0) > 7000, "{stats}");
    eprintln!("frames dropped by nftables (from the stack, to the stack): {dropped:?}");
    ns.children.push(child);
}

/// A TCP SYN from `src`:`sport` to the stack's echo port, in an Ethernet frame from a MAC
/// that is not Linux's.
fn syn_frame(src: [u8; 4], sport: u16, seq: u32) -> Vec<u8> {
    let mut tcp = vec![0u8; 20];
    tcp[0..2].copy_from_slice(&sport.to_be_bytes());
    tcp[2..4].copy_from_slice(&4242u16.to_be_bytes());
    tcp[4..8].copy_from_slice(&seq.to_be_bytes());
    tcp[12] = 5 << 4;
    tcp[13] = 0x02;
    tcp[14..16].copy_from_slice(&64240u16.to_be_bytes());
    let mut pseudo = Vec::with_capacity(32);
    pseudo.extend_from_slice(&src);
    pseudo.extend_from_slice(&[192, 0, 2, 1, 0, 6, 0, 20]);
    pseudo.extend_from_slice(&tcp);
    let sum = inet_sum(&pseudo);
    tcp[16..18].copy_from_slice(&sum.to_be_bytes());
    eth(0x0800, &ipv4(6, &tcp, |h| h[12..16].copy_from_slice(&src)))
}

#[test]
fn syn_flood_leaves_memory_bounded() {
    if !can_run(&["ip", "ping"]) {
        return;
    }
    let tap = "zeth";
    let (mut ns, server) = echo_server_in_namespace("netstk-flood");
    let v4: SocketAddr = "192.0.2.1:4242".parse().unwrap();
    let len = 8 << 20;
    let quiet = ns
        .within(move || tcp_round_trip(v4, len, 1))
        .unwrap_or_else(|e| panic!("before the flood: {e}"));
    // 10,000 SYNs from 200 spoofed addresses that never answer, written into the TAP
    // while an established connection moves the same amount again.
    let frames: Vec<(&'static str, Vec<u8>)> = (0..10_000u32)
        .map(|i| {
            let src = [192, 0, 2, 10 + (i % 200) as u8];
            (
                "SYN",
                syn_frame(
                    src,
                    1024 + (i % 60_000) as u16,
                    i.wrapping_mul(2_654_435_761),
                ),
            )
        })
        .collect();
    let flooded = ns
        .within(move || -> Result<f64, String> {
            let stream = std::net::TcpStream::connect_timeout(&v4, Duration::from_secs(10))
                .map_err(|e| e.to_string())?;
            let transfer = std::thread::spawn(move || round_trip_on(stream, v4, len, 2));
            send_frames(tap, &frames);
            transfer
                .join()
                .map_err(|_| "transfer panicked".to_string())?
        })
        .unwrap_or_else(|e| panic!("during the flood: {e}"));
    eprintln!(
        "8 MiB round trip: {quiet:.2} s before the SYN flood, {flooded:.2} s during it ({:.0} % of the throughput)",
        quiet / flooded * 100.0
    );
    let mut child = ns.children.remove(server);
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let during = read_stats(&mut child, &mut reader);
    let connections = |stats: &str| -> Option<u64> {
        stats
            .lines()
            .find_map(|l| l.strip_prefix("tcp_connections: "))
            .and_then(|n| n.trim().parse().ok())
    };
    // Half-open connections are bounded by the listeners' backlogs (16 each).
    let n = connections(&during).expect("tcp_connections line");
    assert!(n <= 16 + 1, "{n} connections after the flood:\n{during}");
    // Then they time out and everything returns.
    let mut stats = String::new();
    let settled = wait_for(Duration::from_secs(30), || {
        stats = read_stats(&mut child, &mut reader);
        connections(&stats) == Some(0) && stats.matches("allocated: 0").count() == 4
    });
    assert!(settled, "not settled after the flood:\n{stats}");
    ns.children.push(child);
}
