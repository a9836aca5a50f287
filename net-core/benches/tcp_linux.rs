//! Bulk TCP against the Linux kernel over a TAP, with this stack as sender and as receiver,
//! next to smoltcp 0.12 doing the same on the same TAP in the same run.
//!
//! Run as root (it creates the network namespace `tcpbench-<pid>` with the TAP `btap0`,
//! Linux at 192.0.2.2, the stack under test at 192.0.2.1, and removes it at the end):
//!
//! ```text
//! NET_CONFIG="configs/echo-server.conf;net-core/benches/tcp_bulk.conf" cargo bench -p net-core --bench tcp_linux
//! ```
//!
//! Each run moves `BENCH_MB` (default 32) MiB one way over IPv4 and reports MB/s measured
//! by the receiving side, from the first byte to the end of the stream; the median of 3
//! runs is printed. Both stacks get the same send and receive buffers
//! (`NET_TCP_MAX_SEND/RECV_WINDOW_SIZE`), the same MAC and the same address. smoltcp runs
//! first, in one thread that polls its TAP and sleeps in `phy::wait` when idle; then this
//! stack opens the TAP and runs with its worker threads (`spawn_workers`), the application
//! using the blocking socket calls, as a `native_sim` application does. Without root or
//! `ip` it prints why and exits.

#[path = "../tests/support/mod.rs"]
mod support;

#[cfg(all(
    CONFIG_NET_IPV4,
    CONFIG_NET_ARP,
    CONFIG_NET_TCP,
    CONFIG_NET_L2_ETHERNET,
    CONFIG_NET_SOCKETS
))]
mod bench {
    use crate::support::median;
    use std::hint::black_box;
    use std::io::{Read, Write};
    use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    use net_core::buf::ConfiguredPools;
    use net_core::drivers::ethernet::native_tap::NativeTap;
    use net_core::ip::tcp::table::{RX_BUFFER, TX_BUFFER};
    use net_core::{AddrFamily, Iface, L2Kind, SockType, Stack, StdClock};

    use crate::support::netns::{Netns, missing};

    const RUNS: usize = 3;
    const CHUNK: usize = 16384;
    const MAC: [u8; 6] = [0x02, 0, 0, 0, 0x7e, 0x01];
    const OURS: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
    const LINUX: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
    const TAP_NAME: &str = "btap0";

    fn megabytes() -> usize {
        crate::support::bench_megabytes(32)
    }

    static CLOCK: StdClock = StdClock::new();
    static TAP: NativeTap = NativeTap::new(MAC);
    static NET: Stack = {
        static POOLS: ConfiguredPools = ConfiguredPools::new();
        static IFACE_STATE: [net_core::IfaceState; 1] = [net_core::IfaceState::new()];
        static IFACES: [Iface; 1] = [Iface::new(
            "eth0",
            &TAP,
            L2Kind::Ethernet,
            0,
            &IFACE_STATE[0],
        )];
        static TCP: net_core::TcpTable = net_core::TcpTable::new();
        static STATE: net_core::StackState = net_core::StackState::new();
        Stack::new(&POOLS, &IFACES, &CLOCK, &TCP, &STATE)
    };

