//! IPv4 wire format (RFC 791): a zero-copy header view, its parsed representation, and
//! the CIDR prefix type the routing and address code shares.

use core::fmt;
use core::net::Ipv4Addr;

use crate::ip::checksum::{self, ChecksumPolicy, WireError};

/// Re-exported so that IPv4 code can name protocols from its own module; the enum lives in
/// [`checksum`] because IPv6 needs it in configurations without IPv4.
pub use crate::ip::checksum::IpProtocol;

/// A read/write view of an IPv4 packet in a byte buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use core::ops::Range;

    pub const VER_IHL: usize = 0;
    pub const DSCP_ECN: usize = 1;
    pub const LENGTH: Range<usize> = 2..4;
    pub const IDENT: Range<usize> = 4..6;
    pub const FLG_OFF: Range<usize> = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Range<usize> = 10..12;
    pub const SRC_ADDR: Range<usize> = 12..16;
    pub const DST_ADDR: Range<usize> = 16..20;
}

/// Length of an IPv4 header without options.
pub const HEADER_LEN: usize = field::DST_ADDR.end;

/// Don't Fragment, in the flags/fragment-offset word.
const FLAG_DF: u16 = 0x4000;
/// More Fragments, in the flags/fragment-offset word.
const FLAG_MF: u16 = 0x2000;
/// The fragment offset, in 8-byte units, in the flags/fragment-offset word.
const OFFSET_MASK: u16 = 0x1fff;

fn get16(data: &[u8], at: core::ops::Range<usize>) -> u16 {
    u16::from_be_bytes([data[at.start], data[at.start + 1]])
}

fn set16(data: &mut [u8], at: core::ops::Range<usize>, value: u16) {
    data[at].copy_from_slice(&value.to_be_bytes());
}

