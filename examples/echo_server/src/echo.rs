//! The echo itself, shared by every firmware: the sockets on Zephyr's echo port and one
//! pass over them.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use net_core::{AddrFamily, Fd, SockType, Stack};

/// The port of Zephyr's echo sample.
pub const PORT: u16 = 4242;

/// A UDP socket of `family` bound to the wildcard address on `port`, or `None` when the
/// configuration has no room or no support for it.
pub fn open(stack: &Stack, family: AddrFamily, port: u16) -> Option<Fd> {
    let fd = stack.socket(family, SockType::Dgram).ok()?;
    let any = match family {
        AddrFamily::Inet => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        AddrFamily::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    if stack.bind(fd, SocketAddr::new(any, port)).is_err() {
        let _ = stack.close(fd);
        return None;
    }
    Some(fd)
}

/// Sends every datagram waiting on `fd` back where it came from; returns how many.
pub fn echo_pending(stack: &Stack, fd: Fd, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while let Ok((len, from)) = stack.recvfrom(fd, buf) {
        n += 1;
        let _ = stack.sendto(fd, buf.get(..len).unwrap_or_default(), Some(from));
    }
    n
}
