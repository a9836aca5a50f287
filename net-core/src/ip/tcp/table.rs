//! The connection table: `NET_MAX_CONN` control blocks with their send and receive
//! buffers, and who owns each one.
//!
//! The table is its own `static` (the instance macro declares it next to the pools) and
//! starts all zero, so it lands in `.bss`: it costs RAM but no flash. A free slot holds no
//! control block; one is built in place when a connection starts.
//!
//! Buffer sizes: `NET_TCP_MAX_RECV_WINDOW_SIZE` / `NET_TCP_MAX_SEND_WINDOW_SIZE` when set;
//! otherwise the RX (TX) data-buffer pool divided by `NET_MAX_CONN`, between
//! [`MIN_BUFFER`] and 65535 bytes. With the connections all open the rings then hold about
//! as much as the packet pools do, which is the memory a firmware engineer budgeted for
//! TCP when sizing them.

use core::cell::{Cell, RefCell};
use core::sync::atomic::{AtomicBool, Ordering};

use critical_section::Mutex;

use super::conn::{Endpoint, State, Tcb};
use super::isn::IsnGenerator;
use crate::config;

/// The smallest ring a derived size may give: one default IPv4 MSS.
pub const MIN_BUFFER: usize = 536;

/// A ring size: the Kconfig window option when it is set, else `bufs` data buffers
/// shared out over the connections.
const fn ring_size(option: usize, bufs: usize) -> usize {
    if option != 0 {
        return option;
    }
    let share = bufs * config::CONFIG_NET_BUF_DATA_SIZE / config::CONFIG_NET_MAX_CONN;
    if share < MIN_BUFFER {
        MIN_BUFFER
    } else if share > 65535 {
        65535
    } else {
        share
    }
}

/// Receive buffer of each connection, in bytes (the largest window it advertises).
pub const RX_BUFFER: usize = ring_size(
    config::CONFIG_NET_TCP_MAX_RECV_WINDOW_SIZE,
    config::CONFIG_NET_BUF_RX_COUNT,
);
/// Send buffer of each connection, in bytes.
pub const TX_BUFFER: usize = ring_size(
    config::CONFIG_NET_TCP_MAX_SEND_WINDOW_SIZE,
    config::CONFIG_NET_BUF_TX_COUNT,
);
/// Connections the table holds (`NET_MAX_CONN`).
pub const SLOTS: usize = config::CONFIG_NET_MAX_CONN;

/// The control block type of this configuration.
pub type ConnTcb = Tcb<TX_BUFFER, RX_BUFFER>;

/// Who a connection belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The socket with this descriptor (it connected, or accepted the connection).
    Socket(u8),
    /// Handshaking, or waiting to be accepted, on the listening socket with this
    /// descriptor: its SYN queue and accept queue.
    Pending(u8),
    /// The socket closed; the connection finishes its close alone and then frees the slot.
    Orphan,
}

/// A used slot.
pub(crate) struct Entry {
    pub(crate) owner: Owner,
    /// Arrival order, so that `accept` hands out the oldest connection first.
    pub(crate) arrival: u32,
    /// Its output waits for the end of the receive batch (`io::flush_deferred`).
    pub(crate) output_deferred: bool,
    /// When TCP last told neighbor discovery that the peer is reachable (ms, 0: never).
    #[cfg(CONFIG_NET_TCP_IPV6_ND_REACHABILITY_HINT)]
    pub(crate) nd_hint_ms: u64,
    pub(crate) tcb: ConnTcb,
}

/// One slot of the table. `Free` has the discriminant 0 so that an all-free table is all
/// zero bytes. The size difference is the point: a slot is the connection's storage.
#[repr(u8)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Slot {
    /// Unused.
    Free = 0,
    /// A connection.
    Used(Entry),
}

impl Slot {
    /// The entry of a used slot.
    pub(crate) fn entry(&mut self) -> Option<&mut Entry> {
        match self {
            Slot::Used(e) => Some(e),
            Slot::Free => None,
        }
    }

