//! The virtio-net paravirtual NIC (virtio 1.x) behind a virtio-mmio transport, as QEMU's
//! `virtio-net-device` on the riscv `virt` machine (Zephyr's `virtio_net`).
//!
//! - **Transport**: virtio-mmio version 2 (the "modern" register layout; QEMU needs
//!   `-global virtio-mmio.force-legacy=false`). [`Driver::start`] probes
//!   [`MMIO_SLOTS`] transports from [`MMIO_BASE`], 4 KiB apart, for the magic value
//!   [`MAGIC`] and device ID [`DEVICE_ID_NET`], resets the device, negotiates
//!   `VIRTIO_F_VERSION_1` (required) and `VIRTIO_NET_F_MAC` ([`negotiate`]; no offloads, no
//!   mergeable RX buffers, no event index), and sets up two split virtqueues: RX (queue 0)
//!   and TX (queue 1). Slot `n` raises platform interrupt [`MMIO_IRQ`]` + n`
//!   ([`VirtioNet::irq`]); the board enables it (the PLIC on `virt`).
//! - **Virtqueues** ([`Virtqueue`]): descriptor table, available ring and used ring in one
//!   static per queue, with one buffer of [`BUF_LEN`] bytes per descriptor (the 12-byte
//!   [`NetHdr`] and a full frame). The RX queue has [`RX_BUFFERS`] buffers
//!   (`CONFIG_ETH_VIRTIO_NET_RX_BUFFERS`), the TX queue [`TX_BUFFERS`]
//!   (`CONFIG_ETH_VIRTIO_NET_TX_BUFFERS`); each queue's size is the next power of two.
//! - **RX**: every RX buffer is posted (device-writable) at start.
//!   [`VirtioNet::on_interrupt`], which the board calls from the interrupt handler,
//!   acknowledges the interrupt, takes every frame from the RX used ring into the stack's RX
//!   pool through [`RxPath::alloc_rx`] and [`RxPath::recv`], puts each buffer straight back
//!   into the available ring and notifies the device once.
//! - **TX**: [`Driver::send`] reclaims the descriptors the device has used, waits (boundedly)
//!   for a free one when all are in flight, copies a zero [`NetHdr`] and the frame into its
//!   buffer, publishes it and notifies the device. The TX queue asks for no interrupts.
//!
//! Memory ordering: a descriptor and its buffer are written before the available ring entry,
//! which is written before the ring index (a fence between each step, and before the notify
//! register write); the used index is read before the used ring entry and the buffer (a
//! fence between). Ring fields the device writes are read with volatile loads.
//!
//! Errors are counted: frames dropped for want of an RX buffer in the stack, frames too
//! short or too long, used-ring entries naming a descriptor the driver did not post (a
//! device fault), transmissions given up because no TX descriptor came back in time.
//!
//! Only [`Regs`] (the transport's registers) and [`Virtqueue`]'s accessors of the shared
//! memory are `unsafe`; the ring logic is tested on the host against a simulated device
//! (runs under miri: no MMIO there).
#![allow(unsafe_code)]

use core::cell::{Cell, UnsafeCell};
use core::sync::atomic::{Ordering, fence};

use critical_section::{CriticalSection, Mutex};

pub use super::offload::{NET_HDR_LEN, NetHdr};
use crate::buf::NetPkt;
use crate::counter::Counter;
use crate::drivers::{Driver, DriverError, LinkAddr, RxError, RxPath};

/// Receive buffers posted to the device (`CONFIG_ETH_VIRTIO_NET_RX_BUFFERS`).
#[cfg(CONFIG_ETH_VIRTIO_NET)]
pub const RX_BUFFERS: usize = crate::config::CONFIG_ETH_VIRTIO_NET_RX_BUFFERS;
/// Transmit buffers (`CONFIG_ETH_VIRTIO_NET_TX_BUFFERS`).
#[cfg(CONFIG_ETH_VIRTIO_NET)]
pub const TX_BUFFERS: usize = crate::config::CONFIG_ETH_VIRTIO_NET_TX_BUFFERS;
/// virtio-mmio transports probed (`CONFIG_ETH_VIRTIO_NET_MMIO_SLOTS`).
#[cfg(CONFIG_ETH_VIRTIO_NET)]
pub const MMIO_SLOTS: usize = crate::config::CONFIG_ETH_VIRTIO_NET_MMIO_SLOTS;
/// Address of the first transport (`CONFIG_ETH_VIRTIO_NET_MMIO_BASE`).
#[cfg(CONFIG_ETH_VIRTIO_NET)]
pub const MMIO_BASE: usize = crate::config::CONFIG_ETH_VIRTIO_NET_MMIO_BASE as usize;
/// Interrupt line of the first transport (`CONFIG_ETH_VIRTIO_NET_MMIO_IRQ`).
#[cfg(CONFIG_ETH_VIRTIO_NET)]
pub const MMIO_IRQ: u32 = crate::config::CONFIG_ETH_VIRTIO_NET_MMIO_IRQ as u32;

// Host unit tests compile the driver without its Kconfig symbols: the defaults.
/// Receive buffers posted to the device (`CONFIG_ETH_VIRTIO_NET_RX_BUFFERS`).
#[cfg(not(CONFIG_ETH_VIRTIO_NET))]
pub const RX_BUFFERS: usize = 4;
/// Transmit buffers (`CONFIG_ETH_VIRTIO_NET_TX_BUFFERS`).
#[cfg(not(CONFIG_ETH_VIRTIO_NET))]
pub const TX_BUFFERS: usize = 4;
/// virtio-mmio transports probed (`CONFIG_ETH_VIRTIO_NET_MMIO_SLOTS`).
#[cfg(not(CONFIG_ETH_VIRTIO_NET))]
pub const MMIO_SLOTS: usize = 8;
/// Address of the first transport (`CONFIG_ETH_VIRTIO_NET_MMIO_BASE`).
#[cfg(not(CONFIG_ETH_VIRTIO_NET))]
pub const MMIO_BASE: usize = 0x1000_1000;
/// Interrupt line of the first transport (`CONFIG_ETH_VIRTIO_NET_MMIO_IRQ`).
#[cfg(not(CONFIG_ETH_VIRTIO_NET))]
pub const MMIO_IRQ: u32 = 1;

/// Distance between two virtio-mmio transports.
pub const MMIO_STRIDE: usize = 0x1000;
/// The value of MagicValue on every virtio-mmio transport ("virt" little-endian).
pub const MAGIC: u32 = 0x7472_6976;
/// The transport version of virtio 1.x (modern) devices; 1 is the legacy interface.
pub const MMIO_VERSION: u32 = 2;
/// DeviceID of a network card.
pub const DEVICE_ID_NET: u32 = 1;
/// The RX virtqueue's index.
pub const RX_QUEUE: u32 = 0;
/// The TX virtqueue's index.
pub const TX_QUEUE: u32 = 1;

