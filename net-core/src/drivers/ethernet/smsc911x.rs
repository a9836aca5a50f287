//! The SMSC LAN9118/LAN9220 Ethernet controller (the LAN911x family) of Arm's MPS2 FPGA
//! images, as QEMU's `lan9118` NIC model emulates it on `mps2-an385` (Zephyr's
//! `eth_smsc911x`).
//!
//! The controller has no DMA: frames go through FIFOs read and written one 32-bit word at a
//! time, and the MAC's own registers sit behind an indirect window (MAC_CSR_CMD/DATA).
//!
//! - **RX**: every received frame leaves one word in the RX status FIFO (its length, CRC
//!   included, in bits 29:16, and its error bits) and its bytes, followed by the CRC, in the
//!   RX data FIFO. The RX status FIFO level interrupt (RSFL, level 0: one frame is enough)
//!   fires on NVIC line [`IRQ`]; [`Smsc911x::on_interrupt`], which the board calls from the
//!   handler, drains every waiting frame into the RX pool through [`RxPath::alloc_rx`] and
//!   [`RxPath::recv`].
//! - **TX**: [`Driver::send`] waits (boundedly) for room in the TX data FIFO, then writes TX
//!   command A (first and last segment, buffer size), TX command B (tag and frame length)
//!   and the frame word by word. The controller pads short frames and appends the CRC. The
//!   TX status words the controller leaves are collected on the next send.
//!
//! Errors are counted: frames dropped for want of an RX buffer, frames too long or too short
//! for the stack or flagged bad by the controller, frames the controller dropped itself (RX
//! overrun), transmissions given up because the TX FIFO stayed full, and transmit errors.
//!
//! Only the register helper [`Regs`] touches the hardware; the framing is plain functions
//! ([`tx_words`], [`RxStatus`], [`rx_frame`], [`tx_status_error`]) tested on the host.
//! The PHY is left at its reset state (auto-negotiation on), which is all QEMU's model needs.
#![allow(unsafe_code)]

use core::cell::Cell;

use critical_section::Mutex;

use crate::buf::NetPkt;
use crate::counter::Counter;
use crate::drivers::{Driver, DriverError, LinkAddr, RxError, RxPath};

/// The controller's base address on the MPS2 AN385 (and AN386/AN500).
pub const BASE: usize = 0x4020_0000;
/// The controller's interrupt line on the NVIC of AN385 (QEMU's `hw/arm/mps2.c` wires the
/// LAN9118 to line 13 on every MPS2 image except AN511).
pub const IRQ: u16 = 13;

/// Largest frame the stack sends or accepts: 1500 bytes of payload, an 802.1Q-tagged header.
pub const MAX_FRAME: usize = 1500 + 18;
/// Smallest frame: an Ethernet header.
pub const MIN_FRAME: usize = 14;
/// How many times a bounded wait (TX FIFO room, reset, MAC CSR access) polls its register
/// before giving up.
pub const SPIN_LIMIT: u32 = 100_000;
/// The value of BYTE_TEST on every LAN911x: tells a present, correctly wired chip.
pub const BYTE_TEST_VALUE: u32 = 0x8765_4321;