    /// Whether the slot can take a new connection: free, or holding a closed connection
    /// that no socket owns any more.
    fn reusable(&self) -> bool {
        match self {
            Slot::Free => true,
            Slot::Used(e) => is_done(e),
        }
    }
}

/// A connection that is over and that no socket will look at again: closed, or a
/// handshake on a listener that timed out (the block went back to LISTEN).
pub(crate) fn is_done(e: &Entry) -> bool {
    match e.owner {
        Owner::Socket(_) => false,
        Owner::Pending(_) => matches!(e.tcb.state(), State::Closed | State::Listen),
        Owner::Orphan => e.tcb.state() == State::Closed,
    }
}

/// The TCP connections of one stack instance.
pub struct TcpTable {
    slots: Mutex<RefCell<[Slot; SLOTS]>>,
    /// The RFC 6528 secret; all zero until [`TcpTable::set_secret`] or the stack's start.
    secret: Mutex<Cell<[u8; 16]>>,
    arrivals: Mutex<Cell<u32>>,
    /// The earliest timer of any connection, as a time in ms plus one (0: none), so
    /// that polling can skip the table until then.
    next_timer: Mutex<Cell<u64>>,
    /// Whether `next_timer` holds a time: read without a critical section, so that an
    /// idle poll with no connection timer takes none. A timer noted concurrently with
    /// the read is seen by the next poll.
    armed: AtomicBool,
    /// Whether some connection's output waits for the end of the receive batch.
    deferred: AtomicBool,
}

impl Default for TcpTable {
    fn default() -> Self {
        Self::new()
    }
}

impl TcpTable {
    /// An empty table (usable in `static`s; all zero bytes).
    pub const fn new() -> TcpTable {
        TcpTable {
            slots: Mutex::new(RefCell::new([const { Slot::Free }; SLOTS])),
            secret: Mutex::new(Cell::new([0; 16])),
            arrivals: Mutex::new(Cell::new(0)),
            next_timer: Mutex::new(Cell::new(0)),
            armed: AtomicBool::new(false),
            deferred: AtomicBool::new(false),
        }
    }

    /// Notes a connection timer at `at` (ms).
    pub(crate) fn timer_at(&self, at: u64) {
        critical_section::with(|cs| {
            let cell = self.next_timer.borrow(cs);
            let stored = at.saturating_add(1);
            if cell.get() == 0 || stored < cell.get() {
                cell.set(stored);
            }
            self.armed.store(true, Ordering::Relaxed);
        });
    }

    /// Whether a connection timer is due at `now`; if so, forgets it (the caller runs
    /// the timers, which note the next one).
    pub(crate) fn take_due(&self, now: u64) -> bool {
        if !self.armed.load(Ordering::Relaxed) {
            return false;
        }
        critical_section::with(|cs| {
            let cell = self.next_timer.borrow(cs);
            let due = cell.get() != 0 && cell.get() - 1 <= now;
            if due {
                cell.set(0);
                self.armed.store(false, Ordering::Relaxed);
            }
            due
        })
    }

    /// Notes that a connection's output was deferred (called in the critical section
    /// that set its entry's flag).
    pub(crate) fn note_deferred(&self) {
        self.deferred.store(true, Ordering::Relaxed);
    }

    /// Whether some connection's output was deferred; if so, forgets it (the caller
    /// flushes every flagged connection). Lock-free when none was.
    pub(crate) fn take_deferred(&self) -> bool {
        if !self.deferred.load(Ordering::Relaxed) {
            return false;
        }
        // Load and store rather than `swap`: Cortex-M0 has no atomic read-modify-write,
        // and the critical section makes the pair atomic.
        critical_section::with(|_| {
            let was = self.deferred.load(Ordering::Relaxed);
            self.deferred.store(false, Ordering::Relaxed);
            was
        })
    }

