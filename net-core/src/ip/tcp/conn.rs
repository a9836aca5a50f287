//! The TCP connection state machine (RFC 9293 §3.10), sans-IO.
//!
//! A [`Tcb`] is one connection's control block with its send and receive buffers inline
//! (`TX` and `RX` bytes, no heap). It never touches a device or a clock: the caller feeds
//! it parsed segments with [`Tcb::on_segment`], asks it for segments to send with
//! [`Tcb::poll_transmit`] (data, retransmissions, ACKs, window updates, probes, FIN), and
//! calls `poll_transmit` again at [`Tcb::poll_at`] for the timers. Time is a `u64` in
//! milliseconds on any monotonic clock.
//!
//! The intended use, once sockets are wired to it (they are not yet):
//!
//! ```ignore
//! static TCB: Mutex<Tcb<4096, 4096>> = Mutex::new(Tcb::new(IsnGenerator::new(SECRET)));
//! tcb.listen(Endpoint { addr, port: 80 })?;
//! // For every segment the IP layer demultiplexes to this block:
//! let reaction = tcb.on_segment(ip_src, ip_dst, &repr, now_ms);
//! if let Some(reply) = reaction.reply { /* emit it at once */ }
//! // Then, and whenever poll_at() is due, after send()/recv()/close():
//! let mut payload = [0u8; 1460];
//! while let Some(seg) = tcb.poll_transmit(now_ms, route_mtu, &mut payload) {
//!     /* emit seg (TcpRepr::emit) from tcb.local() to tcb.remote() */
//! }
//! wake_socket_users(reaction.events | tcb.take_events());
//! ```
//!
//! What is implemented, by RFC:
//!
//! - RFC 9293: all eleven states, simultaneous open and close, the segment acceptability
//!   test, RST generation for segments that belong to no synchronized connection, the
//!   `NET_TCP_TIME_WAIT_DELAY` TIME-WAIT (a SYN with a higher sequence number in
//!   TIME-WAIT closes it and reports [`Events::TIME_WAIT_SYN`] so the caller can hand the
//!   SYN to a listener, RFC 9293 §3.10.7.4 / RFC 6191 without timestamps), sender and
//!   receiver silly-window avoidance (§3.8.6.2, with the sender's override timeout on the
//!   persist timer), Nagle (off with [`Tcb::set_nodelay`]), delayed ACKs (every second
//!   full-sized segment, full-sized being the largest the peer has sent, or after
//!   `NET_TCP_ACK_DELAY` ms; immediately for out-of-order data, a filled hole or a FIN), zero-window probes (one byte, backoff doubling up to
//!   60 s, never giving up while the peer answers, `NET_TCP_RETRY_COUNT` unanswered
//!   ones in a row fail the connection), keep-alive (only with `NET_TCP_KEEPALIVE`; `NET_TCP_KEEP*` defaults,
//!   `Tcb::set_keepalive`). `NET_TCP_ACK_TIMEOUT` bounds SYN-RECEIVED (a listener
//!   goes back to LISTEN) and, after [`Tcb::release`] (a full close, RFC 1122
//!   §4.2.2.13), FIN-WAIT-2; after [`Tcb::close`] (a half close) FIN-WAIT-2 lasts.
//! - RFC 6528 initial sequence numbers ([`super::isn`]): passive opens take theirs from
//!   the block's generator, active opens from [`Tcb::generate_isn`].
//! - RFC 5961: an in-window RST that is not exactly at RCV.NXT, any SYN in a synchronized
//!   state, and an ACK beyond SND.MAX or older than SND.UNA − MAX.SND.WND get a challenge
//!   ACK, at most [`CHALLENGE_ACK_LIMIT`] per second per connection.
//! - RFC 6298 RTO ([`super::rtt`]), Karn's rule (RTT samples only from segments never
//!   retransmitted, or from timestamps when both ends use them), exponential backoff, and
//!   `NET_TCP_RETRY_COUNT` retransmissions before the connection fails with
//!   [`TcpError::TimedOut`].
//! - RFC 5681/6582/6928 congestion control ([`super::cc`]) and RFC 3042 limited transmit.
//! - RFC 7323 window scaling (`NET_TCP_WINDOW_SCALING`) and timestamps (off unless
//!   [`Tcb::set_timestamps`]; used for RTT measurement and PAWS).
//! - RFC 2018 SACK (`NET_TCP_SACK`): out-of-order data is kept in the receive ring in up
//!   to `NET_TCP_OOO_QUEUE_SEGMENTS` ranges ([`super::ooo`]), dropped after
//!   `NET_TCP_RECV_QUEUE_TIMEOUT`, and reported most recent first; received SACK blocks
//!   (up to [`SACK_SCOREBOARD`] ranges) steer fast recovery: the fast retransmit and
//!   each later duplicate ACK or partial ACK resend the next hole below the highest
//!   SACKed byte that was not resent yet, never data the peer SACKed (a simplified RFC
//!   6675 on top of NewReno's congestion window).
//!
//! Memory is bounded by the const generics and the Kconfig limits: a full receive buffer
//! shrinks the advertised window, a full send buffer makes [`Tcb::send`] take fewer
//! bytes, a full out-of-order list drops the segment; nothing panics (no indexing that can
//! fail, checked or wrapping arithmetic, no `unsafe`).
//!
//! `NET_TCP_RANDOMIZED_RTO` needs a random byte per connection from the caller
//! ([`Tcb::set_rto_gain`]); without it the RTO is exact.
//!
//! Not done here: urgent data, ECN, the LISTEN → SYN-SENT transition of a SEND on a
//! listening socket, RFC 6675's pipe estimate (sending is limited by NewReno's inflated
//! window instead), and path MTU discovery (the `mtu` argument of [`Tcb::poll_transmit`]
//! is taken as given).

use super::cc::{AckKind, Cc};
use super::isn::IsnGenerator;
use super::ooo::OooRanges;
use super::ring::Ring;
use super::rtt::{MAX_RTO, Rtt};
use super::wire::{MAX_WINDOW_SHIFT, REPR_SACK_BLOCKS, SeqNumber, TcpControl, TcpRepr};
use crate::config;
use crate::ip::checksum::IpAddress;

/// How long an ACK for in-order data may be delayed, in ms (`NET_TCP_ACK_DELAY`).
const ACK_DELAY: u64 = config::CONFIG_NET_TCP_ACK_DELAY as u64;
/// TIME-WAIT duration in ms (`NET_TCP_TIME_WAIT_DELAY`, this stack's 2*MSL).
const TIME_WAIT_DELAY: u64 = config::CONFIG_NET_TCP_TIME_WAIT_DELAY as u64;
/// Retransmissions of one segment before giving up (`NET_TCP_RETRY_COUNT`).
const RETRY_COUNT: u32 = config::CONFIG_NET_TCP_RETRY_COUNT as u32;
/// `NET_TCP_ACK_TIMEOUT` in ms: how long SYN-RECEIVED waits for the handshake to
/// complete, and how long a released connection waits in FIN-WAIT-2 for the peer's FIN.
const ACK_TIMEOUT: u64 = config::CONFIG_NET_TCP_ACK_TIMEOUT as u64;
/// How long out-of-order data is kept, in ms (`NET_TCP_RECV_QUEUE_TIMEOUT`).
const RECV_QUEUE_TIMEOUT: u64 = config::CONFIG_NET_TCP_RECV_QUEUE_TIMEOUT as u64;
/// Out-of-order ranges per connection (`NET_TCP_OOO_QUEUE_SEGMENTS`, 0 when
/// `NET_TCP_RECV_QUEUE_TIMEOUT` is 0).
#[cfg(not(CONFIG_NET_TCP_RECV_QUEUE_TIMEOUT = "0"))]
pub const OOO_SLOTS: usize = config::CONFIG_NET_TCP_OOO_QUEUE_SEGMENTS;
/// Out-of-order ranges per connection (none: `NET_TCP_RECV_QUEUE_TIMEOUT` is 0).
#[cfg(CONFIG_NET_TCP_RECV_QUEUE_TIMEOUT = "0")]
pub const OOO_SLOTS: usize = 0;
/// `value` limited by a Kconfig window option, where 0 means "no limit"
/// (`NET_TCP_MAX_SEND_WINDOW_SIZE`, `NET_TCP_MAX_RECV_WINDOW_SIZE`).
fn cfg_limit(value: usize, option: usize) -> usize {
    if option == 0 {
        value
    } else {
        value.min(option)
    }
}
/// Challenge ACKs sent per connection and second at most (RFC 5961 §7 asks for a limit;
/// a per-connection one is enough here because nothing is shared between connections).
pub const CHALLENGE_ACK_LIMIT: u32 = 10;
/// Ranges of SACKed data remembered from the peer.
pub const SACK_SCOREBOARD: usize = 4;
/// The peer's MSS when it sends no option (RFC 9293 §3.7.1, RFC 8200 §5 for IPv6).
pub const DEFAULT_MSS_V4: usize = 536;
/// The IPv6 default MSS: 1280 − 40 − 20.
pub const DEFAULT_MSS_V6: usize = 1220;
/// How long TS.Recent stays valid for PAWS without news from the peer: 24 days in ms
/// (RFC 7323 §5.5).
const PAWS_IDLE: u64 = 24 * 24 * 3600 * 1000;
/// Bytes of a timestamps option with its two NOPs.
const TS_OPTION_LEN: usize = 12;

/// The eleven states of RFC 9293 §3.3.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// No connection.
    Closed,
    /// Waiting for a SYN.
    Listen,
    /// SYN sent, waiting for the peer's SYN.
    SynSent,
    /// SYN received and SYN-ACK sent, waiting for the ACK.
    SynReceived,
    /// Open.
    Established,
    /// Closed by us, FIN not yet acknowledged.
    FinWait1,
    /// Our FIN acknowledged, waiting for the peer's.
    FinWait2,
    /// Closed by the peer, waiting for us to close.
    CloseWait,
    /// Both FINs sent at once, ours not yet acknowledged.
    Closing,
    /// Closed by the peer and then by us, waiting for our FIN's ACK.
    LastAck,
    /// Both closed, waiting for stray segments to die out.
    TimeWait,
}

impl State {
    /// Whether the handshake has completed in this state's history (RFC 9293's
    /// "synchronized states": ESTABLISHED through TIME-WAIT).
    pub const fn is_synchronized(self) -> bool {
        !matches!(
            self,
            State::Closed | State::Listen | State::SynSent | State::SynReceived
        )
    }
}

