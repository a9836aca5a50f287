//! Ethernet II framing (IEEE 802.3) with an optional IEEE 802.1Q VLAN tag.
//!
//! The frame check sequence is not part of the view: drivers strip it on receive and the
//! MAC appends it on send. Padding short frames to the 60-byte minimum is also left to the
//! driver, which is why a payload may be longer than the upper layer's own length field.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

/// The error shared by all wire formats.
#[cfg(CONFIG_NET_IP)]
pub use crate::ip::checksum::WireError;

/// Why a wire-format view or representation rejected a buffer.
///
/// Ethernet can be built without an IP stack (raw packet sockets); the shared type of the
/// same name in `ip::checksum` is used instead whenever IP is on, so code sees one type.
#[cfg(not(CONFIG_NET_IP))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireError {
    /// The buffer is shorter than the header needs.
    Truncated,
    /// A field holds a value the protocol forbids.
    Malformed,
    /// The checksum does not match the contents.
    Checksum,
    /// Well-formed, but a variant this stack does not handle.
    Unsupported,
}

/// A 48-bit Ethernet MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct EthernetAddress(pub [u8; 6]);

impl EthernetAddress {
    /// The broadcast address ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: EthernetAddress = EthernetAddress([0xff; 6]);

    /// The all-zero address, used as the unknown target of an ARP request.
    pub const UNSPECIFIED: EthernetAddress = EthernetAddress([0; 6]);

    /// The address in `bytes`; `None` unless it is exactly six bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Option<EthernetAddress> {
        <[u8; 6]>::try_from(bytes).ok().map(EthernetAddress)
    }

    /// The six octets, in transmission order.
    pub const fn as_bytes(&self) -> &[u8; 6] {
        &self.0
    }

    /// Whether this is ff:ff:ff:ff:ff:ff.
    pub const fn is_broadcast(&self) -> bool {
        matches!(self.0, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    }

    /// Whether the group bit is set; broadcast counts as multicast here, as on the wire.
    pub const fn is_multicast(&self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// Whether the group bit is clear: an address that one interface may own.
    pub const fn is_unicast(&self) -> bool {
        !self.is_multicast()
    }

    /// Whether the locally administered bit is set (randomised or assigned in software
    /// rather than burnt in by the vendor).
    pub const fn is_local(&self) -> bool {
        self.0[0] & 0x02 != 0
    }

    /// Whether this is the all-zero address.
    pub const fn is_unspecified(&self) -> bool {
        matches!(self.0, [0, 0, 0, 0, 0, 0])
    }

    /// The multicast MAC for an IPv4 group: 01:00:5e and the low 23 bits (RFC 1112 §6.4).
    pub const fn from_ipv4_multicast(group: Ipv4Addr) -> EthernetAddress {
        let o = group.octets();
        EthernetAddress([0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]])
    }

    /// The multicast MAC for an IPv6 group: 33:33 and the low 32 bits (RFC 2464 §7).
    pub const fn from_ipv6_multicast(group: Ipv6Addr) -> EthernetAddress {
        let o = group.octets();
        EthernetAddress([0x33, 0x33, o[12], o[13], o[14], o[15]])
    }
}

impl fmt::Display for EthernetAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// The EtherType of a frame's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EtherType {
    /// IPv4 (0x0800).
    Ipv4,
    /// ARP (0x0806).
    Arp,
    /// IPv6 (0x86DD).
    Ipv6,
    /// An IEEE 802.1Q tag (0x8100); as a payload type it means a second, unsupported tag.
    Vlan,
    /// Anything else, kept for counting or for raw sockets.
    Unknown(u16),
}

impl From<u16> for EtherType {
    fn from(value: u16) -> Self {
        match value {
            0x0800 => EtherType::Ipv4,
            0x0806 => EtherType::Arp,
            0x86dd => EtherType::Ipv6,
            0x8100 => EtherType::Vlan,
            other => EtherType::Unknown(other),
        }
    }
}