fn get_addr(data: &[u8], at: core::ops::Range<usize>) -> Ipv4Addr {
    let s = at.start;
    Ipv4Addr::new(data[s], data[s + 1], data[s + 2], data[s + 3])
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wraps a buffer without checking it; accessors may panic until [`Self::check_len`]
    /// has succeeded.
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv4Packet { buffer }
    }

    /// Wraps a buffer after [`Self::check_len`], so that no accessor can panic.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the header, its options and the total length all fit the buffer.
    ///
    /// After success no accessor panics. `set_header_len` and `set_total_len` can break the
    /// guarantee again. The buffer may be longer than the total length (Ethernet pads short
    /// frames); [`Self::payload`] stops at the total length.
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let header_len = usize::from(self.header_len());
        if header_len < HEADER_LEN {
            return Err(WireError::Malformed);
        }
        if header_len > len {
            return Err(WireError::Truncated);
        }
        let total_len = usize::from(self.total_len());
        if total_len < header_len {
            return Err(WireError::Malformed);
        }
        if total_len > len {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The version field; 4 for IPv4.
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// The header length in bytes (IHL × 4), options included.
    pub fn header_len(&self) -> u8 {
        (self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }

    /// The whole traffic-class byte: DSCP in the upper six bits, ECN in the lower two.
    pub fn dscp_ecn(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN]
    }

    /// The Differentiated Services Code Point (RFC 2474).
    pub fn dscp(&self) -> u8 {
        self.dscp_ecn() >> 2
    }

    /// The Explicit Congestion Notification bits (RFC 3168).
    pub fn ecn(&self) -> u8 {
        self.dscp_ecn() & 0x03
    }

    /// The total length of header and payload, in bytes.
    pub fn total_len(&self) -> u16 {
        get16(self.buffer.as_ref(), field::LENGTH)
    }

    /// The identification field, shared by all fragments of one datagram.
    pub fn ident(&self) -> u16 {
        get16(self.buffer.as_ref(), field::IDENT)
    }

    /// The Don't Fragment flag.
    pub fn dont_frag(&self) -> bool {
        get16(self.buffer.as_ref(), field::FLG_OFF) & FLAG_DF != 0
    }

    /// The More Fragments flag.
    pub fn more_frags(&self) -> bool {
        get16(self.buffer.as_ref(), field::FLG_OFF) & FLAG_MF != 0
    }

    /// The fragment offset in bytes (the field counts 8-byte units).
    pub fn frag_offset(&self) -> u16 {
        (get16(self.buffer.as_ref(), field::FLG_OFF) & OFFSET_MASK) << 3
    }

    /// Whether this is a fragment rather than a whole datagram: more fragments follow, or
    /// this one does not start at offset 0.
    pub fn is_fragment(&self) -> bool {
        self.more_frags() || self.frag_offset() != 0
    }

    /// The time-to-live, used as a hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// The protocol of the payload.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol::from(self.buffer.as_ref()[field::PROTOCOL])
    }

    /// The header checksum field.
    pub fn checksum(&self) -> u16 {
        get16(self.buffer.as_ref(), field::CHECKSUM)
    }

    /// The source address.
    pub fn src_addr(&self) -> Ipv4Addr {
        get_addr(self.buffer.as_ref(), field::SRC_ADDR)
    }

    /// The destination address.
    pub fn dst_addr(&self) -> Ipv4Addr {
        get_addr(self.buffer.as_ref(), field::DST_ADDR)
    }

    /// Whether the header checksum, options included, is correct.
    pub fn verify_checksum(&self) -> bool {
        let data = self.buffer.as_ref();
        checksum::data(&data[..usize::from(self.header_len())]) == 0xffff
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Ipv4Packet<&'a T> {
    /// The options between the fixed header and the payload; empty when IHL is 5.
    pub fn options(&self) -> &'a [u8] {
        let data = self.buffer.as_ref();
        &data[HEADER_LEN..usize::from(self.header_len())]
    }

    /// The payload, from the end of the options to the total length (padding after it, as
    /// on short Ethernet frames, is excluded).
    pub fn payload(&self) -> &'a [u8] {
        let data = self.buffer.as_ref();
        &data[usize::from(self.header_len())..usize::from(self.total_len())]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    /// Sets the version field.
    pub fn set_version(&mut self, value: u8) {
        let data = self.buffer.as_mut();
        data[field::VER_IHL] = (data[field::VER_IHL] & 0x0f) | (value << 4);
    }

    /// Sets the header length in bytes; it is stored divided by 4.
    pub fn set_header_len(&mut self, value: u8) {
        let data = self.buffer.as_mut();
        data[field::VER_IHL] = (data[field::VER_IHL] & 0xf0) | ((value / 4) & 0x0f);
    }

    /// Sets the traffic-class byte (DSCP and ECN).
    pub fn set_dscp_ecn(&mut self, value: u8) {
        self.buffer.as_mut()[field::DSCP_ECN] = value;
    }

    /// Sets the total length.
    pub fn set_total_len(&mut self, value: u16) {
        set16(self.buffer.as_mut(), field::LENGTH, value);
    }

    /// Sets the identification field.
    pub fn set_ident(&mut self, value: u16) {
        set16(self.buffer.as_mut(), field::IDENT, value);
    }

    /// Clears both flags and the fragment offset.
    pub fn clear_flags(&mut self) {
        set16(self.buffer.as_mut(), field::FLG_OFF, 0);
    }

    fn update_flg_off(&mut self, mask: u16, bits: u16) {
        let old = get16(self.buffer.as_ref(), field::FLG_OFF);
        set16(self.buffer.as_mut(), field::FLG_OFF, (old & !mask) | bits);
    }

    /// Sets or clears the Don't Fragment flag.
    pub fn set_dont_frag(&mut self, value: bool) {
        self.update_flg_off(FLAG_DF, if value { FLAG_DF } else { 0 });
    }

    /// Sets or clears the More Fragments flag.
    pub fn set_more_frags(&mut self, value: bool) {
        self.update_flg_off(FLAG_MF, if value { FLAG_MF } else { 0 });
    }

    /// Sets the fragment offset in bytes; it must be a multiple of 8, lower bits are lost.
    pub fn set_frag_offset(&mut self, value: u16) {
        self.update_flg_off(OFFSET_MASK, value >> 3);
    }

    /// Sets the time-to-live.
    pub fn set_hop_limit(&mut self, value: u8) {
        self.buffer.as_mut()[field::TTL] = value;
    }

    /// Sets the protocol of the payload.
    pub fn set_next_header(&mut self, value: IpProtocol) {
        self.buffer.as_mut()[field::PROTOCOL] = value.into();
    }

    /// Sets the checksum field to a given value.
    pub fn set_checksum(&mut self, value: u16) {
        set16(self.buffer.as_mut(), field::CHECKSUM, value);
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, value: Ipv4Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&value.octets());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, value: Ipv4Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&value.octets());
    }

    /// Computes the header checksum, options included, and stores it.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let header_len = usize::from(self.header_len());
        let sum = checksum::data(&self.buffer.as_ref()[..header_len]);
        self.set_checksum(checksum::finish(sum));
    }

    /// The payload, mutably, bounded like [`Ipv4Packet::payload`].
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let range = usize::from(self.header_len())..usize::from(self.total_len());
        &mut self.buffer.as_mut()[range]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Ipv4Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The parts of an IPv4 header that the stack acts on.
