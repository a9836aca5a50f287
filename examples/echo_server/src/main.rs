//! Zephyr's `samples/net/sockets/echo_server` on the net stack: every UDP datagram sent to
//! port 4242 comes back, over IPv4 and IPv6 (whichever the configuration enables).
//!
//! On `native_sim` the stack runs in this process and reaches the host through a TAP
//! device. Build it with the sample's configuration:
//!
//! ```sh
//! NET_CONFIG=examples/echo_server/prj.conf cargo run -p echo_server -- --eth-if zeth
//! ```
//!
//! Options: `--eth-if NAME` (the TAP; default `CONFIG_ETH_NATIVE_TAP_DRV_NAME`),
//! `--exit-after SECONDS`. Type `stats` (or send EOF) on stdin
//! to print the stack's statistics; EOF also ends the program.
//!
//! On `qemu_cortex_m3` (`thumbv7m-none-eabi`, no `std`) the same sample is firmware for the
//! LM3S6965 with its Stellaris Ethernet MAC (see `firmware.rs`):
//!
//! ```sh
//! netcfg run -b qemu_cortex_m3 examples/echo_server --eth-if qtap0
//! ```
//!
//! On `qemu_riscv32` (`riscv32imac-unknown-none-elf`) it is firmware for QEMU's riscv32
//! `virt` machine with a virtio-net device (see `firmware_riscv.rs`):
//! `netcfg run -b qemu_riscv32 examples/echo_server --eth-if qtap0`.
//!
//! On `qemu_cortex_m0` (`thumbv6m-none-eabi`, the micro:bit, no NIC) it is firmware that
//! echoes UDP to itself over the loopback driver, prints the statistics and exits (see
//! `firmware_m0.rs`): `netcfg run -b qemu_cortex_m0 examples/echo_server`.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
mod host;

#[cfg(not(target_os = "none"))]
fn main() -> std::process::ExitCode {
    host::main()
}

#[cfg(target_os = "none")]
mod echo;

// Firmware by target: `thumbv6m` (no compare-and-swap) is the `qemu_cortex_m0` micro:bit
// over loopback; `riscv32` is `qemu_riscv32` (`firmware_riscv.rs`); the other Cortex-M
// targets are `firmware.rs`.
#[cfg(all(target_os = "none", target_arch = "arm", target_has_atomic = "ptr"))]
mod firmware;
#[cfg(all(
    target_os = "none",
    target_arch = "arm",
    not(target_has_atomic = "ptr")
))]
#[path = "firmware_m0.rs"]
mod firmware;
#[cfg(all(target_os = "none", target_arch = "riscv32"))]
#[path = "firmware_riscv.rs"]
mod firmware;