/// Largest frame the stack sends or accepts: 1500 bytes of payload, an 802.1Q-tagged header.
pub const MAX_FRAME: usize = 1500 + 18;
/// Smallest frame: an Ethernet header.
pub const MIN_FRAME: usize = 14;
/// One buffer: the header and a full frame (no mergeable RX buffers are negotiated, so a
/// received frame must fit one buffer).
pub const BUF_LEN: usize = NET_HDR_LEN + MAX_FRAME;
/// How many times a bounded wait (reset, a free TX descriptor) polls before giving up.
pub const SPIN_LIMIT: u32 = 100_000;

/// The size of a virtqueue holding `buffers` buffers: split virtqueues have a power-of-two
/// size.
pub const fn queue_size(buffers: usize) -> usize {
    buffers.next_power_of_two()
}

/// Descriptors of the RX virtqueue.
pub const RX_QUEUE_SIZE: usize = queue_size(RX_BUFFERS);
/// Descriptors of the TX virtqueue.
pub const TX_QUEUE_SIZE: usize = queue_size(TX_BUFFERS);

/// Register offsets of the virtio-mmio transport, version 2 (virtio 1.2, §4.2.2).
pub mod reg {
    /// 0x74726976.
    pub const MAGIC_VALUE: usize = 0x000;
    /// 2 for virtio 1.x, 1 for legacy devices.
    pub const VERSION: usize = 0x004;
    /// The device type (1: network card, 0: empty slot).
    pub const DEVICE_ID: usize = 0x008;
    /// The 32 feature bits selected by DEVICE_FEATURES_SEL.
    pub const DEVICE_FEATURES: usize = 0x010;
    /// Which 32 feature bits DEVICE_FEATURES shows.
    pub const DEVICE_FEATURES_SEL: usize = 0x014;
    /// The 32 accepted feature bits selected by DRIVER_FEATURES_SEL.
    pub const DRIVER_FEATURES: usize = 0x020;
    /// Which 32 feature bits DRIVER_FEATURES takes.
    pub const DRIVER_FEATURES_SEL: usize = 0x024;
    /// The virtqueue the QUEUE_* registers address.
    pub const QUEUE_SEL: usize = 0x030;
    /// The largest size the selected queue may have (0: no such queue).
    pub const QUEUE_NUM_MAX: usize = 0x034;
    /// The selected queue's size.
    pub const QUEUE_NUM: usize = 0x038;
    /// The selected queue is ready (1) or not (0).
    pub const QUEUE_READY: usize = 0x044;
    /// Write a queue index: that queue has new available buffers.
    pub const QUEUE_NOTIFY: usize = 0x050;
    /// Why the device interrupted ([`super::INT_USED_BUFFER`], [`super::INT_CONFIG_CHANGE`]).
    pub const INTERRUPT_STATUS: usize = 0x060;
    /// Write the handled INTERRUPT_STATUS bits.
    pub const INTERRUPT_ACK: usize = 0x064;
    /// The device status ([`super::status`]); writing 0 resets the device.
    pub const STATUS: usize = 0x070;
    /// Descriptor table address, low 32 bits.
    pub const QUEUE_DESC_LOW: usize = 0x080;
    /// Descriptor table address, high 32 bits.
    pub const QUEUE_DESC_HIGH: usize = 0x084;
    /// Available ring address, low 32 bits.
    pub const QUEUE_DRIVER_LOW: usize = 0x090;
    /// Available ring address, high 32 bits.
    pub const QUEUE_DRIVER_HIGH: usize = 0x094;
    /// Used ring address, low 32 bits.
    pub const QUEUE_DEVICE_LOW: usize = 0x0a0;
    /// Used ring address, high 32 bits.
    pub const QUEUE_DEVICE_HIGH: usize = 0x0a4;
    /// Changes whenever the device changes its configuration space.
    pub const CONFIG_GENERATION: usize = 0x0fc;
    /// The device configuration space (`struct virtio_net_config`: MAC first).
    pub const CONFIG: usize = 0x100;
}

/// Device status bits (virtio 1.2, §2.1).
pub mod status {
    /// The driver has noticed the device.
    pub const ACKNOWLEDGE: u32 = 1;
    /// The driver knows how to drive it.
    pub const DRIVER: u32 = 2;
    /// The driver is set up and ready to drive the device.
    pub const DRIVER_OK: u32 = 4;
    /// Feature negotiation is complete.
    pub const FEATURES_OK: u32 = 8;
    /// The device hit an error it cannot recover from without a reset.
    pub const DEVICE_NEEDS_RESET: u32 = 64;
    /// The driver gave up on the device.
    pub const FAILED: u32 = 128;
}

/// Feature bits (virtio 1.2, §5.1.3 and §6).
pub mod feature {
    /// The device has a MAC address in its configuration space.
    pub const NET_F_MAC: u64 = 1 << 5;
    /// The device complies with virtio 1.x (not legacy).
    pub const VERSION_1: u64 = 1 << 32;
}

/// INTERRUPT_STATUS: a virtqueue has used buffers.
pub const INT_USED_BUFFER: u32 = 1 << 0;
/// INTERRUPT_STATUS: the configuration space changed.
pub const INT_CONFIG_CHANGE: u32 = 1 << 1;

/// Descriptor flag: the buffer continues in `next`.
pub const VIRTQ_DESC_F_NEXT: u16 = 1;
/// Descriptor flag: the device writes the buffer (RX).
pub const VIRTQ_DESC_F_WRITE: u16 = 2;
/// Available ring flag: do not interrupt when this queue's buffers are used.
pub const VIRTQ_AVAIL_F_NO_INTERRUPT: u16 = 1;

/// Why feature negotiation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeatureError {
    /// The device does not offer `VIRTIO_F_VERSION_1`: a legacy device.
    NotVersion1,
}

/// The features the driver accepts of the `offered` ones: `VIRTIO_F_VERSION_1` (required)
/// and `VIRTIO_NET_F_MAC` when offered. Nothing else: no checksum or segmentation offloads,
/// no mergeable RX buffers, no event index, no control queue.
pub const fn negotiate(offered: u64) -> Result<u64, FeatureError> {
    if offered & feature::VERSION_1 == 0 {
        return Err(FeatureError::NotVersion1);
    }
    Ok(offered & (feature::VERSION_1 | feature::NET_F_MAC))
}

/// Why a received buffer was not handed to the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// Shorter than the header and an Ethernet header.
    TooShort,
    /// Longer than a buffer or than [`MAX_FRAME`].
    TooLong,
}

/// The frame in a received buffer of which the device wrote `used_len` bytes (the header
/// and the frame), as a range of the buffer.
pub fn rx_frame(used_len: usize) -> Result<core::ops::Range<usize>, FrameError> {
    if used_len < NET_HDR_LEN + MIN_FRAME {
        Err(FrameError::TooShort)
    } else if used_len > BUF_LEN {
        Err(FrameError::TooLong)
    } else {
        Ok(NET_HDR_LEN..used_len)
    }
}

