//! Packet buffers: `net_pkt` descriptors and chains of fixed-size data buffers, allocated
//! from the statically sized pools of the configuration.
//!
//! Like Zephyr, a stack has four pools: a descriptor slab and a data-block pool for each of
//! RX and TX, so a TX flood cannot starve reception. [`PacketPools`] holds all four (one
//! `static`, zero-initialised, so it lives in `.bss`); [`Pools`] is the handle to them that
//! the rest of the stack uses without const generics: the pools' arrays seen as slices,
//! built in `const` context so that a `static` (in flash) can hold it.
//!
//! ```
//! use net_core::buf::{Direction, PacketPools, Pools};
//! static POOLS: PacketPools<4, 4, 24, 24, 128> = PacketPools::new();
//!
//! static HANDLE: Pools<'static> = POOLS.pools();
//! let pools = &HANDLE;
//! // TX: reserve room for the headers in front, write the payload, then push headers.
//! let mut pkt = pools.alloc_tx(5, 14 + 20 + 8).unwrap();
//! pkt.append(b"hello").unwrap();
//! pkt.push_header(8).unwrap().fill(0); // UDP
//! assert_eq!(pkt.len(), 13);
//! // Between contexts (queues, worker threads) a packet travels as a 16-bit id.
//! let id = pkt.into_raw();
//! let pkt = net_core::buf::NetPkt::from_raw(pools, id).unwrap();
//! assert_eq!(pkt.direction(), Direction::Tx);
//! drop(pkt); // descriptor and blocks go back to their pools
//! assert_eq!(POOLS.pools().stats().tx_bufs.allocated, 0);
//! ```
//!
//! Nothing here panics on any input: misuse returns a [`PktError`], and failed
//! allocations are counted in [`PoolStats::failures`].

mod cursor;
mod pkt;
mod pool;
#[cfg(test)]
mod tests;
#[cfg(feature = "std")]
mod wait;

pub use cursor::Cursor;
pub use pkt::{Chunks, ChunksMut, NetPkt};
pub use pool::{BufPool, PktSlab, PoolStats};

use pool::Side;

/// Which side of the stack a packet belongs to; each has its own pools.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Received: from a driver up the stack.
    Rx = 0,
    /// Sent: from the application down to a driver.
    Tx = 1,
}

/// Address family of a packet (Zephyr `net_pkt.family`; values are Zephyr's `AF_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Family {
    /// Not known yet (a frame straight from a driver).
    #[default]
    Unspec = 0,
    /// IPv4 (`AF_INET`).
    Ipv4 = 1,
    /// IPv6 (`AF_INET6`).
    Ipv6 = 2,
    /// Raw L2 packet (`AF_PACKET`).
    Packet = 3,
    /// CAN (`AF_CAN`).
    Can = 4,
}

/// The per-packet metadata the stack carries next to the data (a subset of Zephyr's
/// `struct net_pkt`). Plain data: read and change it through [`NetPkt::meta`] and
/// [`NetPkt::meta_mut`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PktMeta {
    /// Index of the interface the packet came from or goes to.
    pub iface: u8,
    /// 802.1Q priority (0..=7, see `ip::tc::Priority`); selects the traffic class.
    pub priority: u8,
    /// Address family, once known.
    pub family: Family,
    /// Length of the link-layer header at the front (RX: before it is pulled).
    pub l2_hdr_len: u8,
    /// Length of the IP header including options/extension headers, once parsed.
    pub ip_hdr_len: u16,
    /// Link-layer protocol (EtherType) of the payload, 0 if unknown.
    pub ll_proto: u16,
    /// Creation time in microseconds, for `NET_PKT_RXTIME_STATS` / `NET_PKT_TXTIME_STATS`
    /// (only with one of them: without, the descriptor is 4 bytes smaller).
    #[cfg(any(CONFIG_NET_PKT_RXTIME_STATS, CONFIG_NET_PKT_TXTIME_STATS))]
    pub timestamp: u32,
    /// TX: a TCP packet of several segments, for a device that cuts it into segments of
    /// this many payload bytes itself (TSO, [`Driver::tso_max`](crate::drivers::Driver));
    /// 0 for an ordinary packet. Host builds only, where the TAP driver offers it.
    #[cfg(feature = "std")]
    pub gso_size: u16,
}

impl PktMeta {
    /// All zero: what a fresh descriptor holds before the allocator sets defaults. A const
    /// so that descriptor slabs are zero-initialised.
    pub const ZERO: Self = Self {
        iface: 0,
        priority: 0,
        family: Family::Unspec,
        l2_hdr_len: 0,
        ip_hdr_len: 0,
        ll_proto: 0,
        #[cfg(any(CONFIG_NET_PKT_RXTIME_STATS, CONFIG_NET_PKT_TXTIME_STATS))]
        timestamp: 0,
        #[cfg(feature = "std")]
        gso_size: 0,
    };

    /// Whether this is a TX packet of several TCP segments for the device to cut
    /// ([`PktMeta::gso_size`]); never on bare metal.
    #[inline]
    pub fn is_gso(&self) -> bool {
        #[cfg(feature = "std")]
        return self.gso_size != 0;
        #[cfg(not(feature = "std"))]
        return false;
    }
}

