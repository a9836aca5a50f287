//! The IPv6 wire format (RFC 8200): the fixed header, the extension-header chain, the
//! Hop-by-Hop/Destination options and the Fragment header, plus the address arithmetic
//! the stack needs (prefixes, solicited-node groups, EUI-64 link-local addresses, scopes).
//!
//! [`Ipv6Packet`] is a zero-copy view: after [`Ipv6Packet::new_checked`] no accessor can
//! panic. [`Ipv6Repr`] is the parsed, owned form of the fixed header. Extension headers are
//! not part of the representation: [`walk_ext_headers`] runs over the payload once and says
//! where the upper layer starts, whether the packet is a fragment, and, when the chain must
//! be refused, which ICMPv6 Parameter Problem to answer with.

use core::fmt;
use core::net::Ipv6Addr;

use crate::ip::checksum::{IpProtocol, WireError};
use crate::ip::icmpv6::wire::ParamProblemCode;

mod field {
    pub type Field = core::ops::Range<usize>;

    // Version (4 bits), traffic class (8 bits) and flow label (20 bits) share one word.
    pub const VER_TC_FLOW: Field = 0..4;
    pub const LENGTH: Field = 4..6;
    pub const NXT_HDR: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC_ADDR: Field = 8..24;
    pub const DST_ADDR: Field = 24..40;
}

/// Length of the fixed IPv6 header.
pub const HEADER_LEN: usize = field::DST_ADDR.end;

/// The minimum link MTU every IPv6 link must carry (RFC 8200 §5); ICMPv6 errors are cut to
/// fit it.
pub const MIN_MTU: usize = 1280;

/// All-nodes link-local multicast group, `ff02::1`.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// All-routers link-local multicast group, `ff02::2`.
pub const ALL_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2);

/// All-MLDv2-capable-routers group, `ff02::16`: where MLDv2 reports go (RFC 3810 §5.2.14).
pub const ALL_MLDV2_ROUTERS: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x16);

/// The hop limit every neighbor discovery message must arrive with (RFC 4861 §6.1): a
/// router would have decremented it, so 255 proves the sender is on-link.
pub const NDISC_HOP_LIMIT: u8 = 255;

fn addr_at(data: &[u8], range: field::Field) -> Ipv6Addr {
    let mut octets = [0u8; 16];
    if let Some(bytes) = data.get(range) {
        // A 16-byte range always; the `if let` only keeps a short buffer from panicking.
        if bytes.len() == 16 {
            octets.copy_from_slice(bytes);
        }
    }
    Ipv6Addr::from(octets)
}

/// A zero-copy view of an IPv6 packet: the fixed header and the payload it announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    /// Wraps a buffer without checking it; accessors may panic on a short buffer, so use
    /// [`new_checked`](Self::new_checked) for anything received.
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv6Packet { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds the fixed header and the whole payload the Payload
    /// Length field announces.
    ///
    /// Afterwards no accessor panics, as long as [`set_payload_len`](Self::set_payload_len)
    /// is not given a larger value. Bytes past the announced payload (Ethernet padding) are
    /// allowed and ignored by [`payload`](Ipv6Packet::payload).
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN || len < self.total_len() {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Length of the fixed header (extension headers belong to the payload).
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// The Version field; 6 for IPv6.
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[0] >> 4
    }

    /// The Traffic Class field (DSCP in the upper six bits, ECN in the lower two).
    pub fn traffic_class(&self) -> u8 {
        let data = self.buffer.as_ref();
        (data[0] << 4) | (data[1] >> 4)
    }

    /// The 20-bit Flow Label field.
    pub fn flow_label(&self) -> u32 {
        let data = self.buffer.as_ref();
        u32::from_be_bytes([0, data[1] & 0x0f, data[2], data[3]])
    }

    /// The Payload Length field: bytes after the fixed header, extension headers included.
    pub fn payload_len(&self) -> u16 {
        let data = self.buffer.as_ref();
        u16::from_be_bytes([data[field::LENGTH.start], data[field::LENGTH.start + 1]])
    }

    /// Header plus announced payload: the part of the buffer that is the packet.
    pub fn total_len(&self) -> usize {
        HEADER_LEN.saturating_add(usize::from(self.payload_len()))
    }

    /// The Next Header field: the first extension header or the upper-layer protocol.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol::from(self.buffer.as_ref()[field::NXT_HDR])
    }

    /// The Hop Limit field.
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }

    /// The Source Address field.
    pub fn src_addr(&self) -> Ipv6Addr {
        addr_at(self.buffer.as_ref(), field::SRC_ADDR)
    }

    /// The Destination Address field.
    pub fn dst_addr(&self) -> Ipv6Addr {
        addr_at(self.buffer.as_ref(), field::DST_ADDR)
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Ipv6Packet<&'a T> {
    /// The payload, bounded by the Payload Length field rather than by the buffer.
    pub fn payload(&self) -> &'a [u8] {
        let end = self.total_len();
        &self.buffer.as_ref()[HEADER_LEN..end]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Packet<T> {
    /// Sets the Version field.
    pub fn set_version(&mut self, value: u8) {
        let data = self.buffer.as_mut();
        data[0] = (data[0] & 0x0f) | (value << 4);
    }

    /// Sets the Traffic Class field.
    pub fn set_traffic_class(&mut self, value: u8) {
        let data = self.buffer.as_mut();
        data[0] = (data[0] & 0xf0) | (value >> 4);
        data[1] = (data[1] & 0x0f) | (value << 4);
    }

    /// Sets the Flow Label field; bits above the low 20 are dropped.
    pub fn set_flow_label(&mut self, value: u32) {
        let data = self.buffer.as_mut();
        let [_, b1, b2, b3] = value.to_be_bytes();
        data[1] = (data[1] & 0xf0) | (b1 & 0x0f);
        data[2] = b2;
        data[3] = b3;
    }

    /// Sets the Payload Length field. A larger value than the buffer holds voids the
    /// guarantee of [`check_len`](Self::check_len).
    pub fn set_payload_len(&mut self, value: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the Next Header field.
    pub fn set_next_header(&mut self, value: IpProtocol) {
        self.buffer.as_mut()[field::NXT_HDR] = value.into();
    }

    /// Sets the Hop Limit field.
    pub fn set_hop_limit(&mut self, value: u8) {
        self.buffer.as_mut()[field::HOP_LIMIT] = value;
    }

    /// Sets the Source Address field.
    pub fn set_src_addr(&mut self, value: &Ipv6Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&value.octets());
    }

    /// Sets the Destination Address field.
    pub fn set_dst_addr(&mut self, value: &Ipv6Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&value.octets());
    }

    /// The payload, mutably, bounded by the Payload Length field.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = self.total_len();
        &mut self.buffer.as_mut()[HEADER_LEN..end]
    }
}

/// The parsed fixed IPv6 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Repr {
    /// Source address.
    pub src_addr: Ipv6Addr,
    /// Destination address.
    pub dst_addr: Ipv6Addr,
    /// The Next Header field: the first extension header or the upper layer.
    pub next_header: IpProtocol,
    /// Bytes after the fixed header, extension headers included.
    pub payload_len: usize,
    /// Hop limit. Exposed rather than judged here, because what is acceptable depends on
    /// the upper layer (255 for neighbor discovery, anything for UDP).
    pub hop_limit: u8,
    /// Traffic class (DSCP and ECN).
    pub traffic_class: u8,
}

