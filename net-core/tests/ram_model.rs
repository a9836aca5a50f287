//! `netcfg show --format json` reports the RAM of the instance's packet pools from
//! formulas in `net_config::ram`; this checks them against the real types on the host for
//! the configuration under test (the test matrix runs it for every configuration).

use core::mem::size_of;

use net_config::ram::{buf_pool_bytes, pkt_slab_bytes};
use net_core::buf::{BufPool, PktSlab};
use net_core::config::*;

#[test]
fn pool_sizes_match_netcfgs_model() {
    let ptr = size_of::<usize>();
    let time_stats = CONFIG_NET_PKT_RXTIME_STATS || CONFIG_NET_PKT_TXTIME_STATS;
    assert_eq!(
        size_of::<BufPool<CONFIG_NET_BUF_RX_COUNT, CONFIG_NET_BUF_DATA_SIZE>>(),
        buf_pool_bytes(CONFIG_NET_BUF_RX_COUNT, CONFIG_NET_BUF_DATA_SIZE)
    );
    assert_eq!(
        size_of::<BufPool<CONFIG_NET_BUF_TX_COUNT, CONFIG_NET_BUF_DATA_SIZE>>(),
        buf_pool_bytes(CONFIG_NET_BUF_TX_COUNT, CONFIG_NET_BUF_DATA_SIZE)
    );
    assert_eq!(
        size_of::<PktSlab<CONFIG_NET_PKT_RX_COUNT>>(),
        pkt_slab_bytes(CONFIG_NET_PKT_RX_COUNT, ptr, time_stats)
    );
    assert_eq!(
        size_of::<PktSlab<CONFIG_NET_PKT_TX_COUNT>>(),
        pkt_slab_bytes(CONFIG_NET_PKT_TX_COUNT, ptr, time_stats)
    );
    // The four pools are the whole of ConfiguredPools.
    let total = buf_pool_bytes(CONFIG_NET_BUF_RX_COUNT, CONFIG_NET_BUF_DATA_SIZE)
        + buf_pool_bytes(CONFIG_NET_BUF_TX_COUNT, CONFIG_NET_BUF_DATA_SIZE)
        + pkt_slab_bytes(CONFIG_NET_PKT_RX_COUNT, ptr, time_stats)
        + pkt_slab_bytes(CONFIG_NET_PKT_TX_COUNT, ptr, time_stats);
    assert!(size_of::<net_core::buf::ConfiguredPools>() >= total);
    assert!(
        size_of::<net_core::buf::ConfiguredPools>() <= total + 8,
        "padding only"
    );
}
