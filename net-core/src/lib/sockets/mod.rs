//! The BSD-like socket API (Zephyr's `zsock_*` over `net_context`), for UDP and raw
//! packets now, shaped to carry TCP (stream sockets, `listen`/`accept`) later.
//!
//! Sockets live in a table of `NET_MAX_CONTEXTS` entries. Received datagrams wait in the
//! socket's queue as packets of the RX pool, so a socket nobody reads eventually exhausts
//! the pool: further datagrams are dropped and counted, and everything returns to the pool
//! when the socket is read or closed.
//!
//! Blocking: on `std`, `recv*` and `poll` wait (up to `SO_RCVTIMEO` or the poll timeout);
//! without `std` they return [`Errno::EAGAIN`] and the application calls [`Stack::poll`] and
//! retries, or uses `poll` with a zero timeout for readiness.

use core::cell::{Cell, RefCell};
use core::net::{IpAddr, SocketAddr};
#[cfg(feature = "std")]
use core::sync::atomic::{AtomicBool, Ordering};

use critical_section::Mutex;
use heapless::Deque;

use crate::buf::{NetPkt, PktId};
use crate::ip::net_core::Stack;
use crate::slot::Slot;

/// Errors, numbered as POSIX errno values (Linux/Zephyr numbering).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Errno {
    /// Operation not permitted.
    EPERM = 1,
    /// Interrupted.
    EINTR = 4,
    /// Bad socket descriptor.
    EBADF = 9,
    /// Try again: nothing to read yet, or no buffer free now.
    EAGAIN = 11,
    /// Out of memory (the socket table is full).
    ENOMEM = 12,
    /// Invalid argument.
    EINVAL = 22,
    /// Too many open sockets.
    ENFILE = 23,
    /// Message too long for the interface MTU.
    EMSGSIZE = 90,
    /// Protocol not supported (or not configured).
    EPROTONOSUPPORT = 93,
    /// Operation not supported on this socket.
    EOPNOTSUPP = 95,
    /// Address family not supported (or not configured).
    EAFNOSUPPORT = 97,
    /// Address already in use.
    EADDRINUSE = 98,
    /// Address not available on this host.
    EADDRNOTAVAIL = 99,
    /// The interface is down.
    ENETDOWN = 100,
    /// No route to the network.
    ENETUNREACH = 101,
    /// No buffer space (the TX pool or a queue is full).
    ENOBUFS = 105,
    /// Already connected.
    EISCONN = 106,
    /// Not connected.
    ENOTCONN = 107,
    /// Timed out.
    ETIMEDOUT = 110,
    /// Connection refused.
    ECONNREFUSED = 111,
    /// No route to the host.
    EHOSTUNREACH = 113,
    /// Destination address required.
    EDESTADDRREQ = 89,
    /// Broken pipe: the connection's sending side is closed.
    EPIPE = 32,
    /// Protocol option not available in this configuration.
    ENOPROTOOPT = 92,
    /// The connection was reset by the peer.
    ECONNRESET = 104,
    /// A connection attempt is already in progress.
    EALREADY = 114,
    /// The connection attempt started and continues in the background (non-blocking
    /// `connect`).
    EINPROGRESS = 115,
}

impl Errno {
    /// The errno number.
    pub const fn code(self) -> i32 {
        self as i32
    }
}

/// The limits of the BSD socket layer. The socket table is also the stack's connection
/// layer (Zephyr's `net_context`) and is built without `NET_SOCKETS`; these then take
/// Zephyr's defaults, since their Kconfig options depend on `NET_SOCKETS`.
pub mod limits {
    /// `NET_SOCKETS_POLL_MAX`: the most entries one `poll()` takes.
    #[cfg(CONFIG_NET_SOCKETS)]
    pub const POLL_MAX: usize = crate::config::CONFIG_NET_SOCKETS_POLL_MAX;
    /// `NET_SOCKETS_POLL_MAX`: the most entries one `poll()` takes.
    #[cfg(not(CONFIG_NET_SOCKETS))]
    pub const POLL_MAX: usize = 3;
    /// `NET_SOCKETS_CONNECT_TIMEOUT`: how long a blocking `connect()` waits, in ms
    /// (0: no limit).
    #[cfg(all(CONFIG_NET_TCP, CONFIG_NET_SOCKETS))]
    pub const CONNECT_TIMEOUT_MS: usize = crate::config::CONFIG_NET_SOCKETS_CONNECT_TIMEOUT;
    /// `NET_SOCKETS_CONNECT_TIMEOUT`: how long a blocking `connect()` waits, in ms
    /// (0: no limit).
    #[cfg(all(CONFIG_NET_TCP, not(CONFIG_NET_SOCKETS)))]
    pub const CONNECT_TIMEOUT_MS: usize = 3000;
    /// `NET_SOCKET_MAX_SEND_WAIT`: how long a blocking send waits for buffers or
    /// window, in ms.
    #[cfg(CONFIG_NET_SOCKETS)]
    pub const MAX_SEND_WAIT_MS: usize = crate::config::CONFIG_NET_SOCKET_MAX_SEND_WAIT;
    /// `NET_SOCKET_MAX_SEND_WAIT`: how long a blocking send waits for buffers or
    /// window, in ms.
    #[cfg(not(CONFIG_NET_SOCKETS))]
    pub const MAX_SEND_WAIT_MS: usize = 10000;
}

/// The two limits of a blocking send: `SO_SNDTIMEO` (if set) and
/// `NET_SOCKET_MAX_SEND_WAIT`, both counted from the start of the call. (Datagram sends
/// wait only on `std`; without it and TCP nothing waits.)
#[cfg(any(feature = "std", CONFIG_NET_TCP))]
pub(crate) struct SendWaits {
    #[cfg(feature = "std")]
    start: std::time::Instant,
    sndtimeo_ms: Option<u32>,
}

#[cfg(any(feature = "std", CONFIG_NET_TCP))]
impl SendWaits {
    /// The limits of a send that starts now, with `SO_SNDTIMEO` `sndtimeo_ms`.
    pub(crate) fn start(sndtimeo_ms: Option<u32>) -> SendWaits {
        SendWaits {
            #[cfg(feature = "std")]
            start: std::time::Instant::now(),
            sndtimeo_ms,
        }
    }

    /// `NET_SOCKET_MAX_SEND_WAIT`, in ms.
    const MAX_MS: u32 = if limits::MAX_SEND_WAIT_MS > u32::MAX as usize {
        u32::MAX
    } else {
        limits::MAX_SEND_WAIT_MS as u32
    };

