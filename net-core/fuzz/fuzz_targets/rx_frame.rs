//! Arbitrary bytes as one received Ethernet frame: no panic, and no packet may leak.
//!
//! Run (any configuration works; maximal enables every RX path):
//! `NET_CONFIG=configs/maximal.conf cargo +nightly fuzz run rx_frame`

#![no_main]

#[allow(dead_code)]
mod harness {
    include!("../harness.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    harness::rx_frame(data);
});
