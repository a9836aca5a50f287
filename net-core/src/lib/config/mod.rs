//! Static network configuration (`NET_CONFIG_SETTINGS`): the addresses of
//! `NET_CONFIG_MY_IPV4_ADDR`/`_NETMASK`/`_GW` and `NET_CONFIG_MY_IPV6_ADDR`, put on the
//! default interface when the stack starts (Zephyr's `net_config_init`).
//!
//! The build parses the strings (`crate::config::parsed`): a value that is not an address
//! fails the build at its `file:line`, and the firmware carries no address parser.

use crate::ip::net_core::Stack;
use crate::net_if::IfError;

/// Applies the configured addresses to the default interface.
pub fn apply(stack: &Stack) -> Result<(), IfError> {
    let Some(index) = stack.default_iface() else {
        return Ok(());
    };
    #[cfg(CONFIG_NET_IPV4)]
    if let Some(addr) = crate::config::parsed::NET_CONFIG_MY_IPV4_ADDR {
        use crate::config::parsed::{NET_CONFIG_MY_IPV4_GW, NET_CONFIG_MY_IPV4_NETMASK};
        let mask = NET_CONFIG_MY_IPV4_NETMASK.unwrap_or(core::net::Ipv4Addr::new(255, 255, 255, 0));
        stack.ipv4_add(index, addr, mask)?;
        if let Some(gw) = NET_CONFIG_MY_IPV4_GW {
            stack.ipv4_set_gateway(index, Some(gw))?;
        }
    }
    #[cfg(CONFIG_NET_IPV6)]
    if let Some(addr) = crate::config::parsed::NET_CONFIG_MY_IPV6_ADDR {
        match crate::ip::ipv6::add_addr(stack, index, addr, 64, crate::net_if::AddrOrigin::Manual) {
            Ok(()) | Err(IfError::Exists) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
