/// The TAP device.
pub static NET_ETH0: ::net_core::drivers::ethernet::native_tap::NativeTap = ::net_core::drivers::ethernet::native_tap::NativeTap::new([
    0x00, 0x00, 0x5e, 0x00, 0x53, 0x01,
]);
/// The driver of interface `lo` (index 1) of [`NET`].
pub static NET_LO: ::net_core::drivers::loopback::Loopback = ::net_core::drivers::loopback::Loopback::new();
/// The stack.
pub static NET: ::net_core::Stack = {
    static __NET_POOLS: ::net_core::buf::ConfiguredPools = ::net_core::buf::ConfiguredPools::new();
    static __NET_IFACE_STATE: [::net_core::IfaceState; 2] = [
        ::net_core::IfaceState::new(),
        ::net_core::IfaceState::new(),
    ];
    static __NET_IFACES: [::net_core::Iface; 2] = [
        ::net_core::Iface::new(
            "eth0",
            &NET_ETH0,
            ::net_core::L2Kind::Ethernet,
            0,
            &__NET_IFACE_STATE[0],
        ),
        ::net_core::Iface::new(
            "lo",
            &NET_LO,
            ::net_core::L2Kind::Dummy,
            1,
            &__NET_IFACE_STATE[1],
        ),
    ];
    static __NET_CLOCK: ::net_core::StdClock = ::net_core::StdClock::new();
    static __NET_TCP: ::net_core::TcpTable = ::net_core::TcpTable::new();
    static __NET_STATE: ::net_core::StackState = ::net_core::StackState::new();
    ::net_core::Stack::new(
        &__NET_POOLS.pools(),
        &__NET_IFACES,
        &__NET_CLOCK,
        &__NET_TCP,
        &__NET_STATE,
    )
};
const _: () = ::core::assert!(
    ::net_core::config::CONFIG_NET_ARP,
    "net_stack!: net-core was built with another configuration (NET_ARP): rebuild with the same NET_CONFIG/NET_BOARD"
);
const _: () = ::core::assert!(
    ::net_core::config::CONFIG_NET_IPV4,
    "net_stack!: net-core was built with another configuration (NET_IPV4): rebuild with the same NET_CONFIG/NET_BOARD"
);
const _: () = ::core::assert!(
    ::net_core::config::CONFIG_NET_IPV6,
    "net_stack!: net-core was built with another configuration (NET_IPV6): rebuild with the same NET_CONFIG/NET_BOARD"
);
const _: () = ::core::assert!(
    ::net_core::config::CONFIG_NET_L2_DUMMY,
    "net_stack!: net-core was built with another configuration (NET_L2_DUMMY): rebuild with the same NET_CONFIG/NET_BOARD"
);
const _: () = ::core::assert!(
    ::net_core::config::CONFIG_NET_L2_ETHERNET,
    "net_stack!: net-core was built with another configuration (NET_L2_ETHERNET): rebuild with the same NET_CONFIG/NET_BOARD"
);
const _: () = ::core::assert!(
    ::net_core::config::CONFIG_NET_ARP_TABLE_SIZE == 2,
    "net_stack!: net-core was built with another configuration (NET_ARP_TABLE_SIZE): rebuild with the same NET_CONFIG/NET_BOARD"
);
const _: () = ::core::assert!(
    ::net_core::config::CONFIG_NET_BUF_DATA_SIZE == 128,
    "net_stack!: net-core was built with another configuration (NET_BUF_DATA_SIZE): rebuild with the same NET_CONFIG/NET_BOARD"
);
const _: () = ::core::assert!(
    ::net_core::config::CONFIG_NET_BUF_RX_COUNT == 36,
    "net_stack!: net-core was built with another configuration (NET_BUF_RX_COUNT): rebuild with the same NET_CONFIG/NET_BOARD"
);
const _: () = ::core::assert!(
    ::net_core::config::CONFIG_NET_BUF_TX_COUNT == 36,
    "net_stack!: net-core was built with another configuration (NET_BUF_TX_COUNT): rebuild with the same NET_CONFIG/NET_BOARD"
);
const _: () = ::core::assert!(
    ::net_core::config::CONFIG_NET_PKT_RX_COUNT == 14,
    "net_stack!: net-core was built with another configuration (NET_PKT_RX_COUNT): rebuild with the same NET_CONFIG/NET_BOARD"
);
const _: () = ::core::assert!(
    ::net_core::config::CONFIG_NET_PKT_TX_COUNT == 14,
    "net_stack!: net-core was built with another configuration (NET_PKT_TX_COUNT): rebuild with the same NET_CONFIG/NET_BOARD"
);
const _: () = ::core::assert!(
    ::net_core::config::CONFIG_NET_TC_RX_COUNT == 1,
    "net_stack!: net-core was built with another configuration (NET_TC_RX_COUNT): rebuild with the same NET_CONFIG/NET_BOARD"
);
const _: () = ::core::assert!(
    ::net_core::config::CONFIG_NET_TC_TX_COUNT == 0,
    "net_stack!: net-core was built with another configuration (NET_TC_TX_COUNT): rebuild with the same NET_CONFIG/NET_BOARD"
);
const _: &[u8] = ::core::include_bytes!("/project/Kconfig");
const _: &[u8] = ::core::include_bytes!("/project/boards/native_sim/defconfig");
