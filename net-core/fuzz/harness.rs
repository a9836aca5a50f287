// The `rx_frame` harness, shared by the cargo-fuzz target (`fuzz_targets/rx_frame.rs`) and
// the regression replay (`net-core/tests/fuzz_regression.rs`): both `include!` this file.
//
// One static stack on one Ethernet interface whose driver swallows every frame it is asked
// to send; a manual clock, so timers run when the harness says so. Addresses 192.0.2.1/24
// (with IPv4) and 2001:db8::1/64 (with IPv6), and a UDP socket on port 7 per family.
//
// `rx_frame(bytes)`: the bytes go in as one received frame, the stack is polled, the
// sockets are drained, and then the clock is pushed far ahead a few times so that every
// resolution (ARP, ND) gives up and frees the packets parked on it. Afterwards every pool
// must be back to zero allocated items: no input may leak a buffer. A panic anywhere is a
// finding.

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use net_core::buf::ConfiguredPools;
use net_core::drivers::DriverError;
use net_core::{
    AddrFamily, Clock, Driver, Fd, Iface, L2Kind, LinkAddr, RxPath, SockOpt, SockType, Stack,
};

/// The stack's MAC address.
pub const HARNESS_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x0f, 0x01];
/// Longest frame fed in (a tagged Ethernet frame of 1500 bytes of payload); longer inputs
/// are cut.
pub const MAX_FRAME: usize = 1518;
/// The port the UDP sockets listen on.
pub const HARNESS_UDP_PORT: u16 = 7;
/// How far the clock jumps per settling step: past any ARP/ND retransmission interval (an
/// RA may set the retransmission timer to `u32::MAX` ms).
const SETTLE_STEP_MS: u64 = 1 << 33;
/// Settling steps after each input (ARP and ND give up after three tries).
const SETTLE_STEPS: usize = 6;

struct ManualClock(AtomicU64);

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A driver that counts and drops every frame the stack sends.
struct Sink {
    sent: AtomicUsize,
}

impl Driver for Sink {
    fn link_addr(&self) -> LinkAddr {
        LinkAddr::ethernet(HARNESS_MAC)
    }

    fn mtu(&self) -> u16 {
        1500
    }

    fn start(&'static self, _rx: &'static dyn RxPath, _iface: u8) -> Result<(), DriverError> {
        Ok(())
    }

    fn send(&self, _frame: &net_core::buf::NetPkt<'_>) -> Result<(), DriverError> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

static HARNESS_CLOCK: ManualClock = ManualClock(AtomicU64::new(1_000));
static HARNESS_SINK: Sink = Sink {
    sent: AtomicUsize::new(0),
};
static HARNESS_STACK: Stack = {
    static POOLS: ConfiguredPools = ConfiguredPools::new();
    static IFACE_STATE: [net_core::IfaceState; 1] = [net_core::IfaceState::new()];
    static IFACES: [Iface; 1] = [Iface::new(
        "eth0",
        &HARNESS_SINK,
        L2Kind::Ethernet,
        0,
        &IFACE_STATE[0],
    )];
    static TCP: net_core::TcpTable = net_core::TcpTable::new();
    static STATE: net_core::StackState = net_core::StackState::new();
    Stack::new(&POOLS.pools(), &IFACES, &HARNESS_CLOCK, &TCP, &STATE)
};

/// The harness state: the open sockets.
pub struct Harness {
    fds: Vec<Fd>,
}

static HARNESS: OnceLock<Harness> = OnceLock::new();

/// The stack under test.
pub fn harness_stack() -> &'static Stack {
    &HARNESS_STACK
}

/// Sets the stack up on first use.
pub fn harness() -> &'static Harness {
    HARNESS.get_or_init(|| {
        HARNESS_STACK.start_bare().expect("start");
        ensure_addresses();
        let mut fds = Vec::new();
        let families = [
            #[cfg(CONFIG_NET_IPV4)]
            (AddrFamily::Inet, IpAddr::from([0u8; 4])),
            #[cfg(CONFIG_NET_IPV6)]
            (AddrFamily::Inet6, IpAddr::from([0u8; 16])),
        ];
        for (family, any) in families {
            let fd = HARNESS_STACK
                .socket(family, SockType::Dgram)
                .expect("socket");
            HARNESS_STACK
                .setsockopt(fd, SockOpt::NonBlocking(true))
                .expect("non-blocking");
            HARNESS_STACK
                .bind(fd, SocketAddr::new(any, HARNESS_UDP_PORT))
                .expect("bind");
            fds.push(fd);
        }
        let h = Harness { fds };
        settle(&h);
        h
    })
}

/// (Re-)adds the static addresses (a crafted NA or NS may legitimately take an IPv6 address
/// away through DAD).
fn ensure_addresses() {
    let Some(iface) = HARNESS_STACK.iface(0) else {
        return;
    };
    #[cfg(CONFIG_NET_IPV4)]
    {
        let a = std::net::Ipv4Addr::new(192, 0, 2, 1);
        if !iface.with(|s| s.ipv4.as_ref().is_some_and(|v| v.is_mine(a))) {
            let _ = HARNESS_STACK.ipv4_add(0, a, std::net::Ipv4Addr::new(255, 255, 255, 0));
        }
    }
    #[cfg(CONFIG_NET_IPV6)]
    {
        let a = std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
        if !iface.with(|s| s.ipv6.as_ref().is_some_and(|v| v.has_addr(a))) {
            let _ = HARNESS_STACK.ipv6_add(0, a, 64);
        }
    }
    let _ = iface;
}

/// Reads every datagram waiting on the sockets; returns how many.
fn drain(h: &Harness) -> usize {
    let mut buf = [0u8; 2048];
    let mut n = 0;
    for &fd in &h.fds {
        while HARNESS_STACK.recvfrom(fd, &mut buf).is_ok() {
            n += 1;
        }
    }
    n
}

/// Runs the clock far ahead until every timer-driven process has ended.
fn settle(h: &Harness) {
    for _ in 0..SETTLE_STEPS {
        HARNESS_CLOCK.0.fetch_add(SETTLE_STEP_MS, Ordering::Relaxed);
        HARNESS_STACK.poll();
        drain(h);
    }
}

/// Feeds one frame and checks the invariants; returns the datagrams delivered to the
/// sockets. Panics when a pool does not return to empty.
pub fn rx_frame(data: &[u8]) -> usize {
    let h = harness();
    let data = &data[..data.len().min(MAX_FRAME)];
    if let Some(mut pkt) = HARNESS_STACK.alloc_rx(0, data.len())
        && pkt.append(data).is_ok() {
            RxPath::recv(&HARNESS_STACK, 0, pkt);
        }
    HARNESS_STACK.poll();
    let delivered = drain(h);
    settle(h);
    let stats = HARNESS_STACK.pools().stats();
    assert!(
        stats.rx_pkts.allocated == 0
            && stats.rx_bufs.allocated == 0
            && stats.tx_pkts.allocated == 0
            && stats.tx_bufs.allocated == 0,
        "a packet leaked: {stats:?}"
    );
    ensure_addresses();
    settle(h);
    delivered
}
