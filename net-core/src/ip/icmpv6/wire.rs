//! The ICMPv6 wire format (RFC 4443) with neighbor discovery (RFC 4861) and MLDv2
//! (RFC 3810).
//!
//! [`Icmpv6Packet`] is a zero-copy view: every accessor reads through a bounds-checked
//! helper, so none can panic, whatever the message type and buffer length. [`Icmpv6Repr`]
//! is the parsed form; [`Icmpv6Repr::parse`] always verifies the checksum, which ICMPv6
//! makes mandatory and which covers the IPv6 pseudo header.
//!
//! Link-layer addresses are raw `[u8; 6]` so that this module does not depend on the
//! Ethernet module; options carrying other lengths (802.15.4 EUI-64s) stay available as raw
//! bytes through [`NdiscOptionsIter`].

use core::net::Ipv6Addr;
use core::ops::BitOr;

use crate::ip::checksum::{self, IpProtocol, WireError};
use crate::ip::ipv6::wire::{self as ipv6, Ipv6Repr};

mod field {
    pub type Field = core::ops::Range<usize>;

    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Field = 2..4;

    // Error messages: MTU (Packet Too Big), pointer (Parameter Problem) or unused.
    pub const ERR_WORD: Field = 4..8;
    pub const ERR_HEADER_END: usize = 8;

    pub const ECHO_IDENT: Field = 4..6;
    pub const ECHO_SEQNO: Field = 6..8;

    // Router Advertisement.
    pub const CUR_HOP_LIMIT: usize = 4;
    pub const ROUTER_FLAGS: usize = 5;
    pub const ROUTER_LIFETIME: Field = 6..8;
    pub const REACHABLE_TIME: Field = 8..12;
    pub const RETRANS_TIME: Field = 12..16;

    // Neighbor Solicitation/Advertisement and Redirect.
    pub const NEIGH_FLAGS: usize = 4;
    pub const TARGET_ADDR: Field = 8..24;
    pub const DEST_ADDR: Field = 24..40;

    // MLD query (v1 ends at 24, v2 at 28).
    pub const MAX_RESP_CODE: Field = 4..6;
    pub const QUERY_MCAST_ADDR: Field = 8..24;
    pub const SQRV: usize = 24;
    pub const QQIC: usize = 25;
    pub const QUERY_NUM_SRCS: Field = 26..28;

    // MLDv2 report.
    pub const NR_MCAST_RCRDS: Field = 6..8;
}

/// Length of the common header (type, code, checksum and one 32-bit word) that every
/// defined message has.
pub const HEADER_LEN: usize = 8;

/// The most quoted bytes of the invoking packet an ICMPv6 error may carry after its IPv6
/// header, so that the error fits the minimum MTU (RFC 4443 §2.4(c)).
pub const MAX_ERROR_DATA_LEN: usize =
    ipv6::MIN_MTU - ipv6::HEADER_LEN - HEADER_LEN - ipv6::HEADER_LEN;

const MLDV1_QUERY_LEN: usize = 24;
const MLDV2_QUERY_LEN: usize = 28;
const MLD_RECORD_HEADER_LEN: usize = 20;

/// ICMPv6 message types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Icmpv6Message {
    /// Destination Unreachable (1).
    DstUnreachable,
    /// Packet Too Big (2).
    PacketTooBig,
    /// Time Exceeded (3).
    TimeExceeded,
    /// Parameter Problem (4).
    ParamProblem,
    /// Echo Request (128).
    EchoRequest,
    /// Echo Reply (129).
    EchoReply,
    /// Multicast Listener Query, MLDv1 or MLDv2 (130).
    MldQuery,
    /// MLDv1 Multicast Listener Report (131).
    MldReport,
    /// MLDv1 Multicast Listener Done (132).
    MldDone,
    /// Router Solicitation (133).
    RouterSolicit,
    /// Router Advertisement (134).
    RouterAdvert,
    /// Neighbor Solicitation (135).
    NeighborSolicit,
    /// Neighbor Advertisement (136).
    NeighborAdvert,
    /// Redirect (137).
    Redirect,
    /// Version 2 Multicast Listener Report (143).
    Mldv2ListenerReport,
    /// Any other type.
    Unknown(u8),
}

impl Icmpv6Message {
    /// Whether this is an error message (types below 128), which must never be answered
    /// with another error (RFC 4443 §2.4(e)).
    pub fn is_error(&self) -> bool {
        u8::from(*self) < 128
    }

    /// Whether this is one of the neighbor discovery messages of RFC 4861.
    pub fn is_ndisc(&self) -> bool {
        matches!(u8::from(*self), 133..=137)
    }

    /// Length of the fixed part of this message type: what [`Icmpv6Packet::check_len`]
    /// requires and where options or data begin.
    pub fn header_len(&self) -> usize {
        match self {
            Icmpv6Message::RouterAdvert => field::RETRANS_TIME.end,
            Icmpv6Message::NeighborSolicit | Icmpv6Message::NeighborAdvert => {
                field::TARGET_ADDR.end
            }
            Icmpv6Message::Redirect => field::DEST_ADDR.end,
            Icmpv6Message::MldQuery | Icmpv6Message::MldReport | Icmpv6Message::MldDone => {
                MLDV1_QUERY_LEN
            }
            // RFC 4443 §2.1 defines only type, code and checksum for every message.
            Icmpv6Message::Unknown(_) => field::CHECKSUM.end,
            _ => HEADER_LEN,
        }
    }
}

impl From<u8> for Icmpv6Message {
    fn from(value: u8) -> Self {
        match value {
            1 => Icmpv6Message::DstUnreachable,
            2 => Icmpv6Message::PacketTooBig,
            3 => Icmpv6Message::TimeExceeded,
            4 => Icmpv6Message::ParamProblem,
            128 => Icmpv6Message::EchoRequest,
            129 => Icmpv6Message::EchoReply,
            130 => Icmpv6Message::MldQuery,
            131 => Icmpv6Message::MldReport,
            132 => Icmpv6Message::MldDone,
            133 => Icmpv6Message::RouterSolicit,
            134 => Icmpv6Message::RouterAdvert,
            135 => Icmpv6Message::NeighborSolicit,
            136 => Icmpv6Message::NeighborAdvert,
            137 => Icmpv6Message::Redirect,
            143 => Icmpv6Message::Mldv2ListenerReport,
            other => Icmpv6Message::Unknown(other),
        }
    }
}

impl From<Icmpv6Message> for u8 {
    fn from(value: Icmpv6Message) -> Self {
        match value {
            Icmpv6Message::DstUnreachable => 1,
            Icmpv6Message::PacketTooBig => 2,
            Icmpv6Message::TimeExceeded => 3,
            Icmpv6Message::ParamProblem => 4,
            Icmpv6Message::EchoRequest => 128,
            Icmpv6Message::EchoReply => 129,
            Icmpv6Message::MldQuery => 130,
            Icmpv6Message::MldReport => 131,
            Icmpv6Message::MldDone => 132,
            Icmpv6Message::RouterSolicit => 133,
            Icmpv6Message::RouterAdvert => 134,
            Icmpv6Message::NeighborSolicit => 135,
            Icmpv6Message::NeighborAdvert => 136,
            Icmpv6Message::Redirect => 137,
            Icmpv6Message::Mldv2ListenerReport => 143,
            Icmpv6Message::Unknown(other) => other,
        }
    }
}

/// Defines a code enum with an `Unknown(u8)` catch-all and both conversions.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// Any other code.
            Unknown(u8),
        }

        impl From<u8> for $name {
            fn from(value: u8) -> Self {
                match value {
                    $($value => $name::$variant,)*
                    other => $name::Unknown(other),
                }
            }
        }

        impl From<$name> for u8 {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => $value,)*
                    $name::Unknown(other) => other,
                }
            }
        }
    };
}

code_enum! {
    /// Codes of Destination Unreachable (RFC 4443 §3.1).
    DstUnreachableCode {
        /// No route to destination.
        NoRoute = 0,
        /// Communication administratively prohibited.
        AdminProhibit = 1,
        /// Beyond the scope of the source address.
        BeyondScope = 2,
        /// Address unreachable (neighbor discovery failed).
        AddrUnreachable = 3,
        /// Port unreachable: no socket listens on the UDP port.
        PortUnreachable = 4,
        /// Source address failed ingress/egress policy.
        FailedPolicy = 5,
        /// Reject route to destination.
        RejectRoute = 6,
    }
}

code_enum! {
    /// Codes of Time Exceeded (RFC 4443 §3.3).
    TimeExceededCode {
        /// Hop limit exceeded in transit.
        HopLimitExceeded = 0,
        /// Fragment reassembly time exceeded.
        FragReassemblyExceeded = 1,
    }
}

code_enum! {
    /// Codes of Parameter Problem (RFC 4443 §3.4).
    ParamProblemCode {
        /// Erroneous header field encountered.
        ErroneousHeaderField = 0,
        /// Unrecognized Next Header type encountered.
        UnrecognizedNextHeader = 1,
        /// Unrecognized IPv6 option encountered.
        UnrecognizedOption = 2,
    }
}

code_enum! {
    /// MLDv2 multicast address record types (RFC 3810 §5.2.12).
    MldRecordType {
        /// Current state: include the listed sources.
        ModeIsInclude = 1,
        /// Current state: exclude the listed sources (with none listed: joined).
        ModeIsExclude = 2,
        /// Change to include the listed sources (with none listed: left).
        ChangeToInclude = 3,
        /// Change to exclude the listed sources (with none listed: joined).
        ChangeToExclude = 4,
        /// Allow new sources.
        AllowNewSources = 5,
        /// Block old sources.
        BlockOldSources = 6,
    }
}

