//! # net-core: the network stack, generated from its configuration
//!
//! The crate is `#![no_std]` and uses no heap. Its build script resolves the configuration
//! named by `NET_CONFIG` (user files separated by `;`, later files winning) and `NET_BOARD`
//! (default `native_sim`), and turns the result into:
//!
//! - a cfg for every enabled bool option, e.g. `#[cfg(CONFIG_NET_IPV6)]`, and a valued cfg
//!   for every int/hex/string option, e.g. `#[cfg(CONFIG_NET_TC_TX_COUNT = "2")]` (all of
//!   them registered with `check-cfg`, so a misspelt option name is a compiler warning);
//! - typed consts in [`config`], e.g. `config::CONFIG_NET_BUF_DATA_SIZE: usize`.
//!
//! The Kconfig files next to each module declare the options, with Zephyr's names and
//! semantics; `netcfg explain NAME` describes any of them.

#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

/// Declares `static $name: Stack`, an instance without interfaces for unit tests that need
/// the stack's tables but no link (it must precede the modules that use it).
#[cfg(all(test, feature = "std"))]
macro_rules! unit_test_stack {
    ($name:ident) => {
        static $name: crate::ip::net_core::Stack = {
            use crate::ip::net_core::{Iface, Stack, StackState, StdClock, TcpTable};
            static POOLS: crate::buf::ConfiguredPools = crate::buf::ConfiguredPools::new();
            static IFACES: [Iface; 0] = [];
            static CLOCK: StdClock = StdClock::new();
            static TCP: TcpTable = TcpTable::new();
            static STATE: StackState = StackState::new();
            Stack::new(&POOLS.pools(), &IFACES, &CLOCK, &TCP, &STATE)
        };
    };
}

pub mod buf;
pub mod counter;
pub mod drivers;
#[cfg(feature = "host-critical-section")]
mod host_cs;
pub mod ip;
pub mod l2;
#[path = "lib/mod.rs"]
pub mod lib;
pub mod net_if;
#[cfg(feature = "std")]
mod notify;
mod slot;

pub use drivers::{Driver, LinkAddr, RxPath};
#[cfg(feature = "std")]
pub use ip::net_core::StdClock;
pub use ip::net_core::{Clock, Iface, IfaceState, L2Kind, Stack, StackState, TcpTable};
pub use lib::sockets::nal::{NalSocket, NalStack, TcpStream};
pub use lib::sockets::{AddrFamily, Errno, Fd, PollFd, Shutdown, SockOpt, SockType};

/// The resolved configuration as typed consts, one per option that has a value.
///
/// Bool options are always present (`false` when off). Int, hex and string options exist
/// only while their dependencies are met, so code that uses an option of a disabled
/// feature does not compile.
#[allow(missing_docs)]
pub mod config {
    include!(concat!(env!("OUT_DIR"), "/config.rs"));
}

#[cfg(test)]
mod tests {
    use super::config;

    #[test]
    fn consts_and_cfgs_agree() {
        assert_eq!(config::CONFIG_NETWORKING, cfg!(CONFIG_NETWORKING));
        assert_eq!(config::CONFIG_NET_IPV6, cfg!(CONFIG_NET_IPV6));
        assert_eq!(config::CONFIG_NET_IPV4, cfg!(CONFIG_NET_IPV4));
    }

    #[cfg(CONFIG_NET_BUF_FIXED_DATA_SIZE)]
    #[test]
    fn sizes_are_usize_for_arrays() {
        let buffer = [0u8; config::CONFIG_NET_BUF_DATA_SIZE];
        assert!(!buffer.is_empty());
    }
}