    /// The longest wait allowed: `NET_SOCKET_MAX_SEND_WAIT`, or `SO_SNDTIMEO` if shorter.
    fn total_ms(&self) -> u32 {
        self.sndtimeo_ms
            .map_or(Self::MAX_MS, |t| t.min(Self::MAX_MS))
    }

    /// How long the send may still wait, in ms.
    pub(crate) fn left(&self) -> Option<u32> {
        #[cfg(feature = "std")]
        let spent = u32::try_from(self.start.elapsed().as_millis()).unwrap_or(u32::MAX);
        #[cfg(not(feature = "std"))]
        let spent = 0;
        Some(self.total_ms().saturating_sub(spent))
    }

    /// The error of a send whose wait ended: `EAGAIN` when `SO_SNDTIMEO` ended it,
    /// `ENOBUFS` when `NET_SOCKET_MAX_SEND_WAIT` did (on `std`; without it nothing
    /// waits and the answer is `EAGAIN`).
    pub(crate) fn expired(&self) -> Errno {
        if cfg!(feature = "std") && self.sndtimeo_ms.is_none_or(|t| t > Self::MAX_MS) {
            Errno::ENOBUFS
        } else {
            Errno::EAGAIN
        }
    }
}

/// A socket descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fd(pub u8);

/// Address family (`AF_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrFamily {
    /// IPv4.
    Inet,
    /// IPv6.
    Inet6,
}

/// Socket type (`SOCK_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockType {
    /// Datagrams (UDP).
    Dgram,
    /// Byte stream (TCP).
    Stream,
    /// Raw IP packets of one protocol.
    Raw,
}

/// Socket options (`setsockopt`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockOpt {
    /// `SO_PRIORITY`: 802.1Q priority 0..=7 of packets sent (selects the TX traffic class).
    /// Larger values fail with `EINVAL`, unless `NET_ALLOW_ANY_PRIORITY` is set: then
    /// they are kept and sent as best effort, as in Zephyr.
    Priority(u8),
    /// `SO_RCVTIMEO`: how long a receive waits, in milliseconds (`None`: forever).
    RcvTimeo(Option<u32>),
    /// `SO_REUSEADDR`: allow binding a port another socket has.
    ReuseAddr(bool),
    /// `O_NONBLOCK`: receive returns `EAGAIN` instead of waiting.
    NonBlocking(bool),
    /// `SO_SNDTIMEO`: how long a TCP send waits for buffer space, in milliseconds
    /// (`None`: forever).
    SndTimeo(Option<u32>),
    /// `TCP_NODELAY`: send small segments at once instead of coalescing them (Nagle off).
    NoDelay(bool),
    /// `SO_KEEPALIVE`: probe an idle TCP connection (`NET_TCP_KEEPALIVE`, with its
    /// `NET_TCP_KEEP*_DEFAULT` times); `ENOPROTOOPT` without that option.
    KeepAlive(bool),
    /// `SO_LINGER`: what [`Stack::close`] does with a TCP connection whose data is still
    /// on its way, as `struct linger { l_onoff, l_linger }` with `l_linger` in seconds.
    /// Stream sockets only (`ENOPROTOOPT` on others and without `NET_TCP`); an accepted
    /// socket inherits its listener's setting, as on Linux.
    ///
    /// - `None` (`l_onoff = 0`, the default): `close` returns at once and the connection
    ///   closes gracefully in the background (queued data, then FIN, then TIME-WAIT).
    /// - `Some(0)`: `close` aborts: the unsent and unacknowledged data is discarded, a RST
    ///   goes to the peer (whose `recv` then fails with `ECONNRESET`) and the connection
    ///   is freed at once, without TIME-WAIT.
    /// - `Some(n)`: on `std`, a blocking socket's `close` starts the graceful close and
    ///   waits until the peer has acknowledged all the data and the FIN (the connection
    ///   is in FIN-WAIT-2, TIME-WAIT or closed) or `n` seconds have passed. Either way
    ///   `close` returns `Ok(())` and the socket is gone, as on Linux: after a timeout the
    ///   connection goes on closing gracefully in the background, nothing is discarded.
    ///   A non-blocking socket (`NonBlocking(true)`), and every socket without `std`
    ///   (where nothing blocks), closes as with `None`, as BSD does for non-blocking
    ///   sockets. Values above 65535 s are taken as 65535 s.
    ///
    /// `close` never reports whether the data arrived. To know that the peer has read
    /// everything, `shutdown(Write)` and wait for `recv` to return 0.
    Linger(Option<u32>),
}

/// Which directions `shutdown` closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// `SHUT_RD`: no more receiving (`recv` returns end of stream).
    Read,
    /// `SHUT_WR`: no more sending (a FIN follows the queued data).
    Write,
    /// `SHUT_RDWR`: both.
    Both,
}

/// One `poll` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollFd {
    /// The socket.
    pub fd: Fd,
    /// Requested events ([`POLLIN`], [`POLLOUT`]).
    pub events: u16,
    /// Events that are ready.
    pub revents: u16,
}

/// Data can be read.
pub const POLLIN: u16 = 0x0001;
/// Data can be written.
pub const POLLOUT: u16 = 0x0004;
/// An error is pending on the socket (a reset or timed-out connection).
pub const POLLERR: u16 = 0x0008;
/// The connection is closed (both directions).
pub const POLLHUP: u16 = 0x0010;
/// The descriptor is not open.
pub const POLLNVAL: u16 = 0x0020;

/// Received datagrams a socket can hold: never more than there are RX packets.
pub const RX_QUEUE_LEN: usize = crate::config::CONFIG_NET_PKT_RX_COUNT;

/// Bytes of the sender record put in front of a queued datagram (in the headroom the
/// pulled IP and UDP headers left): family, port and address.
pub const SENDER_RECORD_LEN: usize = 20;

fn encode_sender(from: &SocketAddr) -> [u8; SENDER_RECORD_LEN] {
    let mut r = [0u8; SENDER_RECORD_LEN];
    r[2..4].copy_from_slice(&from.port().to_be_bytes());
    match from.ip() {
        IpAddr::V4(a) => {
            r[0] = 4;
            r[4..8].copy_from_slice(&a.octets());
        }
        IpAddr::V6(a) => {
            r[0] = 6;
            r[4..20].copy_from_slice(&a.octets());
        }
    }
    r
}

fn decode_sender(r: &[u8; SENDER_RECORD_LEN]) -> SocketAddr {
    let port = u16::from_be_bytes([r[2], r[3]]);
    if r[0] == 4 {
        SocketAddr::new(
            IpAddr::V4(core::net::Ipv4Addr::new(r[4], r[5], r[6], r[7])),
            port,
        )
    } else {
        let mut a = [0u8; 16];
        a.copy_from_slice(&r[4..20]);
        SocketAddr::new(IpAddr::V6(core::net::Ipv6Addr::from(a)), port)
    }
}