/// Defines a flags newtype over `u8` with named bits.
macro_rules! flags {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* const $flag:ident = $bit:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(u8);

        impl $name {
            $($(#[$fmeta])* pub const $flag: $name = $name($bit);)*

            /// No flag set.
            pub const fn empty() -> Self {
                $name(0)
            }

            /// The flags among `bits` that have a name; reserved bits are dropped because
            /// receivers must ignore them.
            pub const fn from_bits_truncate(bits: u8) -> Self {
                $name(bits & (0 $(| $bit)*))
            }

            /// The raw bits.
            pub const fn bits(&self) -> u8 {
                self.0
            }

            /// Whether every flag of `other` is set.
            pub const fn contains(&self, other: $name) -> bool {
                self.0 & other.0 == other.0
            }
        }

        impl BitOr for $name {
            type Output = $name;

            fn bitor(self, rhs: $name) -> $name {
                $name(self.0 | rhs.0)
            }
        }
    };
}

flags! {
    /// Router Advertisement flags (RFC 4861 §4.2).
    RouterFlags {
        /// M: addresses are available via DHCPv6.
        const MANAGED = 0x80;
        /// O: other configuration is available via DHCPv6.
        const OTHER = 0x40;
    }
}

flags! {
    /// Neighbor Advertisement flags (RFC 4861 §4.4).
    NeighborFlags {
        /// R: the sender is a router.
        const ROUTER = 0x80;
        /// S: sent in response to a solicitation.
        const SOLICITED = 0x40;
        /// O: override an existing cache entry.
        const OVERRIDE = 0x20;
    }
}

flags! {
    /// Prefix Information flags (RFC 4861 §4.6.2).
    PrefixInfoFlags {
        /// L: the prefix is on-link.
        const ON_LINK = 0x80;
        /// A: the prefix may be used for stateless address autoconfiguration.
        const ADDRCONF = 0x40;
    }
}

fn be16(data: &[u8], range: field::Field) -> u16 {
    match data.get(range) {
        Some(&[hi, lo]) => u16::from_be_bytes([hi, lo]),
        _ => 0,
    }
}

fn be32(data: &[u8], range: field::Field) -> u32 {
    match data.get(range) {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
        _ => 0,
    }
}

fn addr(data: &[u8], range: field::Field) -> Ipv6Addr {
    let mut octets = [0u8; 16];
    if let Some(bytes) = data.get(range).filter(|bytes| bytes.len() == 16) {
        octets.copy_from_slice(bytes);
    }
    Ipv6Addr::from(octets)
}

fn byte(data: &[u8], at: usize) -> u8 {
    data.get(at).copied().unwrap_or(0)
}

fn put(data: &mut [u8], range: field::Field, value: &[u8]) {
    if let Some(out) = data.get_mut(range).filter(|out| out.len() == value.len()) {
        out.copy_from_slice(value);
    }
}

fn put_byte(data: &mut [u8], at: usize, value: u8) {
    if let Some(out) = data.get_mut(at) {
        *out = value;
    }
}

/// A zero-copy view of an ICMPv6 message; the buffer is exactly the message (the IPv6
/// payload after any extension headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Icmpv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Icmpv6Packet<T> {
    /// Wraps a buffer without checking it. Accessors still cannot panic (a field outside
    /// the buffer reads as zero, a setter outside it does nothing), but they may read
    /// nonsense until [`check_len`](Self::check_len) has passed.
    pub const fn new_unchecked(buffer: T) -> Self {
        Icmpv6Packet { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds the fixed part of its message type
    /// ([`Icmpv6Message::header_len`]), so that every field of that type is real.
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < field::CHECKSUM.end || len < self.header_len() {
            Err(WireError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Length of the fixed part of this message's type.
    pub fn header_len(&self) -> usize {
        self.msg_type().header_len()
    }

    /// The message type.
    pub fn msg_type(&self) -> Icmpv6Message {
        Icmpv6Message::from(byte(self.buffer.as_ref(), field::TYPE))
    }

    /// The message code.
    pub fn msg_code(&self) -> u8 {
        byte(self.buffer.as_ref(), field::CODE)
    }

    /// The checksum field.
    pub fn checksum(&self) -> u16 {
        be16(self.buffer.as_ref(), field::CHECKSUM)
    }

    /// Echo identifier.
    pub fn echo_ident(&self) -> u16 {
        be16(self.buffer.as_ref(), field::ECHO_IDENT)
    }

    /// Echo sequence number.
    pub fn echo_seq_no(&self) -> u16 {
        be16(self.buffer.as_ref(), field::ECHO_SEQNO)
    }

    /// MTU of a Packet Too Big message.
    pub fn pkt_too_big_mtu(&self) -> u32 {
        be32(self.buffer.as_ref(), field::ERR_WORD)
    }

    /// Pointer of a Parameter Problem message: offset of the offending byte in the invoking
    /// packet.
    pub fn param_problem_ptr(&self) -> u32 {
        be32(self.buffer.as_ref(), field::ERR_WORD)
    }

    /// Cur Hop Limit of a Router Advertisement (0: unspecified).
    pub fn current_hop_limit(&self) -> u8 {
        byte(self.buffer.as_ref(), field::CUR_HOP_LIMIT)
    }

    /// Flags of a Router Advertisement.
    pub fn router_flags(&self) -> RouterFlags {
        RouterFlags::from_bits_truncate(byte(self.buffer.as_ref(), field::ROUTER_FLAGS))
    }

    /// Router Lifetime of a Router Advertisement, in seconds (0: not a default router).
    pub fn router_lifetime(&self) -> u16 {
        be16(self.buffer.as_ref(), field::ROUTER_LIFETIME)
    }

    /// Reachable Time of a Router Advertisement, in milliseconds (0: unspecified).
    pub fn reachable_time(&self) -> u32 {
        be32(self.buffer.as_ref(), field::REACHABLE_TIME)
    }

    /// Retrans Timer of a Router Advertisement, in milliseconds (0: unspecified).
    pub fn retrans_time(&self) -> u32 {
        be32(self.buffer.as_ref(), field::RETRANS_TIME)
    }

    /// Flags of a Neighbor Advertisement.
    pub fn neighbor_flags(&self) -> NeighborFlags {
        NeighborFlags::from_bits_truncate(byte(self.buffer.as_ref(), field::NEIGH_FLAGS))
    }

    /// Target Address of a Neighbor Solicitation, Neighbor Advertisement or Redirect.
    pub fn target_addr(&self) -> Ipv6Addr {
        addr(self.buffer.as_ref(), field::TARGET_ADDR)
    }

    /// Destination Address of a Redirect.
    pub fn dest_addr(&self) -> Ipv6Addr {
        addr(self.buffer.as_ref(), field::DEST_ADDR)
    }

    /// Maximum Response Code of an MLD query.
    pub fn max_resp_code(&self) -> u16 {
        be16(self.buffer.as_ref(), field::MAX_RESP_CODE)
    }

    /// Multicast Address of an MLD query (unspecified for a general query).
    pub fn mcast_addr(&self) -> Ipv6Addr {
        addr(self.buffer.as_ref(), field::QUERY_MCAST_ADDR)
    }

    /// S flag of an MLDv2 query: routers suppress timer updates.
    pub fn query_s_flag(&self) -> bool {
        byte(self.buffer.as_ref(), field::SQRV) & 0x08 != 0
    }

    /// Querier's Robustness Variable of an MLDv2 query.
    pub fn query_qrv(&self) -> u8 {
        byte(self.buffer.as_ref(), field::SQRV) & 0x07
    }

    /// Querier's Query Interval Code of an MLDv2 query.
    pub fn query_qqic(&self) -> u8 {
        byte(self.buffer.as_ref(), field::QQIC)
    }

    /// Number of Sources of an MLDv2 query.
    pub fn query_num_srcs(&self) -> u16 {
        be16(self.buffer.as_ref(), field::QUERY_NUM_SRCS)
    }

    /// Number of multicast address records of an MLDv2 report.
    pub fn nr_mcast_addr_rcrds(&self) -> u16 {
        be16(self.buffer.as_ref(), field::NR_MCAST_RCRDS)
    }

    /// Whether the checksum is right for a message from `src` to `dst`.
    pub fn verify_checksum(&self, src: &Ipv6Addr, dst: &Ipv6Addr) -> bool {
        sum(self.buffer.as_ref(), src, dst) == 0xffff
    }
}

fn sum(data: &[u8], src: &Ipv6Addr, dst: &Ipv6Addr) -> u16 {
    // ICMPv6 messages are bounded by the 16-bit payload length; saturate anyway.
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    checksum::combine(&[
        checksum::pseudo_header_v6(src, dst, IpProtocol::Icmpv6, len),
        checksum::data(data),
    ])
}

impl<'a, T: AsRef<[u8]> + ?Sized> Icmpv6Packet<&'a T> {
    /// The bytes after the fixed part of the message type: echo data, the quoted invoking
    /// packet of an error, NDP options, MLD sources or records.
    pub fn payload(&self) -> &'a [u8] {
        let data = self.buffer.as_ref();
        data.get(self.header_len()..).unwrap_or(&[])
    }

    /// The NDP options of a neighbor discovery message.
    pub fn ndisc_options(&self) -> NdiscOptionsIter<'a> {
        NdiscOptionsIter::new(self.payload())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv6Packet<T> {
    /// Sets the message type.
    pub fn set_msg_type(&mut self, value: Icmpv6Message) {
        put_byte(self.buffer.as_mut(), field::TYPE, value.into());
    }

    /// Sets the message code.
    pub fn set_msg_code(&mut self, value: u8) {
        put_byte(self.buffer.as_mut(), field::CODE, value);
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, value: u16) {
        put(self.buffer.as_mut(), field::CHECKSUM, &value.to_be_bytes());
    }

    /// Sets the echo identifier.
    pub fn set_echo_ident(&mut self, value: u16) {
        put(
            self.buffer.as_mut(),
            field::ECHO_IDENT,
            &value.to_be_bytes(),
        );
    }

    /// Sets the echo sequence number.
    pub fn set_echo_seq_no(&mut self, value: u16) {
        put(
            self.buffer.as_mut(),
            field::ECHO_SEQNO,
            &value.to_be_bytes(),
        );
    }

    /// Sets the 32-bit word of an error message (MTU, pointer, or zero when unused).
    pub fn set_err_word(&mut self, value: u32) {
        put(self.buffer.as_mut(), field::ERR_WORD, &value.to_be_bytes());
    }

    /// Sets Cur Hop Limit of a Router Advertisement.
    pub fn set_current_hop_limit(&mut self, value: u8) {
        put_byte(self.buffer.as_mut(), field::CUR_HOP_LIMIT, value);
    }

    /// Sets the flags of a Router Advertisement.
    pub fn set_router_flags(&mut self, value: RouterFlags) {
        put_byte(self.buffer.as_mut(), field::ROUTER_FLAGS, value.bits());
    }

    /// Sets Router Lifetime of a Router Advertisement.
    pub fn set_router_lifetime(&mut self, value: u16) {
        put(
            self.buffer.as_mut(),
            field::ROUTER_LIFETIME,
            &value.to_be_bytes(),
        );
    }

    /// Sets Reachable Time of a Router Advertisement.
    pub fn set_reachable_time(&mut self, value: u32) {
        put(
            self.buffer.as_mut(),
            field::REACHABLE_TIME,
            &value.to_be_bytes(),
        );
    }

    /// Sets Retrans Timer of a Router Advertisement.
    pub fn set_retrans_time(&mut self, value: u32) {
        put(
            self.buffer.as_mut(),
            field::RETRANS_TIME,
            &value.to_be_bytes(),
        );
    }

    /// Sets the flags of a Neighbor Advertisement and clears the reserved bits after them.
    pub fn set_neighbor_flags(&mut self, value: NeighborFlags) {
        put(
            self.buffer.as_mut(),
            field::ERR_WORD,
            &[value.bits(), 0, 0, 0],
        );
    }

    /// Sets the Target Address.
    pub fn set_target_addr(&mut self, value: &Ipv6Addr) {
        put(self.buffer.as_mut(), field::TARGET_ADDR, &value.octets());
    }

    /// Sets the Destination Address of a Redirect.
    pub fn set_dest_addr(&mut self, value: &Ipv6Addr) {
        put(self.buffer.as_mut(), field::DEST_ADDR, &value.octets());
    }

    /// Sets the Maximum Response Code of an MLD query.
    pub fn set_max_resp_code(&mut self, value: u16) {
        put(
            self.buffer.as_mut(),
            field::MAX_RESP_CODE,
            &value.to_be_bytes(),
        );
    }

    /// Sets the Multicast Address of an MLD query.
    pub fn set_mcast_addr(&mut self, value: &Ipv6Addr) {
        put(
            self.buffer.as_mut(),
            field::QUERY_MCAST_ADDR,
            &value.octets(),
        );
    }

    /// Sets the S flag and QRV of an MLDv2 query.
    pub fn set_query_s_qrv(&mut self, s_flag: bool, qrv: u8) {
        let value = (u8::from(s_flag) << 3) | (qrv & 0x07);
        put_byte(self.buffer.as_mut(), field::SQRV, value);
    }

    /// Sets the QQIC of an MLDv2 query.
    pub fn set_query_qqic(&mut self, value: u8) {
        put_byte(self.buffer.as_mut(), field::QQIC, value);
    }

    /// Sets the Number of Sources of an MLDv2 query.
    pub fn set_query_num_srcs(&mut self, value: u16) {
        put(
            self.buffer.as_mut(),
            field::QUERY_NUM_SRCS,
            &value.to_be_bytes(),
        );
    }

    /// Sets the number of records of an MLDv2 report and clears the reserved field.
    pub fn set_nr_mcast_addr_rcrds(&mut self, value: u16) {
        let [hi, lo] = value.to_be_bytes();
        put(self.buffer.as_mut(), field::ERR_WORD, &[0, 0, hi, lo]);
    }

    /// The bytes after the fixed part of the message type, mutably.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        self.buffer.as_mut().get_mut(start..).unwrap_or(&mut [])
    }

    /// Computes the checksum over the whole buffer and the pseudo header for `src` → `dst`
    /// and writes it.
    pub fn fill_checksum(&mut self, src: &Ipv6Addr, dst: &Ipv6Addr) {
        self.set_checksum(0);
        let value = checksum::finish(sum(self.buffer.as_ref(), src, dst));
        self.set_checksum(value);
    }
}

// ---------------------------------------------------------------------------------------
// NDP options
// ---------------------------------------------------------------------------------------

mod opt_field {
    // Prefix Information, offsets in the option (type and length included).
    pub const PREFIX_LEN: usize = 2;
    pub const PREFIX_FLAGS: usize = 3;
    pub const VALID_LT: super::field::Field = 4..8;
    pub const PREF_LT: super::field::Field = 8..12;
    pub const PREFIX: super::field::Field = 16..32;
    // MTU and RDNSS share the reserved-then-32-bit layout.
    pub const WORD: super::field::Field = 4..8;
    pub const RDNSS_ADDRS: usize = 8;
    // Redirected Header: six reserved bytes, then the quoted packet.
    pub const REDIRECTED: usize = 8;
}

/// NDP option types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NdiscOptionType {
    /// Source Link-Layer Address (1).
    SourceLinkLayerAddr,
    /// Target Link-Layer Address (2).
    TargetLinkLayerAddr,
    /// Prefix Information (3).
    PrefixInformation,
    /// Redirected Header (4).
    RedirectedHeader,
    /// MTU (5).
    Mtu,
    /// Recursive DNS Server (25, RFC 8106).
    Rdnss,
    /// Any other type, which receivers skip (RFC 4861 §4.6).
    Unknown(u8),
}

impl From<u8> for NdiscOptionType {
    fn from(value: u8) -> Self {
        match value {
            1 => NdiscOptionType::SourceLinkLayerAddr,
            2 => NdiscOptionType::TargetLinkLayerAddr,
            3 => NdiscOptionType::PrefixInformation,
            4 => NdiscOptionType::RedirectedHeader,
            5 => NdiscOptionType::Mtu,
            25 => NdiscOptionType::Rdnss,
            other => NdiscOptionType::Unknown(other),
        }
    }
}

impl From<NdiscOptionType> for u8 {
    fn from(value: NdiscOptionType) -> Self {
        match value {
            NdiscOptionType::SourceLinkLayerAddr => 1,
            NdiscOptionType::TargetLinkLayerAddr => 2,
            NdiscOptionType::PrefixInformation => 3,
            NdiscOptionType::RedirectedHeader => 4,
            NdiscOptionType::Mtu => 5,
            NdiscOptionType::Rdnss => 25,
            NdiscOptionType::Unknown(other) => other,
        }
    }
}

/// The Prefix Information option (RFC 4861 §4.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrefixInfo {
    /// Number of leading bits of `prefix` that are the prefix (0 to 128).
    pub prefix_len: u8,
    /// On-link (L) and autonomous (A) flags.
    pub flags: PrefixInfoFlags,
    /// Seconds the prefix stays valid; `u32::MAX` is infinity.
    pub valid_lifetime: u32,
    /// Seconds addresses from it stay preferred; `u32::MAX` is infinity.
    pub preferred_lifetime: u32,
    /// The prefix; bits after `prefix_len` are to be ignored.
    pub prefix: Ipv6Addr,
}

impl PrefixInfo {
    /// The prefix as a CIDR with its host bits cleared; `None` for a length above 128
    /// (which parsing never produces).
    pub fn cidr(&self) -> Option<ipv6::Ipv6Cidr> {
        ipv6::Ipv6Cidr::new(self.prefix, self.prefix_len).map(|cidr| cidr.network())
    }
}

/// Iterator over a packed list of IPv6 addresses (RDNSS servers, MLD sources).
#[derive(Debug, Clone)]
pub struct Ipv6AddrIter<'a> {
    data: &'a [u8],
}