///
/// Options are skipped on parse and never emitted; fragmentation fields are not
/// represented, which is why [`Ipv4Repr::parse`] refuses fragments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Repr {
    /// Source address.
    pub src_addr: Ipv4Addr,
    /// Destination address.
    pub dst_addr: Ipv4Addr,
    /// Protocol of the payload.
    pub next_header: IpProtocol,
    /// Payload length in bytes, options excluded.
    pub payload_len: usize,
    /// Time-to-live.
    pub hop_limit: u8,
    /// Traffic-class byte (DSCP and ECN).
    pub dscp_ecn: u8,
}

impl Ipv4Repr {
    /// The largest payload that fits the 16-bit total length with a 20-byte header.
    pub const MAX_PAYLOAD_LEN: usize = u16::MAX as usize - HEADER_LEN;

    /// Parses a packet that passed [`Ipv4Packet::check_len`] (as [`Ipv4Packet::new_checked`]
    /// ensures).
    ///
    /// Fails with `Unsupported` for another version and for fragments (reassembly works on
    /// [`Ipv4Packet`] directly: test [`Ipv4Packet::is_fragment`] first), and with `Checksum`
    /// on a bad header checksum unless the policy trusts the device.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(
        packet: &Ipv4Packet<&T>,
        policy: ChecksumPolicy,
    ) -> Result<Ipv4Repr, WireError> {
        // Repeated here because new_unchecked callers may not have checked.
        packet.check_len()?;
        if packet.version() != 4 {
            return Err(WireError::Unsupported);
        }
        if policy == ChecksumPolicy::Verify && !packet.verify_checksum() {
            return Err(WireError::Checksum);
        }
        if packet.is_fragment() {
            return Err(WireError::Unsupported);
        }
        Ok(Ipv4Repr {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            next_header: packet.next_header(),
            payload_len: packet.payload().len(),
            hop_limit: packet.hop_limit(),
            dscp_ecn: packet.dscp_ecn(),
        })
    }

    /// The header length [`Ipv4Repr::emit`] writes: always 20, as it writes no options.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The buffer length of the whole packet, header plus payload.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN.saturating_add(self.payload_len)
    }

    /// Writes the header: IHL 5, no options, Don't Fragment set, identification 0 (RFC 6864
    /// allows any value on atomic datagrams), and the checksum filled unless the device
    /// computes it.
    ///
    /// The payload is not touched, so it may already be in place. Fails with `Malformed`
    /// when `payload_len` exceeds [`Ipv4Repr::MAX_PAYLOAD_LEN`], and with `Truncated` when
    /// the buffer is shorter than the header.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
        &self,
        packet: &mut Ipv4Packet<&mut T>,
        fill_checksum: bool,
    ) -> Result<(), WireError> {
        let total_len = HEADER_LEN
            .checked_add(self.payload_len)
            .and_then(|len| u16::try_from(len).ok())
            .ok_or(WireError::Malformed)?;
        if packet.buffer.as_ref().len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        packet.set_version(4);
        packet.set_header_len(HEADER_LEN as u8);
        packet.set_dscp_ecn(self.dscp_ecn);
        packet.set_total_len(total_len);
        packet.set_ident(0);
        packet.clear_flags();
        packet.set_dont_frag(true);
        packet.set_hop_limit(self.hop_limit);
        packet.set_next_header(self.next_header);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
        if fill_checksum {
            packet.fill_checksum();
        } else {
            packet.set_checksum(0);
        }
        Ok(())
    }
}

