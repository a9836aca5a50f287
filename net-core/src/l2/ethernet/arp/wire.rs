//! ARP wire format (RFC 826), interpreted for Ethernet hardware and IPv4 only.
//!
//! The view reads any hardware/protocol combination (the address fields are sized by the
//! header), so that other kinds can be counted; only [`ArpRepr`] insists on Ethernet/IPv4.

use core::fmt;
use core::net::Ipv4Addr;

use crate::l2::ethernet::wire::{EtherType, EthernetAddress, WireError};

/// The hardware type of Ethernet (the only one handled).
const HTYPE_ETHERNET: u16 = 1;

/// An ARP operation code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Who has the target protocol address? (1)
    Request,
    /// The sender owns the sender protocol address. (2)
    Reply,
    /// Anything else (RARP, InARP, …), which the stack ignores.
    Unknown(u16),
}

impl From<u16> for Operation {
    fn from(value: u16) -> Self {
        match value {
            1 => Operation::Request,
            2 => Operation::Reply,
            other => Operation::Unknown(other),
        }
    }
}

impl From<Operation> for u16 {
    fn from(value: Operation) -> Self {
        match value {
            Operation::Request => 1,
            Operation::Reply => 2,
            Operation::Unknown(other) => other,
        }
    }
}

/// A read/write view of an ARP packet in a byte buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use core::ops::Range;

    pub const HTYPE: Range<usize> = 0..2;
    pub const PTYPE: Range<usize> = 2..4;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: Range<usize> = 6..8;
    /// Where the variable-length addresses start.
    pub const ADDRS: usize = 8;

    pub const fn sha(hlen: usize, _plen: usize) -> Range<usize> {
        ADDRS..ADDRS + hlen
    }
    pub const fn spa(hlen: usize, plen: usize) -> Range<usize> {
        ADDRS + hlen..ADDRS + hlen + plen
    }
    pub const fn tha(hlen: usize, plen: usize) -> Range<usize> {
        ADDRS + hlen + plen..ADDRS + 2 * hlen + plen
    }
    pub const fn tpa(hlen: usize, plen: usize) -> Range<usize> {
        ADDRS + 2 * hlen + plen..ADDRS + 2 * hlen + 2 * plen
    }
}

/// Length of an Ethernet/IPv4 ARP packet.
pub const ETHERNET_IPV4_LEN: usize = field::ADDRS + 2 * 6 + 2 * 4;

fn get16(data: &[u8], at: core::ops::Range<usize>) -> u16 {
    u16::from_be_bytes([data[at.start], data[at.start + 1]])
}

fn set16(data: &mut [u8], at: core::ops::Range<usize>, value: u16) {
    data[at].copy_from_slice(&value.to_be_bytes());
}

impl<T: AsRef<[u8]>> ArpPacket<T> {
    /// Wraps a buffer without checking it; accessors may panic until [`Self::check_len`]
    /// has succeeded.
    pub const fn new_unchecked(buffer: T) -> Self {
        ArpPacket { buffer }
    }

