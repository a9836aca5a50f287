//! TCP (RFC 9293).
//!
//! What lives here now is the wire format, [`wire`]: sequence-number arithmetic with the
//! RFC 9293 modular comparisons, a zero-copy view of a segment, the options this stack
//! reads and writes (MSS, window scale and timestamps from RFC 7323, SACK from RFC 2018),
//! and [`wire::TcpRepr`], the parsed segment that the rest of TCP works on.
//!
//! The connection state machine (control blocks, the handshake, retransmission and the
//! timers configured in `Kconfig.tcp`) comes next and will sit beside it, the way the UDP
//! module's processing code sits next to its `wire.rs`.

pub mod wire;