impl<'a> Ipv6AddrIter<'a> {
    /// The addresses as raw bytes, 16 per address.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.data
    }
}

impl PartialEq for Ipv6AddrIter<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data
    }
}

impl Eq for Ipv6AddrIter<'_> {}

impl Iterator for Ipv6AddrIter<'_> {
    type Item = Ipv6Addr;

    fn next(&mut self) -> Option<Ipv6Addr> {
        let (first, rest) = self.data.split_first_chunk::<16>()?;
        self.data = rest;
        Some(Ipv6Addr::from(*first))
    }
}

/// One NDP option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NdiscOption<'a> {
    /// Source Link-Layer Address: the raw option data (6 bytes on Ethernet, then padding
    /// on longer link layers).
    SourceLinkLayerAddr(&'a [u8]),
    /// Target Link-Layer Address: the raw option data.
    TargetLinkLayerAddr(&'a [u8]),
    /// Prefix Information.
    PrefixInformation(PrefixInfo),
    /// Redirected Header: as much of the redirected packet as fits.
    RedirectedHeader(&'a [u8]),
    /// MTU of the link.
    Mtu(u32),
    /// Recursive DNS Servers (RFC 8106).
    Rdnss {
        /// Seconds the servers may be used; `u32::MAX` is infinity.
        lifetime: u32,
        /// The server addresses.
        servers: Ipv6AddrIter<'a>,
    },
    /// An option this module does not know: skipped by the stack.
    Unknown {
        /// The option type.
        kind: u8,
        /// The option after its type and length bytes.
        data: &'a [u8],
    },
}

impl<'a> NdiscOption<'a> {
    /// The option type.
    pub fn option_type(&self) -> NdiscOptionType {
        match self {
            NdiscOption::SourceLinkLayerAddr(_) => NdiscOptionType::SourceLinkLayerAddr,
            NdiscOption::TargetLinkLayerAddr(_) => NdiscOptionType::TargetLinkLayerAddr,
            NdiscOption::PrefixInformation(_) => NdiscOptionType::PrefixInformation,
            NdiscOption::RedirectedHeader(_) => NdiscOptionType::RedirectedHeader,
            NdiscOption::Mtu(_) => NdiscOptionType::Mtu,
            NdiscOption::Rdnss { .. } => NdiscOptionType::Rdnss,
            NdiscOption::Unknown { kind, .. } => NdiscOptionType::from(*kind),
        }
    }

    /// The 48-bit address of a link-layer address option, when it holds exactly one
    /// (an option of length 1, as on Ethernet).
    pub fn lladdr(&self) -> Option<[u8; 6]> {
        match self {
            NdiscOption::SourceLinkLayerAddr(data) | NdiscOption::TargetLinkLayerAddr(data) => {
                <[u8; 6]>::try_from(*data).ok()
            }
            _ => None,
        }
    }

    /// Parses one option at the start of `data`, returning it and its length.
    ///
    /// Length 0 is `Malformed` (RFC 4861 §4.6: the whole message must be discarded, since
    /// the walk could not advance); an option running past `data` is `Truncated`; a known
    /// option with a length its type does not allow is `Malformed`.
    pub fn parse(data: &'a [u8]) -> Result<(Self, usize), WireError> {
        let (&kind, &units) = match data {
            [kind, units, ..] => (kind, units),
            _ => return Err(WireError::Truncated),
        };
        if units == 0 {
            return Err(WireError::Malformed);
        }
        let len = usize::from(units) * 8;
        let option = data.get(..len).ok_or(WireError::Truncated)?;
        let body = &option[2..];
        let parsed = match NdiscOptionType::from(kind) {
            // One unit leaves exactly the six bytes of an Ethernet address.
            NdiscOptionType::SourceLinkLayerAddr => NdiscOption::SourceLinkLayerAddr(body),
            NdiscOptionType::TargetLinkLayerAddr => NdiscOption::TargetLinkLayerAddr(body),
            NdiscOptionType::PrefixInformation => {
                if units != 4 {
                    return Err(WireError::Malformed);
                }
                let prefix_len = option[opt_field::PREFIX_LEN];
                if prefix_len > 128 {
                    return Err(WireError::Malformed);
                }
                NdiscOption::PrefixInformation(PrefixInfo {
                    prefix_len,
                    flags: PrefixInfoFlags::from_bits_truncate(option[opt_field::PREFIX_FLAGS]),
                    valid_lifetime: be32(option, opt_field::VALID_LT),
                    preferred_lifetime: be32(option, opt_field::PREF_LT),
                    prefix: addr(option, opt_field::PREFIX),
                })
            }
            NdiscOptionType::RedirectedHeader => {
                NdiscOption::RedirectedHeader(option.get(opt_field::REDIRECTED..).unwrap_or(&[]))
            }
            NdiscOptionType::Mtu => {
                if units != 1 {
                    return Err(WireError::Malformed);
                }
                NdiscOption::Mtu(be32(option, opt_field::WORD))
            }
            NdiscOptionType::Rdnss => {
                // RFC 8106 §5.1: 1 unit of header plus 2 per address, at least one address.
                if units < 3 || units % 2 == 0 {
                    return Err(WireError::Malformed);
                }
                NdiscOption::Rdnss {
                    lifetime: be32(option, opt_field::WORD),
                    servers: Ipv6AddrIter {
                        data: option.get(opt_field::RDNSS_ADDRS..).unwrap_or(&[]),
                    },
                }
            }
            NdiscOptionType::Unknown(_) => NdiscOption::Unknown { kind, data: body },
        };
        Ok((parsed, len))
    }

    /// Length of the option on the wire, padded to 8 bytes.
    pub fn buffer_len(&self) -> usize {
        let body = match self {
            NdiscOption::SourceLinkLayerAddr(data) | NdiscOption::TargetLinkLayerAddr(data) => {
                data.len()
            }
            NdiscOption::PrefixInformation(_) => 30,
            NdiscOption::RedirectedHeader(data) => 6 + data.len(),
            NdiscOption::Mtu(_) => 6,
            NdiscOption::Rdnss { servers, .. } => 6 + servers.data.len(),
            NdiscOption::Unknown { data, .. } => data.len(),
        };
        (2 + body).div_ceil(8) * 8
    }

    /// Writes the option at the start of `buf`, zero-padded to 8 bytes; returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        let len = self.buffer_len();
        let units = u8::try_from(len / 8).map_err(|_| WireError::Malformed)?;
        let out = buf.get_mut(..len).ok_or(WireError::Truncated)?;
        out.fill(0);
        out[0] = self.option_type().into();
        out[1] = units;
        let copy = |out: &mut [u8], at: usize, data: &[u8]| {
            if let Some(dst) = out.get_mut(at..at + data.len()) {
                dst.copy_from_slice(data);
            }
        };
        match self {
            NdiscOption::SourceLinkLayerAddr(data)
            | NdiscOption::TargetLinkLayerAddr(data)
            | NdiscOption::Unknown { data, .. } => copy(out, 2, data),
            NdiscOption::PrefixInformation(info) => {
                if info.prefix_len > 128 {
                    return Err(WireError::Malformed);
                }
                out[opt_field::PREFIX_LEN] = info.prefix_len;
                out[opt_field::PREFIX_FLAGS] = info.flags.bits();
                put(out, opt_field::VALID_LT, &info.valid_lifetime.to_be_bytes());
                put(
                    out,
                    opt_field::PREF_LT,
                    &info.preferred_lifetime.to_be_bytes(),
                );
                put(out, opt_field::PREFIX, &info.prefix.octets());
            }
            NdiscOption::RedirectedHeader(data) => copy(out, opt_field::REDIRECTED, data),
            NdiscOption::Mtu(mtu) => put(out, opt_field::WORD, &mtu.to_be_bytes()),
            NdiscOption::Rdnss { lifetime, servers } => {
                put(out, opt_field::WORD, &lifetime.to_be_bytes());
                copy(out, opt_field::RDNSS_ADDRS, servers.data);
            }
        }
        Ok(len)
    }
}

/// Iterator over all NDP options of a message, unknown ones included (the caller skips
/// them); stops after the first error, which invalidates the whole message.
#[derive(Debug, Clone)]
pub struct NdiscOptionsIter<'a> {
    data: &'a [u8],
}

impl<'a> NdiscOptionsIter<'a> {
    /// Iterates over raw options (a message's bytes after its fixed part).
    pub const fn new(data: &'a [u8]) -> Self {
        NdiscOptionsIter { data }
    }
}

