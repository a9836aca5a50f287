net_macros::net_stack! {
    static NET: Stack;
    clock: ::net_core::StdClock::new(),
    interfaces: {
        lo: Dummy(LinkEnd) = LinkEnd::new([2, 0, 0, 0, 0, 1], 1),
    },
}

fn main() {}