/// Puts the sender record in front of a datagram's payload.
fn push_sender(pkt: &mut NetPkt<'_>, from: &SocketAddr) -> bool {
    match pkt.push_header(SENDER_RECORD_LEN) {
        Ok(h) => {
            h.copy_from_slice(&encode_sender(from));
            true
        }
        Err(_) => false,
    }
}

/// The first port handed out automatically (IANA dynamic range).
pub const EPHEMERAL_FIRST: u16 = 49152;

pub(crate) struct Conn {
    pub(crate) family: AddrFamily,
    pub(crate) ty: SockType,
    /// IP protocol number of a raw socket (0 for datagram sockets).
    #[cfg_attr(not(CONFIG_NET_SOCKETS_INET_RAW), allow(dead_code))]
    pub(crate) proto: u8,
    pub(crate) local: Option<SocketAddr>,
    pub(crate) remote: Option<SocketAddr>,
    /// Received datagrams; each packet starts with its [`SENDER_RECORD_LEN`]-byte sender
    /// record, so the queue itself holds only 2-byte packet ids.
    pub(crate) rxq: Deque<PktId, RX_QUEUE_LEN>,
    pub(crate) priority: u8,
    pub(crate) rcvtimeo_ms: Option<u32>,
    pub(crate) reuseaddr: bool,
    pub(crate) nonblocking: bool,
    /// Listen backlog of a listening TCP socket (0: not listening).
    #[cfg_attr(not(CONFIG_NET_TCP), allow(dead_code))]
    pub(crate) backlog: u8,
    pub(crate) sndtimeo_ms: Option<u32>,
    pub(crate) nodelay: bool,
    pub(crate) keepalive: bool,
    /// `SO_LINGER` in seconds (`None`: off), see [`SockOpt::Linger`].
    #[cfg(CONFIG_NET_TCP)]
    pub(crate) linger: Option<u16>,
    /// `shutdown(SHUT_RD)` was called.
    #[cfg_attr(not(CONFIG_NET_TCP), allow(dead_code))]
    pub(crate) shut_rd: bool,
}

impl Conn {
    /// A new socket's state.
    pub(crate) fn new(family: AddrFamily, ty: SockType, proto: u8) -> Conn {
        Conn {
            family,
            ty,
            proto,
            local: None,
            remote: None,
            rxq: Deque::new(),
            priority: crate::config::CONFIG_NET_TX_DEFAULT_PRIORITY as u8,
            rcvtimeo_ms: None,
            reuseaddr: false,
            nonblocking: false,
            backlog: 0,
            sndtimeo_ms: None,
            nodelay: false,
            keepalive: false,
            #[cfg(CONFIG_NET_TCP)]
            linger: None,
            shut_rd: false,
        }
    }
}

/// The socket table.
pub struct ConnTable {
    conns: Mutex<RefCell<[Slot<Conn>; crate::config::CONFIG_NET_MAX_CONTEXTS]>>,
    /// Per slot: set only while the slot holds a non-blocking datagram or raw socket with
    /// nothing queued, so that `recvfrom` answers such a socket's `EAGAIN` (a polling
    /// loop's usual call) without a critical section. Written inside the table's
    /// critical section: set by `recvfrom` when it finds the queue empty, cleared when a
    /// datagram is queued, the socket is made blocking, or it is closed. Host builds
    /// only: there a critical section is a locked instruction; on bare metal it costs a
    /// few cycles, and the flag's upkeep cost about 200 bytes of flash.
    #[cfg(feature = "std")]
    rx_idle: [AtomicBool; crate::config::CONFIG_NET_MAX_CONTEXTS],
    /// The next ephemeral port to try, as an offset from [`EPHEMERAL_FIRST`] (so that a
    /// new table is all zero bytes).
    next_port: Mutex<Cell<u16>>,
}

impl Default for ConnTable {
    fn default() -> Self {
        Self::new()
    }
}

impl ConnTable {
    /// An empty table (usable in `static`s).
    pub const fn new() -> ConnTable {
        ConnTable {
            conns: Mutex::new(RefCell::new(
                [const { Slot::Free }; crate::config::CONFIG_NET_MAX_CONTEXTS],
            )),
            #[cfg(feature = "std")]
            rx_idle: [const { AtomicBool::new(false) }; crate::config::CONFIG_NET_MAX_CONTEXTS],
            next_port: Mutex::new(Cell::new(0)),
        }
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut [Slot<Conn>]) -> R) -> R {
        critical_section::with(|cs| f(&mut *self.conns.borrow_ref_mut(cs)))
    }

    /// Records whether socket `index` (`conn`) is idle, see `rx_idle`. Call inside
    /// [`Self::with`].
    #[inline]
    fn note_idle(&self, index: usize, conn: Option<&Conn>) {
        #[cfg(feature = "std")]
        if let Some(flag) = self.rx_idle.get(index) {
            let idle =
                conn.is_some_and(|c| c.nonblocking && c.ty != SockType::Stream && c.rxq.is_empty());
            flag.store(idle, Ordering::Relaxed);
        }
        #[cfg(not(feature = "std"))]
        let _ = (index, conn);
    }

    /// Whether socket `fd` is idle (a non-blocking datagram socket with nothing queued),
    /// read without a critical section: a datagram queued by another context at this
    /// instant may not be seen yet, as if the call had come a moment earlier.
    #[inline]
    fn is_idle(&self, fd: Fd) -> bool {
        #[cfg(feature = "std")]
        return self
            .rx_idle
            .get(usize::from(fd.0))
            .is_some_and(|f| f.load(Ordering::Relaxed));
        #[cfg(not(feature = "std"))]
        {
            let _ = fd;
            false
        }
    }

    fn ephemeral_port(&self, taken: impl Fn(u16) -> bool) -> Option<u16> {
        critical_section::with(|cs| {
            let next = self.next_port.borrow(cs);
            for _ in 0..(u16::MAX - EPHEMERAL_FIRST) {
                let offset = next.get();
                let p = EPHEMERAL_FIRST.wrapping_add(offset);
                next.set(if p == u16::MAX { 0 } else { offset + 1 });
                if !taken(p) {
                    return Some(p);
                }
            }
            None
        })
    }
}

/// Wakes every socket waiter (after a TCP connection reported an event).
#[cfg(CONFIG_NET_TCP)]
pub(crate) fn wake_all() {
    #[cfg(feature = "std")]
    waiters::notify();
}

#[cfg(CONFIG_NET_TCP)]
mod stream;

pub mod nal;

