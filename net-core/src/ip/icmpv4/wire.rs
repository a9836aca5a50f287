//! ICMPv4 wire format (RFC 792): echo, and the two error messages the stack sends and
//! interprets (destination unreachable, time exceeded).

use core::fmt;

use crate::ip::checksum::{self, ChecksumPolicy, WireError};

/// An ICMPv4 message type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Message {
    /// Echo reply (0).
    EchoReply,
    /// Destination unreachable (3).
    DstUnreachable,
    /// Redirect (5).
    Redirect,
    /// Echo request (8).
    EchoRequest,
    /// Router advertisement (9).
    RouterAdvert,
    /// Router solicitation (10).
    RouterSolicit,
    /// Time exceeded (11).
    TimeExceeded,
    /// Parameter problem (12).
    ParamProblem,
    /// Timestamp (13).
    Timestamp,
    /// Timestamp reply (14).
    TimestampReply,
    /// Any other type.
    Unknown(u8),
}

impl From<u8> for Message {
    fn from(value: u8) -> Self {
        match value {
            0 => Message::EchoReply,
            3 => Message::DstUnreachable,
            5 => Message::Redirect,
            8 => Message::EchoRequest,
            9 => Message::RouterAdvert,
            10 => Message::RouterSolicit,
            11 => Message::TimeExceeded,
            12 => Message::ParamProblem,
            13 => Message::Timestamp,
            14 => Message::TimestampReply,
            other => Message::Unknown(other),
        }
    }
}

impl From<Message> for u8 {
    fn from(value: Message) -> Self {
        match value {
            Message::EchoReply => 0,
            Message::DstUnreachable => 3,
            Message::Redirect => 5,
            Message::EchoRequest => 8,
            Message::RouterAdvert => 9,
            Message::RouterSolicit => 10,
            Message::TimeExceeded => 11,
            Message::ParamProblem => 12,
            Message::Timestamp => 13,
            Message::TimestampReply => 14,
            Message::Unknown(other) => other,
        }
    }
}

/// The code of a destination-unreachable message (RFC 792, RFC 1122, RFC 1812).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DstUnreachable {
    /// Network unreachable (0).
    NetUnreachable,
    /// Host unreachable (1).
    HostUnreachable,
    /// Protocol unreachable (2): no handler for the IP protocol.
    ProtoUnreachable,
    /// Port unreachable (3): nothing bound to the UDP port.
    PortUnreachable,
    /// Fragmentation needed and DF set (4), the path MTU discovery signal.
    FragRequired,
    /// Source route failed (5).
    SrcRouteFailed,
    /// Destination network unknown (6).
    DstNetUnknown,
    /// Destination host unknown (7).
    DstHostUnknown,
    /// Communication with the destination network administratively prohibited (9).
    NetProhibited,
    /// Communication with the destination host administratively prohibited (10).
    HostProhibited,
    /// Communication administratively prohibited by filtering (13).
    CommProhibited,
    /// Any other code.
    Unknown(u8),
}

impl From<u8> for DstUnreachable {
    fn from(value: u8) -> Self {
        match value {
            0 => DstUnreachable::NetUnreachable,
            1 => DstUnreachable::HostUnreachable,
            2 => DstUnreachable::ProtoUnreachable,
            3 => DstUnreachable::PortUnreachable,
            4 => DstUnreachable::FragRequired,
            5 => DstUnreachable::SrcRouteFailed,
            6 => DstUnreachable::DstNetUnknown,
            7 => DstUnreachable::DstHostUnknown,
            9 => DstUnreachable::NetProhibited,
            10 => DstUnreachable::HostProhibited,
            13 => DstUnreachable::CommProhibited,
            other => DstUnreachable::Unknown(other),
        }
    }
}

impl From<DstUnreachable> for u8 {
    fn from(value: DstUnreachable) -> Self {
        match value {
            DstUnreachable::NetUnreachable => 0,
            DstUnreachable::HostUnreachable => 1,
            DstUnreachable::ProtoUnreachable => 2,
            DstUnreachable::PortUnreachable => 3,
            DstUnreachable::FragRequired => 4,
            DstUnreachable::SrcRouteFailed => 5,
            DstUnreachable::DstNetUnknown => 6,
            DstUnreachable::DstHostUnknown => 7,
            DstUnreachable::NetProhibited => 9,
            DstUnreachable::HostProhibited => 10,
            DstUnreachable::CommProhibited => 13,
            DstUnreachable::Unknown(other) => other,
        }
    }
}

