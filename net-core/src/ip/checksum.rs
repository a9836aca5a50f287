//! The Internet checksum (RFC 1071) and what every wire module shares: the error type, the
//! IP protocol numbers and the IP address enum that the pseudo header needs.
//!
//! Sums here are *folded but not complemented* one's-complement sums, so that partial sums
//! over separate pieces (pseudo header, header, payload) can be [`combine`]d; the value that
//! goes on the wire is the complement of the combined sum. A received packet is intact when
//! the combined sum over everything, checksum field included, is `0xffff`.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

/// Why a wire-format view or representation rejected a buffer.
///
/// Deliberately small and `Copy`: the receive path only needs to know which counter to bump
/// and whether to answer with an ICMP error, not a full diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireError {
    /// The buffer is shorter than a header or a length field says it must be.
    Truncated,
    /// A field holds a value the protocol forbids (a header length below the minimum, a
    /// length field smaller than its own header, a zero port where one is required, …).
    Malformed,
    /// The checksum does not match the contents.
    Checksum,
    /// Well-formed, but a variant this stack does not handle (another hardware type in ARP,
    /// another IP version, …).
    Unsupported,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WireError::Truncated => "truncated packet",
            WireError::Malformed => "malformed packet",
            WireError::Checksum => "bad checksum",
            WireError::Unsupported => "unsupported packet",
        })
    }
}

impl core::error::Error for WireError {}

/// An IP protocol number (IPv4 "protocol", IPv6 "next header"), from the IANA registry.
///
/// It lives here rather than in the IPv4 module because IPv6 uses the same numbers and must
/// compile without IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpProtocol {
    /// IPv6 Hop-by-Hop Options extension header (0).
    HopByHop,
    /// ICMP for IPv4 (1).
    Icmp,
    /// IGMP (2).
    Igmp,
    /// TCP (6).
    Tcp,
    /// UDP (17).
    Udp,
    /// IPv6 Routing extension header (43).
    Ipv6Route,
    /// IPv6 Fragment extension header (44).
    Ipv6Frag,
    /// ICMP for IPv6 (58).
    Icmpv6,
    /// IPv6 "no next header" (59).
    Ipv6NoNxt,
    /// IPv6 Destination Options extension header (60).
    Ipv6Opts,
    /// Any other protocol number, kept so that it can be reported or forwarded unchanged.
    Unknown(u8),
}

impl From<u8> for IpProtocol {
    fn from(value: u8) -> Self {
        match value {
            0 => IpProtocol::HopByHop,
            1 => IpProtocol::Icmp,
            2 => IpProtocol::Igmp,
            6 => IpProtocol::Tcp,
            17 => IpProtocol::Udp,
            43 => IpProtocol::Ipv6Route,
            44 => IpProtocol::Ipv6Frag,
            58 => IpProtocol::Icmpv6,
            59 => IpProtocol::Ipv6NoNxt,
            60 => IpProtocol::Ipv6Opts,
            other => IpProtocol::Unknown(other),
        }
    }
}

impl From<IpProtocol> for u8 {
    fn from(value: IpProtocol) -> Self {
        match value {
            IpProtocol::HopByHop => 0,
            IpProtocol::Icmp => 1,
            IpProtocol::Igmp => 2,
            IpProtocol::Tcp => 6,
            IpProtocol::Udp => 17,
            IpProtocol::Ipv6Route => 43,
            IpProtocol::Ipv6Frag => 44,
            IpProtocol::Icmpv6 => 58,
            IpProtocol::Ipv6NoNxt => 59,
            IpProtocol::Ipv6Opts => 60,
            IpProtocol::Unknown(other) => other,
        }
    }
}

