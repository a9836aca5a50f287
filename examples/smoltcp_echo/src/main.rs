//! smoltcp doing what `examples/echo_server` does on `qemu_cortex_m3`: echo every UDP
//! datagram sent to port 4242, over IPv4 (192.0.2.1/24) and IPv6 (2001:db8::1/64), on the
//! LM3S6965's Stellaris Ethernet MAC. It exists for `netcfg size --smoltcp`, which builds it
//! with the smoltcp features matching each configuration (cargo features of the same names),
//! for the same target and profile as echo_server, and compares the two images' ROM and RAM.
//!
//! Like echo_server it has its own driver (`firmware.rs`: a polling driver over the same
//! registers as net-core's `drivers::ethernet::stellaris`, written against smoltcp's
//! `Device` trait), a SysTick millisecond clock, a semihosting console line and panic-halt.
//! Buffers are statics: one UDP socket with 4 packets / 2048 bytes each way, one RX and one
//! TX frame buffer in the driver.
//!
//! ```sh
//! NET_BOARD=qemu_cortex_m3 cargo build --release -p smoltcp_echo --target thumbv7m-none-eabi \
//!     --features medium-ethernet,proto-ipv4,proto-ipv6,socket-udp
//! ```
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod firmware;

/// On the host this package is only a stub: the comparison firmware is for
/// `thumbv7m-none-eabi`.
#[cfg(not(target_os = "none"))]
fn main() {
    println!(
        "smoltcp_echo is firmware for qemu_cortex_m3: build it with \
         `cargo build --release -p smoltcp_echo --target thumbv7m-none-eabi --features \
         medium-ethernet,proto-ipv4,proto-ipv6,socket-udp`, or let `netcfg size --smoltcp` do it"
    );
}