/// The code of a time-exceeded message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeExceeded {
    /// TTL reached zero in transit (0).
    TtlExpired,
    /// Fragment reassembly timed out (1).
    FragExpired,
    /// Any other code.
    Unknown(u8),
}

impl From<u8> for TimeExceeded {
    fn from(value: u8) -> Self {
        match value {
            0 => TimeExceeded::TtlExpired,
            1 => TimeExceeded::FragExpired,
            other => TimeExceeded::Unknown(other),
        }
    }
}

impl From<TimeExceeded> for u8 {
    fn from(value: TimeExceeded) -> Self {
        match value {
            TimeExceeded::TtlExpired => 0,
            TimeExceeded::FragExpired => 1,
            TimeExceeded::Unknown(other) => other,
        }
    }
}

/// A read/write view of an ICMPv4 message in a byte buffer.
///
/// The buffer is the whole message (the IP payload): the checksum covers all of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Icmpv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

mod field {
    use core::ops::Range;

    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Range<usize> = 2..4;
    pub const ECHO_IDENT: Range<usize> = 4..6;
    pub const ECHO_SEQNO: Range<usize> = 6..8;
    /// The 4 bytes after the checksum, unused (zero) in the error messages handled here.
    pub const UNUSED: Range<usize> = 4..8;
}

/// Length of the ICMPv4 header: type, code, checksum and the 4 type-specific bytes.
pub const HEADER_LEN: usize = field::UNUSED.end;

/// Length of an IPv4 header without options, the least an error message must quote.
const IPV4_MIN_HEADER_LEN: usize = 20;

fn get16(data: &[u8], at: core::ops::Range<usize>) -> u16 {
    u16::from_be_bytes([data[at.start], data[at.start + 1]])
}

fn set16(data: &mut [u8], at: core::ops::Range<usize>, value: u16) {
    data[at].copy_from_slice(&value.to_be_bytes());
}

impl<T: AsRef<[u8]>> Icmpv4Packet<T> {
    /// Wraps a buffer without checking it; accessors may panic until [`Self::check_len`]
    /// has succeeded.
    pub const fn new_unchecked(buffer: T) -> Self {
        Icmpv4Packet { buffer }
    }

    /// Wraps a buffer after [`Self::check_len`], so that no accessor can panic.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the 8-byte header fits; every accessor reads within it.
    pub fn check_len(&self) -> Result<(), WireError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The message type.
    pub fn msg_type(&self) -> Message {
        Message::from(self.buffer.as_ref()[field::TYPE])
    }

    /// The message code, whose meaning depends on the type.
    pub fn msg_code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// The checksum field.
    pub fn checksum(&self) -> u16 {
        get16(self.buffer.as_ref(), field::CHECKSUM)
    }

    /// The echo identifier (meaningful for echo request and reply).
    pub fn echo_ident(&self) -> u16 {
        get16(self.buffer.as_ref(), field::ECHO_IDENT)
    }

    /// The echo sequence number (meaningful for echo request and reply).
    pub fn echo_seq_no(&self) -> u16 {
        get16(self.buffer.as_ref(), field::ECHO_SEQNO)
    }

    /// Whether the checksum over the whole message is correct.
    pub fn verify_checksum(&self) -> bool {
        checksum::data(self.buffer.as_ref()) == 0xffff
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Icmpv4Packet<&'a T> {
    /// Everything after the 8-byte header: echo data, or the quoted datagram of an error.
    pub fn data(&self) -> &'a [u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv4Packet<T> {
    /// Sets the message type.
    pub fn set_msg_type(&mut self, value: Message) {
        self.buffer.as_mut()[field::TYPE] = value.into();
    }

    /// Sets the message code.
    pub fn set_msg_code(&mut self, value: u8) {
        self.buffer.as_mut()[field::CODE] = value;
    }

    /// Sets the checksum field to a given value.
    pub fn set_checksum(&mut self, value: u16) {
        set16(self.buffer.as_mut(), field::CHECKSUM, value);
    }

    /// Sets the echo identifier.
    pub fn set_echo_ident(&mut self, value: u16) {
        set16(self.buffer.as_mut(), field::ECHO_IDENT, value);
    }

    /// Sets the echo sequence number.
    pub fn set_echo_seq_no(&mut self, value: u16) {
        set16(self.buffer.as_mut(), field::ECHO_SEQNO, value);
    }

    /// Computes the checksum over the whole buffer and stores it.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let sum = checksum::data(self.buffer.as_ref());
        self.set_checksum(checksum::finish(sum));
    }