/// Writes a TX buffer into `buf`: a zero [`NetHdr`], then the frame from `chunks` (`len`
/// bytes). Returns the bytes written (the descriptor's length), or `None` when the frame
/// does not fit or the chunks do not add up to `len`.
pub fn tx_fill<'a>(
    buf: &mut [u8],
    len: usize,
    chunks: impl Iterator<Item = &'a [u8]>,
) -> Option<usize> {
    let total = NET_HDR_LEN.checked_add(len)?;
    let out = buf.get_mut(..total)?;
    let (hdr, mut rest) = out.split_at_mut(NET_HDR_LEN);
    hdr.copy_from_slice(&NetHdr::default().to_bytes());
    for chunk in chunks {
        let (dst, tail) = core::mem::take(&mut rest).split_at_mut_checked(chunk.len())?;
        dst.copy_from_slice(chunk);
        rest = tail;
    }
    rest.is_empty().then_some(total)
}

/// A split-virtqueue descriptor (virtio 1.2, §2.7.5), little-endian like the target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(16))]
pub struct Desc {
    /// Guest-physical address of the buffer.
    pub addr: u64,
    /// Length of the buffer.
    pub len: u32,
    /// `VIRTQ_DESC_F_*`.
    pub flags: u16,
    /// The next descriptor of a chain (with [`VIRTQ_DESC_F_NEXT`]).
    pub next: u16,
}

/// The available ring (driver to device).
#[repr(C, align(2))]
struct Avail<const N: usize> {
    flags: u16,
    idx: u16,
    ring: [u16; N],
    used_event: u16,
}

/// An element of the used ring: the head descriptor of a used chain and the bytes written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct UsedElem {
    /// The head descriptor's index.
    pub id: u32,
    /// Bytes the device wrote into the chain.
    pub len: u32,
}

/// The used ring (device to driver).
#[repr(C, align(4))]
struct Used<const N: usize> {
    flags: u16,
    idx: u16,
    ring: [UsedElem; N],
    avail_event: u16,
}

/// What the device reads and writes: the three rings and one buffer per descriptor.
#[repr(C)]
struct Shared<const N: usize> {
    desc: [Desc; N],
    avail: Avail<N>,
    used: Used<N>,
    bufs: [[u8; BUF_LEN]; N],
}

/// The driver's own bookkeeping of a queue.
struct State<const N: usize> {
    /// The next available ring index to fill (free-running, wraps at 2^16).
    next_avail: u16,
    /// The next used ring index to read.
    last_used: u16,
    /// Free descriptors, a stack: `free[..free_len]`.
    free: [u16; N],
    free_len: usize,
    /// Which descriptors the device holds.
    posted: [bool; N],
}

/// A used-ring entry the driver did not expect: a device fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadUsed(pub UsedElem);

/// No free descriptor (all buffers are with the device).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueFull;

/// One split virtqueue of `N` descriptors (a power of two) with a [`BUF_LEN`]-byte buffer
/// each, one buffer per descriptor (no chains). Usable in `static`s; every method takes a
/// [`CriticalSection`], which is what makes the interior mutability sound.
pub struct Virtqueue<const N: usize> {
    shared: UnsafeCell<Shared<N>>,
    state: UnsafeCell<State<N>>,
}

// SAFETY: the cells are only reached through methods that take a `CriticalSection`, so one
// context at a time touches the queue (the interrupt handler and the main loop of a single
// hart exclude each other that way; on std the critical section is a global lock). The
// device's concurrent accesses are to the rings and posted buffers, which the driver
// touches only with volatile accesses through raw pointers, ordered by fences.
unsafe impl<const N: usize> Sync for Virtqueue<N> {}

impl<const N: usize> Default for Virtqueue<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Virtqueue<N> {
    /// An unconfigured queue (all zero: it lands in `.bss`).
    pub const fn new() -> Self {
        assert!(N.is_power_of_two() && N <= 32768, "virtqueue size");
        Virtqueue {
            shared: UnsafeCell::new(Shared {
                desc: [Desc {
                    addr: 0,
                    len: 0,
                    flags: 0,
                    next: 0,
                }; N],
                avail: Avail {
                    flags: 0,
                    idx: 0,
                    ring: [0; N],
                    used_event: 0,
                },
                used: Used {
                    flags: 0,
                    idx: 0,
                    ring: [UsedElem { id: 0, len: 0 }; N],
                    avail_event: 0,
                },
                bufs: [[0; BUF_LEN]; N],
            }),
            state: UnsafeCell::new(State {
                next_avail: 0,
                last_used: 0,
                free: [0; N],
                free_len: 0,
                posted: [false; N],
            }),
        }
    }

    /// The queue's size.
    pub const fn size(&self) -> usize {
        N
    }

    /// The addresses the device is given: descriptor table, available ring, used ring.
    pub fn addrs(&self) -> (u64, u64, u64) {
        let s = self.shared.get();
        // SAFETY: `addr_of!` on the cell's pointer only computes field addresses: no
        // reference is made and no memory is read.
        unsafe {
            (
                core::ptr::addr_of!((*s).desc).addr() as u64,
                core::ptr::addr_of!((*s).avail).addr() as u64,
                core::ptr::addr_of!((*s).used).addr() as u64,
            )
        }
    }

    /// The driver's state. Only one exists at a time: callers hold the critical section and
    /// do not keep it across calls.
    #[allow(clippy::mut_from_ref)]
    fn state(&self, _cs: CriticalSection<'_>) -> &mut State<N> {
        // SAFETY: `state` is never seen by the device; the critical section excludes every
        // other context, and each method drops this borrow before it returns or runs a
        // caller's closure, so no two `&mut` to it coexist.
        unsafe { &mut *self.state.get() }
    }

    /// Resets the queue before the device gets it: descriptors point at their buffers
    /// ([`BUF_LEN`] long, device-writable when `device_writes`), both rings are empty, every
    /// descriptor is free. `no_interrupt` asks the device not to interrupt when it uses
    /// buffers of this queue.
    pub fn reset(&self, cs: CriticalSection<'_>, device_writes: bool, no_interrupt: bool) {
        let s = self.shared.get();
        for i in 0..N {
            // SAFETY: `s` points to this queue's shared memory; the device does not own the
            // queue while it is being reset (before QUEUE_READY), and the critical section
            // excludes other driver contexts. `i < N`.
            unsafe {
                let buf = core::ptr::addr_of!((*s).bufs[i]).addr() as u64;
                core::ptr::write_volatile(
                    core::ptr::addr_of_mut!((*s).desc[i]),
                    Desc {
                        addr: buf,
                        len: BUF_LEN as u32,
                        flags: if device_writes { VIRTQ_DESC_F_WRITE } else { 0 },
                        next: 0,
                    },
                );
                core::ptr::write_volatile(core::ptr::addr_of_mut!((*s).avail.ring[i]), 0);
                core::ptr::write_volatile(
                    core::ptr::addr_of_mut!((*s).used.ring[i]),
                    UsedElem::default(),
                );
            }
        }
        // SAFETY: as above.
        unsafe {
            let flags = if no_interrupt {
                VIRTQ_AVAIL_F_NO_INTERRUPT
            } else {
                0
            };
            core::ptr::write_volatile(core::ptr::addr_of_mut!((*s).avail.flags), flags);
            core::ptr::write_volatile(core::ptr::addr_of_mut!((*s).avail.idx), 0);
            core::ptr::write_volatile(core::ptr::addr_of_mut!((*s).avail.used_event), 0);
            core::ptr::write_volatile(core::ptr::addr_of_mut!((*s).used.flags), 0);
            core::ptr::write_volatile(core::ptr::addr_of_mut!((*s).used.idx), 0);
            core::ptr::write_volatile(core::ptr::addr_of_mut!((*s).used.avail_event), 0);
        }
        let st = self.state(cs);
        st.next_avail = 0;
        st.last_used = 0;
        // Hand out descriptor 0 first.
        for (slot, i) in st.free.iter_mut().zip((0..N).rev()) {
            *slot = i as u16;
        }
        st.free_len = N;
        st.posted = [false; N];
        fence(Ordering::SeqCst);
    }