impl fmt::Display for Ipv4Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IPv4 src={} dst={} proto={} len={} ttl={}",
            self.src_addr, self.dst_addr, self.next_header, self.payload_len, self.hop_limit
        )
    }
}

/// An IPv4 address with a prefix length, as configured on an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Cidr {
    address: Ipv4Addr,
    prefix_len: u8,
}

impl Ipv4Cidr {
    /// Creates a prefix; `None` when `prefix_len` exceeds 32.
    pub const fn new(address: Ipv4Addr, prefix_len: u8) -> Option<Ipv4Cidr> {
        if prefix_len > 32 {
            None
        } else {
            Some(Ipv4Cidr {
                address,
                prefix_len,
            })
        }
    }

    /// Creates a prefix from a dotted netmask; `None` when the mask is not contiguous ones
    /// followed by zeros (Zephyr's `NET_CONFIG_MY_IPV4_NETMASK` is given this way).
    pub const fn from_netmask(address: Ipv4Addr, netmask: Ipv4Addr) -> Option<Ipv4Cidr> {
        let mask = netmask.to_bits();
        let prefix_len = mask.leading_ones();
        // Contiguous means nothing is set after the leading ones.
        if prefix_len < 32 && mask << prefix_len != 0 {
            return None;
        }
        Ipv4Cidr::new(address, prefix_len as u8)
    }

    /// The address, host bits included.
    pub const fn address(&self) -> Ipv4Addr {
        self.address
    }

    /// The prefix length, 0 to 32.
    pub const fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    const fn mask_bits(&self) -> u32 {
        // checked_shl avoids the shift-by-32 overflow of a /0 prefix.
        match u32::MAX.checked_shl(32 - self.prefix_len as u32) {
            Some(mask) => mask,
            None => 0,
        }
    }

    /// The netmask, e.g. 255.255.255.0 for /24.
    pub const fn netmask(&self) -> Ipv4Addr {
        Ipv4Addr::from_bits(self.mask_bits())
    }

    /// The network address (host bits cleared).
    pub const fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from_bits(self.address.to_bits() & self.mask_bits())
    }

    /// The directed broadcast address; `None` for /31 (RFC 3021 point-to-point links) and
    /// /32, which have no broadcast.
    pub const fn broadcast(&self) -> Option<Ipv4Addr> {
        if self.prefix_len >= 31 {
            return None;
        }
        Some(Ipv4Addr::from_bits(
            self.address.to_bits() | !self.mask_bits(),
        ))
    }

    /// Whether `addr` is inside this prefix.
    pub const fn contains(&self, addr: Ipv4Addr) -> bool {
        let mask = self.mask_bits();
        addr.to_bits() & mask == self.address.to_bits() & mask
    }
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix_len)
    }
}

/// Address classifications that `core::net::Ipv4Addr` lacks on stable Rust.
pub trait Ipv4AddrExt {
    /// Whether the address can be the source of a datagram or a unicast destination: not
    /// unspecified, not the limited broadcast, not multicast and not in the reserved class E
    /// range 240.0.0.0/4.
    fn is_unicast(&self) -> bool;

    /// Whether the address is in the reserved range 240.0.0.0/4, broadcast excluded, which
    /// hosts must not use (RFC 1112 §4).
    fn is_class_e(&self) -> bool;
}

impl Ipv4AddrExt for Ipv4Addr {
    fn is_unicast(&self) -> bool {
        !(self.is_unspecified() || self.is_broadcast() || self.is_multicast() || self.is_class_e())
    }