/// Without `NET_TCP` the stream calls exist and fail, so that applications compile in
/// every configuration.
#[cfg(not(CONFIG_NET_TCP))]
impl Stack {
    /// `listen()`: `EOPNOTSUPP` (no `NET_TCP`).
    pub fn listen(&self, _fd: Fd, _backlog: usize) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    /// `accept()`: `EOPNOTSUPP` (no `NET_TCP`).
    pub fn accept(&self, _fd: Fd) -> Result<(Fd, SocketAddr), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    /// `shutdown()`: `EOPNOTSUPP` (no `NET_TCP`).
    pub fn shutdown(&self, _fd: Fd, _how: Shutdown) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    /// TCP connections in the table: none (no `NET_TCP`).
    pub fn tcp_connections(&self) -> usize {
        0
    }
}

/// Wakes `std` waiters when a socket gets data (no lock or system call when nobody waits).
#[cfg(feature = "std")]
mod waiters {
    use crate::notify::{Notify, Waiter};

    static CHANGED: Notify = Notify::new();

    /// Registers a blocked caller, before its last look at its sockets.
    pub(crate) fn register() -> Waiter<'static> {
        CHANGED.register()
    }

    /// Wakes every registered caller: a socket's state changed (inside a critical
    /// section, as `crate::notify` requires).
    pub(crate) fn notify() {
        CHANGED.notify();
    }
}

/// The socket a datagram to `dst` from `src` goes to: among the datagram sockets bound
/// to `dst`'s port and address (or the wildcard), the most specific one (connected to
/// `src`, then bound to the address). The port is compared first: it rules out nearly
/// every other socket for the cost of one comparison, and this runs for every datagram.
fn datagram_target(table: &[Slot<Conn>], dst: SocketAddr, src: SocketAddr) -> Option<usize> {
    let (port, family) = (dst.port(), family_of(&dst));
    let mut best: Option<(usize, u8)> = None;
    for (i, c) in table.iter().enumerate() {
        let Some(c) = c.as_ref() else { continue };
        let Some(local) = c.local else { continue };
        if local.port() != port || c.ty != SockType::Dgram || c.family != family {
            continue;
        }
        let bound = !local.ip().is_unspecified();
        if bound && local.ip() != dst.ip() {
            continue;
        }
        if c.remote.is_some_and(|r| r != src) {
            continue;
        }
        // Later sockets win ties, as `max_by_key` would have it.
        let score = (u8::from(c.remote.is_some()) << 1) | u8::from(bound);
        if best.is_none_or(|(_, b)| score >= b) {
            best = Some((i, score));
        }
    }
    best.map(|(i, _)| i)
}

fn family_of(addr: &SocketAddr) -> AddrFamily {
    match addr {
        SocketAddr::V4(_) => AddrFamily::Inet,
        SocketAddr::V6(_) => AddrFamily::Inet6,
    }
}

fn unspecified(family: AddrFamily, port: u16) -> SocketAddr {
    match family {
        AddrFamily::Inet => SocketAddr::new(IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED), port),
        AddrFamily::Inet6 => SocketAddr::new(IpAddr::V6(core::net::Ipv6Addr::UNSPECIFIED), port),
    }
}

impl Stack {
    fn conn<R>(&self, fd: Fd, f: impl FnOnce(&mut Conn) -> Result<R, Errno>) -> Result<R, Errno> {
        self.conns.with(
            |t| match t.get_mut(usize::from(fd.0)).and_then(Slot::as_mut) {
                Some(c) => f(c),
                None => Err(Errno::EBADF),
            },
        )
    }

    /// `socket()`: a new socket. `EAFNOSUPPORT`/`EPROTONOSUPPORT` when the family or
    /// protocol is not configured; `ENFILE` when all `NET_MAX_CONTEXTS` are in use.
    pub fn socket(&self, family: AddrFamily, ty: SockType) -> Result<Fd, Errno> {
        self.socket_proto(family, ty, 0)
    }

    /// `socket()` with a protocol: raw sockets (`SockType::Raw`, with
    /// `NET_SOCKETS_INET_RAW`) take an IP protocol number and receive a copy of every
    /// message of it, ICMP (1) and ICMPv6 (58) here (so an application can send and
    /// receive echo requests, as `ping` does).
    pub fn socket_proto(&self, family: AddrFamily, ty: SockType, proto: u8) -> Result<Fd, Errno> {
        match family {
            AddrFamily::Inet if !crate::config::CONFIG_NET_IPV4 => return Err(Errno::EAFNOSUPPORT),
            AddrFamily::Inet6 if !crate::config::CONFIG_NET_IPV6 => {
                return Err(Errno::EAFNOSUPPORT);
            }
            _ => {}
        }
        match (ty, family, proto) {
            (SockType::Dgram, _, 0 | 17) if crate::config::CONFIG_NET_UDP => {}
            (SockType::Stream, _, 0 | 6) if crate::config::CONFIG_NET_TCP => {}
            (SockType::Raw, AddrFamily::Inet, 1) | (SockType::Raw, AddrFamily::Inet6, 58)
                if crate::config::CONFIG_NET_SOCKETS_INET_RAW => {}
            _ => return Err(Errno::EPROTONOSUPPORT),
        }
        let proto = if ty == SockType::Raw { proto } else { 0 };
        self.conns.with(|t| {
            let (i, slot) = t
                .iter_mut()
                .enumerate()
                .find(|(_, s)| s.is_free())
                .ok_or(Errno::ENFILE)?;
            *slot = Slot::Used(Conn::new(family, ty, proto));
            Ok(Fd(i as u8))
        })
    }

    /// `bind()`: port 0 picks a free ephemeral port. The address must be unspecified or one
    /// of ours.
    pub fn bind(&self, fd: Fd, addr: SocketAddr) -> Result<(), Errno> {
        if !self.is_local_or_any(addr.ip()) {
            return Err(Errno::EADDRNOTAVAIL);
        }
        let port = if addr.port() == 0 {
            self.free_port()?
        } else {
            addr.port()
        };
        self.conns.with(|t| {
            let idx = usize::from(fd.0);
            let me = t.get(idx).and_then(Slot::as_ref).ok_or(Errno::EBADF)?;
            if family_of(&addr) != me.family {
                return Err(Errno::EAFNOSUPPORT);
            }
            let (reuse, ty) = (me.reuseaddr, me.ty);
            let clash = t.iter().enumerate().any(|(j, c)| {
                j != idx
                    && c.as_ref().is_some_and(|c| {
                        // UDP and TCP have separate port spaces; an accepted TCP
                        // connection shares its listener's port.
                        c.ty == ty
                            && !(ty == SockType::Stream && c.remote.is_some())
                            && c.local.is_some_and(|l| {
                                l.port() == port
                                    && family_of(&l) == family_of(&addr)
                                    && (l.ip() == addr.ip()
                                        || l.ip().is_unspecified()
                                        || addr.ip().is_unspecified())
                                    && !(reuse && c.reuseaddr)
                            })
                    })
            });
            if clash {
                return Err(Errno::EADDRINUSE);
            }
            let me = t.get_mut(idx).and_then(Slot::as_mut).ok_or(Errno::EBADF)?;
            me.local = Some(SocketAddr::new(addr.ip(), port));
            Ok(())
        })
    }

