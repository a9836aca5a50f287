//! Bulk TCP throughput between two stack instances joined by the in-process Ethernet link,
//! next to smoltcp 0.12 doing the same between two `Interface`s over an in-memory Ethernet
//! pair, in the same run, with memcpy bandwidth as the ceiling.
//!
//! Run (16 KiB send and receive buffers on both stacks, 1536-byte blocks):
//!
//! ```text
//! NET_CONFIG="configs/echo-server.conf;net-core/benches/tcp_bulk.conf" cargo bench -p net-core --bench tcp_bulk
//! ```
//!
//! `BENCH_ONLY=ours|smoltcp` runs one side only (for profiling).
//!
//! Single thread; each run moves `BENCH_MB` (default 64) MiB one way over IPv4 with no
//! impairments and reports MB/s; the median of 3 runs is printed. smoltcp's sockets get
//! the same buffer sizes as ours (`NET_TCP_MAX_SEND/RECV_WINDOW_SIZE`), and both verify
//! and compute checksums. Both receivers copy the data into an application buffer of
//! 16 KiB (our `recv`, smoltcp's `recv_slice`), which is the ratio the goal is about;
//! smoltcp is also run reading in place from its socket buffer (`recv` with a closure),
//! which our BSD-style API has no counterpart for, and that ratio is printed too.

#[path = "../tests/support/mod.rs"]
mod support;

