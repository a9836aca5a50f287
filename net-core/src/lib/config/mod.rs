//! Static network configuration (`NET_CONFIG_SETTINGS`): the addresses of
//! `NET_CONFIG_MY_IPV4_ADDR`/`_NETMASK`/`_GW` and `NET_CONFIG_MY_IPV6_ADDR`, put on the
//! default interface when the stack starts (Zephyr's `net_config_init`).
//!
//! The strings were checked when the configuration was resolved only as strings; a value
//! that is not an address is reported here as [`IfError::NotSupported`] rather than
//! silently ignored.

use crate::ip::net_core::Stack;
use crate::net_if::IfError;

/// Applies the configured addresses to the default interface.
pub fn apply(stack: &Stack) -> Result<(), IfError> {
    let Some(index) = stack.default_iface() else {
        return Ok(());
    };
    #[cfg(CONFIG_NET_IPV4)]
    {
        use core::net::Ipv4Addr;
        let parse = |s: &str| -> Result<Option<Ipv4Addr>, IfError> {
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse().map(Some).map_err(|_| IfError::NotSupported)
            }
        };
        if let Some(addr) = parse(crate::config::CONFIG_NET_CONFIG_MY_IPV4_ADDR)? {
            let mask = parse(crate::config::CONFIG_NET_CONFIG_MY_IPV4_NETMASK)?
                .unwrap_or(Ipv4Addr::new(255, 255, 255, 0));
            let gw = parse(crate::config::CONFIG_NET_CONFIG_MY_IPV4_GW)?;
            stack.ipv4_add(index, addr, mask)?;
            if let Some(gw) = gw {
                stack.ipv4_set_gateway(index, Some(gw))?;
            }
        }
    }
    #[cfg(CONFIG_NET_IPV6)]
    {
        let s = crate::config::CONFIG_NET_CONFIG_MY_IPV6_ADDR;
        if !s.is_empty() {
            let addr: core::net::Ipv6Addr = s.parse().map_err(|_| IfError::NotSupported)?;
            match crate::ip::ipv6::add_addr(
                stack,
                index,
                addr,
                64,
                crate::net_if::AddrOrigin::Manual,
            ) {
                Ok(()) | Err(IfError::Exists) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}
