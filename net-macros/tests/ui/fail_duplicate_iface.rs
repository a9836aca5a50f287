net_macros::net_stack! {
    static NET: Stack;
    clock: ::net_core::StdClock::new(),
    interfaces: {
        eth0: Ethernet(LinkEnd) = LinkEnd::new([2, 0, 0, 0, 0, 1], 1),
        eth0: Ethernet(LinkEnd) = LinkEnd::new([2, 0, 0, 0, 0, 2], 2),
    },
}

fn main() {}