impl fmt::Display for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpProtocol::HopByHop => f.write_str("Hop-by-Hop"),
            IpProtocol::Icmp => f.write_str("ICMP"),
            IpProtocol::Igmp => f.write_str("IGMP"),
            IpProtocol::Tcp => f.write_str("TCP"),
            IpProtocol::Udp => f.write_str("UDP"),
            IpProtocol::Ipv6Route => f.write_str("IPv6-Route"),
            IpProtocol::Ipv6Frag => f.write_str("IPv6-Frag"),
            IpProtocol::Icmpv6 => f.write_str("ICMPv6"),
            IpProtocol::Ipv6NoNxt => f.write_str("IPv6-NoNxt"),
            IpProtocol::Ipv6Opts => f.write_str("IPv6-Opts"),
            IpProtocol::Unknown(n) => write!(f, "protocol {n}"),
        }
    }
}

/// An IPv4 or IPv6 address, for code that serves both versions (the pseudo header of UDP,
/// TCP and ICMPv6, socket endpoints).
///
/// Both variants exist whatever the configuration, so that the shape of the API does not
/// change with Kconfig; an IPv6-only stack simply never constructs `V4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpAddress {
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 address.
    V6(Ipv6Addr),
}

impl IpAddress {
    /// Whether this is the unspecified address of its version (`0.0.0.0` or `::`).
    pub const fn is_unspecified(&self) -> bool {
        match self {
            IpAddress::V4(a) => a.is_unspecified(),
            IpAddress::V6(a) => a.is_unspecified(),
        }
    }

    /// Whether this is a multicast address (IPv4 broadcast is not multicast).
    pub const fn is_multicast(&self) -> bool {
        match self {
            IpAddress::V4(a) => a.is_multicast(),
            IpAddress::V6(a) => a.is_multicast(),
        }
    }
}

impl From<Ipv4Addr> for IpAddress {
    fn from(value: Ipv4Addr) -> Self {
        IpAddress::V4(value)
    }
}

impl From<Ipv6Addr> for IpAddress {
    fn from(value: Ipv6Addr) -> Self {
        IpAddress::V6(value)
    }
}

impl fmt::Display for IpAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpAddress::V4(a) => a.fmt(f),
            IpAddress::V6(a) => a.fmt(f),
        }
    }
}

/// Whether received checksums are checked.
///
/// `Trust` exists for interfaces whose hardware already verified the checksum (offload);
/// it never relaxes a rule that is not about the checksum value itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ChecksumPolicy {
    /// Verify the checksum and reject the packet on a mismatch.
    #[default]
    Verify,
    /// Do not compute the checksum; the device has checked it.
    Trust,
}

/// Adds `word` into a 64-bit one's-complement accumulator.
///
/// The carry out of bit 63 is added back in ("end-around carry"); this is exact because
/// 2^64 ≡ 1 modulo 2^16 − 1, and it cannot overflow again because after a wrap the sum is at
/// most 2^64 − 2.
#[inline(always)]
const fn add64(acc: u64, word: u64) -> u64 {
    let (sum, carry) = acc.overflowing_add(word);
    sum + carry as u64
}

/// Folds a 64-bit one's-complement accumulator to 16 bits, in native byte order.
#[inline(always)]
const fn fold(mut acc: u64) -> u16 {
    // Each step keeps the value congruent modulo 2^16 − 1 and shrinks it; two 16-bit folds
    // are needed because the first one can itself carry.
    acc = (acc & 0xffff_ffff) + (acc >> 32);
    acc = (acc & 0xffff_ffff) + (acc >> 32);
    acc = (acc & 0xffff) + (acc >> 16);
    acc = (acc & 0xffff) + (acc >> 16);
    acc as u16
}

