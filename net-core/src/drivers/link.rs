//! An in-process Ethernet link between two stack instances, with loss, duplication,
//! reordering and delay injected, for tests and benchmarks (`std`).
//!
//! Each [`LinkEnd`] is a driver. A frame sent on one end is copied and, after the
//! impairments, handed to the other end's stack. Impairments use a seeded generator, so a
//! test run is repeatable. Without delay or reordering a frame is delivered inside `send`;
//! otherwise it waits in the link until [`LinkEnd::pump`] runs.

use std::collections::VecDeque;
use std::sync::Mutex;

use crate::buf::NetPkt;
use crate::drivers::{Driver, DriverError, LinkAddr, RxPath};

/// What the link does to frames.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Impairments {
    /// Probability (0..1) that a frame is lost.
    pub loss: f64,
    /// Probability that a frame is delivered twice.
    pub duplicate: f64,
    /// Probability that a frame is held back behind the next one.
    pub reorder: f64,
    /// Delay of every frame, in milliseconds.
    pub delay_ms: u64,
}

/// Counters of one direction of the link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Frames sent into the link.
    pub sent: u64,
    /// Frames delivered to the peer (duplicates included).
    pub delivered: u64,
    /// Frames the link dropped on purpose.
    pub lost: u64,
    /// Extra copies delivered.
    pub duplicated: u64,
    /// Frames delivered out of order.
    pub reordered: u64,
    /// Frames the peer could not take (its RX pool was exhausted).
    pub rx_full: u64,
}

