//! The `native_sim` build: the stack runs in this process and reaches the host through a
//! TAP device (see the crate documentation).

use std::io::BufRead;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use net_core::drivers::ethernet::native_tap::NativeTap;
use net_core::{AddrFamily, Fd, PollFd, SockType};

/// The port of Zephyr's echo sample.
const PORT: u16 = 4242;

net_macros::net_stack! {
    /// The stack: pools, queues, tables and interfaces sized by the resolved configuration.
    static NET: Stack;
    clock: ::net_core::StdClock::new(),
    interfaces: {
        /// The TAP device of native_sim (Zephyr's eth_native_tap).
        eth0: Ethernet(NativeTap) = NativeTap::new([0x00, 0x00, 0x5e, 0x00, 0x53, 0x01]),
    },
}

/// The TAP driver.
static TAP: &NativeTap = &NET_ETH0;
static QUIT: AtomicBool = AtomicBool::new(false);

fn print_stats() {
    let mut s = String::new();
    let _ = NET.write_stats(&mut s);
    println!("--- statistics\n{s}---");
}

/// A TCP listener on the echo port with an acceptor thread that gives every client a
/// thread of its own (as Zephyr's sample does); `None` when TCP is not configured.
fn serve_tcp(family: AddrFamily) -> Option<Fd> {
    let fd = NET.socket(family, SockType::Stream).ok()?;
    let any = match family {
        AddrFamily::Inet => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        AddrFamily::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    if NET.bind(fd, SocketAddr::new(any, PORT)).is_err() || NET.listen(fd, 16).is_err() {
        let _ = NET.close(fd);
        return None;
    }
    std::thread::spawn(move || {
        loop {
            match NET.accept(fd) {
                Ok((client, _peer)) => {
                    std::thread::spawn(move || echo_stream(client));
                }
                // No free socket for the next client yet: it waits in the backlog.
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    Some(fd)
}

/// Echoes one TCP client until it closes its side, then closes. A send that stops part
/// way (its wait limited by `NET_SOCKET_MAX_SEND_WAIT`) goes on with the rest, as
/// Zephyr's sample does; an error ends the connection.
fn echo_stream(fd: Fd) {
    let mut buf = vec![0u8; 8192];
    'connection: loop {
        match NET.recv(fd, &mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let mut sent = 0;
                while sent < n {
                    match NET.send(fd, &buf[sent..n]) {
                        Ok(m) => sent += m,
                        Err(_) => break 'connection,
                    }
                }
            }
            Err(net_core::Errno::EAGAIN) => {}
            Err(_) => break,
        }
    }
    let _ = NET.close(fd);
}

fn open(family: AddrFamily) -> Option<Fd> {
    let fd = NET.socket(family, SockType::Dgram).ok()?;
    let any = match family {
        AddrFamily::Inet => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        AddrFamily::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    NET.bind(fd, SocketAddr::new(any, PORT)).ok()?;
    NET.setsockopt(fd, net_core::SockOpt::NonBlocking(true))
        .ok()?;
    Some(fd)
}

/// The host program: parses the options, starts the stack and echoes until told to stop.
pub fn main() -> ExitCode {
    let mut exit_after = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--eth-if" => match args.next() {
                Some(n) => TAP.set_interface_name(&n),
                None => return usage("--eth-if needs a name"),
            },
            "--exit-after" => match args.next().and_then(|s| s.parse::<u64>().ok()) {
                Some(s) => exit_after = Some(Duration::from_secs(s)),
                None => return usage("--exit-after needs seconds"),
            },
            "-h" | "--help" => return usage(""),
            other => return usage(&format!("unknown argument {other}")),
        }
    }
    if !net_core::config::CONFIG_NET_UDP || !net_core::config::CONFIG_NET_SOCKETS {
        eprintln!(
            "echo_server: built without UDP sockets; build with NET_CONFIG=examples/echo_server/prj.conf"
        );
        return ExitCode::from(2);
    }
    if let Err(e) = NET.start() {
        eprintln!("echo_server: cannot start the stack: {e:?}");
        return ExitCode::from(1);
    }
    if !NET.ifaces()[0].is_up() {
        eprintln!(
            "echo_server: {} did not come up (is the TAP {} there?)",
            NET.ifaces()[0].name,
            TAP.interface_name()
        );
        return ExitCode::from(1);
    }
    if let Err(e) = NET.spawn_workers() {
        eprintln!("echo_server: cannot start the stack's threads: {e}");
        return ExitCode::from(1);
    }
    let fds: Vec<Fd> = [AddrFamily::Inet, AddrFamily::Inet6]
        .into_iter()
        .filter_map(open)
        .collect();
    if fds.is_empty() {
        eprintln!("echo_server: no IPv4 or IPv6 socket could be opened");
        return ExitCode::from(1);
    }
    let tcp: Vec<Fd> = [AddrFamily::Inet, AddrFamily::Inet6]
        .into_iter()
        .filter_map(serve_tcp)
        .collect();
    println!(
        "echo_server: listening on UDP{} port {PORT} via TAP {}",
        if tcp.is_empty() { "" } else { " and TCP" },
        TAP.interface_name()
    );
    std::thread::spawn(|| {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            match line {
                Ok(l) if l.trim() == "stats" => print_stats(),
                Ok(l) if l.trim() == "quit" => break,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        QUIT.store(true, Ordering::Relaxed);
    });
    let start = Instant::now();
    let mut buf = vec![0u8; 2048];
    let mut polls: Vec<PollFd> = fds
        .iter()
        .map(|&fd| PollFd {
            fd,
            events: net_core::lib::sockets::POLLIN,
            revents: 0,
        })
        .collect();
    while !QUIT.load(Ordering::Relaxed) && exit_after.is_none_or(|d| start.elapsed() < d) {
        if NET.poll_fds(&mut polls, Some(200)).unwrap_or(0) == 0 {
            continue;
        }
        for p in &polls {
            while let Ok((n, from)) = NET.recvfrom(p.fd, &mut buf) {
                if let Err(e) = NET.sendto(p.fd, &buf[..n], Some(from)) {
                    eprintln!("echo_server: cannot echo {n} bytes to {from}: {e:?}");
                }
            }
        }
    }
    print_stats();
    ExitCode::SUCCESS
}

fn usage(msg: &str) -> ExitCode {
    if !msg.is_empty() {
        eprintln!("echo_server: {msg}");
    }
    eprintln!("usage: echo_server [--eth-if TAP] [--exit-after SECONDS]");
    ExitCode::from(if msg.is_empty() { 0 } else { 2 })
}
