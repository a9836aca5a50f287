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

// The qemu_cortex_m0 firmware echoes to itself over loopback, without TCP.
#[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))]
/// A TCP listener of `family` on `port`, non-blocking, or `None` when the configuration
/// has no TCP (or no room for it).
pub fn open_tcp(stack: &Stack, family: AddrFamily, port: u16) -> Option<Fd> {
    let fd = stack.socket(family, SockType::Stream).ok()?;
    let any = match family {
        AddrFamily::Inet => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        AddrFamily::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    let ok = stack
        .setsockopt(fd, net_core::SockOpt::NonBlocking(true))
        .and_then(|()| stack.bind(fd, SocketAddr::new(any, port)))
        .and_then(|()| stack.listen(fd, 1));
    if ok.is_err() {
        let _ = stack.close(fd);
        return None;
    }
    Some(fd)
}

// The qemu_cortex_m0 firmware echoes to itself over loopback, without TCP.
#[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))]
/// One TCP client being echoed: what was received and not yet sent back.
struct Client {
    fd: Fd,
    buf: [u8; 512],
    len: usize,
    sent: usize,
}

// The qemu_cortex_m0 firmware echoes to itself over loopback, without TCP.
#[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))]
/// The TCP echo of a firmware: its listeners and up to `N` clients, served without
/// blocking from the main loop.
pub struct TcpEcho<const N: usize> {
    listeners: [Option<Fd>; 2],
    clients: [Option<Client>; N],
}

#[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))]
impl<const N: usize> TcpEcho<N> {
    /// Listens on `port` over IPv4 and IPv6 (each when configured).
    pub fn open(stack: &Stack, port: u16) -> TcpEcho<N> {
        TcpEcho {
            listeners: [
                open_tcp(stack, AddrFamily::Inet, port),
                open_tcp(stack, AddrFamily::Inet6, port),
            ],
            clients: [const { None }; N],
        }
    }

    /// Whether any listener is open.
    pub fn is_open(&self) -> bool {
        self.listeners.iter().any(Option::is_some)
    }

    /// Accepts waiting clients while there is room, and moves every client's data back;
    /// returns how many steps made progress.
    pub fn serve(&mut self, stack: &Stack) -> usize {
        let mut work = 0;
        for listener in self.listeners.iter().flatten() {
            let Some(slot) = self.clients.iter_mut().find(|c| c.is_none()) else {
                break;
            };
            if let Ok((fd, _)) = stack.accept(*listener) {
                let _ = stack.setsockopt(fd, net_core::SockOpt::NonBlocking(true));
                *slot = Some(Client {
                    fd,
                    buf: [0; 512],
                    len: 0,
                    sent: 0,
                });
                work += 1;
            }
        }
        for slot in self.clients.iter_mut() {
            let Some(c) = slot else { continue };
            let mut done = false;
            if c.sent == c.len {
                match stack.recv(c.fd, &mut c.buf) {
                    Ok(0) => done = true,
                    Ok(n) => {
                        c.len = n;
                        c.sent = 0;
                        work += 1;
                    }
                    Err(net_core::Errno::EAGAIN) => {}
                    Err(_) => done = true,
                }
            }
            if c.sent < c.len {
                match stack.send(c.fd, c.buf.get(c.sent..c.len).unwrap_or_default()) {
                    Ok(n) => {
                        c.sent += n;
                        work += usize::from(n > 0);
                    }
                    Err(net_core::Errno::EAGAIN) => {}
                    Err(_) => done = true,
                }
            }
            if done {
                let _ = stack.close(c.fd);
                *slot = None;
                work += 1;
            }
        }
        work
    }
}
