//! The ecosystem's network traits over the socket API, so that existing client crates run
//! on this stack: `embedded-nal` 0.9 ([`NalStack`]: `TcpClientStack`, `TcpFullStack`,
//! `UdpClientStack`, `UdpFullStack`) and `embedded-io` 0.6 ([`TcpStream`]: `Read`,
//! `Write`).
//!
//! `embedded-nal` sockets are non-blocking (`nb::Error::WouldBlock`). Its `socket()` takes
//! no address family, so a socket is created on first use: `connect` takes the remote's
//! family; `bind` takes IPv4 when it is configured, else IPv6.
//!
//! [`TcpStream`]'s `read` and `write` block as `embedded-io` requires: on `std` in the
//! socket call (other threads run the stack); without `std` by polling the stack
//! ([`Stack::poll`]) until the call can complete, so use it from the context that owns
//! the stack's processing.

use core::net::SocketAddr;

use super::{AddrFamily, Errno, Fd, SockOpt, SockType};
use crate::ip::net_core::Stack;

/// The stack seen through `embedded-nal`.
#[derive(Clone, Copy)]
pub struct NalStack<'a>(pub &'a Stack);

/// An `embedded-nal` socket: created on first use.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NalSocket {
    fd: Option<Fd>,
}

impl NalSocket {
    /// The descriptor, once the socket exists.
    pub fn fd(&self) -> Option<Fd> {
        self.fd
    }
}

impl embedded_nal::TcpError for Errno {
    fn kind(&self) -> embedded_nal::TcpErrorKind {
        match self {
            Errno::EPIPE | Errno::ENOTCONN | Errno::ECONNRESET => {
                embedded_nal::TcpErrorKind::PipeClosed
            }
            _ => embedded_nal::TcpErrorKind::Other,
        }
    }
}

/// `EAGAIN`/`EINPROGRESS`/`EALREADY` as `WouldBlock`, the rest as errors.
fn nb(e: Errno) -> nb::Error<Errno> {
    match e {
        Errno::EAGAIN | Errno::EINPROGRESS | Errno::EALREADY => nb::Error::WouldBlock,
        other => nb::Error::Other(other),
    }
}

fn family_of(addr: &SocketAddr) -> AddrFamily {
    match addr {
        SocketAddr::V4(_) => AddrFamily::Inet,
        SocketAddr::V6(_) => AddrFamily::Inet6,
    }
}

/// The family `bind` uses: IPv4 when configured.
fn bind_family() -> AddrFamily {
    if crate::config::CONFIG_NET_IPV4 {
        AddrFamily::Inet
    } else {
        AddrFamily::Inet6
    }
}

impl NalStack<'_> {
    /// The socket's descriptor, creating a non-blocking socket of `family` and `ty` first.
    fn open(&self, s: &mut NalSocket, family: AddrFamily, ty: SockType) -> Result<Fd, Errno> {
        if let Some(fd) = s.fd {
            return Ok(fd);
        }
        let fd = self.0.socket(family, ty)?;
        self.0.setsockopt(fd, SockOpt::NonBlocking(true))?;
        s.fd = Some(fd);
        Ok(fd)
    }

    fn any(family: AddrFamily, port: u16) -> SocketAddr {
        match family {
            AddrFamily::Inet => SocketAddr::new(core::net::Ipv4Addr::UNSPECIFIED.into(), port),
            AddrFamily::Inet6 => SocketAddr::new(core::net::Ipv6Addr::UNSPECIFIED.into(), port),
        }
    }
}

#[cfg(CONFIG_NET_TCP)]
impl embedded_nal::TcpClientStack for NalStack<'_> {
    type TcpSocket = NalSocket;
    type Error = Errno;

    fn socket(&mut self) -> Result<NalSocket, Errno> {
        Ok(NalSocket::default())
    }

    fn connect(&mut self, socket: &mut NalSocket, remote: SocketAddr) -> nb::Result<(), Errno> {
        let fd = self.open(socket, family_of(&remote), SockType::Stream)?;
        match self.0.connect(fd, remote) {
            Ok(()) | Err(Errno::EISCONN) => Ok(()),
            Err(e) => Err(nb(e)),
        }
    }

    fn send(&mut self, socket: &mut NalSocket, buffer: &[u8]) -> nb::Result<usize, Errno> {
        let fd = socket.fd.ok_or(nb::Error::Other(Errno::ENOTCONN))?;
        self.0.send(fd, buffer).map_err(nb)
    }

    fn receive(&mut self, socket: &mut NalSocket, buffer: &mut [u8]) -> nb::Result<usize, Errno> {
        let fd = socket.fd.ok_or(nb::Error::Other(Errno::ENOTCONN))?;
        self.0.recv(fd, buffer).map_err(nb)
    }

    fn close(&mut self, socket: NalSocket) -> Result<(), Errno> {
        match socket.fd {
            Some(fd) => self.0.close(fd),
            None => Ok(()),
        }
    }
}

#[cfg(CONFIG_NET_TCP)]
impl embedded_nal::TcpFullStack for NalStack<'_> {
    fn bind(&mut self, socket: &mut NalSocket, local_port: u16) -> Result<(), Errno> {
        let fd = self.open(socket, bind_family(), SockType::Stream)?;
        self.0.bind(fd, Self::any(bind_family(), local_port))
    }

    fn listen(&mut self, socket: &mut NalSocket) -> Result<(), Errno> {
        let fd = socket.fd.ok_or(Errno::EINVAL)?;
        self.0
            .listen(fd, crate::config::CONFIG_NET_TCP_BACKLOG_SIZE)
    }

    fn accept(&mut self, socket: &mut NalSocket) -> nb::Result<(NalSocket, SocketAddr), Errno> {
        let fd = socket.fd.ok_or(nb::Error::Other(Errno::EINVAL))?;
        let (conn, peer) = self.0.accept(fd).map_err(nb)?;
        self.0
            .setsockopt(conn, SockOpt::NonBlocking(true))
            .map_err(nb::Error::Other)?;
        Ok((NalSocket { fd: Some(conn) }, peer))
    }
}