    fn free_port(&self) -> Result<u16, Errno> {
        self.conns
            .ephemeral_port(|p| {
                self.conns.with(|t| {
                    t.iter()
                        .flatten()
                        .any(|c| c.local.is_some_and(|l| l.port() == p))
                })
            })
            .ok_or(Errno::EADDRINUSE)
    }

    fn is_local_or_any(&self, ip: IpAddr) -> bool {
        if ip.is_unspecified() {
            return true;
        }
        self.ifaces().iter().any(|i| {
            i.with(|s| match ip {
                #[cfg(CONFIG_NET_IPV4)]
                IpAddr::V4(a) => s.ipv4.as_ref().is_some_and(|v| v.is_mine(a)),
                #[cfg(CONFIG_NET_IPV6)]
                IpAddr::V6(a) => s.ipv6.as_ref().is_some_and(|v| v.has_addr(a)),
                #[allow(unreachable_patterns)]
                _ => {
                    let _ = s;
                    false
                }
            })
        })
    }

    fn ensure_bound(&self, fd: Fd) -> Result<SocketAddr, Errno> {
        let (local, family) = self.conn(fd, |c| Ok((c.local, c.family)))?;
        if let Some(l) = local {
            return Ok(l);
        }
        self.bind(fd, unspecified(family, 0))?;
        self.conn(fd, |c| c.local.ok_or(Errno::EINVAL))
    }

    /// `connect()`: for UDP, fixes the peer (`send` goes there, only its datagrams arrive);
    /// for TCP, opens the connection (waiting for the handshake unless non-blocking, which
    /// returns `EINPROGRESS`).
    pub fn connect(&self, fd: Fd, peer: SocketAddr) -> Result<(), Errno> {
        let ty = self.conn(fd, |c| {
            if family_of(&peer) == c.family {
                Ok(c.ty)
            } else {
                Err(Errno::EAFNOSUPPORT)
            }
        })?;
        #[cfg(CONFIG_NET_TCP)]
        if ty == SockType::Stream {
            return self.tcp_connect(fd, peer);
        }
        let _ = ty;
        self.ensure_bound(fd)?;
        self.conn(fd, |c| {
            c.remote = Some(peer);
            Ok(())
        })
    }

    /// `setsockopt()`.
    pub fn setsockopt(&self, fd: Fd, opt: SockOpt) -> Result<(), Errno> {
        self.conn(fd, |c| {
            match opt {
                // Values above 7 map to best effort (`tc::Priority::from_u8`).
                SockOpt::Priority(p) if p <= 7 || crate::config::CONFIG_NET_ALLOW_ANY_PRIORITY => {
                    c.priority = p
                }
                SockOpt::Priority(_) => return Err(Errno::EINVAL),
                SockOpt::RcvTimeo(t) => c.rcvtimeo_ms = t,
                SockOpt::ReuseAddr(r) => c.reuseaddr = r,
                SockOpt::NonBlocking(n) => {
                    c.nonblocking = n;
                    if !n {
                        self.conns.note_idle(usize::from(fd.0), None);
                    }
                }
                SockOpt::SndTimeo(t) => c.sndtimeo_ms = t,
                SockOpt::NoDelay(_) | SockOpt::KeepAlive(_) | SockOpt::Linger(_)
                    if c.ty != SockType::Stream =>
                {
                    return Err(Errno::ENOPROTOOPT);
                }
                SockOpt::NoDelay(n) => c.nodelay = n,
                SockOpt::KeepAlive(_) if !crate::config::CONFIG_NET_TCP_KEEPALIVE => {
                    return Err(Errno::ENOPROTOOPT);
                }
                SockOpt::KeepAlive(k) => c.keepalive = k,
                #[cfg(CONFIG_NET_TCP)]
                SockOpt::Linger(l) => {
                    c.linger = l.map(|secs| u16::try_from(secs).unwrap_or(u16::MAX));
                }
                // Without TCP there are no stream sockets: the guard above took it.
                #[cfg(not(CONFIG_NET_TCP))]
                SockOpt::Linger(_) => return Err(Errno::ENOPROTOOPT),
            }
            Ok(())
        })?;
        #[cfg(CONFIG_NET_TCP)]
        if matches!(opt, SockOpt::NoDelay(_) | SockOpt::KeepAlive(_)) {
            self.tcp_apply_options(fd);
        }
        Ok(())
    }

    /// The peer of a connected socket (`getpeername`).
    pub fn getpeername(&self, fd: Fd) -> Result<SocketAddr, Errno> {
        self.conn(fd, |c| c.remote.ok_or(Errno::ENOTCONN))
    }

    /// The local address a socket is bound to.
    pub fn getsockname(&self, fd: Fd) -> Result<SocketAddr, Errno> {
        self.conn(fd, |c| c.local.ok_or(Errno::EINVAL))
    }

    /// `sendto()`: one datagram to `to` (or to the connected peer when `None`).
    pub fn sendto(&self, fd: Fd, data: &[u8], to: Option<SocketAddr>) -> Result<usize, Errno> {
        // A bound datagram socket whose datagram passes every check below gets its packet
        // in the same critical section as the socket lookup (the pool's nests in it).
        let (local, remote, family, prio, ty, early, blocking) = self.conn(fd, |c| {
            let fits = c.ty == SockType::Dgram
                && c.local.is_some()
                && to.or(c.remote).is_some_and(|d| family_of(&d) == c.family)
                && data.len() <= usize::from(u16::MAX) - 8;
            let early = fits.then(|| self.alloc_tx(data.len()));
            let blocking = (!c.nonblocking).then_some(c.sndtimeo_ms);
            Ok((
                c.local, c.remote, c.family, c.priority, c.ty, early, blocking,
            ))
        })?;
        #[cfg(CONFIG_NET_SOCKETS_INET_RAW)]
        if ty == SockType::Raw {
            return self.send_raw(fd, data, to.or(remote), prio);
        }
        #[cfg(CONFIG_NET_TCP)]
        if ty == SockType::Stream {
            return self.tcp_send(fd, data);
        }
        let local = match local {
            Some(l) => l,
            None => self.ensure_bound(fd)?,
        };
        let dst = to.or(remote).ok_or(Errno::EDESTADDRREQ)?;
        if family_of(&dst) != family {
            return Err(Errno::EAFNOSUPPORT);
        }
        if ty != SockType::Dgram {
            return Err(Errno::EOPNOTSUPP);
        }
        if data.len() > usize::from(u16::MAX) - 8 {
            return Err(Errno::EMSGSIZE);
        }
        let mut pkt = match early.unwrap_or_else(|| self.alloc_tx(data.len())) {
            Ok(pkt) => pkt,
            Err(_) => self.wait_for_tx_buffers(data.len(), blocking)?,
        };
        pkt.append(data).map_err(|_| Errno::ENOBUFS)?;
        pkt.meta_mut().priority = prio;
        #[cfg(CONFIG_NET_UDP)]
        {
            crate::ip::udp::output(self, local, dst, pkt)?;
            Ok(data.len())
        }
        #[cfg(not(CONFIG_NET_UDP))]
        {
            let _ = (local, pkt);
            Err(Errno::EPROTONOSUPPORT)
        }
    }