    /// Everything after the header, mutably.
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[HEADER_LEN..]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Icmpv4Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// An ICMPv4 message the stack understands, borrowing its variable parts from the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Icmpv4Repr<'a> {
    /// Echo request (ping).
    EchoRequest {
        /// Identifier, chosen by the sender to match replies.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Data to be echoed back.
        data: &'a [u8],
    },
    /// Echo reply.
    EchoReply {
        /// Identifier copied from the request.
        ident: u16,
        /// Sequence number copied from the request.
        seq_no: u16,
        /// Data copied from the request.
        data: &'a [u8],
    },
    /// Destination unreachable, quoting the datagram that could not be delivered.
    DstUnreachable {
        /// Why the datagram could not be delivered.
        reason: DstUnreachable,
        /// The quoted IPv4 header, options included, exactly as received.
        header: &'a [u8],
        /// The quoted start of its payload (at least 8 bytes when sent by a conforming
        /// host; enough for the UDP or TCP ports).
        data: &'a [u8],
    },
    /// Time exceeded, quoting the datagram that was dropped.
    TimeExceeded {
        /// Which timer expired.
        reason: TimeExceeded,
        /// The quoted IPv4 header, options included, exactly as received.
        header: &'a [u8],
        /// The quoted start of its payload.
        data: &'a [u8],
    },
}

/// The number of payload bytes of the offending datagram that an error quotes (RFC 792).
pub const ERROR_QUOTE_DATA_LEN: usize = 8;

/// Splits the quoted datagram of an error message into IPv4 header and payload.
///
/// Only what is needed to find the header's end is checked (version and IHL); the quoted
/// header's lengths and checksum describe the original datagram, not this quote.
fn split_quote(quote: &[u8]) -> Result<(&[u8], &[u8]), WireError> {
    let Some(&ver_ihl) = quote.first() else {
        return Err(WireError::Truncated);
    };
    if ver_ihl >> 4 != 4 {
        return Err(WireError::Malformed);
    }
    let header_len = usize::from(ver_ihl & 0x0f) * 4;
    if header_len < IPV4_MIN_HEADER_LEN {
        return Err(WireError::Malformed);
    }
    if quote.len() < header_len {
        return Err(WireError::Truncated);
    }
    Ok(quote.split_at(header_len))
}