impl Ipv6Repr {
    /// Parses and validates the fixed header.
    ///
    /// Fails with `Truncated` when the buffer is shorter than the header plus the announced
    /// payload, `Unsupported` for another IP version and `Malformed` for a multicast source
    /// (RFC 4291 §2.7 forbids it, and answering it could amplify traffic).
    pub fn parse<T: AsRef<[u8]>>(packet: &Ipv6Packet<T>) -> Result<Self, WireError> {
        packet.check_len()?;
        if packet.version() != 6 {
            return Err(WireError::Unsupported);
        }
        let repr = Self::from_header(packet);
        if repr.src_addr.is_multicast() {
            return Err(WireError::Malformed);
        }
        Ok(repr)
    }

    /// Reads the header of the invoking packet quoted in an ICMPv6 error, whose payload is
    /// usually cut short and whose source is not ours to judge. Returns the header and the
    /// quoted bytes after it.
    pub fn parse_quoted(data: &[u8]) -> Result<(Self, &[u8]), WireError> {
        let (header, rest) = data
            .split_at_checked(HEADER_LEN)
            .ok_or(WireError::Truncated)?;
        let packet = Ipv6Packet::new_unchecked(header);
        if packet.version() != 6 {
            return Err(WireError::Unsupported);
        }
        Ok((Self::from_header(&packet), rest))
    }

    fn from_header<T: AsRef<[u8]>>(packet: &Ipv6Packet<T>) -> Self {
        Ipv6Repr {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            next_header: packet.next_header(),
            payload_len: usize::from(packet.payload_len()),
            hop_limit: packet.hop_limit(),
            traffic_class: packet.traffic_class(),
        }
    }

    /// Length of the header that [`emit`](Self::emit) writes.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Length of the whole packet: header plus payload.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN.saturating_add(self.payload_len)
    }

    /// Writes the fixed header (flow label 0) into the first [`HEADER_LEN`] bytes.
    ///
    /// Only the header has to fit, so that the payload may live in another buffer of a
    /// chain. Fails with `Truncated` when the header does not fit and `Malformed` when the
    /// payload length exceeds 65535 (jumbograms are not supported).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Ipv6Packet<T>,
    ) -> Result<(), WireError> {
        let payload_len = u16::try_from(self.payload_len).map_err(|_| WireError::Malformed)?;
        if packet.buffer.as_ref().len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        packet.buffer.as_mut()[field::VER_TC_FLOW].fill(0);
        packet.set_version(6);
        packet.set_traffic_class(self.traffic_class);
        packet.set_payload_len(payload_len);
        packet.set_next_header(self.next_header);
        packet.set_hop_limit(self.hop_limit);
        packet.set_src_addr(&self.src_addr);
        packet.set_dst_addr(&self.dst_addr);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Extension headers
// ---------------------------------------------------------------------------------------

mod ext_field {
    pub const NXT_HDR: usize = 0;
    pub const LENGTH: usize = 1;
    // Routing header only.
    pub const ROUTING_TYPE: usize = 2;
    pub const SEG_LEFT: usize = 3;
    // Fragment header only.
    pub const FRAG_OFFSET: super::field::Field = 2..4;
    pub const FRAG_IDENT: super::field::Field = 4..8;
}

/// The most extension headers [`walk_ext_headers`] follows before refusing the packet.
///
/// RFC 8200 §4.1 allows each header once (Destination Options twice), so a longer chain is
/// an attack on the walk itself.
pub const MAX_EXT_HEADERS: usize = 8;

/// Length of the Fragment header.
pub const FRAGMENT_HEADER_LEN: usize = 8;

/// Router Alert value for MLD messages (RFC 2711).
pub const ROUTER_ALERT_MLD: u16 = 0;

/// A zero-copy view of a Hop-by-Hop Options, Destination Options or Routing header: the
/// headers that share the "next header, length in 8-octet units" layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6ExtHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6ExtHeader<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv6ExtHeader { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let header = Self::new_unchecked(buffer);
        header.check_len()?;
        Ok(header)
    }

    /// Checks that the buffer holds the whole header its length field announces; after
    /// that no accessor panics.
    pub fn check_len(&self) -> Result<(), WireError> {
        let data = self.buffer.as_ref();
        match data.get(ext_field::LENGTH) {
            Some(&units) if data.len() >= Self::len_from_units(units) => Ok(()),
            _ => Err(WireError::Truncated),
        }
    }

    const fn len_from_units(units: u8) -> usize {
        // Hdr Ext Len excludes the first eight octets.
        (units as usize + 1) * 8
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The Next Header field.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol::from(self.buffer.as_ref()[ext_field::NXT_HDR])
    }

    /// The whole header length in bytes (a multiple of 8).
    pub fn header_len(&self) -> usize {
        Self::len_from_units(self.buffer.as_ref()[ext_field::LENGTH])
    }

    /// The Routing Type field; meaningful for a Routing header only.
    pub fn routing_type(&self) -> u8 {
        self.buffer.as_ref()[ext_field::ROUTING_TYPE]
    }

    /// The Segments Left field; meaningful for a Routing header only.
    pub fn segments_left(&self) -> u8 {
        self.buffer.as_ref()[ext_field::SEG_LEFT]
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Ipv6ExtHeader<&'a T> {
    /// The bytes after Next Header and Hdr Ext Len: the options of an options header, or
    /// the type-specific data of a Routing header.
    pub fn data(&self) -> &'a [u8] {
        let end = self.header_len();
        &self.buffer.as_ref()[2..end]
    }

    /// The options of a Hop-by-Hop or Destination Options header.
    pub fn options(&self) -> Ipv6OptionsIter<'a> {
        Ipv6OptionsIter::new(self.data())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6ExtHeader<T> {
    /// Sets the Next Header field.
    pub fn set_next_header(&mut self, value: IpProtocol) {
        self.buffer.as_mut()[ext_field::NXT_HDR] = value.into();
    }

    /// Sets the header length in bytes, which must be a non-zero multiple of 8 up to 2048.
    pub fn set_header_len(&mut self, len: usize) -> Result<(), WireError> {
        let units = (len / 8)
            .checked_sub(1)
            .and_then(|units| u8::try_from(units).ok())
            .filter(|_| len.is_multiple_of(8))
            .ok_or(WireError::Malformed)?;
        self.buffer.as_mut()[ext_field::LENGTH] = units;
        Ok(())
    }

    /// The bytes after Next Header and Hdr Ext Len, mutably.
    pub fn data_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        &mut self.buffer.as_mut()[2..end]
    }
}

/// What RFC 8200 §4.2 says to do with an option this node does not recognize, from the
/// two high-order bits of its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptionAction {
    /// `00`: skip the option and go on.
    Skip,
    /// `01`: discard the packet silently.
    Discard,
    /// `10`: discard and send Parameter Problem code 2, even to a multicast destination.
    DiscardAndReport,
    /// `11`: discard and send Parameter Problem code 2 unless the destination was multicast.
    DiscardAndReportUnlessMulticast,
}

impl OptionAction {
    /// The action encoded in an option type.
    pub const fn from_option_type(kind: u8) -> Self {
        match kind >> 6 {
            0 => OptionAction::Skip,
            1 => OptionAction::Discard,
            2 => OptionAction::DiscardAndReport,
            _ => OptionAction::DiscardAndReportUnlessMulticast,
        }
    }
}

