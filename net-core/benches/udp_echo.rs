//! UDP echo round trips per second through the full RX→TX path of two stack instances
//! joined by the in-process Ethernet link, next to smoltcp doing the same in the same run.
//!
//! Run (1536-byte blocks, so a 1400-byte payload fits in one block):
//!
//! ```text
//! NET_CONFIG="configs/echo-server.conf;net-core/benches/udp_echo.conf" cargo bench -p net-core --bench udp_echo
//! ```
//!
//! and with the default 128-byte blocks:
//!
//! ```text
//! NET_CONFIG=configs/echo-server.conf cargo bench -p net-core --bench udp_echo
//! ```
//!
//! `BENCH_SECS` (default 2, fractions allowed) sets the length of each measurement; each is
//! run 3 times and the median is reported. Single thread: the client sends one datagram,
//! both stacks are polled until the server has it, the server echoes it, both are polled
//! until the client has the echo; one round trip. IPv4, no impairments, ARP resolved before
//! timing; `BENCH_ONLY=ours|smoltcp` measures one side only (for profiling), `BENCH_SIZE`
//! one payload size, and `BENCH_ROUNDS` a fixed number of round trips per run. smoltcp runs two `Interface`s over a symmetric pair of in-memory Ethernet
//! devices (`VecDeque<Vec<u8>>` queues), with checksums computed and verified as ours are.

#[path = "../tests/support/mod.rs"]
mod support;