    /// Free descriptors (buffers the driver may fill).
    pub fn free(&self, cs: CriticalSection<'_>) -> usize {
        self.state(cs).free_len
    }

    /// Takes a free descriptor, lets `fill` write its buffer and say how many bytes the
    /// device gets (the descriptor's length; `None` puts the descriptor back and fails), and
    /// makes it available to the device. The device still has to be notified. Returns the
    /// descriptor's index.
    pub fn push(
        &self,
        cs: CriticalSection<'_>,
        fill: impl FnOnce(&mut [u8]) -> Option<usize>,
    ) -> Result<u16, QueueFull> {
        let id = {
            let st = self.state(cs);
            if st.free_len == 0 {
                return Err(QueueFull);
            }
            st.free_len -= 1;
            st.free[st.free_len]
        };
        let s = self.shared.get();
        let idx = usize::from(id) % N;
        // SAFETY: descriptor `id` was free, so the device does not own its buffer: this is
        // the only reference to it while `fill` runs. `idx < N`.
        let buf = unsafe { &mut *core::ptr::addr_of_mut!((*s).bufs[idx]) };
        let Some(len) = fill(buf).filter(|&l| l <= BUF_LEN) else {
            let st = self.state(cs);
            st.free[st.free_len] = id;
            st.free_len += 1;
            return Err(QueueFull);
        };
        let st = self.state(cs);
        st.posted[idx] = true;
        let slot = usize::from(st.next_avail) % N;
        st.next_avail = st.next_avail.wrapping_add(1);
        let next_avail = st.next_avail;
        // SAFETY: the descriptor is not yet available to the device; the available ring
        // entry `slot` is past the index the device reads up to, so the device does not read
        // it until the index moves. Fences order buffer, descriptor, entry and index.
        unsafe {
            core::ptr::write_volatile(core::ptr::addr_of_mut!((*s).desc[idx].len), len as u32);
            fence(Ordering::SeqCst);
            core::ptr::write_volatile(core::ptr::addr_of_mut!((*s).avail.ring[slot]), id);
            fence(Ordering::SeqCst);
            core::ptr::write_volatile(core::ptr::addr_of_mut!((*s).avail.idx), next_avail);
        }
        fence(Ordering::SeqCst);
        Ok(id)
    }

    /// The next used buffer, if the device has returned one: `f` sees its first `len` bytes
    /// (clamped to the buffer), then the descriptor is free again. An entry naming a
    /// descriptor the device does not hold is consumed and reported as [`BadUsed`].
    pub fn pop_used<R>(
        &self,
        cs: CriticalSection<'_>,
        f: impl FnOnce(&[u8], UsedElem) -> R,
    ) -> Option<Result<R, BadUsed>> {
        let s = self.shared.get();
        let last = self.state(cs).last_used;
        // SAFETY: the used index is written by the device; a volatile read of an aligned
        // u16 in this queue's memory.
        let used_idx = unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*s).used.idx)) };
        if used_idx == last {
            return None;
        }
        // The entry (and the buffer) are read after the index that published them.
        fence(Ordering::SeqCst);
        let slot = usize::from(last) % N;
        // SAFETY: entries before `used_idx` are the device's finished writes; `slot < N`.
        let elem = unsafe { core::ptr::read_volatile(core::ptr::addr_of!((*s).used.ring[slot])) };
        let st = self.state(cs);
        st.last_used = last.wrapping_add(1);
        let idx = elem.id as usize;
        if idx >= N || !st.posted[idx] {
            return Some(Err(BadUsed(elem)));
        }
        st.posted[idx] = false;
        let len = (elem.len as usize).min(BUF_LEN);
        // SAFETY: the device has returned descriptor `idx`, so it no longer writes its
        // buffer; the descriptor is not free yet, so nothing else borrows it. `idx < N`.
        let buf = unsafe { &*core::ptr::addr_of!((*s).bufs[idx]) };
        let r = f(buf.get(..len).unwrap_or_default(), elem);
        let st = self.state(cs);
        st.free[st.free_len] = idx as u16;
        st.free_len += 1;
        Some(Ok(r))
    }
}

/// Volatile access to one virtio-mmio transport: the only MMIO of the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Regs {
    base: usize,
}

impl Regs {
    fn read(self, offset: usize) -> u32 {
        // SAFETY: `base` is a virtio-mmio transport of the platform ([`MMIO_BASE`] +
        // n * [`MMIO_STRIDE`], n < [`MMIO_SLOTS`], valid on the boards this driver is
        // compiled for) and `offset` one of the aligned register offsets in `reg`; device
        // memory that no Rust object aliases.
        unsafe { core::ptr::read_volatile((self.base + offset) as *const u32) }
    }

    fn write(self, offset: usize, value: u32) {
        // SAFETY: as in `read`.
        unsafe { core::ptr::write_volatile((self.base + offset) as *mut u32, value) }
    }

    fn config_byte(self, at: usize) -> u8 {
        // SAFETY: as in `read`: a byte of the device configuration space, which virtio-mmio
        // allows to be read with byte accesses.
        unsafe { core::ptr::read_volatile((self.base + reg::CONFIG + at) as *const u8) }
    }

    /// The 64 feature bits the device offers.
    fn device_features(self) -> u64 {
        self.write(reg::DEVICE_FEATURES_SEL, 0);
        let low = self.read(reg::DEVICE_FEATURES);
        self.write(reg::DEVICE_FEATURES_SEL, 1);
        let high = self.read(reg::DEVICE_FEATURES);
        u64::from(high) << 32 | u64::from(low)
    }

    fn set_driver_features(self, features: u64) {
        self.write(reg::DRIVER_FEATURES_SEL, 0);
        self.write(reg::DRIVER_FEATURES, features as u32);
        self.write(reg::DRIVER_FEATURES_SEL, 1);
        self.write(reg::DRIVER_FEATURES, (features >> 32) as u32);
    }