impl<'a> Icmpv4Repr<'a> {
    /// Parses a message.
    ///
    /// Fails with `Checksum` on a bad checksum unless the policy trusts the device,
    /// `Malformed` for an echo with a non-zero code or an error quoting something that is
    /// not an IPv4 header, `Truncated` when the quote is cut inside the header, and
    /// `Unsupported` for every other message type.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(
        packet: &Icmpv4Packet<&'a T>,
        policy: ChecksumPolicy,
    ) -> Result<Icmpv4Repr<'a>, WireError> {
        packet.check_len()?;
        if policy == ChecksumPolicy::Verify && !packet.verify_checksum() {
            return Err(WireError::Checksum);
        }
        match packet.msg_type() {
            Message::EchoRequest | Message::EchoReply if packet.msg_code() != 0 => {
                Err(WireError::Malformed)
            }
            Message::EchoRequest => Ok(Icmpv4Repr::EchoRequest {
                ident: packet.echo_ident(),
                seq_no: packet.echo_seq_no(),
                data: packet.data(),
            }),
            Message::EchoReply => Ok(Icmpv4Repr::EchoReply {
                ident: packet.echo_ident(),
                seq_no: packet.echo_seq_no(),
                data: packet.data(),
            }),
            Message::DstUnreachable => {
                let (header, data) = split_quote(packet.data())?;
                Ok(Icmpv4Repr::DstUnreachable {
                    reason: DstUnreachable::from(packet.msg_code()),
                    header,
                    data,
                })
            }
            Message::TimeExceeded => {
                let (header, data) = split_quote(packet.data())?;
                Ok(Icmpv4Repr::TimeExceeded {
                    reason: TimeExceeded::from(packet.msg_code()),
                    header,
                    data,
                })
            }
            _ => Err(WireError::Unsupported),
        }
    }

    /// The message length [`Icmpv4Repr::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        match self {
            Icmpv4Repr::EchoRequest { data, .. } | Icmpv4Repr::EchoReply { data, .. } => {
                HEADER_LEN.saturating_add(data.len())
            }
            Icmpv4Repr::DstUnreachable { header, data, .. }
            | Icmpv4Repr::TimeExceeded { header, data, .. } => HEADER_LEN
                .saturating_add(header.len())
                .saturating_add(data.len()),
        }
    }

    /// Writes the whole message, data included, into the first [`Self::buffer_len`] bytes
    /// and fills the checksum over them unless the device computes it.
    ///
    /// Fails with `Truncated` when the buffer is shorter than [`Self::buffer_len`].
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]> + ?Sized>(
        &self,
        packet: &mut Icmpv4Packet<&mut T>,
        fill_checksum: bool,
    ) -> Result<(), WireError> {
        let len = self.buffer_len();
        let Some(buf) = packet.buffer.as_mut().get_mut(..len) else {
            return Err(WireError::Truncated);
        };
        // The length is now exact, so the checksum below covers this message only.
        let mut packet = Icmpv4Packet::new_unchecked(buf);
        match *self {
            Icmpv4Repr::EchoRequest {
                ident,
                seq_no,
                data,
            }
            | Icmpv4Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => {
                let msg_type = if matches!(self, Icmpv4Repr::EchoRequest { .. }) {
                    Message::EchoRequest
                } else {
                    Message::EchoReply
                };
                packet.set_msg_type(msg_type);
                packet.set_msg_code(0);
                packet.set_echo_ident(ident);
                packet.set_echo_seq_no(seq_no);
                packet.data_mut().copy_from_slice(data);
            }
            Icmpv4Repr::DstUnreachable {
                reason,
                header,
                data,
            } => {
                packet.set_msg_type(Message::DstUnreachable);
                packet.set_msg_code(reason.into());
                emit_quote(&mut packet, header, data);
            }
            Icmpv4Repr::TimeExceeded {
                reason,
                header,
                data,
            } => {
                packet.set_msg_type(Message::TimeExceeded);
                packet.set_msg_code(reason.into());
                emit_quote(&mut packet, header, data);
            }
        }
        if fill_checksum {
            packet.fill_checksum();
        } else {
            packet.set_checksum(0);
        }
        Ok(())
    }
}

/// Writes the zero "unused" word and the quoted header and data of an error message into a
/// buffer of exactly the right length.
fn emit_quote(packet: &mut Icmpv4Packet<&mut [u8]>, header: &[u8], data: &[u8]) {
    set16(
        packet.buffer,
        field::UNUSED.start..field::UNUSED.start + 2,
        0,
    );
    set16(packet.buffer, field::UNUSED.start + 2..field::UNUSED.end, 0);
    let (quoted_header, quoted_data) = packet.data_mut().split_at_mut(header.len());
    quoted_header.copy_from_slice(header);
    quoted_data.copy_from_slice(data);
}