/// One option of a Hop-by-Hop or Destination Options header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ipv6Option<'a> {
    /// A single padding byte (type 0, no length byte).
    Pad1,
    /// Padding of two plus the given number of bytes (type 1).
    PadN(u8),
    /// Router Alert (RFC 2711, type 5): routers must look at the packet; MLD uses value 0.
    RouterAlert(u16),
    /// Any other option, with its data.
    Unknown {
        /// The option type, whose top bits carry the [`OptionAction`].
        kind: u8,
        /// The option data.
        data: &'a [u8],
    },
}

impl Ipv6Option<'_> {
    /// The option type.
    pub const fn kind(&self) -> u8 {
        match self {
            Ipv6Option::Pad1 => 0,
            Ipv6Option::PadN(_) => 1,
            Ipv6Option::RouterAlert(_) => 5,
            Ipv6Option::Unknown { kind, .. } => *kind,
        }
    }

    /// What to do if this option is not recognized (RFC 8200 §4.2).
    pub const fn action(&self) -> OptionAction {
        OptionAction::from_option_type(self.kind())
    }

    /// Whether the option data may change en route (the third-highest bit of the type),
    /// which matters to anything that authenticates the header.
    pub const fn may_change(&self) -> bool {
        self.kind() & 0x20 != 0
    }

    /// Length of the option on the wire.
    pub const fn buffer_len(&self) -> usize {
        match self {
            Ipv6Option::Pad1 => 1,
            Ipv6Option::PadN(n) => 2 + *n as usize,
            Ipv6Option::RouterAlert(_) => 4,
            Ipv6Option::Unknown { data, .. } => 2 + data.len(),
        }
    }

    /// Writes the option at the start of `buf`, returning its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        let len = self.buffer_len();
        let out = buf.get_mut(..len).ok_or(WireError::Truncated)?;
        out.fill(0);
        match *self {
            Ipv6Option::Pad1 => {}
            Ipv6Option::PadN(n) => {
                out[0] = 1;
                out[1] = n;
            }
            Ipv6Option::RouterAlert(value) => {
                out[0] = 5;
                out[1] = 2;
                out[2..4].copy_from_slice(&value.to_be_bytes());
            }
            Ipv6Option::Unknown { kind, data } => {
                out[0] = kind;
                out[1] = u8::try_from(data.len()).map_err(|_| WireError::Malformed)?;
                out[2..].copy_from_slice(data);
            }
        }
        Ok(len)
    }
}

/// Iterator over the options of a Hop-by-Hop or Destination Options header, yielding each
/// option with its offset in the options data.
///
/// It stops after the first error, so a bad length cannot make it loop or read elsewhere.
#[derive(Debug, Clone)]
pub struct Ipv6OptionsIter<'a> {
    data: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Ipv6OptionsIter<'a> {
    /// Iterates over raw options data (the bytes after Next Header and Hdr Ext Len).
    pub const fn new(data: &'a [u8]) -> Self {
        Ipv6OptionsIter {
            data,
            pos: 0,
            failed: false,
        }
    }

    fn fail(&mut self, error: WireError) -> Option<Result<(usize, Ipv6Option<'a>), WireError>> {
        self.failed = true;
        Some(Err(error))
    }
}

impl<'a> Iterator for Ipv6OptionsIter<'a> {
    type Item = Result<(usize, Ipv6Option<'a>), WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let at = self.pos;
        let kind = *self.data.get(at)?;
        if kind == 0 {
            self.pos = at + 1;
            return Some(Ok((at, Ipv6Option::Pad1)));
        }
        let Some(&len) = self.data.get(at + 1) else {
            return self.fail(WireError::Truncated);
        };
        let end = at + 2 + usize::from(len);
        let Some(value) = self.data.get(at + 2..end) else {
            return self.fail(WireError::Truncated);
        };
        self.pos = end;
        let option = match kind {
            1 => Ipv6Option::PadN(len),
            5 => match value {
                &[hi, lo] => Ipv6Option::RouterAlert(u16::from_be_bytes([hi, lo])),
                _ => return self.fail(WireError::Malformed),
            },
            _ => Ipv6Option::Unknown { kind, data: value },
        };
        Some(Ok((at, option)))
    }
}

/// Length of the Hop-by-Hop header that [`emit_router_alert_hop_by_hop`] writes.
pub const ROUTER_ALERT_HOP_BY_HOP_LEN: usize = 8;

/// Writes a Hop-by-Hop Options header holding only a Router Alert option (padded with a
/// two-byte PadN), as MLD messages need (RFC 3810 §5). Returns its length.
pub fn emit_router_alert_hop_by_hop(
    buf: &mut [u8],
    next_header: IpProtocol,
    value: u16,
) -> Result<usize, WireError> {
    let out = buf
        .get_mut(..ROUTER_ALERT_HOP_BY_HOP_LEN)
        .ok_or(WireError::Truncated)?;
    out[0] = next_header.into();
    out[1] = 0;
    Ipv6Option::RouterAlert(value).emit(&mut out[2..])?;
    Ipv6Option::PadN(0).emit(&mut out[6..])?;
    Ok(ROUTER_ALERT_HOP_BY_HOP_LEN)
}

/// A zero-copy view of a Fragment header (RFC 8200 §4.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6FragmentHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6FragmentHeader<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv6FragmentHeader { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let header = Self::new_unchecked(buffer);
        header.check_len()?;
        Ok(header)
    }

    /// Checks that the buffer holds the 8-byte header; after that no accessor panics.
    pub fn check_len(&self) -> Result<(), WireError> {
        if self.buffer.as_ref().len() < FRAGMENT_HEADER_LEN {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The Next Header field: the first header of the fragmentable part.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol::from(self.buffer.as_ref()[ext_field::NXT_HDR])
    }

    /// The fragment offset in bytes (the field counts 8-octet units).
    pub fn frag_offset(&self) -> u16 {
        let data = self.buffer.as_ref();
        u16::from_be_bytes([data[2], data[3]]) & 0xfff8
    }

    /// The M flag: more fragments follow.
    pub fn more_frags(&self) -> bool {
        self.buffer.as_ref()[3] & 1 != 0
    }

    /// The Identification field.
    pub fn ident(&self) -> u32 {
        let data = self.buffer.as_ref();
        u32::from_be_bytes([data[4], data[5], data[6], data[7]])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6FragmentHeader<T> {
    /// Sets the Next Header field and clears the reserved byte.
    pub fn set_next_header(&mut self, value: IpProtocol) {
        let data = self.buffer.as_mut();
        data[ext_field::NXT_HDR] = value.into();
        data[1] = 0;
    }

    /// Sets the offset (in bytes, rounded down to 8) and the M flag together, since they
    /// share a word.
    pub fn set_frag_offset_and_more(&mut self, offset: u16, more: bool) {
        let word = (offset & 0xfff8) | u16::from(more);
        self.buffer.as_mut()[ext_field::FRAG_OFFSET].copy_from_slice(&word.to_be_bytes());
    }

    /// Sets the Identification field.
    pub fn set_ident(&mut self, value: u32) {
        self.buffer.as_mut()[ext_field::FRAG_IDENT].copy_from_slice(&value.to_be_bytes());
    }
}

/// The parsed Fragment header: what reassembly needs to place a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragmentInfo {
    /// The first header of the fragmentable part.
    pub next_header: IpProtocol,
    /// Offset of this fragment's data in the original payload, in bytes.
    pub offset: u16,
    /// Whether more fragments follow.
    pub more_fragments: bool,
    /// Identification shared by all fragments of one packet.
    pub ident: u32,
}

impl FragmentInfo {
    /// Reads a Fragment header.
    pub fn parse<T: AsRef<[u8]>>(header: &Ipv6FragmentHeader<T>) -> Result<Self, WireError> {
        header.check_len()?;
        Ok(FragmentInfo {
            next_header: header.next_header(),
            offset: header.frag_offset(),
            more_fragments: header.more_frags(),
            ident: header.ident(),
        })
    }

    /// Whether this is an "atomic fragment" (offset 0, no more fragments), which RFC 6946
    /// says to process as a whole packet rather than queue for reassembly.
    pub const fn is_atomic(&self) -> bool {
        self.offset == 0 && !self.more_fragments
    }

    /// Length of the header [`emit`](Self::emit) writes.
    pub const fn buffer_len(&self) -> usize {
        FRAGMENT_HEADER_LEN
    }

    /// Writes the header.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        header: &mut Ipv6FragmentHeader<T>,
    ) -> Result<(), WireError> {
        header.check_len()?;
        if !self.offset.is_multiple_of(8) {
            return Err(WireError::Malformed);
        }
        header.set_next_header(self.next_header);
        header.set_frag_offset_and_more(self.offset, self.more_fragments);
        header.set_ident(self.ident);
        Ok(())
    }
}