impl<'a> Iterator for NdiscOptionsIter<'a> {
    type Item = Result<NdiscOption<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.data.is_empty() {
            return None;
        }
        match NdiscOption::parse(self.data) {
            Ok((option, len)) => {
                self.data = self.data.get(len..).unwrap_or(&[]);
                Some(Ok(option))
            }
            Err(error) => {
                self.data = &[];
                Some(Err(error))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Neighbor discovery
// ---------------------------------------------------------------------------------------

/// A parsed neighbor discovery message (RFC 4861 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NdiscRepr {
    /// Router Solicitation.
    RouterSolicit {
        /// Source Link-Layer Address option.
        lladdr: Option<[u8; 6]>,
    },
    /// Router Advertisement.
    RouterAdvert {
        /// Hop limit hosts should use (0: unspecified).
        hop_limit: u8,
        /// M and O flags.
        flags: RouterFlags,
        /// Seconds the sender may serve as default router (0: not a default router).
        router_lifetime: u16,
        /// Milliseconds a neighbor stays reachable after confirmation (0: unspecified).
        reachable_time: u32,
        /// Milliseconds between retransmitted solicitations (0: unspecified).
        retrans_time: u32,
        /// Source Link-Layer Address option.
        lladdr: Option<[u8; 6]>,
        /// MTU option.
        mtu: Option<u32>,
        /// The first Prefix Information option; the others, and RDNSS, are read with
        /// [`Icmpv6Packet::ndisc_options`].
        prefix_info: Option<PrefixInfo>,
    },
    /// Neighbor Solicitation.
    NeighborSolicit {
        /// The address being resolved or checked for duplicates.
        target_addr: Ipv6Addr,
        /// Source Link-Layer Address option (absent during duplicate address detection).
        lladdr: Option<[u8; 6]>,
    },
    /// Neighbor Advertisement.
    NeighborAdvert {
        /// Router, Solicited and Override flags.
        flags: NeighborFlags,
        /// The address whose link-layer address is advertised.
        target_addr: Ipv6Addr,
        /// Target Link-Layer Address option.
        lladdr: Option<[u8; 6]>,
    },
    /// Redirect: a better first hop for a destination. The Redirected Header option is
    /// read with [`Icmpv6Packet::ndisc_options`].
    Redirect {
        /// The better first hop (or the destination itself when it is on-link).
        target_addr: Ipv6Addr,
        /// The destination being redirected.
        dest_addr: Ipv6Addr,
        /// Target Link-Layer Address option.
        lladdr: Option<[u8; 6]>,
    },
}

impl NdiscRepr {
    /// Parses a neighbor discovery message whose length and checksum have been checked.
    ///
    /// Applies the message-only validity checks of RFC 4861 (code 0, options well formed,
    /// no option of length 0, target not multicast); the checks that need the IPv6 header
    /// are in [`validate_ip`](Self::validate_ip).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Icmpv6Packet<&T>) -> Result<Self, WireError> {
        packet.check_len()?;
        if packet.msg_code() != 0 {
            return Err(WireError::Malformed);
        }
        let mut source = None;
        let mut target = None;
        let mut mtu = None;
        let mut prefix_info = None;
        for option in packet.ndisc_options() {
            match option? {
                option @ NdiscOption::SourceLinkLayerAddr(_) => source = option.lladdr(),
                option @ NdiscOption::TargetLinkLayerAddr(_) => target = option.lladdr(),
                NdiscOption::Mtu(value) => mtu = Some(value),
                NdiscOption::PrefixInformation(info) if prefix_info.is_none() => {
                    prefix_info = Some(info)
                }
                _ => {}
            }
        }
        let repr = match packet.msg_type() {
            Icmpv6Message::RouterSolicit => NdiscRepr::RouterSolicit { lladdr: source },
            Icmpv6Message::RouterAdvert => NdiscRepr::RouterAdvert {
                hop_limit: packet.current_hop_limit(),
                flags: packet.router_flags(),
                router_lifetime: packet.router_lifetime(),
                reachable_time: packet.reachable_time(),
                retrans_time: packet.retrans_time(),
                lladdr: source,
                mtu,
                prefix_info,
            },
            Icmpv6Message::NeighborSolicit => NdiscRepr::NeighborSolicit {
                target_addr: packet.target_addr(),
                lladdr: source,
            },
            Icmpv6Message::NeighborAdvert => NdiscRepr::NeighborAdvert {
                flags: packet.neighbor_flags(),
                target_addr: packet.target_addr(),
                lladdr: target,
            },
            Icmpv6Message::Redirect => NdiscRepr::Redirect {
                target_addr: packet.target_addr(),
                dest_addr: packet.dest_addr(),
                lladdr: target,
            },
            _ => return Err(WireError::Unsupported),
        };
        match repr {
            NdiscRepr::NeighborSolicit { target_addr, .. }
            | NdiscRepr::NeighborAdvert { target_addr, .. }
                if target_addr.is_multicast() =>
            {
                Err(WireError::Malformed)
            }
            NdiscRepr::Redirect { dest_addr, .. } if dest_addr.is_multicast() => {
                Err(WireError::Malformed)
            }
            _ => Ok(repr),
        }
    }

    /// The checks of RFC 4861 §6.1 and §7.1 that need the IPv6 header: hop limit 255 (so
    /// the message cannot come from off-link), a link-local source for router messages,
    /// no link-layer option from the unspecified address, a solicited-node destination for
    /// duplicate address detection, and no Solicited flag on a multicast advertisement.
    ///
    /// Fails with `Malformed`; the caller drops the message.
    pub fn validate_ip(&self, ip: &Ipv6Repr) -> Result<(), WireError> {
        let ok = ip.hop_limit == ipv6::NDISC_HOP_LIMIT
            && match self {
                NdiscRepr::RouterSolicit { lladdr } => {
                    !(ip.src_addr.is_unspecified() && lladdr.is_some())
                }
                NdiscRepr::RouterAdvert { .. } | NdiscRepr::Redirect { .. } => {
                    ipv6::is_link_local(&ip.src_addr)
                }
                NdiscRepr::NeighborSolicit { lladdr, .. } => {
                    !ip.src_addr.is_unspecified()
                        || (ipv6::is_solicited_node(&ip.dst_addr) && lladdr.is_none())
                }
                NdiscRepr::NeighborAdvert { flags, .. } => {
                    !(ip.dst_addr.is_multicast() && flags.contains(NeighborFlags::SOLICITED))
                }
            };
        if ok {
            Ok(())
        } else {
            Err(WireError::Malformed)
        }
    }

    fn msg_type(&self) -> Icmpv6Message {
        match self {
            NdiscRepr::RouterSolicit { .. } => Icmpv6Message::RouterSolicit,
            NdiscRepr::RouterAdvert { .. } => Icmpv6Message::RouterAdvert,
            NdiscRepr::NeighborSolicit { .. } => Icmpv6Message::NeighborSolicit,
            NdiscRepr::NeighborAdvert { .. } => Icmpv6Message::NeighborAdvert,
            NdiscRepr::Redirect { .. } => Icmpv6Message::Redirect,
        }
    }

    fn lladdr(&self) -> Option<NdiscOption<'_>> {
        match self {
            NdiscRepr::RouterSolicit { lladdr }
            | NdiscRepr::RouterAdvert { lladdr, .. }
            | NdiscRepr::NeighborSolicit { lladdr, .. } => {
                lladdr.as_ref().map(|a| NdiscOption::SourceLinkLayerAddr(a))
            }
            NdiscRepr::NeighborAdvert { lladdr, .. } | NdiscRepr::Redirect { lladdr, .. } => {
                lladdr.as_ref().map(|a| NdiscOption::TargetLinkLayerAddr(a))
            }
        }
    }

    /// The options [`emit`](Self::emit) writes, in order.
    fn options(&self) -> [Option<NdiscOption<'_>>; 3] {
        match self {
            NdiscRepr::RouterAdvert {
                mtu, prefix_info, ..
            } => [
                self.lladdr(),
                mtu.map(NdiscOption::Mtu),
                prefix_info.map(NdiscOption::PrefixInformation),
            ],
            _ => [self.lladdr(), None, None],
        }
    }

    /// Length of the message [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        let options: usize = self
            .options()
            .iter()
            .flatten()
            .map(|o| o.buffer_len())
            .sum();
        self.msg_type().header_len() + options
    }

    /// Writes the message (without the checksum, which [`Icmpv6Repr::emit`] fills) into a
    /// buffer of at least [`buffer_len`](Self::buffer_len) bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Icmpv6Packet<T>,
    ) -> Result<(), WireError> {
        let len = self.buffer_len();
        let msg_type = self.msg_type();
        let buf = packet
            .buffer
            .as_mut()
            .get_mut(..len)
            .ok_or(WireError::Truncated)?;
        buf[..msg_type.header_len()].fill(0);
        let mut packet = Icmpv6Packet::new_unchecked(buf);
        packet.set_msg_type(msg_type);
        match *self {
            NdiscRepr::RouterSolicit { .. } => {}
            NdiscRepr::RouterAdvert {
                hop_limit,
                flags,
                router_lifetime,
                reachable_time,
                retrans_time,
                ..
            } => {
                packet.set_current_hop_limit(hop_limit);
                packet.set_router_flags(flags);
                packet.set_router_lifetime(router_lifetime);
                packet.set_reachable_time(reachable_time);
                packet.set_retrans_time(retrans_time);
            }
            NdiscRepr::NeighborSolicit { target_addr, .. } => {
                packet.set_target_addr(&target_addr);
            }
            NdiscRepr::NeighborAdvert {
                flags, target_addr, ..
            } => {
                packet.set_neighbor_flags(flags);
                packet.set_target_addr(&target_addr);
            }
            NdiscRepr::Redirect {
                target_addr,
                dest_addr,
                ..
            } => {
                packet.set_target_addr(&target_addr);
                packet.set_dest_addr(&dest_addr);
            }
        }
        let mut out = packet.payload_mut();
        for option in self.options().iter().flatten() {
            let written = option.emit(out)?;
            out = out.get_mut(written..).unwrap_or(&mut []);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// MLD
// ---------------------------------------------------------------------------------------

/// Which MLD version a query is, from its length (RFC 3810 §8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MldVersion {
    /// A 24-byte MLDv1 query (RFC 2710): the host falls back to MLDv1 compatibility.
    V1,
    /// An MLDv2 query of 28 bytes or more.
    V2,
}

/// One multicast address record of an MLDv2 report (RFC 3810 §5.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MldAddressRecordRepr<'a> {
    /// Record type.
    pub record_type: MldRecordType,
    /// The multicast group.
    pub mcast_addr: Ipv6Addr,
    /// The source addresses as raw bytes, 16 per source; empty for a plain join or leave.
    pub sources: &'a [u8],
}

impl<'a> MldAddressRecordRepr<'a> {
    /// Number of sources.
    pub const fn num_srcs(&self) -> usize {
        self.sources.len() / 16
    }

    /// The source addresses.
    pub fn source_addrs(&self) -> Ipv6AddrIter<'a> {
        Ipv6AddrIter { data: self.sources }
    }

    /// Parses one record at the start of `data`, returning it and its length (auxiliary
    /// data, which MLDv2 does not define, is skipped).
    pub fn parse(data: &'a [u8]) -> Result<(Self, usize), WireError> {
        let header = data
            .get(..MLD_RECORD_HEADER_LEN)
            .ok_or(WireError::Truncated)?;
        let aux_len = usize::from(header[1]) * 4;
        let num_srcs = usize::from(be16(header, 2..4));
        let sources_end = MLD_RECORD_HEADER_LEN.saturating_add(num_srcs.saturating_mul(16));
        let len = sources_end.saturating_add(aux_len);
        let sources = data
            .get(MLD_RECORD_HEADER_LEN..sources_end)
            .ok_or(WireError::Truncated)?;
        if data.len() < len {
            return Err(WireError::Truncated);
        }
        let record = MldAddressRecordRepr {
            record_type: MldRecordType::from(header[0]),
            mcast_addr: addr(header, 4..20),
            sources,
        };
        Ok((record, len))
    }

    /// Length of the record on the wire.
    pub const fn buffer_len(&self) -> usize {
        MLD_RECORD_HEADER_LEN + self.sources.len()
    }

    /// Writes the record at the start of `buf`; returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        if !self.sources.len().is_multiple_of(16) {
            return Err(WireError::Malformed);
        }
        let num_srcs = u16::try_from(self.num_srcs()).map_err(|_| WireError::Malformed)?;
        let len = self.buffer_len();
        let out = buf.get_mut(..len).ok_or(WireError::Truncated)?;
        out[0] = self.record_type.into();
        out[1] = 0;
        put(out, 2..4, &num_srcs.to_be_bytes());
        put(out, 4..20, &self.mcast_addr.octets());
        out[MLD_RECORD_HEADER_LEN..].copy_from_slice(self.sources);
        Ok(len)
    }
}

/// Iterator over the records of an MLDv2 report; stops after the first error.
#[derive(Debug, Clone)]
pub struct MldRecordsIter<'a> {
    data: &'a [u8],
    remaining: u16,
}

impl<'a> Iterator for MldRecordsIter<'a> {
    type Item = Result<MldAddressRecordRepr<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.remaining = self.remaining.checked_sub(1)?;
        match MldAddressRecordRepr::parse(self.data) {
            Ok((record, len)) => {
                self.data = self.data.get(len..).unwrap_or(&[]);
                Some(Ok(record))
            }
            Err(error) => {
                self.remaining = 0;
                Some(Err(error))
            }
        }
    }
}

/// A parsed MLD message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MldRepr<'a> {
    /// A Multicast Listener Query, with what a host needs to answer it.
    Query {
        /// Maximum Response Code; see [`MldRepr::max_resp_delay_ms`].
        max_resp_code: u16,
        /// The group asked about; unspecified for a general query.
        mcast_addr: Ipv6Addr,
        /// MLDv1 or MLDv2 query (the fields below are 0 for MLDv1).
        version: MldVersion,
        /// S flag: suppress router-side processing.
        s_flag: bool,
        /// Querier's Robustness Variable.
        qrv: u8,
        /// Querier's Query Interval Code.
        qqic: u8,
        /// The sources asked about, raw, 16 bytes each.
        sources: &'a [u8],
    },
    /// A Version 2 Multicast Listener Report.
    Report {
        /// Number of address records.
        nr_mcast_addr_rcrds: u16,
        /// The records, raw; read them with [`MldRepr::records`].
        data: &'a [u8],
    },
}