impl From<EtherType> for u16 {
    fn from(value: EtherType) -> Self {
        match value {
            EtherType::Ipv4 => 0x0800,
            EtherType::Arp => 0x0806,
            EtherType::Ipv6 => 0x86dd,
            EtherType::Vlan => 0x8100,
            EtherType::Unknown(other) => other,
        }
    }
}

impl fmt::Display for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EtherType::Ipv4 => f.write_str("IPv4"),
            EtherType::Arp => f.write_str("ARP"),
            EtherType::Ipv6 => f.write_str("IPv6"),
            EtherType::Vlan => f.write_str("802.1Q"),
            EtherType::Unknown(n) => write!(f, "0x{n:04x}"),
        }
    }
}

/// The tag control information of an IEEE 802.1Q tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VlanTag {
    /// Priority code point, 0 to 7 (IEEE 802.1p); maps to a traffic class.
    pub pcp: u8,
    /// Drop eligible indicator.
    pub dei: bool,
    /// VLAN identifier, 0 to 4095; 0 means "priority tag only, no VLAN".
    pub vid: u16,
}

impl VlanTag {
    /// Splits a 16-bit TCI into its fields.
    pub const fn from_tci(tci: u16) -> VlanTag {
        VlanTag {
            pcp: (tci >> 13) as u8,
            dei: tci & 0x1000 != 0,
            vid: tci & 0x0fff,
        }
    }

    /// Packs the fields into a TCI; out-of-range `pcp` and `vid` bits are dropped.
    pub const fn to_tci(&self) -> u16 {
        ((self.pcp as u16 & 0x7) << 13) | ((self.dei as u16) << 12) | (self.vid & 0x0fff)
    }
}

/// A read/write view of an Ethernet frame in a byte buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthernetFrame<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use core::ops::Range;

    pub const DESTINATION: Range<usize> = 0..6;
    pub const SOURCE: Range<usize> = 6..12;
    pub const ETHERTYPE: Range<usize> = 12..14;
    pub const TCI: Range<usize> = 14..16;
    pub const INNER_ETHERTYPE: Range<usize> = 16..18;
}

/// Length of an untagged Ethernet header.
pub const HEADER_LEN: usize = field::ETHERTYPE.end;

/// Length of an Ethernet header with one 802.1Q tag.
pub const VLAN_HEADER_LEN: usize = field::INNER_ETHERTYPE.end;

/// The EtherType value (TPID) that introduces an 802.1Q tag.
const TPID_VLAN: u16 = 0x8100;

fn get16(data: &[u8], at: core::ops::Range<usize>) -> u16 {
    u16::from_be_bytes([data[at.start], data[at.start + 1]])
}

fn set16(data: &mut [u8], at: core::ops::Range<usize>, value: u16) {
    data[at].copy_from_slice(&value.to_be_bytes());
}

impl<T: AsRef<[u8]>> EthernetFrame<T> {
    /// Wraps a buffer without checking it; accessors may panic until [`Self::check_len`]
    /// has succeeded.
    pub const fn new_unchecked(buffer: T) -> Self {
        EthernetFrame { buffer }
    }

