//! net_mgmt: management events and requests, coded as Zephyr codes them.
//!
//! A 32-bit code carries: bit 31 "event" (clear for requests), bit 30 "on an interface",
//! bits 28-29 the layer (L2 = 1, L3 = 2, L4 = 3), bits 16-26 the layer code, bits 0-15 the
//! command. Handlers register with a mask and run when an event of the same layer and code
//! with a matching command bit is delivered. Events wait in a bounded queue of
//! `NET_MGMT_EVENT_QUEUE_SIZE`; when it is full the oldest is dropped (and counted), as in
//! Zephyr, so raising an event never blocks the RX path.

use core::cell::{Cell, RefCell};

use critical_section::Mutex;
use heapless::Deque;

/// Bit 31: the code is an event, not a request.
pub const NET_MGMT_EVENT_MASK: u32 = 0x8000_0000;
/// Bit 30: the event concerns one interface.
pub const NET_MGMT_ON_IFACE_MASK: u32 = 0x4000_0000;
/// Bits 28-29: the layer.
pub const NET_MGMT_LAYER_MASK: u32 = 0x3000_0000;
/// Bit 27: a synchronous event.
pub const NET_MGMT_SYNC_EVENT_MASK: u32 = 0x0800_0000;
/// Bits 16-26: the layer code.
pub const NET_MGMT_LAYER_CODE_MASK: u32 = 0x07FF_0000;
/// Bits 0-15: the command.
pub const NET_MGMT_COMMAND_MASK: u32 = 0x0000_FFFF;

/// Layer number of L2 events.
pub const NET_MGMT_LAYER_L2: u32 = 1;
/// Layer number of L3 events.
pub const NET_MGMT_LAYER_L3: u32 = 2;
/// Layer number of L4 events.
pub const NET_MGMT_LAYER_L4: u32 = 3;

/// The code of an interface event: event and interface bits, layer, layer code, command.
pub const fn event_code(layer: u32, code: u32, command: u32) -> u32 {
    NET_MGMT_EVENT_MASK | NET_MGMT_ON_IFACE_MASK | (layer << 28) | (code << 16) | command
}

/// The code of a request (no event bit): layer, layer code, command.
pub const fn request_code(layer: u32, code: u32, command: u32) -> u32 {
    (layer << 28) | (code << 16) | command
}

const IF_CODE: u32 = 0x001;
const IPV6_CODE: u32 = 0x060;
const IPV4_CODE: u32 = 0x004;
const L4_CODE: u32 = 0x114;

/// Interface went operationally down.
pub const NET_EVENT_IF_DOWN: u32 = event_code(NET_MGMT_LAYER_L2, IF_CODE, 1);
/// Interface went operationally up.
pub const NET_EVENT_IF_UP: u32 = event_code(NET_MGMT_LAYER_L2, IF_CODE, 2);
/// Interface taken administratively down.
pub const NET_EVENT_IF_ADMIN_DOWN: u32 = event_code(NET_MGMT_LAYER_L2, IF_CODE, 3);
/// Interface taken administratively up.
pub const NET_EVENT_IF_ADMIN_UP: u32 = event_code(NET_MGMT_LAYER_L2, IF_CODE, 4);