    /// A datagram send that found the TX pool empty: a blocking socket (`blocking` holds
    /// its `SO_SNDTIMEO`) waits for packets to be freed, as Zephyr's does, until
    /// [`SendWaits`] ends the wait. Otherwise, without `std`, and for a datagram larger
    /// than the whole pool, `ENOBUFS` at once.
    #[cold]
    fn wait_for_tx_buffers(
        &self,
        len: usize,
        blocking: Option<Option<u32>>,
    ) -> Result<NetPkt<'static>, Errno> {
        #[cfg(feature = "std")]
        if let Some(sndtimeo_ms) = blocking
            && self.tx_pool_can_hold(len)
        {
            let waits = SendWaits::start(sndtimeo_ms);
            let left = core::time::Duration::from_millis(u64::from(waits.left().unwrap_or(0)));
            return self
                .alloc_tx_waiting(len, left)
                .map_err(|_| waits.expired());
        }
        let _ = (len, blocking);
        Err(Errno::ENOBUFS)
    }

    /// `send()`: one datagram to the connected peer.
    pub fn send(&self, fd: Fd, data: &[u8]) -> Result<usize, Errno> {
        self.sendto(fd, data, None)
    }

    /// `recvfrom()`: the next datagram (truncated to `buf`, as UDP does) and its sender.
    pub fn recvfrom(&self, fd: Fd, buf: &mut [u8]) -> Result<(usize, SocketAddr), Errno> {
        if self.conns.is_idle(fd) {
            return Err(Errno::EAGAIN);
        }
        // The deadline starts when the queue is first found empty, so a datagram that is
        // already there costs one critical section and no clock read.
        #[cfg(feature = "std")]
        let mut deadline: Option<Option<std::time::Instant>> = None;
        #[cfg(feature = "std")]
        let mut waiter = None;
        loop {
            // Pop and take the packet back under one critical section (the slab's nests).
            let (next, timeout_ms, stream) = self.conn(fd, |c| {
                let timeout = if c.nonblocking {
                    Some(0)
                } else {
                    c.rcvtimeo_ms
                };
                let next = c.rxq.pop_front().map(|id| NetPkt::from_raw(self.pools, id));
                if next.is_none() {
                    self.conns.note_idle(usize::from(fd.0), Some(c));
                }
                Ok((next, timeout, c.ty == SockType::Stream))
            })?;
            #[cfg(CONFIG_NET_TCP)]
            if stream {
                return self.tcp_recv(fd, buf);
            }
            let _ = stream;
            if let Some(pkt) = next {
                if let Some(pkt) = pkt {
                    let mut record = [0u8; SENDER_RECORD_LEN];
                    pkt.copy_out(0, &mut record);
                    let n = pkt.copy_out(SENDER_RECORD_LEN, buf);
                    return Ok((n, decode_sender(&record)));
                }
                continue;
            }
            #[cfg(feature = "std")]
            {
                // Non-blocking (or a zero timeout): nothing to wait for, no clock to read.
                if timeout_ms == Some(0) {
                    return Err(Errno::EAGAIN);
                }
                let deadline = *deadline.get_or_insert_with(|| {
                    timeout_ms.map(|ms| {
                        std::time::Instant::now() + std::time::Duration::from_millis(u64::from(ms))
                    })
                });
                if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                    return Err(Errno::EAGAIN);
                }
                // Register, then look once more before sleeping (see `crate::notify`).
                crate::notify::register_or_wait(&mut waiter, waiters::register, deadline);
            }
            #[cfg(not(feature = "std"))]
            {
                let _ = timeout_ms;
                return Err(Errno::EAGAIN);
            }
        }
    }

    /// `recv()`: [`Stack::recvfrom`] without the sender.
    pub fn recv(&self, fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
        self.recvfrom(fd, buf).map(|(n, _)| n)
    }

    /// `close()`: frees the socket and every datagram still queued on it. A TCP
    /// connection closes gracefully in the background (or is reset when received data
    /// was left unread); a listening socket resets the connections it has not accepted.
    /// [`SockOpt::Linger`] changes this for a connection: `Some(0)` resets it at once,
    /// `Some(n)` waits (blocking sockets on `std`) up to `n` seconds for the peer to
    /// acknowledge the data and the FIN. The result is `Ok(())` in every case but a bad
    /// descriptor.
    pub fn close(&self, fd: Fd) -> Result<(), Errno> {
        #[cfg(CONFIG_NET_TCP)]
        if self.conn(fd, |c| Ok(c.ty))? == SockType::Stream {
            self.tcp_close(fd);
        }
        let conn = self
            .conns
            .with(|t| {
                self.conns.note_idle(usize::from(fd.0), None);
                t.get_mut(usize::from(fd.0)).and_then(Slot::take)
            })
            .ok_or(Errno::EBADF)?;
        for id in conn.rxq {
            drop(NetPkt::from_raw(self.pools, id));
        }
        Ok(())
    }

    /// `poll()`: readiness of each entry; waits up to `timeout_ms` (`None`: forever) on
    /// `std` for one to become ready; without `std` it only reports. Returns the number of
    /// ready entries, or `ENOMEM` for more than `NET_SOCKETS_POLL_MAX` entries (as
    /// Zephyr's `poll()` fails when its array of poll events is full).
    // Without std there is nothing to wait for, so the loop body runs once.
    #[cfg_attr(not(feature = "std"), allow(clippy::never_loop))]
    pub fn poll_fds(&self, fds: &mut [PollFd], timeout_ms: Option<u32>) -> Result<usize, Errno> {
        if fds.len() > limits::POLL_MAX {
            return Err(Errno::ENOMEM);
        }
        #[cfg(feature = "std")]
        let deadline = timeout_ms
            .map(|ms| std::time::Instant::now() + std::time::Duration::from_millis(u64::from(ms)));
        #[cfg(not(feature = "std"))]
        let _ = timeout_ms;
        #[cfg(feature = "std")]
        let mut waiter = None;
        loop {
            let mut ready = 0;
            for p in fds.iter_mut() {
                p.revents =
                    self.conns.with(
                        |t| match t.get(usize::from(p.fd.0)).and_then(Slot::as_ref) {
                            #[cfg(CONFIG_NET_TCP)]
                            Some(c) if c.ty == SockType::Stream => {
                                self.tcp_readiness(p.fd, c.backlog > 0)
                                    & (p.events | POLLERR | POLLHUP)
                            }
                            Some(c) => {
                                let mut r = 0;
                                if !c.rxq.is_empty() {
                                    r |= POLLIN;
                                }
                                if matches!(c.ty, SockType::Dgram | SockType::Raw) {
                                    r |= POLLOUT;
                                }
                                r & p.events
                            }
                            None => POLLNVAL,
                        },
                    );
                if p.revents != 0 {
                    ready += 1;
                }
            }
            if ready > 0 {
                return Ok(ready);
            }
            #[cfg(feature = "std")]
            {
                if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                    return Ok(0);
                }
                // Register, then look once more before sleeping (see `crate::notify`).
                crate::notify::register_or_wait(&mut waiter, waiters::register, deadline);
            }
            #[cfg(not(feature = "std"))]
            return Ok(0);
        }
    }

    /// A raw socket's message: `data` is the ICMP message, the IP header is added. For
    /// ICMPv6 the checksum is filled in (as Linux does for raw ICMPv6 sockets); for ICMPv4
    /// the application computes it.
    #[cfg(CONFIG_NET_SOCKETS_INET_RAW)]
    fn send_raw(
        &self,
        fd: Fd,
        data: &[u8],
        to: Option<SocketAddr>,
        prio: u8,
    ) -> Result<usize, Errno> {
        let (proto, local) = self.conn(fd, |c| Ok((c.proto, c.local)))?;
        let dst = to.ok_or(Errno::EDESTADDRREQ)?;
        if data.len() < 4 {
            return Err(Errno::EINVAL);
        }
        let mut pkt = self.alloc_tx(data.len()).map_err(|_| Errno::ENOBUFS)?;
        pkt.append(data).map_err(|_| Errno::ENOBUFS)?;
        pkt.meta_mut().priority = prio;
        let src_hint = local.map(|l| l.ip()).filter(|ip| !ip.is_unspecified());
        let proto_enum = crate::ip::checksum::IpProtocol::from(proto);
        match dst.ip() {
            #[cfg(CONFIG_NET_IPV4)]
            IpAddr::V4(d) => {
                let src = match src_hint {
                    Some(IpAddr::V4(s)) => Some(s),
                    _ => None,
                };
                crate::ip::ipv4::output(self, None, src, d, proto_enum, pkt)?;
            }
            #[cfg(CONFIG_NET_IPV6)]
            IpAddr::V6(d) => {
                let (iface, chosen) = crate::ip::ipv6::route(self, None, d)
                    .map(|r| (r.iface, r.src))
                    .ok_or(Errno::ENETUNREACH)?;
                let src = match src_hint {
                    Some(IpAddr::V6(s)) => s,
                    _ => chosen,
                };
                let len = pkt.len();
                let len32 = u32::try_from(len).map_err(|_| Errno::EMSGSIZE)?;
                pkt.write_at(2, &[0, 0]).map_err(|_| Errno::EINVAL)?;
                let pseudo = crate::ip::checksum::pseudo_header_v6(&src, &d, proto_enum, len32);
                let sum = !crate::ip::checksum::combine(&[
                    pseudo,
                    crate::ip::net_core::pkt_sum(&pkt, 0, len),
                ]);
                pkt.write_at(2, &sum.to_be_bytes())
                    .map_err(|_| Errno::EINVAL)?;
                crate::ip::ipv6::output(self, Some(iface), Some(src), d, proto_enum, pkt)?;
            }
            #[allow(unreachable_patterns)]
            _ => return Err(Errno::EAFNOSUPPORT),
        }
        Ok(data.len())
    }

    /// Gives every raw socket of `proto` in `family` a copy of a received message (the
    /// part of `pkt` after the IP header) from `src`. Copies come from the RX pool; a copy
    /// that does not fit is dropped, and the original goes on to the stack as usual.
    #[cfg(CONFIG_NET_SOCKETS_INET_RAW)]
    pub(crate) fn deliver_raw(&self, family: AddrFamily, proto: u8, src: IpAddr, pkt: &NetPkt<'_>) {
        let wanted = self.conns.with(|t| {
            t.iter()
                .flatten()
                .any(|c| c.ty == SockType::Raw && c.family == family && c.proto == proto)
        });
        if !wanted {
            return;
        }
        let n = self.conns.with(|t| t.len());
        for i in 0..n {
            let matches = self.conns.with(|t| {
                t.get(i).and_then(Slot::as_ref).is_some_and(|c| {
                    c.ty == SockType::Raw && c.family == family && c.proto == proto
                })
            });
            if !matches {
                continue;
            }
            let Ok(mut copy) = self.pools.alloc_rx(pkt.len(), SENDER_RECORD_LEN) else {
                return;
            };
            if copy.append_chunks(pkt.chunks()).is_err()
                || !push_sender(&mut copy, &SocketAddr::new(src, 0))
            {
                continue;
            }
            let id = copy.into_raw();
            let queued = self
                .conns
                .with(|t| match t.get_mut(i).and_then(Slot::as_mut) {
                    Some(c) => {
                        self.conns.note_idle(i, None);
                        c.rxq.push_back(id).is_ok()
                    }
                    None => false,
                });
            if queued {
                #[cfg(feature = "std")]
                waiters::notify();
            } else {
                drop(NetPkt::from_raw(self.pools, id));
            }
        }
    }

    /// Queues a received datagram on the socket that owns `(dst, dst_port)` for `src`.
    /// Returns the packet back when no socket wants it, or `Err(())` when the socket's
    /// queue is full (the packet is dropped).
    ///
    /// A queued datagram counts as received by UDP on `iface` inside the critical section
    /// that queues it, before the application can see it: read later, the count is never
    /// behind the application, whose reply another thread may otherwise send before this
    /// one counts the request.
    #[allow(unused_variables)]
    pub(crate) fn deliver_datagram(
        &self,
        iface: u8,
        dst: SocketAddr,
        src: SocketAddr,
        pkt: NetPkt<'static>,
    ) -> Result<Option<NetPkt<'static>>, ()> {
        // The sender record goes in front now when the headroom has room for it (no
        // allocation), so that finding the socket, parking the packet and queueing it take
        // one critical section. An unclaimed datagram gets the record pulled off again and
        // goes back untouched (ICMP quotes it).
        let mut pkt = pkt;
        let early = pkt.headroom() >= SENDER_RECORD_LEN && push_sender(&mut pkt, &src);
        enum Outcome {
            Queued,
            Full(PktId),
            NoRoom(NetPkt<'static>),
            Unclaimed(NetPkt<'static>),
        }
        let outcome = self.conns.with(|t| {
            let target = datagram_target(&t[..], dst, src);
            let Some(index) = target else {
                return Outcome::Unclaimed(pkt);
            };
            if !early && !push_sender(&mut pkt, &src) {
                return Outcome::NoRoom(pkt);
            }
            // The slab's critical section nests in this one.
            let id = pkt.into_raw();
            match t.get_mut(index).and_then(Slot::as_mut) {
                Some(c) => match c.rxq.push_back(id) {
                    Ok(()) => {
                        self.conns.note_idle(index, None);
                        #[cfg(CONFIG_NET_STATISTICS_UDP)]
                        crate::stat_inc!(self.stats_for(iface), udp.recv);
                        Outcome::Queued
                    }
                    Err(id) => Outcome::Full(id),
                },
                None => Outcome::Full(id),
            }
        });
        match outcome {
            Outcome::Queued => {
                #[cfg(feature = "std")]
                waiters::notify();
                Ok(None)
            }
            Outcome::Full(id) => {
                drop(NetPkt::from_raw(self.pools, id));
                Err(())
            }
            Outcome::NoRoom(pkt) => {
                drop(pkt);
                Err(())
            }
            Outcome::Unclaimed(mut pkt) => {
                if early {
                    let _ = pkt.pull_header(SENDER_RECORD_LEN);
                }
                Ok(Some(pkt))
            }
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::{AddrFamily, Errno, Fd, SockOpt, SockType};

    unit_test_stack!(NET);

    /// A family this configuration has.
    fn family() -> AddrFamily {
        if crate::config::CONFIG_NET_IPV4 {
            AddrFamily::Inet
        } else {
            AddrFamily::Inet6
        }
    }

    #[test]
    fn linger_is_a_stream_socket_option() {
        assert_eq!(
            NET.setsockopt(Fd(u8::MAX), SockOpt::Linger(Some(1))),
            Err(Errno::EBADF)
        );
        // Datagram and raw sockets have no connection to linger on: ENOPROTOOPT, as
        // the other TCP options.
        let raw_proto = match family() {
            AddrFamily::Inet => 1,
            AddrFamily::Inet6 => 58,
        };
        let mut others = Vec::new();
        if crate::config::CONFIG_NET_SOCKETS_INET_RAW {
            others.push((SockType::Raw, raw_proto));
        }
        if crate::config::CONFIG_NET_UDP {
            others.push((SockType::Dgram, 0));
        }
        for (ty, proto) in others {
            let fd = NET.socket_proto(family(), ty, proto).expect("socket");
            for opt in [None, Some(0), Some(5)] {
                assert_eq!(
                    NET.setsockopt(fd, SockOpt::Linger(opt)),
                    Err(Errno::ENOPROTOOPT),
                    "{ty:?}"
                );
            }
            assert_eq!(
                NET.setsockopt(fd, SockOpt::NoDelay(true)),
                Err(Errno::ENOPROTOOPT)
            );
            NET.close(fd).unwrap();
        }
        // Stream sockets take every value (large ones are clamped); without NET_TCP
        // there are none.
        let stream = NET.socket(family(), SockType::Stream);
        if crate::config::CONFIG_NET_TCP {
            let fd = stream.expect("stream socket");
            for opt in [Some(0), Some(1), Some(u32::MAX), None] {
                assert_eq!(NET.setsockopt(fd, SockOpt::Linger(opt)), Ok(()));
            }
            NET.close(fd).unwrap();
        } else {
            assert_eq!(stream, Err(Errno::EPROTONOSUPPORT));
        }
    }

    #[cfg(CONFIG_NET_TCP)]
    #[test]
    fn linger_seconds_are_clamped_to_u16() {
        let fd = NET.socket(family(), SockType::Stream).expect("socket");
        let stored = |opt| {
            NET.setsockopt(fd, SockOpt::Linger(opt)).unwrap();
            NET.conn(fd, |c| Ok(c.linger)).unwrap()
        };
        assert_eq!(stored(None), None);
        assert_eq!(stored(Some(0)), Some(0));
        assert_eq!(stored(Some(30)), Some(30));
        assert_eq!(stored(Some(70_000)), Some(u16::MAX));
        NET.close(fd).unwrap();
    }

    /// A datagram is counted as received when it reaches a socket's queue, before the
    /// application can read it (so a reply never overtakes the count), and one no socket
    /// takes is not counted as received.
    #[cfg(all(CONFIG_NET_UDP, CONFIG_NET_STATISTICS_UDP))]
    #[test]
    fn a_datagram_is_counted_before_the_application_sees_it() {
        use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
        let (host, unspecified): (IpAddr, IpAddr) = match family() {
            AddrFamily::Inet => (Ipv4Addr::LOCALHOST.into(), Ipv4Addr::UNSPECIFIED.into()),
            AddrFamily::Inet6 => (Ipv6Addr::LOCALHOST.into(), Ipv6Addr::UNSPECIFIED.into()),
        };
        let bound = SocketAddr::new(host, 4100);
        let src = SocketAddr::new(host, 4101);
        let datagram = || {
            let mut p = NET.alloc_tx(0).expect("packet");
            p.append(b"ping").expect("payload");
            p
        };
        let received = || NET.stats().udp.recv;
        let fd = NET.socket(family(), SockType::Dgram).expect("socket");
        NET.bind(fd, SocketAddr::new(unspecified, 4100)).unwrap();
        let before = received();

        let unclaimed = NET.deliver_datagram(0, SocketAddr::new(host, 4102), src, datagram());
        assert!(matches!(unclaimed, Ok(Some(_))));
        drop(unclaimed);
        assert_eq!(received(), before, "counted a datagram nobody took");

        let queued = NET.deliver_datagram(0, bound, src, datagram());
        assert!(matches!(queued, Ok(None)));
        assert_eq!(received(), before + 1, "queued but not yet counted");
        let mut buf = [0u8; 8];
        assert_eq!(NET.recvfrom(fd, &mut buf), Ok((4, src)));
        assert_eq!(&buf[..4], b"ping");
        NET.close(fd).unwrap();
    }
}
