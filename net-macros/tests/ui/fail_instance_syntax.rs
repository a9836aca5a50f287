net_macros::net_stack! {
    NET: Stack;
    clock: ::net_core::StdClock::new(),
}

fn main() {}