/// Where [`walk_ext_headers`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtHeaders {
    /// The protocol after the chain: an upper layer, [`IpProtocol::Ipv6NoNxt`], or a
    /// header this walk does not know (ESP, AH, Mobility, …). The caller answers anything
    /// it does not handle with [`ExtHeaders::unrecognized`].
    pub upper_protocol: IpProtocol,
    /// Offset of the upper-layer data in the payload (for a fragment: of the fragment data).
    pub upper_offset: usize,
    /// Offset, from the start of the IPv6 header, of the Next Header field that named
    /// `upper_protocol`: the pointer of a Parameter Problem about it.
    pub next_header_pointer: usize,
    /// The Fragment header, when the packet is a fragment. The walk stops there because
    /// what follows is only a piece of the original payload; the header occupies
    /// `upper_offset - FRAGMENT_HEADER_LEN .. upper_offset`.
    pub fragment: Option<FragmentInfo>,
    /// The value of a Router Alert option in the Hop-by-Hop header, if any.
    pub router_alert: Option<u16>,
}

impl ExtHeaders {
    /// The Parameter Problem (code 1, "unrecognized Next Header") to send when the caller
    /// has no handler for `upper_protocol` (RFC 8200 §4).
    pub fn unrecognized(&self) -> ExtHeaderError {
        ExtHeaderError::ParamProblem {
            code: ParamProblemCode::UnrecognizedNextHeader,
            pointer: pointer_u32(self.next_header_pointer),
            even_if_multicast: true,
        }
    }
}

/// Why [`walk_ext_headers`] refused a packet, and whether to tell the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtHeaderError {
    /// A header runs past the end of the payload: drop.
    Truncated,
    /// More than [`MAX_EXT_HEADERS`] headers, or an option malformed beyond interpretation:
    /// drop.
    Malformed,
    /// An unrecognized option whose action is "discard silently": drop.
    Discard,
    /// Drop and send an ICMPv6 Parameter Problem with this code and pointer (an offset
    /// from the start of the IPv6 header). When `even_if_multicast` is false, send it only
    /// if the packet's destination was not multicast.
    ParamProblem {
        /// The Parameter Problem code.
        code: ParamProblemCode,
        /// Offset of the offending byte from the start of the IPv6 header.
        pointer: u32,
        /// Whether to send it even when the destination was a multicast address.
        even_if_multicast: bool,
    },
}

impl From<ExtHeaderError> for WireError {
    fn from(error: ExtHeaderError) -> Self {
        match error {
            ExtHeaderError::Truncated => WireError::Truncated,
            ExtHeaderError::Malformed | ExtHeaderError::ParamProblem { .. } => WireError::Malformed,
            ExtHeaderError::Discard => WireError::Unsupported,
        }
    }
}

impl From<WireError> for ExtHeaderError {
    fn from(error: WireError) -> Self {
        match error {
            WireError::Truncated => ExtHeaderError::Truncated,
            _ => ExtHeaderError::Malformed,
        }
    }
}

impl fmt::Display for ExtHeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtHeaderError::Truncated => f.write_str("extension header chain truncated"),
            ExtHeaderError::Malformed => f.write_str("extension header chain malformed"),
            ExtHeaderError::Discard => f.write_str("unrecognized option: discard"),
            ExtHeaderError::ParamProblem { code, pointer, .. } => {
                write!(f, "parameter problem {code:?} at {pointer}")
            }
        }
    }
}

impl core::error::Error for ExtHeaderError {}

