//! The dummy L2: packets carry no link header (loopback). The first nibble of the IP
//! header tells IPv4 from IPv6.

use crate::buf::NetPkt;
use crate::ip::net_core::{Stack, Verdict};

/// RX: hands the packet to IPv4 or IPv6 by its version nibble.
pub(crate) fn recv(stack: &Stack, iface: u8, pkt: NetPkt<'static>) -> Verdict {
    let version = pkt.first_chunk().first().map(|b| b >> 4);
    match version {
        #[cfg(CONFIG_NET_IPV4)]
        Some(4) => crate::ip::ipv4::input(stack, iface, pkt),
        #[cfg(CONFIG_NET_IPV6)]
        Some(6) => crate::ip::ipv6::input(stack, iface, pkt),
        _ => {
            #[cfg(CONFIG_NET_STATISTICS)]
            crate::stat_inc!(stack.stats_for(iface), ip_errors.vhlerr);
            let _ = (stack, iface);
            Verdict::Drop
        }
    }
}

/// TX: the packet goes to the driver as it is.
pub(crate) fn send(stack: &Stack, iface: u8, pkt: NetPkt<'static>) {
    let Some(i) = stack.iface(iface) else { return };
    if i.driver.send(&pkt).is_err() {
        #[cfg(CONFIG_NET_STATISTICS)]
        crate::stat_inc!(stack.stats_for(iface), processing_error);
    }
}
