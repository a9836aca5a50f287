//! Ethernet drivers.

#[cfg(all(feature = "std", CONFIG_ETH_NATIVE_TAP, target_os = "linux"))]
pub mod native_tap;

#[cfg(any(
    all(feature = "std", CONFIG_ETH_NATIVE_TAP, target_os = "linux"),
    CONFIG_ETH_VIRTIO_NET,
    test
))]
pub mod offload;

#[cfg(any(CONFIG_ETH_STELLARIS, test))]
pub mod stellaris;

#[cfg(any(CONFIG_ETH_SMSC911X, test))]
pub mod smsc911x;

#[cfg(any(CONFIG_ETH_VIRTIO_NET, test))]
pub mod virtio_net;