    /// Runs `f` on the slots, in a critical section.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut [Slot]) -> R) -> R {
        critical_section::with(|cs| f(&mut *self.slots.borrow_ref_mut(cs)))
    }

    /// Sets the secret key of the initial sequence numbers (RFC 6528). Firmware with a
    /// hardware random number generator should call this before the first connection;
    /// otherwise [`crate::Stack::start`] derives one (see there).
    pub fn set_secret(&self, key: [u8; 16]) {
        critical_section::with(|cs| self.secret.borrow(cs).set(key));
    }

    /// The secret key.
    pub(crate) fn secret(&self) -> [u8; 16] {
        critical_section::with(|cs| self.secret.borrow(cs).get())
    }

    /// Mixes `entropy` into the secret (used at start when no key was set).
    pub(crate) fn stir_secret(&self, entropy: &[u8]) {
        critical_section::with(|cs| {
            let cell = self.secret.borrow(cs);
            let mut key = cell.get();
            let hash = super::isn::siphash::<2, 4>(&key, entropy).to_le_bytes();
            let mut key2 = key;
            key2[0] ^= 0x5a;
            let hash2 = super::isn::siphash::<2, 4>(&key2, entropy).to_le_bytes();
            for (k, h) in key.iter_mut().zip(hash.iter().chain(hash2.iter())) {
                *k ^= *h;
            }
            cell.set(key);
        });
    }

    /// The next arrival number.
    fn next_arrival(&self) -> u32 {
        critical_section::with(|cs| {
            let cell = self.arrivals.borrow(cs);
            let n = cell.get().wrapping_add(1);
            cell.set(n);
            n
        })
    }
}

/// Index of the slot holding the connection from `remote` to `local`.
pub(crate) fn find(slots: &mut [Slot], local: Endpoint, remote: Endpoint) -> Option<usize> {
    slots.iter_mut().position(|s| match s {
        Slot::Used(e) => {
            e.tcb.remote() == Some(remote)
                && e.tcb.local() == local
                && e.tcb.state() != State::Closed
        }
        Slot::Free => false,
    })
}

/// Index of the connection of socket `fd`.
pub(crate) fn of_socket(slots: &mut [Slot], fd: u8) -> Option<usize> {
    slots.iter_mut().position(|s| match s {
        Slot::Used(e) => e.owner == Owner::Socket(fd),
        Slot::Free => false,
    })
}

/// Takes a slot for a new connection owned by `owner`: a free one, or one whose closed
/// connection nobody needs. Returns its index with a fresh control block in it.
pub(crate) fn claim(table: &TcpTable, slots: &mut [Slot], owner: Owner) -> Option<usize> {
    let index = slots.iter().position(Slot::reusable)?;
    let secret = table.secret();
    let arrival = table.next_arrival();
    let slot = slots.get_mut(index)?;
    match slot {
        // Reuse the block in place (no large temporary on the stack).
        Slot::Used(e) => {
            e.owner = owner;
            e.arrival = arrival;
            e.output_deferred = false;
            #[cfg(CONFIG_NET_TCP_IPV6_ND_REACHABILITY_HINT)]
            {
                e.nd_hint_ms = 0;
            }
            e.tcb = ConnTcb::new(IsnGenerator::new(secret));
        }
        Slot::Free => {
            *slot = Slot::Used(Entry {
                owner,
                arrival,
                output_deferred: false,
                #[cfg(CONFIG_NET_TCP_IPV6_ND_REACHABILITY_HINT)]
                nd_hint_ms: 0,
                tcb: ConnTcb::new(IsnGenerator::new(secret)),
            });
        }
    }
    Some(index)
}

/// Frees every slot whose connection is over and that no socket owns.
pub(crate) fn sweep(slots: &mut [Slot]) {
    for s in slots.iter_mut() {
        if let Slot::Used(e) = s
            && is_done(e)
        {
            *s = Slot::Free;
        }
    }
}
