//! The virtio-net header (`struct virtio_net_hdr`, virtio 1.x §5.1.6; the Linux TAP's
//! `IFF_VNET_HDR`), and the offloads it describes, resolved in the driver.
//!
//! A peer that may offload hands over two kinds of frames the stack cannot take as they
//! are:
//!
//! - a frame whose L4 checksum it left *partial* (`NEEDS_CSUM`): the field holds only the
//!   pseudo-header sum, and the checksum is to be summed from `csum_start` to the end;
//! - a TCP *super-frame* (`GSO_TCPV4`/`GSO_TCPV6`): one IP packet carrying many segments'
//!   worth of payload, to be cut into segments of `gso_size` bytes.
//!
//! [`resolve`] completes the first and cuts the second the way Linux's own
//! `tcp_gso_segment` does: each segment gets the headers of the original with its own IP
//! length (and IPv4 identification and header checksum), sequence number and TCP
//! checksum; FIN and PSH stay on the last segment only and CWR on the first.
//!
//! The point is the number of frames crossing the driver boundary: the Linux kernel's TCP
//! hands a TAP with TSO enabled up to 64 KiB per `read`, instead of one MTU-sized frame per
//! system call.
//!
//! The other way, [`tso_header`] describes a TCP packet of several segments that the stack
//! built (TCP segmentation offload, `PktMeta::gso_size`) for a peer that cuts it itself.

use core::net::{Ipv4Addr, Ipv6Addr};

use crate::ip::checksum::{self, IpProtocol};

/// Length of `struct virtio_net_hdr` with `VIRTIO_F_VERSION_1` (it always has
/// `num_buffers`). A TAP uses the same layout once told so (`TUNSETVNETHDRSZ` 12,
/// `TUNSETVNETLE`).
pub const NET_HDR_LEN: usize = 12;

/// `flags`: the L4 checksum is partial; complete it from `csum_start`.
pub const F_NEEDS_CSUM: u8 = 1;
/// `flags`: the checksum was already verified.
pub const F_DATA_VALID: u8 = 2;
/// `gso_type`: an ordinary frame.
pub const GSO_NONE: u8 = 0;
/// `gso_type`: a TCP over IPv4 super-frame.
pub const GSO_TCPV4: u8 = 1;
/// `gso_type`: a TCP over IPv6 super-frame.
pub const GSO_TCPV6: u8 = 4;
/// `gso_type` bit: the super-frame carries ECN's CWR flag.
pub const GSO_ECN: u8 = 0x80;

/// Longest header (Ethernet with a VLAN tag, IP and TCP with options) a super-frame may
/// have; each segment's header is built in a buffer of this size.
const MAX_HEADER: usize = 256;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;

const TCP_FIN: u8 = 0x01;
const TCP_PSH: u8 = 0x08;
const TCP_CWR: u8 = 0x80;

/// `struct virtio_net_hdr` (virtio 1.2, §5.1.6), little-endian in the first
/// [`NET_HDR_LEN`] bytes of each buffer: the virtio-net driver's (which asks for no
/// offload, so everything it sends is zero) and the TAP driver's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetHdr {
    /// `F_NEEDS_CSUM`, `F_DATA_VALID`.
    pub flags: u8,
    /// `GSO_NONE`, `GSO_TCPV4`, `GSO_TCPV6`, with `GSO_ECN` possibly or-ed in.
    pub gso_type: u8,
    /// Length of the headers of a super-frame (a hint; [`resolve`] reads the headers).
    pub hdr_len: u16,
    /// Payload bytes per segment of a super-frame.
    pub gso_size: u16,
    /// Where the partial checksum's sum starts (the L4 header).
    pub csum_start: u16,
    /// Offset of the checksum field from `csum_start`.
    pub csum_offset: u16,
    /// Buffers the frame spans (mergeable RX buffers; 1 otherwise).
    pub num_buffers: u16,
}

impl NetHdr {
    /// The header's wire form.
    pub fn to_bytes(self) -> [u8; NET_HDR_LEN] {
        let mut b = [0u8; NET_HDR_LEN];
        b[0] = self.flags;
        b[1] = self.gso_type;
        b[2..4].copy_from_slice(&self.hdr_len.to_le_bytes());
        b[4..6].copy_from_slice(&self.gso_size.to_le_bytes());
        b[6..8].copy_from_slice(&self.csum_start.to_le_bytes());
        b[8..10].copy_from_slice(&self.csum_offset.to_le_bytes());
        b[10..12].copy_from_slice(&self.num_buffers.to_le_bytes());
        b
    }