impl Default for PktMeta {
    fn default() -> Self {
        Self::ZERO
    }
}

/// Errors of the buffer layer. None of them leave anything allocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PktError {
    /// No packet descriptor left in the slab.
    NoDescriptor,
    /// Not enough data blocks left for the request.
    NoBuffers,
    /// A headroom larger than one block was requested (headers must be contiguous).
    InvalidHeadroom,
    /// A header longer than one block was requested.
    TooLong,
    /// An offset or length past the end of the packet's data.
    OutOfRange,
    /// The scratch buffer given to [`NetPkt::linearize`] is too small.
    ScratchTooSmall,
}

impl core::fmt::Display for PktError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::NoDescriptor => "no packet descriptor available",
            Self::NoBuffers => "not enough data buffers available",
            Self::InvalidHeadroom => "headroom larger than one buffer",
            Self::TooLong => "header larger than one buffer",
            Self::OutOfRange => "offset or length out of range",
            Self::ScratchTooSmall => "scratch buffer too small",
        })
    }
}

/// A packet parked outside any handle, as a 16-bit id (bit 15: TX, bits 0..15: slot).
///
/// Queues hold these instead of handles; [`NetPkt::from_raw`] turns one back into a
/// handle once only (a stale or duplicated id gives `None`, never a second owner).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PktId(u16);

impl PktId {
    const TX_BIT: u16 = 0x8000;

    /// A placeholder id, for initialising arrays of ids (it refers to RX slot 0).
    pub const PLACEHOLDER: Self = Self(0);

    pub(crate) const fn new(dir: Direction, slot: u16) -> Self {
        match dir {
            Direction::Rx => Self(slot & !Self::TX_BIT),
            Direction::Tx => Self(slot | Self::TX_BIT),
        }
    }

    /// The raw value, e.g. to store in a hardware descriptor ring.
    pub const fn to_u16(self) -> u16 {
        self.0
    }

    /// An id from its raw value. Any value is safe: `from_raw` checks it.
    pub const fn from_u16(v: u16) -> Self {
        Self(v)
    }

    /// The direction (which pools) the packet belongs to.
    pub const fn direction(self) -> Direction {
        if self.0 & Self::TX_BIT != 0 {
            Direction::Tx
        } else {
            Direction::Rx
        }
    }

    pub(crate) const fn slot(self) -> u16 {
        self.0 & !Self::TX_BIT
    }
}

/// Counters of the four pools.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolsStats {
    /// RX descriptor slab.
    pub rx_pkts: PoolStats,
    /// TX descriptor slab.
    pub tx_pkts: PoolStats,
    /// RX data blocks.
    pub rx_bufs: PoolStats,
    /// TX data blocks.
    pub tx_bufs: PoolStats,
}

/// Storage for the four pools of a stack (Zephyr's `rx_pkts`, `tx_pkts`, `rx_bufs`,
/// `tx_bufs`): descriptor counts, block counts, and the block size.
///
/// Declare one `static` (see [`ConfiguredPools`]) and hand out [`Pools`] handles.
pub struct PacketPools<
    const RX_PKTS: usize,
    const TX_PKTS: usize,
    const RX_BUFS: usize,
    const TX_BUFS: usize,
    const SIZE: usize,
> {
    rx_pkts: PktSlab<RX_PKTS>,
    tx_pkts: PktSlab<TX_PKTS>,
    rx_bufs: BufPool<RX_BUFS, SIZE>,
    tx_bufs: BufPool<TX_BUFS, SIZE>,
}

impl<
    const RX_PKTS: usize,
    const TX_PKTS: usize,
    const RX_BUFS: usize,
    const TX_BUFS: usize,
    const SIZE: usize,
> PacketPools<RX_PKTS, TX_PKTS, RX_BUFS, TX_BUFS, SIZE>
{
    /// Empty pools, everything free. `const` so they can be a `static`.
    pub const fn new() -> Self {
        Self {
            rx_pkts: PktSlab::new(),
            tx_pkts: PktSlab::new(),
            rx_bufs: BufPool::new(),
            tx_bufs: BufPool::new(),
        }
    }

    /// The handle for allocating from, and for turning ids back into packets. `const`,
    /// so that a `static` holds it ready-made (the stack instance's does): packets refer
    /// to it for as long as they live.
    pub const fn pools(&self) -> Pools<'_> {
        Pools {
            rx: Side {
                slab: self.rx_pkts.view(),
                bufs: self.rx_bufs.view(),
            },
            tx: Side {
                slab: self.tx_pkts.view(),
                bufs: self.tx_bufs.view(),
            },
        }
    }
}

impl<
    const RX_PKTS: usize,
    const TX_PKTS: usize,
    const RX_BUFS: usize,
    const TX_BUFS: usize,
    const SIZE: usize,
> Default for PacketPools<RX_PKTS, TX_PKTS, RX_BUFS, TX_BUFS, SIZE>
{
    fn default() -> Self {
        Self::new()
    }
}

