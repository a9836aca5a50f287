net_macros::net_stack! {
    static NET: Stack;
    clock: ::net_core::StdClock::new(),
    interfaces: {
        eth0: Ethernet(LinkEnd) = LinkEnd::new([2, 0, 0, 0, 0, 1], 1),
        ETH0: Dummy(LinkEnd) = LinkEnd::new([2, 0, 0, 0, 0, 2], 2),
        wifi0: Wifi(LinkEnd) = LinkEnd::new([2, 0, 0, 0, 0, 3], 3),
    },
    routes: {},
}

fn main() {}