    /// The MAC address in the configuration space, read until the configuration generation
    /// is stable.
    fn mac(self) -> [u8; 6] {
        let mut mac = [0u8; 6];
        for _ in 0..16 {
            let before = self.read(reg::CONFIG_GENERATION);
            for (i, b) in mac.iter_mut().enumerate() {
                *b = self.config_byte(i);
            }
            if self.read(reg::CONFIG_GENERATION) == before {
                break;
            }
        }
        mac
    }

    fn add_status(self, bits: u32) {
        let s = self.read(reg::STATUS);
        self.write(reg::STATUS, s | bits);
    }

    /// Hands queue `index` (memory of `q`, `q.size()` descriptors) to the device.
    fn setup_queue<const N: usize>(self, index: u32, q: &Virtqueue<N>) -> Result<(), DriverError> {
        self.write(reg::QUEUE_SEL, index);
        if self.read(reg::QUEUE_READY) != 0 {
            return Err(DriverError::Io);
        }
        let max = self.read(reg::QUEUE_NUM_MAX) as usize;
        if max < N {
            return Err(DriverError::Io);
        }
        self.write(reg::QUEUE_NUM, N as u32);
        let (desc, driver, device) = q.addrs();
        self.write(reg::QUEUE_DESC_LOW, desc as u32);
        self.write(reg::QUEUE_DESC_HIGH, (desc >> 32) as u32);
        self.write(reg::QUEUE_DRIVER_LOW, driver as u32);
        self.write(reg::QUEUE_DRIVER_HIGH, (driver >> 32) as u32);
        self.write(reg::QUEUE_DEVICE_LOW, device as u32);
        self.write(reg::QUEUE_DEVICE_HIGH, (device >> 32) as u32);
        self.write(reg::QUEUE_READY, 1);
        Ok(())
    }

    fn notify(self, queue: u32) {
        // The ring writes reach memory before the device is told.
        fence(Ordering::SeqCst);
        self.write(reg::QUEUE_NOTIFY, queue);
    }
}

/// What a probe of one transport found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// No transport, or no device in the slot.
    Empty,
    /// A virtio-mmio transport of another version (1: legacy) with a network device.
    LegacyNet,
    /// A virtio 1.x transport with a device that is not a network card.
    Other,
    /// A virtio 1.x network device.
    Net,
}

/// Classifies a transport from its MagicValue, Version and DeviceID registers.
pub const fn probe(magic: u32, version: u32, device_id: u32) -> Probe {
    if magic != MAGIC || device_id == 0 {
        Probe::Empty
    } else if device_id != DEVICE_ID_NET {
        Probe::Other
    } else if version != MMIO_VERSION {
        Probe::LegacyNet
    } else {
        Probe::Net
    }
}

/// The transport the driver found at start: its registers and interrupt line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Found {
    regs: Regs,
    irq: u32,
}