fn pointer_u32(offset: usize) -> u32 {
    // Offsets are bounded by a 16-bit payload length; saturate rather than wrap anyway.
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// Applies RFC 8200 §4.2 to every option of one options header at `offset` in the payload.
/// Returns the Router Alert value, if the header has one.
fn check_options(data: &[u8], offset: usize) -> Result<Option<u16>, ExtHeaderError> {
    let header = Ipv6ExtHeader::new_checked(data)?;
    let mut router_alert = None;
    for item in header.options() {
        let (at, option) = item?;
        match option {
            Ipv6Option::Pad1 | Ipv6Option::PadN(_) => {}
            Ipv6Option::RouterAlert(value) => router_alert = Some(value),
            Ipv6Option::Unknown { kind, .. } => {
                // Options start two bytes into the header.
                let pointer = pointer_u32(HEADER_LEN + offset + 2 + at);
                let report = |even_if_multicast| ExtHeaderError::ParamProblem {
                    code: ParamProblemCode::UnrecognizedOption,
                    pointer,
                    even_if_multicast,
                };
                match OptionAction::from_option_type(kind) {
                    OptionAction::Skip => {}
                    OptionAction::Discard => return Err(ExtHeaderError::Discard),
                    OptionAction::DiscardAndReport => return Err(report(true)),
                    OptionAction::DiscardAndReportUnlessMulticast => return Err(report(false)),
                }
            }
        }
    }
    Ok(router_alert)
}

/// Walks the extension-header chain of a received packet.
///
/// `first` is the Next Header field of the fixed header and `payload` the payload bounded
/// by the Payload Length field ([`Ipv6Packet::payload`]). Hop-by-Hop, Destination Options
/// and Routing headers are checked and skipped; the walk stops at the first other header,
/// or at a Fragment header (see [`ExtHeaders::fragment`]). At most [`MAX_EXT_HEADERS`]
/// headers are followed.
///
/// Being a host, the stack refuses any Routing header with segments left (it would have to
/// forward), with Parameter Problem code 0 pointing at the Routing Type, as RFC 8200 §4.4
/// prescribes for a type it does not implement.
pub fn walk_ext_headers(first: IpProtocol, payload: &[u8]) -> Result<ExtHeaders, ExtHeaderError> {
    let mut next = first;
    let mut offset = 0usize;
    let mut next_header_pointer = field::NXT_HDR;
    let mut router_alert = None;
    for count in 0..=MAX_EXT_HEADERS {
        if !matches!(
            next,
            IpProtocol::HopByHop
                | IpProtocol::Ipv6Opts
                | IpProtocol::Ipv6Route
                | IpProtocol::Ipv6Frag
        ) {
            return Ok(ExtHeaders {
                upper_protocol: next,
                upper_offset: offset,
                next_header_pointer,
                fragment: None,
                router_alert,
            });
        }
        if count == MAX_EXT_HEADERS {
            break;
        }
        // `offset` never passes the end: each step below checked the header it skips.
        let rest = payload.get(offset..).ok_or(ExtHeaderError::Truncated)?;
        match next {
            IpProtocol::HopByHop if count != 0 => {
                // RFC 8200 §4.1: Hop-by-Hop may only follow the fixed header.
                return Err(ExtHeaderError::ParamProblem {
                    code: ParamProblemCode::UnrecognizedNextHeader,
                    pointer: pointer_u32(next_header_pointer),
                    even_if_multicast: true,
                });
            }
            IpProtocol::HopByHop => router_alert = check_options(rest, offset)?,
            IpProtocol::Ipv6Opts => {
                check_options(rest, offset)?;
            }
            IpProtocol::Ipv6Route => {
                let header = Ipv6ExtHeader::new_checked(rest)?;
                if header.segments_left() != 0 {
                    return Err(ExtHeaderError::ParamProblem {
                        code: ParamProblemCode::ErroneousHeaderField,
                        pointer: pointer_u32(HEADER_LEN + offset + ext_field::ROUTING_TYPE),
                        even_if_multicast: true,
                    });
                }
            }
            _ => return walk_fragment(rest, offset, router_alert),
        }
        let header = Ipv6ExtHeader::new_checked(rest)?;
        next_header_pointer = HEADER_LEN + offset + ext_field::NXT_HDR;
        next = header.next_header();
        offset += header.header_len();
    }
    Err(ExtHeaderError::Malformed)
}

/// The end of the walk at a Fragment header, with the checks of RFC 8200 §4.5.
fn walk_fragment(
    rest: &[u8],
    offset: usize,
    router_alert: Option<u16>,
) -> Result<ExtHeaders, ExtHeaderError> {
    let info = FragmentInfo::parse(&Ipv6FragmentHeader::new_checked(rest)?)?;
    let data_len = rest.len() - FRAGMENT_HEADER_LEN;
    if info.more_fragments && !data_len.is_multiple_of(8) {
        // Every fragment but the last must carry a multiple of 8 bytes; the pointer names
        // the Payload Length field.
        return Err(ExtHeaderError::ParamProblem {
            code: ParamProblemCode::ErroneousHeaderField,
            pointer: pointer_u32(field::LENGTH.start),
            even_if_multicast: true,
        });
    }
    if usize::from(info.offset) + data_len > usize::from(u16::MAX) {
        // The reassembled payload would not fit a 16-bit length.
        return Err(ExtHeaderError::ParamProblem {
            code: ParamProblemCode::ErroneousHeaderField,
            pointer: pointer_u32(HEADER_LEN + offset + ext_field::FRAG_OFFSET.start),
            even_if_multicast: true,
        });
    }
    Ok(ExtHeaders {
        upper_protocol: info.next_header,
        upper_offset: offset + FRAGMENT_HEADER_LEN,
        next_header_pointer: HEADER_LEN + offset + ext_field::NXT_HDR,
        fragment: Some(info),
        router_alert,
    })
}

// ---------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------

/// An IPv6 prefix: an address and the number of leading bits that name the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Cidr {
    address: Ipv6Addr,
    prefix_len: u8,
}

impl Ipv6Cidr {
    /// The link-local prefix `fe80::/10`.
    pub const LINK_LOCAL: Ipv6Cidr = Ipv6Cidr {
        address: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0),
        prefix_len: 10,
    };

    /// Makes a prefix; `None` when `prefix_len` exceeds 128. The address keeps its host
    /// bits, so that one value can describe both an interface address and its subnet.
    pub const fn new(address: Ipv6Addr, prefix_len: u8) -> Option<Self> {
        if prefix_len > 128 {
            None
        } else {
            Some(Ipv6Cidr {
                address,
                prefix_len,
            })
        }
    }

    /// The address.
    pub const fn address(&self) -> Ipv6Addr {
        self.address
    }

    /// The prefix length in bits (0 to 128).
    pub const fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    const fn mask(&self) -> u128 {
        if self.prefix_len == 0 {
            0
        } else {
            // prefix_len is 1..=128 here, so the shift is 0..=127.
            u128::MAX << (128 - self.prefix_len as u32)
        }
    }

    /// The prefix with its host bits cleared.
    pub const fn network(&self) -> Ipv6Cidr {
        Ipv6Cidr {
            address: Ipv6Addr::from_bits(self.address.to_bits() & self.mask()),
            prefix_len: self.prefix_len,
        }
    }

    /// Whether `addr` lies in this prefix.
    pub const fn contains(&self, addr: &Ipv6Addr) -> bool {
        (self.address.to_bits() ^ addr.to_bits()) & self.mask() == 0
    }

    /// Whether every address of `other` lies in this prefix.
    pub const fn contains_subnet(&self, other: &Ipv6Cidr) -> bool {
        self.prefix_len <= other.prefix_len && self.contains(&other.address)
    }
}

impl fmt::Display for Ipv6Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix_len)
    }
}

/// The solicited-node multicast group of an address, `ff02::1:ffXX:XXXX` with its low 24
/// bits (RFC 4291 §2.7.1): where neighbor solicitations for it are sent.
pub const fn solicited_node(addr: &Ipv6Addr) -> Ipv6Addr {
    Ipv6Addr::from_bits(SOLICITED_NODE_PREFIX | (addr.to_bits() & SOLICITED_NODE_HOST_BITS))
}

const SOLICITED_NODE_PREFIX: u128 = 0xff02_0000_0000_0000_0000_0001_ff00_0000;
const SOLICITED_NODE_HOST_BITS: u128 = 0x00ff_ffff;

/// Whether `addr` is a solicited-node multicast group (`ff02::1:ff00:0/104`).
pub const fn is_solicited_node(addr: &Ipv6Addr) -> bool {
    addr.to_bits() & !SOLICITED_NODE_HOST_BITS == SOLICITED_NODE_PREFIX
}

/// The modified EUI-64 interface identifier of a 48-bit MAC (RFC 4291 App. A): `fffe` in
/// the middle and the universal/local bit inverted.
pub const fn eui64_interface_id(mac: &[u8; 6]) -> [u8; 8] {
    [
        mac[0] ^ 0x02,
        mac[1],
        mac[2],
        0xff,
        0xfe,
        mac[3],
        mac[4],
        mac[5],
    ]
}

/// The `fe80::/64` link-local address whose interface identifier is derived from `mac`.
pub const fn link_local_from_mac(mac: &[u8; 6]) -> Ipv6Addr {
    let id = eui64_interface_id(mac);
    Ipv6Addr::from_bits((0xfe80u128 << 112) | u64::from_be_bytes(id) as u128)
}

/// Whether `addr` is a link-local unicast address (`fe80::/10`).
pub const fn is_link_local(addr: &Ipv6Addr) -> bool {
    Ipv6Cidr::LINK_LOCAL.contains(addr)
}

/// The scope field of a multicast address (RFC 4291 §2.7, RFC 7346).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MulticastScope {
    /// 1: loopback only.
    InterfaceLocal,
    /// 2: the attached link, e.g. `ff02::1`.
    LinkLocal,
    /// 3: realm-local (e.g. a whole 6LoWPAN mesh).
    RealmLocal,
    /// 4: admin-local.
    AdminLocal,
    /// 5: site-local.
    SiteLocal,
    /// 8: organization-local.
    OrganizationLocal,
    /// 0xe: global.
    Global,
    /// Any other (reserved or unassigned) value.
    Other(u8),
}

