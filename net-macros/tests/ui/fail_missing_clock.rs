net_macros::net_stack! {
    static NET: Stack;
    interfaces: {
        eth0: Ethernet(LinkEnd) = LinkEnd::new([2, 0, 0, 0, 0, 1], 1),
    },
}

fn main() {}
