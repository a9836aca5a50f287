//! `echo_server` as `mps2_an385` firmware (with `overlay-tcp.conf`) against the Linux kernel: the test builds the
//! firmware with `netcfg build`, creates a network namespace with a TAP (192.0.2.2/24,
//! 2001:db8::2/64), starts `netcfg run -b mps2_an385 examples/echo_server --eth-if TAP`
//! inside it (QEMU's mps2-an385 with the lan9118 NIC, the SMSC911x driver, on the TAP), and
//! checks that `ping -c 5` over IPv4 and IPv6 gets every reply and that UDP echoes of 1, 512
//! and 1472 bytes (IPv4) and 1, 512 and 1232 bytes (IPv6) come back byte-exact, and so do TCP round trips of 1 MiB (IPv4) and 256 KiB (IPv6).
//!
//! Needs root (namespaces, TAP), `ip`, `ping` and `qemu-system-arm`. Without them the test
//! prints why it skipped; with `NET_INTEROP_REQUIRED=1` it fails instead. It only talks to
//! the namespace it made, removes it afterwards, and stops only QEMU, by its PID.

mod common;

#[test]
fn echo_server_firmware_against_linux() {
    common::firmware_against_linux("mps2_an385", "netstk-an385", "qemu-system-arm", true);
}
