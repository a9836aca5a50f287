use net_core::drivers::link::LinkEnd;

net_macros::net_stack! {
    /// Documented.
    pub static NET: Stack;
    clock: ::net_core::StdClock::new(),
    interfaces: {
        eth0: Ethernet(LinkEnd) = LinkEnd::new([2, 0, 0, 0, 0, 1], 1),
    },
}

fn main() {
    let _: &'static net_core::Stack = &NET;
    let _: &'static LinkEnd = &NET_ETH0;
}