    /// Reads a header from its wire form.
    pub fn from_bytes(b: &[u8; NET_HDR_LEN]) -> NetHdr {
        NetHdr {
            flags: b[0],
            gso_type: b[1],
            hdr_len: u16::from_le_bytes([b[2], b[3]]),
            gso_size: u16::from_le_bytes([b[4], b[5]]),
            csum_start: u16::from_le_bytes([b[6], b[7]]),
            csum_offset: u16::from_le_bytes([b[8], b[9]]),
            num_buffers: u16::from_le_bytes([b[10], b[11]]),
        }
    }

    /// Whether the frame needs work before the stack can take it.
    pub fn needs_resolving(&self) -> bool {
        self.flags & F_NEEDS_CSUM != 0 || self.gso_type & !GSO_ECN != GSO_NONE
    }
}

/// Why a frame could not be resolved; the driver drops it and counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffloadError {
    /// Offsets or lengths that do not fit the frame, or headers that do not parse.
    Malformed,
    /// A kind of offload this driver does not ask for (UDP fragmentation or segmentation,
    /// IPv6 extension headers before a segmented TCP header).
    Unsupported,
}

/// Resolves the offloads `hdr` describes on `frame` and hands each resulting frame to
/// `deliver` as a header part and a payload part (one frame is their concatenation).
/// Returns how many frames were handed over. `frame` is modified in place (the completed
/// checksum).
pub fn resolve(
    hdr: &NetHdr,
    frame: &mut [u8],
    mut deliver: impl FnMut(&[u8], &[u8]),
) -> Result<usize, OffloadError> {
    match hdr.gso_type & !GSO_ECN {
        GSO_NONE => {
            if hdr.flags & F_NEEDS_CSUM != 0 {
                complete_checksum(frame, hdr.csum_start, hdr.csum_offset)?;
            }
            deliver(frame, &[]);
            Ok(1)
        }
        GSO_TCPV4 | GSO_TCPV6 => segment_tcp(hdr, frame, deliver),
        _ => Err(OffloadError::Unsupported),
    }
}

/// Whether `hdr` describes a TCP super-frame (a packet of several segments, its checksum
/// partial), which a receiver that takes segments of any length may take whole once the
/// checksum is completed ([`complete_checksum`]).
pub fn is_tcp_super_frame(hdr: &NetHdr) -> bool {
    matches!(hdr.gso_type & !GSO_ECN, GSO_TCPV4 | GSO_TCPV6) && hdr.flags & F_NEEDS_CSUM != 0
}

/// Completes a partial checksum: the one's-complement sum from `start` to the end of the
/// frame (the field holds the pseudo-header sum), stored at `start + offset`. A zero result
/// is sent as `0xffff`, as Linux's `skb_checksum_help` does (for UDP, zero means "none").
pub fn complete_checksum(frame: &mut [u8], start: u16, offset: u16) -> Result<(), OffloadError> {
    let start = usize::from(start);
    let at = start + usize::from(offset);
    if start >= frame.len() || at + 2 > frame.len() {
        return Err(OffloadError::Malformed);
    }
    let sum = checksum::data(frame.get(start..).ok_or(OffloadError::Malformed)?);
    let value = match checksum::finish(sum) {
        0 => 0xffff,
        v => v,
    };
    frame[at..at + 2].copy_from_slice(&value.to_be_bytes());
    Ok(())
}

