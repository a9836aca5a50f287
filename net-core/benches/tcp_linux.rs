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
//! With 64 KiB windows for both stacks, add `net-core/benches/tcp_bulk_64k.conf` to
//! `NET_CONFIG`.
//!
//! Each run moves `BENCH_MB` (default 32) MiB one way over IPv4 and reports MB/s measured
//! by the receiving side, from the first byte to the end of the stream; the median of 3
//! runs is printed. Both stacks get the same send and receive buffers
//! (`NET_TCP_MAX_SEND/RECV_WINDOW_SIZE`), the same MAC and the same address. smoltcp runs
//! first, in one thread that polls its TAP and sleeps in `phy::wait` when idle; then this
//! stack opens the TAP and runs with its worker threads (`spawn_workers`), the application
//! using the blocking socket calls, as a `native_sim` application does, and then polled in
//! one thread as firmware runs; then both again with the TAP's offloads
//! (`NativeTap::set_offload`: TCP super-frames in both directions). Receiving, both
//! stacks copy the data into a 16 KiB application buffer (our `recv`, smoltcp's
//! `recv_slice`); smoltcp is also measured with its ACK delay off, and reading in place
//! from its socket buffer (`recv` with a closure, which our BSD-style API has no
//! counterpart for). Without root or `ip` it prints why and exits.
//!
//! For profiling: `BENCH_ONLY=ours|smoltcp` measures one stack, `BENCH_MODES` (for
//! example `polled,polled+offload`) picks our modes, and `BENCH_DIRECTION=send|receive`
//! one direction.

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

    use net_core::drivers::ethernet::native_tap::NativeTap;
    use net_core::ip::tcp::table::{RX_BUFFER, TX_BUFFER};
    use net_core::{AddrFamily, SockType};

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

    static TAP: NativeTap = NativeTap::new(MAC);
    crate::stack_on!(NET, TAP);

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

    /// How our stack runs on the TAP.
    #[derive(Clone, Copy, PartialEq)]
    pub enum Mode {
        /// As a `native_sim` application: the TAP reader thread, the traffic-class workers
        /// (`spawn_workers`) and blocking socket calls.
        Threads,
        /// As firmware does, in one thread: the loop polls the TAP (`NativeTap::poll_rx`)
        /// and the stack (`Stack::poll`), with non-blocking sockets, and sleeps on the TAP
        /// when nothing moved.
        Polled,
    }

    mod ours {
        use super::*;
        use net_core::{Errno, Fd, PollFd, SockOpt};

        pub fn start(mode: Mode, offload: bool) {
            TAP.set_interface_name(TAP_NAME);
            TAP.set_polled(mode == Mode::Polled);
            TAP.set_offload(offload);
            NET.start_bare().expect("our stack starts on the TAP");
            NET.ipv4_add(0, OURS, Ipv4Addr::new(255, 255, 255, 0))
                .expect("address");
            if mode == Mode::Threads {
                NET.spawn_workers().expect("workers");
            }
        }

        /// Polled mode: one turn of the loop; `idle` sleeps on the TAP for up to 1 ms
        /// (the stack's timers need no finer grain here).
        fn turn(mode: Mode, idle: bool) {
            if mode == Mode::Polled {
                let frames = TAP.poll_rx(64);
                let work = NET.poll();
                if idle && frames + work == 0 {
                    TAP.wait_rx(Duration::from_millis(1));
                }
            }
        }

        /// Retries a non-blocking call in polled mode (blocking calls return at once in
        /// thread mode).
        fn retry<T>(mode: Mode, mut f: impl FnMut() -> Result<T, Errno>) -> T {
            let start = Instant::now();
            loop {
                match f() {
                    Ok(v) => return v,
                    Err(Errno::EAGAIN) if mode == Mode::Polled => turn(mode, true),
                    Err(e) => panic!("{e:?}"),
                }
                assert!(start.elapsed() < Duration::from_secs(30), "timed out");
            }
        }

        fn socket(mode: Mode) -> Fd {
            let fd = NET.socket(AddrFamily::Inet, SockType::Stream).unwrap();
            NET.setsockopt(fd, SockOpt::NonBlocking(mode == Mode::Polled))
                .unwrap();
            fd
        }

        /// This stack sends `total` bytes to Linux; MB/s at Linux's side.
        pub fn send(mode: Mode, port: u16, data: &[u8], total: usize) -> f64 {
            let receiver = linux_receiver(port, total);
            let fd = socket(mode);
            match NET.connect(fd, SocketAddr::new(IpAddr::V4(LINUX), port)) {
                Ok(()) => {}
                Err(Errno::EINPROGRESS) => retry(mode, || {
                    let mut p = [PollFd {
                        fd,
                        events: net_core::lib::sockets::POLLOUT,
                        revents: 0,
                    }];
                    match NET.poll_fds(&mut p, Some(0))? {
                        0 => Err(Errno::EAGAIN),
                        _ => Ok(()),
                    }
                }),
                Err(e) => panic!("connect to Linux: {e:?}"),
            }
            let mut sent = 0;
            while sent < total {
                let from = sent % data.len();
                let want = (total - sent).min(CHUNK);
                let chunk = &data[from..(from + want).min(data.len())];
                sent += retry(mode, || NET.send(fd, chunk));
                turn(mode, false);
            }
            while mode == Mode::Polled && !receiver.is_finished() {
                turn(mode, true);
            }
            let rate = receiver.join().expect("Linux receiver");
            NET.close(fd).unwrap();
            rate
        }

        /// Linux sends `total` bytes to this stack; MB/s at this side.
        pub fn receive(mode: Mode, port: u16, data: &[u8], total: usize) -> f64 {
            let listener = socket(mode);
            NET.bind(
                listener,
                SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
            )
            .unwrap();
            NET.listen(listener, 1).unwrap();
            let sender = linux_sender(port, data.to_vec(), total);
            let (fd, _) = retry(mode, || NET.accept(listener));
            NET.setsockopt(fd, SockOpt::NonBlocking(mode == Mode::Polled))
                .unwrap();
            let mut buf = vec![0u8; CHUNK];
            let mut got = 0;
            let mut start = None;
            let sent_before = segments_sent();
            while got < total {
                let n = retry(mode, || NET.recv(fd, &mut buf));
                assert!(n > 0, "stream ended at {got} of {total} bytes");
                start.get_or_insert_with(Instant::now);
                black_box(&buf[..n]);
                got += n;
                turn(mode, false);
            }
            let rate = total as f64 / start.unwrap().elapsed().as_secs_f64() / 1e6;
            if let (Some(a), Some(b)) = (sent_before, segments_sent()) {
                println!("ACKS {}", (b - a) as f64 / (total >> 20) as f64);
            }
            NET.close(fd).unwrap();
            NET.close(listener).unwrap();
            while mode == Mode::Polled && !sender.is_finished() {
                turn(mode, true);
            }
            sender.join().expect("Linux sender");
            rate
        }

        /// Segments this stack has sent (while receiving: its ACKs and window updates),
        /// when it counts them.
        fn segments_sent() -> Option<u64> {
            #[cfg(CONFIG_NET_STATISTICS_TCP)]
            return Some(u64::from(NET.stats().tcp.sent));
            #[cfg(not(CONFIG_NET_STATISTICS_TCP))]
            return None;
        }

        /// Runs the send and receive measurements `RUNS` times in `mode` from `port` on,
        /// and waits for the connections to close.
        pub fn run(
            mode: Mode,
            offload: bool,
            mut port: u16,
            data: &[u8],
            total: usize,
        ) -> (Vec<f64>, Vec<f64>) {
            start(mode, offload);
            let (mut tx, mut rx) = (Vec::new(), Vec::new());
            let direction = std::env::var("BENCH_DIRECTION").unwrap_or_default();
            for _ in 0..RUNS {
                if direction != "receive" {
                    tx.push(send(mode, port, data, total));
                }
                if direction != "send" {
                    rx.push(receive(mode, port + 1, data, total));
                }
                port += 2;
            }
            let start = Instant::now();
            while NET.tcp_connections() > 0 && start.elapsed() < Duration::from_secs(5) {
                turn(mode, true);
                if mode == Mode::Threads {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            (tx, rx)
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
                copy: bool,
            ) -> f64 {
                let mut buf = vec![0u8; CHUNK];
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

    /// The environment variables of a child run: the namespace, the mode, the first port.
    const CHILD_NS: &str = "TCP_LINUX_NS";
    const CHILD_MODE: &str = "TCP_LINUX_MODE";
    const CHILD_PORT: &str = "TCP_LINUX_PORT";

    /// A child process: one stack instance per process, so that each mode opens the TAP
    /// afresh (a TAP has one reader at a time, and a started instance keeps its TAP).
    fn child(ns: &str) {
        crate::support::netns::enter(ns).expect("enter the namespace");
        let name = std::env::var(CHILD_MODE).unwrap_or_default();
        let mode = if name.starts_with("polled") {
            Mode::Polled
        } else {
            Mode::Threads
        };
        let offload = name.ends_with("+offload");
        let port = std::env::var(CHILD_PORT)
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(6000);
        let data = crate::support::pattern(1 << 20, 9);
        let (tx, rx) = ours::run(mode, offload, port, &data, megabytes() << 20);
        let list = |v: &[f64]| v.iter().map(|x| format!(" {x}")).collect::<String>();
        if offload {
            println!("SUPER {} {}", TAP.rx_super_frames(), TAP.tx_super_frames());
        }
        println!("RESULT send{}", list(&tx));
        println!("RESULT receive{}", list(&rx));
    }

    /// Runs our stack in `mode` in a child process; its send and receive rates.
    fn ours_in_child(ns: &Netns, mode: &str, port: u16) -> (Vec<f64>, Vec<f64>) {
        if let Ok(modes) = std::env::var("BENCH_MODES")
            && !modes.split(',').any(|m| m == mode)
        {
            return (Vec::new(), Vec::new());
        }
        // Linux learns the MAC afresh for each stack (the same MAC, but the entry may be
        // mid-probe).
        let _ = ns.exec(&["ip", "neigh", "flush", "dev", TAP_NAME]);
        let exe = std::env::current_exe().expect("the benchmark's path");
        let out = std::process::Command::new(exe)
            .env(CHILD_NS, &ns.name)
            .env(CHILD_MODE, mode)
            .env(CHILD_PORT, port.to_string())
            .stdin(std::process::Stdio::null())
            .output()
            .expect("child run");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{mode} run failed:\n{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rates = |what: &str| -> Vec<f64> {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("RESULT {what}")))
                .map(|l| {
                    l.split_whitespace()
                        .filter_map(|x| x.parse().ok())
                        .collect()
                })
                .unwrap_or_default()
        };
        let acks: Vec<f64> = text
            .lines()
            .filter_map(|l| l.strip_prefix("ACKS "))
            .filter_map(|x| x.trim().parse().ok())
            .collect();
        if !acks.is_empty() {
            println!(
                "ours {mode}: {:.0} segments sent per MiB received (median of {})",
                median(acks.clone()),
                acks.len()
            );
        }
        if let Some(n) = text.lines().find_map(|l| l.strip_prefix("SUPER ")) {
            let mut n = n.split_whitespace();
            let (rx, tx) = (n.next().unwrap_or("?"), n.next().unwrap_or("?"));
            println!(
                "ours {mode}: {rx} TCP super-frames received (taken whole or cut by the driver), \
                 {tx} sent for the kernel to cut (TSO)"
            );
        }
        (rates("send"), rates("receive"))
    }

    pub fn main() {
        if let Ok(ns) = std::env::var(CHILD_NS) {
            child(&ns);
            return;
        }
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
        // This thread (smoltcp, Linux's sockets) lives in the namespace; the child
        // processes enter it themselves.
        ns.enter().expect("enter the namespace");
        let total = megabytes() << 20;
        let data = crate::support::pattern(1 << 20, 9);
        println!(
            "tcp_linux: {} MiB one way over a TAP, buffers {TX_BUFFER} B send / {RX_BUFFER} B receive, IPv4",
            megabytes()
        );
        let only = std::env::var("BENCH_ONLY").ok();
        let (mut smol_tx, mut smol_rx, mut smol_rx_no_delay, mut smol_rx_in_place) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        if only.as_deref() != Some("ours") {
            let mut smol = smol::Smol::open();
            let mut port = 5000;
            for _ in 0..RUNS {
                smol_tx.push(smol.send(port, &data, total));
                smol_rx.push(smol.receive(port + 1, &data, total, true, true));
                smol_rx_no_delay.push(smol.receive(port + 2, &data, total, false, true));
                smol_rx_in_place.push(smol.receive(port + 3, &data, total, true, false));
                port += 4;
            }
        }
        if only.as_deref() == Some("smoltcp") {
            println!(
                "smoltcp: sends {:.1} MB/s, receives {:.1} MB/s ({:.1} without ACK delay, {:.1} in place)",
                median(smol_tx),
                median(smol_rx),
                median(smol_rx_no_delay),
                median(smol_rx_in_place)
            );
            return;
        }
        let (threads_tx, threads_rx) = ours_in_child(&ns, "threads", 6000);
        let (polled_tx, polled_rx) = ours_in_child(&ns, "polled", 7000);
        // The TAP driver with receive offloads (`NativeTap::set_offload`): the kernel
        // hands over TCP super-frames, which the driver cuts into segments.
        let (threads_off_tx, threads_off_rx) = ours_in_child(&ns, "threads+offload", 8000);
        let (polled_off_tx, polled_off_rx) = ours_in_child(&ns, "polled+offload", 9000);

        println!(
            "{:<24} | {:>8} | {:>8} | {:>8} | {:>8} | {:>8} | {:>5} | {:>5} | {:>5} | {:>5}",
            "direction",
            "threads",
            "polled",
            "thr+off",
            "pol+off",
            "smoltcp",
            "thr.",
            "pol.",
            "thr+o",
            "pol+o"
        );
        println!(
            "{:<24} | {:>8} | {:>8} | {:>8} | {:>8} | {:>8} | {:>5} | {:>5} | {:>5} | {:>5}",
            "", "MB/s", "MB/s", "MB/s", "MB/s", "MB/s", "ratio", "ratio", "ratio", "ratio"
        );
        let rx = [threads_rx, polled_rx, threads_off_rx, polled_off_rx];
        for (what, ours, s) in [
            (
                "stack sends to Linux",
                [threads_tx, polled_tx, threads_off_tx, polled_off_tx],
                smol_tx,
            ),
            ("Linux sends to stack", rx.clone(), smol_rx),
            ("  (smoltcp no ACK delay)", rx.clone(), smol_rx_no_delay),
            ("  (smoltcp in place)", rx, smol_rx_in_place),
        ] {
            let s = median(s);
            let o = ours.map(median);
            println!(
                "{what:<24} | {:>8.1} | {:>8.1} | {:>8.1} | {:>8.1} | {s:>8.1} | {:>5.2} | {:>5.2} | {:>5.2} | {:>5.2}",
                o[0],
                o[1],
                o[2],
                o[3],
                o[0] / s,
                o[1] / s,
                o[2] / s,
                o[3] / s
            );
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