    /// Wraps a buffer after [`Self::check_len`], so that no accessor can panic.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let frame = Self::new_unchecked(buffer);
        frame.check_len()?;
        Ok(frame)
    }

    /// Checks that the header, and the tag when the outer EtherType announces one, fit.
    ///
    /// After success no accessor panics; `set_vlan_tag` on a frame that had none can break
    /// that again.
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN || len < self.header_len() {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn is_tagged(&self) -> bool {
        get16(self.buffer.as_ref(), field::ETHERTYPE) == TPID_VLAN
    }

    /// The header length: 14, or 18 with an 802.1Q tag.
    pub fn header_len(&self) -> usize {
        if self.is_tagged() {
            VLAN_HEADER_LEN
        } else {
            HEADER_LEN
        }
    }

    /// The destination address.
    pub fn dst_addr(&self) -> EthernetAddress {
        let d = self.buffer.as_ref();
        EthernetAddress([d[0], d[1], d[2], d[3], d[4], d[5]])
    }

    /// The source address.
    pub fn src_addr(&self) -> EthernetAddress {
        let d = self.buffer.as_ref();
        EthernetAddress([d[6], d[7], d[8], d[9], d[10], d[11]])
    }

    /// The EtherType of the payload: after the tag when there is one.
    pub fn ethertype(&self) -> EtherType {
        let at = if self.is_tagged() {
            field::INNER_ETHERTYPE
        } else {
            field::ETHERTYPE
        };
        EtherType::from(get16(self.buffer.as_ref(), at))
    }

    /// The 802.1Q tag, if the frame has one.
    pub fn vlan_tag(&self) -> Option<VlanTag> {
        if self.is_tagged() {
            Some(VlanTag::from_tci(get16(self.buffer.as_ref(), field::TCI)))
        } else {
            None
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> EthernetFrame<&'a T> {
    /// The payload after the header (and tag), padding included.
    pub fn payload(&self) -> &'a [u8] {
        let data = self.buffer.as_ref();
        &data[self.header_len()..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> EthernetFrame<T> {
    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, value: EthernetAddress) {
        self.buffer.as_mut()[field::DESTINATION].copy_from_slice(&value.0);
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, value: EthernetAddress) {
        self.buffer.as_mut()[field::SOURCE].copy_from_slice(&value.0);
    }

    /// Sets the EtherType of the payload, after the tag when there is one; so set the tag
    /// first.
    pub fn set_ethertype(&mut self, value: EtherType) {
        let at = if self.is_tagged() {
            field::INNER_ETHERTYPE
        } else {
            field::ETHERTYPE
        };
        set16(self.buffer.as_mut(), at, value.into());
    }

    /// Writes an 802.1Q tag (TPID and TCI) after the source address; the buffer must hold
    /// the 18-byte tagged header.
    pub fn set_vlan_tag(&mut self, tag: VlanTag) {
        let data = self.buffer.as_mut();
        set16(data, field::ETHERTYPE, TPID_VLAN);
        set16(data, field::TCI, tag.to_tci());
    }

    /// The payload, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        &mut self.buffer.as_mut()[start..]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for EthernetFrame<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The header of an Ethernet frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EthernetRepr {
    /// Source address.
    pub src_addr: EthernetAddress,
    /// Destination address.
    pub dst_addr: EthernetAddress,
    /// EtherType of the payload (never `Vlan` for a frame that parsed).
    pub ethertype: EtherType,
    /// The 802.1Q tag, if any.
    pub vlan: Option<VlanTag>,
}

impl EthernetRepr {
    /// Parses a frame header.
    ///
    /// A second tag (an inner EtherType of 0x8100, as in Q-in-Q) is `Unsupported`: one tag
    /// is all this stack interprets. Unknown EtherTypes parse, as `EtherType::Unknown`.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(
        frame: &EthernetFrame<&T>,
    ) -> Result<EthernetRepr, WireError> {
        frame.check_len()?;
        let ethertype = frame.ethertype();
        if ethertype == EtherType::Vlan {
            return Err(WireError::Unsupported);
        }
        Ok(EthernetRepr {
            src_addr: frame.src_addr(),
            dst_addr: frame.dst_addr(),
            ethertype,
            vlan: frame.vlan_tag(),
        })
    }

    /// The header length: 14, or 18 with a tag.
    pub const fn header_len(&self) -> usize {
        if self.vlan.is_some() {
            VLAN_HEADER_LEN
        } else {
            HEADER_LEN
        }
    }

    /// The frame length for a payload of `payload_len` bytes (before padding and FCS).
    pub const fn buffer_len(&self, payload_len: usize) -> usize {
        self.header_len().saturating_add(payload_len)
    }

    /// Writes the header; the payload is not touched. Fails with `Truncated` when the
    /// buffer is shorter than the header.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
        &self,
        frame: &mut EthernetFrame<&mut T>,
    ) -> Result<(), WireError> {
        if frame.buffer.as_ref().len() < self.header_len() {
            return Err(WireError::Truncated);
        }
        frame.set_dst_addr(self.dst_addr);
        frame.set_src_addr(self.src_addr);
        match self.vlan {
            Some(tag) => frame.set_vlan_tag(tag),
            // Written explicitly so that a stale TPID in a reused buffer cannot turn the
            // frame into a tagged one.
            None => set16(frame.buffer.as_mut(), field::ETHERTYPE, 0),
        }
        frame.set_ethertype(self.ethertype);
        Ok(())
    }
}

impl fmt::Display for EthernetRepr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Ethernet src={} dst={} type={}",
            self.src_addr, self.dst_addr, self.ethertype
        )?;
        if let Some(tag) = self.vlan {
            write!(f, " vlan={} pcp={}", tag.vid, tag.pcp)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ARP request as captured on a LAN: broadcast from 00:1b:21:3a:4f:5c asking for
    /// 192.168.1.1 on behalf of 192.168.1.100, padded to the 60-byte minimum (FCS stripped).
    const ARP_FRAME: [u8; 60] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, 0x08, 0x06, //
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c, //
        0xc0, 0xa8, 0x01, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x01, //
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
        0x00, 0x00, 0x00, 0x00,
    ];

    /// An IPv6 frame tagged for VLAN 100 with priority 5 (voice), DEI clear: TCI 0xa064.
    const TAGGED_FRAME: [u8; 22] = [
        0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01, 0x81, 0x00, //
        0xa0, 0x64, 0x86, 0xdd, 0x60, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn deconstruct_untagged() {
        let frame = EthernetFrame::new_checked(&ARP_FRAME[..]).unwrap();
        assert_eq!(frame.dst_addr(), EthernetAddress::BROADCAST);
        assert_eq!(
            frame.src_addr(),
            EthernetAddress([0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c])
        );
        assert_eq!(frame.ethertype(), EtherType::Arp);
        assert_eq!(frame.vlan_tag(), None);
        assert_eq!(frame.header_len(), 14);
        assert_eq!(frame.payload(), &ARP_FRAME[14..]);
    }

    #[test]
    fn deconstruct_tagged() {
        let frame = EthernetFrame::new_checked(&TAGGED_FRAME[..]).unwrap();
        assert_eq!(frame.ethertype(), EtherType::Ipv6);
        assert_eq!(
            frame.vlan_tag(),
            Some(VlanTag {
                pcp: 5,
                dei: false,
                vid: 100
            })
        );
        assert_eq!(frame.header_len(), 18);
        assert_eq!(frame.payload(), &[0x60, 0x00, 0x00, 0x00]);
        assert!(frame.dst_addr().is_multicast());
        assert!(frame.src_addr().is_local());
    }

    #[test]
    fn round_trips() {
        for bytes in [&ARP_FRAME[..], &TAGGED_FRAME[..]] {
            let frame = EthernetFrame::new_checked(bytes).unwrap();
            let repr = EthernetRepr::parse(&frame).unwrap();
            let mut out = [0x81u8; 60];
            let out = &mut out[..bytes.len()];
            out[repr.header_len()..].copy_from_slice(&bytes[repr.header_len()..]);
            repr.emit(&mut EthernetFrame::new_unchecked(&mut *out))
                .unwrap();
            assert_eq!(out, bytes);
            assert_eq!(
                repr.buffer_len(bytes.len() - repr.header_len()),
                bytes.len()
            );
        }
    }

    #[test]
    fn truncated() {
        for len in 0..14 {
            assert_eq!(
                EthernetFrame::new_checked(&ARP_FRAME[..len]),
                Err(WireError::Truncated)
            );
        }
        for len in 14..18 {
            assert_eq!(
                EthernetFrame::new_checked(&TAGGED_FRAME[..len]),
                Err(WireError::Truncated)
            );
        }
        // A header with no payload is a valid view.
        assert!(EthernetFrame::new_checked(&TAGGED_FRAME[..18]).is_ok());
        let repr =
            EthernetRepr::parse(&EthernetFrame::new_checked(&ARP_FRAME[..]).unwrap()).unwrap();
        let mut short = [0u8; 13];
        assert_eq!(
            repr.emit(&mut EthernetFrame::new_unchecked(&mut short[..])),
            Err(WireError::Truncated)
        );
    }

    #[test]
    fn unknown_ethertype_passes_through() {
        let mut bytes = ARP_FRAME;
        bytes[12] = 0x88;
        bytes[13] = 0xcc; // LLDP
        let frame = EthernetFrame::new_checked(&bytes[..]).unwrap();
        let repr = EthernetRepr::parse(&frame).unwrap();
        assert_eq!(repr.ethertype, EtherType::Unknown(0x88cc));
        assert_eq!(u16::from(repr.ethertype), 0x88cc);
    }

    #[test]
    fn double_tag_is_unsupported() {
        let mut bytes = TAGGED_FRAME;
        bytes[16] = 0x81;
        bytes[17] = 0x00;
        let frame = EthernetFrame::new_checked(&bytes[..]).unwrap();
        assert_eq!(frame.ethertype(), EtherType::Vlan);
        assert_eq!(EthernetRepr::parse(&frame), Err(WireError::Unsupported));
    }

    #[test]
    fn vlan_tci_packing() {
        let tag = VlanTag {
            pcp: 7,
            dei: true,
            vid: 4095,
        };
        assert_eq!(tag.to_tci(), 0xffff);
        assert_eq!(VlanTag::from_tci(0xffff), tag);
        assert_eq!(VlanTag::from_tci(0x2001).pcp, 1);
        // Out-of-range fields cannot spill into their neighbours.
        let wide = VlanTag {
            pcp: 0xff,
            dei: false,
            vid: 0xffff,
        };
        assert_eq!(wide.to_tci(), 0xefff);
    }

    #[test]
    fn address_properties() {
        assert!(EthernetAddress::BROADCAST.is_broadcast());
        assert!(EthernetAddress::BROADCAST.is_multicast());
        assert!(!EthernetAddress::BROADCAST.is_unicast());
        let vendor = EthernetAddress([0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x5c]);
        assert!(vendor.is_unicast() && !vendor.is_local() && !vendor.is_broadcast());
        assert!(EthernetAddress::UNSPECIFIED.is_unspecified());
        assert_eq!(vendor.to_string(), "00:1b:21:3a:4f:5c");
        assert_eq!(EthernetAddress::from_bytes(&ARP_FRAME[6..12]), Some(vendor));
        assert_eq!(EthernetAddress::from_bytes(&ARP_FRAME[6..11]), None);
        assert_eq!(
            EthernetAddress::from_ipv4_multicast(Ipv4Addr::new(224, 129, 2, 3)),
            EthernetAddress([0x01, 0x00, 0x5e, 0x01, 0x02, 0x03])
        );
        assert_eq!(
            EthernetAddress::from_ipv6_multicast(Ipv6Addr::new(
                0xff02, 0, 0, 0, 0, 1, 0xff00, 0x0002
            )),
            EthernetAddress([0x33, 0x33, 0xff, 0x00, 0x00, 0x02])
        );
    }

    #[test]
    fn ethertype_numbers_round_trip() {
        for n in [0u16, 0x0800, 0x0806, 0x86dd, 0x8100, 0x88a8, 0xffff] {
            assert_eq!(u16::from(EtherType::from(n)), n);
        }
        assert_eq!(EtherType::from(0x86dd), EtherType::Ipv6);
    }
}