/// Describes the TCP super-frame `frame` (one TCP packet of several segments, with a full
/// checksum, as the stack builds it for a device with TSO) for a peer that cuts it into
/// segments of `gso_size` payload bytes: the virtio-net header to send it behind. The TCP
/// checksum field is rewritten to the pseudo-header sum that a partial checksum holds, so
/// that the peer can complete each segment's.
pub fn tso_header(frame: &mut [u8], gso_size: u16) -> Result<NetHdr, OffloadError> {
    let l3 = l3_of(frame)?;
    let (l4, gso_type) = match l3 {
        L3::V4 { at, ihl } => {
            if frame.get(at + 9) != Some(&u8::from(IpProtocol::Tcp)) {
                return Err(OffloadError::Unsupported);
            }
            (at + ihl, GSO_TCPV4)
        }
        L3::V6 { at } => {
            if frame.get(at + 6) != Some(&u8::from(IpProtocol::Tcp)) {
                return Err(OffloadError::Unsupported);
            }
            (at + 40, GSO_TCPV6)
        }
    };
    let data_offset = frame.get(l4 + 12).ok_or(OffloadError::Malformed)?;
    let end = l4 + usize::from(data_offset >> 4) * 4;
    if end < l4 + 20 || end > frame.len() || gso_size == 0 {
        return Err(OffloadError::Malformed);
    }
    let tcp_len = frame.len() - l4;
    let pseudo = match l3 {
        L3::V4 { at, .. } => {
            let a = |o: usize| Ipv4Addr::new(frame[o], frame[o + 1], frame[o + 2], frame[o + 3]);
            let len = u16::try_from(tcp_len).map_err(|_| OffloadError::Malformed)?;
            checksum::pseudo_header_v4(&a(at + 12), &a(at + 16), IpProtocol::Tcp, len)
        }
        L3::V6 { at } => {
            let a = |o: usize| {
                let mut b = [0u8; 16];
                b.copy_from_slice(&frame[o..o + 16]);
                Ipv6Addr::from(b)
            };
            checksum::pseudo_header_v6(&a(at + 8), &a(at + 24), IpProtocol::Tcp, tcp_len as u32)
        }
    };
    frame[l4 + 16..l4 + 18].copy_from_slice(&pseudo.to_be_bytes());
    let field = |v: usize| u16::try_from(v).map_err(|_| OffloadError::Malformed);
    Ok(NetHdr {
        flags: F_NEEDS_CSUM,
        gso_type,
        hdr_len: field(end)?,
        gso_size,
        csum_start: field(l4)?,
        csum_offset: 16,
        num_buffers: 0,
    })
}

/// The IP version of a super-frame, with its header's offset.
#[derive(Clone, Copy)]
enum L3 {
    V4 { at: usize, ihl: usize },
    V6 { at: usize },
}

/// Finds the IP header after the Ethernet header (one VLAN tag allowed).
fn l3_of(frame: &[u8]) -> Result<L3, OffloadError> {
    let be16 = |i: usize| -> Result<u16, OffloadError> {
        let b = frame.get(i..i + 2).ok_or(OffloadError::Malformed)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    };
    let (ethertype, at) = match be16(12)? {
        ETHERTYPE_VLAN => (be16(16)?, 18),
        t => (t, 14),
    };
    match ethertype {
        ETHERTYPE_IPV4 => {
            let ihl = usize::from(frame.get(at).ok_or(OffloadError::Malformed)? & 0x0f) * 4;
            if ihl < 20 {
                return Err(OffloadError::Malformed);
            }
            Ok(L3::V4 { at, ihl })
        }
        ETHERTYPE_IPV6 => Ok(L3::V6 { at }),
        _ => Err(OffloadError::Unsupported),
    }
}