impl<'a> MldRepr<'a> {
    /// Parses an MLD query or MLDv2 report whose length and checksum have been checked.
    ///
    /// A query of 25 to 27 bytes is `Malformed` (RFC 3810 §8.1 says to ignore it); records
    /// or sources running past the message are `Truncated`.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(packet: &Icmpv6Packet<&'a T>) -> Result<Self, WireError> {
        packet.check_len()?;
        let data = packet.buffer.as_ref();
        match packet.msg_type() {
            Icmpv6Message::MldQuery => {
                let (version, s_flag, qrv, qqic, sources) = match data.len() {
                    MLDV1_QUERY_LEN => (MldVersion::V1, false, 0, 0, &[][..]),
                    len if len >= MLDV2_QUERY_LEN => {
                        let count = usize::from(packet.query_num_srcs());
                        let sources = data
                            .get(
                                MLDV2_QUERY_LEN
                                    ..MLDV2_QUERY_LEN.saturating_add(count.saturating_mul(16)),
                            )
                            .ok_or(WireError::Truncated)?;
                        (
                            MldVersion::V2,
                            packet.query_s_flag(),
                            packet.query_qrv(),
                            packet.query_qqic(),
                            sources,
                        )
                    }
                    _ => return Err(WireError::Malformed),
                };
                Ok(MldRepr::Query {
                    max_resp_code: packet.max_resp_code(),
                    mcast_addr: packet.mcast_addr(),
                    version,
                    s_flag,
                    qrv,
                    qqic,
                    sources,
                })
            }
            Icmpv6Message::Mldv2ListenerReport => {
                let repr = MldRepr::Report {
                    nr_mcast_addr_rcrds: packet.nr_mcast_addr_rcrds(),
                    data: packet.payload(),
                };
                for record in repr.records() {
                    record?;
                }
                Ok(repr)
            }
            _ => Err(WireError::Unsupported),
        }
    }

    /// The records of a report (nothing for a query).
    pub fn records(&self) -> MldRecordsIter<'a> {
        match *self {
            MldRepr::Report {
                nr_mcast_addr_rcrds,
                data,
            } => MldRecordsIter {
                data,
                remaining: nr_mcast_addr_rcrds,
            },
            MldRepr::Query { .. } => MldRecordsIter {
                data: &[],
                remaining: 0,
            },
        }
    }

    /// The Maximum Response Delay of a query in milliseconds, decoding the floating-point
    /// form of codes from 32768 up (RFC 3810 §5.1.3); 0 for a report.
    pub fn max_resp_delay_ms(&self) -> u32 {
        match *self {
            MldRepr::Query { max_resp_code, .. } => decode_float(max_resp_code, 12),
            MldRepr::Report { .. } => 0,
        }
    }

    /// The Querier's Query Interval of an MLDv2 query in seconds, decoding QQIC from 128
    /// up (RFC 3810 §5.1.9); 0 for a report or an MLDv1 query.
    pub fn query_interval_s(&self) -> u32 {
        match *self {
            MldRepr::Query { qqic, .. } => decode_float(u16::from(qqic), 4),
            MldRepr::Report { .. } => 0,
        }
    }

    /// Length of the message [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        match self {
            MldRepr::Query {
                version: MldVersion::V1,
                ..
            } => MLDV1_QUERY_LEN,
            MldRepr::Query { sources, .. } => MLDV2_QUERY_LEN + sources.len(),
            MldRepr::Report { data, .. } => HEADER_LEN + data.len(),
        }
    }

    /// Writes the message (without the checksum, which [`Icmpv6Repr::emit`] fills) into a
    /// buffer of at least [`buffer_len`](Self::buffer_len) bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Icmpv6Packet<T>,
    ) -> Result<(), WireError> {
        let len = self.buffer_len();
        let buf = packet
            .buffer
            .as_mut()
            .get_mut(..len)
            .ok_or(WireError::Truncated)?;
        let mut packet = Icmpv6Packet::new_unchecked(buf);
        match *self {
            MldRepr::Query {
                max_resp_code,
                mcast_addr,
                version,
                s_flag,
                qrv,
                qqic,
                sources,
            } => {
                packet.buffer[..MLDV1_QUERY_LEN].fill(0);
                packet.set_msg_type(Icmpv6Message::MldQuery);
                packet.set_msg_code(0);
                packet.set_max_resp_code(max_resp_code);
                packet.set_mcast_addr(&mcast_addr);
                if version == MldVersion::V2 {
                    if sources.len() % 16 != 0 {
                        return Err(WireError::Malformed);
                    }
                    let count =
                        u16::try_from(sources.len() / 16).map_err(|_| WireError::Malformed)?;
                    packet.set_query_s_qrv(s_flag, qrv);
                    packet.set_query_qqic(qqic);
                    packet.set_query_num_srcs(count);
                    packet.buffer[MLDV2_QUERY_LEN..].copy_from_slice(sources);
                }
            }
            MldRepr::Report {
                nr_mcast_addr_rcrds,
                data,
            } => {
                packet.set_msg_type(Icmpv6Message::Mldv2ListenerReport);
                packet.set_msg_code(0);
                packet.set_nr_mcast_addr_rcrds(nr_mcast_addr_rcrds);
                packet.payload_mut().copy_from_slice(data);
            }
        }
        Ok(())
    }
}

/// Decodes MLD's floating-point codes: values below `1 << (mant_bits + 3)` are literal;
/// above, `1 exp(3) mant(mant_bits)` means `(mant | 1 << mant_bits) << (exp + 3)`.
fn decode_float(code: u16, mant_bits: u32) -> u32 {
    let code = u32::from(code);
    if code < 1 << (mant_bits + 3) {
        code
    } else {
        let mant = code & ((1 << mant_bits) - 1);
        let exp = (code >> mant_bits) & 0x07;
        (mant | 1 << mant_bits) << (exp + 3)
    }
}

/// Length of an MLDv2 report carrying `records`.
pub fn mldv2_report_len(records: &[MldAddressRecordRepr<'_>]) -> usize {
    HEADER_LEN + records.iter().map(|r| r.buffer_len()).sum::<usize>()
}

/// Writes a complete MLDv2 report from `src` to `dst` (normally [`ipv6::ALL_MLDV2_ROUTERS`])
/// with its checksum, building the records in place so that no scratch buffer is needed.
/// Returns the length written ([`mldv2_report_len`]).
pub fn emit_mldv2_report<T: AsRef<[u8]> + AsMut<[u8]>>(
    packet: &mut Icmpv6Packet<T>,
    src: &Ipv6Addr,
    dst: &Ipv6Addr,
    records: &[MldAddressRecordRepr<'_>],
) -> Result<usize, WireError> {
    let len = mldv2_report_len(records);
    let count = u16::try_from(records.len()).map_err(|_| WireError::Malformed)?;
    let buf = packet
        .buffer
        .as_mut()
        .get_mut(..len)
        .ok_or(WireError::Truncated)?;
    let mut packet = Icmpv6Packet::new_unchecked(buf);
    packet.set_msg_type(Icmpv6Message::Mldv2ListenerReport);
    packet.set_msg_code(0);
    packet.set_nr_mcast_addr_rcrds(count);
    let mut out = packet.payload_mut();
    for record in records {
        let written = record.emit(out)?;
        out = out.get_mut(written..).unwrap_or(&mut []);
    }
    packet.fill_checksum(src, dst);
    Ok(len)
}

// ---------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------

/// A parsed ICMPv6 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icmpv6Repr<'a> {
    /// Destination Unreachable.
    DstUnreachable {
        /// Why.
        reason: DstUnreachableCode,
        /// Header of the invoking packet.
        header: Ipv6Repr,
        /// The quoted payload of the invoking packet (usually cut short).
        data: &'a [u8],
    },
    /// Packet Too Big.
    PacketTooBig {
        /// MTU of the next-hop link.
        mtu: u32,
        /// Header of the invoking packet.
        header: Ipv6Repr,
        /// The quoted payload of the invoking packet.
        data: &'a [u8],
    },
    /// Time Exceeded.
    TimeExceeded {
        /// Why.
        reason: TimeExceededCode,
        /// Header of the invoking packet.
        header: Ipv6Repr,
        /// The quoted payload of the invoking packet.
        data: &'a [u8],
    },
    /// Parameter Problem.
    ParamProblem {
        /// Why.
        reason: ParamProblemCode,
        /// Offset of the offending byte in the invoking packet.
        pointer: u32,
        /// Header of the invoking packet.
        header: Ipv6Repr,
        /// The quoted payload of the invoking packet.
        data: &'a [u8],
    },
    /// Echo Request.
    EchoRequest {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Data to echo back.
        data: &'a [u8],
    },
    /// Echo Reply.
    EchoReply {
        /// Identifier.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// The echoed data.
        data: &'a [u8],
    },
    /// A neighbor discovery message.
    Ndisc(NdiscRepr),
    /// An MLD query or MLDv2 report.
    Mld(MldRepr<'a>),
}

impl<'a> Icmpv6Repr<'a> {
    /// Parses a message from `src` to `dst` (the IPv6 addresses, for the pseudo header).
    ///
    /// The checksum is always verified (`Checksum`); unknown types, and MLDv1 reports and
    /// dones, are `Unsupported` (informational messages of unknown type must be dropped,
    /// RFC 4443 §2.4(b)).
    pub fn parse<T: AsRef<[u8]> + ?Sized>(
        src: &Ipv6Addr,
        dst: &Ipv6Addr,
        packet: &Icmpv6Packet<&'a T>,
    ) -> Result<Self, WireError> {
        packet.check_len()?;
        if !packet.verify_checksum(src, dst) {
            return Err(WireError::Checksum);
        }
        let code = packet.msg_code();
        let quoted = || Ipv6Repr::parse_quoted(packet.payload());
        match packet.msg_type() {
            Icmpv6Message::DstUnreachable => {
                let (header, data) = quoted()?;
                Ok(Icmpv6Repr::DstUnreachable {
                    reason: code.into(),
                    header,
                    data,
                })
            }
            Icmpv6Message::PacketTooBig => {
                let (header, data) = quoted()?;
                Ok(Icmpv6Repr::PacketTooBig {
                    mtu: packet.pkt_too_big_mtu(),
                    header,
                    data,
                })
            }
            Icmpv6Message::TimeExceeded => {
                let (header, data) = quoted()?;
                Ok(Icmpv6Repr::TimeExceeded {
                    reason: code.into(),
                    header,
                    data,
                })
            }
            Icmpv6Message::ParamProblem => {
                let (header, data) = quoted()?;
                Ok(Icmpv6Repr::ParamProblem {
                    reason: code.into(),
                    pointer: packet.param_problem_ptr(),
                    header,
                    data,
                })
            }
            Icmpv6Message::EchoRequest => Ok(Icmpv6Repr::EchoRequest {
                ident: packet.echo_ident(),
                seq_no: packet.echo_seq_no(),
                data: packet.payload(),
            }),
            Icmpv6Message::EchoReply => Ok(Icmpv6Repr::EchoReply {
                ident: packet.echo_ident(),
                seq_no: packet.echo_seq_no(),
                data: packet.payload(),
            }),
            Icmpv6Message::MldQuery | Icmpv6Message::Mldv2ListenerReport => {
                MldRepr::parse(packet).map(Icmpv6Repr::Mld)
            }
            t if t.is_ndisc() => NdiscRepr::parse(packet).map(Icmpv6Repr::Ndisc),
            _ => Err(WireError::Unsupported),
        }
    }

    /// Length of the message [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        match self {
            Icmpv6Repr::DstUnreachable { data, .. }
            | Icmpv6Repr::PacketTooBig { data, .. }
            | Icmpv6Repr::TimeExceeded { data, .. }
            | Icmpv6Repr::ParamProblem { data, .. } => HEADER_LEN + ipv6::HEADER_LEN + data.len(),
            Icmpv6Repr::EchoRequest { data, .. } | Icmpv6Repr::EchoReply { data, .. } => {
                HEADER_LEN + data.len()
            }
            Icmpv6Repr::Ndisc(ndisc) => ndisc.buffer_len(),
            Icmpv6Repr::Mld(mld) => mld.buffer_len(),
        }
    }

    /// Writes the message from `src` to `dst`, checksum included, into the first
    /// [`buffer_len`](Self::buffer_len) bytes of the packet's buffer (the checksum covers
    /// only those, so size the buffer to match).
    ///
    /// For errors, the caller cuts `data` to [`MAX_ERROR_DATA_LEN`].
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        src: &Ipv6Addr,
        dst: &Ipv6Addr,
        packet: &mut Icmpv6Packet<T>,
    ) -> Result<(), WireError> {
        let len = self.buffer_len();
        let buf = packet
            .buffer
            .as_mut()
            .get_mut(..len)
            .ok_or(WireError::Truncated)?;
        let mut packet = Icmpv6Packet::new_unchecked(buf);
        match *self {
            Icmpv6Repr::DstUnreachable {
                reason,
                ref header,
                data,
            } => packet.emit_error(
                Icmpv6Message::DstUnreachable,
                reason.into(),
                0,
                header,
                data,
            )?,
            Icmpv6Repr::PacketTooBig {
                mtu,
                ref header,
                data,
            } => packet.emit_error(Icmpv6Message::PacketTooBig, 0, mtu, header, data)?,
            Icmpv6Repr::TimeExceeded {
                reason,
                ref header,
                data,
            } => packet.emit_error(Icmpv6Message::TimeExceeded, reason.into(), 0, header, data)?,
            Icmpv6Repr::ParamProblem {
                reason,
                pointer,
                ref header,
                data,
            } => packet.emit_error(
                Icmpv6Message::ParamProblem,
                reason.into(),
                pointer,
                header,
                data,
            )?,
            Icmpv6Repr::EchoRequest {
                ident,
                seq_no,
                data,
            } => packet.emit_echo(Icmpv6Message::EchoRequest, ident, seq_no, data),
            Icmpv6Repr::EchoReply {
                ident,
                seq_no,
                data,
            } => packet.emit_echo(Icmpv6Message::EchoReply, ident, seq_no, data),
            Icmpv6Repr::Ndisc(ref ndisc) => ndisc.emit(&mut packet)?,
            Icmpv6Repr::Mld(ref mld) => mld.emit(&mut packet)?,
        }
        packet.fill_checksum(src, dst);
        Ok(())
    }
}

