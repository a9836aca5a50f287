//! Stream (TCP) sockets: `listen` with a backlog, `accept`, `connect`, `send`, `recv`,
//! `shutdown`, `close` and readiness, over the connection table of [`crate::ip::tcp`].
//!
//! A listening socket holds no control block. A SYN for its port takes a free slot of the
//! connection table, owned by the listener ([`Owner::Pending`]): that slot is the SYN
//! queue entry while the handshake runs and the accept-queue entry once it completed. At
//! most `backlog` (≤ `NET_TCP_BACKLOG_SIZE`) such slots exist per listener; further SYNs
//! are ignored (the peer retries), as are SYNs when the table is full. `accept` hands out
//! the oldest established one as a new socket.

use core::net::{IpAddr, SocketAddr};

use super::{
    AddrFamily, Errno, Fd, POLLERR, POLLHUP, POLLIN, POLLOUT, SendWaits, Shutdown, SockType,
};
use crate::ip::checksum::IpAddress;
use crate::ip::net_core::Stack;
use crate::ip::tcp::conn::{Endpoint, State, TcpError};
use crate::ip::tcp::io::{self, acceptable};
use crate::ip::tcp::table::{self, Owner, Slot};

/// The IP address of a socket address, as TCP's address type.
pub(crate) fn ip_address(ip: IpAddr) -> IpAddress {
    match ip {
        IpAddr::V4(a) => IpAddress::V4(a),
        IpAddr::V6(a) => IpAddress::V6(a),
    }
}

/// A TCP endpoint as a socket address.
pub(crate) fn socket_addr(ep: Endpoint) -> SocketAddr {
    match ep.addr {
        IpAddress::V4(a) => SocketAddr::new(IpAddr::V4(a), ep.port),
        IpAddress::V6(a) => SocketAddr::new(IpAddr::V6(a), ep.port),
    }
}

/// The errno of a failed connection.
fn errno_of(e: TcpError) -> Errno {
    match e {
        TcpError::Reset => Errno::ECONNRESET,
        TcpError::Refused => Errno::ECONNREFUSED,
        TcpError::TimedOut => Errno::ETIMEDOUT,
        TcpError::InvalidState => Errno::ENOTCONN,
    }
}

/// States in which the peer has sent its FIN (no more data will come).
fn peer_finished(state: State) -> bool {
    matches!(
        state,
        State::CloseWait | State::LastAck | State::Closing | State::TimeWait | State::Closed
    )
}