    fn is_class_e(&self) -> bool {
        self.octets()[0] >= 240 && !self.is_broadcast()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header from Wikipedia's "Internet checksum" example, followed by 95 bytes of
    /// payload to match its total length of 0x73.
    const HEADER: [u8; 20] = [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7,
    ];

    fn example() -> [u8; 0x73] {
        let mut buf = [0u8; 0x73];
        buf[..20].copy_from_slice(&HEADER);
        for (i, b) in buf[20..].iter_mut().enumerate() {
            *b = i as u8;
        }
        buf
    }

    #[test]
    fn deconstruct_known_header() {
        let buf = example();
        let packet = Ipv4Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(packet.version(), 4);
        assert_eq!(packet.header_len(), 20);
        assert_eq!(packet.dscp_ecn(), 0);
        assert_eq!(packet.total_len(), 0x73);
        assert_eq!(packet.ident(), 0);
        assert!(packet.dont_frag());
        assert!(!packet.more_frags());
        assert_eq!(packet.frag_offset(), 0);
        assert!(!packet.is_fragment());
        assert_eq!(packet.hop_limit(), 64);
        assert_eq!(packet.next_header(), IpProtocol::Udp);
        assert_eq!(packet.checksum(), 0xb861);
        assert!(packet.verify_checksum());
        assert_eq!(packet.src_addr(), Ipv4Addr::new(192, 168, 0, 1));
        assert_eq!(packet.dst_addr(), Ipv4Addr::new(192, 168, 0, 199));
        assert!(packet.options().is_empty());
        assert_eq!(packet.payload().len(), 0x73 - 20);
        assert_eq!(packet.payload()[..3], [0, 1, 2]);
    }

    #[test]
    fn parse_and_emit_round_trip() {
        let buf = example();
        let packet = Ipv4Packet::new_checked(&buf[..]).unwrap();
        let repr = Ipv4Repr::parse(&packet, ChecksumPolicy::Verify).unwrap();
        assert_eq!(
            repr,
            Ipv4Repr {
                src_addr: Ipv4Addr::new(192, 168, 0, 1),
                dst_addr: Ipv4Addr::new(192, 168, 0, 199),
                next_header: IpProtocol::Udp,
                payload_len: 0x73 - 20,
                hop_limit: 64,
                dscp_ecn: 0,
            }
        );
        assert_eq!(repr.buffer_len(), 0x73);
        let mut out = [0xffu8; 0x73];
        out[20..].copy_from_slice(&buf[20..]);
        repr.emit(&mut Ipv4Packet::new_unchecked(&mut out[..]), true)
            .unwrap();
        // Same header as the example, checksum b861 included.
        assert_eq!(out, buf);
    }

    #[test]
    fn emit_without_checksum_leaves_zero() {
        let repr = Ipv4Repr {
            src_addr: Ipv4Addr::new(10, 0, 0, 1),
            dst_addr: Ipv4Addr::new(10, 0, 0, 2),
            next_header: IpProtocol::Icmp,
            payload_len: 0,
            hop_limit: 1,
            dscp_ecn: 0xb8,
        };
        let mut out = [0xaau8; 20];
        repr.emit(&mut Ipv4Packet::new_unchecked(&mut out[..]), false)
            .unwrap();
        let packet = Ipv4Packet::new_checked(&out[..]).unwrap();
        assert_eq!(packet.checksum(), 0);
        assert_eq!(packet.dscp(), 46);
        assert_eq!(packet.ecn(), 0);
        assert_eq!(Ipv4Repr::parse(&packet, ChecksumPolicy::Trust), Ok(repr));
        assert_eq!(
            Ipv4Repr::parse(&packet, ChecksumPolicy::Verify),
            Err(WireError::Checksum)
        );
    }

    #[test]
    fn emit_rejects_short_buffer_and_huge_payload() {
        let mut repr = Ipv4Repr {
            src_addr: Ipv4Addr::LOCALHOST,
            dst_addr: Ipv4Addr::LOCALHOST,
            next_header: IpProtocol::Udp,
            payload_len: 8,
            hop_limit: 64,
            dscp_ecn: 0,
        };
        let mut short = [0u8; 19];
        assert_eq!(
            repr.emit(&mut Ipv4Packet::new_unchecked(&mut short[..]), true),
            Err(WireError::Truncated)
        );
        repr.payload_len = Ipv4Repr::MAX_PAYLOAD_LEN + 1;
        let mut buf = [0u8; 20];
        assert_eq!(
            repr.emit(&mut Ipv4Packet::new_unchecked(&mut buf[..]), true),
            Err(WireError::Malformed)
        );
        repr.payload_len = usize::MAX;
        assert_eq!(repr.buffer_len(), usize::MAX);
    }

    #[test]
    fn truncated_and_malformed_lengths() {
        let buf = example();
        for len in 0..20 {
            assert_eq!(
                Ipv4Packet::new_checked(&buf[..len]).unwrap_err(),
                WireError::Truncated
            );
        }
        // Total length beyond the buffer.
        assert_eq!(
            Ipv4Packet::new_checked(&buf[..0x72]).unwrap_err(),
            WireError::Truncated
        );
        // IHL below 5.
        let mut bad = buf;
        bad[0] = 0x44;
        assert_eq!(
            Ipv4Packet::new_checked(&bad[..]).unwrap_err(),
            WireError::Malformed
        );
        // IHL beyond the buffer.
        let mut bad = HEADER;
        bad[0] = 0x4f;
        assert_eq!(
            Ipv4Packet::new_checked(&bad[..]).unwrap_err(),
            WireError::Truncated
        );
        // Total length below the header length.
        let mut bad = buf;
        bad[2] = 0;
        bad[3] = 19;
        assert_eq!(
            Ipv4Packet::new_checked(&bad[..]).unwrap_err(),
            WireError::Malformed
        );
    }

    #[test]
    fn padding_after_total_length_is_excluded() {
        // A 28-byte datagram in a minimum-size Ethernet payload of 46 bytes.
        let mut buf = [0u8; 46];
        let repr = Ipv4Repr {
            src_addr: Ipv4Addr::new(192, 0, 2, 1),
            dst_addr: Ipv4Addr::new(192, 0, 2, 2),
            next_header: IpProtocol::Udp,
            payload_len: 8,
            hop_limit: 64,
            dscp_ecn: 0,
        };
        repr.emit(&mut Ipv4Packet::new_unchecked(&mut buf[..]), true)
            .unwrap();
        let packet = Ipv4Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(packet.payload().len(), 8);
        assert_eq!(Ipv4Repr::parse(&packet, ChecksumPolicy::Verify), Ok(repr));
    }

    #[test]
    fn wrong_version_is_unsupported() {
        let mut buf = example();
        buf[0] = 0x65;
        let packet = Ipv4Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(
            Ipv4Repr::parse(&packet, ChecksumPolicy::Trust),
            Err(WireError::Unsupported)
        );
    }

    #[test]
    fn bad_checksum_detected() {
        let mut buf = example();
        buf[8] = 63; // TTL changed without updating the checksum
        let packet = Ipv4Packet::new_checked(&buf[..]).unwrap();
        assert!(!packet.verify_checksum());
        assert_eq!(
            Ipv4Repr::parse(&packet, ChecksumPolicy::Verify),
            Err(WireError::Checksum)
        );
    }

    #[test]
    fn options_are_skipped() {
        // IHL 6 with a Router Alert option (RFC 2113: 94 04 00 00), as IGMP sends.
        let mut buf = [0u8; 32];
        buf[..20].copy_from_slice(&[
            0x46, 0xc0, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x01, 0x02, 0x00, 0x00, 0xc0, 0x00,
            0x02, 0x01, 0xe0, 0x00, 0x00, 0x16,
        ]);
        buf[20..24].copy_from_slice(&[0x94, 0x04, 0x00, 0x00]);
        buf[24..].copy_from_slice(&[0x22, 0x00, 0xf9, 0x02, 0x00, 0x00, 0x00, 0x01]);
        let mut packet = Ipv4Packet::new_checked(&mut buf[..]).unwrap();
        packet.fill_checksum();
        let packet = Ipv4Packet::new_checked(&buf[..]).unwrap();
        assert!(packet.verify_checksum());
        assert_eq!(packet.header_len(), 24);
        assert_eq!(packet.options(), &[0x94, 0x04, 0x00, 0x00]);
        assert_eq!(packet.payload(), &buf[24..]);
        let repr = Ipv4Repr::parse(&packet, ChecksumPolicy::Verify).unwrap();
        assert_eq!(repr.next_header, IpProtocol::Igmp);
        assert_eq!(repr.payload_len, 8);
        assert_eq!(repr.dst_addr, Ipv4Addr::new(224, 0, 0, 22));
    }

    #[test]
    fn fragments_detected_and_refused() {
        let mut buf = example();
        {
            let mut packet = Ipv4Packet::new_unchecked(&mut buf[..]);
            packet.set_dont_frag(false);
            packet.set_more_frags(true);
            packet.fill_checksum();
        }
        let packet = Ipv4Packet::new_checked(&buf[..]).unwrap();
        assert!(packet.is_fragment());
        assert_eq!(
            Ipv4Repr::parse(&packet, ChecksumPolicy::Verify),
            Err(WireError::Unsupported)
        );

        // The last fragment: MF clear, offset 1480.
        let mut buf = example();
        {
            let mut packet = Ipv4Packet::new_unchecked(&mut buf[..]);
            packet.clear_flags();
            packet.set_frag_offset(1480);
            packet.fill_checksum();
        }
        let packet = Ipv4Packet::new_checked(&buf[..]).unwrap();
        assert!(!packet.more_frags());
        assert_eq!(packet.frag_offset(), 1480);
        assert!(packet.is_fragment());
        assert_eq!(buf[6..8], [0x00, 0xb9]);
    }

    #[test]
    fn cidr() {
        let cidr = Ipv4Cidr::new(Ipv4Addr::new(192, 0, 2, 1), 24).unwrap();
        assert_eq!(cidr.netmask(), Ipv4Addr::new(255, 255, 255, 0));
        assert_eq!(cidr.network(), Ipv4Addr::new(192, 0, 2, 0));
        assert_eq!(cidr.broadcast(), Some(Ipv4Addr::new(192, 0, 2, 255)));
        assert!(cidr.contains(Ipv4Addr::new(192, 0, 2, 200)));
        assert!(!cidr.contains(Ipv4Addr::new(192, 0, 3, 1)));
        assert_eq!(cidr.to_string(), "192.0.2.1/24");

        let all = Ipv4Cidr::new(Ipv4Addr::new(10, 1, 2, 3), 0).unwrap();
        assert_eq!(all.netmask(), Ipv4Addr::UNSPECIFIED);
        assert!(all.contains(Ipv4Addr::new(8, 8, 8, 8)));
        let host = Ipv4Cidr::new(Ipv4Addr::new(10, 1, 2, 3), 32).unwrap();
        assert_eq!(host.netmask(), Ipv4Addr::BROADCAST);
        assert_eq!(host.broadcast(), None);
        assert!(!host.contains(Ipv4Addr::new(10, 1, 2, 4)));
        assert_eq!(
            Ipv4Cidr::new(Ipv4Addr::new(10, 0, 0, 0), 31)
                .unwrap()
                .broadcast(),
            None
        );
        assert_eq!(Ipv4Cidr::new(Ipv4Addr::LOCALHOST, 33), None);

        assert_eq!(
            Ipv4Cidr::from_netmask(Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(255, 255, 255, 0)),
            Some(cidr)
        );
        assert_eq!(
            Ipv4Cidr::from_netmask(Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(255, 0, 255, 0)),
            None
        );
        assert_eq!(
            Ipv4Cidr::from_netmask(Ipv4Addr::LOCALHOST, Ipv4Addr::BROADCAST)
                .map(|c| c.prefix_len()),
            Some(32)
        );
        assert_eq!(
            Ipv4Cidr::from_netmask(Ipv4Addr::LOCALHOST, Ipv4Addr::UNSPECIFIED)
                .map(|c| c.prefix_len()),
            Some(0)
        );
    }

    #[test]
    fn address_classes() {
        assert!(Ipv4Addr::new(192, 0, 2, 1).is_unicast());
        assert!(!Ipv4Addr::UNSPECIFIED.is_unicast());
        assert!(!Ipv4Addr::BROADCAST.is_unicast());
        assert!(!Ipv4Addr::new(224, 0, 0, 1).is_unicast());
        assert!(!Ipv4Addr::new(240, 0, 0, 1).is_unicast());
        assert!(Ipv4Addr::new(240, 0, 0, 1).is_class_e());
        assert!(!Ipv4Addr::BROADCAST.is_class_e());
    }

    #[test]
    fn no_panic_on_any_short_or_garbage_input() {
        // Every prefix of a few headers with bytes flipped: check_len must guard every
        // accessor that parse uses.
        let base = example();
        for flip in 0..20 {
            for value in [0x00u8, 0x0f, 0x45, 0x4f, 0xff] {
                let mut buf = base;
                buf[flip] = value;
                for len in 0..buf.len() {
                    if let Ok(packet) = Ipv4Packet::new_checked(&buf[..len]) {
                        let _ = Ipv4Repr::parse(&packet, ChecksumPolicy::Verify);
                        let _ = packet.options();
                        let _ = packet.payload();
                    }
                }
            }
        }
    }
}
