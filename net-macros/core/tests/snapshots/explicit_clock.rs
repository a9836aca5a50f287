/// The driver of interface `eth0` (index 0) of [`LINKED`].
pub(crate) static LINKED_ETH0: LinkEnd = LinkEnd::new([2, 0, 0, 0, 0, 1], 7);
pub(crate) static LINKED: ::net_core::Stack = {
    static __LINKED_POOLS: ::net_core::buf::ConfiguredPools = ::net_core::buf::ConfiguredPools::new();
    static __LINKED_IFACE_STATE: [::net_core::IfaceState; 1] = [
        ::net_core::IfaceState::new(),
    ];
    static __LINKED_IFACES: [::net_core::Iface; 1] = [
        ::net_core::Iface::new(
            "eth0",
            &LINKED_ETH0,
            ::net_core::L2Kind::Ethernet,
            0,
            &__LINKED_IFACE_STATE[0],
        ),
    ];
    static __LINKED_CLOCK: MyClock = MyClock { ticks: 0 };
    static __LINKED_TCP: ::net_core::TcpTable = ::net_core::TcpTable::new();
    static __LINKED_STATE: ::net_core::StackState = ::net_core::StackState::new();
    ::net_core::Stack::new(
        &__LINKED_POOLS.pools(),
        &__LINKED_IFACES,
        &__LINKED_CLOCK,
        &__LINKED_TCP,
        &__LINKED_STATE,
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