    /// Linux's receiving side: accepts one connection on `port` and reads `total` bytes;
    /// MB/s from the first byte to the last.
    fn linux_receiver(port: u16, total: usize) -> std::thread::JoinHandle<f64> {
        let listener = TcpListener::bind((LINUX, port)).expect("bind in the namespace");
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().expect("accept");
            let mut buf = vec![0u8; 65536];
            let mut got = 0;
            let mut start = None;
            while got < total {
                let n = s.read(&mut buf).expect("read");
                assert!(n > 0, "stream ended at {got} of {total} bytes");
                start.get_or_insert_with(Instant::now);
                black_box(&buf[..n]);
                got += n;
            }
            total as f64 / start.unwrap().elapsed().as_secs_f64() / 1e6
        })
    }

    /// Linux's sending side: connects to `port` of the stack under test and writes
    /// `total` bytes of `data`.
    fn linux_sender(port: u16, data: Vec<u8>, total: usize) -> std::thread::JoinHandle<()> {
        std::thread::spawn(move || {
            let mut s = connect_retrying(SocketAddr::new(IpAddr::V4(OURS), port));
            let mut sent = 0;
            while sent < total {
                let from = sent % data.len();
                let want = (total - sent).min(CHUNK);
                let chunk = &data[from..(from + want).min(data.len())];
                s.write_all(chunk).expect("write");
                sent += chunk.len();
            }
            let _ = s.shutdown(std::net::Shutdown::Write);
            // Keep the socket until the other side has read everything and closed.
            let _ = s.read(&mut [0u8; 16]);
        })
    }

    /// The stack under test may still be opening its listener: retry for 5 s.
    fn connect_retrying(to: SocketAddr) -> TcpStream {
        let start = Instant::now();
        loop {
            match TcpStream::connect_timeout(&to, Duration::from_secs(1)) {
                Ok(s) => return s,
                Err(e) if start.elapsed() > Duration::from_secs(5) => panic!("connect {to}: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    mod ours {
        use super::*;

        pub fn start() {
            TAP.set_interface_name(TAP_NAME);
            NET.start_bare().expect("our stack starts on the TAP");
            NET.ipv4_add(0, OURS, Ipv4Addr::new(255, 255, 255, 0))
                .expect("address");
            NET.spawn_workers().expect("workers");
        }

        /// This stack sends `total` bytes to Linux; MB/s at Linux's side.
        pub fn send(port: u16, data: &[u8], total: usize) -> f64 {
            let receiver = linux_receiver(port, total);
            let fd = NET.socket(AddrFamily::Inet, SockType::Stream).unwrap();
            NET.connect(fd, SocketAddr::new(IpAddr::V4(LINUX), port))
                .expect("connect to Linux");
            let mut sent = 0;
            while sent < total {
                let from = sent % data.len();
                let want = (total - sent).min(CHUNK);
                let chunk = &data[from..(from + want).min(data.len())];
                sent += NET.send(fd, chunk).expect("send");
            }
            let rate = receiver.join().expect("Linux receiver");
            NET.close(fd).unwrap();
            rate
        }

        /// Linux sends `total` bytes to this stack; MB/s at this side.
        pub fn receive(port: u16, data: &[u8], total: usize) -> f64 {
            let listener = NET.socket(AddrFamily::Inet, SockType::Stream).unwrap();
            NET.bind(
                listener,
                SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
            )
            .unwrap();
            NET.listen(listener, 1).unwrap();
            let sender = linux_sender(port, data.to_vec(), total);
            let (fd, _) = NET.accept(listener).expect("accept");
            let mut buf = vec![0u8; CHUNK];
            let mut got = 0;
            let mut start = None;
            while got < total {
                let n = NET.recv(fd, &mut buf).expect("recv");
                assert!(n > 0, "stream ended at {got} of {total} bytes");
                start.get_or_insert_with(Instant::now);
                black_box(&buf[..n]);
                got += n;
            }
            let rate = total as f64 / start.unwrap().elapsed().as_secs_f64() / 1e6;
            NET.close(fd).unwrap();
            NET.close(listener).unwrap();
            sender.join().expect("Linux sender");
            rate
        }

        pub fn connections() -> usize {
            NET.tcp_connections()
        }
    }

    mod smol {
        use super::*;
        use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
        use smoltcp::phy::{Medium, TunTapInterface, wait};
        use smoltcp::socket::tcp;
        use smoltcp::time::Instant as SInstant;
        use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr};
        use std::os::fd::AsRawFd;

        /// smoltcp on the TAP: one interface, one TCP socket at a time.
        pub struct Smol {
            iface: Interface,
            dev: TunTapInterface,
            sockets: SocketSet<'static>,
        }

        impl Smol {
            pub fn open() -> Smol {
                let mut dev = TunTapInterface::new(TAP_NAME, Medium::Ethernet)
                    .expect("smoltcp opens the TAP");
                let config = Config::new(HardwareAddress::Ethernet(EthernetAddress(MAC)));
                let mut iface = Interface::new(config, &mut dev, SInstant::now());
                let o = OURS.octets();
                iface.update_ip_addrs(|a| {
                    a.push(IpCidr::new(IpAddress::v4(o[0], o[1], o[2], o[3]), 24))
                        .unwrap();
                });
                Smol {
                    iface,
                    dev,
                    sockets: SocketSet::new(Vec::new()),
                }
            }

            /// A socket with our buffer sizes; `delayed_ack` keeps smoltcp's default
            /// 10 ms ACK delay, otherwise it is off.
            fn new_socket(&mut self, delayed_ack: bool) -> SocketHandle {
                let mut socket = tcp::Socket::new(
                    tcp::SocketBuffer::new(vec![0; RX_BUFFER]),
                    tcp::SocketBuffer::new(vec![0; TX_BUFFER]),
                );
                if !delayed_ack {
                    socket.set_ack_delay(None);
                }
                self.sockets.add(socket)
            }

            fn poll(&mut self) {
                self.iface
                    .poll(SInstant::now(), &mut self.dev, &mut self.sockets);
            }

            /// Sleeps until the TAP has a frame or a timer is due (at most 10 ms).
            fn wait(&mut self) {
                let delay = self
                    .iface
                    .poll_delay(SInstant::now(), &self.sockets)
                    .map(|d| d.min(smoltcp::time::Duration::from_millis(10)))
                    .unwrap_or(smoltcp::time::Duration::from_millis(10));
                let _ = wait(self.dev.as_raw_fd(), Some(delay));
            }

            fn finish(&mut self, h: SocketHandle) {
                self.sockets.get_mut::<tcp::Socket>(h).close();
                let start = Instant::now();
                while self.sockets.get::<tcp::Socket>(h).state() != tcp::State::Closed
                    && self.sockets.get::<tcp::Socket>(h).state() != tcp::State::TimeWait
                    && start.elapsed() < Duration::from_secs(2)
                {
                    self.poll();
                    self.wait();
                }
                self.sockets.remove(h);
            }

            /// smoltcp sends `total` bytes to Linux; MB/s at Linux's side.
            pub fn send(&mut self, port: u16, data: &[u8], total: usize) -> f64 {
                let receiver = linux_receiver(port, total);
                let h = self.new_socket(true);
                let cx = self.iface.context();
                self.sockets
                    .get_mut::<tcp::Socket>(h)
                    .connect(cx, (IpAddress::Ipv4(LINUX), port), 49152 + port)
                    .unwrap();
                // smoltcp's loop: poll, let the application work, and sleep only when
                // it could not.
                let mut sent = 0;
                while sent < total {
                    self.poll();
                    let s = self.sockets.get_mut::<tcp::Socket>(h);
                    let from = sent % data.len();
                    let want = (total - sent).min(CHUNK);
                    let n = s
                        .send_slice(&data[from..(from + want).min(data.len())])
                        .unwrap_or(0);
                    sent += n;
                    if n == 0 {
                        self.wait();
                    }
                }
                // Flush what is queued: Linux's thread ends once it has it all.
                while !receiver.is_finished() {
                    self.poll();
                    self.wait();
                }
                let rate = receiver.join().expect("Linux receiver");
                self.finish(h);
                rate
            }

            /// Linux sends `total` bytes to smoltcp; MB/s at smoltcp's side.
            pub fn receive(
                &mut self,
                port: u16,
                data: &[u8],
                total: usize,
                delayed_ack: bool,
            ) -> f64 {
                let h = self.new_socket(delayed_ack);
                self.sockets.get_mut::<tcp::Socket>(h).listen(port).unwrap();
                let sender = linux_sender(port, data.to_vec(), total);
                let mut got = 0;
                let mut start = None;
                while got < total {
                    self.poll();
                    let s = self.sockets.get_mut::<tcp::Socket>(h);
                    let before = got;
                    while s.can_recv() {
                        got += s
                            .recv(|b| {
                                black_box(&*b);
                                (b.len(), b.len())
                            })
                            .unwrap_or(0);
                    }
                    if got > before {
                        start.get_or_insert_with(Instant::now);
                    } else {
                        self.wait();
                    }
                }
                let rate = total as f64 / start.unwrap().elapsed().as_secs_f64() / 1e6;
                self.finish(h);
                while !sender.is_finished() {
                    self.poll();
                    self.wait();
                }
                sender.join().expect("Linux sender");
                rate
            }
        }
    }

    pub fn main() {
        if let Some(why) = missing(&[]) {
            println!("tcp_linux: SKIP: {why}");
            return;
        }
        let ns = match Netns::create("tcpbench", TAP_NAME) {
            Ok(ns) => ns,
            Err(e) => {
                println!("tcp_linux: SKIP: cannot create the namespace: {e}");
                return;
            }
        };
        // Everything below (this thread, the stacks' threads, Linux's sockets) lives in
        // the namespace.
        ns.enter().expect("enter the namespace");
        let total = megabytes() << 20;
        let data = crate::support::pattern(1 << 20, 9);
        println!(
            "tcp_linux: {} MiB one way over a TAP, buffers {TX_BUFFER} B send / {RX_BUFFER} B receive, IPv4",
            megabytes()
        );
        let mut port = 5000u16;
        let mut next_port = || {
            port += 1;
            port
        };

        let (mut smol_tx, mut smol_rx, mut smol_rx_no_delay) = (Vec::new(), Vec::new(), Vec::new());
        let only = std::env::var("BENCH_ONLY").ok();
        if only.as_deref() != Some("ours") {
            let mut smol = smol::Smol::open();
            for _ in 0..RUNS {
                smol_tx.push(smol.send(next_port(), &data, total));
                smol_rx.push(smol.receive(next_port(), &data, total, true));
                smol_rx_no_delay.push(smol.receive(next_port(), &data, total, false));
            }
        }
        // Linux must learn the MAC afresh for the next stack (it is the same one, but the
        // entry may be mid-probe).
        let _ = ns.exec(&["ip", "neigh", "flush", "dev", TAP_NAME]);

        if only.as_deref() == Some("smoltcp") {
            return;
        }
        ours::start();
        let (mut ours_tx, mut ours_rx) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            ours_tx.push(ours::send(next_port(), &data, total));
            ours_rx.push(ours::receive(next_port(), &data, total));
        }
        let start = Instant::now();
        while ours::connections() > 0 && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }

        println!(
            "{:<22} | {:>9} | {:>12} | {:>6}",
            "direction", "ours MB/s", "smoltcp MB/s", "ratio"
        );
        let ours_rx_median = median(ours_rx.clone());
        for (what, o, s) in [
            ("stack sends to Linux", ours_tx, smol_tx),
            ("Linux sends to stack", ours_rx, smol_rx),
            (
                "  smoltcp no ACK delay",
                vec![ours_rx_median],
                smol_rx_no_delay,
            ),
        ] {
            let (o, s) = (median(o), median(s));
            println!("{what:<22} | {o:>9.1} | {s:>12.1} | {:>6.2}", o / s);
        }
        drop(ns);
    }
}

fn main() {
    #[cfg(all(
        CONFIG_NET_IPV4,
        CONFIG_NET_ARP,
        CONFIG_NET_TCP,
        CONFIG_NET_L2_ETHERNET,
        CONFIG_NET_SOCKETS
    ))]
    bench::main();
    #[cfg(not(all(
        CONFIG_NET_IPV4,
        CONFIG_NET_ARP,
        CONFIG_NET_TCP,
        CONFIG_NET_L2_ETHERNET,
        CONFIG_NET_SOCKETS
    )))]
    println!(
        "tcp_linux: needs IPv4, ARP, TCP, Ethernet and sockets (see the file header for NET_CONFIG)"
    );
}