impl Icmpv6Packet<&mut [u8]> {
    /// Writes an error message into a buffer sized exactly for it by [`Icmpv6Repr::emit`].
    fn emit_error(
        &mut self,
        msg_type: Icmpv6Message,
        code: u8,
        word: u32,
        header: &Ipv6Repr,
        data: &[u8],
    ) -> Result<(), WireError> {
        self.set_msg_type(msg_type);
        self.set_msg_code(code);
        self.set_err_word(word);
        let quote = self
            .buffer
            .get_mut(field::ERR_HEADER_END..)
            .unwrap_or(&mut []);
        let (quoted_header, rest) = quote
            .split_at_mut_checked(ipv6::HEADER_LEN)
            .ok_or(WireError::Truncated)?;
        header.emit(&mut ipv6::Ipv6Packet::new_unchecked(quoted_header))?;
        put(rest, 0..data.len(), data);
        Ok(())
    }

    /// Writes an echo message into a buffer sized exactly for it by [`Icmpv6Repr::emit`].
    fn emit_echo(&mut self, msg_type: Icmpv6Message, ident: u16, seq_no: u16, data: &[u8]) {
        self.set_msg_type(msg_type);
        self.set_msg_code(0);
        self.set_echo_ident(ident);
        self.set_echo_seq_no(seq_no);
        put(self.payload_mut(), 0..data.len(), data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ip::ipv6::wire::{Ipv6Packet, walk_ext_headers};

    // Whole IPv6 packets in the byte layout Linux puts on the wire, typed in; their
    // checksums were computed with an independent RFC 1071 implementation.

    /// `ping -6 2001:db8::1` from 2001:db8::100: id 0x1c2b, seq 1, 56 bytes of data
    /// (a 16-byte little-endian timeval, then 0x10..=0x37).
    #[rustfmt::skip]
    const ECHO_REQUEST: [u8; 104] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x40, 0x3a, 0x40,
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x80, 0x00, 0xb1, 0xda, 0x1c, 0x2b, 0x00, 0x01,
        0x00, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00,
        0x40, 0xe2, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
        0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
        0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
        0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
        0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
    ];

    /// Address resolution of 2001:db8::1 from fe80::211:22ff:fe33:4455 to the target's
    /// solicited-node group ff02::1:ff00:1, with a Source Link-Layer Address option.
    #[rustfmt::skip]
    const NEIGHBOR_SOLICIT: [u8; 72] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
        0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55,
        0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x01,
        0x87, 0x00, 0x7f, 0x30, 0x00, 0x00, 0x00, 0x00,
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x01, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    ];

