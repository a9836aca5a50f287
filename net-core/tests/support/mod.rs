//! Shared by net-core's integration tests and benchmarks (`mod support;`, or
//! `#[path = "../tests/support/mod.rs"] mod support;` from a benchmark): a repeatable byte
//! pattern, smoltcp's side of an in-memory Ethernet link, and a network namespace with a TAP
//! ([`netns`]) for running against Linux.

// Each test binary uses part of it.
#![allow(dead_code, unused_imports)]

pub mod netns;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

pub use net_testkit::pattern;

/// The median of benchmark runs (NaN when there are none).
pub fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(|a, b| a.total_cmp(b));
    runs.get(runs.len() / 2).copied().unwrap_or(f64::NAN)
}

/// `BENCH_MB` (MiB a bulk benchmark moves per run), or `default`.
pub fn bench_megabytes(default: usize) -> usize {
    std::env::var("BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// Frames in flight in one direction.
pub type Queue = Rc<RefCell<VecDeque<Vec<u8>>>>;

/// A smoltcp Ethernet device that receives from `rx` and sends into `tx`.
pub struct QueueDevice {
    /// Frames to receive.
    pub rx: Queue,
    /// Frames sent.
    pub tx: Queue,
}

/// A received frame.
pub struct RxToken(Vec<u8>);
/// Room for a frame to send.
pub struct TxToken<'a>(&'a Queue);

impl phy::RxToken for RxToken {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut frame = vec![0u8; len];
        let r = f(&mut frame);
        self.0.borrow_mut().push_back(frame);
        r
    }
}

impl Device for QueueDevice {
    type RxToken<'a> = RxToken;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _: Instant) -> Option<(RxToken, TxToken<'_>)> {
        let frame = self.rx.borrow_mut().pop_front()?;
        Some((RxToken(frame), TxToken(&self.tx)))
    }

    fn transmit(&mut self, _: Instant) -> Option<TxToken<'_>> {
        Some(TxToken(&self.tx))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = 1514;
        caps
    }
}

impl QueueDevice {
    /// A smoltcp Ethernet interface with `mac` and `ip`/24 over this device.
    pub fn interface(&mut self, mac: [u8; 6], ip: [u8; 4]) -> smoltcp::iface::Interface {
        use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr};
        let config = smoltcp::iface::Config::new(HardwareAddress::Ethernet(EthernetAddress(mac)));
        let mut iface = smoltcp::iface::Interface::new(config, self, Instant::now());
        iface.update_ip_addrs(|a| {
            a.push(IpCidr::new(IpAddress::v4(ip[0], ip[1], ip[2], ip[3]), 24))
                .unwrap();
        });
        iface
    }
}

/// The clock of the stack instances [`instance!`] declares.
pub static CLOCK: net_core::StdClock = net_core::StdClock::new();

/// Declares a stack instance over the driver `static` `$driver` (one Ethernet interface,
/// pools and tables sized by the configuration, the clock [`CLOCK`] or the `static` given
/// third), all `static`: `stack_on!(STACK, DRIVER)`, `stack_on!(STACK, DRIVER, CLOCK)`.
#[macro_export]
macro_rules! stack_on {
    ($stack:ident, $driver:ident) => {
        $crate::stack_on!($stack, $driver, $crate::support::CLOCK);
    };
    ($stack:ident, $driver:ident, $clock:path) => {
        static $stack: ::net_core::Stack = {
            static POOLS: ::net_core::buf::ConfiguredPools =
                ::net_core::buf::ConfiguredPools::new();
            static IFACE_STATE: [::net_core::IfaceState; 1] = [::net_core::IfaceState::new()];
            static IFACES: [::net_core::Iface; 1] = [::net_core::Iface::new(
                "eth0",
                &$driver,
                ::net_core::L2Kind::Ethernet,
                0,
                &IFACE_STATE[0],
            )];
            static TCP: ::net_core::TcpTable = ::net_core::TcpTable::new();
            static STATE: ::net_core::StackState = ::net_core::StackState::new();
            ::net_core::Stack::new(&POOLS.pools(), &IFACES, &$clock, &TCP, &STATE)
        };
    };
}

/// Declares one stack instance on an in-process link end, all `static`:
/// `instance!(STACK, END, mac, seed)`, or with a clock of its own
/// `instance!(STACK, END, mac, seed, CLOCK)`.
#[macro_export]
macro_rules! instance {
    ($stack:ident, $end:ident, $mac:expr, $seed:expr) => {
        $crate::instance!($stack, $end, $mac, $seed, $crate::support::CLOCK);
    };
    ($stack:ident, $end:ident, $mac:expr, $seed:expr, $clock:path) => {
        static $end: ::net_core::drivers::link::LinkEnd =
            ::net_core::drivers::link::LinkEnd::new($mac, $seed);
        $crate::stack_on!($stack, $end, $clock);
    };
}