#[cfg(CONFIG_NET_UDP)]
impl embedded_nal::UdpClientStack for NalStack<'_> {
    type UdpSocket = NalSocket;
    type Error = Errno;

    fn socket(&mut self) -> Result<NalSocket, Errno> {
        Ok(NalSocket::default())
    }

    fn connect(&mut self, socket: &mut NalSocket, remote: SocketAddr) -> Result<(), Errno> {
        let fd = self.open(socket, family_of(&remote), SockType::Dgram)?;
        self.0.connect(fd, remote)
    }

    fn send(&mut self, socket: &mut NalSocket, buffer: &[u8]) -> nb::Result<(), Errno> {
        let fd = socket.fd.ok_or(nb::Error::Other(Errno::EDESTADDRREQ))?;
        self.0.send(fd, buffer).map(|_| ()).map_err(nb)
    }

    fn receive(
        &mut self,
        socket: &mut NalSocket,
        buffer: &mut [u8],
    ) -> nb::Result<(usize, SocketAddr), Errno> {
        let fd = socket.fd.ok_or(nb::Error::WouldBlock)?;
        self.0.recvfrom(fd, buffer).map_err(nb)
    }

    fn close(&mut self, socket: NalSocket) -> Result<(), Errno> {
        match socket.fd {
            Some(fd) => self.0.close(fd),
            None => Ok(()),
        }
    }
}

#[cfg(CONFIG_NET_UDP)]
impl embedded_nal::UdpFullStack for NalStack<'_> {
    fn bind(&mut self, socket: &mut NalSocket, local_port: u16) -> Result<(), Errno> {
        let fd = self.open(socket, bind_family(), SockType::Dgram)?;
        self.0.bind(fd, Self::any(bind_family(), local_port))
    }

    fn send_to(
        &mut self,
        socket: &mut NalSocket,
        remote: SocketAddr,
        buffer: &[u8],
    ) -> nb::Result<(), Errno> {
        let fd = self.open(socket, family_of(&remote), SockType::Dgram)?;
        self.0
            .sendto(fd, buffer, Some(remote))
            .map(|_| ())
            .map_err(nb)
    }
}

impl embedded_io::Error for Errno {
    fn kind(&self) -> embedded_io::ErrorKind {
        use embedded_io::ErrorKind;
        match self {
            Errno::ECONNRESET => ErrorKind::ConnectionReset,
            Errno::ECONNREFUSED => ErrorKind::ConnectionRefused,
            Errno::ENOTCONN => ErrorKind::NotConnected,
            Errno::EPIPE => ErrorKind::BrokenPipe,
            Errno::ETIMEDOUT => ErrorKind::TimedOut,
            Errno::EADDRINUSE => ErrorKind::AddrInUse,
            Errno::EADDRNOTAVAIL => ErrorKind::AddrNotAvailable,
            Errno::EINVAL => ErrorKind::InvalidInput,
            Errno::ENOMEM | Errno::ENOBUFS | Errno::ENFILE => ErrorKind::OutOfMemory,
            Errno::EOPNOTSUPP | Errno::EPROTONOSUPPORT | Errno::EAFNOSUPPORT => {
                ErrorKind::Unsupported
            }
            _ => ErrorKind::Other,
        }
    }
}

/// A connected TCP socket as an `embedded-io` byte stream.
pub struct TcpStream<'a> {
    stack: &'a Stack,
    fd: Fd,
}

impl<'a> TcpStream<'a> {
    /// The stream over connected socket `fd` (which stays open until [`Self::close`]).
    pub fn new(stack: &'a Stack, fd: Fd) -> TcpStream<'a> {
        TcpStream { stack, fd }
    }

    /// The socket.
    pub fn fd(&self) -> Fd {
        self.fd
    }

    /// Closes the socket.
    pub fn close(self) -> Result<(), Errno> {
        self.stack.close(self.fd)
    }

    /// Runs `op` until it does not return `EAGAIN`, polling the stack in between when
    /// nothing else does (without `std`).
    fn until_ready<R>(
        &mut self,
        mut op: impl FnMut(&Stack, Fd) -> Result<R, Errno>,
    ) -> Result<R, Errno> {
        loop {
            match op(self.stack, self.fd) {
                Err(Errno::EAGAIN) => {
                    #[cfg(not(feature = "std"))]
                    {
                        self.stack.poll();
                        self.stack.run_timers();
                    }
                    #[cfg(feature = "std")]
                    std::thread::yield_now();
                }
                other => return other,
            }
        }
    }
}

impl embedded_io::ErrorType for TcpStream<'_> {
    type Error = Errno;
}

impl embedded_io::Read for TcpStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Errno> {
        self.until_ready(|s, fd| s.recv(fd, buf))
    }
}

impl embedded_io::Write for TcpStream<'_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Errno> {
        self.until_ready(|s, fd| s.send(fd, buf))
    }

    fn flush(&mut self) -> Result<(), Errno> {
        Ok(())
    }
}