    /// The router fe80::1 answering, flags Router|Solicited|Override, with a Target
    /// Link-Layer Address option 00:00:5e:00:53:01.
    #[rustfmt::skip]
    const NEIGHBOR_ADVERT: [u8; 72] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
        0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55,
        0x88, 0x00, 0x81, 0x83, 0xe0, 0x00, 0x00, 0x00,
        0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x02, 0x01, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01,
    ];

    /// A Router Advertisement from fe80::1 to ff02::1: hop limit 64, O flag, lifetime
    /// 1800 s, reachable 30000 ms, retrans 1000 ms; SLLAO, MTU 1500, and Prefix Information
    /// 2001:db8:0:1::/64 with L and A, valid 2592000 s, preferred 604800 s (RFC 4861 §4.6.2).
    #[rustfmt::skip]
    const ROUTER_ADVERT: [u8; 104] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x40, 0x3a, 0xff,
        0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x86, 0x00, 0xc5, 0x8f, 0x40, 0x40, 0x07, 0x08,
        0x00, 0x00, 0x75, 0x30, 0x00, 0x00, 0x03, 0xe8,
        0x01, 0x01, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01,
        0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0xdc,
        0x03, 0x04, 0x40, 0xc0, 0x00, 0x27, 0x8d, 0x00,
        0x00, 0x09, 0x3a, 0x80, 0x00, 0x00, 0x00, 0x00,
        0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    /// An MLDv2 report (RFC 3810 §5.2) from fe80::211:22ff:fe33:4455 to ff02::16, hop limit 1,
    /// behind a Hop-by-Hop Router Alert: one CHANGE_TO_EXCLUDE record with no sources for
    /// the solicited-node group ff02::1:ff33:4455 (a join).
    #[rustfmt::skip]
    const MLDV2_REPORT: [u8; 76] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x01,
        0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55,
        0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16,
        0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
        0x8f, 0x00, 0xc4, 0xe7, 0x00, 0x00, 0x00, 0x01,
        0x04, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0xff, 0x33, 0x44, 0x55,
    ];

    /// An MLDv2 general query from fe80::1 to ff02::1: max response 10000 ms, QRV 2,
    /// QQIC 125 s, no sources.
    #[rustfmt::skip]
    const MLDV2_QUERY: [u8; 76] = [
        0x60, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x01,
        0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x3a, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
        0x82, 0x00, 0x56, 0x96, 0x27, 0x10, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x7d, 0x00, 0x00,
    ];

    const LLADDR: [u8; 6] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55];
    const ROUTER_LLADDR: [u8; 6] = [0x00, 0x00, 0x5e, 0x00, 0x53, 0x01];

    /// Runs a received packet through the IPv6 layer as the stack will: header, extension
    /// headers, then the ICMPv6 message. Returns the IPv6 header, the walk and the message.
    fn receive(bytes: &[u8]) -> (Ipv6Repr, ipv6::ExtHeaders, &[u8]) {
        let packet = Ipv6Packet::new_checked(bytes).unwrap();
        let ip = Ipv6Repr::parse(&packet).unwrap();
        let payload = packet.payload();
        let walk = walk_ext_headers(ip.next_header, payload).unwrap();
        assert_eq!(walk.upper_protocol, IpProtocol::Icmpv6);
        (ip, walk, &payload[walk.upper_offset..])
    }

    fn parse(bytes: &[u8]) -> (Ipv6Repr, Icmpv6Repr<'_>) {
        let (ip, _, icmp) = receive(bytes);
        let packet = Icmpv6Packet::new_checked(icmp).unwrap();
        let repr = Icmpv6Repr::parse(&ip.src_addr, &ip.dst_addr, &packet).unwrap();
        (ip, repr)
    }

    /// Emits `repr` and checks it reproduces the message bytes of the capture exactly,
    /// checksum included.
    fn assert_emits(repr: &Icmpv6Repr<'_>, ip: &Ipv6Repr, want: &[u8]) {
        assert_eq!(repr.buffer_len(), want.len());
        let mut bytes = [0xa5u8; 128];
        let mut packet = Icmpv6Packet::new_unchecked(&mut bytes[..want.len()]);
        repr.emit(&ip.src_addr, &ip.dst_addr, &mut packet).unwrap();
        assert_eq!(&bytes[..want.len()], want);
    }

    #[test]
    fn echo_request() {
        let (ip, repr) = parse(&ECHO_REQUEST);
        assert_eq!(ip.hop_limit, 64);
        let Icmpv6Repr::EchoRequest {
            ident,
            seq_no,
            data,
        } = repr
        else {
            panic!("{repr:?}");
        };
        assert_eq!((ident, seq_no, data.len()), (0x1c2b, 1, 56));
        assert_eq!(data[16..], (0x10..0x38).collect::<Vec<u8>>()[..]);
        assert_emits(&repr, &ip, &ECHO_REQUEST[40..]);

        let packet = Icmpv6Packet::new_checked(&ECHO_REQUEST[40..]).unwrap();
        assert_eq!(packet.msg_type(), Icmpv6Message::EchoRequest);
        assert_eq!(packet.checksum(), 0xb1da);
        assert!(packet.verify_checksum(&ip.src_addr, &ip.dst_addr));
        // The pseudo header counts: another destination breaks it.
        assert!(!packet.verify_checksum(&ip.src_addr, &ipv6::ALL_NODES));
    }

    #[test]
    fn echo_reply_round_trip() {
        let (ip, request) = parse(&ECHO_REQUEST);
        let Icmpv6Repr::EchoRequest {
            ident,
            seq_no,
            data,
        } = request
        else {
            unreachable!()
        };
        let reply = Icmpv6Repr::EchoReply {
            ident,
            seq_no,
            data,
        };
        let mut bytes = [0u8; 64];
        let mut packet = Icmpv6Packet::new_unchecked(&mut bytes[..]);
        reply.emit(&ip.dst_addr, &ip.src_addr, &mut packet).unwrap();
        assert_eq!(bytes[0], 129);
        // Only the type and the checksum differ from the request.
        assert_eq!(bytes[4..], ECHO_REQUEST[44..]);
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&ip.dst_addr, &ip.src_addr, &packet),
            Ok(reply)
        );
    }

    #[test]
    fn checksum_is_mandatory() {
        let (ip, _, _) = receive(&ECHO_REQUEST);
        let mut bytes = [0u8; 64];
        bytes.copy_from_slice(&ECHO_REQUEST[40..]);
        bytes[63] ^= 1;
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&ip.src_addr, &ip.dst_addr, &packet),
            Err(WireError::Checksum)
        );
        // A zero checksum means "none" in UDP over IPv4, never in ICMPv6.
        bytes[63] ^= 1;
        bytes[2..4].fill(0);
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&ip.src_addr, &ip.dst_addr, &packet),
            Err(WireError::Checksum)
        );
        // fill_checksum restores it.
        let mut packet = Icmpv6Packet::new_unchecked(&mut bytes[..]);
        packet.fill_checksum(&ip.src_addr, &ip.dst_addr);
        assert_eq!(bytes[..], ECHO_REQUEST[40..]);
    }

    #[test]
    fn neighbor_solicit() {
        let (ip, repr) = parse(&NEIGHBOR_SOLICIT);
        let target = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
        let want = NdiscRepr::NeighborSolicit {
            target_addr: target,
            lladdr: Some(LLADDR),
        };
        assert_eq!(repr, Icmpv6Repr::Ndisc(want));
        assert_eq!(ip.dst_addr, ipv6::solicited_node(&target));
        assert_eq!(want.validate_ip(&ip), Ok(()));
        assert_emits(&repr, &ip, &NEIGHBOR_SOLICIT[40..]);
    }

    #[test]
    fn neighbor_advert() {
        let (ip, repr) = parse(&NEIGHBOR_ADVERT);
        let want = NdiscRepr::NeighborAdvert {
            flags: NeighborFlags::ROUTER | NeighborFlags::SOLICITED | NeighborFlags::OVERRIDE,
            target_addr: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1),
            lladdr: Some(ROUTER_LLADDR),
        };
        assert_eq!(repr, Icmpv6Repr::Ndisc(want));
        assert_eq!(want.validate_ip(&ip), Ok(()));
        assert_emits(&repr, &ip, &NEIGHBOR_ADVERT[40..]);

        let packet = Icmpv6Packet::new_checked(&NEIGHBOR_ADVERT[40..]).unwrap();
        assert!(packet.neighbor_flags().contains(NeighborFlags::OVERRIDE));
        assert_eq!(packet.neighbor_flags().bits(), 0xe0);
    }

    #[test]
    fn router_advert() {
        let (ip, repr) = parse(&ROUTER_ADVERT);
        let prefix = PrefixInfo {
            prefix_len: 64,
            flags: PrefixInfoFlags::ON_LINK | PrefixInfoFlags::ADDRCONF,
            valid_lifetime: 2_592_000,
            preferred_lifetime: 604_800,
            prefix: Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 0),
        };
        let want = NdiscRepr::RouterAdvert {
            hop_limit: 64,
            flags: RouterFlags::OTHER,
            router_lifetime: 1800,
            reachable_time: 30_000,
            retrans_time: 1000,
            lladdr: Some(ROUTER_LLADDR),
            mtu: Some(1500),
            prefix_info: Some(prefix),
        };
        assert_eq!(repr, Icmpv6Repr::Ndisc(want));
        assert_eq!(want.validate_ip(&ip), Ok(()));
        assert_emits(&repr, &ip, &ROUTER_ADVERT[40..]);
        let cidr = prefix.cidr().unwrap();
        assert!(cidr.contains(&Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 7)));

        // Every option, in order, through the iterator.
        let packet = Icmpv6Packet::new_checked(&ROUTER_ADVERT[40..]).unwrap();
        let kinds: Vec<NdiscOptionType> = packet
            .ndisc_options()
            .map(|o| o.unwrap().option_type())
            .collect();
        assert_eq!(
            kinds,
            [
                NdiscOptionType::SourceLinkLayerAddr,
                NdiscOptionType::Mtu,
                NdiscOptionType::PrefixInformation
            ]
        );
    }

    #[test]
    fn ndisc_hop_limit_must_be_255() {
        let mut bytes = NEIGHBOR_SOLICIT;
        bytes[7] = 254; // not covered by the ICMPv6 checksum
        let (ip, repr) = parse(&bytes);
        assert_eq!(ip.hop_limit, 254);
        let Icmpv6Repr::Ndisc(ndisc) = repr else {
            unreachable!()
        };
        assert_eq!(ndisc.validate_ip(&ip), Err(WireError::Malformed));
    }

    #[test]
    fn ndisc_ip_rules() {
        let (ip, _) = parse(&NEIGHBOR_SOLICIT);
        let target = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
        // Duplicate address detection: unspecified source, no lladdr, solicited-node dst.
        let dad_ip = Ipv6Repr {
            src_addr: Ipv6Addr::UNSPECIFIED,
            ..ip
        };
        let dad = NdiscRepr::NeighborSolicit {
            target_addr: target,
            lladdr: None,
        };
        assert_eq!(dad.validate_ip(&dad_ip), Ok(()));
        let with_lladdr = NdiscRepr::NeighborSolicit {
            target_addr: target,
            lladdr: Some(LLADDR),
        };
        assert_eq!(with_lladdr.validate_ip(&dad_ip), Err(WireError::Malformed));
        let unicast_dad = Ipv6Repr {
            dst_addr: target,
            ..dad_ip
        };
        assert_eq!(dad.validate_ip(&unicast_dad), Err(WireError::Malformed));
        // A Router Advertisement from a global address is not from a router on this link.
        let ra = NdiscRepr::RouterAdvert {
            hop_limit: 0,
            flags: RouterFlags::empty(),
            router_lifetime: 0,
            reachable_time: 0,
            retrans_time: 0,
            lladdr: None,
            mtu: None,
            prefix_info: None,
        };
        let global = Ipv6Repr {
            src_addr: target,
            ..ip
        };
        assert_eq!(ra.validate_ip(&global), Err(WireError::Malformed));
        // A solicited advertisement cannot go to a multicast group.
        let na = NdiscRepr::NeighborAdvert {
            flags: NeighborFlags::SOLICITED,
            target_addr: target,
            lladdr: None,
        };
        assert_eq!(na.validate_ip(&ip), Err(WireError::Malformed));
        let unsolicited = NdiscRepr::NeighborAdvert {
            flags: NeighborFlags::OVERRIDE,
            target_addr: target,
            lladdr: None,
        };
        assert_eq!(unsolicited.validate_ip(&ip), Ok(()));
    }

    /// Re-checksums an ICMPv6 message after a test edits it, so that the edit and not the
    /// checksum is what the parser judges.
    fn refill(bytes: &mut [u8], ip: &Ipv6Repr) {
        Icmpv6Packet::new_unchecked(bytes).fill_checksum(&ip.src_addr, &ip.dst_addr);
    }

    #[test]
    fn ndisc_option_length_zero_is_rejected() {
        let (ip, _) = parse(&NEIGHBOR_SOLICIT);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&NEIGHBOR_SOLICIT[40..]);
        bytes[25] = 0;
        refill(&mut bytes, &ip);
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&ip.src_addr, &ip.dst_addr, &packet),
            Err(WireError::Malformed)
        );
        let mut options = packet.ndisc_options();
        assert_eq!(options.next(), Some(Err(WireError::Malformed)));
        assert_eq!(options.next(), None);
    }

    #[test]
    fn ndisc_option_past_the_end() {
        let (ip, _) = parse(&NEIGHBOR_SOLICIT);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&NEIGHBOR_SOLICIT[40..]);
        bytes[25] = 2;
        refill(&mut bytes, &ip);
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&ip.src_addr, &ip.dst_addr, &packet),
            Err(WireError::Truncated)
        );
        // A lone option type byte at the end.
        let mut short = [0u8; 25];
        short.copy_from_slice(&bytes[..25]);
        refill(&mut short, &ip);
        let packet = Icmpv6Packet::new_checked(&short[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&ip.src_addr, &ip.dst_addr, &packet),
            Err(WireError::Truncated)
        );
    }

    #[test]
    fn ndisc_unknown_options_skipped() {
        let (ip, _) = parse(&NEIGHBOR_SOLICIT);
        let mut bytes = [0u8; 48];
        bytes[..24].copy_from_slice(&NEIGHBOR_SOLICIT[40..64]);
        // A Nonce option (14, RFC 3971) and an unassigned type 200 before the SLLAO.
        bytes[24..32].copy_from_slice(&[14, 1, 1, 2, 3, 4, 5, 6]);
        bytes[32..40].copy_from_slice(&[200, 1, 0, 0, 0, 0, 0, 0]);
        bytes[40..48].copy_from_slice(&NEIGHBOR_SOLICIT[64..72]);
        refill(&mut bytes, &ip);
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        let repr = Icmpv6Repr::parse(&ip.src_addr, &ip.dst_addr, &packet).unwrap();
        assert_eq!(
            repr,
            Icmpv6Repr::Ndisc(NdiscRepr::NeighborSolicit {
                target_addr: packet.target_addr(),
                lladdr: Some(LLADDR),
            })
        );
        let first = packet.ndisc_options().next().unwrap().unwrap();
        assert_eq!(
            first,
            NdiscOption::Unknown {
                kind: 14,
                data: &[1, 2, 3, 4, 5, 6]
            }
        );
    }

    #[test]
    fn ndisc_rejects_nonzero_code_and_multicast_target() {
        let (ip, _) = parse(&NEIGHBOR_SOLICIT);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&NEIGHBOR_SOLICIT[40..]);
        bytes[1] = 1;
        refill(&mut bytes, &ip);
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&ip.src_addr, &ip.dst_addr, &packet),
            Err(WireError::Malformed)
        );
        bytes[1] = 0;
        bytes[8] = 0xff;
        refill(&mut bytes, &ip);
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&ip.src_addr, &ip.dst_addr, &packet),
            Err(WireError::Malformed)
        );
    }

    #[test]
    fn ndisc_truncated_fixed_part() {
        // A Neighbor Solicitation cut inside its target address.
        let packet = Icmpv6Packet::new_checked(&NEIGHBOR_SOLICIT[40..60]);
        assert_eq!(packet.err(), Some(WireError::Truncated));
        let packet = Icmpv6Packet::new_checked(&ROUTER_ADVERT[40..55]);
        assert_eq!(packet.err(), Some(WireError::Truncated));
        assert_eq!(
            Icmpv6Packet::new_checked(&[0x80u8, 0, 0][..]).err(),
            Some(WireError::Truncated)
        );
    }

    #[test]
    fn ndisc_option_encodings() {
        let rdnss = [
            25, 5, 0, 0, 0, 0, 0x0e, 0x10, // lifetime 3600
            0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53, //
            0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x54,
        ];
        let (option, len) = NdiscOption::parse(&rdnss).unwrap();
        assert_eq!(len, 40);
        let NdiscOption::Rdnss { lifetime, servers } = option.clone() else {
            panic!("{option:?}");
        };
        assert_eq!(lifetime, 3600);
        let servers: Vec<Ipv6Addr> = servers.collect();
        assert_eq!(
            servers,
            [
                Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x53),
                Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x54)
            ]
        );
        let mut out = [0u8; 40];
        assert_eq!(option.emit(&mut out), Ok(40));
        assert_eq!(out, rdnss);
        // An even RDNSS length cannot hold whole addresses.
        let mut bad = rdnss;
        bad[1] = 4;
        assert_eq!(NdiscOption::parse(&bad), Err(WireError::Malformed));
        // Prefix Information must be exactly 4 units, MTU exactly 1.
        assert_eq!(
            NdiscOption::parse(&ROUTER_ADVERT[64..72]).err(),
            None,
            "MTU ok"
        );
        let mut mtu = [0u8; 16];
        mtu[..2].copy_from_slice(&[5, 2]);
        assert_eq!(NdiscOption::parse(&mtu), Err(WireError::Malformed));
        let mut prefix = [0u8; 24];
        prefix[..2].copy_from_slice(&[3, 3]);
        assert_eq!(NdiscOption::parse(&prefix), Err(WireError::Malformed));
        // A prefix longer than 128 bits.
        let mut prefix = [0u8; 32];
        prefix.copy_from_slice(&ROUTER_ADVERT[72..104]);
        prefix[2] = 129;
        assert_eq!(NdiscOption::parse(&prefix), Err(WireError::Malformed));
        // An 802.15.4 EUI-64 link-layer address is kept raw, not mistaken for a MAC.
        let eui64 = [1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0];
        let (option, _) = NdiscOption::parse(&eui64).unwrap();
        assert_eq!(option.lladdr(), None);
        assert_eq!(
            option,
            NdiscOption::SourceLinkLayerAddr(&[1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0])
        );
        // Redirected Header skips its six reserved bytes.
        let redirected = [4, 2, 0, 0, 0, 0, 0, 0, 0x60, 0, 0, 0, 0, 0, 0x3a, 0x40];
        let (option, _) = NdiscOption::parse(&redirected).unwrap();
        assert_eq!(
            option,
            NdiscOption::RedirectedHeader(&[0x60, 0, 0, 0, 0, 0, 0x3a, 0x40])
        );
        let mut out = [0u8; 16];
        assert_eq!(option.emit(&mut out), Ok(16));
        assert_eq!(out, redirected);
        assert_eq!(option.emit(&mut out[..15]), Err(WireError::Truncated));
    }

    #[test]
    fn redirect_round_trip() {
        let src = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
        let dst = Ipv6Addr::new(0xfe80, 0, 0, 0, 0x0211, 0x22ff, 0xfe33, 0x4455);
        let repr = Icmpv6Repr::Ndisc(NdiscRepr::Redirect {
            target_addr: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2),
            dest_addr: Ipv6Addr::new(0x2001, 0xdb8, 0, 9, 0, 0, 0, 1),
            lladdr: Some(ROUTER_LLADDR),
        });
        let mut bytes = [0u8; 48];
        assert_eq!(repr.buffer_len(), 48);
        repr.emit(&src, &dst, &mut Icmpv6Packet::new_unchecked(&mut bytes[..]))
            .unwrap();
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(Icmpv6Repr::parse(&src, &dst, &packet), Ok(repr));
        let rs = Icmpv6Repr::Ndisc(NdiscRepr::RouterSolicit { lladdr: None });
        let mut bytes = [0u8; 8];
        rs.emit(
            &dst,
            &ipv6::ALL_ROUTERS,
            &mut Icmpv6Packet::new_unchecked(&mut bytes[..]),
        )
        .unwrap();
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(Icmpv6Repr::parse(&dst, &ipv6::ALL_ROUTERS, &packet), Ok(rs));
    }

    #[test]
    fn mldv2_report() {
        let (ip, walk, icmp) = receive(&MLDV2_REPORT);
        assert_eq!(ip.hop_limit, 1);
        assert_eq!(walk.router_alert, Some(ipv6::ROUTER_ALERT_MLD));
        let packet = Icmpv6Packet::new_checked(icmp).unwrap();
        let repr = Icmpv6Repr::parse(&ip.src_addr, &ip.dst_addr, &packet).unwrap();
        let Icmpv6Repr::Mld(mld) = repr else {
            panic!("{repr:?}");
        };
        let group = ipv6::solicited_node(&ip.src_addr);
        let record = MldAddressRecordRepr {
            record_type: MldRecordType::ChangeToExclude,
            mcast_addr: group,
            sources: &[],
        };
        let records: Vec<_> = mld.records().map(Result::unwrap).collect();
        assert_eq!(records, [record]);
        assert_eq!(records[0].num_srcs(), 0);
        assert_emits(&repr, &ip, icmp);

        // Built in place from records, as the stack sends it.
        assert_eq!(mldv2_report_len(&[record]), 28);
        let mut bytes = [0u8; 28];
        let len = emit_mldv2_report(
            &mut Icmpv6Packet::new_unchecked(&mut bytes[..]),
            &ip.src_addr,
            &ipv6::ALL_MLDV2_ROUTERS,
            &[record],
        )
        .unwrap();
        assert_eq!(len, 28);
        assert_eq!(bytes[..], *icmp);
    }

    #[test]
    fn mldv2_report_with_sources_and_aux_data() {
        let src = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 9);
        let sources = [0x11u8; 32];
        let records = [
            MldAddressRecordRepr {
                record_type: MldRecordType::AllowNewSources,
                mcast_addr: Ipv6Addr::new(0xff0e, 0, 0, 0, 0, 0, 0, 0x101),
                sources: &sources,
            },
            MldAddressRecordRepr {
                record_type: MldRecordType::ChangeToInclude,
                mcast_addr: Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0xfb),
                sources: &[],
            },
        ];
        let mut bytes = [0u8; 8 + 52 + 20];
        emit_mldv2_report(
            &mut Icmpv6Packet::new_unchecked(&mut bytes[..]),
            &src,
            &ipv6::ALL_MLDV2_ROUTERS,
            &records,
        )
        .unwrap();
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        let Ok(Icmpv6Repr::Mld(mld)) = Icmpv6Repr::parse(&src, &ipv6::ALL_MLDV2_ROUTERS, &packet)
        else {
            panic!()
        };
        let parsed: Vec<_> = mld.records().map(Result::unwrap).collect();
        assert_eq!(parsed, records);
        assert_eq!(parsed[0].num_srcs(), 2);
        assert_eq!(parsed[0].source_addrs().count(), 2);

        // A record announcing more sources than the message holds.
        bytes[8 + 3] = 3;
        refill(
            &mut bytes,
            &Ipv6Repr {
                src_addr: src,
                dst_addr: ipv6::ALL_MLDV2_ROUTERS,
                next_header: IpProtocol::Icmpv6,
                payload_len: 0,
                hop_limit: 1,
                traffic_class: 0,
            },
        );
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&src, &ipv6::ALL_MLDV2_ROUTERS, &packet),
            Err(WireError::Truncated)
        );

        // Auxiliary data is skipped.
        let mut record = [0u8; 28];
        record[0] = 2;
        record[1] = 2; // two words of aux data
        let (parsed, len) = MldAddressRecordRepr::parse(&record).unwrap();
        assert_eq!(len, 28);
        assert_eq!(parsed.record_type, MldRecordType::ModeIsExclude);
        assert_eq!(
            MldAddressRecordRepr::parse(&record[..27]),
            Err(WireError::Truncated)
        );
    }

    #[test]
    fn mldv2_query() {
        let (ip, walk, icmp) = receive(&MLDV2_QUERY);
        assert_eq!(walk.router_alert, Some(0));
        let packet = Icmpv6Packet::new_checked(icmp).unwrap();
        let repr = Icmpv6Repr::parse(&ip.src_addr, &ip.dst_addr, &packet).unwrap();
        let want = MldRepr::Query {
            max_resp_code: 10_000,
            mcast_addr: Ipv6Addr::UNSPECIFIED,
            version: MldVersion::V2,
            s_flag: false,
            qrv: 2,
            qqic: 125,
            sources: &[],
        };
        assert_eq!(repr, Icmpv6Repr::Mld(want));
        assert_eq!(want.max_resp_delay_ms(), 10_000);
        assert_eq!(want.query_interval_s(), 125);
        assert_eq!(want.records().count(), 0);
        assert_emits(&repr, &ip, icmp);
    }

    #[test]
    fn mld_query_versions_and_codes() {
        let src = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
        let group = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 1, 0xff33, 0x4455);
        // An MLDv1 query is 24 bytes; the host must still answer it.
        let v1 = MldRepr::Query {
            max_resp_code: 1000,
            mcast_addr: group,
            version: MldVersion::V1,
            s_flag: false,
            qrv: 0,
            qqic: 0,
            sources: &[],
        };
        let mut bytes = [0u8; 28];
        Icmpv6Repr::Mld(v1)
            .emit(
                &src,
                &group,
                &mut Icmpv6Packet::new_unchecked(&mut bytes[..24]),
            )
            .unwrap();
        let packet = Icmpv6Packet::new_checked(&bytes[..24]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&src, &group, &packet),
            Ok(Icmpv6Repr::Mld(v1))
        );
        // 25 to 27 bytes is neither version.
        let mut odd = [0u8; 26];
        odd[..24].copy_from_slice(&bytes[..24]);
        Icmpv6Packet::new_unchecked(&mut odd[..]).fill_checksum(&src, &group);
        let packet = Icmpv6Packet::new_checked(&odd[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&src, &group, &packet),
            Err(WireError::Malformed)
        );
        // A group-and-source-specific query with one source, and an exponential code.
        let source = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        let v2 = MldRepr::Query {
            max_resp_code: 0x8123,
            mcast_addr: group,
            version: MldVersion::V2,
            s_flag: true,
            qrv: 7,
            qqic: 0x91,
            sources: &source,
        };
        // RFC 3810 §5.1.3: (mant | 0x1000) << (exp + 3) = 0x1123 << 3.
        assert_eq!(v2.max_resp_delay_ms(), 0x1123 << 3);
        // RFC 3810 §5.1.9: (mant | 0x10) << (exp + 3) = 0x11 << 4.
        assert_eq!(v2.query_interval_s(), 0x11 << 4);
        let mut bytes = [0u8; 44];
        Icmpv6Repr::Mld(v2)
            .emit(
                &src,
                &group,
                &mut Icmpv6Packet::new_unchecked(&mut bytes[..]),
            )
            .unwrap();
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        assert!(packet.query_s_flag());
        assert_eq!(
            Icmpv6Repr::parse(&src, &group, &packet),
            Ok(Icmpv6Repr::Mld(v2))
        );
        // Sources beyond the end.
        let packet = Icmpv6Packet::new_checked(&bytes[..43]).unwrap();
        assert_eq!(MldRepr::parse(&packet), Err(WireError::Truncated));
    }

    #[test]
    fn port_unreachable_round_trip() {
        // The stack answering a UDP datagram to a closed port: the invoking packet quoted.
        let host = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
        let peer = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100);
        let header = Ipv6Repr {
            src_addr: peer,
            dst_addr: host,
            next_header: IpProtocol::Udp,
            payload_len: 12,
            hop_limit: 64,
            traffic_class: 0,
        };
        let udp = [
            0xc0, 0x01, 0x00, 0x35, 0x00, 0x0c, 0x12, 0x34, b'a', b'b', b'c', b'd',
        ];
        let repr = Icmpv6Repr::DstUnreachable {
            reason: DstUnreachableCode::PortUnreachable,
            header,
            data: &udp,
        };
        assert_eq!(repr.buffer_len(), 8 + 40 + 12);
        let mut bytes = [0u8; 60];
        repr.emit(
            &host,
            &peer,
            &mut Icmpv6Packet::new_unchecked(&mut bytes[..]),
        )
        .unwrap();
        assert_eq!(bytes[..2], [1, 4]);
        let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
        assert!(packet.msg_type().is_error());
        assert_eq!(Icmpv6Repr::parse(&host, &peer, &packet), Ok(repr));
        // A quote shorter than an IPv6 header is refused.
        let mut short = [0u8; 30];
        short.copy_from_slice(&bytes[..30]);
        Icmpv6Packet::new_unchecked(&mut short[..]).fill_checksum(&host, &peer);
        let packet = Icmpv6Packet::new_checked(&short[..]).unwrap();
        assert_eq!(
            Icmpv6Repr::parse(&host, &peer, &packet),
            Err(WireError::Truncated)
        );
        assert_eq!(MAX_ERROR_DATA_LEN, 1192);
    }

    #[test]
    fn other_errors_round_trip() {
        let a = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
        let b = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
        let header = Ipv6Repr {
            src_addr: b,
            dst_addr: a,
            next_header: IpProtocol::Unknown(0x8f),
            payload_len: 1400,
            hop_limit: 1,
            traffic_class: 0,
        };
        let data = [0u8; 16];
        for repr in [
            Icmpv6Repr::PacketTooBig {
                mtu: 1280,
                header,
                data: &data,
            },
            Icmpv6Repr::TimeExceeded {
                reason: TimeExceededCode::FragReassemblyExceeded,
                header,
                data: &data,
            },
            Icmpv6Repr::ParamProblem {
                reason: ParamProblemCode::UnrecognizedNextHeader,
                pointer: 6,
                header,
                data: &data,
            },
        ] {
            let mut bytes = [0u8; 64];
            repr.emit(&a, &b, &mut Icmpv6Packet::new_unchecked(&mut bytes[..]))
                .unwrap();
            let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
            assert_eq!(Icmpv6Repr::parse(&a, &b, &packet), Ok(repr));
        }
        // Too small a buffer is an error, not a panic.
        let repr = Icmpv6Repr::EchoRequest {
            ident: 1,
            seq_no: 2,
            data: &data,
        };
        let mut bytes = [0u8; 23];
        assert_eq!(
            repr.emit(&a, &b, &mut Icmpv6Packet::new_unchecked(&mut bytes[..])),
            Err(WireError::Truncated)
        );
    }

    #[test]
    fn unknown_and_mldv1_types_are_unsupported() {
        let a = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
        for kind in [131u8, 132, 200] {
            let mut bytes = [0u8; 24];
            bytes[0] = kind;
            Icmpv6Packet::new_unchecked(&mut bytes[..]).fill_checksum(&a, &ipv6::ALL_NODES);
            let packet = Icmpv6Packet::new_checked(&bytes[..]).unwrap();
            assert_eq!(
                Icmpv6Repr::parse(&a, &ipv6::ALL_NODES, &packet),
                Err(WireError::Unsupported)
            );
        }
        for n in 0..=255u8 {
            assert_eq!(u8::from(Icmpv6Message::from(n)), n);
            assert_eq!(u8::from(DstUnreachableCode::from(n)), n);
            assert_eq!(u8::from(NdiscOptionType::from(n)), n);
        }
    }

    #[test]
    fn accessors_never_panic() {
        // Every accessor on every type, on every short buffer, unchecked.
        let a = Ipv6Addr::UNSPECIFIED;
        for kind in [1u8, 2, 4, 128, 130, 134, 135, 137, 143, 255] {
            for len in 0..48 {
                let mut bytes = [0u8; 48];
                bytes[0] = kind;
                let mut packet = Icmpv6Packet::new_unchecked(&mut bytes[..len]);
                packet.set_target_addr(&a);
                packet.set_dest_addr(&a);
                packet.set_retrans_time(1);
                packet.set_query_num_srcs(9);
                packet.fill_checksum(&a, &a);
                let _ = packet.payload_mut();
                let packet = Icmpv6Packet::new_unchecked(&bytes[..len]);
                let _ = (
                    packet.msg_type(),
                    packet.target_addr(),
                    packet.dest_addr(),
                    packet.retrans_time(),
                    packet.query_num_srcs(),
                    packet.nr_mcast_addr_rcrds(),
                    packet.payload(),
                    packet.ndisc_options().count(),
                );
            }
        }
    }

    #[test]
    fn no_panic_on_arbitrary_input() {
        let src = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
        let dst = ipv6::ALL_NODES;
        let mut seed = 0x9e37_79b9u32;
        let mut buf = [0u8; 96];
        for round in 0..20_000 {
            for b in buf.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                *b = seed as u8;
            }
            // Steer towards the interesting types and small option lengths.
            let kinds = [1, 2, 3, 4, 128, 129, 130, 133, 134, 135, 136, 137, 143];
            buf[0] = kinds[round % kinds.len()];
            buf[1] = 0;
            if round % 2 == 0 {
                for at in (24..buf.len()).step_by(8) {
                    buf[at + 1] %= 4;
                }
            }
            let len = (round / kinds.len()) % buf.len();
            let data = &mut buf[..len];
            Icmpv6Packet::new_unchecked(&mut *data).fill_checksum(&src, &dst);
            let data = &buf[..len];
            if let Ok(packet) = Icmpv6Packet::new_checked(data) {
                if let Ok(repr) = Icmpv6Repr::parse(&src, &dst, &packet) {
                    // Whatever parses must emit back within its own length.
                    let mut out = [0u8; 128];
                    let len = repr.buffer_len();
                    if len <= out.len() {
                        let mut packet = Icmpv6Packet::new_unchecked(&mut out[..len]);
                        repr.emit(&src, &dst, &mut packet).unwrap();
                    }
                    if let Icmpv6Repr::Mld(mld) = repr {
                        let _ = mld.records().count();
                    }
                }
                let _ = packet.ndisc_options().count();
            }
            let _ = MldAddressRecordRepr::parse(data);
        }
    }
}
