net_macros::net_stack! {
    static NET: Stack;
    clock: ::net_core::StdClock::new(),
}

fn main() {}
