//! The on-chip Ethernet controller of TI Stellaris (LM3S) MCUs, as QEMU's `stellaris` NIC
//! model emulates it on `lm3s6965evb` (Zephyr's `eth_stellaris`).
//!
//! The controller has no DMA: frames go through two FIFOs read and written one 32-bit word
//! at a time through the DATA register.
//!
//! - **RX**: NP counts the frames waiting. The first word of a frame holds its FIFO length
//!   in bytes 0-1 (the frame + 6: the 2 length bytes and the 4-byte CRC that follows the
//!   frame); the frame starts at byte 2. The driver drains every waiting frame from
//!   [`Stellaris::on_interrupt`], which the board calls from the Ethernet interrupt handler
//!   (NVIC line [`IRQ`]), into the RX pool through [`RxPath::alloc_rx`] and
//!   [`RxPath::recv`].
//! - **TX**: [`Driver::send`] waits (boundedly) until TR's NEWTX bit is clear, writes the
//!   first word with the payload length (the frame minus its 14-byte header) in bytes 0-1
//!   and the frame's first two bytes in bytes 2-3, the rest of the frame word by word, then
//!   sets TR.NEWTX. The controller pads to 60 bytes and appends the CRC.
//!
//! Errors are counted: frames dropped for want of an RX buffer, frames too long or too short
//! for the stack, FIFO overruns reported by the controller, and transmissions given up
//! because the TX FIFO stayed busy.
//!
//! Only the register helper [`Regs`] touches the hardware; the framing is plain functions
//! ([`tx_words`], [`rx_frame`]) tested on the host.
#![allow(unsafe_code)]

use core::cell::Cell;

use critical_section::Mutex;

use crate::buf::NetPkt;
use crate::counter::Counter;
use crate::drivers::{Driver, DriverError, LinkAddr, RxError, RxPath};

/// The controller's base address on the LM3S6965.
pub const BASE: usize = 0x4004_8000;
/// The controller's interrupt line on the NVIC (Ethernet, vector 58).
pub const IRQ: u16 = 42;

/// Largest frame the stack sends or accepts: 1500 bytes of payload, an 802.1Q-tagged header.
pub const MAX_FRAME: usize = 1500 + 18;
/// Smallest frame: an Ethernet header.
pub const MIN_FRAME: usize = 14;
/// How many times [`Driver::send`] reads TR before giving up with [`DriverError::Busy`].
pub const TX_SPIN_LIMIT: u32 = 100_000;

/// Register offsets (LM3S6965 data sheet, §15.5).
mod reg {
    /// Interrupt status (read) / acknowledge (write).
    pub const RIS_IACK: usize = 0x00;
    /// Interrupt mask.
    pub const IM: usize = 0x04;
    /// Receive control.
    pub const RCTL: usize = 0x08;
    /// Transmit control.
    pub const TCTL: usize = 0x0c;
    /// RX/TX FIFO data.
    pub const DATA: usize = 0x10;
    /// MAC address bytes 0-3.
    pub const IA0: usize = 0x14;
    /// MAC address bytes 4-5.
    pub const IA1: usize = 0x18;
    /// Number of frames in the RX FIFO.
    pub const NP: usize = 0x34;
    /// Transmission request.
    pub const TR: usize = 0x38;
}

/// Interrupt bits (RIS, IACK, IM).
mod int {
    /// A frame was received.
    pub const RX: u32 = 1 << 0;
    /// A transmit error.
    pub const TXER: u32 = 1 << 1;
    /// The RX FIFO overflowed.
    pub const FOV: u32 = 1 << 3;
    /// A receive error.
    pub const RXER: u32 = 1 << 4;
}

const RCTL_RXEN: u32 = 1 << 0;
const RCTL_AMUL: u32 = 1 << 1;
const RCTL_RSTFIFO: u32 = 1 << 4;
const TCTL_TXEN: u32 = 1 << 0;
const TCTL_PADEN: u32 = 1 << 1;
const TCTL_CRC: u32 = 1 << 2;
const TR_NEWTX: u32 = 1 << 0;