/// The pools sized by the configuration: `NET_PKT_{RX,TX}_COUNT` descriptors,
/// `NET_BUF_{RX,TX}_COUNT` blocks of `NET_BUF_DATA_SIZE` bytes.
#[cfg(CONFIG_NET_BUF_FIXED_DATA_SIZE)]
pub type ConfiguredPools = PacketPools<
    { crate::config::CONFIG_NET_PKT_RX_COUNT },
    { crate::config::CONFIG_NET_PKT_TX_COUNT },
    { crate::config::CONFIG_NET_BUF_RX_COUNT },
    { crate::config::CONFIG_NET_BUF_TX_COUNT },
    { crate::config::CONFIG_NET_BUF_DATA_SIZE },
>;

/// The handle to a [`PacketPools`], without its const generics: each pool's arrays as
/// slices. Packets allocated through it borrow it, so keep it where it outlives them (a
/// `static`, as the stack instance does).
pub struct Pools<'p> {
    rx: Side<'p>,
    tx: Side<'p>,
}

impl<'p> Pools<'p> {
    /// The views of one direction's pools.
    #[inline]
    pub(crate) fn side(&self, dir: Direction) -> &Side<'p> {
        match dir {
            Direction::Rx => &self.rx,
            Direction::Tx => &self.tx,
        }
    }

    /// Allocates a packet for `dir` with room for `len` bytes of data after `headroom`
    /// bytes reserved in front (for headers pushed later with [`NetPkt::push_header`]).
    ///
    /// The packet starts empty (`len() == 0`); `len` bytes can then be appended without
    /// any further allocation. All or nothing: without a descriptor and every block
    /// needed for `len + headroom`, nothing stays allocated and the failure is counted.
    /// `headroom` may be at most one block. Never waits (safe in interrupt handlers).
    pub fn alloc(
        &'p self,
        dir: Direction,
        len: usize,
        headroom: usize,
    ) -> Result<NetPkt<'p>, PktError> {
        NetPkt::alloc(self.side(dir), dir, len, headroom, true)
    }

    /// [`alloc`](Self::alloc) on the RX side (drivers).
    pub fn alloc_rx(&'p self, len: usize, headroom: usize) -> Result<NetPkt<'p>, PktError> {
        self.alloc(Direction::Rx, len, headroom)
    }

    /// [`alloc`](Self::alloc) on the TX side (the stack and applications).
    pub fn alloc_tx(&'p self, len: usize, headroom: usize) -> Result<NetPkt<'p>, PktError> {
        self.alloc(Direction::Tx, len, headroom)
    }

    /// Like [`alloc`](Self::alloc), but waits up to `timeout` for packets to be freed.
    /// One deadline covers descriptor and blocks (as in Zephyr); only the final failure
    /// is counted. Do not call it from the only thread that frees packets.
    #[cfg(feature = "std")]
    pub fn alloc_with_timeout(
        &'p self,
        dir: Direction,
        len: usize,
        headroom: usize,
        timeout: core::time::Duration,
    ) -> Result<NetPkt<'p>, PktError> {
        // A deadline past the clock's range is no deadline.
        let deadline = std::time::Instant::now().checked_add(timeout);
        let mut waiter = None;
        loop {
            match NetPkt::alloc(self.side(dir), dir, len, headroom, false) {
                Err(PktError::NoDescriptor | PktError::NoBuffers) => {}
                other => return other,
            }
            // Register, then try once more before sleeping (see `crate::notify`).
            if !crate::notify::register_or_wait(&mut waiter, wait::register, deadline) {
                // Last try; this one counts its failure.
                return self.alloc(dir, len, headroom);
            }
        }
    }

    /// Block size of the data pools.
    pub fn block_size(&self) -> usize {
        self.rx.block_size()
    }

    /// Counters of the four pools.
    pub fn stats(&self) -> PoolsStats {
        PoolsStats {
            rx_pkts: self.rx.slab.stats(),
            tx_pkts: self.tx.slab.stats(),
            rx_bufs: self.rx.bufs.stats(),
            tx_bufs: self.tx.bufs.stats(),
        }
    }
}

// Keeps net-config's RAM model (`net_config::ram`) honest on 32-bit targets, where the host
// tests cannot measure: its formulas, checked at compile time for two sizes.
#[cfg(target_pointer_width = "32")]
const _: () = {
    const TIME_STATS: bool = cfg!(any(
        CONFIG_NET_PKT_RXTIME_STATS,
        CONFIG_NET_PKT_TXTIME_STATS
    ));
    const DESCRIPTOR: usize = if TIME_STATS { 24 } else { 20 };
    assert!(core::mem::size_of::<PktSlab<14>>() == (DESCRIPTOR * 14 + 12).div_ceil(4) * 4);
    assert!(core::mem::size_of::<PktSlab<1>>() == (DESCRIPTOR + 12).div_ceil(4) * 4);
    assert!(
        core::mem::size_of::<BufPool<36, 128>>() == (36 * 128 + 6 * 36_usize).div_ceil(4) * 4 + 12
    );
    assert!(
        core::mem::size_of::<BufPool<3, 1536>>() == (3 * 1536 + 6 * 3_usize).div_ceil(4) * 4 + 12
    );
};
