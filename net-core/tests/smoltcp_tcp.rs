//! TCP between our stack and smoltcp 0.12 in one process: an Ethernet "wire" of two
//! frame queues joins one of our instances (through a small test driver) and a smoltcp
//! `Interface`. Our client sends to a smoltcp server, and a smoltcp client to our server;
//! each moves `TCP_INTEROP_BYTES` (default 10 MB) intact.

#![cfg(all(CONFIG_NET_TCP, CONFIG_NET_SOCKETS, CONFIG_NET_IPV4, CONFIG_NET_ARP))]

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use net_core::buf::{ConfiguredPools, NetPkt};
use net_core::drivers::{DriverError, LinkAddr};
use net_core::{AddrFamily, Driver, Fd, Iface, L2Kind, RxPath, SockOpt, SockType, Stack, StdClock};
use smoltcp::iface::{Interface, SocketHandle, SocketSet};
use smoltcp::socket::tcp;
use smoltcp::time::Instant as SInstant;
use smoltcp::wire::IpAddress;
use support::{Queue, QueueDevice, pattern};

mod support;

const OUR_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x51, 0x01];
const SMOL_MAC: [u8; 6] = [0x02, 0, 0, 0, 0x51, 0x02];

/// Our side of the wire: frames our stack sends wait in `to_smol`.
struct Wire {
    rx: Mutex<Option<(&'static dyn RxPath, u8)>>,
    to_smol: Mutex<VecDeque<Vec<u8>>>,
}

impl Driver for Wire {
    fn link_addr(&self) -> LinkAddr {
        LinkAddr::ethernet(OUR_MAC)
    }

    fn mtu(&self) -> u16 {
        1500
    }

    fn start(&'static self, rx: &'static dyn RxPath, iface: u8) -> Result<(), DriverError> {
        *self.rx.lock().unwrap() = Some((rx, iface));
        Ok(())
    }

    fn send(&self, frame: &NetPkt<'_>) -> Result<(), DriverError> {
        let mut bytes = Vec::with_capacity(frame.len());
        for c in frame.chunks() {
            bytes.extend_from_slice(c);
        }
        self.to_smol.lock().unwrap().push_back(bytes);
        Ok(())
    }
}

impl Wire {
    /// Hands a frame from smoltcp to our stack.
    fn deliver(&self, frame: &[u8]) {
        let Some((rx, iface)) = *self.rx.lock().unwrap() else {
            return;
        };
        if let Some(mut pkt) = rx.alloc_rx(iface, frame.len())
            && pkt.append(frame).is_ok()
        {
            rx.recv(iface, pkt);
        }
    }
}

static CLOCK: StdClock = StdClock::new();

macro_rules! instance {
    ($stack:ident, $wire:ident) => {
        static $wire: Wire = Wire {
            rx: Mutex::new(None),
            to_smol: Mutex::new(VecDeque::new()),
        };
        static $stack: Stack = {
            static POOLS: ConfiguredPools = ConfiguredPools::new();
            static IFACE_STATE: [net_core::IfaceState; 1] = [net_core::IfaceState::new()];
            static IFACES: [Iface; 1] = [Iface::new(
                "eth0",
                &$wire,
                L2Kind::Ethernet,
                0,
                &IFACE_STATE[0],
            )];
            static TCP: net_core::TcpTable = net_core::TcpTable::new();
            static STATE: net_core::StackState = net_core::StackState::new();
            Stack::new(&POOLS.pools(), &IFACES, &CLOCK, &TCP, &STATE)
        };
    };
}

struct Smol {
    iface: Interface,
    dev: QueueDevice,
    sockets: SocketSet<'static>,
    handle: SocketHandle,
}

impl Smol {
    fn new() -> Smol {
        let mut dev = QueueDevice {
            rx: Queue::default(),
            tx: Queue::default(),
        };
        let iface = dev.interface(SMOL_MAC, [192, 0, 2, 2]);
        let socket = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; 65535]),
            tcp::SocketBuffer::new(vec![0; 65535]),
        );
        let mut sockets = SocketSet::new(Vec::new());
        let handle = sockets.add(socket);
        Smol {
            iface,
            dev,
            sockets,
            handle,
        }
    }

    fn socket(&mut self) -> &mut tcp::Socket<'static> {
        self.sockets.get_mut::<tcp::Socket>(self.handle)
    }

    /// Moves frames both ways and polls both stacks.
    fn pump(&mut self, ours: &Stack, wire: &Wire) {
        self.dev
            .rx
            .borrow_mut()
            .extend(wire.to_smol.lock().unwrap().drain(..));
        self.iface
            .poll(SInstant::now(), &mut self.dev, &mut self.sockets);
        let frames: Vec<_> = self.dev.tx.borrow_mut().drain(..).collect();
        for f in frames {
            wire.deliver(&f);
        }
        if ours.poll() == 0 {
            ours.run_timers();
        }
    }
}