/// Register offsets (LAN9118 data sheet, §5.3).
pub mod reg {
    /// RX data FIFO port (0x00-0x1c alias it).
    pub const RX_DATA_FIFO: usize = 0x00;
    /// TX data FIFO port (0x20-0x3c alias it).
    pub const TX_DATA_FIFO: usize = 0x20;
    /// RX status FIFO port (pops).
    pub const RX_STATUS_FIFO: usize = 0x40;
    /// RX status FIFO peek (does not pop).
    pub const RX_STATUS_FIFO_PEEK: usize = 0x44;
    /// TX status FIFO port (pops).
    pub const TX_STATUS_FIFO: usize = 0x48;
    /// Chip ID (bits 31:16) and revision.
    pub const ID_REV: usize = 0x50;
    /// Interrupt pin configuration.
    pub const IRQ_CFG: usize = 0x54;
    /// Interrupt status (write 1 to clear).
    pub const INT_STS: usize = 0x58;
    /// Interrupt enable.
    pub const INT_EN: usize = 0x5c;
    /// Reads [`super::BYTE_TEST_VALUE`].
    pub const BYTE_TEST: usize = 0x64;
    /// FIFO level interrupt thresholds.
    pub const FIFO_INT: usize = 0x68;
    /// Receive configuration.
    pub const RX_CFG: usize = 0x6c;
    /// Transmit configuration.
    pub const TX_CFG: usize = 0x70;
    /// Hardware configuration (soft reset).
    pub const HW_CFG: usize = 0x74;
    /// RX datapath control (fast-forward).
    pub const RX_DP_CTRL: usize = 0x78;
    /// RX FIFO information: status words used (23:16), data bytes used (15:0).
    pub const RX_FIFO_INF: usize = 0x7c;
    /// TX FIFO information: status words used (23:16), data bytes free (15:0).
    pub const TX_FIFO_INF: usize = 0x80;
    /// Power management control (READY).
    pub const PMT_CTRL: usize = 0x84;
    /// MAC CSR command: busy, read/write, MAC register index.
    pub const MAC_CSR_CMD: usize = 0xa4;
    /// MAC CSR data.
    pub const MAC_CSR_DATA: usize = 0xa8;
}

/// The indirect MAC registers (through MAC_CSR_CMD/MAC_CSR_DATA).
pub mod mac {
    /// MAC control.
    pub const MAC_CR: u8 = 1;
    /// MAC address bytes 4-5.
    pub const ADDRH: u8 = 2;
    /// MAC address bytes 0-3.
    pub const ADDRL: u8 = 3;
}

/// Interrupt bits (INT_STS, INT_EN).
mod int {
    /// RX status FIFO level: at least one frame waits.
    pub const RSFL: u32 = 1 << 3;
    /// The controller dropped a received frame (RX FIFO full).
    pub const RXDF: u32 = 1 << 6;
    /// Transmitter error.
    pub const TXE: u32 = 1 << 13;
    /// Receiver error (e.g. an RX FIFO underflow).
    pub const RXE: u32 = 1 << 14;
}

const IRQ_CFG_TYPE_PUSH_PULL: u32 = 1 << 0;
const IRQ_CFG_POL_HIGH: u32 = 1 << 4;
const IRQ_CFG_EN: u32 = 1 << 8;
const HW_CFG_SRST: u32 = 1 << 0;
const PMT_CTRL_READY: u32 = 1 << 0;
const TX_CFG_TX_ON: u32 = 1 << 1;
const MAC_CSR_BUSY: u32 = 1 << 31;
const MAC_CSR_READ: u32 = 1 << 30;
const MAC_CR_RXEN: u32 = 1 << 2;
const MAC_CR_TXEN: u32 = 1 << 3;
const MAC_CR_FDPX: u32 = 1 << 20;
const MAC_CR_MCPAS: u32 = 1 << 19;

/// TX command A: interrupt on completion (not used).
pub const TX_CMD_A_IOC: u32 = 1 << 31;
/// TX command A: this buffer is the first segment of the frame.
pub const TX_CMD_A_FIRST_SEG: u32 = 1 << 13;
/// TX command A: this buffer is the last segment of the frame.
pub const TX_CMD_A_LAST_SEG: u32 = 1 << 12;
/// TX status: error summary.
pub const TX_STS_ES: u32 = 1 << 15;
/// RX status: the frame failed the address filter.
pub const RX_STS_FILTER_FAIL: u32 = 1 << 30;
/// RX status: error summary (CRC, runt, too long, collision, ...).
pub const RX_STS_ES: u32 = 1 << 15;

/// Volatile access to the controller's registers: the only unsafe code of the driver.
#[derive(Clone, Copy)]
struct Regs {
    base: usize,
}

impl Regs {
    fn read(self, offset: usize) -> u32 {
        // SAFETY: `base` is the controller's MMIO block ([`BASE`], valid on the MPS2 images
        // this module is compiled for) and `offset` one of the word-aligned register offsets
        // in `reg`; the block is device memory, not aliased by any Rust object. Reads of the
        // FIFO ports pop the device's FIFOs, which only this driver uses.
        unsafe { core::ptr::read_volatile((self.base + offset) as *const u32) }
    }

    fn write(self, offset: usize, value: u32) {
        // SAFETY: as in `read`: an aligned device register of the controller's block,
        // which no Rust object aliases.
        unsafe { core::ptr::write_volatile((self.base + offset) as *mut u32, value) }
    }