    /// Wraps a buffer after [`Self::check_len`], so that no accessor can panic.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the fixed part and the four addresses, as sized by the header, fit.
    ///
    /// After success no accessor panics; `set_hardware_len` and `set_protocol_len` can
    /// break that again. Trailing bytes (Ethernet padding) are allowed.
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < field::ADDRS {
            return Err(WireError::Truncated);
        }
        // At most 8 + 2 × 255 + 2 × 255, so no overflow.
        let needed = field::tpa(
            usize::from(self.hardware_len()),
            usize::from(self.protocol_len()),
        )
        .end;
        if len < needed {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The hardware type; 1 is Ethernet.
    pub fn hardware_type(&self) -> u16 {
        get16(self.buffer.as_ref(), field::HTYPE)
    }

    /// The protocol type, an EtherType; IPv4 for the ARP this stack speaks.
    pub fn protocol_type(&self) -> EtherType {
        EtherType::from(get16(self.buffer.as_ref(), field::PTYPE))
    }

    /// The length of a hardware address in bytes.
    pub fn hardware_len(&self) -> u8 {
        self.buffer.as_ref()[field::HLEN]
    }

    /// The length of a protocol address in bytes.
    pub fn protocol_len(&self) -> u8 {
        self.buffer.as_ref()[field::PLEN]
    }

    /// The operation.
    pub fn operation(&self) -> Operation {
        Operation::from(get16(self.buffer.as_ref(), field::OPER))
    }

    fn lens(&self) -> (usize, usize) {
        (
            usize::from(self.hardware_len()),
            usize::from(self.protocol_len()),
        )
    }

    /// The sender hardware address, as long as the header says.
    pub fn source_hardware_addr(&self) -> &[u8] {
        let (h, p) = self.lens();
        &self.buffer.as_ref()[field::sha(h, p)]
    }

    /// The sender protocol address, as long as the header says.
    pub fn source_protocol_addr(&self) -> &[u8] {
        let (h, p) = self.lens();
        &self.buffer.as_ref()[field::spa(h, p)]
    }

    /// The target hardware address, as long as the header says.
    pub fn target_hardware_addr(&self) -> &[u8] {
        let (h, p) = self.lens();
        &self.buffer.as_ref()[field::tha(h, p)]
    }

    /// The target protocol address, as long as the header says.
    pub fn target_protocol_addr(&self) -> &[u8] {
        let (h, p) = self.lens();
        &self.buffer.as_ref()[field::tpa(h, p)]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> ArpPacket<T> {
    /// Sets the hardware type.
    pub fn set_hardware_type(&mut self, value: u16) {
        set16(self.buffer.as_mut(), field::HTYPE, value);
    }

    /// Sets the protocol type.
    pub fn set_protocol_type(&mut self, value: EtherType) {
        set16(self.buffer.as_mut(), field::PTYPE, value.into());
    }

    /// Sets the hardware address length; the address fields move with it.
    pub fn set_hardware_len(&mut self, value: u8) {
        self.buffer.as_mut()[field::HLEN] = value;
    }

    /// Sets the protocol address length; the address fields move with it.
    pub fn set_protocol_len(&mut self, value: u8) {
        self.buffer.as_mut()[field::PLEN] = value;
    }

    /// Sets the operation.
    pub fn set_operation(&mut self, value: Operation) {
        set16(self.buffer.as_mut(), field::OPER, value.into());
    }

    /// Sets the sender hardware address; `value` must be as long as the header says.
    pub fn set_source_hardware_addr(&mut self, value: &[u8]) {
        let (h, p) = self.lens();
        self.buffer.as_mut()[field::sha(h, p)].copy_from_slice(value);
    }

    /// Sets the sender protocol address; `value` must be as long as the header says.
    pub fn set_source_protocol_addr(&mut self, value: &[u8]) {
        let (h, p) = self.lens();
        self.buffer.as_mut()[field::spa(h, p)].copy_from_slice(value);
    }

    /// Sets the target hardware address; `value` must be as long as the header says.
    pub fn set_target_hardware_addr(&mut self, value: &[u8]) {
        let (h, p) = self.lens();
        self.buffer.as_mut()[field::tha(h, p)].copy_from_slice(value);
    }

    /// Sets the target protocol address; `value` must be as long as the header says.
    pub fn set_target_protocol_addr(&mut self, value: &[u8]) {
        let (h, p) = self.lens();
        self.buffer.as_mut()[field::tpa(h, p)].copy_from_slice(value);
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for ArpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// An ARP packet the stack understands.
///
/// An enum although it has one variant, as in smoltcp, so that another hardware kind can be
/// added without changing how callers match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ArpRepr {
    /// ARP over Ethernet for IPv4.
    EthernetIpv4 {
        /// Request, reply or other.
        operation: Operation,
        /// The sender's MAC address.
        source_hardware_addr: EthernetAddress,
        /// The sender's IPv4 address (unspecified in an address probe, RFC 5227).
        source_protocol_addr: Ipv4Addr,
        /// The target's MAC address; all zeros in a request.
        target_hardware_addr: EthernetAddress,
        /// The IPv4 address being resolved or answered for.
        target_protocol_addr: Ipv4Addr,
    },
}

impl ArpRepr {
    /// Parses an Ethernet/IPv4 ARP packet.
    ///
    /// Another hardware or protocol type is `Unsupported`; Ethernet/IPv4 with address
    /// lengths other than 6 and 4 is `Malformed`.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &ArpPacket<&T>) -> Result<ArpRepr, WireError> {
        packet.check_len()?;
        if packet.hardware_type() != HTYPE_ETHERNET || packet.protocol_type() != EtherType::Ipv4 {
            return Err(WireError::Unsupported);
        }
        if packet.hardware_len() != 6 || packet.protocol_len() != 4 {
            return Err(WireError::Malformed);
        }
        let mac = |bytes: &[u8]| EthernetAddress::from_bytes(bytes).ok_or(WireError::Malformed);
        let ip = |bytes: &[u8]| {
            <[u8; 4]>::try_from(bytes)
                .map(Ipv4Addr::from)
                .map_err(|_| WireError::Malformed)
        };
        Ok(ArpRepr::EthernetIpv4 {
            operation: packet.operation(),
            source_hardware_addr: mac(packet.source_hardware_addr())?,
            source_protocol_addr: ip(packet.source_protocol_addr())?,
            target_hardware_addr: mac(packet.target_hardware_addr())?,
            target_protocol_addr: ip(packet.target_protocol_addr())?,
        })
    }

    /// The length of the packet [`ArpRepr::emit`] writes: 28 bytes.
    pub const fn buffer_len(&self) -> usize {
        match self {
            ArpRepr::EthernetIpv4 { .. } => ETHERNET_IPV4_LEN,
        }
    }

    /// Writes the whole packet. Fails with `Truncated` when the buffer is shorter than
    /// [`ArpRepr::buffer_len`].
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
        &self,
        packet: &mut ArpPacket<&mut T>,
    ) -> Result<(), WireError> {
        if packet.buffer.as_ref().len() < self.buffer_len() {
            return Err(WireError::Truncated);
        }
        match *self {
            ArpRepr::EthernetIpv4 {
                operation,
                source_hardware_addr,
                source_protocol_addr,
                target_hardware_addr,
                target_protocol_addr,
            } => {
                packet.set_hardware_type(HTYPE_ETHERNET);
                packet.set_protocol_type(EtherType::Ipv4);
                packet.set_hardware_len(6);
                packet.set_protocol_len(4);
                packet.set_operation(operation);
                packet.set_source_hardware_addr(source_hardware_addr.as_bytes());
                packet.set_source_protocol_addr(&source_protocol_addr.octets());
                packet.set_target_hardware_addr(target_hardware_addr.as_bytes());
                packet.set_target_protocol_addr(&target_protocol_addr.octets());
            }
        }
        Ok(())
    }
}

impl fmt::Display for ArpRepr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArpRepr::EthernetIpv4 {
                operation,
                source_hardware_addr,
                source_protocol_addr,
                target_hardware_addr,
                target_protocol_addr,
            } => write!(
                f,
                "ARP {operation:?} {source_protocol_addr} ({source_hardware_addr}) -> \
                 {target_protocol_addr} ({target_hardware_addr})"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST_MAC: EthernetAddress = EthernetAddress([0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c]);
    const ROUTER_MAC: EthernetAddress = EthernetAddress([0xc8, 0x3a, 0x35, 0x12, 0x34, 0x56]);

    /// "Who has 192.168.1.1? Tell 192.168.1.100", as captured (Ethernet header removed).
    const REQUEST: [u8; 28] = [
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0xc0,
        0xa8, 0x01, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x01,
    ];

    /// "192.168.1.1 is at c8:3a:35:12:34:56", the answer to [`REQUEST`].
    const REPLY: [u8; 28] = [
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0xc8, 0x3a, 0x35, 0x12, 0x34, 0x56, 0xc0,
        0xa8, 0x01, 0x01, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0xc0, 0xa8, 0x01, 0x64,
    ];

    fn request_repr() -> ArpRepr {
        ArpRepr::EthernetIpv4 {
            operation: Operation::Request,
            source_hardware_addr: HOST_MAC,
            source_protocol_addr: Ipv4Addr::new(192, 168, 1, 100),
            target_hardware_addr: EthernetAddress::UNSPECIFIED,
            target_protocol_addr: Ipv4Addr::new(192, 168, 1, 1),
        }
    }

    fn reply_repr() -> ArpRepr {
        ArpRepr::EthernetIpv4 {
            operation: Operation::Reply,
            source_hardware_addr: ROUTER_MAC,
            source_protocol_addr: Ipv4Addr::new(192, 168, 1, 1),
            target_hardware_addr: HOST_MAC,
            target_protocol_addr: Ipv4Addr::new(192, 168, 1, 100),
        }
    }

    #[test]
    fn deconstruct_request() {
        let packet = ArpPacket::new_checked(&REQUEST[..]).unwrap();
        assert_eq!(packet.hardware_type(), 1);
        assert_eq!(packet.protocol_type(), EtherType::Ipv4);
        assert_eq!(packet.hardware_len(), 6);
        assert_eq!(packet.protocol_len(), 4);
        assert_eq!(packet.operation(), Operation::Request);
        assert_eq!(packet.source_hardware_addr(), HOST_MAC.as_bytes());
        assert_eq!(packet.source_protocol_addr(), &[192, 168, 1, 100]);
        assert_eq!(packet.target_hardware_addr(), &[0; 6]);
        assert_eq!(packet.target_protocol_addr(), &[192, 168, 1, 1]);
    }

    #[test]
    fn request_reply_pair_round_trips() {
        for (bytes, repr) in [(REQUEST, request_repr()), (REPLY, reply_repr())] {
            let packet = ArpPacket::new_checked(&bytes[..]).unwrap();
            assert_eq!(ArpRepr::parse(&packet), Ok(repr));
            assert_eq!(repr.buffer_len(), 28);
            let mut out = [0xa5u8; 28];
            repr.emit(&mut ArpPacket::new_unchecked(&mut out[..]))
                .unwrap();
            assert_eq!(out, bytes);
        }
    }

    #[test]
    fn padding_is_ignored() {
        // As delivered in a minimum-size Ethernet frame: 18 bytes of padding.
        let mut padded = [0u8; 46];
        padded[..28].copy_from_slice(&REPLY);
        let packet = ArpPacket::new_checked(&padded[..]).unwrap();
        assert_eq!(ArpRepr::parse(&packet), Ok(reply_repr()));
    }

    #[test]
    fn truncated() {
        for len in 0..28 {
            assert_eq!(
                ArpPacket::new_checked(&REQUEST[..len]),
                Err(WireError::Truncated)
            );
        }
        let mut short = [0u8; 27];
        assert_eq!(
            request_repr().emit(&mut ArpPacket::new_unchecked(&mut short[..])),
            Err(WireError::Truncated)
        );
    }

    #[test]
    fn wrong_sizes_rejected() {
        // Ethernet/IPv4 claiming 8-byte hardware addresses: long enough to read, but wrong.
        let mut bytes = [0u8; 40];
        bytes[..28].copy_from_slice(&REQUEST);
        bytes[4] = 8;
        let packet = ArpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.source_hardware_addr().len(), 8);
        assert_eq!(ArpRepr::parse(&packet), Err(WireError::Malformed));

        let mut bytes = REQUEST;
        bytes[5] = 3;
        let packet = ArpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(ArpRepr::parse(&packet), Err(WireError::Malformed));

        // Lengths that point beyond the buffer are caught by the length check.
        let mut bytes = REQUEST;
        bytes[5] = 16;
        assert_eq!(
            ArpPacket::new_checked(&bytes[..]),
            Err(WireError::Truncated)
        );
    }

    #[test]
    fn other_hardware_or_protocol_unsupported() {
        let mut bytes = REQUEST;
        bytes[1] = 6; // IEEE 802 networks
        let packet = ArpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(ArpRepr::parse(&packet), Err(WireError::Unsupported));

        let mut bytes = REQUEST;
        bytes[2] = 0x86;
        bytes[3] = 0xdd;
        let packet = ArpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(ArpRepr::parse(&packet), Err(WireError::Unsupported));
    }

    #[test]
    fn unknown_operation_parses() {
        let mut bytes = REQUEST;
        bytes[7] = 3; // RARP request
        let packet = ArpPacket::new_checked(&bytes[..]).unwrap();
        let Ok(ArpRepr::EthernetIpv4 { operation, .. }) = ArpRepr::parse(&packet) else {
            panic!("should parse");
        };
        assert_eq!(operation, Operation::Unknown(3));
        assert_eq!(u16::from(operation), 3);
    }

    #[test]
    fn no_panic_on_any_lengths() {
        for hlen in 0..=255u8 {
            for plen in [0u8, 1, 4, 255] {
                let mut bytes = [0u8; 40];
                bytes[..28].copy_from_slice(&REQUEST);
                bytes[4] = hlen;
                bytes[5] = plen;
                for len in 0..=bytes.len() {
                    if let Ok(packet) = ArpPacket::new_checked(&bytes[..len]) {
                        let _ = ArpRepr::parse(&packet);
                        let _ = packet.target_protocol_addr();
                    }
                }
            }
        }
    }
}