/// Why a connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpError {
    /// The peer reset the established connection (ECONNRESET).
    Reset,
    /// The peer refused the connection attempt (ECONNREFUSED).
    Refused,
    /// Retransmissions or keep-alive probes went unanswered (ETIMEDOUT).
    TimedOut,
    /// The call does not fit the current state.
    InvalidState,
}

/// What happened to a connection, as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Events(u8);

impl Events {
    /// The handshake completed.
    pub const CONNECTED: Events = Events(0x01);
    /// New in-order data can be read.
    pub const READABLE: Events = Events(0x02);
    /// Send buffer space was freed by an acknowledgment.
    pub const WRITABLE: Events = Events(0x04);
    /// The peer's FIN arrived: no more data will come.
    pub const PEER_CLOSED: Events = Events(0x08);
    /// The peer reset the connection.
    pub const RESET: Events = Events(0x10);
    /// The connection reached CLOSED (normally or not).
    pub const CLOSED: Events = Events(0x20);
    /// The connection failed with [`TcpError::TimedOut`].
    pub const TIMED_OUT: Events = Events(0x40);
    /// A SYN for a new incarnation arrived in TIME-WAIT: the connection is now CLOSED and
    /// the caller may give the same SYN to a listener.
    pub const TIME_WAIT_SYN: Events = Events(0x80);

    /// No events.
    pub const fn empty() -> Events {
        Events(0)
    }

    /// Whether no event is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether all of `other` is set.
    pub const fn contains(self, other: Events) -> bool {
        self.0 & other.0 == other.0
    }

    /// Adds `other`.
    pub fn insert(&mut self, other: Events) {
        self.0 |= other.0;
    }
}

impl core::ops::BitOr for Events {
    type Output = Events;
    fn bitor(self, rhs: Events) -> Events {
        Events(self.0 | rhs.0)
    }
}

/// Counters of one connection's loss recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcbStats {
    /// Retransmission timer expirations that resent data (or the SYN/FIN).
    pub timeouts: u32,
    /// Fast retransmits after three duplicate ACKs.
    pub fast_retransmits: u32,
    /// NewReno retransmissions after a partial ACK.
    pub partial_ack_retransmits: u32,
}

/// An address and port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The IP address.
    pub addr: IpAddress,
    /// The TCP port.
    pub port: u16,
}

/// The result of [`Tcb::on_segment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reaction {
    /// A segment to send back at once, without payload: a RST, a challenge ACK, or the ACK
    /// that answers an unacceptable segment. Everything else (data, regular and delayed
    /// ACKs, SYN-ACK, FIN) comes from [`Tcb::poll_transmit`], which the caller should
    /// call next.
    pub reply: Option<TcpRepr<'static>>,
    /// What changed.
    pub events: Events,
}

/// Keep-alive parameters (TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT), in ms and probes.
/// Only with `NET_TCP_KEEPALIVE`; without it no keep-alive code is compiled.
#[cfg(CONFIG_NET_TCP_KEEPALIVE)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Keepalive {
    /// Idle time before the first probe, ms.
    pub idle: u64,
    /// Time between probes, ms.
    pub interval: u64,
    /// Unanswered probes before the connection is dropped.
    pub count: u32,
}

#[cfg(CONFIG_NET_TCP_KEEPALIVE)]
impl Default for Keepalive {
    /// The Kconfig defaults `NET_TCP_KEEPIDLE_DEFAULT`, `NET_TCP_KEEPINTVL_DEFAULT` (both
    /// in seconds) and `NET_TCP_KEEPCNT_DEFAULT`.
    fn default() -> Self {
        Keepalive {
            idle: (config::CONFIG_NET_TCP_KEEPIDLE_DEFAULT as u64).saturating_mul(1000),
            interval: (config::CONFIG_NET_TCP_KEEPINTVL_DEFAULT as u64).saturating_mul(1000),
            count: config::CONFIG_NET_TCP_KEEPCNT_DEFAULT as u32,
        }
    }
}

/// `a - b` in sequence space, 0 when `a` is not after `b`.
fn dist(a: SeqNumber, b: SeqNumber) -> usize {
    a.checked_sub(b).unwrap_or(0)
}

/// The later of two sequence numbers.
fn seq_max(a: SeqNumber, b: SeqNumber) -> SeqNumber {
    if a < b { b } else { a }
}

/// A connection control block with `TX` bytes of send buffer and `RX` bytes of receive
/// buffer.
#[derive(Debug, Clone)]
pub struct Tcb<const TX: usize, const RX: usize> {
    /// Send buffer: unacknowledged and unsent data.
    tx: Ring<TX>,
    /// Receive buffer: in-order data, then out-of-order data parked past it.
    rx: Ring<RX>,
    /// Everything else, kept apart so that resetting it never builds the buffers on the
    /// stack.
    c: Conn,
}

/// The connection state of a [`Tcb`] apart from its buffers.
#[derive(Debug, Clone)]
struct Conn {
    state: State,
    local: Endpoint,
    remote: Option<Endpoint>,
    /// Whether this connection came from a LISTEN (a RST in SYN-RECEIVED returns there).
    passive: bool,
    /// The address LISTEN was given (perhaps unspecified), to return to.
    listen_addr: IpAddress,
    isn: IsnGenerator,
    error: Option<TcpError>,
    events: Events,
    mtu: usize,
    /// Most payload bytes a segment of new data may carry when the route's device cuts
    /// segments itself (TSO); 0 when it does not ([`Tcb::set_tso_max`]). Host builds only:
    /// no firmware driver offers TSO.
    #[cfg(feature = "std")]
    tso_max: usize,

    // Send sequence space: [ISS: SYN][tx_seq0 ..: tx ring][FIN if fin_queued].
    iss: SeqNumber,
    snd_una: SeqNumber,
    snd_nxt: SeqNumber,
    /// The highest sequence number sent plus one (SND.NXT before a timeout rewound it).
    snd_max: SeqNumber,
    /// The end of the last segment sent with less than a full MSS of data: Nagle holds a
    /// small segment only while such a one is unacknowledged (Minshall's variant).
    snd_sml: SeqNumber,
    snd_wnd: usize,
    max_snd_wnd: usize,
    snd_wl1: SeqNumber,
    snd_wl2: SeqNumber,
    snd_shift: u8,
    peer_mss: usize,
    /// Sequence number of the first byte in `tx`.
    tx_seq0: SeqNumber,
    fin_queued: bool,
    nodelay: bool,

    // Receive side.
    irs: SeqNumber,
    rcv_nxt: SeqNumber,
    /// Right edge of the window last advertised.
    rcv_adv: SeqNumber,
    rcv_shift: u8,
    /// The window our SYN offered (before RCV.NXT was known).
    syn_wnd: usize,
    ooo: OooRanges<OOO_SLOTS>,
    fin_received: bool,
    /// In-order bytes received and not acknowledged yet (delayed ACK).
    unacked_bytes: usize,
    /// The largest segment received so far (the peer's effective MSS, for delayed ACKs).
    rcv_mss: usize,
    ack_now: bool,
    /// The pending ACK must not wait for the end of a receive batch: it answers an
    /// out-of-order, duplicate or out-of-window segment, or one that filled a hole
    /// (RFC 5681 §4.2 wants those acknowledged at once).
    ack_immediate: bool,
    ack_deadline: Option<u64>,

    // Negotiated options.
    sack_ok: bool,
    ws_ok: bool,
    use_timestamps: bool,
    ts_ok: bool,
    ts_recent: u32,
    /// When `ts_recent` was taken.
    ts_recent_at: u64,
    last_ack_sent: SeqNumber,
    sack_board: [Option<(SeqNumber, SeqNumber)>; SACK_SCOREBOARD],

    // Timers and estimators.
    rtt: Rtt,
    cc: Cc,
    /// (end of the timed segment, time it was sent) for RTT without timestamps.
    rtt_probe: Option<(SeqNumber, u64)>,
    rto_deadline: Option<u64>,
    retries: u32,
    /// A fast or partial-ACK retransmission to send, from this sequence number.
    rexmit: Option<SeqNumber>,
    /// End of the data resent in the current fast recovery.
    rexmit_high: SeqNumber,
    persist_deadline: Option<u64>,
    persist_shift: u32,
    /// Zero-window probes sent since the peer last sent anything.
    persist_probes: u32,
    probe_due: bool,
    #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
    keepalive: Option<Keepalive>,
    #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
    ka_probes: u32,
    #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
    ka_last: u64,
    #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
    ka_due: bool,
    last_rx: u64,
    tw_deadline: Option<u64>,
    /// The random RTO stretch, see [`Tcb::set_rto_gain`].
    rto_gain: u8,
    /// Whether the application released the connection (see [`Tcb::release`]).
    orphan: bool,
    /// The `NET_TCP_ACK_TIMEOUT` deadline of SYN-RECEIVED or FIN-WAIT-2.
    state_deadline: Option<u64>,
    challenge_window: u64,
    challenge_count: u32,
    stats: TcbStats,
}

impl<const TX: usize, const RX: usize> Tcb<TX, RX> {
    /// A CLOSED control block whose passive opens take their ISN from `isn`.
    ///
    /// `const`, so that control blocks (buffers included) can live in statics instead of
    /// being built on a stack.
    pub const fn new(isn: IsnGenerator) -> Self {
        Tcb {
            tx: Ring::new(),
            rx: Ring::new(),
            c: Conn::new(isn),
        }
    }

    /// Forgets the connection (buffers, sequence state, timers), keeping the settings
    /// (`nodelay`, keep-alive, timestamps, ISN key, MTU) and the error.
    fn reset_connection(&mut self) {
        self.reset_state();
        self.rx.clear();
    }

    /// [`Self::reset_connection`] except for the receive ring.
    fn reset_state(&mut self) {
        let old = &self.c;
        let mut c = Conn::new(old.isn);
        c.nodelay = old.nodelay;
        #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
        {
            c.keepalive = old.keepalive;
        }
        c.use_timestamps = old.use_timestamps;
        c.mtu = old.mtu;
        c.error = old.error;
        c.events = old.events;
        c.local = old.local;
        c.stats = old.stats;
        c.rto_gain = old.rto_gain;
        self.c = c;
        self.tx.clear();
    }

