//! Application-level libraries (Zephyr's `subsys/net/lib`): the BSD-like socket API and the
//! static network configuration.

#[cfg(CONFIG_NET_CONFIG_SETTINGS)]
pub mod config;
pub mod sockets;