macro_rules! events {
    ($layer:expr, $code:expr; $($(#[$m:meta])* $name:ident = $cmd:expr),* $(,)?) => {
        $($(#[$m])* pub const $name: u32 = event_code($layer, $code, $cmd);)*
    };
}

events!(NET_MGMT_LAYER_L3, IPV6_CODE;
    /// IPv6 unicast address added.
    NET_EVENT_IPV6_ADDR_ADD = 1,
    /// IPv6 unicast address removed.
    NET_EVENT_IPV6_ADDR_DEL = 2,
    /// IPv6 multicast address added.
    NET_EVENT_IPV6_MADDR_ADD = 3,
    /// IPv6 multicast address removed.
    NET_EVENT_IPV6_MADDR_DEL = 4,
    /// IPv6 prefix added.
    NET_EVENT_IPV6_PREFIX_ADD = 5,
    /// IPv6 prefix removed.
    NET_EVENT_IPV6_PREFIX_DEL = 6,
    /// Joined an IPv6 multicast group.
    NET_EVENT_IPV6_MCAST_JOIN = 7,
    /// Left an IPv6 multicast group.
    NET_EVENT_IPV6_MCAST_LEAVE = 8,
    /// IPv6 router added.
    NET_EVENT_IPV6_ROUTER_ADD = 9,
    /// IPv6 router removed.
    NET_EVENT_IPV6_ROUTER_DEL = 10,
    /// IPv6 route added.
    NET_EVENT_IPV6_ROUTE_ADD = 11,
    /// IPv6 route removed.
    NET_EVENT_IPV6_ROUTE_DEL = 12,
    /// Duplicate address detection succeeded: the address is usable.
    NET_EVENT_IPV6_DAD_SUCCEED = 13,
    /// Duplicate address detection found another owner: the address was removed.
    NET_EVENT_IPV6_DAD_FAILED = 14,
    /// Neighbor added to the cache.
    NET_EVENT_IPV6_NBR_ADD = 15,
    /// Neighbor removed from the cache.
    NET_EVENT_IPV6_NBR_DEL = 16,
    /// DHCPv6 started.
    NET_EVENT_IPV6_DHCP_START = 17,
    /// DHCPv6 bound.
    NET_EVENT_IPV6_DHCP_BOUND = 18,
    /// DHCPv6 stopped.
    NET_EVENT_IPV6_DHCP_STOP = 19,
    /// An IPv6 address became deprecated.
    NET_EVENT_IPV6_ADDR_DEPRECATED = 20,
);

events!(NET_MGMT_LAYER_L3, IPV4_CODE;
    /// IPv4 unicast address added.
    NET_EVENT_IPV4_ADDR_ADD = 1,
    /// IPv4 unicast address removed.
    NET_EVENT_IPV4_ADDR_DEL = 2,
    /// IPv4 multicast address added.
    NET_EVENT_IPV4_MADDR_ADD = 3,
    /// IPv4 multicast address removed.
    NET_EVENT_IPV4_MADDR_DEL = 4,
    /// IPv4 router (gateway) added.
    NET_EVENT_IPV4_ROUTER_ADD = 5,
    /// IPv4 router (gateway) removed.
    NET_EVENT_IPV4_ROUTER_DEL = 6,
    /// DHCPv4 started.
    NET_EVENT_IPV4_DHCP_START = 7,
    /// DHCPv4 bound.
    NET_EVENT_IPV4_DHCP_BOUND = 8,
    /// DHCPv4 stopped.
    NET_EVENT_IPV4_DHCP_STOP = 9,
    /// Joined an IPv4 multicast group.
    NET_EVENT_IPV4_MCAST_JOIN = 10,
    /// Left an IPv4 multicast group.
    NET_EVENT_IPV4_MCAST_LEAVE = 11,
);

events!(NET_MGMT_LAYER_L4, L4_CODE;
    /// The network became usable (an interface with an address is up).
    NET_EVENT_L4_CONNECTED = 1,
    /// The network stopped being usable.
    NET_EVENT_L4_DISCONNECTED = 2,
    /// A DNS server was added.
    NET_EVENT_DNS_SERVER_ADD = 3,
    /// A DNS server was removed.
    NET_EVENT_DNS_SERVER_DEL = 4,
    /// The host name changed.
    NET_EVENT_HOSTNAME_CHANGED = 5,
    /// Packet capture started.
    NET_EVENT_CAPTURE_STARTED = 6,
    /// Packet capture stopped.
    NET_EVENT_CAPTURE_STOPPED = 7,
);

/// Request: take an interface administratively up. (Zephyr has `net_if_up()` for this; the
/// request form lets management code drive interfaces by code, as it does statistics.)
pub const NET_REQUEST_IF_UP: u32 = request_code(NET_MGMT_LAYER_L2, IF_CODE, 1);
/// Request: take an interface administratively down.
pub const NET_REQUEST_IF_DOWN: u32 = request_code(NET_MGMT_LAYER_L2, IF_CODE, 2);
/// Request: add an address to an interface.
pub const NET_REQUEST_IF_ADDR_ADD: u32 = request_code(NET_MGMT_LAYER_L3, 0x001, 1);
/// Request: remove an address from an interface.
pub const NET_REQUEST_IF_ADDR_DEL: u32 = request_code(NET_MGMT_LAYER_L3, 0x001, 2);
/// Request: read all statistics (Zephyr's `NET_REQUEST_STATS_GET_ALL`). The code is kept
/// for reference: `Stack::stats` (with `NET_STATISTICS`) returns the totals (and an
/// interface's `stats` its own counters) without going through a request.
pub const NET_REQUEST_STATS_GET_ALL: u32 = request_code(NET_MGMT_LAYER_L3, 0x101, 1);

/// The layer of a code.
pub const fn layer(code: u32) -> u32 {
    (code & NET_MGMT_LAYER_MASK) >> 28
}

/// The layer code of a code.
pub const fn layer_code(code: u32) -> u32 {
    (code & NET_MGMT_LAYER_CODE_MASK) >> 16
}

/// The command of a code.
pub const fn command(code: u32) -> u32 {
    code & NET_MGMT_COMMAND_MASK
}

/// Zephyr's rule for delivering `event` to a handler registered with `mask`: same layer,
/// same layer code, and (when both carry a command) a common command bit.
pub const fn mask_matches(mask: u32, event: u32) -> bool {
    layer(mask) == layer(event)
        && layer_code(mask) == layer_code(event)
        && (command(event) == 0 || command(mask) == 0 || command(event) & command(mask) != 0)
}

/// Data that travels with an event (`NET_MGMT_EVENT_INFO`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventInfo {
    /// No data.
    None,
    /// An IPv4 address.
    Ipv4Addr(core::net::Ipv4Addr),
    /// An IPv6 address.
    Ipv6Addr(core::net::Ipv6Addr),
    /// An IPv6 prefix with its length and lifetime in seconds.
    Ipv6Prefix {
        /// The prefix.
        addr: core::net::Ipv6Addr,
        /// Its length in bits.
        len: u8,
        /// Valid lifetime in seconds.
        lifetime: u32,
    },
    /// An IPv6 neighbor and its cache slot.
    Ipv6Nbr {
        /// The neighbor's address.
        addr: core::net::Ipv6Addr,
        /// Its index in the neighbor cache.
        idx: u16,
    },
}

/// One raised event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// The event code.
    pub code: u32,
    /// The interface index (0 when not about one interface).
    pub iface: u8,
    /// The attached data (always [`EventInfo::None`] without `NET_MGMT_EVENT_INFO`).
    pub info: EventInfo,
}

/// A handler, registered once and living for the program (`static`), as Zephyr's
/// `struct net_mgmt_event_callback`.
pub struct EventCallback {
    mask: u32,
    handler: fn(&Event),
    next: Mutex<Cell<Option<&'static EventCallback>>>,
}

impl EventCallback {
    /// A handler for the events `mask` selects (one layer and code, any of the command bits).
    pub const fn new(mask: u32, handler: fn(&Event)) -> EventCallback {
        EventCallback {
            mask,
            handler,
            next: Mutex::new(Cell::new(None)),
        }
    }
}

/// The event queue and the registered handlers.
pub struct Mgmt<const QUEUE: usize> {
    queue: Mutex<RefCell<Deque<Event, QUEUE>>>,
    handlers: Mutex<Cell<Option<&'static EventCallback>>>,
    dropped: crate::counter::Counter,
}

/// The event queue sized by `NET_MGMT_EVENT_QUEUE_SIZE`.
#[cfg(CONFIG_NET_MGMT_EVENT)]
pub type ConfiguredMgmt = Mgmt<{ crate::config::CONFIG_NET_MGMT_EVENT_QUEUE_SIZE }>;

impl<const QUEUE: usize> Default for Mgmt<QUEUE> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const QUEUE: usize> Mgmt<QUEUE> {
    /// An empty queue with no handlers (usable in `static`s).
    pub const fn new() -> Mgmt<QUEUE> {
        Mgmt {
            queue: Mutex::new(RefCell::new(Deque::new())),
            handlers: Mutex::new(Cell::new(None)),
            dropped: crate::counter::Counter::new(),
        }
    }

    /// Adds a handler. Registering one that is already registered does nothing.
    pub fn register(&self, cb: &'static EventCallback) {
        critical_section::with(|cs| {
            let mut cur = self.handlers.borrow(cs).get();
            while let Some(c) = cur {
                if core::ptr::eq(c, cb) {
                    return;
                }
                cur = c.next.borrow(cs).get();
            }
            cb.next.borrow(cs).set(self.handlers.borrow(cs).get());
            self.handlers.borrow(cs).set(Some(cb));
        });
    }

    /// Removes a handler.
    pub fn unregister(&self, cb: &'static EventCallback) {
        critical_section::with(|cs| {
            let head = self.handlers.borrow(cs);
            if head.get().is_some_and(|h| core::ptr::eq(h, cb)) {
                head.set(cb.next.borrow(cs).get());
                return;
            }
            let mut cur = head.get();
            while let Some(c) = cur {
                let next = c.next.borrow(cs).get();
                if next.is_some_and(|n| core::ptr::eq(n, cb)) {
                    c.next.borrow(cs).set(cb.next.borrow(cs).get());
                    return;
                }
                cur = next;
            }
        });
    }

    /// Queues an event. Never blocks; safe from an interrupt handler. When the queue is
    /// full the oldest event is dropped and counted.
    pub fn notify(&self, code: u32, iface: u8, info: EventInfo) {
        #[cfg(not(CONFIG_NET_MGMT_EVENT_INFO))]
        let info = {
            let _ = info;
            EventInfo::None
        };
        critical_section::with(|cs| {
            let mut q = self.queue.borrow_ref_mut(cs);
            if q.is_full() {
                q.pop_front();
                self.dropped.inc();
            }
            // Cannot fail: a slot was freed above when the queue was full.
            let _ = q.push_back(Event { code, iface, info });
        });
    }

    /// Runs the matching handlers for every queued event, oldest first; returns how many
    /// events were delivered. The bare-metal main loop calls this; on `std` the management
    /// worker does.
    pub fn deliver(&self) -> usize {
        let mut delivered = 0;
        while let Some(ev) = critical_section::with(|cs| self.queue.borrow_ref_mut(cs).pop_front())
        {
            let mut cur = critical_section::with(|cs| self.handlers.borrow(cs).get());
            while let Some(cb) = cur {
                if mask_matches(cb.mask, ev.code) {
                    (cb.handler)(&ev);
                }
                cur = critical_section::with(|cs| cb.next.borrow(cs).get());
            }
            delivered += 1;
        }
        delivered
    }

    /// Events waiting for delivery.
    pub fn pending(&self) -> usize {
        critical_section::with(|cs| self.queue.borrow_ref(cs).len())
    }

    /// Events dropped because the queue was full.
    pub fn dropped(&self) -> u32 {
        self.dropped.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn codes_match_zephyr() {
        assert_eq!(NET_EVENT_IF_DOWN, 0xD001_0001);
        assert_eq!(NET_EVENT_IF_UP, 0xD001_0002);
        assert_eq!(NET_EVENT_IPV6_ADDR_ADD, 0xE060_0001);
        assert_eq!(NET_EVENT_IPV4_ADDR_ADD, 0xE004_0001);
        assert_eq!(NET_EVENT_L4_CONNECTED, 0xF114_0001);
        assert_eq!(NET_EVENT_IPV6_ADDR_DEPRECATED & NET_MGMT_COMMAND_MASK, 20);
        assert_eq!(NET_EVENT_IPV4_MCAST_LEAVE & NET_MGMT_COMMAND_MASK, 11);
    }

    #[test]
    fn masks_select_layer_code_and_command_bits() {
        assert!(mask_matches(NET_EVENT_IF_UP, NET_EVENT_IF_UP));
        assert!(!mask_matches(NET_EVENT_IF_UP, NET_EVENT_IPV6_ADDR_ADD));
        assert!(!mask_matches(
            NET_EVENT_IPV4_ADDR_ADD,
            NET_EVENT_IPV6_ADDR_ADD
        ));
        assert!(mask_matches(
            NET_EVENT_IF_UP | NET_EVENT_IF_DOWN,
            NET_EVENT_IF_DOWN
        ));
    }

    static IF_EVENTS: AtomicU32 = AtomicU32::new(0);
    static ADDR_EVENTS: AtomicU32 = AtomicU32::new(0);
    fn on_if(_: &Event) {
        IF_EVENTS.fetch_add(1, Ordering::Relaxed);
    }
    fn on_addr(e: &Event) {
        assert_eq!(e.iface, 1);
        ADDR_EVENTS.fetch_add(1, Ordering::Relaxed);
    }
    static IF_CB: EventCallback = EventCallback::new(NET_EVENT_IF_UP | NET_EVENT_IF_DOWN, on_if);
    static ADDR_CB: EventCallback = EventCallback::new(NET_EVENT_IPV6_ADDR_ADD, on_addr);

    #[test]
    fn bounded_queue_drops_oldest_and_handlers_filter() {
        let m: Mgmt<2> = Mgmt::new();
        m.register(&IF_CB);
        m.register(&ADDR_CB);
        m.register(&IF_CB);
        m.notify(NET_EVENT_IPV4_ADDR_ADD, 1, EventInfo::None);
        m.notify(NET_EVENT_IF_UP, 1, EventInfo::None);
        m.notify(
            NET_EVENT_IPV6_ADDR_ADD,
            1,
            EventInfo::Ipv6Addr(core::net::Ipv6Addr::LOCALHOST),
        );
        assert_eq!(m.dropped(), 1);
        assert_eq!(m.deliver(), 2);
        assert_eq!(IF_EVENTS.load(Ordering::Relaxed), 1);
        assert_eq!(ADDR_EVENTS.load(Ordering::Relaxed), 1);
        m.unregister(&IF_CB);
        m.notify(NET_EVENT_IF_DOWN, 1, EventInfo::None);
        m.deliver();
        assert_eq!(IF_EVENTS.load(Ordering::Relaxed), 1);
    }
}