    /// The connection ended without error: CLOSED, with the received data that was not
    /// read yet still readable (the application learns of the end from the events and
    /// [`Self::state`], and may read the rest afterwards).
    fn closed_normally(&mut self) {
        self.reset_state();
        self.c.state = State::Closed;
        self.c.events.insert(Events::CLOSED);
    }

    /// Prepares the send side for a connection starting at `iss`.
    fn start(&mut self, iss: SeqNumber) {
        self.c.iss = iss;
        self.c.snd_una = iss;
        self.c.snd_nxt = iss;
        self.c.snd_max = iss;
        self.c.snd_sml = iss;
        self.c.tx_seq0 = iss + 1;
        self.c.cc = Cc::new(self.smss(), iss);
    }

    // ---- Accessors and settings ----------------------------------------------------------

    /// SND.NXT: the sequence number of the next byte this block sends.
    pub fn send_next(&self) -> SeqNumber {
        self.c.snd_nxt
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.c.state
    }

    /// Whether what this connection has to send after the last segment may wait until
    /// the end of the current receive batch (see `io::flush_deferred`): it is
    /// established, only receiving (nothing of its own queued or in flight), and owes no
    /// ACK that RFC 5681 §4.2 wants sent at once. The batch then ends in one cumulative
    /// ACK, as a receiver with GRO answers a burst. A connection that also sends answers
    /// each segment at once: holding back its data and the ACKs it piggybacks made a
    /// transfer both ways under 10 % loss, duplication and reordering take half as long
    /// again.
    pub fn may_defer_output(&self) -> bool {
        self.c.state == State::Established && !self.c.ack_immediate && self.send_queue() == 0
    }

    /// Why the connection failed, if it did.
    pub fn error(&self) -> Option<TcpError> {
        self.c.error
    }

    /// The local endpoint.
    pub fn local(&self) -> Endpoint {
        self.c.local
    }

    /// The remote endpoint, once known.
    pub fn remote(&self) -> Option<Endpoint> {
        self.c.remote
    }

    /// Bytes queued for sending (sent but unacknowledged included).
    pub fn send_queue(&self) -> usize {
        self.tx.len()
    }

    /// Room in the send buffer.
    pub fn send_capacity(&self) -> usize {
        self.tx.free()
    }

    /// In-order bytes waiting to be read.
    pub fn recv_queue(&self) -> usize {
        self.rx.len()
    }

    /// The peer's window, scaled, in bytes.
    pub fn send_window(&self) -> usize {
        self.c.snd_wnd
    }

    /// The congestion state.
    pub fn congestion(&self) -> &Cc {
        &self.c.cc
    }

    /// Loss-recovery counters.
    pub fn stats(&self) -> TcbStats {
        self.c.stats
    }

    /// The retransmission timeout now: the estimator's (with backoff), stretched by the
    /// factor `1 + gain/512` of [`Self::set_rto_gain`] when `NET_TCP_RANDOMIZED_RTO` is
    /// on, and at most 60 s.
    pub fn rto(&self) -> u64 {
        let base = self.c.rtt.rto();
        if !config::CONFIG_NET_TCP_RANDOMIZED_RTO {
            return base;
        }
        (base.saturating_mul(512 + u64::from(self.c.rto_gain)) >> 9).min(MAX_RTO)
    }

    /// Sets the random part of the RTO (`NET_TCP_RANDOMIZED_RTO`, as Zephyr: the RTO is
    /// multiplied by `1 + gain/512`, so by 1 to 1.5). The control block has no random
    /// source of its own: the caller gives each connection a random byte, so that two
    /// stacks whose segments collided do not retry in lockstep. Default 0 (exact RTO).
    pub fn set_rto_gain(&mut self, gain: u8) {
        self.c.rto_gain = gain;
    }

    /// The RTT estimator.
    pub fn rtt(&self) -> &Rtt {
        &self.c.rtt
    }

    /// The effective send MSS: the peer's MSS limited by the MTU given to
    /// [`Self::poll_transmit`], less the timestamps option when in use.
    pub fn smss(&self) -> usize {
        self.c
            .peer_mss
            .min(self.mtu_mss())
            .saturating_sub(if self.c.ts_ok { TS_OPTION_LEN } else { 0 })
            .max(1)
    }

    /// The MSS the MTU allows: MTU less the IP and TCP headers.
    fn mtu_mss(&self) -> usize {
        let ip = match self.c.local.addr {
            IpAddress::V4(_) => 20,
            IpAddress::V6(_) => 40,
        };
        self.c.mtu.saturating_sub(ip + 20).max(1)
    }

    /// The MSS we advertise (and expect): the MTU's, at most 65535.
    fn rmss(&self) -> usize {
        self.mtu_mss().min(u16::MAX as usize)
    }

    /// Lets segments of new data carry up to `bytes` of payload, several MSS at once, for a
    /// route whose device cuts them into MSS-sized segments itself (TCP segmentation
    /// offload); 0 turns it off. Only whole MSS-sized segments are joined: what is left
    /// over goes alone, under Nagle's rules, and retransmissions stay one MSS.
    #[cfg(feature = "std")]
    pub fn set_tso_max(&mut self, bytes: usize) {
        self.c.tso_max = bytes;
    }

    /// The largest segment of new data: the MSS, or with TSO the most whole MSS-sized
    /// segments that fit [`Self::set_tso_max`]'s limit.
    fn new_data_max(&self) -> usize {
        let smss = self.smss();
        #[cfg(feature = "std")]
        if self.c.tso_max > smss {
            return self.c.tso_max / smss * smss;
        }
        smss
    }

    /// Turns Nagle's algorithm off (`true`, TCP_NODELAY) or on.
    pub fn set_nodelay(&mut self, nodelay: bool) {
        self.c.nodelay = nodelay;
    }

    /// Enables keep-alive probes with these parameters, or disables them.
    #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
    pub fn set_keepalive(&mut self, keepalive: Option<Keepalive>) {
        self.c.keepalive = keepalive;
        self.c.ka_probes = 0;
        self.c.ka_due = false;
    }

    /// Offers RFC 7323 timestamps in future handshakes (off by default).
    pub fn set_timestamps(&mut self, enable: bool) {
        self.c.use_timestamps = enable;
    }

    /// Drains the events collected since the last call (timer events included).
    pub fn take_events(&mut self) -> Events {
        core::mem::take(&mut self.c.events)
    }

    // ---- User calls --------------------------------------------------------------------

    /// The RFC 6528 initial sequence number for an active open from `local` to `remote`
    /// at `now`, from this block's secret (for [`Self::connect`]).
    pub fn generate_isn(&self, local: Endpoint, remote: Endpoint, now: u64) -> SeqNumber {
        self.c
            .isn
            .isn(local.addr, local.port, remote.addr, remote.port, now)
    }

    /// Passive open: wait for a SYN to `local`.
    pub fn listen(&mut self, local: Endpoint) -> Result<(), TcpError> {
        if self.c.state != State::Closed {
            return Err(TcpError::InvalidState);
        }
        self.c.error = None;
        self.reset_connection();
        self.c.stats = TcbStats::default();
        self.c.local = local;
        self.c.state = State::Listen;
        self.c.passive = true;
        Ok(())
    }

    /// Active open from `local` to `remote` with initial sequence number `iss` (see
    /// [`IsnGenerator`]); the SYN comes from the next [`Self::poll_transmit`].
    pub fn connect(
        &mut self,
        local: Endpoint,
        remote: Endpoint,
        iss: SeqNumber,
        now: u64,
    ) -> Result<(), TcpError> {
        if self.c.state != State::Closed {
            return Err(TcpError::InvalidState);
        }
        self.c.error = None;
        self.reset_connection();
        self.c.stats = TcbStats::default();
        self.c.local = local;
        self.c.remote = Some(remote);
        self.c.peer_mss = default_mss(remote.addr);
        self.start(iss);
        self.c.last_rx = now;
        self.c.state = State::SynSent;
        Ok(())
    }

    /// Queues as much of `data` as fits for sending; returns the number of bytes taken
    /// (0 when the buffer is full or the state does not allow sending).
    pub fn send(&mut self, data: &[u8]) -> usize {
        match self.c.state {
            State::SynSent | State::SynReceived | State::Established | State::CloseWait
                if !self.c.fin_queued =>
            {
                self.tx.push(data)
            }
            _ => 0,
        }
    }

    /// Reads in-order received data into `out`; returns the number of bytes.
    pub fn recv(&mut self, out: &mut [u8]) -> usize {
        self.rx.pop(out)
    }

    /// Closes the sending direction (a half close, like `shutdown(SHUT_WR)`): a FIN
    /// follows the queued data, and data from the peer is still received until its FIN;
    /// FIN-WAIT-2 lasts as long as the peer keeps its side open. From LISTEN or SYN-SENT
    /// the connection simply goes away.
    pub fn close(&mut self) {
        match self.c.state {
            State::Listen | State::SynSent => {
                self.reset_connection();
                self.c.state = State::Closed;
                self.c.events.insert(Events::CLOSED);
            }
            State::SynReceived | State::Established => {
                self.c.fin_queued = true;
                self.c.state = State::FinWait1;
            }
            State::CloseWait => {
                self.c.fin_queued = true;
                self.c.state = State::LastAck;
            }
            _ => {}
        }
    }