/// Where a started device delivers: the stack and the interface index.
type RxHook = Option<(&'static dyn RxPath, u8)>;

/// The RX virtqueue (queue 0), in `.bss`.
static RX_VQ: Virtqueue<RX_QUEUE_SIZE> = Virtqueue::new();
/// The TX virtqueue (queue 1), in `.bss`.
static TX_VQ: Virtqueue<TX_QUEUE_SIZE> = Virtqueue::new();

/// A virtio-net device on a virtio-mmio transport.
pub struct VirtioNet {
    mac: [u8; 6],
    found: Mutex<Cell<Option<Found>>>,
    device_mac: Mutex<Cell<Option<[u8; 6]>>>,
    rx: Mutex<Cell<RxHook>>,
    rx_no_buffer: Counter,
    rx_errors: Counter,
    tx_busy: Counter,
    tx_errors: Counter,
    device_errors: Counter,
}

impl VirtioNet {
    /// The machine's virtio-net device, found at start, with MAC address `mac` (usable in
    /// `static`s). The stack uses `mac`; run QEMU with the same `mac=` on the device (as
    /// `netcfg run` does). Only one may exist: the virtqueues are this module's statics.
    pub const fn new(mac: [u8; 6]) -> VirtioNet {
        VirtioNet {
            mac,
            found: Mutex::new(Cell::new(None)),
            device_mac: Mutex::new(Cell::new(None)),
            rx: Mutex::new(Cell::new(None)),
            rx_no_buffer: Counter::new(),
            rx_errors: Counter::new(),
            tx_busy: Counter::new(),
            tx_errors: Counter::new(),
            device_errors: Counter::new(),
        }
    }

    /// The interrupt line of the device's transport, once started: the board enables it
    /// (PLIC source on `virt`) and calls [`VirtioNet::on_interrupt`] when it fires.
    pub fn irq(&self) -> Option<u32> {
        critical_section::with(|cs| self.found.borrow(cs).get().map(|f| f.irq))
    }

    /// The MAC address in the device's configuration space (`VIRTIO_NET_F_MAC`), once
    /// started.
    pub fn device_mac(&self) -> Option<[u8; 6]> {
        critical_section::with(|cs| self.device_mac.borrow(cs).get())
    }

    /// Frames dropped because the stack's RX pool was exhausted.
    pub fn rx_no_buffer(&self) -> u32 {
        self.rx_no_buffer.get()
    }

    /// Frames dropped because they were too short or too long.
    pub fn rx_errors(&self) -> u32 {
        self.rx_errors.get()
    }

    /// Frames not sent because no TX descriptor came back from the device in time.
    pub fn tx_busy(&self) -> u32 {
        self.tx_busy.get()
    }

    /// Frames not sent because they did not fit a buffer.
    pub fn tx_errors(&self) -> u32 {
        self.tx_errors.get()
    }

    /// Device faults: used-ring entries naming a descriptor the driver had not posted, and
    /// the device reporting that it needs a reset.
    pub fn device_errors(&self) -> u32 {
        self.device_errors.get()
    }

    /// The device's interrupt: acknowledges it, moves every received frame into the RX pool
    /// and reposts its buffer, and reclaims sent TX buffers. Call it from the interrupt
    /// handler of [`VirtioNet::irq`] (or from the main loop to poll).
    pub fn on_interrupt(&self) {
        let Some(found) = critical_section::with(|cs| self.found.borrow(cs).get()) else {
            return;
        };
        let r = found.regs;
        // Acknowledge first: a frame used while the ring drains raises the line again.
        let why = r.read(reg::INTERRUPT_STATUS);
        r.write(reg::INTERRUPT_ACK, why);
        let hook = critical_section::with(|cs| self.rx.borrow(cs).get());
        if why & INT_CONFIG_CHANGE != 0 && r.read(reg::STATUS) & status::DEVICE_NEEDS_RESET != 0 {
            self.device_errors.inc();
            if let Some((rx, iface)) = hook {
                rx.rx_error(iface, RxError::Device);
            }
        }
        let mut reposted = 0u32;
        // Bounded: a device that keeps filling the ring cannot hold the handler forever;
        // buffers left over keep the line raised.
        for _ in 0..2 * RX_QUEUE_SIZE {
            let done = critical_section::with(|cs| {
                let got = RX_VQ.pop_used(cs, |buf, elem| {
                    self.deliver(hook, buf, elem.len as usize);
                });
                match got {
                    None => return true,
                    Some(Ok(())) => {
                        // Refill right away: the buffer goes back to the device for the
                        // next frame.
                        if RX_VQ.push(cs, |_| Some(BUF_LEN)).is_ok() {
                            reposted += 1;
                        }
                    }
                    Some(Err(BadUsed(_))) => {
                        self.device_errors.inc();
                        if let Some((rx, iface)) = hook {
                            rx.rx_error(iface, RxError::Device);
                        }
                    }
                }
                false
            });
            if done {
                break;
            }
        }
        if reposted > 0 {
            r.notify(RX_QUEUE);
        }
        critical_section::with(|cs| self.reclaim_tx(cs));
    }

    /// Hands the frame in a used RX buffer (`used_len` bytes written) to the stack.
    fn deliver(&self, hook: RxHook, buf: &[u8], used_len: usize) {
        let Some((rx, iface)) = hook else {
            return;
        };
        let Some(frame) = rx_frame(used_len).ok().and_then(|range| buf.get(range)) else {
            self.rx_errors.inc();
            rx.rx_error(iface, RxError::Length);
            return;
        };
        if !rx.recv_copy(iface, frame) {
            self.rx_no_buffer.inc();
            rx.rx_error(iface, RxError::NoBuffer);
        }
    }

    /// Frees the TX descriptors the device has used.
    fn reclaim_tx(&self, cs: CriticalSection<'_>) {
        for _ in 0..TX_QUEUE_SIZE {
            match TX_VQ.pop_used(cs, |_, _| ()) {
                None => break,
                Some(Ok(())) => {}
                Some(Err(BadUsed(_))) => self.device_errors.inc(),
            }
        }
    }
}

impl Driver for VirtioNet {
    fn link_addr(&self) -> LinkAddr {
        LinkAddr::ethernet(self.mac)
    }

    fn mtu(&self) -> u16 {
        1500
    }

    fn start(&'static self, rx: &'static dyn RxPath, iface: u8) -> Result<(), DriverError> {
        let found = (0..MMIO_SLOTS).find_map(|n| {
            let regs = Regs {
                base: MMIO_BASE + n * MMIO_STRIDE,
            };
            let kind = probe(
                regs.read(reg::MAGIC_VALUE),
                regs.read(reg::VERSION),
                regs.read(reg::DEVICE_ID),
            );
            (kind == Probe::Net).then_some(Found {
                regs,
                irq: MMIO_IRQ + n as u32,
            })
        });
        let Some(found) = found else {
            return Err(DriverError::Io);
        };
        let r = found.regs;
        // Reset, then wait (boundedly) for the device to show it.
        r.write(reg::STATUS, 0);
        (0..SPIN_LIMIT)
            .find(|_| r.read(reg::STATUS) == 0)
            .ok_or(DriverError::Io)?;
        r.add_status(status::ACKNOWLEDGE);
        r.add_status(status::DRIVER);
        let Ok(features) = negotiate(r.device_features()) else {
            r.add_status(status::FAILED);
            return Err(DriverError::Io);
        };
        r.set_driver_features(features);
        r.add_status(status::FEATURES_OK);
        if r.read(reg::STATUS) & status::FEATURES_OK == 0 {
            r.add_status(status::FAILED);
            return Err(DriverError::Io);
        }
        let device_mac = (features & feature::NET_F_MAC != 0).then(|| r.mac());

        critical_section::with(|cs| {
            RX_VQ.reset(cs, true, false);
            TX_VQ.reset(cs, false, true);
        });
        let queues = r
            .setup_queue(RX_QUEUE, &RX_VQ)
            .and_then(|()| r.setup_queue(TX_QUEUE, &TX_VQ));
        if queues.is_err() {
            r.add_status(status::FAILED);
            return queues;
        }
        critical_section::with(|cs| {
            for _ in 0..RX_BUFFERS {
                let _ = RX_VQ.push(cs, |_| Some(BUF_LEN));
            }
            self.rx.borrow(cs).set(Some((rx, iface)));
            self.device_mac.borrow(cs).set(device_mac);
            self.found.borrow(cs).set(Some(found));
        });
        r.add_status(status::DRIVER_OK);
        r.notify(RX_QUEUE);
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
        let Some(found) = critical_section::with(|cs| self.found.borrow(cs).get()) else {
            return Err(DriverError::Down);
        };
        let pushed = critical_section::with(|cs| {
            // Reclaim, waiting (boundedly) for the device when every buffer is in flight.
            let mut spins = 0;
            loop {
                self.reclaim_tx(cs);
                if TX_VQ.free(cs) > 0 {
                    break;
                }
                spins += 1;
                if spins >= SPIN_LIMIT {
                    self.tx_busy.inc();
                    return Err(DriverError::Busy);
                }
                core::hint::spin_loop();
            }
            TX_VQ
                .push(cs, |buf| tx_fill(buf, len, frame.chunks()))
                .map_err(|QueueFull| {
                    self.tx_errors.inc();
                    DriverError::Io
                })
        });
        pushed?;
        found.regs.notify(TX_QUEUE);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The device side of a queue, as QEMU's virtqueue code sees it: reads the available
    /// ring, writes buffers and the used ring.
    struct Device<'a, const N: usize> {
        q: &'a Virtqueue<N>,
        /// The next available ring index the device has not consumed.
        last_avail: u16,
        /// The used index the device publishes next.
        used_idx: u16,
    }

    impl<'a, const N: usize> Device<'a, N> {
        fn new(q: &'a Virtqueue<N>) -> Self {
            Device {
                q,
                last_avail: 0,
                used_idx: 0,
            }
        }

        fn shared(&self) -> *mut Shared<N> {
            self.q.shared.get()
        }

        /// Takes the next available descriptor: its index and descriptor.
        fn take(&mut self) -> Option<(u16, Desc)> {
            let s = self.shared();
            // SAFETY (test): single-threaded, raw volatile accesses like the driver's.
            unsafe {
                let idx = core::ptr::read_volatile(core::ptr::addr_of!((*s).avail.idx));
                if idx == self.last_avail {
                    return None;
                }
                let id = core::ptr::read_volatile(core::ptr::addr_of!(
                    (*s).avail.ring[usize::from(self.last_avail) % N]
                ));
                self.last_avail = self.last_avail.wrapping_add(1);
                let d = core::ptr::read_volatile(core::ptr::addr_of!((*s).desc[usize::from(id)]));
                Some((id, d))
            }
        }

        fn buf(&self, id: u16) -> *mut [u8; BUF_LEN] {
            // SAFETY (test): in bounds.
            unsafe { core::ptr::addr_of_mut!((*self.shared()).bufs[usize::from(id)]) }
        }

        /// Returns descriptor `id` with `len` bytes written.
        fn give_back(&mut self, id: u32, len: u32) {
            let s = self.shared();
            // SAFETY (test): as in `take`.
            unsafe {
                core::ptr::write_volatile(
                    core::ptr::addr_of_mut!((*s).used.ring[usize::from(self.used_idx) % N]),
                    UsedElem { id, len },
                );
                self.used_idx = self.used_idx.wrapping_add(1);
                core::ptr::write_volatile(core::ptr::addr_of_mut!((*s).used.idx), self.used_idx);
            }
        }

        /// Receives `frame`: fills the next available (device-writable) buffer.
        fn receive(&mut self, frame: &[u8]) -> bool {
            let Some((id, d)) = self.take() else {
                return false;
            };
            assert_eq!(d.flags & VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_WRITE);
            assert_eq!(d.len as usize, BUF_LEN);
            let hdr = NetHdr {
                num_buffers: 1,
                ..NetHdr::default()
            }
            .to_bytes();
            // SAFETY (test): the buffer is the device's until it is given back.
            let buf = unsafe { &mut *self.buf(id) };
            assert_eq!(d.addr, buf.as_ptr().addr() as u64);
            buf[..NET_HDR_LEN].copy_from_slice(&hdr);
            buf[NET_HDR_LEN..NET_HDR_LEN + frame.len()].copy_from_slice(frame);
            self.give_back(u32::from(id), (NET_HDR_LEN + frame.len()) as u32);
            true
        }

        /// Transmits the next available buffer: its header and frame.
        fn transmit(&mut self) -> Option<(NetHdr, Vec<u8>)> {
            let (id, d) = self.take()?;
            assert_eq!(d.flags & (VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT), 0);
            // SAFETY (test): the buffer is the device's until it is given back.
            let buf = unsafe { &*self.buf(id) };
            let bytes = &buf[..d.len as usize];
            let hdr = NetHdr::from_bytes(bytes[..NET_HDR_LEN].try_into().unwrap());
            let frame = bytes[NET_HDR_LEN..].to_vec();
            self.give_back(u32::from(id), 0);
            Some((hdr, frame))
        }
    }

    fn frame(len: usize, seed: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + seed) as u8).collect()
    }

    #[test]
    fn constants_and_layout() {
        assert_eq!(queue_size(1), 1);
        assert_eq!(queue_size(4), 4);
        assert_eq!(queue_size(5), 8);
        assert_eq!(queue_size(256), 256);
        assert_eq!(BUF_LEN, 1530);
        assert_eq!(core::mem::size_of::<Desc>(), 16);
        assert_eq!(core::mem::size_of::<UsedElem>(), 8);
        // The spec's alignments: descriptors 16, available ring 2, used ring 4.
        let q: Box<Virtqueue<8>> = Box::default();
        let (desc, avail, used) = q.addrs();
        assert_eq!(desc % 16, 0);
        assert_eq!(avail % 2, 0);
        assert_eq!(used % 4, 0);
        assert_eq!(avail - desc, 8 * 16);
        assert!(used >= avail + 6 + 2 * 8);
        assert_eq!(core::mem::offset_of!(Avail<8>, ring), 4);
        assert_eq!(core::mem::offset_of!(Used<8>, ring), 4);
        assert_eq!(core::mem::offset_of!(Used<8>, avail_event), 4 + 8 * 8);
    }

    #[test]
    fn feature_negotiation() {
        let offered = feature::VERSION_1
            | feature::NET_F_MAC
            | 1 << 0 // CSUM
            | 1 << 15 // MRG_RXBUF
            | 1 << 16 // STATUS
            | 1 << 29 // RING_EVENT_IDX
            | 1 << 28; // RING_INDIRECT_DESC
        assert_eq!(
            negotiate(offered),
            Ok(feature::VERSION_1 | feature::NET_F_MAC)
        );
        assert_eq!(negotiate(feature::VERSION_1), Ok(feature::VERSION_1));
        assert_eq!(
            negotiate(feature::NET_F_MAC),
            Err(FeatureError::NotVersion1)
        );
    }

    #[test]
    fn probing() {
        assert_eq!(probe(MAGIC, 2, 1), Probe::Net);
        assert_eq!(probe(MAGIC, 1, 1), Probe::LegacyNet);
        assert_eq!(probe(MAGIC, 2, 0), Probe::Empty);
        assert_eq!(probe(MAGIC, 2, 2), Probe::Other);
        assert_eq!(probe(0, 0, 0), Probe::Empty);
        assert_eq!(probe(0xffff_ffff, 2, 1), Probe::Empty);
        assert_eq!(u32::from_le_bytes(*b"virt"), MAGIC);
    }

    #[test]
    fn net_header_wire_form() {
        let h = NetHdr {
            flags: 1,
            gso_type: 0x80,
            hdr_len: 0x0102,
            gso_size: 0x0304,
            csum_start: 0x0506,
            csum_offset: 0x0708,
            num_buffers: 0x090a,
        };
        let b = h.to_bytes();
        assert_eq!(b, [1, 0x80, 2, 1, 4, 3, 6, 5, 8, 7, 0x0a, 9]);
        assert_eq!(NetHdr::from_bytes(&b), h);
        assert_eq!(NetHdr::default().to_bytes(), [0; NET_HDR_LEN]);
    }

    #[test]
    fn rx_frame_bounds() {
        assert_eq!(
            rx_frame(NET_HDR_LEN + 14),
            Ok(NET_HDR_LEN..NET_HDR_LEN + 14)
        );
        assert_eq!(
            rx_frame(NET_HDR_LEN + 1514),
            Ok(NET_HDR_LEN..NET_HDR_LEN + 1514)
        );
        assert_eq!(rx_frame(BUF_LEN), Ok(NET_HDR_LEN..BUF_LEN));
        assert_eq!(rx_frame(NET_HDR_LEN + 13), Err(FrameError::TooShort));
        assert_eq!(rx_frame(0), Err(FrameError::TooShort));
        assert_eq!(rx_frame(BUF_LEN + 1), Err(FrameError::TooLong));
    }

    #[test]
    fn tx_fill_writes_header_and_chunks() {
        let mut buf = [0xaau8; BUF_LEN];
        for len in [14, 60, 61, 1514, MAX_FRAME] {
            let f = frame(len, 3);
            let (a, b) = f.split_at(len / 3);
            let (b, c) = b.split_at(b.len() / 2);
            assert_eq!(
                tx_fill(&mut buf, len, [a, b, c].into_iter()),
                Some(NET_HDR_LEN + len)
            );
            assert_eq!(buf[..NET_HDR_LEN], [0; NET_HDR_LEN]);
            assert_eq!(&buf[NET_HDR_LEN..NET_HDR_LEN + len], &f[..]);
        }
        // Too long for the buffer; chunks that do not add up to the length.
        let big = frame(BUF_LEN, 0);
        assert_eq!(tx_fill(&mut buf, BUF_LEN, [&big[..]].into_iter()), None);
        let f = frame(60, 1);
        assert_eq!(tx_fill(&mut buf, 61, [&f[..]].into_iter()), None);
        assert_eq!(tx_fill(&mut buf, 59, [&f[..]].into_iter()), None);
    }

    #[test]
    fn rx_ring_round_trips_and_refills() {
        const N: usize = 4;
        let q: Box<Virtqueue<N>> = Box::default();
        critical_section::with(|cs| {
            q.reset(cs, true, false);
            for _ in 0..N - 1 {
                q.push(cs, |_| Some(BUF_LEN)).unwrap();
            }
            assert_eq!(q.free(cs), 1);
        });
        let mut dev = Device::new(&*q);
        // More frames than the ring has entries, so the indices wrap many times round the
        // ring (and, outside miri, round u16).
        let rounds = if cfg!(miri) { 40 } else { 70_000 };
        let mut got = Vec::new();
        for n in 0..rounds {
            let len = [14, 60, 1514, MAX_FRAME][n % 4];
            let f = frame(len, n);
            assert!(dev.receive(&f), "round {n}: no RX buffer posted");
            critical_section::with(|cs| {
                let r = q.pop_used(cs, |buf, elem| {
                    assert_eq!(elem.len as usize, buf.len());
                    let range = rx_frame(buf.len()).unwrap();
                    got.clear();
                    got.extend_from_slice(&buf[range]);
                });
                assert_eq!(r, Some(Ok(())));
                assert!(q.pop_used(cs, |_, _| ()).is_none());
                // Refill.
                q.push(cs, |_| Some(BUF_LEN)).unwrap();
            });
            assert_eq!(got, f, "round {n}");
        }
        critical_section::with(|cs| {
            assert_eq!(q.free(cs), 1);
            assert_eq!(q.state(cs).next_avail, (rounds + N - 1) as u16);
            assert_eq!(q.state(cs).last_used, rounds as u16);
        });
    }

    #[test]
    fn rx_several_frames_per_interrupt() {
        const N: usize = 8;
        let q: Box<Virtqueue<N>> = Box::default();
        critical_section::with(|cs| {
            q.reset(cs, true, false);
            for _ in 0..5 {
                q.push(cs, |_| Some(BUF_LEN)).unwrap();
            }
        });
        let mut dev = Device::new(&*q);
        for burst in 0..20 {
            // The device fills every posted buffer before the driver looks.
            let frames: Vec<Vec<u8>> = (0..5).map(|i| frame(60 + i, burst * 5 + i)).collect();
            for f in &frames {
                assert!(dev.receive(f));
            }
            assert!(!dev.receive(&frames[0]), "only 5 buffers were posted");
            let mut seen = Vec::new();
            critical_section::with(|cs| {
                while let Some(r) = q.pop_used(cs, |buf, _| buf[NET_HDR_LEN..].to_vec()) {
                    seen.push(r.unwrap());
                    q.push(cs, |_| Some(BUF_LEN)).unwrap();
                }
            });
            assert_eq!(seen, frames, "burst {burst}");
        }
    }

    #[test]
    fn tx_ring_fills_reclaims_and_reports_full() {
        const N: usize = 4;
        let q: Box<Virtqueue<N>> = Box::default();
        critical_section::with(|cs| q.reset(cs, false, true));
        // SAFETY (test): reading a flag the driver wrote.
        let flags = unsafe { (*q.shared.get()).avail.flags };
        assert_eq!(flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
        let mut dev = Device::new(&*q);
        let rounds = if cfg!(miri) { 10 } else { 1000 };
        for round in 0..rounds {
            let frames: Vec<Vec<u8>> = (0..N).map(|i| frame(14 + 100 * i, round + i)).collect();
            critical_section::with(|cs| {
                for f in &frames {
                    q.push(cs, |buf| tx_fill(buf, f.len(), [&f[..]].into_iter()))
                        .unwrap();
                }
                // Every buffer is with the device now.
                assert_eq!(q.free(cs), 0);
                assert_eq!(q.push(cs, |_| Some(20)), Err(QueueFull));
            });
            for f in &frames {
                let (hdr, sent) = dev.transmit().unwrap();
                assert_eq!(hdr, NetHdr::default());
                assert_eq!(&sent, f);
            }
            assert!(dev.transmit().is_none());
            critical_section::with(|cs| {
                let mut n = 0;
                while let Some(r) = q.pop_used(cs, |_, elem| elem.len) {
                    assert_eq!(r, Ok(0));
                    n += 1;
                }
                assert_eq!(n, N);
                assert_eq!(q.free(cs), N);
            });
        }
    }

    #[test]
    fn failed_fill_keeps_the_descriptor() {
        let q: Box<Virtqueue<2>> = Box::default();
        critical_section::with(|cs| {
            q.reset(cs, false, true);
            assert_eq!(q.push(cs, |_| None), Err(QueueFull));
            assert_eq!(q.push(cs, |_| Some(BUF_LEN + 1)), Err(QueueFull));
            assert_eq!(q.free(cs), 2);
            // SAFETY (test): reading the index the driver wrote.
            assert_eq!(unsafe { (*q.shared.get()).avail.idx }, 0);
            assert_eq!(q.push(cs, |_| Some(20)), Ok(0));
            assert_eq!(q.push(cs, |_| Some(20)), Ok(1));
        });
    }

    #[test]
    fn bad_used_entries_are_consumed_and_reported() {
        const N: usize = 4;
        let q: Box<Virtqueue<N>> = Box::default();
        critical_section::with(|cs| {
            q.reset(cs, true, false);
            q.push(cs, |_| Some(BUF_LEN)).unwrap();
        });
        let mut dev = Device::new(&*q);
        // An index past the queue, then a descriptor that was never posted, then the real one.
        dev.give_back(N as u32, 60);
        dev.give_back(3, 60);
        assert!(dev.receive(&frame(60, 9)));
        critical_section::with(|cs| {
            assert!(matches!(q.pop_used(cs, |_, _| ()), Some(Err(BadUsed(e))) if e.id == 4));
            assert!(matches!(q.pop_used(cs, |_, _| ()), Some(Err(BadUsed(e))) if e.id == 3));
            assert_eq!(
                q.pop_used(cs, |buf, _| buf.len()),
                Some(Ok(NET_HDR_LEN + 60))
            );
            assert!(q.pop_used(cs, |_, _| ()).is_none());
            // The same descriptor returned twice is a fault the second time.
            assert_eq!(q.free(cs), N);
        });
        dev.give_back(0, 60);
        critical_section::with(|cs| {
            assert!(matches!(q.pop_used(cs, |_, _| ()), Some(Err(BadUsed(_)))));
            assert_eq!(q.free(cs), N);
        });
        // An oversized length is clamped to the buffer.
        critical_section::with(|cs| q.push(cs, |_| Some(BUF_LEN)).unwrap());
        let (id, _) = dev.take().unwrap();
        dev.give_back(u32::from(id), u32::MAX);
        critical_section::with(|cs| {
            assert_eq!(q.pop_used(cs, |buf, _| buf.len()), Some(Ok(BUF_LEN)));
        });
    }
}