/// Volatile access to the controller's registers: the only unsafe code of the driver.
#[derive(Clone, Copy)]
struct Regs {
    base: usize,
}

impl Regs {
    fn read(self, offset: usize) -> u32 {
        // SAFETY: `base` is the controller's MMIO block ([`BASE`], valid on every SoC of
        // the Stellaris family this module is compiled for) and `offset` one of the
        // word-aligned register offsets in `reg`; a register read has no memory effects
        // beyond the device.
        unsafe { core::ptr::read_volatile((self.base + offset) as *const u32) }
    }

    fn write(self, offset: usize, value: u32) {
        // SAFETY: as in `read`: an aligned device register of the controller's block,
        // which no Rust object aliases.
        unsafe { core::ptr::write_volatile((self.base + offset) as *mut u32, value) }
    }
}

/// Why a received frame was not handed to the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The FIFO length is shorter than an Ethernet header (plus length and CRC).
    TooShort,
    /// The frame is longer than [`MAX_FRAME`] or than the buffer.
    TooLong,
}

/// The FIFO words of the frame `frame` (`len` bytes, delivered in `chunks`) as the TX FIFO
/// takes them, each passed to `emit`: first the payload length (`len` - 14) in bytes 0-1 and
/// the first two frame bytes in bytes 2-3, then the rest little-endian, the last word padded
/// with zeros. `len` must be at least [`MIN_FRAME`].
pub fn tx_words<'a>(
    len: usize,
    chunks: impl Iterator<Item = &'a [u8]>,
    mut emit: impl FnMut(u32),
) -> usize {
    let payload = len.saturating_sub(MIN_FRAME).min(0xffff) as u32;
    // Bytes 0-1 of the first word are the length; the frame follows from byte 2.
    let mut word = payload;
    let mut fill = 2;
    let mut words = 0;
    for chunk in chunks {
        for &b in chunk {
            word |= u32::from(b) << (8 * fill);
            fill += 1;
            if fill == 4 {
                emit(word);
                words += 1;
                word = 0;
                fill = 0;
            }
        }
    }
    if fill != 0 {
        emit(word);
        words += 1;
    }
    words
}

/// Reads one frame from the RX FIFO: `first` is its first word, `next` reads the following
/// ones. Every word of the frame is consumed whatever the outcome, so the FIFO stays in
/// step. On success the frame (without length and CRC) is in `out[..n]`.
pub fn rx_frame(
    first: u32,
    mut next: impl FnMut() -> u32,
    out: &mut [u8],
) -> Result<usize, FrameError> {
    let fifo_len = (first & 0xffff) as usize;
    // The words the controller gives for this frame: length, frame and CRC, rounded up.
    let words = fifo_len.div_ceil(4).max(1);
    let frame_len = fifo_len.saturating_sub(6);
    let verdict = if frame_len < MIN_FRAME {
        Err(FrameError::TooShort)
    } else if frame_len > MAX_FRAME || frame_len > out.len() {
        Err(FrameError::TooLong)
    } else {
        Ok(frame_len)
    };
    let mut put = |at: usize, b: u8| {
        if verdict.is_ok()
            && at < frame_len
            && let Some(slot) = out.get_mut(at)
        {
            *slot = b;
        }
    };
    put(0, (first >> 16) as u8);
    put(1, (first >> 24) as u8);
    for i in 1..words {
        let w = next().to_le_bytes();
        for (k, b) in w.into_iter().enumerate() {
            put(4 * i + k - 2, b);
        }
    }
    verdict
}