    /// The application is gone (a full close): as [`Self::close`], but received data
    /// will never be read. If some is already waiting, the connection is reset at once
    /// (the RST is returned); data arriving later is answered with a RST (RFC 1122
    /// §4.2.2.13); FIN-WAIT-2 ends after `NET_TCP_ACK_TIMEOUT` without the peer's FIN.
    pub fn release(&mut self, now: u64) -> Option<TcpRepr<'static>> {
        if !self.rx.is_empty() || !self.c.ooo.is_empty() {
            return self.abort();
        }
        self.c.orphan = true;
        self.close();
        if self.c.state == State::FinWait2 && self.c.state_deadline.is_none() {
            self.c.state_deadline = Some(now.saturating_add(ACK_TIMEOUT));
        }
        None
    }

    /// Aborts the connection: CLOSED at once, with the RST to send when the peer may
    /// hold state (SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2, CLOSE-WAIT). Once
    /// synchronized, the RST is numbered as a pure ACK is (`ack_seq`, not past the
    /// peer's window): behind a zero window only RCV.NXT is acceptable to the peer, which
    /// drops anything else (RFC 9293 §3.10.7.4).
    pub fn abort(&mut self) -> Option<TcpRepr<'static>> {
        let rst = match self.c.state {
            State::SynReceived => Some(self.header(self.c.snd_max, TcpControl::Rst, None, 0)),
            State::Established | State::FinWait1 | State::FinWait2 | State::CloseWait => {
                Some(self.header(self.ack_seq(), TcpControl::Rst, None, 0))
            }
            _ => None,
        };
        if self.c.state != State::Closed {
            self.c.events.insert(Events::CLOSED);
        }
        self.reset_connection();
        self.c.state = State::Closed;
        rst
    }

    // ---- Segment construction ---------------------------------------------------------

    /// A segment from us to the peer without options or payload.
    fn header(
        &self,
        seq: SeqNumber,
        control: TcpControl,
        ack: Option<SeqNumber>,
        window: u16,
    ) -> TcpRepr<'static> {
        TcpRepr {
            src_port: self.c.local.port,
            dst_port: self.c.remote.map(|r| r.port).unwrap_or_default(),
            control,
            seq_number: seq,
            ack_number: ack,
            window_len: window,
            window_scale: None,
            max_seg_size: None,
            sack_permitted: false,
            sack_ranges: [None; REPR_SACK_BLOCKS],
            timestamp: None,
            payload: &[],
        }
    }

    /// The largest window the receive buffer and configuration allow now.
    fn rx_window_limit(&self) -> usize {
        let shift = if self.c.ws_ok { self.c.rcv_shift } else { 0 };
        cfg_limit(self.rx.free(), config::CONFIG_NET_TCP_MAX_RECV_WINDOW_SIZE)
            .min((u16::MAX as usize) << shift)
    }

    /// The window currently offered: RCV.WND = advertised right edge − RCV.NXT.
    fn rcv_wnd(&self) -> usize {
        dist(self.c.rcv_adv, self.c.rcv_nxt)
    }

    /// The receiver SWS threshold: min(RCV.BUFF / 2, Eff.MSS) (RFC 9293 §3.8.6.2.2).
    fn sws_threshold(&self) -> usize {
        (RX / 2).min(self.rmss()).max(1)
    }

    /// Computes the window to advertise now (receiver SWS avoidance: the right edge
    /// moves only by at least [`Self::sws_threshold`], and never back) and records it.
    fn advertise_window(&mut self, syn: bool) -> u16 {
        let avail = self.rx_window_limit();
        let cur = self.rcv_wnd().min(avail);
        let wnd = if avail.saturating_sub(cur) >= self.sws_threshold() {
            avail
        } else {
            cur
        };
        let shift = if syn || !self.c.ws_ok {
            0
        } else {
            self.c.rcv_shift
        };
        let field = (wnd >> shift).min(u16::MAX as usize);
        if self.c.state == State::SynSent {
            // RCV.NXT is not known yet: the edge is set when the peer's SYN arrives.
            self.c.syn_wnd = field;
            return field as u16;
        }
        let edge = self.c.rcv_nxt + (field << shift);
        self.c.rcv_adv = seq_max(self.c.rcv_adv, edge);
        if self.c.rcv_adv < self.c.rcv_nxt {
            self.c.rcv_adv = self.c.rcv_nxt;
        }
        field as u16
    }

    /// Whether reading has opened the window enough to tell the peer (the window at least
    /// doubled and grew by the SWS threshold).
    fn window_update_needed(&self) -> bool {
        if !matches!(
            self.c.state,
            State::Established | State::FinWait1 | State::FinWait2
        ) || self.c.fin_received
        {
            return false;
        }
        let avail = self.rx_window_limit();
        let cur = self.rcv_wnd();
        avail.saturating_sub(cur) >= self.sws_threshold() && avail >= cur.saturating_mul(2)
    }

    /// Fills ACK, window, SACK and timestamps of an outgoing segment and notes that
    /// everything up to RCV.NXT is acknowledged.
    fn finish(&mut self, repr: &mut TcpRepr<'_>, now: u64) {
        let syn = repr.control == TcpControl::Syn;
        if self.c.state != State::SynSent {
            repr.ack_number = Some(self.c.rcv_nxt);
            self.c.ack_now = false;
            self.c.ack_immediate = false;
            self.c.ack_deadline = None;
            self.c.unacked_bytes = 0;
            self.c.last_ack_sent = self.c.rcv_nxt;
        }
        repr.window_len = self.advertise_window(syn);
        if self.c.ts_ok || (syn && self.c.state == State::SynSent && self.c.use_timestamps) {
            repr.timestamp = Some((now as u32, self.c.ts_recent));
        }
        if self.c.sack_ok && !syn {
            for (slot, block) in repr.sack_ranges.iter_mut().zip(self.c.ooo.iter()) {
                *slot = Some(block);
            }
        }
    }

    /// The sequence number of a segment without data: RFC 9293's SND.NXT, which here is
    /// SND.MAX (SND.NXT goes back after a timeout, and an ACK numbered below what the
    /// peer already has would be unacceptable to it, its ACK field ignored), but not
    /// past the peer's window (as Linux's `tcp_acceptable_seq`).
    fn ack_seq(&self) -> SeqNumber {
        let edge = self.c.snd_una + self.c.snd_wnd;
        if self.c.snd_max <= edge {
            self.c.snd_max
        } else {
            edge
        }
    }

    /// A pure ACK (see [`Self::ack_seq`]).
    fn ack_segment(&mut self, now: u64) -> TcpRepr<'static> {
        let mut repr = self.header(self.ack_seq(), TcpControl::None, None, 0);
        self.finish(&mut repr, now);
        repr
    }

    /// A rate-limited challenge ACK (RFC 5961 §7).
    fn challenge_ack(&mut self, now: u64) -> Option<TcpRepr<'static>> {
        if now.saturating_sub(self.c.challenge_window) >= 1000 {
            self.c.challenge_window = now;
            self.c.challenge_count = 0;
        }
        if self.c.challenge_count >= CHALLENGE_ACK_LIMIT {
            return None;
        }
        self.c.challenge_count += 1;
        Some(self.ack_segment(now))
    }

    /// The RST answering `seg` when no connection takes it (RFC 9293 §3.10.7.1).
    pub(crate) fn rst_for(seg: &TcpRepr<'_>) -> Option<TcpRepr<'static>> {
        if seg.control == TcpControl::Rst {
            return None;
        }
        let (seq, ack) = match seg.ack_number {
            Some(ack) => (ack, None),
            None => (SeqNumber(0), Some(seg.seq_number + seg.segment_len())),
        };
        Some(TcpRepr {
            src_port: seg.dst_port,
            dst_port: seg.src_port,
            control: TcpControl::Rst,
            seq_number: seq,
            ack_number: ack,
            window_len: 0,
            window_scale: None,
            max_seg_size: None,
            sack_permitted: false,
            sack_ranges: [None; REPR_SACK_BLOCKS],
            timestamp: None,
            payload: &[],
        })
    }

    // ---- Receiving ---------------------------------------------------------------------

    /// Processes a segment that came from `src_addr` to `dst_addr` (its IP header) at
    /// `now`.
    ///
    /// Segments that do not belong to this connection (other ports or addresses) are
    /// ignored. A block listening on an unspecified address takes the SYN's destination
    /// as its local address.
    pub fn on_segment(
        &mut self,
        src_addr: IpAddress,
        dst_addr: IpAddress,
        seg: &TcpRepr<'_>,
        now: u64,
    ) -> Reaction {
        let reply = self.process(src_addr, dst_addr, seg, now);
        Reaction {
            reply,
            events: self.take_events(),
        }
    }

    fn process(
        &mut self,
        src_addr: IpAddress,
        dst_addr: IpAddress,
        seg: &TcpRepr<'_>,
        now: u64,
    ) -> Option<TcpRepr<'static>> {
        match self.c.state {
            State::Closed => return Self::rst_for(seg),
            State::Listen => return self.on_listen(src_addr, dst_addr, seg, now),
            _ => {}
        }
        let from = Endpoint {
            addr: src_addr,
            port: seg.src_port,
        };
        let to = Endpoint {
            addr: dst_addr,
            port: seg.dst_port,
        };
        if self.c.remote != Some(from) || self.c.local != to {
            return None;
        }
        self.c.last_rx = now;
        #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
        {
            self.c.ka_probes = 0;
        }
        self.c.persist_probes = 0;
        if self.c.state == State::SynSent {
            return self.on_syn_sent(seg, now);
        }
        self.on_synchronized(seg, now)
    }

    fn on_listen(
        &mut self,
        src_addr: IpAddress,
        dst_addr: IpAddress,
        seg: &TcpRepr<'_>,
        now: u64,
    ) -> Option<TcpRepr<'static>> {
        let any = self.c.local.addr.is_unspecified();
        if seg.dst_port != self.c.local.port || (!any && dst_addr != self.c.local.addr) {
            return None;
        }
        if seg.control == TcpControl::Rst {
            return None;
        }
        if seg.ack_number.is_some() {
            return Self::rst_for(seg);
        }
        if seg.control != TcpControl::Syn {
            return None;
        }
        let remote = Endpoint {
            addr: src_addr,
            port: seg.src_port,
        };
        self.c.remote = Some(remote);
        // The connection is bound to the address the SYN was sent to; back in LISTEN
        // (after a RST) it listens on what it listened on before.
        self.c.listen_addr = self.c.local.addr;
        self.c.local.addr = dst_addr;
        self.c.peer_mss = default_mss(src_addr);
        self.c.irs = seg.seq_number;
        self.c.rcv_nxt = seg.seq_number + 1;
        self.c.rcv_adv = self.c.rcv_nxt;
        self.c.last_ack_sent = self.c.rcv_nxt;
        self.c.last_rx = now;
        self.peer_syn_options(seg);
        let iss = self.c.isn.isn(
            self.c.local.addr,
            self.c.local.port,
            src_addr,
            seg.src_port,
            now,
        );
        self.start(iss);
        self.c.snd_wnd = usize::from(seg.window_len);
        self.c.max_snd_wnd = self.c.snd_wnd;
        self.c.snd_wl1 = seg.seq_number;
        self.c.state = State::SynReceived;
        self.c.state_deadline = Some(now.saturating_add(ACK_TIMEOUT));
        None
    }

    /// Takes the options of the peer's SYN. Our own SYN offers (or our SYN-ACK answers
    /// with) every option the configuration enables, so each is on when both ends want it.
    fn peer_syn_options(&mut self, seg: &TcpRepr<'_>) {
        if let Some(mss) = seg.max_seg_size {
            // An MSS below 64 would make progress absurdly slow; RFC 9293 leaves the floor
            // to the implementation (Linux uses 88).
            self.c.peer_mss = usize::from(mss).max(64);
        }
        match seg.window_scale {
            Some(shift) if config::CONFIG_NET_TCP_WINDOW_SCALING => {
                self.c.ws_ok = true;
                self.c.snd_shift = shift.min(MAX_WINDOW_SHIFT);
                self.c.rcv_shift =
                    own_shift(cfg_limit(RX, config::CONFIG_NET_TCP_MAX_RECV_WINDOW_SIZE));
            }
            _ => {
                self.c.ws_ok = false;
                self.c.snd_shift = 0;
                self.c.rcv_shift = 0;
            }
        }
        self.c.sack_ok = config::CONFIG_NET_TCP_SACK && seg.sack_permitted;
        match seg.timestamp {
            Some((tsval, _)) if self.c.use_timestamps => {
                self.c.ts_ok = true;
                self.c.ts_recent = tsval;
                self.c.ts_recent_at = self.c.last_rx;
            }
            _ => self.c.ts_ok = false,
        }
    }

    fn on_syn_sent(&mut self, seg: &TcpRepr<'_>, now: u64) -> Option<TcpRepr<'static>> {
        let mut ack_ok = false;
        if let Some(ack) = seg.ack_number {
            if ack <= self.c.iss || ack > self.c.snd_max {
                return Self::rst_for(seg);
            }
            ack_ok = true;
        }
        if seg.control == TcpControl::Rst {
            if ack_ok {
                self.fail(TcpError::Refused);
            }
            return None;
        }
        if seg.control != TcpControl::Syn {
            return None;
        }
        self.c.irs = seg.seq_number;
        self.c.rcv_nxt = seg.seq_number + 1;
        self.c.rcv_adv = self.c.rcv_nxt + self.c.syn_wnd;
        self.c.last_ack_sent = self.c.rcv_nxt;
        self.peer_syn_options(seg);
        // The window of a SYN is never scaled (RFC 7323 §2.2).
        self.c.snd_wnd = usize::from(seg.window_len);
        self.c.max_snd_wnd = self.c.snd_wnd;
        self.c.snd_wl1 = seg.seq_number;
        match seg.ack_number {
            Some(ack) if ack_ok => {
                self.c.snd_wl2 = ack;
                self.syn_acked(ack, seg, now);
                self.c.state = State::Established;
                self.c.ack_now = true;
            }
            _ => {
                // Simultaneous open: resend our SYN, now with the ACK.
                self.c.state = State::SynReceived;
                self.c.state_deadline = Some(now.saturating_add(ACK_TIMEOUT));
                self.c.snd_nxt = self.c.iss;
                self.c.rtt_probe = None;
            }
        }
        None
    }

    /// Our SYN was acknowledged by `ack`.
    fn syn_acked(&mut self, ack: SeqNumber, seg: &TcpRepr<'_>, now: u64) {
        self.take_rtt_sample(ack, seg, now);
        self.c.snd_una = ack;
        if self.c.snd_nxt < ack {
            self.c.snd_nxt = ack;
        }
        self.c.rto_deadline = None;
        self.c.retries = 0;
        self.c.cc.set_initial(self.smss());
        self.c.events.insert(Events::CONNECTED | Events::WRITABLE);
    }

    fn take_rtt_sample(&mut self, ack: SeqNumber, seg: &TcpRepr<'_>, now: u64) {
        if self.c.ts_ok
            && let Some((_, tsecr)) = seg.timestamp
            && tsecr != 0
        {
            self.c
                .rtt
                .sample(u64::from((now as u32).wrapping_sub(tsecr)));
            self.c.rtt_probe = None;
            return;
        }
        if let Some((end, sent)) = self.c.rtt_probe
            && ack >= end
        {
            self.c.rtt.sample(now.saturating_sub(sent));
            self.c.rtt_probe = None;
        }
    }

    /// The connection failed: CLOSED with `error`.
    fn fail(&mut self, error: TcpError) {
        self.c.error = Some(error);
        let ev = match error {
            TcpError::Reset | TcpError::Refused => Events::RESET,
            TcpError::TimedOut => Events::TIMED_OUT,
            TcpError::InvalidState => Events::empty(),
        };
        self.c.events.insert(ev | Events::CLOSED);
        self.reset_connection();
        self.c.state = State::Closed;
    }

    /// Back to LISTEN after a RST or SYN in a passively opened SYN-RECEIVED.
    fn back_to_listen(&mut self) {
        let local = Endpoint {
            addr: self.c.listen_addr,
            port: self.c.local.port,
        };
        self.reset_connection();
        self.c.local = local;
        self.c.passive = true;
        self.c.state = State::Listen;
    }

    fn enter_time_wait(&mut self, now: u64) {
        self.c.rto_deadline = None;
        self.c.persist_deadline = None;
        self.c.state_deadline = None;
        if TIME_WAIT_DELAY == 0 {
            self.closed_normally();
        } else {
            self.c.state = State::TimeWait;
            self.c.tw_deadline = Some(now.saturating_add(TIME_WAIT_DELAY));
        }
    }

    /// The RFC 9293 segment acceptability test against the window we advertised.
    fn acceptable(&self, seg: &TcpRepr<'_>) -> bool {
        let len = seg.segment_len();
        let wnd = self.rcv_wnd();
        let in_wnd = |s: SeqNumber| s.checked_sub(self.c.rcv_nxt).is_some_and(|d| d < wnd);
        match (len, wnd) {
            (0, 0) => seg.seq_number == self.c.rcv_nxt,
            (0, _) => in_wnd(seg.seq_number),
            (_, 0) => false,
            (_, _) => in_wnd(seg.seq_number) || in_wnd(seg.seq_number + (len - 1)),
        }
    }

    fn on_synchronized(&mut self, seg: &TcpRepr<'_>, now: u64) -> Option<TcpRepr<'static>> {
        let syn_unacked = self.c.snd_una == self.c.iss;
        // A repeated SYN in SYN-RECEIVED: the SYN-ACK was lost (resend it), or this is the
        // peer's SYN-ACK of a simultaneous open (take its ACK).
        if self.c.state == State::SynReceived
            && seg.control == TcpControl::Syn
            && seg.seq_number == self.c.irs
        {
            match seg.ack_number {
                Some(ack) if ack > self.c.snd_una && ack <= self.c.snd_max => {
                    let mut plain = *seg;
                    plain.control = TcpControl::None;
                    plain.seq_number = self.c.rcv_nxt;
                    plain.payload = &[];
                    return self.on_synchronized(&plain, now);
                }
                _ => {
                    self.c.snd_nxt = self.c.iss;
                    self.c.rtt_probe = None;
                    return None;
                }
            }
        }
        if self.c.state == State::TimeWait {
            if seg.control == TcpControl::Syn {
                if seg.seq_number > self.c.rcv_nxt {
                    self.closed_normally();
                    self.c.events.insert(Events::TIME_WAIT_SYN);
                    return None;
                }
                return self.challenge_ack(now);
            }
            if seg.control == TcpControl::Fin
                && seg.seq_number + (seg.payload.len() + 1) == self.c.rcv_nxt
            {
                // The peer did not get our last ACK: ACK again, restart the 2MSL wait.
                self.c.tw_deadline = Some(now.saturating_add(TIME_WAIT_DELAY));
                return Some(self.ack_segment(now));
            }
        }

        // PAWS (RFC 7323 §5.3 R1): with timestamps in use, a segment whose TSval is older
        // than TS.Recent is an old duplicate; ACK it and drop it. TS.Recent older than 24
        // days no longer counts (§5.5).
        if let (true, Some((tsval, _))) = (self.c.ts_ok, seg.timestamp) {
            let older = (tsval.wrapping_sub(self.c.ts_recent) as i32) < 0;
            let valid = now.saturating_sub(self.c.ts_recent_at) <= PAWS_IDLE;
            if older && valid && seg.control != TcpControl::Rst {
                return Some(self.ack_segment(now));
            }
        }
        // First: sequence number.
        if !self.acceptable(seg) {
            return match seg.control {
                TcpControl::Rst => None,
                TcpControl::Syn => self.challenge_ack(now),
                _ => {
                    // A zero window refuses the data but must still take the ACK and
                    // window fields (RFC 9293 §3.10.7.4, "special allowance"): a probe
                    // from a peer whose own window we are waiting on carries them.
                    if self.rcv_wnd() == 0
                        && seg.seq_number == self.c.rcv_nxt
                        && !syn_unacked
                        && let Some(ack) = seg.ack_number
                    {
                        let mut bare = *seg;
                        bare.payload = &[];
                        bare.control = TcpControl::None;
                        if let Some(challenge) = self.process_ack(&bare, ack, now) {
                            return Some(challenge);
                        }
                        if self.c.state == State::Closed {
                            return None;
                        }
                    }
                    Some(self.ack_segment(now))
                }
            };
        }
        // RFC 7323 §4.3: remember the peer's TSval of segments that start at or before
        // the last ACK we sent.
        if let (true, Some((tsval, _))) = (self.c.ts_ok, seg.timestamp)
            && seg.seq_number <= self.c.last_ack_sent
        {
            self.c.ts_recent = tsval;
            self.c.ts_recent_at = now;
        }
        // Second: RST (RFC 5961 §3.2).
        if seg.control == TcpControl::Rst {
            if seg.seq_number != self.c.rcv_nxt {
                return self.challenge_ack(now);
            }
            match self.c.state {
                State::SynReceived if self.c.passive => self.back_to_listen(),
                State::SynReceived => self.fail(TcpError::Refused),
                State::Established | State::FinWait1 | State::FinWait2 | State::CloseWait => {
                    self.fail(TcpError::Reset)
                }
                // CLOSING, LAST-ACK, TIME-WAIT: the peer had closed anyway.
                _ => self.closed_normally(),
            }
            return None;
        }
        // Fourth: SYN (RFC 5961 §4; RFC 9293 returns a passive SYN-RECEIVED to LISTEN).
        if seg.control == TcpControl::Syn {
            if self.c.state == State::SynReceived && self.c.passive {
                self.back_to_listen();
                return None;
            }
            return self.challenge_ack(now);
        }
        // Fifth: ACK.
        let ack = seg.ack_number?;
        if syn_unacked {
            if ack <= self.c.snd_una || ack > self.c.snd_max {
                return Self::rst_for(seg);
            }
            self.c.snd_wnd = usize::from(seg.window_len) << self.c.snd_shift;
            self.c.max_snd_wnd = self.c.max_snd_wnd.max(self.c.snd_wnd);
            self.c.snd_wl1 = seg.seq_number;
            self.c.snd_wl2 = ack;
            self.syn_acked(ack, seg, now);
            self.c.state_deadline = None;
            if self.c.state == State::SynReceived {
                self.c.state = State::Established;
            }
        }
        if let Some(r) = self.process_ack(seg, ack, now) {
            return Some(r);
        }
        if self.c.state == State::Closed {
            return None;
        }
        // Seventh: text. After `release` nobody will read it: RFC 1122 §4.2.2.13 answers
        // new data with a RST. Its sequence number is the segment's ACK (acceptable, so
        // within SND.UNA..=SND.MAX): the peer's RCV.NXT, which a peer applying RFC 5961
        // accepts at once even when some of our data or FIN is still in flight.
        let end = seg.seq_number + seg.payload.len();
        if self.c.orphan && !seg.payload.is_empty() && end > self.c.rcv_nxt {
            let rst = self.header(ack, TcpControl::Rst, None, 0);
            self.reset_connection();
            self.c.state = State::Closed;
            self.c.events.insert(Events::CLOSED);
            return Some(rst);
        }
        if !seg.payload.is_empty() {
            match self.c.state {
                State::Established | State::FinWait1 | State::FinWait2 => {
                    self.receive_data(seg, now)
                }
                _ => {}
            }
        }
        // Eighth: FIN.
        if seg.control == TcpControl::Fin {
            self.receive_fin(seg, now);
        }
        None
    }

    /// Fifth step for an ACK in a synchronized state. Returns a challenge ACK when the ACK
    /// is unacceptable (the segment is then dropped).
    fn process_ack(
        &mut self,
        seg: &TcpRepr<'_>,
        ack: SeqNumber,
        now: u64,
    ) -> Option<TcpRepr<'static>> {
        // RFC 5961 §5.2: SND.UNA − MAX.SND.WND ≤ SEG.ACK ≤ SND.NXT, else challenge. (SND.MAX
        // rather than SND.NXT, which a timeout may have rewound.) Incomparable numbers
        // (2^31 apart) count as too new.
        let too_new = matches!(
            ack.partial_cmp(&self.c.snd_max),
            None | Some(core::cmp::Ordering::Greater)
        );
        let too_old = self
            .c
            .snd_una
            .checked_sub(ack)
            .is_some_and(|d| d > self.c.max_snd_wnd.max(1));
        if too_new || too_old {
            return self.challenge_ack(now);
        }
        let smss = self.smss();
        let old_wnd = self.c.snd_wnd;
        let seg_wnd = usize::from(seg.window_len) << self.c.snd_shift;
        let fin_seq = self.c.tx_seq0 + self.tx.len();
        if self.c.sack_ok {
            for block in seg.sack_ranges.iter().flatten() {
                self.note_sack(*block);
            }
        }
        if ack > self.c.snd_una {
            let acked = dist(ack, self.c.snd_una);
            let data_acked = dist(ack, self.c.tx_seq0).min(self.tx.len());
            self.tx.discard(data_acked);
            self.c.tx_seq0 += data_acked;
            self.take_rtt_sample(ack, seg, now);
            self.c.snd_una = ack;
            if self.c.snd_nxt < ack {
                self.c.snd_nxt = ack;
            }
            // Karn: a backed-off RTO stays until a new sample (which resets the backoff).
            self.c.retries = 0;
            let flight = dist(self.c.snd_max, self.c.snd_una);
            if self.c.cc.on_new_ack(ack, acked, flight, smss) == AckKind::Partial {
                self.c.stats.partial_ack_retransmits =
                    self.c.stats.partial_ack_retransmits.saturating_add(1);
                // The next hole: with SACK the first one not resent yet in this recovery
                // (RFC 6675's idea), else the data at SND.UNA (RFC 6582).
                self.c.rexmit = self
                    .next_sack_hole()
                    .or_else(|| (self.c.snd_una >= self.c.rexmit_high).then_some(self.c.snd_una));
                self.c.rtt_probe = None;
            }
            self.c.rto_deadline = if self.c.snd_una == self.c.snd_max {
                None
            } else {
                Some(now.saturating_add(self.rto()))
            };
            for slot in self.c.sack_board.iter_mut() {
                if slot.is_some_and(|(_, end)| end <= ack) {
                    *slot = None;
                }
            }
            if data_acked > 0 {
                self.c.events.insert(Events::WRITABLE);
            }
        } else if ack == self.c.snd_una
            && self.c.snd_max > self.c.snd_una
            && seg.payload.is_empty()
            && seg.control != TcpControl::Fin
            && seg_wnd == old_wnd
            && old_wnd != 0
        {
            let flight = dist(self.c.snd_max, self.c.snd_una);
            if self.c.cc.on_dupack(ack, flight, self.c.snd_max, smss) {
                self.c.stats.fast_retransmits = self.c.stats.fast_retransmits.saturating_add(1);
                self.c.rexmit = Some(self.c.snd_una);
                self.c.rexmit_high = self.c.snd_una;
                self.c.rtt_probe = None;
            } else if self.c.cc.in_recovery() && self.c.rexmit.is_none() {
                // Each further duplicate in recovery may resend one more SACK hole, in
                // place of the new segment its window inflation would have let out.
                self.c.rexmit = self.next_sack_hole();
                if self.c.rexmit.is_some() {
                    self.c.cc.spend_inflation(smss);
                }
            }
        }
        // Window update (RFC 9293 §3.10.7.4, fifth step), only from ACKs that are not old.
        if ack >= self.c.snd_una
            && (self.c.snd_wl1 < seg.seq_number
                || (self.c.snd_wl1 == seg.seq_number && self.c.snd_wl2 <= ack))
        {
            self.c.snd_wnd = seg_wnd;
            self.c.max_snd_wnd = self.c.max_snd_wnd.max(seg_wnd);
            self.c.snd_wl1 = seg.seq_number;
            self.c.snd_wl2 = ack;
            if seg_wnd > 0 && self.c.persist_deadline.is_some() {
                self.c.persist_deadline = None;
                self.c.persist_shift = 0;
                self.c.probe_due = false;
                // Resend any probe byte together with what follows it.
                self.c.snd_nxt = self.c.snd_una;
            }
        }
        let fin_acked = self.c.fin_queued && self.c.snd_una == fin_seq + 1;
        match self.c.state {
            State::FinWait1 if fin_acked => {
                self.c.state = State::FinWait2;
                if self.c.orphan {
                    self.c.state_deadline = Some(now.saturating_add(ACK_TIMEOUT));
                }
            }
            State::Closing if fin_acked => self.enter_time_wait(now),
            State::LastAck if fin_acked => self.closed_normally(),
            _ => {}
        }
        None
    }

    /// Records a SACK block from the peer in the scoreboard (ignoring nonsense).
    fn note_sack(&mut self, (start, end): (SeqNumber, SeqNumber)) {
        if end <= start || start < self.c.snd_una || end > self.c.snd_max {
            return;
        }
        let (mut lo, mut hi) = (start, end);
        for slot in self.c.sack_board.iter_mut() {
            if let Some((s, e)) = *slot
                && s <= hi
                && lo <= e
            {
                lo = if s < lo { s } else { lo };
                hi = seq_max(hi, e);
                *slot = None;
            }
        }
        // A free slot, else the last one: the newest information wins.
        if let Some(slot) = self.c.sack_board.iter_mut().find(|s| s.is_none()) {
            *slot = Some((lo, hi));
        } else if let Some(slot) = self.c.sack_board.last_mut() {
            *slot = Some((lo, hi));
        }
    }

    /// The first sequence number at or above both SND.UNA and the data already resent in
    /// this recovery that the peer has not SACKed, if it lies below the highest SACKed
    /// byte (so it is known to be missing, not just in flight).
    fn next_sack_hole(&self) -> Option<SeqNumber> {
        let high = self
            .c
            .sack_board
            .iter()
            .flatten()
            .map(|(_, e)| *e)
            .reduce(seq_max)?;
        let mut start = seq_max(self.c.snd_una, self.c.rexmit_high);
        for _ in 0..=SACK_SCOREBOARD {
            match self
                .c
                .sack_board
                .iter()
                .flatten()
                .find(|(s, e)| *s <= start && start < *e)
            {
                Some((_, e)) => start = *e,
                None => break,
            }
        }
        (start < high).then_some(start)
    }

    /// The end of the hole starting at `seq`: the start of the first SACKed block above
    /// it, or SND.MAX.
    fn hole_end(&self, seq: SeqNumber) -> SeqNumber {
        let mut end = self.c.snd_max;
        for (s, _) in self.c.sack_board.iter().flatten() {
            if *s > seq && *s < end {
                end = *s;
            }
        }
        end
    }

    fn receive_data(&mut self, seg: &TcpRepr<'_>, now: u64) {
        let mut start = seg.seq_number;
        let mut data = seg.payload;
        if let Some(skip) = self.c.rcv_nxt.checked_sub(start) {
            if skip >= data.len() {
                self.c.ack_now = true;
                self.c.ack_immediate = true;
                return;
            }
            data = data.get(skip..).unwrap_or_default();
            start = self.c.rcv_nxt;
        }
        let Some(off) = start.checked_sub(self.c.rcv_nxt) else {
            return;
        };
        let wnd = self.rcv_wnd();
        if off >= wnd {
            self.c.ack_now = true;
            self.c.ack_immediate = true;
            return;
        }
        data = data.get(..data.len().min(wnd - off)).unwrap_or_default();
        if off == 0 {
            let had_ooo = !self.c.ooo.is_empty();
            let n = self.rx.write_at(self.rx.len(), data);
            self.rx.commit(n);
            self.c.rcv_nxt += n;
            while let Some(end) = self.c.ooo.advance(self.c.rcv_nxt) {
                let extra = dist(end, self.c.rcv_nxt);
                self.c.rcv_nxt += self.rx.commit(extra);
            }
            self.c.events.insert(Events::READABLE);
            self.c.unacked_bytes = self.c.unacked_bytes.saturating_add(n);
            // "Full-sized" is what the peer actually sends: the largest segment seen so
            // far, at most our MSS (a peer behind a smaller MTU still gets every second
            // segment acknowledged at once).
            self.c.rcv_mss = self.c.rcv_mss.max(n).min(self.rmss());
            if had_ooo || ACK_DELAY == 0 || self.c.unacked_bytes >= 2 * self.c.rcv_mss {
                self.c.ack_now = true;
                self.c.ack_immediate |= had_ooo;
            } else if self.c.ack_deadline.is_none() {
                self.c.ack_deadline = Some(now.saturating_add(ACK_DELAY));
            }
        } else {
            // Out of order: keep it if a range slot is free, and send a duplicate ACK at
            // once (RFC 5681 §4.2) carrying the SACK blocks.
            let end = start + data.len();
            if self.c.ooo.insert(start, end, now) {
                self.rx.write_at(self.rx.len() + off, data);
            }
            self.c.ack_now = true;
            self.c.ack_immediate = true;
        }
    }

    fn receive_fin(&mut self, seg: &TcpRepr<'_>, now: u64) {
        let fin_at = seg.seq_number + seg.payload.len();
        if fin_at != self.c.rcv_nxt || self.c.fin_received {
            // A FIN beyond a hole: it comes again once the hole is filled.
            return;
        }
        self.c.rcv_nxt += 1;
        self.c.fin_received = true;
        self.c.ack_now = true;
        self.c.events.insert(Events::PEER_CLOSED);
        let our_fin_acked = self.c.fin_queued
            && self.c.snd_una == self.c.tx_seq0 + (self.tx.len() + 1)
            && self.c.snd_max == self.c.snd_una;
        match self.c.state {
            State::SynReceived | State::Established => self.c.state = State::CloseWait,
            State::FinWait1 if our_fin_acked => self.enter_time_wait(now),
            State::FinWait1 => self.c.state = State::Closing,
            State::FinWait2 => self.enter_time_wait(now),
            _ => {}
        }
    }

    // ---- Timers ------------------------------------------------------------------------

    /// When [`Self::poll_transmit`] must be called next for a timer, if any timer runs.
    ///
    /// Independent of this, `poll_transmit` should be called after every
    /// [`Self::on_segment`], [`Self::send`], [`Self::recv`] and [`Self::close`] until it
    /// returns `None`.
    pub fn poll_at(&self) -> Option<u64> {
        if matches!(self.c.state, State::Closed | State::Listen) {
            return None;
        }
        let ooo = self
            .c
            .ooo
            .since()
            .map(|t| t.saturating_add(RECV_QUEUE_TIMEOUT));
        [
            self.c.rto_deadline,
            self.c.ack_deadline,
            self.c.persist_deadline,
            self.keepalive_deadline(),
            self.c.tw_deadline,
            self.c.state_deadline,
            ooo,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Without `NET_TCP_KEEPALIVE` there is never a keep-alive deadline.
    #[cfg(not(CONFIG_NET_TCP_KEEPALIVE))]
    fn keepalive_deadline(&self) -> Option<u64> {
        None
    }

    #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
    fn keepalive_deadline(&self) -> Option<u64> {
        let ka = self.c.keepalive?;
        let idle = matches!(self.c.state, State::Established | State::CloseWait)
            && self.c.snd_una == self.c.snd_max
            && self.tx.is_empty()
            && !self.c.fin_queued;
        if !idle {
            return None;
        }
        Some(if self.c.ka_probes == 0 {
            self.c.last_rx.saturating_add(ka.idle)
        } else {
            self.c.ka_last.saturating_add(ka.interval)
        })
    }

    fn run_timers(&mut self, now: u64) {
        if self.c.tw_deadline.is_some_and(|d| now >= d) && self.c.state == State::TimeWait {
            self.closed_normally();
            return;
        }
        if self.c.state_deadline.is_some_and(|d| now >= d) {
            match self.c.state {
                State::FinWait2 => {
                    self.reset_connection();
                    self.c.state = State::Closed;
                    self.c.events.insert(Events::CLOSED);
                    return;
                }
                // The handshake did not complete in time (a lost ACK or a spoofed SYN):
                // a listener goes back to listening, a simultaneous open fails.
                State::SynReceived if self.c.passive => {
                    self.back_to_listen();
                    return;
                }
                State::SynReceived => {
                    self.fail(TcpError::TimedOut);
                    return;
                }
                _ => self.c.state_deadline = None,
            }
        }
        if let Some(since) = self.c.ooo.since()
            && now >= since.saturating_add(RECV_QUEUE_TIMEOUT)
        {
            self.c.ooo.clear();
        }
        if self.c.rto_deadline.is_some_and(|d| now >= d) {
            self.c.rto_deadline = None;
            if self.c.snd_una != self.c.snd_max {
                if self.c.retries >= RETRY_COUNT {
                    self.fail(TcpError::TimedOut);
                    return;
                }
                self.c.retries += 1;
                self.c.stats.timeouts = self.c.stats.timeouts.saturating_add(1);
                self.c.rtt.back_off();
                let flight = dist(self.c.snd_max, self.c.snd_una);
                self.c.cc.on_timeout(flight, self.c.snd_max, self.smss());
                self.c.snd_nxt = self.c.snd_una;
                self.c.rexmit = None;
                self.c.rtt_probe = None;
                self.c.sack_board = [None; SACK_SCOREBOARD];
                if self.c.snd_wnd == 0 && self.c.snd_una != self.c.iss {
                    // The peer closed its window: probe it instead of retrying.
                    self.c.persist_deadline = Some(now.saturating_add(self.persist_interval()));
                }
            }
        }
        if self.c.ack_deadline.is_some_and(|d| now >= d) {
            self.c.ack_deadline = None;
            self.c.ack_now = true;
        }
        if self.c.persist_deadline.is_some_and(|d| now >= d) {
            self.c.persist_deadline = None;
            self.c.probe_due = true;
        }
        #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
        if let (Some(d), Some(ka)) = (self.keepalive_deadline(), self.c.keepalive)
            && now >= d
        {
            if self.c.ka_probes >= ka.count {
                self.fail(TcpError::TimedOut);
                return;
            }
            self.c.ka_due = true;
        }
    }

    fn persist_interval(&self) -> u64 {
        self.rto()
            .checked_shl(self.c.persist_shift)
            .unwrap_or(MAX_RTO)
            .min(MAX_RTO)
    }

    // ---- Sending -----------------------------------------------------------------------

    /// Runs the timers due at `now` and returns the next segment to send, if any, with its
    /// payload copied into `buf` (which bounds the payload size; give it at least the MSS).
    /// `mtu` is the IP MTU of the route, which limits the segment size.
    ///
    /// Call repeatedly until it returns `None`; events caused by timers (a connection that
    /// timed out, TIME-WAIT ending) are then in [`Self::take_events`].
    pub fn poll_transmit<'b>(
        &mut self,
        now: u64,
        mtu: usize,
        buf: &'b mut [u8],
    ) -> Option<TcpRepr<'b>> {
        self.c.mtu = mtu;
        self.run_timers(now);
        match self.c.state {
            State::Closed | State::Listen => return None,
            State::TimeWait => {
                return if self.c.ack_now {
                    Some(self.ack_segment(now))
                } else {
                    None
                };
            }
            _ => {}
        }
        // The SYN (or SYN-ACK), first or again.
        if self.c.snd_una == self.c.iss && self.c.snd_nxt == self.c.iss {
            return Some(self.syn_segment(now));
        }
        let mut plan = None;
        if let Some(seq) = self.c.rexmit.take() {
            let limit = self.hole_end(seq);
            if self.data_len(seq, limit, self.smss()).is_some() {
                plan = Some((seq, limit, SendKind::Retransmit));
            }
        }
        if plan.is_none() && self.c.snd_una != self.c.iss {
            // (With the SYN outstanding nothing else may be sent but ACKs.)
            plan = self
                .new_data(now)
                .map(|(seq, limit)| (seq, limit, SendKind::New));
            if plan.is_none() && self.c.probe_due {
                self.c.probe_due = false;
                let limit = self.c.snd_una + 1;
                if self.c.snd_wnd == 0
                    && self.data_len(self.c.snd_una, limit, self.smss()).is_some()
                {
                    // Probing goes on as long as the peer answers; NET_TCP_RETRY_COUNT
                    // probes in a row without a word from it end the connection.
                    if self.c.persist_probes >= RETRY_COUNT {
                        self.fail(TcpError::TimedOut);
                        return None;
                    }
                    self.c.persist_probes += 1;
                    self.c.persist_shift = (self.c.persist_shift + 1).min(16);
                    self.c.persist_deadline = Some(now.saturating_add(self.persist_interval()));
                    plan = Some((self.c.snd_una, limit, SendKind::Probe));
                }
            }
        }
        if let Some((seq, limit, kind)) = plan {
            return self.data_segment(seq, limit, kind, now, buf);
        }
        #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
        if self.c.ka_due {
            self.c.ka_due = false;
            self.c.ka_probes += 1;
            self.c.ka_last = now;
            let mut repr = self.header(self.c.snd_max - 1, TcpControl::None, None, 0);
            self.finish(&mut repr, now);
            return Some(repr);
        }
        self.maybe_ack(now)
    }

    fn maybe_ack(&mut self, now: u64) -> Option<TcpRepr<'static>> {
        if self.c.ack_now || self.window_update_needed() {
            Some(self.ack_segment(now))
        } else {
            None
        }
    }

    fn syn_segment(&mut self, now: u64) -> TcpRepr<'static> {
        let active = self.c.state == State::SynSent;
        let mut repr = self.header(self.c.iss, TcpControl::Syn, None, 0);
        repr.max_seg_size = Some(self.rmss() as u16);
        if config::CONFIG_NET_TCP_WINDOW_SCALING && (active || self.c.ws_ok) {
            repr.window_scale = Some(own_shift(cfg_limit(
                RX,
                config::CONFIG_NET_TCP_MAX_RECV_WINDOW_SIZE,
            )));
        }
        repr.sack_permitted = config::CONFIG_NET_TCP_SACK && (active || self.c.sack_ok);
        self.finish(&mut repr, now);
        self.sent(self.c.iss, 1, now, true);
        repr
    }

    /// Whether new data (or the FIN) may go now, as (first sequence number, limit).
    fn new_data(&mut self, now: u64) -> Option<(SeqNumber, SeqNumber)> {
        if !matches!(
            self.c.state,
            State::Established
                | State::CloseWait
                | State::FinWait1
                | State::Closing
                | State::LastAck
        ) {
            return None;
        }
        let seq = self.c.snd_nxt;
        let off = seq.checked_sub(self.c.tx_seq0)?;
        let avail = self.tx.len().saturating_sub(off);
        let fin_seq = self.c.tx_seq0 + self.tx.len();
        let fin_pending = self.c.fin_queued && seq <= fin_seq;
        if avail == 0 && !fin_pending {
            return None;
        }
        // Limited transmit (RFC 3042): the first two duplicate ACKs each let one new
        // segment out beyond cwnd, so that small windows still collect three duplicates.
        let limited = if self.c.cc.in_recovery() {
            0
        } else {
            self.smss()
                .saturating_mul(self.c.cc.dupacks().min(2) as usize)
        };
        let win = cfg_limit(
            self.c.snd_wnd.min(self.c.cc.cwnd().saturating_add(limited)),
            config::CONFIG_NET_TCP_MAX_SEND_WINDOW_SIZE,
        );
        let usable = dist(self.c.snd_una + win, seq);
        let smss = self.smss();
        let len = avail.min(usable).min(smss);
        let full = len == smss;
        // With TSO, as many whole segments as the data and the device allow, in one, but
        // at most a quarter of the window: a window sent in one or two packets comes back
        // as one or two ACKs, and the sender then idles while the peer works through them
        // (over a TAP with 16 KiB windows, whole-window packets were slower than single
        // segments).
        #[cfg(feature = "std")]
        let len = if full {
            let burst = (win.min(TX) / 4).max(smss);
            avail.min(usable).min(self.new_data_max()).min(burst) / smss * smss
        } else {
            len
        };
        // Nagle looks at data in flight now: after a timeout rewound SND.NXT, the old data
        // is being resent and does not count.
        let in_flight = self.c.snd_nxt != self.c.snd_una;
        // Minshall's refinement of Nagle (as Linux has it): only an unacknowledged small
        // segment holds the next small one back. The tail of a bulk write then goes out
        // at once instead of waiting for the peer's delayed ACK of full segments.
        let small_in_flight = in_flight && self.c.snd_sml > self.c.snd_una;
        let send_all = len == avail;
        // Nagle (RFC 9293 §3.7.4) and sender SWS avoidance (§3.8.6.2.1): a full segment,
        // or everything queued when no small segment is in flight (or Nagle is off, or
        // closing), or at least half the largest window the peer offered.
        let ok = len > 0
            && (full
                || (send_all && (self.c.nodelay || !small_in_flight || self.c.fin_queued))
                || (len >= self.c.max_snd_wnd / 2 && (self.c.nodelay || !in_flight)));
        // A FIN alone needs room for its sequence number like a data byte; into a zero
        // window it goes as a probe (below), so an open peer never times us out.
        let fin_fits = dist(self.c.snd_una + self.c.snd_wnd, seq) > 0;
        if ok || (fin_pending && avail == 0 && fin_fits) {
            return Some((seq, seq + len));
        }
        if len > 0 && !in_flight {
            // Held back by SWS avoidance with nothing in flight: the override timeout of
            // RFC 9293 §3.8.6.2.1 (the persist timer) sends what the window allows, so a
            // peer whose window stays small is not waited on forever.
            if self.c.probe_due {
                self.c.probe_due = false;
                return Some((seq, seq + len));
            }
            if self.c.persist_deadline.is_none() {
                self.c.persist_deadline = Some(now.saturating_add(self.persist_interval()));
            }
            return None;
        }
        if (avail > 0 || fin_pending)
            && self.c.snd_wnd == 0
            && self.c.persist_deadline.is_none()
            && !in_flight
        {
            self.c.persist_deadline = Some(now.saturating_add(self.persist_interval()));
        }
        None
    }

    /// What a segment from `seq` up to `limit` would hold: (data bytes, FIN), or `None`
    /// when nothing. The FIN goes with the last queued byte after a close.
    fn data_len(&self, seq: SeqNumber, limit: SeqNumber, max: usize) -> Option<(usize, bool)> {
        let off = seq.checked_sub(self.c.tx_seq0)?;
        let n = self
            .tx
            .len()
            .saturating_sub(off)
            .min(dist(limit, seq))
            .min(max);
        let fin_seq = self.c.tx_seq0 + self.tx.len();
        let fin = self.c.fin_queued && seq + n == fin_seq && limit >= fin_seq;
        (n > 0 || fin).then_some((n, fin))
    }

    /// Builds the segment [`Self::data_len`] describes, its payload copied into `buf`.
    fn data_segment<'b>(
        &mut self,
        seq: SeqNumber,
        limit: SeqNumber,
        kind: SendKind,
        now: u64,
        buf: &'b mut [u8],
    ) -> Option<TcpRepr<'b>> {
        let max = if kind == SendKind::New {
            self.new_data_max()
        } else {
            self.smss()
        };
        let (want, fin) = self.data_len(seq, limit, max)?;
        let off = seq.checked_sub(self.c.tx_seq0)?;
        // A short `buf` shortens the segment (and holds the FIN back).
        let out = buf.get_mut(..want.min(buf.len()))?;
        let n = self.tx.read_at(off, out);
        let fin = fin && n == want;
        if n == 0 && !fin {
            return None;
        }
        let fin_seq = self.c.tx_seq0 + self.tx.len();
        let control = if fin {
            TcpControl::Fin
        } else if seq + n == fin_seq || self.c.nodelay {
            TcpControl::Psh
        } else {
            TcpControl::None
        };
        let mut repr = self.header(seq, control, None, 0);
        self.finish(&mut repr, now);
        if kind != SendKind::New {
            // Karn: nothing resent is timed.
            self.c.rtt_probe = None;
        }
        if kind == SendKind::Retransmit {
            self.c.rexmit_high = seq_max(self.c.rexmit_high, seq + n);
        }
        // A zero-window probe runs on the persist timer, not the retransmission timer.
        self.sent(seq, n + usize::from(fin), now, kind != SendKind::Probe);
        repr.payload = buf.get(..n).unwrap_or_default();
        Some(repr)
    }

    /// Bookkeeping after sending `len` sequence numbers from `seq`.
    fn sent(&mut self, seq: SeqNumber, len: usize, now: u64, arm_rto: bool) {
        let end = seq + len;
        let new = end > self.c.snd_max;
        if new && len < self.smss() {
            self.c.snd_sml = end;
        }
        if end > self.c.snd_nxt {
            self.c.snd_nxt = end;
        }
        if new {
            if self.c.rtt_probe.is_none() && seq >= self.c.snd_max && !self.c.ts_ok {
                self.c.rtt_probe = Some((end, now));
            }
            self.c.snd_max = end;
        }
        if arm_rto && self.c.rto_deadline.is_none() {
            self.c.rto_deadline = Some(now.saturating_add(self.rto()));
        }
    }
}