    /// Polls `offset` until `done` holds for its value, at most [`SPIN_LIMIT`] times.
    fn wait(self, offset: usize, done: impl Fn(u32) -> bool) -> Option<u32> {
        (0..SPIN_LIMIT)
            .map(|_| self.read(offset))
            .find(|&v| done(v))
    }

    /// Writes the indirect MAC register `index`.
    fn mac_write(self, index: u8, value: u32) -> Result<(), DriverError> {
        self.wait(reg::MAC_CSR_CMD, |v| v & MAC_CSR_BUSY == 0)
            .ok_or(DriverError::Busy)?;
        self.write(reg::MAC_CSR_DATA, value);
        self.write(reg::MAC_CSR_CMD, mac_csr_cmd(index, false));
        self.wait(reg::MAC_CSR_CMD, |v| v & MAC_CSR_BUSY == 0)
            .map(|_| ())
            .ok_or(DriverError::Busy)
    }
}

/// The MAC_CSR_CMD word that starts a read (`read`) or write of MAC register `index`.
pub const fn mac_csr_cmd(index: u8, read: bool) -> u32 {
    MAC_CSR_BUSY | if read { MAC_CSR_READ } else { 0 } | (index as u32 & 0xff)
}

/// The values of the MAC registers ADDRL and ADDRH for the address `mac`.
pub const fn mac_addr_regs(mac: [u8; 6]) -> (u32, u32) {
    (
        u32::from_le_bytes([mac[0], mac[1], mac[2], mac[3]]),
        u32::from_le_bytes([mac[4], mac[5], 0, 0]),
    )
}

/// TX command A for a frame of `len` bytes sent as one buffer: first and last segment, no
/// data start offset, 4-byte end alignment, the buffer size in bits 10:0.
pub const fn tx_command_a(len: usize) -> u32 {
    TX_CMD_A_FIRST_SEG | TX_CMD_A_LAST_SEG | (len as u32 & 0x7ff)
}

/// TX command B for a frame of `len` bytes: the packet tag (bits 31:16, echoed in the TX
/// status; the length here) and the frame length (bits 10:0).
pub const fn tx_command_b(len: usize) -> u32 {
    ((len as u32 & 0xffff) << 16) | (len as u32 & 0x7ff)
}

/// Whether a TX status word reports a transmit error.
pub const fn tx_status_error(status: u32) -> bool {
    status & TX_STS_ES != 0
}

/// Bytes of TX data FIFO a `len`-byte frame takes: the two command words and the frame
/// rounded up to whole words.
pub const fn tx_fifo_bytes(len: usize) -> usize {
    8 + len.div_ceil(4) * 4
}

/// The TX FIFO words of the frame `frame` (`len` bytes, delivered in `chunks`), each passed
/// to `emit`: command A, command B, then the frame little-endian, the last word padded with
/// zeros. Returns the number of words.
pub fn tx_words<'a>(
    len: usize,
    chunks: impl Iterator<Item = &'a [u8]>,
    mut emit: impl FnMut(u32),
) -> usize {
    emit(tx_command_a(len));
    emit(tx_command_b(len));
    let mut words = 2;
    let mut word = 0u32;
    let mut fill = 0;
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

/// A word of the RX status FIFO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RxStatus(pub u32);

impl RxStatus {
    /// The frame's length in the RX data FIFO, its 4-byte CRC included (bits 29:16).
    pub const fn fifo_len(self) -> usize {
        ((self.0 >> 16) & 0x3fff) as usize
    }

    /// The frame's length without its CRC.
    pub const fn frame_len(self) -> usize {
        self.fifo_len().saturating_sub(4)
    }

    /// How many RX data FIFO words hold the frame (no data offset, 4-byte end alignment):
    /// all of them must be read to reach the next frame.
    pub const fn words(self) -> usize {
        self.fifo_len().div_ceil(4)
    }

    /// Whether the controller flagged the frame bad (error summary) or it failed the
    /// address filter.
    pub const fn is_error(self) -> bool {
        self.0 & (RX_STS_ES | RX_STS_FILTER_FAIL) != 0
    }
}

/// Why a received frame was not handed to the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The controller flagged the frame in its status word.
    Bad,
    /// The frame is shorter than an Ethernet header.
    TooShort,
    /// The frame is longer than [`MAX_FRAME`] or than the buffer.
    TooLong,
}

