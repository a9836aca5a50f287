//! Device drivers, and the two interfaces between them and the stack: [`Driver`] (what the
//! stack asks of a device) and [`RxPath`] (where a device hands received frames).
//!
//! RX: the driver allocates a packet from the RX pool with [`RxPath::alloc_rx`], copies the
//! frame in, and calls [`RxPath::recv`], which only classifies the packet into an RX
//! traffic-class queue; both are safe to call from an interrupt handler. TX: the L2 builds
//! the complete frame and calls [`Driver::send`], which must not wait forever.

use crate::buf::NetPkt;

/// A link-layer address: 6 bytes for Ethernet, 8 for IEEE 802.15.4, none for loopback.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkAddr {
    bytes: [u8; 8],
    len: u8,
}

impl LinkAddr {
    /// No address (loopback, dummy L2).
    pub const NONE: LinkAddr = LinkAddr {
        bytes: [0; 8],
        len: 0,
    };

    /// A 6-byte Ethernet MAC address.
    pub const fn ethernet(mac: [u8; 6]) -> LinkAddr {
        LinkAddr {
            bytes: [mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], 0, 0],
            len: 6,
        }
    }

    /// The address bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The MAC address, when this is a 6-byte address.
    pub fn mac(&self) -> Option<[u8; 6]> {
        (self.len == 6).then(|| {
            [
                self.bytes[0],
                self.bytes[1],
                self.bytes[2],
                self.bytes[3],
                self.bytes[4],
                self.bytes[5],
            ]
        })
    }
}

/// Why a driver could not do what it was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriverError {
    /// The device is not started or has no carrier.
    Down,
    /// The transmit path is busy and did not free up in time; the frame was not sent.
    Busy,
    /// The frame is larger than the device can send.
    TooLong,
    /// The device reported an error.
    Io,
}

/// What the stack asks of a network device.
pub trait Driver: Sync {
    /// The device's link-layer address.
    fn link_addr(&self) -> LinkAddr;

    /// The largest L3 packet the device carries (1500 for Ethernet).
    fn mtu(&self) -> u16;

    /// Starts the device. Afterwards it hands received frames of interface `iface` to `rx`.
    fn start(&'static self, rx: &'static dyn RxPath, iface: u8) -> Result<(), DriverError>;

    /// Sends one complete frame (the L2 header included). Must not block forever; a device
    /// that cannot take the frame in bounded time returns [`DriverError::Busy`].
    fn send(&self, frame: &NetPkt<'_>) -> Result<(), DriverError>;

    /// Whether the carrier is present.
    fn carrier(&self) -> bool {
        true
    }

    /// The most TCP payload bytes the device takes in one packet of several segments and
    /// cuts into segments itself (TCP segmentation offload), or 0 when it cannot. Such a
    /// packet carries its segment size in [`PktMeta::gso_size`](crate::buf::PktMeta) and
    /// a TCP checksum over the whole packet. Host builds only.
    #[cfg(feature = "std")]
    fn tso_max(&self) -> usize {
        0
    }
}

/// A receive problem a driver saw; the stack counts it in the interface's Ethernet
/// statistics (Zephyr's `net_stats_eth` error details).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RxError {
    /// A frame was lost because no packet buffer was free (`rx_no_buffer_count`).
    NoBuffer,
    /// A frame too short or too long (`rx_length_errors`).
    Length,
    /// The device's receive FIFO overflowed (`rx_missed_errors`).
    Overrun,
    /// Any other error the device reported (`rx_errors` only).
    Device,
}

/// Where drivers deliver received frames: implemented by the stack.
pub trait RxPath: Sync {
    /// A packet with room for a `len`-byte frame from the RX pool, or `None` when the pool
    /// is exhausted (the stack counts the failure; the driver drops the frame and counts it
    /// in its statistics too).
    fn alloc_rx(&self, iface: u8, len: usize) -> Option<NetPkt<'static>>;

    /// Hands a received frame to the stack. Never blocks; safe from an interrupt handler.
    fn recv(&self, iface: u8, frame: NetPkt<'static>);

    /// Counts a receive problem of interface `iface`. Safe from an interrupt handler.
    fn rx_error(&self, iface: u8, error: RxError) {
        let _ = (iface, error);
    }

    /// Copies `frame` into a packet from the RX pool and hands it to the stack: what a
    /// driver that receives into its own buffer does with each frame. False when the pool
    /// had no room; the driver counts the drop (its own counter and
    /// [`RxError::NoBuffer`]).
    fn recv_copy(&self, iface: u8, frame: &[u8]) -> bool {
        copy_in(self, iface, frame.len(), core::iter::once(frame))
    }

    /// [`RxPath::recv_copy`] of a frame given as consecutive parts (a header built by
    /// the driver and the payload it follows, for example). Host builds only: a method
    /// of this `dyn` trait costs firmware its code even unused.
    #[cfg(feature = "std")]
    fn recv_copy_parts(&self, iface: u8, parts: &[&[u8]]) -> bool {
        let len = parts.iter().map(|p| p.len()).sum();
        copy_in(self, iface, len, parts.iter().copied())
    }
}

/// The copies of [`RxPath::recv_copy`] and [`RxPath::recv_copy_parts`]: a packet for `len`
/// bytes, `parts` appended, handed to the stack.
fn copy_in<'a, R: RxPath + ?Sized>(
    rx: &R,
    iface: u8,
    len: usize,
    parts: impl Iterator<Item = &'a [u8]> + Clone,
) -> bool {
    let Some(mut pkt) = rx.alloc_rx(iface, len) else {
        return false;
    };
    if pkt.append_chunks(parts).is_err() {
        return false;
    }
    rx.recv(iface, pkt);
    true
}

#[cfg(CONFIG_NET_LOOPBACK)]
pub mod loopback;

#[cfg(feature = "std")]
pub mod link;

#[cfg(any(
    all(feature = "std", CONFIG_ETH_NATIVE_TAP, target_os = "linux"),
    CONFIG_ETH_STELLARIS,
    CONFIG_ETH_SMSC911X,
    CONFIG_ETH_VIRTIO_NET,
    test
))]
pub mod ethernet;