impl fmt::Display for Icmpv4Repr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Icmpv4Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } => write!(
                f,
                "ICMPv4 echo request id={ident} seq={seq_no} len={}",
                data.len()
            ),
            Icmpv4Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => write!(
                f,
                "ICMPv4 echo reply id={ident} seq={seq_no} len={}",
                data.len()
            ),
            Icmpv4Repr::DstUnreachable { reason, .. } => {
                write!(f, "ICMPv4 destination unreachable ({reason:?})")
            }
            Icmpv4Repr::TimeExceeded { reason, .. } => {
                write!(f, "ICMPv4 time exceeded ({reason:?})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Windows `ping` echo request: id 1, seq 1, the 32-byte alphabet payload, checksum
    /// 0x4d5a as seen in captures.
    const ECHO_REQUEST: [u8; 40] = [
        0x08, 0x00, 0x4d, 0x5a, 0x00, 0x01, 0x00, 0x01, b'a', b'b', b'c', b'd', b'e', b'f', b'g',
        b'h', b'i', b'j', b'k', b'l', b'm', b'n', b'o', b'p', b'q', b'r', b's', b't', b'u', b'v',
        b'w', b'a', b'b', b'c', b'd', b'e', b'f', b'g', b'h', b'i',
    ];

    /// The reply to [`ECHO_REQUEST`]: only the type and the checksum (0x555a) change.
    fn echo_reply() -> [u8; 40] {
        let mut reply = ECHO_REQUEST;
        reply[0] = 0;
        reply[2] = 0x55;
        reply
    }

    /// Port unreachable for the UDP datagram 192.168.1.1:48896 → 192.168.1.2:53, quoting
    /// its 20-byte header (checksum b779) and first 8 bytes; checksum 0x2b6e.
    const PORT_UNREACHABLE: [u8; 36] = [
        0x03, 0x03, 0x2b, 0x6e, 0x00, 0x00, 0x00, 0x00, //
        0x45, 0x00, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb7, 0x79, 0xc0, 0xa8, 0x01,
        0x01, 0xc0, 0xa8, 0x01, 0x02, //
        0xbf, 0x00, 0x00, 0x35, 0x00, 0x0c, 0x12, 0x4d,
    ];

    #[test]
    fn deconstruct_echo_request() {
        let packet = Icmpv4Packet::new_checked(&ECHO_REQUEST[..]).unwrap();
        assert_eq!(packet.msg_type(), Message::EchoRequest);
        assert_eq!(packet.msg_code(), 0);
        assert_eq!(packet.checksum(), 0x4d5a);
        assert_eq!(packet.echo_ident(), 1);
        assert_eq!(packet.echo_seq_no(), 1);
        assert_eq!(packet.data(), b"abcdefghijklmnopqrstuvwabcdefghi");
        assert!(packet.verify_checksum());
    }

    #[test]
    fn echo_request_reply_round_trip() {
        let reply_bytes = echo_reply();
        for bytes in [&ECHO_REQUEST, &reply_bytes] {
            let packet = Icmpv4Packet::new_checked(&bytes[..]).unwrap();
            let repr = Icmpv4Repr::parse(&packet, ChecksumPolicy::Verify).unwrap();
            assert_eq!(repr.buffer_len(), 40);
            let mut out = [0x77u8; 48];
            repr.emit(&mut Icmpv4Packet::new_unchecked(&mut out[..]), true)
                .unwrap();
            assert_eq!(&out[..40], &bytes[..]);
            assert_eq!(out[40..], [0x77; 8]);
        }
        let packet = Icmpv4Packet::new_checked(&ECHO_REQUEST[..]).unwrap();
        let Ok(Icmpv4Repr::EchoRequest {
            ident,
            seq_no,
            data,
        }) = Icmpv4Repr::parse(&packet, ChecksumPolicy::Verify)
        else {
            panic!("echo request expected");
        };
        // Answering the request produces the reply capture.
        let reply = Icmpv4Repr::EchoReply {
            ident,
            seq_no,
            data,
        };
        let mut out = [0u8; 40];
        reply
            .emit(&mut Icmpv4Packet::new_unchecked(&mut out[..]), true)
            .unwrap();
        assert_eq!(out, reply_bytes);
    }

    #[test]
    fn port_unreachable_round_trip() {
        let packet = Icmpv4Packet::new_checked(&PORT_UNREACHABLE[..]).unwrap();
        let repr = Icmpv4Repr::parse(&packet, ChecksumPolicy::Verify).unwrap();
        assert_eq!(
            repr,
            Icmpv4Repr::DstUnreachable {
                reason: DstUnreachable::PortUnreachable,
                header: &PORT_UNREACHABLE[8..28],
                data: &PORT_UNREACHABLE[28..],
            }
        );
        let mut out = [0xeeu8; 36];
        repr.emit(&mut Icmpv4Packet::new_unchecked(&mut out[..]), true)
            .unwrap();
        assert_eq!(out, PORT_UNREACHABLE);
    }

    #[test]
    fn time_exceeded_round_trip() {
        let repr = Icmpv4Repr::TimeExceeded {
            reason: TimeExceeded::TtlExpired,
            header: &PORT_UNREACHABLE[8..28],
            data: &PORT_UNREACHABLE[28..],
        };
        let mut out = [0u8; 36];
        repr.emit(&mut Icmpv4Packet::new_unchecked(&mut out[..]), true)
            .unwrap();
        assert_eq!(out[0], 11);
        let packet = Icmpv4Packet::new_checked(&out[..]).unwrap();
        assert_eq!(Icmpv4Repr::parse(&packet, ChecksumPolicy::Verify), Ok(repr));
    }

    #[test]
    fn bad_checksum_detected_unless_trusted() {
        let mut bytes = ECHO_REQUEST;
        bytes[39] ^= 0x20;
        let packet = Icmpv4Packet::new_checked(&bytes[..]).unwrap();
        assert!(!packet.verify_checksum());
        assert_eq!(
            Icmpv4Repr::parse(&packet, ChecksumPolicy::Verify),
            Err(WireError::Checksum)
        );
        assert!(Icmpv4Repr::parse(&packet, ChecksumPolicy::Trust).is_ok());
    }

    #[test]
    fn truncated_and_malformed() {
        for len in 0..8 {
            assert_eq!(
                Icmpv4Packet::new_checked(&ECHO_REQUEST[..len]),
                Err(WireError::Truncated)
            );
        }
        // A quote cut inside the IPv4 header.
        let packet = Icmpv4Packet::new_checked(&PORT_UNREACHABLE[..20]).unwrap();
        assert_eq!(
            Icmpv4Repr::parse(&packet, ChecksumPolicy::Trust),
            Err(WireError::Truncated)
        );
        let packet = Icmpv4Packet::new_checked(&PORT_UNREACHABLE[..8]).unwrap();
        assert_eq!(
            Icmpv4Repr::parse(&packet, ChecksumPolicy::Trust),
            Err(WireError::Truncated)
        );
        // A quote that is not IPv4, or has IHL below 5.
        for first in [0x65, 0x44] {
            let mut bytes = PORT_UNREACHABLE;
            bytes[8] = first;
            let packet = Icmpv4Packet::new_checked(&bytes[..]).unwrap();
            assert_eq!(
                Icmpv4Repr::parse(&packet, ChecksumPolicy::Trust),
                Err(WireError::Malformed)
            );
        }
        // Echo with a non-zero code.
        let mut bytes = ECHO_REQUEST;
        bytes[1] = 1;
        let packet = Icmpv4Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            Icmpv4Repr::parse(&packet, ChecksumPolicy::Trust),
            Err(WireError::Malformed)
        );
        // Other types are not interpreted.
        let mut bytes = ECHO_REQUEST;
        bytes[0] = 13;
        let packet = Icmpv4Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(packet.msg_type(), Message::Timestamp);
        assert_eq!(
            Icmpv4Repr::parse(&packet, ChecksumPolicy::Trust),
            Err(WireError::Unsupported)
        );
        // Emitting into a short buffer.
        let packet = Icmpv4Packet::new_checked(&ECHO_REQUEST[..]).unwrap();
        let repr = Icmpv4Repr::parse(&packet, ChecksumPolicy::Verify).unwrap();
        let mut short = [0u8; 39];
        assert_eq!(
            repr.emit(&mut Icmpv4Packet::new_unchecked(&mut short[..]), true),
            Err(WireError::Truncated)
        );
    }

    #[test]
    fn codes_round_trip() {
        for n in 0..=255u8 {
            assert_eq!(u8::from(Message::from(n)), n);
            assert_eq!(u8::from(DstUnreachable::from(n)), n);
            assert_eq!(u8::from(TimeExceeded::from(n)), n);
        }
    }

    #[test]
    fn no_panic_on_garbage() {
        for first in 0..=255u8 {
            for msg_type in [0u8, 3, 8, 11] {
                let mut bytes = PORT_UNREACHABLE;
                bytes[0] = msg_type;
                bytes[8] = first;
                for len in 0..=bytes.len() {
                    if let Ok(packet) = Icmpv4Packet::new_checked(&bytes[..len]) {
                        let _ = Icmpv4Repr::parse(&packet, ChecksumPolicy::Trust);
                    }
                }
            }
        }
    }
}