impl From<u8> for MulticastScope {
    fn from(value: u8) -> Self {
        match value {
            1 => MulticastScope::InterfaceLocal,
            2 => MulticastScope::LinkLocal,
            3 => MulticastScope::RealmLocal,
            4 => MulticastScope::AdminLocal,
            5 => MulticastScope::SiteLocal,
            8 => MulticastScope::OrganizationLocal,
            0xe => MulticastScope::Global,
            other => MulticastScope::Other(other),
        }
    }
}

/// The classes of IPv6 address the stack treats differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ipv6AddrClass {
    /// `::`, the source of a node that has no address yet.
    Unspecified,
    /// `::1`, never sent on a link.
    Loopback,
    /// `fe80::/10`, valid on one link only.
    LinkLocal,
    /// `ff00::/8`, with its scope.
    Multicast(MulticastScope),
    /// Every other unicast address (global, unique-local, IPv4-mapped, …).
    Unicast,
}

/// Classifies an address by the rules that decide where it may be used.
pub fn classify(addr: &Ipv6Addr) -> Ipv6AddrClass {
    if addr.is_unspecified() {
        Ipv6AddrClass::Unspecified
    } else if addr.is_loopback() {
        Ipv6AddrClass::Loopback
    } else if addr.is_multicast() {
        Ipv6AddrClass::Multicast(MulticastScope::from(addr.octets()[1] & 0x0f))
    } else if is_link_local(addr) {
        Ipv6AddrClass::LinkLocal
    } else {
        Ipv6AddrClass::Unicast
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0x0211, 0x22ff, 0xfe33, 0x4455);
    const DST: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);

    /// An IPv6 header (tc 0x2e, flow 0x12345, UDP, hop limit 64) and an 8-byte payload,
    /// followed by two bytes of link padding.
    #[rustfmt::skip]
    const PACKET: [u8; 50] = [
        0x62, 0xe1, 0x23, 0x45, 0x00, 0x08, 0x11, 0x40,
        0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
        1, 2, 3, 4, 5, 6, 7, 8,
        0xaa, 0xbb,
    ];

    fn repr() -> Ipv6Repr {
        Ipv6Repr {
            src_addr: SRC,
            dst_addr: DST,
            next_header: IpProtocol::Udp,
            payload_len: 8,
            hop_limit: 64,
            traffic_class: 0x2e,
        }
    }

    #[test]
    fn deconstruct() {
        let packet = Ipv6Packet::new_checked(&PACKET[..]).unwrap();
        assert_eq!(packet.version(), 6);
        assert_eq!(packet.traffic_class(), 0x2e);
        assert_eq!(packet.flow_label(), 0x12345);
        assert_eq!(packet.payload_len(), 8);
        assert_eq!(packet.next_header(), IpProtocol::Udp);
        assert_eq!(packet.hop_limit(), 64);
        assert_eq!(packet.src_addr(), SRC);
        assert_eq!(packet.dst_addr(), DST);
        // Padding after the announced payload is not payload.
        assert_eq!(packet.payload(), &[1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn construct_with_setters() {
        let mut bytes = [0u8; 48];
        let mut packet = Ipv6Packet::new_unchecked(&mut bytes[..]);
        packet.set_version(6);
        packet.set_traffic_class(0x2e);
        packet.set_flow_label(0xf_ff12345);
        packet.set_payload_len(8);
        packet.set_next_header(IpProtocol::Udp);
        packet.set_hop_limit(64);
        packet.set_src_addr(&SRC);
        packet.set_dst_addr(&DST);
        packet
            .payload_mut()
            .copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(bytes, PACKET[..48]);
    }

    #[test]
    fn parse_and_emit_round_trip() {
        let packet = Ipv6Packet::new_checked(&PACKET[..]).unwrap();
        assert_eq!(Ipv6Repr::parse(&packet), Ok(repr()));
        assert_eq!(repr().buffer_len(), 48);
        let mut bytes = [0xffu8; 40];
        let mut packet = Ipv6Packet::new_unchecked(&mut bytes[..]);
        repr().emit(&mut packet).unwrap();
        // Emit writes flow label 0.
        let mut want = [0u8; 40];
        want.copy_from_slice(&PACKET[..40]);
        want[1] &= 0xf0;
        want[2] = 0;
        want[3] = 0;
        assert_eq!(bytes, want);
    }

    #[test]
    fn emit_refuses_short_buffer_and_jumbo() {
        let mut short = [0u8; 39];
        assert_eq!(
            repr().emit(&mut Ipv6Packet::new_unchecked(&mut short[..])),
            Err(WireError::Truncated)
        );
        let mut bytes = [0u8; 40];
        let jumbo = Ipv6Repr {
            payload_len: 70_000,
            ..repr()
        };
        assert_eq!(
            jumbo.emit(&mut Ipv6Packet::new_unchecked(&mut bytes[..])),
            Err(WireError::Malformed)
        );
    }

    #[test]
    fn truncated_header() {
        for len in 0..40 {
            assert_eq!(
                Ipv6Packet::new_checked(&PACKET[..len]).err(),
                Some(WireError::Truncated),
                "len {len}"
            );
        }
    }

    #[test]
    fn payload_length_beyond_buffer() {
        let mut bytes = PACKET;
        bytes[5] = 11; // 11 bytes announced, 10 present
        assert_eq!(
            Ipv6Packet::new_checked(&bytes[..]).err(),
            Some(WireError::Truncated)
        );
        bytes[4] = 0xff;
        assert_eq!(
            Ipv6Repr::parse(&Ipv6Packet::new_unchecked(&bytes[..])),
            Err(WireError::Truncated)
        );
    }

    #[test]
    fn wrong_version_and_multicast_source() {
        let mut bytes = PACKET;
        bytes[0] = 0x42;
        assert_eq!(
            Ipv6Repr::parse(&Ipv6Packet::new_unchecked(&bytes[..])),
            Err(WireError::Unsupported)
        );
        let mut bytes = PACKET;
        bytes[8] = 0xff;
        assert_eq!(
            Ipv6Repr::parse(&Ipv6Packet::new_unchecked(&bytes[..])),
            Err(WireError::Malformed)
        );
    }

    #[test]
    fn quoted_header_may_be_cut_short() {
        let (header, rest) = Ipv6Repr::parse_quoted(&PACKET[..44]).unwrap();
        assert_eq!(header, repr());
        assert_eq!(rest, &[1, 2, 3, 4]);
        assert_eq!(
            Ipv6Repr::parse_quoted(&PACKET[..39]),
            Err(WireError::Truncated)
        );
    }

    /// Hop-by-Hop (Router Alert + PadN), Destination Options (Pad1s, PadN, an unknown
    /// skippable option), Routing (segments left 0), then UDP.
    #[rustfmt::skip]
    const CHAIN: [u8; 40] = [
        // Hop-by-Hop: next 60, len 0, Router Alert 0, PadN(0)
        60, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
        // Destination Options: next 43, len 1 (16 bytes)
        43, 1, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x1e, 0x04, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00,
        // Routing: next 17, len 1, type 3, segments left 0, 12 bytes of data
        17, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    #[test]
    fn walk_chain_to_upper_layer() {
        let mut payload = [0u8; 48];
        payload[..40].copy_from_slice(&CHAIN);
        let walk = walk_ext_headers(IpProtocol::HopByHop, &payload).unwrap();
        assert_eq!(walk.upper_protocol, IpProtocol::Udp);
        assert_eq!(walk.upper_offset, 40);
        assert_eq!(walk.next_header_pointer, 40 + 24);
        assert_eq!(walk.fragment, None);
        assert_eq!(walk.router_alert, Some(ROUTER_ALERT_MLD));
    }

    #[test]
    fn walk_without_extension_headers() {
        let walk = walk_ext_headers(IpProtocol::Icmpv6, &[]).unwrap();
        assert_eq!(walk.upper_protocol, IpProtocol::Icmpv6);
        assert_eq!(walk.upper_offset, 0);
        assert_eq!(walk.next_header_pointer, 6);
        assert_eq!(walk.router_alert, None);
    }

    #[test]
    fn walk_reports_unknown_next_header() {
        let mut chain = CHAIN;
        chain[24] = 0x8f; // after Routing: an unassigned protocol
        let walk = walk_ext_headers(IpProtocol::HopByHop, &chain).unwrap();
        assert_eq!(walk.upper_protocol, IpProtocol::Unknown(0x8f));
        assert_eq!(
            walk.unrecognized(),
            ExtHeaderError::ParamProblem {
                code: ParamProblemCode::UnrecognizedNextHeader,
                pointer: 64,
                even_if_multicast: true,
            }
        );
    }

    #[test]
    fn chain_runs_past_the_end() {
        for len in 0..40 {
            let result = walk_ext_headers(IpProtocol::HopByHop, &CHAIN[..len]);
            assert_eq!(result, Err(ExtHeaderError::Truncated), "len {len}");
        }
        // A length byte announcing more than there is.
        let mut chain = CHAIN;
        chain[9] = 200;
        assert_eq!(
            walk_ext_headers(IpProtocol::HopByHop, &chain),
            Err(ExtHeaderError::Truncated)
        );
        // An option running past its header.
        let mut chain = CHAIN;
        chain[6..8].copy_from_slice(&[0x01, 0x01]);
        assert_eq!(
            walk_ext_headers(IpProtocol::HopByHop, &chain),
            Err(ExtHeaderError::Truncated)
        );
    }

    #[test]
    fn unknown_option_actions() {
        // The unknown option (type 0x1e) sits at payload offset 16, i.e. pointer 56.
        let cases = [
            (0x1e, Ok(())),
            (0x5e, Err(ExtHeaderError::Discard)),
            (
                0x9e,
                Err(ExtHeaderError::ParamProblem {
                    code: ParamProblemCode::UnrecognizedOption,
                    pointer: 56,
                    even_if_multicast: true,
                }),
            ),
            (
                0xde,
                Err(ExtHeaderError::ParamProblem {
                    code: ParamProblemCode::UnrecognizedOption,
                    pointer: 56,
                    even_if_multicast: false,
                }),
            ),
        ];
        for (kind, want) in cases {
            let mut chain = CHAIN;
            chain[16] = kind;
            let got = walk_ext_headers(IpProtocol::HopByHop, &chain).map(|_| ());
            assert_eq!(got, want, "option type {kind:#x}");
        }
    }

    #[test]
    fn options_iterator() {
        let header = Ipv6ExtHeader::new_checked(&CHAIN[8..24]).unwrap();
        assert_eq!(header.next_header(), IpProtocol::Ipv6Route);
        assert_eq!(header.header_len(), 16);
        let mut options = header.options();
        assert_eq!(options.next(), Some(Ok((0, Ipv6Option::Pad1))));
        assert_eq!(options.next(), Some(Ok((1, Ipv6Option::Pad1))));
        assert_eq!(options.next(), Some(Ok((2, Ipv6Option::PadN(2)))));
        let (at, unknown) = options.next().unwrap().unwrap();
        assert_eq!(at, 6);
        assert_eq!(
            unknown,
            Ipv6Option::Unknown {
                kind: 0x1e,
                data: &[0xde, 0xad, 0xbe, 0xef]
            }
        );
        assert_eq!(unknown.action(), OptionAction::Skip);
        assert!(!unknown.may_change());
        assert_eq!(options.next(), Some(Ok((12, Ipv6Option::Pad1))));
        assert_eq!(options.next(), Some(Ok((13, Ipv6Option::Pad1))));
        assert_eq!(options.next(), None);
    }

    #[test]
    fn router_alert_with_wrong_length_is_malformed() {
        let bad = [0x05, 0x03, 0, 0, 0];
        let mut options = Ipv6OptionsIter::new(&bad);
        assert_eq!(options.next(), Some(Err(WireError::Malformed)));
        assert_eq!(options.next(), None);
    }

    #[test]
    fn hop_by_hop_must_come_first() {
        // Destination Options naming Hop-by-Hop as its successor.
        let chain = [0, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0];
        assert_eq!(
            walk_ext_headers(IpProtocol::Ipv6Opts, &chain),
            Err(ExtHeaderError::ParamProblem {
                code: ParamProblemCode::UnrecognizedNextHeader,
                pointer: 40,
                even_if_multicast: true,
            })
        );
    }

    #[test]
    fn routing_with_segments_left_is_refused() {
        let mut chain = CHAIN;
        chain[27] = 1;
        assert_eq!(
            walk_ext_headers(IpProtocol::HopByHop, &chain),
            Err(ExtHeaderError::ParamProblem {
                code: ParamProblemCode::ErroneousHeaderField,
                pointer: 40 + 24 + 2,
                even_if_multicast: true,
            })
        );
    }

    #[test]
    fn chain_too_long() {
        // Nine Destination Options headers, each naming the next.
        let mut chain = [0u8; 9 * 8];
        for header in chain.chunks_mut(8) {
            header.copy_from_slice(&[60, 0, 1, 4, 0, 0, 0, 0]);
        }
        assert_eq!(
            walk_ext_headers(IpProtocol::Ipv6Opts, &chain),
            Err(ExtHeaderError::Malformed)
        );
        // Eight are still fine.
        chain[7 * 8] = 59;
        let walk = walk_ext_headers(IpProtocol::Ipv6Opts, &chain).unwrap();
        assert_eq!(walk.upper_protocol, IpProtocol::Ipv6NoNxt);
        assert_eq!(walk.upper_offset, 64);
    }

    #[test]
    fn fragment_header() {
        // Hop-by-Hop, then Fragment: next UDP, offset 1448, M set, ident 0xdeadbeef; then
        // 16 bytes of fragment data.
        let mut payload = [0u8; 32];
        payload[..8].copy_from_slice(&[44, 0, 1, 4, 0, 0, 0, 0]);
        payload[8..16].copy_from_slice(&[17, 0, 0x05, 0xa9, 0xde, 0xad, 0xbe, 0xef]);
        let walk = walk_ext_headers(IpProtocol::HopByHop, &payload).unwrap();
        let info = FragmentInfo {
            next_header: IpProtocol::Udp,
            offset: 1448,
            more_fragments: true,
            ident: 0xdead_beef,
        };
        assert_eq!(walk.fragment, Some(info));
        assert!(!info.is_atomic());
        assert_eq!(walk.upper_protocol, IpProtocol::Udp);
        assert_eq!(walk.upper_offset, 16);
        assert_eq!(walk.next_header_pointer, 48);

        let mut bytes = [0u8; 8];
        info.emit(&mut Ipv6FragmentHeader::new_unchecked(&mut bytes[..]))
            .unwrap();
        assert_eq!(bytes, payload[8..16]);

        // A non-final fragment must carry a multiple of 8 bytes.
        assert_eq!(
            walk_ext_headers(IpProtocol::HopByHop, &payload[..31]),
            Err(ExtHeaderError::ParamProblem {
                code: ParamProblemCode::ErroneousHeaderField,
                pointer: 4,
                even_if_multicast: true,
            })
        );
        // Truncated Fragment header.
        assert_eq!(
            walk_ext_headers(IpProtocol::HopByHop, &payload[..15]),
            Err(ExtHeaderError::Truncated)
        );
        // Offset + length beyond 65535.
        payload[10..12].copy_from_slice(&[0xff, 0xf8]);
        assert_eq!(
            walk_ext_headers(IpProtocol::HopByHop, &payload),
            Err(ExtHeaderError::ParamProblem {
                code: ParamProblemCode::ErroneousHeaderField,
                pointer: 50,
                even_if_multicast: true,
            })
        );
    }

    #[test]
    fn atomic_fragment() {
        let payload = [58, 0, 0, 0, 0, 0, 0, 1, 0x80, 0];
        let walk = walk_ext_headers(IpProtocol::Ipv6Frag, &payload).unwrap();
        assert!(walk.fragment.unwrap().is_atomic());
        assert_eq!(walk.upper_protocol, IpProtocol::Icmpv6);
        assert_eq!(walk.upper_offset, 8);
    }

    #[test]
    fn router_alert_header_emit() {
        let mut bytes = [0u8; 8];
        let len =
            emit_router_alert_hop_by_hop(&mut bytes, IpProtocol::Icmpv6, ROUTER_ALERT_MLD).unwrap();
        assert_eq!(len, 8);
        // As Linux sends it in front of every MLDv2 report.
        assert_eq!(bytes, [0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00]);
        assert_eq!(
            emit_router_alert_hop_by_hop(&mut bytes[..7], IpProtocol::Icmpv6, 0),
            Err(WireError::Truncated)
        );
    }

    #[test]
    fn ext_header_set_len() {
        let mut bytes = [0u8; 16];
        let mut header = Ipv6ExtHeader::new_unchecked(&mut bytes[..]);
        header.set_next_header(IpProtocol::Tcp);
        assert_eq!(header.set_header_len(16), Ok(()));
        assert_eq!(header.set_header_len(0), Err(WireError::Malformed));
        assert_eq!(header.set_header_len(12), Err(WireError::Malformed));
        assert_eq!(header.set_header_len(4096), Err(WireError::Malformed));
        assert_eq!(header.data_mut().len(), 14);
        assert_eq!(bytes[..2], [6, 1]);
    }

    #[test]
    fn cidr() {
        let net = Ipv6Cidr::new(Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 5), 64).unwrap();
        assert!(net.contains(&Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 9, 9, 9, 9)));
        assert!(!net.contains(&Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 5)));
        assert_eq!(
            net.network().address(),
            Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 0)
        );
        assert!(Ipv6Cidr::new(DST, 0).unwrap().contains(&SRC));
        let host = Ipv6Cidr::new(DST, 128).unwrap();
        assert!(host.contains(&DST));
        assert!(!host.contains(&Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2)));
        assert_eq!(Ipv6Cidr::new(DST, 129), None);
        assert!(Ipv6Cidr::LINK_LOCAL.contains_subnet(&Ipv6Cidr::new(SRC, 64).unwrap()));
        assert!(
            !Ipv6Cidr::new(SRC, 64)
                .unwrap()
                .contains_subnet(&Ipv6Cidr::LINK_LOCAL)
        );
        assert_eq!(
            format!("{}", Ipv6Cidr::new(DST, 64).unwrap()),
            "2001:db8::1/64"
        );
    }

    #[test]
    fn solicited_node_group() {
        // RFC 4291 §2.7.1 example form: 4037::01:800:200e:8c6c -> ff02::1:ff0e:8c6c.
        let addr = Ipv6Addr::new(0x4037, 0, 0, 0, 0x01, 0x800, 0x200e, 0x8c6c);
        let group = solicited_node(&addr);
        assert_eq!(group, Ipv6Addr::new(0xff02, 0, 0, 0, 0, 1, 0xff0e, 0x8c6c));
        assert!(is_solicited_node(&group));
        assert!(!is_solicited_node(&ALL_NODES));
        assert!(!is_solicited_node(&addr));
    }

    #[test]
    fn eui64_link_local() {
        // RFC 4291 App. A: 00:11:22:33:44:55 -> fe80::211:22ff:fe33:4455.
        let mac = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55];
        assert_eq!(
            eui64_interface_id(&mac),
            [0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55]
        );
        assert_eq!(link_local_from_mac(&mac), SRC);
        // A locally administered MAC gets the bit cleared.
        assert_eq!(
            link_local_from_mac(&[0x02, 0, 0, 0, 0, 1]),
            Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1)
        );
    }

    #[test]
    fn address_classes() {
        assert_eq!(classify(&Ipv6Addr::UNSPECIFIED), Ipv6AddrClass::Unspecified);
        assert_eq!(classify(&Ipv6Addr::LOCALHOST), Ipv6AddrClass::Loopback);
        assert_eq!(classify(&SRC), Ipv6AddrClass::LinkLocal);
        assert_eq!(classify(&DST), Ipv6AddrClass::Unicast);
        assert_eq!(
            classify(&ALL_NODES),
            Ipv6AddrClass::Multicast(MulticastScope::LinkLocal)
        );
        assert_eq!(
            classify(&ALL_MLDV2_ROUTERS),
            Ipv6AddrClass::Multicast(MulticastScope::LinkLocal)
        );
        assert_eq!(
            classify(&Ipv6Addr::new(0xff0e, 0, 0, 0, 0, 0, 0, 0x101)),
            Ipv6AddrClass::Multicast(MulticastScope::Global)
        );
        assert_eq!(
            classify(&Ipv6Addr::new(0xff01, 0, 0, 0, 0, 0, 0, 1)),
            Ipv6AddrClass::Multicast(MulticastScope::InterfaceLocal)
        );
        assert!(is_link_local(&Ipv6Addr::new(0xfebf, 0, 0, 0, 0, 0, 0, 1)));
        assert!(!is_link_local(&Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 1)));
        assert_eq!(ALL_ROUTERS.segments(), [0xff02, 0, 0, 0, 0, 0, 0, 2]);
    }

    #[test]
    fn no_panic_on_arbitrary_input() {
        // Every length and a spread of byte values through every entry point.
        let mut seed = 0x1234_5678u32;
        let mut buf = [0u8; 96];
        for round in 0..4000 {
            for b in buf.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                *b = seed as u8;
            }
            let len = round % buf.len();
            let data = &buf[..len];
            if let Ok(packet) = Ipv6Packet::new_checked(data) {
                let _ = Ipv6Repr::parse(&packet);
                let _ = walk_ext_headers(packet.next_header(), packet.payload());
            }
            for first in [0u8, 43, 44, 60] {
                let _ = walk_ext_headers(IpProtocol::from(first), data);
            }
            for item in Ipv6OptionsIter::new(data) {
                let _ = item;
            }
            let _ = Ipv6Repr::parse_quoted(data);
        }
    }
}
