//! Initial sequence numbers per RFC 6528 §3: `ISN = M + F(localip, localport, remoteip,
//! remoteport, secretkey)`, where M is a clock ticking every 4 µs and F is a keyed hash.
//!
//! F is SipHash-2-4 with a 128-bit secret, written here because the crate has no hash
//! dependency. It is the same instance that stirs the secret at start (`TcpTable`), so the
//! image holds one SipHash; SipHash-1-3, the lighter variant of Rust's `HashMap`, would
//! add a second copy (about 500 bytes on Cortex-M) to save a few rounds per connection. The secret must come from a
//! random source at boot and stay secret; with it, off-path attackers cannot predict the
//! ISN, while successive connections of the same 4-tuple still get increasing ISNs (the
//! clock term), which keeps old duplicates out as RFC 9293 §3.4.1 wants.
//! `NET_TCP_ISN_RFC6528=n` replaces SipHash with a small non-cryptographic keyed mix
//! (less code, weaker against an attacker who collects ISNs).

use super::wire::SeqNumber;
use crate::ip::checksum::IpAddress;

/// SipHash with `C` compression and `D` finalization rounds over `data`, keyed by `key`
/// (SipHash-2-4 is `siphash::<2, 4>`, SipHash-1-3 is `siphash::<1, 3>`).
pub fn siphash<const C: usize, const D: usize>(key: &[u8; 16], data: &[u8]) -> u64 {
    let mut k0 = [0u8; 8];
    let mut k1 = [0u8; 8];
    let (a, b) = key.split_at(8);
    k0.copy_from_slice(a);
    k1.copy_from_slice(b);
    let k0 = u64::from_le_bytes(k0);
    let k1 = u64::from_le_bytes(k1);
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    let round = |v: &mut [u64; 4]| {
        let [v0, v1, v2, v3] = v;
        *v0 = v0.wrapping_add(*v1);
        *v1 = v1.rotate_left(13);
        *v1 ^= *v0;
        *v0 = v0.rotate_left(32);
        *v2 = v2.wrapping_add(*v3);
        *v3 = v3.rotate_left(16);
        *v3 ^= *v2;
        *v0 = v0.wrapping_add(*v3);
        *v3 = v3.rotate_left(21);
        *v3 ^= *v0;
        *v2 = v2.wrapping_add(*v1);
        *v1 = v1.rotate_left(17);
        *v1 ^= *v2;
        *v2 = v2.rotate_left(32);
    };
    let compress = |v: &mut [u64; 4], m: u64| {
        v[3] ^= m;
        for _ in 0..C {
            round(v);
        }
        v[0] ^= m;
    };
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        compress(&mut v, u64::from_le_bytes(word));
    }
    let mut last = [0u8; 8];
    let rest = chunks.remainder();
    if let Some(dst) = last.get_mut(..rest.len()) {
        dst.copy_from_slice(rest);
    }
    last[7] = data.len() as u8;
    compress(&mut v, u64::from_le_bytes(last));
    v[2] ^= 0xff;
    for _ in 0..D {
        round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// A small keyed mix (multiply-xorshift), for `NET_TCP_ISN_RFC6528=n`: it spreads the
/// ISNs of different 4-tuples but is not a cryptographic hash, so an attacker who sees
/// enough ISNs may predict others.
fn weak_mix(key: &[u8; 16], data: &[u8]) -> u64 {
    let mut k = [0u8; 8];
    k.copy_from_slice(key.get(..8).unwrap_or(&[0; 8]));
    let mut h = u64::from_le_bytes(k) ^ 0x9e37_79b9_7f4a_7c15;
    for chunk in data.chunks(8).chain(key.get(8..)) {
        let mut w = [0u8; 8];
        if let Some(dst) = w.get_mut(..chunk.len()) {
            dst.copy_from_slice(chunk);
        }
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
    }
    h
}

/// The secret-keyed ISN generator of RFC 6528.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsnGenerator {
    key: [u8; 16],
}

impl IsnGenerator {
    /// A generator keyed with `key`, which must be random and secret.
    pub const fn new(key: [u8; 16]) -> IsnGenerator {
        IsnGenerator { key }
    }