/// Cuts a TCP super-frame into segments of `hdr.gso_size` payload bytes.
fn segment_tcp(
    hdr: &NetHdr,
    frame: &[u8],
    mut deliver: impl FnMut(&[u8], &[u8]),
) -> Result<usize, OffloadError> {
    let mss = usize::from(hdr.gso_size);
    if mss == 0 {
        return Err(OffloadError::Malformed);
    }
    let l3 = l3_of(frame)?;
    let v6 = hdr.gso_type & !GSO_ECN == GSO_TCPV6;
    if v6 != matches!(l3, L3::V6 { .. }) {
        return Err(OffloadError::Malformed);
    }
    let l4 = match l3 {
        L3::V4 { at, ihl } => {
            if frame.get(at + 9) != Some(&u8::from(IpProtocol::Tcp)) {
                return Err(OffloadError::Unsupported);
            }
            at + ihl
        }
        L3::V6 { at } => {
            // Linux's TCP sends no extension headers; anything else is not ours to cut.
            if frame.get(at + 6) != Some(&u8::from(IpProtocol::Tcp)) {
                return Err(OffloadError::Unsupported);
            }
            at + 40
        }
    };
    let data_offset = frame.get(l4 + 12).ok_or(OffloadError::Malformed)?;
    let thl = usize::from(data_offset >> 4) * 4;
    let end = l4 + thl;
    if thl < 20 || end > frame.len() || end > MAX_HEADER {
        return Err(OffloadError::Malformed);
    }
    let (headers, payload) = frame.split_at(end);
    let seq0 = u32::from_be_bytes([frame[l4 + 4], frame[l4 + 5], frame[l4 + 6], frame[l4 + 7]]);
    let flags0 = frame[l4 + 13];
    let mut buf = [0u8; MAX_HEADER];
    let h = &mut buf[..end];
    let chunks = payload.len().div_ceil(mss).max(1);
    for i in 0..chunks {
        let off = i * mss;
        let chunk = payload
            .get(off..(off + mss).min(payload.len()))
            .unwrap_or(&[]);
        h.copy_from_slice(headers);
        let tcp_len = thl + chunk.len();
        let pseudo = match l3 {
            L3::V4 { at, ihl } => {
                let total = u16::try_from(ihl + tcp_len).map_err(|_| OffloadError::Malformed)?;
                h[at + 2..at + 4].copy_from_slice(&total.to_be_bytes());
                let id = u16::from_be_bytes([h[at + 4], h[at + 5]]).wrapping_add(i as u16);
                h[at + 4..at + 6].copy_from_slice(&id.to_be_bytes());
                h[at + 10..at + 12].fill(0);
                let ip_sum = checksum::finish(checksum::data(&h[at..at + ihl]));
                h[at + 10..at + 12].copy_from_slice(&ip_sum.to_be_bytes());
                let src = Ipv4Addr::new(h[at + 12], h[at + 13], h[at + 14], h[at + 15]);
                let dst = Ipv4Addr::new(h[at + 16], h[at + 17], h[at + 18], h[at + 19]);
                checksum::pseudo_header_v4(&src, &dst, IpProtocol::Tcp, tcp_len as u16)
            }
            L3::V6 { at } => {
                let plen = u16::try_from(tcp_len).map_err(|_| OffloadError::Malformed)?;
                h[at + 4..at + 6].copy_from_slice(&plen.to_be_bytes());
                let addr = |o: usize| -> Ipv6Addr {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(&h[at + o..at + o + 16]);
                    Ipv6Addr::from(a)
                };
                checksum::pseudo_header_v6(&addr(8), &addr(24), IpProtocol::Tcp, tcp_len as u32)
            }
        };
        let seq = seq0.wrapping_add(off as u32);
        h[l4 + 4..l4 + 8].copy_from_slice(&seq.to_be_bytes());
        let mut flags = flags0;
        if i > 0 {
            flags &= !TCP_CWR;
        }
        if i + 1 < chunks {
            flags &= !(TCP_FIN | TCP_PSH);
        }
        h[l4 + 13] = flags;
        h[l4 + 16..l4 + 18].fill(0);
        // The TCP header's length is a multiple of 4, so the payload's sum starts at an
        // even offset, as `combine` needs.
        let sum = checksum::combine(&[pseudo, checksum::data(&h[l4..]), checksum::data(chunk)]);
        h[l4 + 16..l4 + 18].copy_from_slice(&checksum::finish(sum).to_be_bytes());
        deliver(h, chunk);
    }
    Ok(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC4: [u8; 4] = [192, 0, 2, 2];
    const DST4: [u8; 4] = [192, 0, 2, 1];

    fn ethernet(ethertype: u16) -> Vec<u8> {
        let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
        f.extend_from_slice(&ethertype.to_be_bytes());
        f
    }

    /// A TCP header with sequence number `seq`, `flags` and a 12-byte timestamps option
    /// (as Linux sends), checksum field holding `partial`.
    fn tcp_header(seq: u32, flags: u8, partial: u16) -> Vec<u8> {
        let mut t = vec![0x9c, 0x40, 0x10, 0x92];
        t.extend_from_slice(&seq.to_be_bytes());
        t.extend_from_slice(&0x0102_0304u32.to_be_bytes());
        t.push(8 << 4); // 32-byte header
        t.push(flags);
        t.extend_from_slice(&[0x40, 0x00]);
        t.extend_from_slice(&partial.to_be_bytes());
        t.extend_from_slice(&[0, 0]);
        t.extend_from_slice(&[1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9]);
        t
    }

    fn payload(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + 3) as u8).collect()
    }

    /// An IPv4 TCP super-frame as the kernel hands it over: IP total length of the whole
    /// packet, TCP checksum partial (pseudo-header sum of the whole length).
    fn super_frame_v4(seq: u32, flags: u8, data: &[u8]) -> Vec<u8> {
        let tcp_len = 32 + data.len();
        let pseudo = checksum::pseudo_header_v4(
            &Ipv4Addr::from(SRC4),
            &Ipv4Addr::from(DST4),
            IpProtocol::Tcp,
            tcp_len as u16,
        );
        let mut f = ethernet(ETHERTYPE_IPV4);
        let mut ip = vec![0x45, 0];
        ip.extend_from_slice(&((20 + tcp_len) as u16).to_be_bytes());
        ip.extend_from_slice(&[0x12, 0x34, 0x40, 0, 64, 6, 0, 0]);
        ip.extend_from_slice(&SRC4);
        ip.extend_from_slice(&DST4);
        f.extend_from_slice(&ip);
        f.extend_from_slice(&tcp_header(seq, flags, pseudo));
        f.extend_from_slice(data);
        f
    }

    fn v6(last: u8) -> Ipv6Addr {
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(last))
    }

    fn super_frame_v6(seq: u32, flags: u8, data: &[u8]) -> Vec<u8> {
        let tcp_len = 32 + data.len();
        let pseudo = checksum::pseudo_header_v6(&v6(2), &v6(1), IpProtocol::Tcp, tcp_len as u32);
        let mut f = ethernet(ETHERTYPE_IPV6);
        f.extend_from_slice(&[0x60, 0, 0, 0]);
        f.extend_from_slice(&(tcp_len as u16).to_be_bytes());
        f.extend_from_slice(&[6, 64]);
        f.extend_from_slice(&v6(2).octets());
        f.extend_from_slice(&v6(1).octets());
        f.extend_from_slice(&tcp_header(seq, flags, pseudo));
        f.extend_from_slice(data);
        f
    }

    fn gso(gso_type: u8, gso_size: u16, csum_start: u16) -> NetHdr {
        NetHdr {
            flags: F_NEEDS_CSUM,
            gso_type,
            hdr_len: csum_start + 32,
            gso_size,
            csum_start,
            csum_offset: 16,
            num_buffers: 0,
        }
    }

    fn collect(hdr: &NetHdr, frame: &mut [u8]) -> Result<Vec<Vec<u8>>, OffloadError> {
        let mut out = Vec::new();
        let n = resolve(hdr, frame, |h, p| {
            let mut f = h.to_vec();
            f.extend_from_slice(p);
            out.push(f);
        })?;
        assert_eq!(n, out.len());
        Ok(out)
    }

    /// Checks one cut IPv4 segment: IP header checksum, TCP checksum, lengths; returns
    /// (sequence number, flags, payload).
    fn check_v4(frame: &[u8]) -> (u32, u8, Vec<u8>) {
        assert_eq!(
            checksum::data(&frame[14..34]),
            0xffff,
            "IPv4 header checksum"
        );
        let total = u16::from_be_bytes([frame[16], frame[17]]);
        assert_eq!(usize::from(total), frame.len() - 14, "IPv4 total length");
        let tcp = &frame[34..];
        let pseudo = checksum::pseudo_header_v4(
            &Ipv4Addr::from(SRC4),
            &Ipv4Addr::from(DST4),
            IpProtocol::Tcp,
            tcp.len() as u16,
        );
        assert_eq!(
            checksum::combine(&[pseudo, checksum::data(tcp)]),
            0xffff,
            "TCP checksum"
        );
        let seq = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]);
        (seq, tcp[13], tcp[32..].to_vec())
    }

    #[test]
    fn a_v4_super_frame_is_cut_into_segments_that_verify() {
        let data = payload(4000);
        // ACK | PSH | FIN | CWR on the super-frame.
        let mut frame = super_frame_v4(0xffff_fc00, 0x10 | 0x08 | 0x01 | 0x80, &data);
        let out = collect(&gso(GSO_TCPV4, 1448, 34), &mut frame).unwrap();
        assert_eq!(out.len(), 3);
        let mut joined = Vec::new();
        for (i, f) in out.iter().enumerate() {
            let (seq, flags, p) = check_v4(f);
            assert_eq!(
                seq,
                0xffff_fc00u32.wrapping_add(1448 * i as u32),
                "sequence wraps"
            );
            let first = i == 0;
            let last = i == 2;
            assert_eq!(flags & TCP_CWR != 0, first, "CWR on the first segment only");
            assert_eq!(
                flags & (TCP_FIN | TCP_PSH) != 0,
                last,
                "FIN, PSH on the last only"
            );
            assert_eq!(flags & 0x10, 0x10, "ACK on every segment");
            let id = u16::from_be_bytes([f[18], f[19]]);
            assert_eq!(id, 0x1234 + i as u16, "IPv4 identification counts up");
            assert_eq!(p.len(), if last { 4000 - 2 * 1448 } else { 1448 });
            joined.extend_from_slice(&p);
        }
        assert_eq!(joined, data, "the payload comes out whole and in order");
    }

    #[test]
    fn a_v6_super_frame_is_cut_into_segments_that_verify() {
        let data = payload(3000);
        let mut frame = super_frame_v6(77, 0x18, &data);
        let out = collect(&gso(GSO_TCPV6, 1000, 54), &mut frame).unwrap();
        assert_eq!(out.len(), 3);
        let mut joined = Vec::new();
        for (i, f) in out.iter().enumerate() {
            let plen = usize::from(u16::from_be_bytes([f[18], f[19]]));
            assert_eq!(plen, f.len() - 54, "IPv6 payload length");
            let tcp = &f[54..];
            let pseudo =
                checksum::pseudo_header_v6(&v6(2), &v6(1), IpProtocol::Tcp, tcp.len() as u32);
            assert_eq!(checksum::combine(&[pseudo, checksum::data(tcp)]), 0xffff);
            let seq = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]);
            assert_eq!(seq, 77 + 1000 * i as u32);
            assert_eq!(tcp[13] & TCP_PSH != 0, i == 2);
            joined.extend_from_slice(&tcp[32..]);
        }
        assert_eq!(joined, data);
    }

    #[test]
    fn a_super_frame_shorter_than_one_segment_passes_whole_with_its_checksum_completed() {
        let data = payload(100);
        let mut frame = super_frame_v4(5, 0x18, &data);
        let out = collect(&gso(GSO_TCPV4, 1448, 34), &mut frame).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(check_v4(&out[0]), (5, 0x18, data));
    }

    #[test]
    fn a_partial_udp_checksum_is_completed() {
        let data = payload(33); // odd length: the last byte is padded
        let udp_len = 8 + data.len();
        let pseudo = checksum::pseudo_header_v4(
            &Ipv4Addr::from(SRC4),
            &Ipv4Addr::from(DST4),
            IpProtocol::Udp,
            udp_len as u16,
        );
        let mut frame = ethernet(ETHERTYPE_IPV4);
        frame.extend_from_slice(&[
            0x45,
            0,
            0,
            (20 + udp_len) as u8,
            0,
            0,
            0x40,
            0,
            64,
            17,
            0,
            0,
        ]);
        frame.extend_from_slice(&SRC4);
        frame.extend_from_slice(&DST4);
        frame.extend_from_slice(&[0x30, 0x39, 0x10, 0x92, 0, udp_len as u8]);
        frame.extend_from_slice(&pseudo.to_be_bytes());
        frame.extend_from_slice(&data);
        let hdr = NetHdr {
            flags: F_NEEDS_CSUM,
            csum_start: 34,
            csum_offset: 6,
            ..NetHdr::default()
        };
        let out = collect(&hdr, &mut frame).unwrap();
        let udp = &out[0][34..];
        assert_ne!(&udp[6..8], &[0, 0]);
        assert_eq!(checksum::combine(&[pseudo, checksum::data(udp)]), 0xffff);
    }

    #[test]
    fn a_frame_without_offloads_passes_untouched() {
        let mut frame = super_frame_v4(1, 0x10, &payload(10));
        let before = frame.clone();
        let out = collect(&NetHdr::default(), &mut frame).unwrap();
        assert_eq!(out, vec![before]);
        assert!(!NetHdr::default().needs_resolving());
        assert!(gso(GSO_TCPV4, 1, 34).needs_resolving());
    }

    /// A super-frame as the stack builds it: full TCP checksum over the whole packet.
    fn with_full_checksum(mut f: Vec<u8>, l4: usize, pseudo_of: impl Fn(usize) -> u16) -> Vec<u8> {
        f[l4 + 16..l4 + 18].fill(0);
        let tcp_len = f.len() - l4;
        let sum = checksum::combine(&[pseudo_of(tcp_len), checksum::data(&f[l4..])]);
        f[l4 + 16..l4 + 18].copy_from_slice(&checksum::finish(sum).to_be_bytes());
        f
    }

    #[test]
    fn a_tso_packet_is_described_so_that_cutting_it_gives_valid_segments() {
        let data = payload(5000);
        let v4 = with_full_checksum(super_frame_v4(1000, 0x18, &data), 34, |len| {
            checksum::pseudo_header_v4(
                &Ipv4Addr::from(SRC4),
                &Ipv4Addr::from(DST4),
                IpProtocol::Tcp,
                len as u16,
            )
        });
        let mut frame = v4.clone();
        let hdr = tso_header(&mut frame, 1448).unwrap();
        assert_eq!(hdr, gso(GSO_TCPV4, 1448, 34));
        // What a peer does with it: the receive side's cutting.
        let out = collect(&hdr, &mut frame).unwrap();
        assert_eq!(out.len(), 4);
        let joined: Vec<u8> = out.iter().flat_map(|f| check_v4(f).2).collect();
        assert_eq!(joined, data);

        let mut frame = with_full_checksum(super_frame_v6(9, 0x10, &data), 54, |len| {
            checksum::pseudo_header_v6(&v6(2), &v6(1), IpProtocol::Tcp, len as u32)
        });
        let hdr = tso_header(&mut frame, 1000).unwrap();
        assert_eq!(hdr, gso(GSO_TCPV6, 1000, 54));
        // The field now holds the pseudo-header sum that the peer completes.
        let expected =
            checksum::pseudo_header_v6(&v6(2), &v6(1), IpProtocol::Tcp, (32 + 5000) as u32);
        assert_eq!(u16::from_be_bytes([frame[70], frame[71]]), expected);
        assert_eq!(collect(&hdr, &mut frame).unwrap().len(), 5);

        // Not TCP, or cut short: refused.
        let mut udp = v4.clone();
        udp[23] = 17;
        assert_eq!(tso_header(&mut udp, 1448), Err(OffloadError::Unsupported));
        for len in [0, 20, 40, 60] {
            let mut short = v4[..len].to_vec();
            assert!(tso_header(&mut short, 1448).is_err());
        }
        assert!(tso_header(&mut v4.clone(), 0).is_err());
    }

    #[test]
    fn the_header_round_trips_little_endian() {
        let h = NetHdr {
            flags: F_NEEDS_CSUM | F_DATA_VALID,
            gso_type: GSO_TCPV6 | GSO_ECN,
            hdr_len: 86,
            gso_size: 1428,
            csum_start: 54,
            csum_offset: 16,
            num_buffers: 0,
        };
        let b = h.to_bytes();
        assert_eq!(b[..6], [3, 0x84, 86, 0, 0x94, 0x05]);
        assert_eq!(NetHdr::from_bytes(&b), h);
    }

    #[test]
    fn bad_offsets_and_unknown_offloads_are_refused_without_panicking() {
        let frame = super_frame_v4(1, 0x10, &payload(3000));
        let cases: [(NetHdr, OffloadError); 5] = [
            (gso(GSO_TCPV4, 0, 34), OffloadError::Malformed),
            (gso(3, 1448, 34), OffloadError::Unsupported), // UDP fragmentation offload
            (
                NetHdr {
                    flags: F_NEEDS_CSUM,
                    csum_start: 5000,
                    ..NetHdr::default()
                },
                OffloadError::Malformed,
            ),
            (
                NetHdr {
                    flags: F_NEEDS_CSUM,
                    csum_start: 34,
                    csum_offset: 4000,
                    ..NetHdr::default()
                },
                OffloadError::Malformed,
            ),
            (gso(GSO_TCPV6, 1448, 54), OffloadError::Malformed), // an IPv4 frame
        ];
        for (hdr, want) in cases {
            let mut f = frame.clone();
            let got = collect(&hdr, &mut f).map(|v| v.len());
            assert_eq!(got, Err(want), "{hdr:?}");
        }
        // Every truncation of a super-frame is refused or cut, never a panic.
        for len in 0..120 {
            let mut f = frame[..len].to_vec();
            let _ = collect(&gso(GSO_TCPV4, 1448, 34), &mut f);
        }
        // A TCP data offset pointing past the frame.
        let mut f = frame.clone();
        f[34 + 12] = 0xf0;
        f.truncate(34 + 40);
        let got = collect(&gso(GSO_TCPV4, 1448, 34), &mut f).map(|v| v.len());
        assert_eq!(got, Err(OffloadError::Malformed));
    }
}
