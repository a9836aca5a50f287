//! The IP stack: IPv4, IPv6, ICMP, UDP, TCP (wire format and state machine, not yet wired
//! into the RX/TX paths), and the traffic-class queues between contexts.
//!
//! Each protocol is a module with its wire format (`wire.rs`, zero-copy views and
//! `Repr` parse/emit pairs) next to its processing code; each is compiled only when its
//! Kconfig option is on.

pub mod checksum;
pub mod mgmt;
pub mod net_core;
#[cfg(CONFIG_NET_STATISTICS)]
pub mod stats;
pub mod tc;

#[cfg(CONFIG_NET_IPV4)]
pub mod icmpv4;
#[cfg(CONFIG_NET_IPV6)]
pub mod icmpv6;
#[cfg(CONFIG_NET_IPV4)]
pub mod ipv4;
#[cfg(CONFIG_NET_IPV6)]
pub mod ipv6;
#[cfg(CONFIG_NET_TCP)]
pub mod tcp;
#[cfg(CONFIG_NET_UDP)]
pub mod udp;
