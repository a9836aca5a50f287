//! Shared by net-core's integration tests and benchmarks (`mod support;`, or
//! `#[path = "../tests/support/mod.rs"] mod support;` from a benchmark): a repeatable byte
//! pattern, and smoltcp's side of an in-memory Ethernet link.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

/// `len` bytes of a repeatable pseudo-random pattern (xorshift from `seed`).
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
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