/// Where this end's frames go: the peer's receive path and interface.
type Target = (&'static dyn RxPath, u8);

struct Inner {
    rng: u64,
    impair: Impairments,
    in_flight: VecDeque<(u64, Vec<u8>)>,
    held: Option<Vec<u8>>,
    stats: LinkStats,
    /// The peer's receive path, looked up once (two more locks) and kept here, so that
    /// a frame without impairments takes this one lock only. Cleared when either end is
    /// connected again or the peer is started again.
    target: Option<Target>,
}

/// One end of a link: the driver of one interface.
pub struct LinkEnd {
    mac: [u8; 6],
    mtu: u16,
    rx: Mutex<Option<(&'static dyn RxPath, u8)>>,
    peer: Mutex<Option<&'static LinkEnd>>,
    inner: Mutex<Inner>,
    clock: fn() -> u64,
}

fn now_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64
}

impl LinkEnd {
    /// An end with this MAC address (usable in `static`s); connect two with [`connect`].
    pub const fn new(mac: [u8; 6], seed: u64) -> LinkEnd {
        LinkEnd {
            mac,
            mtu: 1500,
            rx: Mutex::new(None),
            peer: Mutex::new(None),
            inner: Mutex::new(Inner {
                rng: seed | 1,
                impair: Impairments {
                    loss: 0.0,
                    duplicate: 0.0,
                    reorder: 0.0,
                    delay_ms: 0,
                },
                in_flight: VecDeque::new(),
                held: None,
                stats: LinkStats {
                    sent: 0,
                    delivered: 0,
                    lost: 0,
                    duplicated: 0,
                    reordered: 0,
                    rx_full: 0,
                },
                target: None,
            }),
            clock: now_ms,
        }
    }

    /// Sets the impairments of frames sent from this end.
    pub fn set_impairments(&self, impair: Impairments) {
        self.lock().impair = impair;
    }

    /// Counters of frames sent from this end.
    pub fn stats(&self) -> LinkStats {
        self.lock().stats
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The peer's receive path, from the cache in `g` or looked up (and cached).
    fn target(&self, g: &mut Inner) -> Option<Target> {
        if g.target.is_none() {
            let peer = *self.peer.lock().unwrap_or_else(|e| e.into_inner());
            g.target = peer.and_then(|p| *p.rx.lock().unwrap_or_else(|e| e.into_inner()));
        }
        g.target
    }

    fn deliver(&self, frame: &[u8]) -> bool {
        let target = self.target(&mut self.lock());
        let Some((rx, iface)) = target else {
            return false;
        };
        rx.recv_copy(iface, frame)
    }

    /// Like [`deliver`](Self::deliver), from the blocks of a packet, to `target`.
    fn deliver_pkt(target: Option<Target>, frame: &NetPkt<'_>) -> bool {
        let Some((rx, iface)) = target else {
            return false;
        };
        let Some(mut pkt) = rx.alloc_rx(iface, frame.len()) else {
            return false;
        };
        if pkt.append_chunks(frame.chunks()).is_err() {
            return false;
        }
        rx.recv(iface, pkt);
        true
    }

    fn count_delivery(&self, ok: bool) {
        let mut g = self.lock();
        if ok {
            g.stats.delivered += 1;
        } else {
            g.stats.rx_full += 1;
        }
    }

    /// Delivers the frames whose delay has passed; returns how many.
    pub fn pump(&self) -> usize {
        // The clock is read only when a frame waits: an idle link costs a lock, not a
        // clock read, in the polling loops of the tests and benchmarks.
        let mut now = None;
        let mut n = 0;
        loop {
            let next = {
                let mut g = self.lock();
                match g.in_flight.front() {
                    Some((at, _)) if *at <= *now.get_or_insert_with(self.clock) => {
                        g.in_flight.pop_front().map(|(_, f)| f)
                    }
                    _ => None,
                }
            };
            let Some(frame) = next else { break };
            let ok = self.deliver(&frame);
            self.count_delivery(ok);
            n += 1;
        }
        n
    }

    /// Frames waiting in the link.
    pub fn in_flight(&self) -> usize {
        let g = self.lock();
        g.in_flight.len() + usize::from(g.held.is_some())
    }
}

fn next_f64(rng: &mut u64) -> f64 {
    // xorshift64*: plenty for impairment decisions, and repeatable from the seed.
    *rng ^= *rng >> 12;
    *rng ^= *rng << 25;
    *rng ^= *rng >> 27;
    (rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
}

/// Connects two ends (each `static`).
pub fn connect(a: &'static LinkEnd, b: &'static LinkEnd) {
    *a.peer.lock().unwrap_or_else(|e| e.into_inner()) = Some(b);
    *b.peer.lock().unwrap_or_else(|e| e.into_inner()) = Some(a);
    a.lock().target = None;
    b.lock().target = None;
}

impl Driver for LinkEnd {
    fn link_addr(&self) -> LinkAddr {
        LinkAddr::ethernet(self.mac)
    }

    fn mtu(&self) -> u16 {
        self.mtu
    }

    fn start(&'static self, rx: &'static dyn RxPath, iface: u8) -> Result<(), DriverError> {
        *self.rx.lock().unwrap_or_else(|e| e.into_inner()) = Some((rx, iface));
        // The peer may have cached the previous receive path.
        let peer = *self.peer.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(peer) = peer {
            peer.lock().target = None;
        }
        Ok(())
    }

    fn send(&self, frame: &NetPkt<'_>) -> Result<(), DriverError> {
        if frame.len() > usize::from(self.mtu) + 18 {
            return Err(DriverError::TooLong);
        }
        // Fast path without impairments (nothing held back either): the frame goes
        // straight from the packet into the peer's, with no copy on the heap. The
        // generator still advances as below, so a test that turns impairments on later
        // sees the same decisions.
        // One lock per frame: the delivery is counted before it happens and corrected in
        // the rare case the peer's pool is full.
        {
            let mut g = self.lock();
            if g.impair == Impairments::default() && g.held.is_none() {
                g.stats.sent += 1;
                g.stats.delivered += 1;
                for _ in 0..3 {
                    next_f64(&mut g.rng);
                }
                let target = self.target(&mut g);
                drop(g);
                if !Self::deliver_pkt(target, frame) {
                    let mut g = self.lock();
                    g.stats.delivered -= 1;
                    g.stats.rx_full += 1;
                }
                return Ok(());
            }
        }
        let mut bytes = Vec::with_capacity(frame.len());
        for c in frame.chunks() {
            bytes.extend_from_slice(c);
        }
        let now = (self.clock)();
        // Decide under the lock; deliver outside it (delivery re-enters the peer).
        let mut immediate: Vec<Vec<u8>> = Vec::new();
        {
            let mut g = self.lock();
            g.stats.sent += 1;
            let imp = g.impair;
            if next_f64(&mut g.rng) < imp.loss {
                g.stats.lost += 1;
                return Ok(());
            }
            let copies = if next_f64(&mut g.rng) < imp.duplicate {
                g.stats.duplicated += 1;
                2
            } else {
                1
            };
            let hold = next_f64(&mut g.rng) < imp.reorder;
            for _ in 0..copies {
                let mut out = vec![bytes.clone()];
                if hold && g.held.is_none() {
                    g.held = out.pop();
                    g.stats.reordered += 1;
                    continue;
                }
                if let Some(h) = g.held.take() {
                    out.push(h);
                }
                for f in out {
                    if imp.delay_ms == 0 {
                        immediate.push(f);
                    } else {
                        g.in_flight.push_back((now + imp.delay_ms, f));
                    }
                }
            }
        }
        for f in immediate {
            let ok = self.deliver(&f);
            self.count_delivery(ok);
        }
        Ok(())
    }
}

/// Releases a frame held for reordering when no further frame came to overtake it.
impl LinkEnd {
    /// Delivers a held-back frame now (call when the sender went quiet).
    pub fn flush_held(&self) {
        let held = self.lock().held.take();
        if let Some(f) = held {
            let ok = self.deliver(&f);
            self.count_delivery(ok);
        }
    }
}
