//! The loopback driver: every packet sent comes back as a received one on the same
//! interface (dummy L2, no link header). Used by `qemu_cortex_m0`, which has no NIC, and
//! by tests.

use core::cell::Cell;

use critical_section::Mutex;

use crate::buf::NetPkt;
use crate::drivers::{Driver, DriverError, LinkAddr, RxPath};

/// Where a started device delivers: the stack and the interface index.
type RxHook = Option<(&'static dyn RxPath, u8)>;

/// A loopback device.
pub struct Loopback {
    rx: Mutex<Cell<RxHook>>,
    dropped: crate::counter::Counter,
}

impl Default for Loopback {
    fn default() -> Self {
        Self::new()
    }
}

impl Loopback {
    /// A loopback device (usable in `static`s).
    pub const fn new() -> Loopback {
        Loopback {
            rx: Mutex::new(Cell::new(None)),
            dropped: crate::counter::Counter::new(),
        }
    }

    /// Packets that could not be looped back because the RX pool was exhausted.
    pub fn dropped(&self) -> u32 {
        self.dropped.get()
    }
}

impl Driver for Loopback {
    fn link_addr(&self) -> LinkAddr {
        LinkAddr::NONE
    }

    fn mtu(&self) -> u16 {
        crate::config::CONFIG_NET_LOOPBACK_MTU as u16
    }

    fn start(&'static self, rx: &'static dyn RxPath, iface: u8) -> Result<(), DriverError> {
        critical_section::with(|cs| self.rx.borrow(cs).set(Some((rx, iface))));
        Ok(())
    }

    fn send(&self, frame: &NetPkt<'_>) -> Result<(), DriverError> {
        let Some((rx, iface)) = critical_section::with(|cs| self.rx.borrow(cs).get()) else {
            return Err(DriverError::Down);
        };
        if frame.len() > usize::from(self.mtu()) {
            return Err(DriverError::TooLong);
        }
        let Some(mut copy) = rx.alloc_rx(iface, frame.len()) else {
            self.dropped.inc();
            return Err(DriverError::Busy);
        };
        if copy.append_chunks(frame.chunks()).is_err() {
            self.dropped.inc();
            return Err(DriverError::Busy);
        }
        rx.recv(iface, copy);
        Ok(())
    }
}