/// Sums 8-byte native-order words, 32 bytes per iteration, for 64-bit targets.
///
/// Summing in native order and swapping once at the end is valid because the
/// one's-complement sum is byte-order independent (RFC 1071 §2(B)); it saves a byte swap per
/// word. Returns the accumulator and the bytes that did not fill a whole word.
#[cfg_attr(not(any(test, target_pointer_width = "64")), allow(dead_code))]
#[inline(always)]
fn sum_words64(mut data: &[u8]) -> (u64, &[u8]) {
    // Four accumulators: each add-with-carry waits for the previous one on its own lane
    // only, so four run at once (a 1400-byte payload sums in about half the time of a
    // single chain). The lanes' sum is congruent to the single chain's.
    let mut lanes = [0u64; 4];
    while let Some((block, rest)) = data.split_first_chunk::<32>() {
        // A fixed-length inner loop over a 32-byte array: the compiler unrolls it fully and
        // no bounds check survives.
        let mut words: &[u8] = block;
        for lane in &mut lanes {
            if let Some((word, more)) = words.split_first_chunk::<8>() {
                *lane = add64(*lane, u64::from_ne_bytes(*word));
                words = more;
            }
        }
        data = rest;
    }
    let mut acc = lanes.iter().fold(0, |a, &l| add64(a, l));
    while let Some((word, rest)) = data.split_first_chunk::<8>() {
        acc = add64(acc, u64::from_ne_bytes(*word));
        data = rest;
    }
    (acc, data)
}

/// Sums 4-byte native-order words, 32 bytes per iteration, for 32- and 16-bit targets.
///
/// Adding 32-bit words into a 64-bit accumulator needs no carry handling in the loop (two
/// instructions per word on Cortex-M); folding after every 64 KiB keeps the accumulator far
/// from overflow whatever the slice length.
#[cfg_attr(not(any(test, not(target_pointer_width = "64"))), allow(dead_code))]
#[inline(always)]
fn sum_words32(mut data: &[u8]) -> (u64, &[u8]) {
    const BLOCK: usize = 1 << 16;
    let mut acc = 0u64;
    while !data.is_empty() {
        let (mut block, rest) = data.split_at(data.len().min(BLOCK));
        if block.len() < 4 {
            break;
        }
        // At most 2^14 words below 2^32 each, on top of a folded value below 2^33.
        while let Some((chunk, more)) = block.split_first_chunk::<32>() {
            let mut words: &[u8] = chunk;
            while let Some((word, w)) = words.split_first_chunk::<4>() {
                acc += u64::from(u32::from_ne_bytes(*word));
                words = w;
            }
            block = more;
        }
        while let Some((word, more)) = block.split_first_chunk::<4>() {
            acc += u64::from(u32::from_ne_bytes(*word));
            block = more;
        }
        acc = (acc & 0xffff_ffff) + (acc >> 32);
        if !block.is_empty() {
            // Only the final block can leave a partial word (64 KiB is a multiple of 4).
            return (acc, block);
        }
        data = rest;
    }
    (acc, data)
}

/// Adds the last 0 to 7 bytes, padding an odd byte with a zero as RFC 1071 requires.
#[inline(always)]
fn sum_tail(mut acc: u64, mut tail: &[u8]) -> u64 {
    if let Some((quad, rest)) = tail.split_first_chunk::<4>() {
        acc = add64(acc, u64::from(u32::from_ne_bytes(*quad)));
        tail = rest;
    }
    if let Some((pair, rest)) = tail.split_first_chunk::<2>() {
        acc = add64(acc, u64::from(u16::from_ne_bytes(*pair)));
        tail = rest;
    }
    if let Some(&last) = tail.first() {
        acc = add64(acc, u64::from(u16::from_ne_bytes([last, 0])));
    }
    acc
}

/// Converts a folded native-order sum to the network-order value.
#[inline(always)]
const fn to_network(sum: u16) -> u16 {
    if cfg!(target_endian = "little") {
        sum.swap_bytes()
    } else {
        sum
    }
}

/// The folded one's-complement sum of `data` as 16-bit big-endian words, an odd final byte
/// padded with zero; not complemented.
///
/// This is on the hot path of every received and sent IP packet, hence the word-at-a-time
/// loops.
pub fn data(data: &[u8]) -> u16 {
    #[cfg(target_pointer_width = "64")]
    let (acc, tail) = sum_words64(data);
    #[cfg(not(target_pointer_width = "64"))]
    let (acc, tail) = sum_words32(data);
    to_network(fold(sum_tail(acc, tail)))
}