impl Stack {
    /// Runs `attempt` until it gives a result; in between waits (on `std`, up to
    /// `timeout_ms`) for a socket event, or returns `EAGAIN` when `nonblocking` (and
    /// always without `std`, where the application polls the stack itself).
    // Without std there is nothing to wait for, so the loop body runs once.
    #[cfg_attr(not(feature = "std"), allow(clippy::never_loop))]
    fn tcp_block<R>(
        &self,
        nonblocking: bool,
        timeout_ms: Option<u32>,
        mut attempt: impl FnMut() -> Result<Option<R>, Errno>,
    ) -> Result<R, Errno> {
        #[cfg(feature = "std")]
        let deadline = timeout_ms
            .map(|ms| std::time::Instant::now() + std::time::Duration::from_millis(u64::from(ms)));
        #[cfg(not(feature = "std"))]
        let _ = timeout_ms;
        #[cfg(feature = "std")]
        let mut waiter = None;
        loop {
            if let Some(r) = attempt()? {
                return Ok(r);
            }
            if nonblocking {
                return Err(Errno::EAGAIN);
            }
            #[cfg(feature = "std")]
            {
                if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                    return Err(Errno::EAGAIN);
                }
                // Wake now and then even without an event: the timers that end a
                // connection run on another thread.
                let step = std::time::Instant::now() + std::time::Duration::from_millis(50);
                // Register, then look once more before sleeping (see `crate::notify`).
                crate::notify::register_or_wait(
                    &mut waiter,
                    super::waiters::register,
                    Some(deadline.map_or(step, |d| d.min(step))),
                );
            }
            #[cfg(not(feature = "std"))]
            return Err(Errno::EAGAIN);
        }
    }

    /// The listening socket for a SYN to `local`, with its backlog.
    pub(crate) fn tcp_listener(&self, local: Endpoint) -> Option<(u8, usize)> {
        let family = match local.addr {
            IpAddress::V4(_) => AddrFamily::Inet,
            IpAddress::V6(_) => AddrFamily::Inet6,
        };
        self.conns.with(|t| {
            t.iter().enumerate().find_map(|(i, c)| {
                let c = c.as_ref()?;
                let l = c.local?;
                let matches = c.ty == SockType::Stream
                    && c.backlog > 0
                    && c.family == family
                    && l.port() == local.port
                    && (l.ip().is_unspecified() || ip_address(l.ip()) == local.addr);
                matches.then_some((i as u8, usize::from(c.backlog)))
            })
        })
    }

    /// `listen()`: the socket accepts connections, keeping up to `backlog` (at least 1, at
    /// most `NET_TCP_BACKLOG_SIZE`) that are not accepted yet. An unbound socket gets an
    /// ephemeral port.
    pub fn listen(&self, fd: Fd, backlog: usize) -> Result<(), Errno> {
        let ty = self.conn(fd, |c| Ok(c.ty))?;
        if ty != SockType::Stream {
            return Err(Errno::EOPNOTSUPP);
        }
        if self.tcp.with(|s| table::of_socket(s, fd.0)).is_some() {
            return Err(Errno::EISCONN);
        }
        self.ensure_bound(fd)?;
        let backlog = backlog.clamp(1, crate::config::CONFIG_NET_TCP_BACKLOG_SIZE) as u8;
        self.conn(fd, |c| {
            c.backlog = backlog;
            Ok(())
        })
    }

    /// `accept()`: the oldest connection that completed its handshake on listening socket
    /// `fd`, as a new socket, with the peer's address. Waits (on `std`, unless
    /// non-blocking, up to `SO_RCVTIMEO`) for one; `ENFILE` when no socket is free for it
    /// (it stays queued).
    pub fn accept(&self, fd: Fd) -> Result<(Fd, SocketAddr), Errno> {
        let (listening, family, nonblocking, timeout, nodelay, keepalive, linger) =
            self.conn(fd, |c| {
                Ok((
                    c.ty == SockType::Stream && c.backlog > 0,
                    c.family,
                    c.nonblocking,
                    c.rcvtimeo_ms,
                    c.nodelay,
                    c.keepalive,
                    c.linger,
                ))
            })?;
        if !listening {
            return Err(Errno::EINVAL);
        }
        let accepted = self.tcp_block(nonblocking, timeout, || {
            self.tcp.with(|slots| {
                let oldest = slots
                    .iter_mut()
                    .enumerate()
                    .filter_map(|(i, s)| s.entry().map(|e| (i, e)))
                    .filter(|(_, e)| e.owner == Owner::Pending(fd.0) && acceptable(e.tcb.state()))
                    .min_by_key(|(_, e)| e.arrival)
                    .map(|(i, _)| i);
                let Some(i) = oldest else {
                    return Ok(None);
                };
                let Some(e) = slots.get_mut(i).and_then(Slot::entry) else {
                    return Ok(None);
                };
                let local = socket_addr(e.tcb.local());
                let Some(remote) = e.tcb.remote().map(socket_addr) else {
                    return Ok(None);
                };
                let new_fd = self.conns.with(|t| {
                    let (n, slot) = t
                        .iter_mut()
                        .enumerate()
                        .find(|(_, s)| s.is_free())
                        .ok_or(Errno::ENFILE)?;
                    let mut c = super::Conn::new(family, SockType::Stream, 0);
                    c.local = Some(local);
                    c.remote = Some(remote);
                    c.nodelay = nodelay;
                    c.keepalive = keepalive;
                    c.linger = linger;
                    *slot = crate::slot::Slot::Used(c);
                    Ok(n as u8)
                })?;
                e.owner = Owner::Socket(new_fd);
                e.tcb.set_nodelay(nodelay);
                Ok(Some((Fd(new_fd), remote)))
            })
        })?;
        self.tcp_apply_options(accepted.0);
        Ok(accepted)
    }

    /// `connect()` of a stream socket.
    pub(crate) fn tcp_connect(&self, fd: Fd, peer: SocketAddr) -> Result<(), Errno> {
        let (backlog, nonblocking, timeout) =
            self.conn(fd, |c| Ok((c.backlog, c.nonblocking, c.sndtimeo_ms)))?;
        if backlog > 0 {
            return Err(Errno::EINVAL);
        }
        let remote = Endpoint {
            addr: ip_address(peer.ip()),
            port: peer.port(),
        };
        let existing = self.tcp.with(|slots| {
            let i = table::of_socket(slots, fd.0)?;
            slots
                .get_mut(i)
                .and_then(Slot::entry)
                .map(|e| e.tcb.state())
        });
        match existing {
            Some(State::SynSent | State::SynReceived) => return Err(Errno::EALREADY),
            Some(State::Closed) | None => {}
            Some(_) => return Err(Errno::EISCONN),
        }
        if peer.port() == 0 || peer.ip().is_unspecified() {
            return Err(Errno::EINVAL);
        }
        let bound = self.ensure_bound(fd)?;
        let src = io::Routed::to(self, remote.addr)
            .ok_or(Errno::ENETUNREACH)?
            .src();
        let local = Endpoint {
            addr: if bound.ip().is_unspecified() {
                src
            } else {
                ip_address(bound.ip())
            },
            port: bound.port(),
        };
        let now = self.now_ms();
        let index = self.tcp.with(|slots| {
            let i = match table::of_socket(slots, fd.0) {
                Some(i) => i,
                None => table::claim(self.tcp, slots, Owner::Socket(fd.0)).ok_or(Errno::ENOBUFS)?,
            };
            let e = slots
                .get_mut(i)
                .and_then(Slot::entry)
                .ok_or(Errno::ENOBUFS)?;
            let isn = e.tcb.generate_isn(local, remote, now);
            e.tcb
                .connect(local, remote, isn, now)
                .map_err(|_| Errno::EISCONN)?;
            Ok::<usize, Errno>(i)
        })?;
        self.conn(fd, |c| {
            c.remote = Some(peer);
            c.local = Some(socket_addr(local));
            Ok(())
        })?;
        self.tcp_apply_options(fd);
        io::flush(self, index);
        if nonblocking {
            return Err(Errno::EINPROGRESS);
        }
        // A blocking connect gives up after NET_SOCKETS_CONNECT_TIMEOUT (0: never), as
        // Zephyr's does, and then abandons the handshake. SO_SNDTIMEO may end the wait
        // sooner, as on Linux; then the handshake goes on in the background.
        let limit = u32::try_from(super::limits::CONNECT_TIMEOUT_MS)
            .ok()
            .filter(|&ms| ms > 0);
        let limit_ends_wait = limit.is_some_and(|l| timeout.is_none_or(|t| l <= t));
        let wait = match (timeout, limit) {
            (Some(t), Some(l)) => Some(t.min(l)),
            (t, l) => t.or(l),
        };
        let outcome = self.tcp_block(false, wait, || {
            self.tcp.with(|slots| {
                let e = slots
                    .get_mut(index)
                    .and_then(Slot::entry)
                    .ok_or(Errno::ECONNRESET)?;
                match e.tcb.state() {
                    State::SynSent | State::SynReceived => Ok(None),
                    State::Closed => Err(e.tcb.error().map_or(Errno::ECONNREFUSED, errno_of)),
                    _ => Ok(Some(())),
                }
            })
        });
        match outcome {
            // Without std nothing blocks: the handshake goes on while the application
            // polls, as after a non-blocking connect.
            Err(Errno::EAGAIN) if !cfg!(feature = "std") => Err(Errno::EAGAIN),
            Err(Errno::EAGAIN) if limit_ends_wait => {
                self.tcp_abandon_handshake(index);
                Err(Errno::ETIMEDOUT)
            }
            Err(Errno::EAGAIN) => Err(Errno::EINPROGRESS),
            other => other,
        }
    }

    /// Ends connection `index` if it is still handshaking: a connect that timed out.
    fn tcp_abandon_handshake(&self, index: usize) {
        let abandoned = self.tcp.with(|slots| {
            let e = slots.get_mut(index).and_then(Slot::entry)?;
            if !matches!(e.tcb.state(), State::SynSent | State::SynReceived) {
                return None;
            }
            let ends = e.tcb.remote().map(|r| (e.tcb.local(), r));
            Some((ends, e.tcb.abort()))
        });
        // A simultaneous open (SYN-RECEIVED) has told the peer about itself: reset it.
        if let Some((Some((local, remote)), Some(rst))) = abandoned {
            io::send_segment(self, &rst, local.addr, remote.addr);
        }
    }

    /// Copies the socket's `TCP_NODELAY` and `SO_KEEPALIVE` to its connection.
    pub(crate) fn tcp_apply_options(&self, fd: Fd) {
        let Ok((nodelay, _keepalive)) = self.conn(fd, |c| Ok((c.nodelay, c.keepalive))) else {
            return;
        };
        self.tcp.with(|slots| {
            if let Some(e) = table::of_socket(slots, fd.0).and_then(|i| slots.get_mut(i)?.entry()) {
                e.tcb.set_nodelay(nodelay);
                #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
                e.tcb
                    .set_keepalive(_keepalive.then(crate::ip::tcp::conn::Keepalive::default));
            }
        });
    }

    /// `send()` on a stream socket: queues `data`, waiting (unless non-blocking) for
    /// buffer space until all of it is queued; returns how much was. The wait ends after
    /// `SO_SNDTIMEO` with `EAGAIN`, and after `NET_SOCKET_MAX_SEND_WAIT` with `ENOBUFS`
    /// (the peer's window stayed closed), as Zephyr's does; if part of `data` was
    /// queued by then, that count is returned instead.
    pub(crate) fn tcp_send(&self, fd: Fd, data: &[u8]) -> Result<usize, Errno> {
        let (nonblocking, timeout) = self.conn(fd, |c| Ok((c.nonblocking, c.sndtimeo_ms)))?;
        let waits = SendWaits::start(timeout);
        let mut done = 0;
        while done < data.len() || data.is_empty() {
            let rest = data.get(done..).unwrap_or_default();
            let step = self.tcp_block(nonblocking && done == 0, waits.left(), || {
                self.tcp.with(|slots| {
                    let i = table::of_socket(slots, fd.0).ok_or(Errno::ENOTCONN)?;
                    let e = slots
                        .get_mut(i)
                        .and_then(Slot::entry)
                        .ok_or(Errno::ENOTCONN)?;
                    if let Some(err) = e.tcb.error() {
                        return Err(errno_of(err));
                    }
                    match e.tcb.state() {
                        State::SynSent
                        | State::SynReceived
                        | State::Established
                        | State::CloseWait => {}
                        State::Closed | State::Listen => return Err(Errno::ENOTCONN),
                        _ => return Err(Errno::EPIPE),
                    }
                    let n = e.tcb.send(rest);
                    Ok((n > 0 || rest.is_empty()).then_some((i, n)))
                })
            });
            let (i, n) = match step {
                Ok(v) => v,
                // Part of it went out: report that, as POSIX send does.
                Err(_) if done > 0 => break,
                Err(Errno::EAGAIN) if !nonblocking => return Err(waits.expired()),
                Err(e) => return Err(e),
            };
            io::flush(self, i);
            done += n;
            if n == 0 || nonblocking {
                break;
            }
        }
        Ok(done)
    }

    /// `recv()` on a stream socket: in-order data (0 at the end of the stream).
    pub(crate) fn tcp_recv(&self, fd: Fd, buf: &mut [u8]) -> Result<(usize, SocketAddr), Errno> {
        let (nonblocking, timeout, shut_rd, remote) = self.conn(fd, |c| {
            Ok((c.nonblocking, c.rcvtimeo_ms, c.shut_rd, c.remote))
        })?;
        let remote = remote.ok_or(Errno::ENOTCONN)?;
        if shut_rd || buf.is_empty() {
            return Ok((0, remote));
        }
        let (i, n) = self.tcp_block(nonblocking, timeout, || {
            self.tcp.with(|slots| {
                let i = table::of_socket(slots, fd.0).ok_or(Errno::ENOTCONN)?;
                let e = slots
                    .get_mut(i)
                    .and_then(Slot::entry)
                    .ok_or(Errno::ENOTCONN)?;
                let n = e.tcb.recv(buf);
                if n > 0 {
                    return Ok(Some((i, n)));
                }
                if let Some(err) = e.tcb.error() {
                    return Err(errno_of(err));
                }
                Ok(peer_finished(e.tcb.state()).then_some((i, 0)))
            })
        })?;
        if n > 0 {
            // The window opened: tell the peer when that matters.
            io::flush(self, i);
        }
        Ok((n, remote))
    }

    /// `shutdown()`.
    pub fn shutdown(&self, fd: Fd, how: Shutdown) -> Result<(), Errno> {
        let ty = self.conn(fd, |c| {
            if matches!(how, Shutdown::Read | Shutdown::Both) {
                c.shut_rd = true;
            }
            Ok(c.ty)
        })?;
        if ty != SockType::Stream {
            return Err(Errno::EOPNOTSUPP);
        }
        if how == Shutdown::Read {
            return Ok(());
        }
        let index = self.tcp.with(|slots| {
            let i = table::of_socket(slots, fd.0)?;
            slots.get_mut(i)?.entry()?.tcb.close();
            Some(i)
        });
        match index {
            Some(i) => {
                io::flush(self, i);
                Ok(())
            }
            None => Err(Errno::ENOTCONN),
        }
    }

    /// `close()` of a stream socket: its connection goes on alone (FIN, TIME-WAIT) or is
    /// reset, as `SO_LINGER` says (see [`super::SockOpt::Linger`]); a listener resets its
    /// unaccepted connections.
    pub(crate) fn tcp_close(&self, fd: Fd) {
        let (linger, nonblocking) = self
            .conn(fd, |c| Ok((c.linger, c.nonblocking)))
            .unwrap_or((None, true));
        let now = self.now_ms();
        // The socket's own connection. It stays the socket's while `close` lingers, so
        // that its slot cannot be freed and taken by another connection meanwhile.
        let own = self.tcp.with(|slots| {
            let i = table::of_socket(slots, fd.0)?;
            let e = slots.get_mut(i)?.entry()?;
            // The addresses, before an abort forgets them.
            let ends = e.tcb.remote().map(|r| (e.tcb.local(), r));
            let rst = if linger == Some(0) {
                // SO_LINGER 0: unsent data goes, the connection is over at once.
                e.tcb.abort()
            } else {
                e.tcb.release(now)
            };
            Some((i, ends, rst))
        });
        if let Some((i, ends, rst)) = own {
            if let (Some(rst), Some((local, remote))) = (rst, ends) {
                io::send_segment(self, &rst, local.addr, remote.addr);
            }
            io::flush(self, i);
            #[cfg(feature = "std")]
            if let Some(secs) = linger.filter(|&s| s > 0)
                && !nonblocking
            {
                self.tcp_linger(fd, i, secs);
            }
            #[cfg(not(feature = "std"))]
            let _ = nonblocking;
            self.tcp.with(|slots| {
                if let Some(e) = slots.get_mut(i).and_then(Slot::entry)
                    && e.owner == Owner::Socket(fd.0)
                {
                    e.owner = Owner::Orphan;
                }
            });
        }
        // Connections waiting on a listener, one at a time.
        loop {
            let next = self.tcp.with(|slots| {
                let i = slots
                    .iter_mut()
                    .position(|s| s.entry().is_some_and(|e| e.owner == Owner::Pending(fd.0)))?;
                let e = slots.get_mut(i)?.entry()?;
                e.owner = Owner::Orphan;
                let ends = e.tcb.remote().map(|r| (e.tcb.local(), r));
                Some((ends, e.tcb.abort()))
            });
            match next {
                Some((Some((local, remote)), Some(rst))) => {
                    io::send_segment(self, &rst, local.addr, remote.addr);
                }
                Some(_) => {}
                None => break,
            }
        }
        self.tcp.with(table::sweep);
    }

    /// The wait of a lingering `close` (`SO_LINGER` with `secs` > 0, blocking socket):
    /// until connection `index` of socket `fd` is no longer sending (its data and FIN
    /// are acknowledged: FIN-WAIT-2, TIME-WAIT, or closed, a reset included) or `secs`
    /// seconds pass, as Linux's `sk_stream_wait_close`.
    #[cfg(feature = "std")]
    fn tcp_linger(&self, fd: Fd, index: usize, secs: u16) {
        let timeout = u32::from(secs) * 1000;
        // A timeout ends the wait and nothing else: the connection closes in the
        // background.
        let _ = self.tcp_block(false, Some(timeout), || {
            let sending = self.tcp.with(|slots| {
                slots
                    .get_mut(index)
                    .and_then(Slot::entry)
                    .filter(|e| e.owner == Owner::Socket(fd.0))
                    .is_some_and(|e| {
                        matches!(
                            e.tcb.state(),
                            State::FinWait1 | State::Closing | State::LastAck
                        )
                    })
            });
            Ok((!sending).then_some(()))
        });
    }

    /// Sets the secret key of TCP's initial sequence numbers (RFC 6528). Firmware with a
    /// hardware random number generator calls this with 16 random bytes before
    /// [`Stack::start`]; otherwise the start derives a key (see `docs/tcp.md`).
    pub fn set_tcp_secret(&self, key: [u8; 16]) {
        self.tcp.set_secret(key);
    }

    /// TCP connections in the table right now: open, handshaking, waiting to be
    /// accepted, or finishing their close (TIME-WAIT included).
    pub fn tcp_connections(&self) -> usize {
        self.tcp
            .with(|slots| slots.iter_mut().filter_map(Slot::entry).count())
    }

    /// Readiness of a stream socket for `poll`.
    pub(crate) fn tcp_readiness(&self, fd: Fd, listening: bool) -> u16 {
        self.tcp.with(|slots| {
            if listening {
                let ready = slots
                    .iter_mut()
                    .filter_map(Slot::entry)
                    .any(|e| e.owner == Owner::Pending(fd.0) && acceptable(e.tcb.state()));
                return if ready { POLLIN } else { 0 };
            }
            let Some(e) = table::of_socket(slots, fd.0).and_then(|i| slots.get_mut(i)?.entry())
            else {
                return POLLHUP;
            };
            let mut r = 0;
            let state = e.tcb.state();
            if e.tcb.recv_queue() > 0 || peer_finished(state) || e.tcb.error().is_some() {
                r |= POLLIN;
            }
            if matches!(state, State::Established | State::CloseWait)
                && e.tcb.send_queue() < e.tcb.send_capacity()
            {
                r |= POLLOUT;
            }
            if e.tcb.error().is_some() {
                r |= POLLERR;
            }
            if state == State::Closed {
                r |= POLLHUP;
            }
            r
        })
    }
}
