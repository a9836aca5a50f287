//! UDP wire format (RFC 768), over IPv4 and IPv6.

use core::fmt;

use crate::ip::checksum::{self, ChecksumPolicy, IpAddress, IpProtocol, WireError};

/// A read/write view of a UDP datagram in a byte buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use core::ops::Range;

    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const LENGTH: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
}

/// Length of the UDP header.
pub const HEADER_LEN: usize = field::CHECKSUM.end;

fn get16(data: &[u8], at: core::ops::Range<usize>) -> u16 {
    u16::from_be_bytes([data[at.start], data[at.start + 1]])
}

fn set16(data: &mut [u8], at: core::ops::Range<usize>, value: u16) {
    data[at].copy_from_slice(&value.to_be_bytes());
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Wraps a buffer without checking it; accessors may panic until [`Self::check_len`]
    /// has succeeded.
    pub const fn new_unchecked(buffer: T) -> Self {
        UdpPacket { buffer }
    }

    /// Wraps a buffer after [`Self::check_len`], so that no accessor can panic.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the header fits and that the length field lies between the header length
    /// and the buffer length.
    ///
    /// After success no accessor panics; `set_len` can break that again. The buffer may be
    /// longer than the length field says (the IP payload bounds it, not this check).
    pub fn check_len(&self) -> Result<(), WireError> {
        let buffer_len = self.buffer.as_ref().len();
        if buffer_len < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let field_len = usize::from(self.len());
        if field_len < HEADER_LEN {
            return Err(WireError::Malformed);
        }
        if field_len > buffer_len {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The source port; 0 when the sender expects no reply.
    pub fn src_port(&self) -> u16 {
        get16(self.buffer.as_ref(), field::SRC_PORT)
    }

    /// The destination port.
    pub fn dst_port(&self) -> u16 {
        get16(self.buffer.as_ref(), field::DST_PORT)
    }

    /// The length field: header plus payload, in bytes.
    pub fn len(&self) -> u16 {
        get16(self.buffer.as_ref(), field::LENGTH)
    }

    /// Whether the length field covers the header only.
    pub fn is_empty(&self) -> bool {
        usize::from(self.len()) <= HEADER_LEN
    }

    /// The checksum field; 0 means "not computed", which only IPv4 allows.
    pub fn checksum(&self) -> u16 {
        get16(self.buffer.as_ref(), field::CHECKSUM)
    }

    /// Whether the checksum over pseudo header, header and payload is correct.
    ///
    /// A zero field is reported as incorrect here; the IPv4 "no checksum" exception is
    /// applied by [`UdpRepr::parse`]. False when the addresses are of different versions.
    pub fn verify_checksum(&self, src_addr: &IpAddress, dst_addr: &IpAddress) -> bool {
        if self.checksum() == 0 {
            return false;
        }
        let data = &self.buffer.as_ref()[..usize::from(self.len())];
        let Ok(pseudo) =
            checksum::pseudo_header(src_addr, dst_addr, IpProtocol::Udp, u32::from(self.len()))
        else {
            return false;
        };
        checksum::combine(&[pseudo, checksum::data(data)]) == 0xffff
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> UdpPacket<&'a T> {
    /// The payload, bounded by the length field.
    pub fn payload(&self) -> &'a [u8] {
        let data = self.buffer.as_ref();
        &data[HEADER_LEN..usize::from(self.len())]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    /// Sets the source port.
    pub fn set_src_port(&mut self, value: u16) {
        set16(self.buffer.as_mut(), field::SRC_PORT, value);
    }

    /// Sets the destination port.
    pub fn set_dst_port(&mut self, value: u16) {
        set16(self.buffer.as_mut(), field::DST_PORT, value);
    }

    /// Sets the length field.
    pub fn set_len(&mut self, value: u16) {
        set16(self.buffer.as_mut(), field::LENGTH, value);
    }

    /// Sets the checksum field to a given value.
    pub fn set_checksum(&mut self, value: u16) {
        set16(self.buffer.as_mut(), field::CHECKSUM, value);
    }

    /// Computes the checksum over pseudo header, header and the payload up to the length
    /// field, and stores it.
    ///
    /// A computed 0 is sent as `0xffff`, its one's-complement twin, because 0 on the wire
    /// means "no checksum" (RFC 768). Fails with `Malformed` when the addresses are of
    /// different versions.
    pub fn fill_checksum(
        &mut self,
        src_addr: &IpAddress,
        dst_addr: &IpAddress,
    ) -> Result<(), WireError> {
        let len = self.len();
        let pseudo = checksum::pseudo_header(src_addr, dst_addr, IpProtocol::Udp, u32::from(len))?;
        self.set_checksum(0);
        let sum = checksum::data(&self.buffer.as_ref()[..usize::from(len)]);
        let value = checksum::finish(checksum::combine(&[pseudo, sum]));
        self.set_checksum(if value == 0 { 0xffff } else { value });
        Ok(())
    }

    /// The payload, mutably, bounded by the length field.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let len = usize::from(self.len());
        &mut self.buffer.as_mut()[HEADER_LEN..len]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for UdpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// The ports of a UDP datagram; the payload stays in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UdpRepr {
    /// Source port; 0 when no reply is expected.
    pub src_port: u16,
    /// Destination port, never 0.
    pub dst_port: u16,
}

impl UdpRepr {
    /// Parses a datagram whose IP header carried `src_addr` and `dst_addr`.
    ///
    /// Rejects a zero destination port (`Malformed`: nothing can listen on it). A zero
    /// checksum field is accepted as "no checksum" over IPv4 and rejected with `Checksum`
    /// over IPv6 (RFC 8200 §8.1), whatever the policy, because that rule is about the
    /// protocol, not about verifying the value.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(
        packet: &UdpPacket<&T>,
        src_addr: &IpAddress,
        dst_addr: &IpAddress,
        policy: ChecksumPolicy,
    ) -> Result<UdpRepr, WireError> {
        packet.check_len()?;
        if packet.dst_port() == 0 {
            return Err(WireError::Malformed);
        }
        match (src_addr, dst_addr) {
            (IpAddress::V4(_), IpAddress::V4(_)) | (IpAddress::V6(_), IpAddress::V6(_)) => {}
            _ => return Err(WireError::Malformed),
        }
        if packet.checksum() == 0 {
            if matches!(src_addr, IpAddress::V6(_)) {
                return Err(WireError::Checksum);
            }
        } else if policy == ChecksumPolicy::Verify && !packet.verify_checksum(src_addr, dst_addr) {
            return Err(WireError::Checksum);
        }
        Ok(UdpRepr {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
        })
    }

    /// The header length, always 8.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The buffer length for a payload of `payload_len` bytes.
    pub const fn buffer_len(&self, payload_len: usize) -> usize {
        HEADER_LEN.saturating_add(payload_len)
    }

    /// Writes the header in front of a payload of `payload_len` bytes that is already in
    /// place after it, and fills the checksum unless the device computes it (then the field
    /// is left 0, which over IPv4 also means "no checksum").
    ///
    /// Fails with `Truncated` when the buffer is shorter than header plus payload, and with
    /// `Malformed` when the length does not fit 16 bits or the addresses are of different
    /// versions.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
        &self,
        packet: &mut UdpPacket<&mut T>,
        payload_len: usize,
        src_addr: &IpAddress,
        dst_addr: &IpAddress,
        fill_checksum: bool,
    ) -> Result<(), WireError> {
        let total = HEADER_LEN
            .checked_add(payload_len)
            .ok_or(WireError::Malformed)?;
        let len = u16::try_from(total).map_err(|_| WireError::Malformed)?;
        if packet.buffer.as_ref().len() < total {
            return Err(WireError::Truncated);
        }
        // Validated before writing so that a failure leaves the buffer untouched.
        checksum::pseudo_header(src_addr, dst_addr, IpProtocol::Udp, u32::from(len))?;
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_len(len);
        if fill_checksum {
            packet.fill_checksum(src_addr, dst_addr)?;
        } else {
            packet.set_checksum(0);
        }
        Ok(())
    }
}

impl fmt::Display for UdpRepr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UDP src={} dst={}", self.src_port, self.dst_port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};

    const V4_SRC: IpAddress = IpAddress::V4(Ipv4Addr::new(192, 168, 1, 1));
    const V4_DST: IpAddress = IpAddress::V4(Ipv4Addr::new(192, 168, 1, 2));

    /// smoltcp's `wire::udp` test datagram: 48896 → 53 (DNS), 4 bytes of payload, checksum
    /// 0x124d for 192.168.1.1 → 192.168.1.2 (checked independently with a plain 16-bit sum).
    const V4_BYTES: [u8; 12] = [
        0xbf, 0x00, 0x00, 0x35, 0x00, 0x0c, 0x12, 0x4d, 0xaa, 0x00, 0x00, 0xff,
    ];

    const V6_SRC: IpAddress = IpAddress::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
    const V6_DST: IpAddress = IpAddress::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2));

    /// 49152 → 7 (echo), "hello, world", 2001:db8::1 → 2001:db8::2, checksum 0xa3fd
    /// (checked independently with a plain 16-bit sum over the RFC 8200 pseudo header).
    const V6_BYTES: [u8; 20] = [
        0xc0, 0x00, 0x00, 0x07, 0x00, 0x14, 0xa3, 0xfd, b'h', b'e', b'l', b'l', b'o', b',', b' ',
        b'w', b'o', b'r', b'l', b'd',
    ];

    #[test]
    fn deconstruct_v4() {
        let packet = UdpPacket::new_checked(&V4_BYTES[..]).unwrap();
        assert_eq!(packet.src_port(), 48896);
        assert_eq!(packet.dst_port(), 53);
        assert_eq!(packet.len(), 12);
        assert_eq!(packet.checksum(), 0x124d);
        assert_eq!(packet.payload(), &[0xaa, 0x00, 0x00, 0xff]);
        assert!(packet.verify_checksum(&V4_SRC, &V4_DST));
        assert!(!packet.verify_checksum(&V4_DST, &V4_DST));
        assert!(!packet.verify_checksum(&V4_SRC, &V6_DST));
    }

    #[test]
    fn round_trip_v4() {
        let packet = UdpPacket::new_checked(&V4_BYTES[..]).unwrap();
        let repr = UdpRepr::parse(&packet, &V4_SRC, &V4_DST, ChecksumPolicy::Verify).unwrap();
        assert_eq!(
            repr,
            UdpRepr {
                src_port: 48896,
                dst_port: 53
            }
        );
        assert_eq!(repr.buffer_len(4), 12);
        let mut out = [0u8; 12];
        out[8..].copy_from_slice(&V4_BYTES[8..]);
        repr.emit(
            &mut UdpPacket::new_unchecked(&mut out[..]),
            4,
            &V4_SRC,
            &V4_DST,
            true,
        )
        .unwrap();
        assert_eq!(out, V4_BYTES);
    }

    #[test]
    fn round_trip_v6() {
        let packet = UdpPacket::new_checked(&V6_BYTES[..]).unwrap();
        assert!(packet.verify_checksum(&V6_SRC, &V6_DST));
        let repr = UdpRepr::parse(&packet, &V6_SRC, &V6_DST, ChecksumPolicy::Verify).unwrap();
        assert_eq!(repr.src_port, 49152);
        assert_eq!(repr.dst_port, 7);
        assert_eq!(packet.payload(), b"hello, world");
        let mut out = [0u8; 20];
        out[8..].copy_from_slice(b"hello, world");
        repr.emit(
            &mut UdpPacket::new_unchecked(&mut out[..]),
            12,
            &V6_SRC,
            &V6_DST,
            true,
        )
        .unwrap();
        assert_eq!(out, V6_BYTES);
    }

    #[test]
    fn zero_checksum_v4_accepted_v6_rejected() {
        let mut v4 = V4_BYTES;
        v4[6] = 0;
        v4[7] = 0;
        let packet = UdpPacket::new_checked(&v4[..]).unwrap();
        assert!(UdpRepr::parse(&packet, &V4_SRC, &V4_DST, ChecksumPolicy::Verify).is_ok());

        let mut v6 = V6_BYTES;
        v6[6] = 0;
        v6[7] = 0;
        let packet = UdpPacket::new_checked(&v6[..]).unwrap();
        for policy in [ChecksumPolicy::Verify, ChecksumPolicy::Trust] {
            assert_eq!(
                UdpRepr::parse(&packet, &V6_SRC, &V6_DST, policy),
                Err(WireError::Checksum)
            );
        }
    }

    #[test]
    fn bad_checksum_detected_unless_trusted() {
        let mut bytes = V4_BYTES;
        bytes[11] ^= 1;
        let packet = UdpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            UdpRepr::parse(&packet, &V4_SRC, &V4_DST, ChecksumPolicy::Verify),
            Err(WireError::Checksum)
        );
        assert!(UdpRepr::parse(&packet, &V4_SRC, &V4_DST, ChecksumPolicy::Trust).is_ok());
    }

    #[test]
    fn computed_zero_is_sent_as_ffff() {
        // Choose the source port so that the sum before complementing is 0xffff: the
        // complement is then 0, which must go on the wire as 0xffff.
        let mut buf = [0u8; 8];
        let repr = UdpRepr {
            src_port: 0,
            dst_port: 1,
        };
        repr.emit(
            &mut UdpPacket::new_unchecked(&mut buf[..]),
            0,
            &V4_SRC,
            &V4_DST,
            true,
        )
        .unwrap();
        let checksum = UdpPacket::new_checked(&buf[..]).unwrap().checksum();
        let repr = UdpRepr {
            src_port: checksum,
            dst_port: 1,
        };
        repr.emit(
            &mut UdpPacket::new_unchecked(&mut buf[..]),
            0,
            &V4_SRC,
            &V4_DST,
            true,
        )
        .unwrap();
        let packet = UdpPacket::new_checked(&buf[..]).unwrap();
        assert_eq!(packet.checksum(), 0xffff);
        assert!(packet.verify_checksum(&V4_SRC, &V4_DST));
    }

    #[test]
    fn length_errors() {
        for len in 0..8 {
            assert_eq!(
                UdpPacket::new_checked(&V4_BYTES[..len]),
                Err(WireError::Truncated)
            );
        }
        // Length field beyond the buffer.
        assert_eq!(
            UdpPacket::new_checked(&V4_BYTES[..11]),
            Err(WireError::Truncated)
        );
        // Length field below the header.
        let mut bytes = V4_BYTES;
        bytes[5] = 7;
        assert_eq!(
            UdpPacket::new_checked(&bytes[..]),
            Err(WireError::Malformed)
        );
        // A longer buffer is fine: the payload stops at the length field.
        let mut long = [0u8; 16];
        long[..12].copy_from_slice(&V4_BYTES);
        let packet = UdpPacket::new_checked(&long[..]).unwrap();
        assert_eq!(packet.payload().len(), 4);
        assert!(packet.verify_checksum(&V4_SRC, &V4_DST));
    }

    #[test]
    fn zero_dst_port_and_mixed_versions_rejected() {
        let mut bytes = V4_BYTES;
        bytes[2] = 0;
        bytes[3] = 0;
        let packet = UdpPacket::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            UdpRepr::parse(&packet, &V4_SRC, &V4_DST, ChecksumPolicy::Trust),
            Err(WireError::Malformed)
        );
        let packet = UdpPacket::new_checked(&V4_BYTES[..]).unwrap();
        assert_eq!(
            UdpRepr::parse(&packet, &V4_SRC, &V6_DST, ChecksumPolicy::Trust),
            Err(WireError::Malformed)
        );
    }

    #[test]
    fn emit_errors() {
        let repr = UdpRepr {
            src_port: 1,
            dst_port: 2,
        };
        let mut buf = [0u8; 10];
        assert_eq!(
            repr.emit(
                &mut UdpPacket::new_unchecked(&mut buf[..]),
                3,
                &V4_SRC,
                &V4_DST,
                true
            ),
            Err(WireError::Truncated)
        );
        assert_eq!(
            repr.emit(
                &mut UdpPacket::new_unchecked(&mut buf[..]),
                usize::MAX,
                &V4_SRC,
                &V4_DST,
                true
            ),
            Err(WireError::Malformed)
        );
        assert_eq!(
            repr.emit(
                &mut UdpPacket::new_unchecked(&mut buf[..]),
                2,
                &V4_SRC,
                &V6_DST,
                true
            ),
            Err(WireError::Malformed)
        );
        assert_eq!(buf, [0u8; 10]);
        repr.emit(
            &mut UdpPacket::new_unchecked(&mut buf[..]),
            2,
            &V4_SRC,
            &V4_DST,
            false,
        )
        .unwrap();
        assert_eq!(buf[..8], [0, 1, 0, 2, 0, 10, 0, 0]);
    }

    #[test]
    fn no_panic_on_garbage() {
        for a in 0..=255u8 {
            let mut bytes = V4_BYTES;
            bytes[4] = a >> 4;
            bytes[5] = a;
            for len in 0..=bytes.len() {
                if let Ok(packet) = UdpPacket::new_checked(&bytes[..len]) {
                    let _ = UdpRepr::parse(&packet, &V4_SRC, &V4_DST, ChecksumPolicy::Verify);
                    let _ = UdpRepr::parse(&packet, &V6_SRC, &V6_DST, ChecksumPolicy::Verify);
                    let _ = packet.payload();
                }
            }
        }
    }
}