/// Combines partial sums from [`data`] and the pseudo-header functions into one.
///
/// Each part must start at an even offset of the checksummed data, since an odd-length part
/// in the middle would shift the byte lanes of everything after it.
pub fn combine(sums: &[u16]) -> u16 {
    let mut acc = 0u64;
    for &sum in sums {
        acc += u64::from(sum);
        // Fold each time so that no slice length can overflow the accumulator.
        acc = (acc & 0xffff) + (acc >> 16);
    }
    fold(acc)
}

/// The complement of a combined sum: the value to write into a checksum field.
pub const fn finish(sum: u16) -> u16 {
    !sum
}

/// The sum of the IPv4 pseudo header (RFC 768, RFC 793): source, destination, zero,
/// protocol and the upper-layer length.
pub fn pseudo_header_v4(src: &Ipv4Addr, dst: &Ipv4Addr, proto: IpProtocol, len: u16) -> u16 {
    let s = src.octets();
    let d = dst.octets();
    let words = [
        u16::from_be_bytes([s[0], s[1]]),
        u16::from_be_bytes([s[2], s[3]]),
        u16::from_be_bytes([d[0], d[1]]),
        u16::from_be_bytes([d[2], d[3]]),
        u16::from(u8::from(proto)),
        len,
    ];
    combine(&words)
}

/// The sum of the IPv6 pseudo header (RFC 8200 §8.1): source, destination, 32-bit
/// upper-layer length, three zero bytes and the next-header value.
pub fn pseudo_header_v6(src: &Ipv6Addr, dst: &Ipv6Addr, proto: IpProtocol, len: u32) -> u16 {
    let [l0, l1] = [(len >> 16) as u16, len as u16];
    combine(&[
        data(&src.octets()),
        data(&dst.octets()),
        l0,
        l1,
        u16::from(u8::from(proto)),
    ])
}

