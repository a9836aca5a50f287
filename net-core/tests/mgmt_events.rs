//! net_mgmt end to end: the stack raises Zephyr's events (interface up, address added,
//! DAD succeeded) and delivers them to handlers registered with a mask; requests take an
//! interface down and up and add addresses.

#![cfg(CONFIG_NET_MGMT_EVENT)]

use std::sync::Mutex;
#[cfg(CONFIG_NET_IPV6)]
use std::time::{Duration, Instant};

use net_core::buf::ConfiguredPools;
use net_core::drivers::link::{LinkEnd, connect};
use net_core::ip::mgmt::*;
use net_core::{Iface, L2Kind, Stack, StdClock};

static CLOCK: StdClock = StdClock::new();
static A_END: LinkEnd = LinkEnd::new([0x02, 0, 0, 0, 9, 0x0a], 21);
static B_END: LinkEnd = LinkEnd::new([0x02, 0, 0, 0, 9, 0x0b], 22);
static A: Stack = {
    static POOLS: ConfiguredPools = ConfiguredPools::new();
    static IFACE_STATE: [net_core::IfaceState; 1] = [net_core::IfaceState::new()];
    static IFACES: [Iface; 1] = [Iface::new(
        "eth0",
        &A_END,
        L2Kind::Ethernet,
        0,
        &IFACE_STATE[0],
    )];
    static TCP: net_core::TcpTable = net_core::TcpTable::new();
    static STATE: net_core::StackState = net_core::StackState::new();
    Stack::new(&POOLS.pools(), &IFACES, &CLOCK, &TCP, &STATE)
};
static B: Stack = {
    static POOLS: ConfiguredPools = ConfiguredPools::new();
    static IFACE_STATE: [net_core::IfaceState; 1] = [net_core::IfaceState::new()];
    static IFACES: [Iface; 1] = [Iface::new(
        "eth0",
        &B_END,
        L2Kind::Ethernet,
        0,
        &IFACE_STATE[0],
    )];
    static TCP: net_core::TcpTable = net_core::TcpTable::new();
    static STATE: net_core::StackState = net_core::StackState::new();
    Stack::new(&POOLS.pools(), &IFACES, &CLOCK, &TCP, &STATE)
};

static IF_EVENTS: Mutex<Vec<u32>> = Mutex::new(Vec::new());
#[cfg(CONFIG_NET_IPV6)]
static V6_EVENTS: Mutex<Vec<(u32, Event)>> = Mutex::new(Vec::new());

fn on_if(e: &Event) {
    // Zephyr matches command bits: the mask of IF_UP (2) | IF_DOWN (1) also lets
    // ADMIN_DOWN (3) through, so keep only the two events this handler is about.
    if e.code == NET_EVENT_IF_UP || e.code == NET_EVENT_IF_DOWN {
        IF_EVENTS.lock().unwrap().push(e.code);
    }
}
#[cfg(CONFIG_NET_IPV6)]
fn on_v6(e: &Event) {
    V6_EVENTS.lock().unwrap().push((e.code, *e));
}

static IF_CB: EventCallback = EventCallback::new(NET_EVENT_IF_UP | NET_EVENT_IF_DOWN, on_if);
#[cfg(CONFIG_NET_IPV6)]
static V6_CB: EventCallback = EventCallback::new(
    NET_EVENT_IPV6_ADDR_ADD | NET_EVENT_IPV6_ADDR_DEL | NET_EVENT_IPV6_DAD_SUCCEED,
    on_v6,
);

#[cfg(CONFIG_NET_IPV6)]
fn run(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        A_END.pump();
        B_END.pump();
        A.poll();
        B.poll();
        A.mgmt.deliver();
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

#[test]
fn stack_raises_and_delivers_zephyr_events() {
    A.mgmt.register(&IF_CB);
    #[cfg(CONFIG_NET_IPV6)]
    A.mgmt.register(&V6_CB);
    connect(&A_END, &B_END);
    A.start_bare().unwrap();
    B.start_bare().unwrap();
    A.mgmt.deliver();
    assert_eq!(
        *IF_EVENTS.lock().unwrap(),
        [NET_EVENT_IF_UP],
        "interface up"
    );

    // Requests by code: down, up.
    // (Delivered after each request: the queue may hold only two events, and each request
    // raises two: the admin and the operational change.)
    A.mgmt_request(NET_REQUEST_IF_DOWN, 0, None, 0).unwrap();
    A.mgmt.deliver();
    A.mgmt_request(NET_REQUEST_IF_UP, 0, None, 0).unwrap();
    A.mgmt.deliver();
    assert_eq!(
        *IF_EVENTS.lock().unwrap(),
        [NET_EVENT_IF_UP, NET_EVENT_IF_DOWN, NET_EVENT_IF_UP]
    );

    #[cfg(CONFIG_NET_IPV6)]
    {
        let addr: std::net::Ipv6Addr = "2001:db8::99".parse().unwrap();
        A.mgmt_request(NET_REQUEST_IF_ADDR_ADD, 0, Some(addr.into()), 64)
            .unwrap();
        // Without NET_MGMT_EVENT_INFO events carry no address.
        let info = if net_core::config::CONFIG_NET_MGMT_EVENT_INFO {
            EventInfo::Ipv6Addr(addr)
        } else {
            EventInfo::None
        };
        let dad = run(Duration::from_secs(5), || {
            V6_EVENTS
                .lock()
                .unwrap()
                .iter()
                .any(|(c, e)| *c == NET_EVENT_IPV6_DAD_SUCCEED && e.info == info)
        });
        assert!(
            dad,
            "no DAD_SUCCEED for {addr}: {:?}",
            V6_EVENTS.lock().unwrap()
        );
        let events = V6_EVENTS.lock().unwrap().clone();
        let add = events.iter().position(|(c, e)| {
            *c == NET_EVENT_IPV6_ADDR_ADD
                && (e.info == EventInfo::Ipv6Addr(addr) || e.info == EventInfo::None)
        });
        let ok = events
            .iter()
            .position(|(c, _)| *c == NET_EVENT_IPV6_DAD_SUCCEED);
        assert!(
            add.is_some() && add < ok,
            "ADDR_ADD comes before DAD_SUCCEED: {events:?}"
        );
        A.mgmt_request(NET_REQUEST_IF_ADDR_DEL, 0, Some(addr.into()), 64)
            .unwrap();
        A.mgmt.deliver();
        assert!(
            V6_EVENTS
                .lock()
                .unwrap()
                .iter()
                .any(|(c, _)| *c == NET_EVENT_IPV6_ADDR_DEL)
        );
    }
    // Starting raises admin-up, up and the link-local address in one go: a queue of two
    // (Zephyr's default) drops the oldest of them, by design.
    if net_core::config::CONFIG_NET_MGMT_EVENT_QUEUE_SIZE >= 4 {
        assert_eq!(A.mgmt.dropped(), 0);
    }
}