    /// The ISN for a connection from `local`:`local_port` to `remote`:`remote_port` at
    /// `now_ms` (milliseconds on any monotonic clock; the 4 µs clock M is `now_ms * 250`).
    pub fn isn(
        &self,
        local: IpAddress,
        local_port: u16,
        remote: IpAddress,
        remote_port: u16,
        now_ms: u64,
    ) -> SeqNumber {
        let clock = (now_ms as u32).wrapping_mul(250);
        // Per side: the address as 16 bytes (IPv4 as a version byte, the 4 octets and
        // zeros, so that it never hashes like an IPv6 address) and the port: 36 bytes.
        let mut msg = [0u8; 36];
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            if let Some(dst) = msg.get_mut(at..at + bytes.len()) {
                dst.copy_from_slice(bytes);
            }
            at += bytes.len();
        };
        for (addr, port) in [(local, local_port), (remote, remote_port)] {
            match addr {
                IpAddress::V4(a) => {
                    put(&[4]);
                    put(&a.octets());
                    put(&[0; 11]);
                }
                IpAddress::V6(a) => put(&a.octets()),
            }
            put(&port.to_be_bytes());
        }
        let msg = msg.get(..at).unwrap_or(&msg);
        let hash = if crate::config::CONFIG_NET_TCP_ISN_RFC6528 {
            siphash::<2, 4>(&self.key, msg)
        } else {
            weak_mix(&self.key, msg)
        };
        SeqNumber(clock.wrapping_add(hash as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};

    fn key() -> [u8; 16] {
        core::array::from_fn(|i| i as u8)
    }

    #[test]
    fn siphash24_reference_vectors() {
        // The SipHash paper's test vector: key 00..0f, message 00..0e.
        let msg: [u8; 15] = core::array::from_fn(|i| i as u8);
        assert_eq!(siphash::<2, 4>(&key(), &msg), 0xa129_ca61_49be_45e5);
        // First entries of the reference implementation's vectors.h (empty, 1 byte).
        assert_eq!(siphash::<2, 4>(&key(), &[]), 0x726f_db47_dd0e_0e31);
        assert_eq!(siphash::<2, 4>(&key(), &[0]), 0x74f8_39c5_93dc_67fd);
    }

    #[test]
    #[allow(deprecated)]
    fn siphash24_matches_core_for_all_lengths() {
        use core::hash::{Hasher, SipHasher};
        let k = key();
        let data: [u8; 64] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        for len in 0..=64 {
            let mut h = SipHasher::new_with_keys(
                u64::from_le_bytes(k[..8].try_into().unwrap()),
                u64::from_le_bytes(k[8..].try_into().unwrap()),
            );
            h.write(&data[..len]);
            assert_eq!(siphash::<2, 4>(&k, &data[..len]), h.finish(), "len {len}");
        }
    }

    #[test]
    fn isn_depends_on_tuple_and_clock() {
        let g = IsnGenerator::new(key());
        let a = IpAddress::V4(Ipv4Addr::new(192, 0, 2, 1));
        let b = IpAddress::V4(Ipv4Addr::new(192, 0, 2, 2));
        let v6 = IpAddress::V6(Ipv6Addr::LOCALHOST);
        let base = g.isn(a, 1000, b, 80, 0);
        // 4 µs clock: 1 ms later the ISN has moved by exactly 250.
        assert_eq!(g.isn(a, 1000, b, 80, 1), base + 250);
        assert_eq!(g.isn(a, 1000, b, 80, 0), base);
        // Every part of the 4-tuple and the key count.
        assert_ne!(g.isn(a, 1001, b, 80, 0), base);
        assert_ne!(g.isn(a, 1000, b, 81, 0), base);
        assert_ne!(g.isn(b, 1000, a, 80, 0), base);
        assert_ne!(g.isn(v6, 1000, v6, 80, 0), base);
        assert_ne!(IsnGenerator::new([9; 16]).isn(a, 1000, b, 80, 0), base);
    }
}