/// The pseudo-header sum for either IP version.
///
/// Fails with [`WireError::Malformed`] when the two addresses are of different versions, and
/// when an IPv4 upper-layer length does not fit the 16-bit field.
pub fn pseudo_header(
    src: &IpAddress,
    dst: &IpAddress,
    proto: IpProtocol,
    len: u32,
) -> Result<u16, WireError> {
    match (src, dst) {
        (IpAddress::V4(s), IpAddress::V4(d)) => {
            let len = u16::try_from(len).map_err(|_| WireError::Malformed)?;
            Ok(pseudo_header_v4(s, d, proto, len))
        }
        (IpAddress::V6(s), IpAddress::V6(d)) => Ok(pseudo_header_v6(s, d, proto, len)),
        _ => Err(WireError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook definition, 16 bits at a time, to check the fast paths against.
    fn reference(data: &[u8]) -> u16 {
        let mut acc: u32 = 0;
        for pair in data.chunks(2) {
            let hi = u32::from(pair[0]) << 8;
            let lo = pair.get(1).copied().map_or(0, u32::from);
            acc += hi | lo;
            acc = (acc & 0xffff) + (acc >> 16);
        }
        acc as u16
    }

    fn pseudo_random(len: usize, seed: u32) -> [u8; 300] {
        let mut out = [0u8; 300];
        let mut x = seed | 1;
        for b in out.iter_mut().take(len) {
            // xorshift32: deterministic, no dependency.
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *b = x as u8;
        }
        out
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (after the end-around carry).
        let bytes = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(data(&bytes), 0xddf2);
        assert_eq!(finish(data(&bytes)), 0x220d);
    }

    #[test]
    fn ipv4_header_example() {
        // The IPv4 header from Wikipedia's "Internet checksum" article: its stored checksum
        // is b861, so the sum over the whole header is ffff.
        let header = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(data(&header), 0xffff);
        let mut zeroed = header;
        zeroed[10] = 0;
        zeroed[11] = 0;
        assert_eq!(finish(data(&zeroed)), 0xb861);
    }

    #[test]
    fn empty_and_single_bytes() {
        assert_eq!(data(&[]), 0);
        assert_eq!(data(&[0xab]), 0xab00);
        assert_eq!(
            data(&[0xab, 0xcd, 0xef]),
            (0xabcd_u32 + 0xef00 - 0xffff) as u16
        );
    }

    #[test]
    fn fast_paths_match_reference_for_every_length() {
        for len in 0..300 {
            let buf = pseudo_random(len, len as u32 * 7919 + 1);
            let bytes = &buf[..len];
            let want = reference(bytes);
            assert_eq!(data(bytes), want, "len {len}");
            let (acc, tail) = sum_words64(bytes);
            assert_eq!(
                to_network(fold(sum_tail(acc, tail))),
                want,
                "64-bit, len {len}"
            );
            let (acc, tail) = sum_words32(bytes);
            assert_eq!(
                to_network(fold(sum_tail(acc, tail))),
                want,
                "32-bit, len {len}"
            );
        }
    }

    #[test]
    fn all_ones_does_not_overflow() {
        // Every word is 0xffff: the worst case for carries.
        let ones = [0xffu8; 299];
        assert_eq!(data(&ones), reference(&ones));
        let big = [0xffu8; 70_001];
        let (acc, tail) = sum_words32(&big);
        assert_eq!(to_network(fold(sum_tail(acc, tail))), reference(&big));
        assert_eq!(data(&big), reference(&big));
    }

    #[test]
    fn combine_equals_sum_of_concatenation() {
        let buf = pseudo_random(200, 42);
        for split in (0..200).step_by(2) {
            let (a, b) = buf[..200].split_at(split);
            assert_eq!(combine(&[data(a), data(b)]), data(&buf[..200]));
        }
        assert_eq!(combine(&[]), 0);
        assert_eq!(combine(&[0xffff, 0xffff, 0xffff]), 0xffff);
    }

    #[test]
    fn pseudo_header_v4_matches_bytes() {
        let src = Ipv4Addr::new(192, 168, 0, 1);
        let dst = Ipv4Addr::new(192, 168, 0, 199);
        let bytes = [192, 168, 0, 1, 192, 168, 0, 199, 0, 17, 0x00, 0x5f];
        assert_eq!(
            pseudo_header_v4(&src, &dst, IpProtocol::Udp, 0x5f),
            data(&bytes)
        );
        assert_eq!(
            pseudo_header(&src.into(), &dst.into(), IpProtocol::Udp, 0x5f),
            Ok(data(&bytes))
        );
        assert_eq!(
            pseudo_header(&src.into(), &dst.into(), IpProtocol::Udp, 0x1_0000),
            Err(WireError::Malformed)
        );
    }

    #[test]
    fn pseudo_header_v6_matches_bytes() {
        let src: Ipv6Addr = "fe80::1".parse().unwrap();
        let dst: Ipv6Addr = "ff02::1:ff00:2".parse().unwrap();
        let mut bytes = [0u8; 40];
        bytes[..16].copy_from_slice(&src.octets());
        bytes[16..32].copy_from_slice(&dst.octets());
        bytes[32..36].copy_from_slice(&0x0001_0020u32.to_be_bytes());
        bytes[39] = 58;
        assert_eq!(
            pseudo_header_v6(&src, &dst, IpProtocol::Icmpv6, 0x0001_0020),
            data(&bytes)
        );
        assert_eq!(
            pseudo_header(
                &src.into(),
                &IpAddress::V4(Ipv4Addr::LOCALHOST),
                IpProtocol::Udp,
                8
            ),
            Err(WireError::Malformed)
        );
    }

    #[test]
    fn protocol_numbers_round_trip() {
        for n in 0..=255u8 {
            assert_eq!(u8::from(IpProtocol::from(n)), n);
        }
        assert_eq!(IpProtocol::from(17), IpProtocol::Udp);
        assert_eq!(IpProtocol::from(58), IpProtocol::Icmpv6);
        assert_eq!(IpProtocol::from(99), IpProtocol::Unknown(99));
    }
}