/// Reads the frame whose status word is `status` from the RX data FIFO, `next` reading one
/// word. Every word of the frame (CRC included) is consumed whatever the outcome, so the
/// FIFO stays in step. On success the frame (without CRC) is in `out[..n]`.
pub fn rx_frame(
    status: RxStatus,
    mut next: impl FnMut() -> u32,
    out: &mut [u8],
) -> Result<usize, FrameError> {
    let frame_len = status.frame_len();
    let verdict = if status.is_error() {
        Err(FrameError::Bad)
    } else if frame_len < MIN_FRAME {
        Err(FrameError::TooShort)
    } else if frame_len > MAX_FRAME || frame_len > out.len() {
        Err(FrameError::TooLong)
    } else {
        Ok(frame_len)
    };
    for i in 0..status.words() {
        let w = next().to_le_bytes();
        if verdict.is_err() {
            continue;
        }
        for (k, b) in w.into_iter().enumerate() {
            let at = 4 * i + k;
            if at < frame_len
                && let Some(slot) = out.get_mut(at)
            {
                *slot = b;
            }
        }
    }
    verdict
}

/// Where a started device delivers: the stack and the interface index.
type RxHook = Option<(&'static dyn RxPath, u8)>;

/// A LAN9118/LAN9220 Ethernet controller.
pub struct Smsc911x {
    regs: Regs,
    mac: [u8; 6],
    rx: Mutex<Cell<RxHook>>,
    rx_no_buffer: Counter,
    rx_errors: Counter,
    rx_overruns: Counter,
    tx_busy: Counter,
    tx_errors: Counter,
}

impl Smsc911x {
    /// The controller of the MPS2 board (at [`BASE`]) with MAC address `mac` (usable in
    /// `static`s). Only one may exist, and only on an MPS2 image (the driver is compiled for
    /// those boards only).
    pub const fn new(mac: [u8; 6]) -> Smsc911x {
        Smsc911x {
            regs: Regs { base: BASE },
            mac,
            rx: Mutex::new(Cell::new(None)),
            rx_no_buffer: Counter::new(),
            rx_errors: Counter::new(),
            rx_overruns: Counter::new(),
            tx_busy: Counter::new(),
            tx_errors: Counter::new(),
        }
    }

    /// Frames dropped because the RX pool was exhausted.
    pub fn rx_no_buffer(&self) -> u32 {
        self.rx_no_buffer.get()
    }

    /// Frames dropped because they were too short or too long, or the controller flagged
    /// them or reported a receive error.
    pub fn rx_errors(&self) -> u32 {
        self.rx_errors.get()
    }

    /// Frames the controller dropped itself because its RX FIFO was full.
    pub fn rx_overruns(&self) -> u32 {
        self.rx_overruns.get()
    }

    /// Frames not sent because the TX FIFO stayed full.
    pub fn tx_busy(&self) -> u32 {
        self.tx_busy.get()
    }

    /// Frames the controller reported as failed in their TX status, and transmitter errors.
    pub fn tx_errors(&self) -> u32 {
        self.tx_errors.get()
    }

    /// The Ethernet interrupt: acknowledges it and moves every waiting frame into the RX
    /// pool. Call it from the handler of NVIC line [`IRQ`] (or from the main loop to poll).
    pub fn on_interrupt(&self) {
        // Acknowledge first: a frame arriving while the FIFO drains raises RSFL again, so
        // none is left behind without an interrupt.
        let status = self.regs.read(reg::INT_STS);
        self.regs.write(reg::INT_STS, status);
        let hook = critical_section::with(|cs| self.rx.borrow(cs).get());
        let report = |e: RxError| {
            if let Some((rx, iface)) = hook {
                rx.rx_error(iface, e);
            }
        };
        if status & int::RXDF != 0 {
            self.rx_overruns.inc();
            report(RxError::Overrun);
        }
        if status & int::RXE != 0 {
            self.rx_errors.inc();
            report(RxError::Device);
        }
        if status & int::TXE != 0 {
            self.tx_errors.inc();
        }
        // The bound keeps a misbehaving device from holding the handler forever; frames left
        // over keep RSFL raised.
        for _ in 0..64 {
            if (self.regs.read(reg::RX_FIFO_INF) >> 16) & 0xff == 0 {
                break;
            }
            let rx_status = RxStatus(self.regs.read(reg::RX_STATUS_FIFO));
            let mut frame = [0u8; MAX_FRAME];
            let got = rx_frame(rx_status, || self.regs.read(reg::RX_DATA_FIFO), &mut frame);
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

    /// Collects the TX status words of finished transmissions, counting failures.
    fn reap_tx_status(&self) {
        for _ in 0..32 {
            if (self.regs.read(reg::TX_FIFO_INF) >> 16) & 0xff == 0 {
                break;
            }
            if tx_status_error(self.regs.read(reg::TX_STATUS_FIFO)) {
                self.tx_errors.inc();
            }
        }
    }
}

impl Driver for Smsc911x {
    fn link_addr(&self) -> LinkAddr {
        LinkAddr::ethernet(self.mac)
    }

    fn mtu(&self) -> u16 {
        1500
    }

    fn start(&'static self, rx: &'static dyn RxPath, iface: u8) -> Result<(), DriverError> {
        let r = self.regs;
        if r.read(reg::BYTE_TEST) != BYTE_TEST_VALUE {
            return Err(DriverError::Io);
        }
        // Soft reset, then wait for the chip to come back.
        r.write(reg::HW_CFG, HW_CFG_SRST);
        r.wait(reg::HW_CFG, |v| v & HW_CFG_SRST == 0)
            .ok_or(DriverError::Io)?;
        r.wait(reg::PMT_CTRL, |v| v & PMT_CTRL_READY != 0)
            .ok_or(DriverError::Io)?;
        critical_section::with(|cs| self.rx.borrow(cs).set(Some((rx, iface))));

        let (low, high) = mac_addr_regs(self.mac);
        r.mac_write(mac::ADDRL, low)?;
        r.mac_write(mac::ADDRH, high)?;
        // Own address and broadcast; every multicast frame (IPv6 neighbor discovery needs
        // the solicited-node groups; the stack filters them).
        r.mac_write(
            mac::MAC_CR,
            MAC_CR_TXEN | MAC_CR_RXEN | MAC_CR_FDPX | MAC_CR_MCPAS,
        )?;
        // No RX data offset, 4-byte end alignment; TX on.
        r.write(reg::RX_CFG, 0);
        r.write(reg::TX_CFG, TX_CFG_TX_ON);
        // RX status level 0: RSFL as soon as one frame waits.
        let fifo_int = r.read(reg::FIFO_INT);
        r.write(reg::FIFO_INT, fifo_int & !0xff);
        r.write(reg::INT_STS, u32::MAX);
        r.write(reg::INT_EN, int::RSFL | int::RXDF | int::RXE | int::TXE);
        // An active-high, push-pull interrupt line (the reset value is active low).
        r.write(
            reg::IRQ_CFG,
            IRQ_CFG_EN | IRQ_CFG_POL_HIGH | IRQ_CFG_TYPE_PUSH_PULL,
        );
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
        let need = tx_fifo_bytes(len) as u32;
        // One sender at a time: a frame's words must reach the FIFO together.
        critical_section::with(|_| {
            self.reap_tx_status();
            if self
                .regs
                .wait(reg::TX_FIFO_INF, |v| v & 0xffff >= need)
                .is_none()
            {
                self.tx_busy.inc();
                return Err(DriverError::Busy);
            }
            tx_words(len, frame.chunks(), |w| {
                self.regs.write(reg::TX_DATA_FIFO, w)
            });
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

    /// The RX status word and data FIFO words QEMU's lan9118 produces for `f`: the status
    /// holds the length with CRC; the data are the frame then the CRC, little-endian.
    fn rx_fifo(f: &[u8], extra_status: u32) -> (RxStatus, Vec<u32>) {
        let mut bytes = f.to_vec();
        bytes.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        while !bytes.len().is_multiple_of(4) {
            bytes.push(0);
        }
        let words = bytes
            .chunks(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        (
            RxStatus((((f.len() + 4) as u32) << 16) | extra_status),
            words,
        )
    }

    #[test]
    fn command_words() {
        assert_eq!(tx_command_a(60), 0x0000_303c);
        assert_eq!(tx_command_a(1514), 0x3000 | 1514);
        assert_eq!(tx_command_b(60), 0x003c_003c);
        assert_eq!(tx_command_b(1518), (1518 << 16) | 1518);
        assert_eq!(tx_command_a(1518) & TX_CMD_A_IOC, 0);
        assert_eq!(mac_csr_cmd(mac::MAC_CR, false), 0x8000_0001);
        assert_eq!(mac_csr_cmd(mac::ADDRL, true), 0xc000_0003);
        assert_eq!(
            mac_addr_regs([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]),
            (0x1200_5452, 0x0000_5634)
        );
        assert_eq!(tx_fifo_bytes(14), 24);
        assert_eq!(tx_fifo_bytes(1514), 1524);
        assert!(tx_status_error(0x003c_8000));
        assert!(!tx_status_error(0x003c_0000));
    }

    #[test]
    fn tx_words_pack_commands_then_frame() {
        for len in [14, 15, 16, 17, 60, 61, 1514, 1518] {
            let f = frame(len);
            // Split the frame in uneven chunks, as packet buffers would.
            let (a, b) = f.split_at(len / 3);
            let mut words = Vec::new();
            let n = tx_words(len, [a, b].into_iter(), |w| words.push(w));
            assert_eq!(n, words.len());
            assert_eq!(words.len(), 2 + len.div_ceil(4), "len {len}");
            assert_eq!(words.len() * 4, tx_fifo_bytes(len));
            assert_eq!(words[0], tx_command_a(len));
            assert_eq!(words[1], tx_command_b(len));
            let bytes: Vec<u8> = words[2..].iter().flat_map(|w| w.to_le_bytes()).collect();
            assert_eq!(&bytes[..len], &f[..]);
            assert!(bytes[len..].iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn rx_status_fields() {
        let s = RxStatus(0x0040_2000);
        assert_eq!(s.fifo_len(), 64);
        assert_eq!(s.frame_len(), 60);
        assert_eq!(s.words(), 16);
        assert!(!s.is_error());
        assert_eq!(RxStatus(0x0043_0000).words(), 17);
        assert!(RxStatus(0x0040_8000).is_error());
        assert!(RxStatus(0x4040_0000).is_error());
        assert_eq!(RxStatus(0).frame_len(), 0);
    }

    #[test]
    fn rx_frame_round_trips_and_consumes_every_word() {
        for len in [14, 42, 60, 61, 62, 63, 1514, 1518] {
            let f = frame(len);
            let (status, fifo) = rx_fifo(&f, 0);
            let mut it = fifo.iter().copied();
            let mut out = [0u8; MAX_FRAME];
            let n = rx_frame(status, || it.next().unwrap(), &mut out).unwrap();
            assert_eq!(&out[..n], &f[..], "len {len}");
            assert_eq!(it.next(), None, "len {len}: words left in the FIFO");
        }
    }

    #[test]
    fn rx_frame_rejects_but_drains_bad_frames() {
        let mut out = [0u8; MAX_FRAME];
        let cases: [(usize, u32, usize, FrameError); 4] = [
            (MAX_FRAME + 1, 0, MAX_FRAME, FrameError::TooLong),
            (100, 0, 64, FrameError::TooLong),
            (60, RX_STS_ES | 0x2, MAX_FRAME, FrameError::Bad),
            (10, 0, MAX_FRAME, FrameError::TooShort),
        ];
        for (len, extra, room, want) in cases {
            let (status, fifo) = rx_fifo(&frame(len), extra);
            let mut it = fifo.iter().copied();
            assert_eq!(
                rx_frame(status, || it.next().unwrap(), &mut out[..room]),
                Err(want),
                "len {len}"
            );
            assert_eq!(it.next(), None, "len {len}: words left in the FIFO");
        }
        // A zero status reads nothing.
        let mut reads = 0;
        let r = rx_frame(
            RxStatus(0),
            || {
                reads += 1;
                0
            },
            &mut out,
        );
        assert_eq!(r, Err(FrameError::TooShort));
        assert_eq!(reads, 0);
    }
}
