//! TCP (RFC 9293).
//!
//! - [`wire`]: the wire format: sequence-number arithmetic with the RFC 9293 modular
//!   comparisons, a zero-copy view of a segment, the options this stack reads and writes
//!   (MSS, window scale and timestamps from RFC 7323, SACK from RFC 2018), and
//!   [`wire::TcpRepr`], the parsed segment that the rest of TCP works on.
//! - [`conn`]: the connection state machine, sans-IO: a control block ([`conn::Tcb`]) with
//!   inline send and receive rings that takes parsed segments and the time, and produces
//!   the segments to send and the events to report. Its parts: [`rtt`] (RFC 6298
//!   retransmission timeout), [`cc`] (RFC 5681/6582/6928 congestion control), [`ooo`]
//!   (the bounded out-of-order range list behind SACK), [`ring`] (the byte rings) and
//!   [`isn`] (RFC 6528 initial sequence numbers with SipHash-2-4).
//!
//! - [`table`]: the instance's connection table (`NET_MAX_CONN` control blocks in a
//!   zero-initialized `static`) and who owns each connection.
//! - [`io`]: TCP in the data paths: checksums, demultiplexing to connections and
//!   listeners (the backlog), RSTs for closed ports (`NET_TCP_REJECT_CONN_WITH_RST`),
//!   building segments for IPv4/IPv6, and the timers.
//!
//! The socket API over it is in [`crate::lib::sockets`] (`listen`, `accept`, `connect`,
//! `send`, `recv`, `shutdown`, `close`, `poll`).

pub mod cc;
pub mod conn;
pub mod io;
pub mod isn;
pub mod ooo;
pub mod ring;
pub mod rtt;
pub mod table;
pub mod wire;