/// 10 MB, or less when the configuration's send buffers are small: with a buffer of one
/// segment every segment waits for smoltcp's delayed ACK (10 ms).
fn size() -> usize {
    let default = if net_core::ip::tcp::table::TX_BUFFER >= 8192 {
        10_000_000
    } else {
        200_000
    };
    std::env::var("TCP_INTEROP_BYTES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn start(ours: &'static Stack) {
    ours.start_bare().unwrap();
    ours.ipv4_add(
        0,
        Ipv4Addr::new(192, 0, 2, 1),
        Ipv4Addr::new(255, 255, 255, 0),
    )
    .unwrap();
}

fn stream(stack: &Stack) -> Fd {
    let fd = stack.socket(AddrFamily::Inet, SockType::Stream).unwrap();
    stack.setsockopt(fd, SockOpt::NonBlocking(true)).unwrap();
    fd
}

#[test]
fn our_client_to_a_smoltcp_server() {
    instance!(OURS, WIRE);
    start(&OURS);
    let mut smol = Smol::new();
    smol.socket().listen(4242).unwrap();
    let data = pattern(size(), 1);
    let fd = stream(&OURS);
    let server = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)), 4242);
    let _ = OURS.connect(fd, server);
    let (mut sent, mut got) = (0usize, Vec::with_capacity(data.len()));
    let begin = Instant::now();
    while got.len() < data.len() {
        assert!(
            begin.elapsed() < Duration::from_secs(120),
            "stalled: sent {sent}, smoltcp received {}",
            got.len()
        );
        smol.pump(&OURS, &WIRE);
        if sent < data.len()
            && let Ok(n) = OURS.send(fd, &data[sent..])
        {
            sent += n;
        }
        let s = smol.socket();
        while s.can_recv() {
            let _ = s.recv(|b| {
                got.extend_from_slice(b);
                (b.len(), ())
            });
        }
    }
    let secs = begin.elapsed().as_secs_f64();
    assert!(got == data, "smoltcp received corrupted data");
    eprintln!(
        "our client → smoltcp server: {} bytes in {secs:.2} s ({:.1} MB/s)",
        data.len(),
        data.len() as f64 / secs / 1e6
    );
    OURS.close(fd).unwrap();
}

#[test]
fn smoltcp_client_to_our_server() {
    instance!(OURS, WIRE);
    start(&OURS);
    let mut smol = Smol::new();
    let listener = stream(&OURS);
    OURS.bind(
        listener,
        SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 4242),
    )
    .unwrap();
    OURS.listen(listener, 1).unwrap();
    let cx = smol.iface.context();
    smol.sockets
        .get_mut::<tcp::Socket>(smol.handle)
        .connect(cx, (IpAddress::v4(192, 0, 2, 1), 4242), 49500)
        .unwrap();
    let data = pattern(size(), 2);
    let (mut sent, mut got) = (0usize, Vec::with_capacity(data.len()));
    let mut conn = None;
    let mut buf = vec![0u8; 16384];
    let begin = Instant::now();
    while got.len() < data.len() {
        assert!(
            begin.elapsed() < Duration::from_secs(120),
            "stalled: smoltcp sent {sent}, we received {}",
            got.len()
        );
        smol.pump(&OURS, &WIRE);
        if conn.is_none() {
            conn = OURS.accept(listener).ok().map(|(fd, _)| fd);
            if let Some(fd) = conn {
                OURS.setsockopt(fd, SockOpt::NonBlocking(true)).unwrap();
            }
        }
        let s = smol.socket();
        if s.can_send() && sent < data.len() {
            sent += s.send_slice(&data[sent..]).unwrap_or(0);
        }
        if let Some(fd) = conn {
            while let Ok(n) = OURS.recv(fd, &mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
        }
    }
    let secs = begin.elapsed().as_secs_f64();
    assert!(got == data, "we received corrupted data");
    eprintln!(
        "smoltcp client → our server: {} bytes in {secs:.2} s ({:.1} MB/s)",
        data.len(),
        data.len() as f64 / secs / 1e6
    );
}
