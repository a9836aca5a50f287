net_macros::net_stack! {
    static NET: Stack;
    clock: make_clock(),
    interfaces: {
        eth0: Ethernet(LinkEnd) = LinkEnd::new([2, 0, 0, 0, 0, 1], 1),
    },
}

fn main() {}
