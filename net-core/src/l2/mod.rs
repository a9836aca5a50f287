//! Link layers. Each is compiled only when its `NET_L2_*` option is on; the dummy L2
//! (no link header, for loopback) is always there.

pub mod dummy;
#[cfg(CONFIG_NET_L2_ETHERNET)]
pub mod ethernet;

use crate::buf::NetPkt;
#[cfg(CONFIG_NET_L2_ETHERNET)]
use crate::ip::net_core::L2Kind;
use crate::ip::net_core::Stack;

/// The priority of a received frame: the 802.1Q PCP of a VLAN-tagged Ethernet frame,
/// else `NET_RX_DEFAULT_PRIORITY`. Decides the RX traffic class.
pub(crate) fn rx_priority(stack: &Stack, iface: u8, frame: &NetPkt<'_>) -> u8 {
    let default = crate::config::CONFIG_NET_RX_DEFAULT_PRIORITY as u8;
    match stack.iface(iface).map(|i| i.l2) {
        #[cfg(CONFIG_NET_L2_ETHERNET)]
        Some(L2Kind::Ethernet) => ethernet::frame_priority(frame).unwrap_or(default),
        _ => {
            let _ = frame;
            default
        }
    }
}
