//! RAM of the static stack instance by component, computed from the configuration.
//!
//! The packet pools hold almost all of an instance's RAM, so those are computed exactly
//! from the layout of net-core's pool types (net-core's `ram_model` test checks these
//! formulas against `size_of` in every configuration the test matrix builds). The other
//! tables are listed with their configured entry counts.

use serde_json::{Value, json};

use crate::resolve::Resolution;

/// One component of the instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RamItem {
    /// What it is.
    pub component: &'static str,
    /// The Kconfig option that sizes it.
    pub option: &'static str,
    /// Its configured entry count.
    pub count: usize,
    /// Its bytes, where computed exactly.
    pub bytes: Option<usize>,
}

fn round_up(n: usize, align: usize) -> usize {
    n.div_ceil(align) * align
}

/// Bytes of `BufPool<N, SIZE>`: the blocks, 6 bytes of metadata per block, 12 bytes of
/// free-list state, aligned to 4.
pub fn buf_pool_bytes(n: usize, size: usize) -> usize {
    round_up(n * size + 6 * n, 4) + 12
}

/// Bytes of `PktSlab<N>`: `n` descriptors and 12 bytes of slab state, aligned to 4. A
/// descriptor is 20 bytes on the 32-bit firmware targets; the 64-bit host targets
/// (`native_sim`, net-core with `std`) add the TCP segmentation offload's segment size
/// (`PktMeta::gso_size`, 2 bytes), and `time_stats` (`NET_PKT_RXTIME_STATS` or
/// `NET_PKT_TXTIME_STATS`) a 4-byte timestamp, which aligns the metadata to 4.
pub fn pkt_slab_bytes(n: usize, pointer_width: usize, time_stats: bool) -> usize {
    let descriptor = match (pointer_width == 8, time_stats) {
        (false, false) => 20,
        (true, false) => 22,
        (false, true) => 24,
        (true, true) => 28,
    };
    round_up(descriptor * n + 12, 4)
}

/// The pointer width of a Rust target triple (4 for the 32-bit MCUs, else 8).
pub fn pointer_width(target: &str) -> usize {
    if target.starts_with("thumb") || target.starts_with("riscv32") || target.starts_with("arm") {
        4
    } else {
        8
    }
}

/// The instance's components for a target of `pointer_width` bytes.
pub fn instance(res: &Resolution, pointer_width: usize) -> Vec<RamItem> {
    let get = |name: &str| res.get(name).and_then(|v| v.trim().parse::<usize>().ok());
    let time_stats = ["NET_PKT_RXTIME_STATS", "NET_PKT_TXTIME_STATS"]
        .iter()
        .any(|o| res.get(o).is_some_and(|v| v == "y"));
    let mut items = Vec::new();
    if let Some(size) = get("NET_BUF_DATA_SIZE") {
        for (component, option, pkt_option) in [
            ("RX data buffers", "NET_BUF_RX_COUNT", "NET_PKT_RX_COUNT"),
            ("TX data buffers", "NET_BUF_TX_COUNT", "NET_PKT_TX_COUNT"),
        ] {
            if let Some(n) = get(option) {
                items.push(RamItem {
                    component,
                    option,
                    count: n,
                    bytes: Some(buf_pool_bytes(n, size)),
                });
            }
            if let Some(n) = get(pkt_option) {
                let what = if component.starts_with("RX") {
                    "RX packet descriptors"
                } else {
                    "TX packet descriptors"
                };
                items.push(RamItem {
                    component: what,
                    option: pkt_option,
                    count: n,
                    bytes: Some(pkt_slab_bytes(n, pointer_width, time_stats)),
                });
            }
        }
    }
    for (component, option) in [
        ("RX traffic-class queues", "NET_TC_RX_COUNT"),
        ("TX traffic-class queues", "NET_TC_TX_COUNT"),
        ("sockets (contexts)", "NET_MAX_CONTEXTS"),
        ("ARP table", "NET_ARP_TABLE_SIZE"),
        ("IPv6 neighbor cache", "NET_IPV6_MAX_NEIGHBORS"),
        (
            "IPv4 unicast address slots per interface",
            "NET_IF_UNICAST_IPV4_ADDR_COUNT",
        ),
        (
            "IPv6 unicast address slots per interface",
            "NET_IF_UNICAST_IPV6_ADDR_COUNT",
        ),
        (
            "IPv6 multicast address slots per interface",
            "NET_IF_MCAST_IPV6_ADDR_COUNT",
        ),
        ("net_mgmt event queue", "NET_MGMT_EVENT_QUEUE_SIZE"),
        (
            "TCP connections (each with its send and receive buffers)",
            "NET_MAX_CONN",
        ),
    ] {
        if option == "NET_MAX_CONN" && res.get("NET_TCP").map(|v| v.trim()) != Some("y") {
            continue;
        }
        if let Some(n) = get(option).filter(|&n| n > 0) {
            items.push(RamItem {
                component,
                option,
                count: n,
                bytes: None,
            });
        }
    }
    items
}

/// The components as JSON, with the exact total of the pools.
pub fn json(res: &Resolution, pointer_width: usize) -> Value {
    let items = instance(res, pointer_width);
    let pools: usize = items.iter().filter_map(|i| i.bytes).sum();
    let list: Vec<Value> = items
        .iter()
        .map(|i| json!({ "component": i.component, "option": i.option, "count": i.count, "bytes": i.bytes }))
        .collect();
    json!({ "pointer_width": pointer_width, "pools_bytes": pools, "components": list })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_formulas_match_measured_layouts() {
        // Measured with size_of on x86-64 (net-core's ram_model test keeps this true).
        assert_eq!(buf_pool_bytes(1, 128), 148);
        assert_eq!(buf_pool_bytes(2, 128), 280);
        assert_eq!(buf_pool_bytes(3, 1536), 4640);
        assert_eq!(pkt_slab_bytes(1, 8, false), 36);
        assert_eq!(pkt_slab_bytes(10, 8, false), 232);
        assert_eq!(pkt_slab_bytes(1, 8, true), 40);
        assert_eq!(pkt_slab_bytes(10, 8, true), 292);
        // Measured on thumbv7m (net-core checks these at compile time on 32-bit targets).
        assert_eq!(pkt_slab_bytes(1, 4, false), 32);
        assert_eq!(pkt_slab_bytes(14, 4, false), 292);
        assert_eq!(pkt_slab_bytes(1, 4, true), 36);
        assert_eq!(pkt_slab_bytes(14, 4, true), 348);
    }
}