/// Where a started device delivers: the stack and the interface index.
type RxHook = Option<(&'static dyn RxPath, u8)>;

/// A Stellaris Ethernet controller.
pub struct Stellaris {
    regs: Regs,
    mac: [u8; 6],
    rx: Mutex<Cell<RxHook>>,
    rx_no_buffer: Counter,
    rx_errors: Counter,
    rx_overruns: Counter,
    tx_busy: Counter,
}

impl Stellaris {
    /// The controller of the LM3S6965 (at [`BASE`]) with MAC address `mac` (usable in
    /// `static`s). Only one may exist, and only on a Stellaris SoC (the driver is compiled
    /// for those boards only).
    pub const fn new(mac: [u8; 6]) -> Stellaris {
        Stellaris {
            regs: Regs { base: BASE },
            mac,
            rx: Mutex::new(Cell::new(None)),
            rx_no_buffer: Counter::new(),
            rx_errors: Counter::new(),
            rx_overruns: Counter::new(),
            tx_busy: Counter::new(),
        }
    }

    /// Frames dropped because the RX pool was exhausted.
    pub fn rx_no_buffer(&self) -> u32 {
        self.rx_no_buffer.get()
    }

    /// Frames dropped because they were too short or too long, or the controller reported a
    /// receive error.
    pub fn rx_errors(&self) -> u32 {
        self.rx_errors.get()
    }

    /// RX FIFO overruns reported by the controller (frames it dropped itself).
    pub fn rx_overruns(&self) -> u32 {
        self.rx_overruns.get()
    }

    /// Frames not sent because the TX FIFO stayed busy.
    pub fn tx_busy(&self) -> u32 {
        self.tx_busy.get()
    }

    /// The Ethernet interrupt: acknowledges it and moves every waiting frame into the RX
    /// pool. Call it from the handler of NVIC line [`IRQ`] (or from the main loop to poll).
    pub fn on_interrupt(&self) {
        let status = self.regs.read(reg::RIS_IACK);
        self.regs.write(reg::RIS_IACK, status);
        let hook = critical_section::with(|cs| self.rx.borrow(cs).get());
        let report = |e: RxError| {
            if let Some((rx, iface)) = hook {
                rx.rx_error(iface, e);
            }
        };
        if status & int::FOV != 0 {
            self.rx_overruns.inc();
            report(RxError::Overrun);
        }
        if status & int::RXER != 0 {
            self.rx_errors.inc();
            report(RxError::Device);
        }
        // The FIFO holds at most 31 frames; the bound keeps a misbehaving device from
        // holding the handler forever.
        for _ in 0..64 {
            if self.regs.read(reg::NP) == 0 {
                break;
            }
            let mut frame = [0u8; MAX_FRAME];
            let first = self.regs.read(reg::DATA);
            let got = rx_frame(first, || self.regs.read(reg::DATA), &mut frame);
            let Some((rx, iface)) = hook else {
                continue;
            };
            let n = match got {
                Ok(n) => n,
                Err(_) => {
                    self.rx_errors.inc();
                    rx.rx_error(iface, RxError::Length);
                    continue;
                }
            };
            let Some(bytes) = frame.get(..n) else {
                continue;
            };
            if !rx.recv_copy(iface, bytes) {
                self.rx_no_buffer.inc();
                rx.rx_error(iface, RxError::NoBuffer);
            }
        }
    }
}

impl Driver for Stellaris {
    fn link_addr(&self) -> LinkAddr {
        LinkAddr::ethernet(self.mac)
    }

    fn mtu(&self) -> u16 {
        1500
    }

    fn start(&'static self, rx: &'static dyn RxPath, iface: u8) -> Result<(), DriverError> {
        critical_section::with(|cs| self.rx.borrow(cs).set(Some((rx, iface))));
        let m = self.mac;
        self.regs
            .write(reg::IA0, u32::from_le_bytes([m[0], m[1], m[2], m[3]]));
        self.regs
            .write(reg::IA1, u32::from_le_bytes([m[4], m[5], 0, 0]));
        self.regs.write(reg::RCTL, RCTL_RSTFIFO);
        self.regs.write(reg::RCTL, RCTL_RXEN | RCTL_AMUL);
        self.regs
            .write(reg::TCTL, TCTL_TXEN | TCTL_PADEN | TCTL_CRC);
        self.regs.write(reg::RIS_IACK, u32::MAX);
        self.regs.write(reg::IM, int::RX | int::FOV | int::RXER);
        Ok(())
    }

    fn send(&self, frame: &NetPkt<'_>) -> Result<(), DriverError> {
        let len = frame.len();
        if len > MAX_FRAME {
            return Err(DriverError::TooLong);
        }
        if len < MIN_FRAME {
            return Err(DriverError::Io);
        }
        // One sender at a time; the RX interrupt uses other registers but must not read
        // DATA while a frame is half written either.
        critical_section::with(|_| {
            let mut spins = 0;
            while self.regs.read(reg::TR) & TR_NEWTX != 0 {
                spins += 1;
                if spins >= TX_SPIN_LIMIT {
                    self.tx_busy.inc();
                    return Err(DriverError::Busy);
                }
            }
            let status = self.regs.read(reg::RIS_IACK);
            if status & int::TXER != 0 {
                // Acknowledging TXER also empties the TX FIFO.
                self.regs.write(reg::RIS_IACK, int::TXER);
            }
            tx_words(len, frame.chunks(), |w| self.regs.write(reg::DATA, w));
            self.regs.write(reg::TR, TR_NEWTX);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + 3) as u8).collect()
    }

    /// The RX FIFO words QEMU produces for `f`: length (frame + 6), frame, CRC, zero pad.
    fn rx_fifo(f: &[u8]) -> Vec<u32> {
        let total = f.len() + 6;
        let mut bytes = vec![total as u8, (total >> 8) as u8];
        bytes.extend_from_slice(f);
        bytes.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        while bytes.len() % 4 != 0 {
            bytes.push(0);
        }
        bytes
            .chunks(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    #[test]
    fn tx_words_pack_length_then_frame() {
        for len in [14, 15, 16, 17, 60, 61, 1514, 1518] {
            let f = frame(len);
            // Split the frame in uneven chunks, as packet buffers would.
            let (a, b) = f.split_at(len / 3);
            let mut words = Vec::new();
            let n = tx_words(len, [a, b].into_iter(), |w| words.push(w));
            assert_eq!(n, words.len());
            assert_eq!(words.len(), (len + 2).div_ceil(4), "len {len}");
            assert_eq!(words[0] & 0xffff, (len - 14) as u32);
            let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
            assert_eq!(&bytes[2..2 + len], &f[..]);
            assert!(bytes[2 + len..].iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn rx_frame_round_trips_and_consumes_every_word() {
        for len in [14, 42, 60, 61, 62, 63, 1514, 1518] {
            let f = frame(len);
            let fifo = rx_fifo(&f);
            let mut it = fifo[1..].iter().copied();
            let mut out = [0u8; MAX_FRAME];
            let n = rx_frame(fifo[0], || it.next().unwrap(), &mut out).unwrap();
            assert_eq!(&out[..n], &f[..], "len {len}");
            assert_eq!(it.next(), None, "len {len}: words left in the FIFO");
        }
    }

    #[test]
    fn rx_frame_rejects_but_drains_bad_lengths() {
        // Too long for the stack.
        let f = frame(MAX_FRAME + 1);
        let fifo = rx_fifo(&f);
        let mut it = fifo[1..].iter().copied();
        let mut out = [0u8; MAX_FRAME];
        assert_eq!(
            rx_frame(fifo[0], || it.next().unwrap(), &mut out),
            Err(FrameError::TooLong)
        );
        assert_eq!(it.next(), None);
        // Too long for the buffer.
        let fifo = rx_fifo(&frame(100));
        let mut it = fifo[1..].iter().copied();
        let mut small = [0u8; 64];
        assert_eq!(
            rx_frame(fifo[0], || it.next().unwrap(), &mut small),
            Err(FrameError::TooLong)
        );
        assert_eq!(it.next(), None);
        // Runts and a zero length never read past their words.
        for first in [0u32, 6, 19] {
            let mut reads = 0;
            let r = rx_frame(
                first,
                || {
                    reads += 1;
                    0
                },
                &mut out,
            );
            assert_eq!(r, Err(FrameError::TooShort));
            assert_eq!(reads, (first as usize).div_ceil(4).max(1) - 1);
        }
    }
}