impl Conn {
    const fn new(isn: IsnGenerator) -> Conn {
        let zero = SeqNumber(0);
        let unspecified = Endpoint {
            addr: IpAddress::V4(core::net::Ipv4Addr::UNSPECIFIED),
            port: 0,
        };
        Conn {
            state: State::Closed,
            local: unspecified,
            remote: None,
            passive: false,
            listen_addr: IpAddress::V4(core::net::Ipv4Addr::UNSPECIFIED),
            isn,
            error: None,
            events: Events::empty(),
            mtu: 1500,
            #[cfg(feature = "std")]
            tso_max: 0,
            iss: zero,
            snd_una: zero,
            snd_nxt: zero,
            snd_max: zero,
            snd_sml: zero,
            snd_wnd: 0,
            max_snd_wnd: 0,
            snd_wl1: zero,
            snd_wl2: zero,
            snd_shift: 0,
            peer_mss: DEFAULT_MSS_V4,
            tx_seq0: zero,
            fin_queued: false,
            nodelay: false,
            irs: zero,
            rcv_nxt: zero,
            rcv_adv: zero,
            rcv_shift: 0,
            syn_wnd: 0,
            ooo: OooRanges::new(),
            fin_received: false,
            unacked_bytes: 0,
            rcv_mss: 0,
            ack_now: false,
            ack_immediate: false,
            ack_deadline: None,
            sack_ok: false,
            ws_ok: false,
            use_timestamps: false,
            ts_ok: false,
            ts_recent: 0,
            ts_recent_at: 0,
            last_ack_sent: zero,
            sack_board: [None; SACK_SCOREBOARD],
            rtt: Rtt::new(),
            cc: Cc::new(DEFAULT_MSS_V4, zero),
            rtt_probe: None,
            rto_deadline: None,
            retries: 0,
            rexmit: None,
            rexmit_high: zero,
            persist_deadline: None,
            persist_shift: 0,
            persist_probes: 0,
            probe_due: false,
            #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
            keepalive: None,
            #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
            ka_probes: 0,
            #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
            ka_last: 0,
            #[cfg(CONFIG_NET_TCP_KEEPALIVE)]
            ka_due: false,
            last_rx: 0,
            tw_deadline: None,
            orphan: false,
            state_deadline: None,
            rto_gain: 0,
            challenge_window: 0,
            challenge_count: 0,
            stats: TcbStats {
                timeouts: 0,
                fast_retransmits: 0,
                partial_ack_retransmits: 0,
            },
        }
    }
}

/// What a data segment being built is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SendKind {
    /// Data (or the FIN) never sent before.
    New,
    /// A fast, partial-ACK or hole retransmission.
    Retransmit,
    /// A zero-window probe byte.
    Probe,
}

/// The smallest window shift that makes `window` fit the 16-bit field.
fn own_shift(window: usize) -> u8 {
    let mut shift = 0;
    while shift < MAX_WINDOW_SHIFT && (window >> shift) > u16::MAX as usize {
        shift += 1;
    }
    shift
}

/// The default MSS for a peer at `addr`.
fn default_mss(addr: IpAddress) -> usize {
    match addr {
        IpAddress::V4(_) => DEFAULT_MSS_V4,
        IpAddress::V6(_) => DEFAULT_MSS_V6,
    }
}

#[cfg(test)]
mod tests;