#[cfg(all(
    CONFIG_NET_IPV4,
    CONFIG_NET_ARP,
    CONFIG_NET_TCP,
    CONFIG_NET_L2_ETHERNET
))]
mod bench {
    use crate::support::median;
    use std::hint::black_box;
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};
    use std::rc::Rc;
    use std::time::{Duration, Instant};

    use net_core::buf::ConfiguredPools;
    use net_core::drivers::link::{LinkEnd, connect};
    use net_core::ip::tcp::table::{RX_BUFFER, TX_BUFFER};
    use net_core::{AddrFamily, Fd, Iface, L2Kind, SockOpt, SockType, Stack, StdClock};

    const RUNS: usize = 3;
    const CHUNK: usize = 16384;

    fn megabytes() -> usize {
        crate::support::bench_megabytes(64)
    }

    static CLOCK: StdClock = StdClock::new();
    static SENDER_END: LinkEnd = LinkEnd::new([0x02, 0, 0, 0, 0x7c, 0x0a], 1);
    static RECEIVER_END: LinkEnd = LinkEnd::new([0x02, 0, 0, 0, 0x7c, 0x0b], 2);
    static SENDER: Stack = {
        static POOLS: ConfiguredPools = ConfiguredPools::new();
        static IFACE_STATE: [net_core::IfaceState; 1] = [net_core::IfaceState::new()];
        static IFACES: [Iface; 1] = [Iface::new(
            "eth0",
            &SENDER_END,
            L2Kind::Ethernet,
            0,
            &IFACE_STATE[0],
        )];
        static TCP: net_core::TcpTable = net_core::TcpTable::new();
        static STATE: net_core::StackState = net_core::StackState::new();
        Stack::new(&POOLS.pools(), &IFACES, &CLOCK, &TCP, &STATE)
    };
    static RECEIVER: Stack = {
        static POOLS: ConfiguredPools = ConfiguredPools::new();
        static IFACE_STATE: [net_core::IfaceState; 1] = [net_core::IfaceState::new()];
        static IFACES: [Iface; 1] = [Iface::new(
            "eth0",
            &RECEIVER_END,
            L2Kind::Ethernet,
            0,
            &IFACE_STATE[0],
        )];
        static TCP: net_core::TcpTable = net_core::TcpTable::new();
        static STATE: net_core::StackState = net_core::StackState::new();
        Stack::new(&POOLS.pools(), &IFACES, &CLOCK, &TCP, &STATE)
    };

    fn pump_ours() {
        SENDER_END.pump();
        RECEIVER_END.pump();
        // `poll` runs the timers itself when it finds nothing queued.
        SENDER.poll();
        RECEIVER.poll();
    }

    /// Our two instances with a connection from the sender to the receiver.
    fn ours_setup() -> (Fd, Fd) {
        connect(&SENDER_END, &RECEIVER_END);
        SENDER.start_bare().unwrap();
        RECEIVER.start_bare().unwrap();
        let mask = Ipv4Addr::new(255, 255, 255, 0);
        SENDER
            .ipv4_add(0, Ipv4Addr::new(192, 0, 2, 2), mask)
            .unwrap();
        RECEIVER
            .ipv4_add(0, Ipv4Addr::new(192, 0, 2, 1), mask)
            .unwrap();
        let listener = RECEIVER.socket(AddrFamily::Inet, SockType::Stream).unwrap();
        RECEIVER
            .setsockopt(listener, SockOpt::NonBlocking(true))
            .unwrap();
        RECEIVER
            .bind(
                listener,
                SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 5001),
            )
            .unwrap();
        RECEIVER.listen(listener, 1).unwrap();
        let tx = SENDER.socket(AddrFamily::Inet, SockType::Stream).unwrap();
        SENDER.setsockopt(tx, SockOpt::NonBlocking(true)).unwrap();
        let _ = SENDER.connect(
            tx,
            SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 5001),
        );
        let start = Instant::now();
        loop {
            pump_ours();
            if let Ok((rx, _)) = RECEIVER.accept(listener) {
                RECEIVER.setsockopt(rx, SockOpt::NonBlocking(true)).unwrap();
                return (tx, rx);
            }
            assert!(start.elapsed() < Duration::from_secs(5), "no connection");
        }
    }

    /// Moves `total` bytes from `tx` to `rx`; returns MB/s.
    fn ours_run(tx: Fd, rx: Fd, data: &[u8], total: usize) -> f64 {
        let mut buf = vec![0u8; CHUNK];
        let (mut sent, mut got) = (0usize, 0usize);
        let mut at = 0usize;
        let start = Instant::now();
        while got < total {
            if sent < total {
                let want = (total - sent).min(CHUNK);
                let from = at % data.len();
                let chunk = &data[from..(from + want).min(data.len())];
                if let Ok(n) = SENDER.send(tx, chunk) {
                    sent += n;
                    at += n;
                }
            }
            pump_ours();
            while let Ok(n) = RECEIVER.recv(rx, &mut buf) {
                if n == 0 {
                    break;
                }
                black_box(&buf[..n]);
                got += n;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "stalled at {got}"
            );
        }
        total as f64 / start.elapsed().as_secs_f64() / 1e6
    }

    mod smol {
        use super::*;
        use smoltcp::iface::{Interface, SocketHandle, SocketSet};
        use smoltcp::socket::tcp;
        use smoltcp::time::Instant as SInstant;
        use smoltcp::wire::IpAddress;

        use crate::support::{Queue, QueueDevice as PairDevice};

        pub struct Node {
            iface: Interface,
            dev: PairDevice,
            sockets: SocketSet<'static>,
            handle: SocketHandle,
        }

        impl Node {
            fn new(mac: [u8; 6], ip: [u8; 4], rx: Queue, tx: Queue) -> Node {
                let mut dev = PairDevice { rx, tx };
                let iface = dev.interface(mac, ip);
                let socket = tcp::Socket::new(
                    tcp::SocketBuffer::new(vec![0; RX_BUFFER]),
                    tcp::SocketBuffer::new(vec![0; TX_BUFFER]),
                );
                let mut sockets = SocketSet::new(Vec::new());
                let handle = sockets.add(socket);
                Node {
                    iface,
                    dev,
                    sockets,
                    handle,
                }
            }

            fn poll(&mut self) {
                self.iface
                    .poll(SInstant::now(), &mut self.dev, &mut self.sockets);
            }

            fn socket(&mut self) -> &mut tcp::Socket<'static> {
                self.sockets.get_mut::<tcp::Socket>(self.handle)
            }
        }

        pub struct Smol {
            sender: Node,
            receiver: Node,
        }

        impl Smol {
            pub fn setup() -> Smol {
                let a: Queue = Rc::default();
                let b: Queue = Rc::default();
                let mut receiver = Node::new(
                    [0x02, 0, 0, 0, 0x7d, 1],
                    [192, 0, 2, 1],
                    a.clone(),
                    b.clone(),
                );
                let mut sender = Node::new([0x02, 0, 0, 0, 0x7d, 2], [192, 0, 2, 2], b, a);
                receiver.socket().listen(5001).unwrap();
                let cx = sender.iface.context();
                sender
                    .sockets
                    .get_mut::<tcp::Socket>(sender.handle)
                    .connect(cx, (IpAddress::v4(192, 0, 2, 1), 5001), 49152)
                    .unwrap();
                let start = Instant::now();
                while !sender.socket().may_send() {
                    sender.poll();
                    receiver.poll();
                    assert!(
                        start.elapsed() < Duration::from_secs(5),
                        "smoltcp: no connection"
                    );
                }
                Smol { sender, receiver }
            }

            /// One run; the receiver copies into an application buffer (`recv_slice`, as
            /// our `recv` does) when `copy`, else reads in place (`recv` with a closure).
            pub fn run(&mut self, data: &[u8], total: usize, copy: bool) -> f64 {
                let mut buf = vec![0u8; CHUNK];
                let (mut sent, mut got) = (0usize, 0usize);
                let start = Instant::now();
                while got < total {
                    if sent < total {
                        let from = sent % data.len();
                        let want = (total - sent).min(CHUNK);
                        let chunk = &data[from..(from + want).min(data.len())];
                        sent += self.sender.socket().send_slice(chunk).unwrap_or(0);
                    }
                    self.sender.poll();
                    self.receiver.poll();
                    let s = self.receiver.socket();
                    while s.can_recv() {
                        got += if copy {
                            let n = s.recv_slice(&mut buf).unwrap_or(0);
                            black_box(&buf[..n]);
                            n
                        } else {
                            s.recv(|b| {
                                black_box(&*b);
                                (b.len(), b.len())
                            })
                            .unwrap_or(0)
                        };
                    }
                    assert!(
                        start.elapsed() < Duration::from_secs(120),
                        "smoltcp stalled"
                    );
                }
                total as f64 / start.elapsed().as_secs_f64() / 1e6
            }
        }
    }

    fn memcpy_gbps() -> f64 {
        let len = 64 << 20;
        let src = vec![0x5au8; len];
        let mut dst = vec![0u8; len];
        dst.copy_from_slice(&src);
        let mut best = 0.0f64;
        for _ in 0..5 {
            let t = Instant::now();
            dst.copy_from_slice(black_box(&src));
            black_box(&dst);
            best = best.max(len as f64 / t.elapsed().as_secs_f64() / 1e9);
        }
        best
    }

    pub fn main() {
        let total = megabytes() << 20;
        let data = crate::support::pattern(1 << 20, 5);
        println!(
            "tcp_bulk: {} MiB one way, buffers {TX_BUFFER} B send / {RX_BUFFER} B receive, IPv4",
            megabytes()
        );
        println!("memcpy bandwidth (64 MiB copy): {:.1} GB/s", memcpy_gbps());
        // `BENCH_ONLY=ours` or `BENCH_ONLY=smoltcp` runs one side only (for profiling).
        let only = std::env::var("BENCH_ONLY").ok();
        let (run_ours, run_smol) = (
            only.as_deref() != Some("smoltcp"),
            only.as_deref() != Some("ours"),
        );
        let (tx, rx) = ours_setup();
        let mut smol = smol::Smol::setup();
        let mut ours_runs = Vec::new();
        let mut smol_runs = Vec::new();
        let mut smol_in_place_runs = Vec::new();
        for _ in 0..RUNS {
            if run_ours {
                ours_runs.push(ours_run(tx, rx, &data, total));
            }
            if run_smol {
                smol_runs.push(smol.run(&data, total, true));
                smol_in_place_runs.push(smol.run(&data, total, false));
            }
        }
        if !(run_ours && run_smol) {
            let (who, runs) = if run_ours {
                ("ours", ours_runs)
            } else {
                ("smoltcp", smol_runs)
            };
            println!("{who}: {:.1} MB/s", median(runs));
            return;
        }
        let (o, s, z) = (
            median(ours_runs),
            median(smol_runs),
            median(smol_in_place_runs),
        );
        println!(
            "{:>10} | {:>12} | {:>6} | {:>21} | {:>6}",
            "ours MB/s", "smoltcp MB/s", "ratio", "smoltcp in-place MB/s", "ratio"
        );
        println!(
            "{o:>10.1} | {s:>12.1} | {:>6.2} | {z:>21.1} | {:>6.2}",
            o / s,
            o / z
        );
    }
}

fn main() {
    #[cfg(all(
        CONFIG_NET_IPV4,
        CONFIG_NET_ARP,
        CONFIG_NET_TCP,
        CONFIG_NET_L2_ETHERNET
    ))]
    bench::main();
    #[cfg(not(all(
        CONFIG_NET_IPV4,
        CONFIG_NET_ARP,
        CONFIG_NET_TCP,
        CONFIG_NET_L2_ETHERNET
    )))]
    println!("tcp_bulk: needs IPv4, ARP, TCP and Ethernet (see the file header for NET_CONFIG)");
}