#[cfg(all(
    CONFIG_NET_IPV4,
    CONFIG_NET_ARP,
    CONFIG_NET_UDP,
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
    use net_core::{AddrFamily, Fd, Iface, L2Kind, SockOpt, SockType, Stack, StdClock};

    const SIZES: [usize; 3] = [64, 512, 1400];
    const RUNS: usize = 3;

    fn bench_duration() -> Duration {
        let secs = std::env::var("BENCH_SECS")
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|s| *s > 0.0)
            .unwrap_or(2.0);
        Duration::from_secs_f64(secs)
    }

    fn payload(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ 0x5a)
            .collect()
    }

    /// `BENCH_ROUNDS`: a fixed number of round trips per run instead of a duration, so
    /// that an instruction-counting profiler sees the same work each time.
    fn bench_rounds() -> Option<u64> {
        std::env::var("BENCH_ROUNDS").ok()?.parse().ok()
    }

    /// Runs `round_trip` for `dur` (or `BENCH_ROUNDS` times) and returns round trips per
    /// second.
    fn measure(dur: Duration, mut round_trip: impl FnMut()) -> f64 {
        let start = Instant::now();
        if let Some(rounds) = bench_rounds() {
            for _ in 0..rounds {
                round_trip();
            }
            return rounds as f64 / start.elapsed().as_secs_f64();
        }
        let mut n = 0u64;
        loop {
            // Check the clock every 64 round trips only.
            for _ in 0..64 {
                round_trip();
            }
            n += 64;
            let t = start.elapsed();
            if t >= dur {
                return n as f64 / t.as_secs_f64();
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Ours
    // ---------------------------------------------------------------------------------------

    static CLOCK: StdClock = StdClock::new();

    static SERVER_END: LinkEnd = LinkEnd::new([0x02, 0, 0, 0, 0, 0x0a], 1);
    static CLIENT_END: LinkEnd = LinkEnd::new([0x02, 0, 0, 0, 0, 0x0b], 2);
    static SERVER: Stack = {
        static POOLS: ConfiguredPools = ConfiguredPools::new();
        static IFACE_STATE: [net_core::IfaceState; 1] = [net_core::IfaceState::new()];
        static IFACES: [Iface; 1] = [Iface::new(
            "eth0",
            &SERVER_END,
            L2Kind::Ethernet,
            0,
            &IFACE_STATE[0],
        )];
        static TCP: net_core::TcpTable = net_core::TcpTable::new();
        static STATE: net_core::StackState = net_core::StackState::new();
        Stack::new(&POOLS.pools(), &IFACES, &CLOCK, &TCP, &STATE)
    };
    static CLIENT: Stack = {
        static POOLS: ConfiguredPools = ConfiguredPools::new();
        static IFACE_STATE: [net_core::IfaceState; 1] = [net_core::IfaceState::new()];
        static IFACES: [Iface; 1] = [Iface::new(
            "eth0",
            &CLIENT_END,
            L2Kind::Ethernet,
            0,
            &IFACE_STATE[0],
        )];
        static TCP: net_core::TcpTable = net_core::TcpTable::new();
        static STATE: net_core::StackState = net_core::StackState::new();
        Stack::new(&POOLS.pools(), &IFACES, &CLOCK, &TCP, &STATE)
    };

    struct Ours {
        server_fd: Fd,
        client_fd: Fd,
        server: SocketAddr,
        buf: Vec<u8>,
    }

    fn udp_socket(stack: &Stack, port: u16) -> Fd {
        let fd = stack
            .socket(AddrFamily::Inet, SockType::Dgram)
            .expect("socket");
        stack.setsockopt(fd, SockOpt::NonBlocking(true)).unwrap();
        stack
            .bind(fd, SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port))
            .expect("bind");
        fd
    }

    impl Ours {
        fn setup() -> Ours {
            connect(&SERVER_END, &CLIENT_END);
            SERVER.start_bare().unwrap();
            CLIENT.start_bare().unwrap();
            let mask = Ipv4Addr::new(255, 255, 255, 0);
            SERVER
                .ipv4_add(0, Ipv4Addr::new(192, 0, 2, 1), mask)
                .unwrap();
            CLIENT
                .ipv4_add(0, Ipv4Addr::new(192, 0, 2, 2), mask)
                .unwrap();
            let server = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 4242);
            let mut o = Ours {
                server_fd: udp_socket(&SERVER, 4242),
                client_fd: udp_socket(&CLIENT, 0),
                server,
                buf: vec![0; 2048],
            };
            // Warm up: the first datagram waits for ARP; retry until an echo comes back.
            let data = payload(64);
            let deadline = Instant::now() + Duration::from_secs(5);
            'warm: while Instant::now() < deadline {
                CLIENT.sendto(o.client_fd, &data, Some(server)).unwrap();
                for _ in 0..1000 {
                    o.poll_both();
                    o.serve();
                    if CLIENT.recvfrom(o.client_fd, &mut o.buf).is_ok() {
                        break 'warm;
                    }
                    std::thread::sleep(Duration::from_micros(100));
                }
            }
            // Drain whatever the retries left behind.
            for _ in 0..10 {
                o.poll_both();
                o.serve();
                while CLIENT.recvfrom(o.client_fd, &mut o.buf).is_ok() {}
            }
            for _ in 0..100 {
                o.round_trip(&data);
            }
            o
        }

        fn poll_both(&self) {
            SERVER.poll();
            CLIENT.poll();
        }

        /// Echoes every datagram waiting on the server socket.
        fn serve(&mut self) {
            while let Ok((n, from)) = SERVER.recvfrom(self.server_fd, &mut self.buf) {
                let _ = SERVER.sendto(self.server_fd, &self.buf[..n], Some(from));
            }
        }

        fn round_trip(&mut self, data: &[u8]) {
            CLIENT
                .sendto(self.client_fd, data, Some(self.server))
                .expect("client sendto");
            for _ in 0..1000 {
                self.poll_both();
                self.serve();
                if let Ok((n, _)) = CLIENT.recvfrom(self.client_fd, &mut self.buf) {
                    assert_eq!(n, data.len());
                    black_box(&self.buf[..n]);
                    return;
                }
            }
            panic!("ours: echo of {} bytes lost", data.len());
        }
    }

    // ---------------------------------------------------------------------------------------
    // smoltcp
    // ---------------------------------------------------------------------------------------

    mod smol {
        use super::*;
        use smoltcp::iface::{Interface, SocketHandle, SocketSet};
        use smoltcp::socket::udp;
        use smoltcp::time::Instant as SInstant;
        use smoltcp::wire::{IpAddress, IpEndpoint};

        use crate::support::{Queue, QueueDevice as PairDevice};

        pub struct Node {
            iface: Interface,
            dev: PairDevice,
            sockets: SocketSet<'static>,
            handle: SocketHandle,
        }

        impl Node {
            fn new(mac: [u8; 6], ip: [u8; 4], port: u16, rx: Queue, tx: Queue) -> Node {
                let mut dev = PairDevice { rx, tx };
                let iface = dev.interface(mac, ip);
                let buffer = || {
                    udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 8], vec![0u8; 8 * 2048])
                };
                let mut socket = udp::Socket::new(buffer(), buffer());
                socket.bind(port).unwrap();
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

            fn socket(&mut self) -> &mut udp::Socket<'static> {
                self.sockets.get_mut::<udp::Socket>(self.handle)
            }
        }

        pub struct Smol {
            server: Node,
            client: Node,
            server_ep: IpEndpoint,
            buf: Vec<u8>,
        }

        impl Smol {
            pub fn setup() -> Smol {
                let ab: Queue = Rc::default();
                let ba: Queue = Rc::default();
                let server = Node::new(
                    [0x02, 0, 0, 0, 1, 0x0a],
                    [192, 0, 2, 1],
                    4242,
                    ba.clone(),
                    ab.clone(),
                );
                let client = Node::new([0x02, 0, 0, 0, 1, 0x0b], [192, 0, 2, 2], 50000, ab, ba);
                let mut s = Smol {
                    server,
                    client,
                    server_ep: IpEndpoint::new(IpAddress::v4(192, 0, 2, 1), 4242),
                    buf: vec![0; 2048],
                };
                let data = payload(64);
                // Warm up: the first datagram waits in the socket for ARP.
                let deadline = Instant::now() + Duration::from_secs(5);
                let mut ok = false;
                while !ok && Instant::now() < deadline {
                    let ep = s.server_ep;
                    let _ = s.client.socket().send_slice(&data, ep);
                    for _ in 0..1000 {
                        s.poll_both();
                        s.serve();
                        if s.client.socket().recv_slice(&mut s.buf).is_ok() {
                            ok = true;
                            break;
                        }
                        std::thread::sleep(Duration::from_micros(100));
                    }
                }
                assert!(ok, "smoltcp: warm-up echo never came back");
                for _ in 0..10 {
                    s.poll_both();
                    s.serve();
                    while s.client.socket().recv_slice(&mut s.buf).is_ok() {}
                }
                for _ in 0..100 {
                    s.round_trip(&data);
                }
                s
            }

            fn poll_both(&mut self) {
                self.server.poll();
                self.client.poll();
            }

            fn serve(&mut self) {
                let sock = self.server.socket();
                while let Ok((n, meta)) = sock.recv_slice(&mut self.buf) {
                    let _ = sock.send_slice(&self.buf[..n], meta.endpoint);
                }
            }

            pub fn round_trip(&mut self, data: &[u8]) {
                let ep = self.server_ep;
                self.client
                    .socket()
                    .send_slice(data, ep)
                    .expect("smoltcp send_slice");
                for _ in 0..1000 {
                    // Client first: its datagram leaves in this poll.
                    self.client.poll();
                    self.server.poll();
                    self.serve();
                    if let Ok((n, _)) = self.client.socket().recv_slice(&mut self.buf) {
                        assert_eq!(n, data.len());
                        black_box(&self.buf[..n]);
                        return;
                    }
                }
                panic!("smoltcp: echo of {} bytes lost", data.len());
            }
        }
    }

    /// Copy bandwidth of a large buffer (out of cache), in GB/s.
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
        // `cargo bench` passes `--bench`; a filter or `--list` from other tooling is ignored.
        let dur = bench_duration();
        // `BENCH_ONLY=ours` or `BENCH_ONLY=smoltcp` runs one side only (for profiling).
        let only = std::env::var("BENCH_ONLY").ok();
        let only = only.as_deref();
        let block = SERVER.pools().block_size();
        println!(
            "UDP echo over IPv4, two instances over an in-process Ethernet link, single thread"
        );
        println!(
            "block size {block} bytes (NET_BUF_DATA_SIZE), {} s per run, median of {RUNS} runs",
            dur.as_secs_f64()
        );
        println!("memcpy bandwidth (64 MiB copy): {:.1} GB/s", memcpy_gbps());

        let mut ours = Ours::setup();
        let mut smol = smol::Smol::setup();

        println!();
        println!(
            "{:>8} | {:>14} | {:>14} | {:>6}",
            "payload", "ours pkts/s", "smoltcp pkts/s", "ratio"
        );
        println!("{:-<8}-+-{:-<14}-+-{:-<14}-+-{:-<6}", "", "", "", "");
        // `BENCH_SIZE` measures one payload size only (for profiling).
        let sizes: Vec<usize> = match std::env::var("BENCH_SIZE")
            .ok()
            .and_then(|s| s.parse().ok())
        {
            Some(size) => vec![size],
            None => SIZES.to_vec(),
        };
        for &size in &sizes {
            let data = payload(size);
            let mut o = Vec::new();
            let mut s = Vec::new();
            for _ in 0..RUNS {
                if only != Some("smoltcp") {
                    o.push(measure(dur, || ours.round_trip(&data)));
                }
                if only != Some("ours") {
                    s.push(measure(dur, || smol.round_trip(&data)));
                }
            }
            let median = |v: Vec<f64>| if v.is_empty() { f64::NAN } else { median(v) };
            let (o, s) = (median(o), median(s));
            println!("{:>8} | {:>14.0} | {:>14.0} | {:>6.2}", size, o, s, o / s);
        }
    }
}

#[cfg(all(
    CONFIG_NET_IPV4,
    CONFIG_NET_ARP,
    CONFIG_NET_UDP,
    CONFIG_NET_L2_ETHERNET
))]
fn main() {
    bench::main();
}

#[cfg(not(all(
    CONFIG_NET_IPV4,
    CONFIG_NET_ARP,
    CONFIG_NET_UDP,
    CONFIG_NET_L2_ETHERNET
)))]
fn main() {
    println!(
        "udp_echo: this configuration has no IPv4/ARP/UDP over Ethernet; run it with \
         NET_CONFIG=\"configs/echo-server.conf;net-core/benches/udp_echo.conf\""
    );
}
