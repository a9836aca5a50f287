//! Network statistics: Zephyr's `struct net_stats` groups, globally and per interface.
//!
//! Counters are 32-bit and wrap, as Zephyr's `net_stats_t`. Each group exists only when its
//! `NET_STATISTICS_*` option is on, so a disabled group costs no RAM; the
//! [`crate::stat_inc!`]/[`crate::stat_add!`] macros used by the stack compile to nothing
//! when `NET_STATISTICS` is off.
//!
//! Each event is counted once, where it happened. With `NET_STATISTICS_PER_INTERFACE` an
//! event of an interface goes to that interface's counters (`iface.stats`), and only the
//! events that belong to no interface go to the stack's own; the stack's totals
//! ([`Stack::stats`](crate::Stack::stats)) add them up when they are read. Zephyr bumps the
//! global and the interface's counter at every event instead: reading is rare and events
//! are not, so this halves the counting work on the data path (and its code: 1.3 KiB of
//! flash for an IPv4+IPv6 UDP echo on Cortex-M3) for the same figures.

pub use crate::counter::Counter;

/// Declares a statistics group: a struct of [`Counter`]s with a `const fn new()`, a
/// `reset()`, and a `snapshot()` into plain `u32`s for printing and comparisons.
macro_rules! stats_group {
    ($(#[$meta:meta])* $name:ident, $snap:ident { $($(#[$fmeta:meta])* $field:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Default)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: Counter,)*
        }

        impl $name {
            /// All counters at zero.
            pub const fn new() -> $name {
                $name { $($field: Counter::new(),)* }
            }

            /// Sets every counter to zero.
            pub fn reset(&self) {
                $(self.$field.reset();)*
            }

            /// The counters' current values.
            pub fn snapshot(&self) -> $snap {
                $snap { $($field: self.$field.get(),)* }
            }
        }

        #[doc = concat!("Values of [`", stringify!($name), "`] at one moment.")]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $snap {
            $($(#[$fmeta])* pub $field: u32,)*
        }

        impl $snap {
            /// Adds another set of values, field by field (wrapping, as the counters do).
            pub fn accumulate(&mut self, other: &$snap) {
                $(self.$field = self.$field.wrapping_add(other.$field);)*
            }
        }
    };
}

stats_group!(
    /// Bytes sent and received (`net_stats_bytes`).
    BytesStats, BytesSnapshot {
        /// Bytes sent.
        sent,
        /// Bytes received.
        received,
    }
);

stats_group!(
    /// IPv4 or IPv6 packet counts (`net_stats_ip`).
    IpStats, IpSnapshot {
        /// Packets received and accepted.
        recv,
        /// Packets sent.
        sent,
        /// Packets forwarded.
        forwarded,
        /// Packets dropped.
        drop,
    }
);

stats_group!(
    /// IP header errors (`net_stats_ip_errors`).
    IpErrorStats, IpErrorSnapshot {
        /// Wrong IP version or header length.
        vhlerr,
        /// Wrong length in the high byte of the length field.
        hblenerr,
        /// Wrong length in the low byte of the length field.
        lblenerr,
        /// Fragments (dropped: no reassembly).
        fragerr,
        /// Bad header checksum.
        chkerr,
        /// Unsupported upper-layer protocol.
        protoerr,
    }
);

stats_group!(
    /// ICMPv4 and ICMPv6 messages (`net_stats_icmp`).
    IcmpStats, IcmpSnapshot {
        /// Messages received.
        recv,
        /// Messages sent.
        sent,
        /// Messages dropped.
        drop,
        /// Unknown or unexpected type.
        typeerr,
        /// Bad checksum.
        chkerr,
    }
);

stats_group!(
    /// UDP datagrams (`net_stats_udp`).
    UdpStats, UdpSnapshot {
        /// Datagrams dropped (no socket, queue full, malformed).
        drop,
        /// Datagrams received.
        recv,
        /// Datagrams sent.
        sent,
        /// Bad checksum.
        chkerr,
    }
);

stats_group!(
    /// TCP segments (`net_stats_tcp`).
    TcpStats, TcpSnapshot {
        /// Payload bytes sent.
        bytes_sent,
        /// Payload bytes received.
        bytes_received,
        /// Bytes sent again.
        resent,
        /// Segments dropped.
        drop,
        /// Segments received.
        recv,
        /// Segments sent.
        sent,
        /// Segments dropped for bad content.
        seg_drop,
        /// Bad checksum.
        chkerr,
        /// Unacceptable ACK.
        ackerr,
        /// Bad RST.
        rsterr,
        /// RSTs received.
        rst,
        /// Retransmissions.
        rexmit,
        /// Connections dropped.
        conndrop,
        /// Connections reset.
        connrst,
    }
);

stats_group!(
    /// Neighbor discovery, MLD or IGMP messages (`net_stats_ipv6_nd` and alike).
    ControlStats, ControlSnapshot {
        /// Messages dropped.
        drop,
        /// Messages received.
        recv,
        /// Messages sent.
        sent,
    }
);

stats_group!(
    /// Ethernet driver and L2 counters (a subset of `net_stats_eth` that drivers here report).
    EthernetStats, EthernetSnapshot {
        /// Bytes received.
        rx_bytes,
        /// Bytes sent.
        tx_bytes,
        /// Frames received.
        rx_pkts,
        /// Frames sent.
        tx_pkts,
        /// Broadcast frames received.
        rx_broadcast,
        /// Broadcast frames sent.
        tx_broadcast,
        /// Multicast frames received.
        rx_multicast,
        /// Multicast frames sent.
        tx_multicast,
        /// Receive errors of any kind.
        rx_errors,
        /// Transmit errors of any kind.
        tx_errors,
        /// Frames too short or too long.
        rx_length_errors,
        /// Frames with a bad CRC.
        rx_crc_errors,
        /// Frames lost because no packet buffer was free.
        rx_no_buffer_count,
        /// Frames the hardware missed (FIFO overrun).
        rx_missed_errors,
        /// Frames the driver could not hand over.
        tx_dropped,
        /// Transmit timeouts.
        tx_timeout_count,
        /// Frames with an EtherType no L3 handles.
        unknown_protocol,
    }
);

stats_group!(
    /// Accumulated processing time of one direction (`net_stats_rx_time`/`tx_time`).
    TimeStats, TimeSnapshot {
        /// Sum of the per-packet times, in microseconds (wrapping).
        sum_us,
        /// Number of packets in the sum.
        count,
    }
);

stats_group!(
    /// Counters of one traffic class (`net_stats_tc`'s `sent`/`recv` entries).
    TcStats, TcSnapshot {
        /// Packets through the class.
        pkts,
        /// Bytes through the class.
        bytes,
        /// Packets dropped because the class queue was full.
        dropped,
    }
);

/// The traffic-class statistics: one entry per TX and RX class (Zephyr keeps one entry when
/// a direction has no queue). The stack keeps one set (the classes' queues are the
/// stack's, not an interface's): [`Stack::tc_stats`](crate::Stack::tc_stats) reads it.
#[derive(Debug)]
pub struct TrafficClassStats {
    /// Per TX class.
    pub sent: [TcStats; TX_TC_STATS],
    /// Per RX class.
    pub recv: [TcStats; RX_TC_STATS],
}

/// TX class entries: `NET_TC_TX_COUNT`, or 1 when TX is not queued.
pub const TX_TC_STATS: usize = if crate::config::CONFIG_NET_TC_TX_COUNT == 0 {
    1
} else {
    crate::config::CONFIG_NET_TC_TX_COUNT
};
/// RX class entries: `NET_TC_RX_COUNT`.
pub const RX_TC_STATS: usize = crate::config::CONFIG_NET_TC_RX_COUNT;

impl TrafficClassStats {
    /// All counters at zero.
    pub const fn new() -> TrafficClassStats {
        TrafficClassStats {
            sent: [const { TcStats::new() }; TX_TC_STATS],
            recv: [const { TcStats::new() }; RX_TC_STATS],
        }
    }

    /// Sets every counter to zero.
    pub fn reset(&self) {
        self.sent.iter().chain(&self.recv).for_each(TcStats::reset);
    }

    /// The counters' current values.
    pub fn snapshot(&self) -> TrafficClassSnapshot {
        TrafficClassSnapshot {
            sent: self.sent.each_ref().map(TcStats::snapshot),
            recv: self.recv.each_ref().map(TcStats::snapshot),
        }
    }
}

/// Values of [`TrafficClassStats`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrafficClassSnapshot {
    /// Per TX class.
    pub sent: [TcSnapshot; TX_TC_STATS],
    /// Per RX class.
    pub recv: [TcSnapshot; RX_TC_STATS],
}

impl Default for TrafficClassStats {
    fn default() -> Self {
        Self::new()
    }
}

/// Declares [`NetStats`] and [`NetStatsSnapshot`] from one list of groups, so that the
/// struct, its constructor, reset, snapshot and the snapshot's sum cannot disagree about
/// which groups a configuration keeps.
macro_rules! net_stats {
    ($(
        $(#[doc = $doc:literal])*
        $(#[cfg($cfg:meta)])?
        $field:ident: $group:ident => $snap:ident,
    )*) => {
        /// `struct net_stats`: every group the configuration enables.
        #[derive(Debug, Default)]
        pub struct NetStats {
            /// Packets the stack could not process (no buffer, internal error).
            pub processing_error: Counter,
            $(
                $(#[doc = $doc])*
                $(#[cfg($cfg)])?
                pub $field: $group,
            )*
        }

        impl NetStats {
            /// All counters at zero (usable in `static`s).
            pub const fn new() -> NetStats {
                NetStats {
                    processing_error: Counter::new(),
                    $($(#[cfg($cfg)])? $field: $group::new(),)*
                }
            }

            /// Sets every counter to zero (`NET_REQUEST_STATS_RESET`).
            pub fn reset(&self) {
                self.processing_error.reset();
                $($(#[cfg($cfg)])? self.$field.reset();)*
            }

            /// The counters' current values.
            pub fn snapshot(&self) -> NetStatsSnapshot {
                NetStatsSnapshot {
                    processing_error: self.processing_error.get(),
                    $($(#[cfg($cfg)])? $field: self.$field.snapshot(),)*
                }
            }
        }

        /// Values of [`NetStats`] at one moment, group by group;
        /// [`Stack::stats`](crate::Stack::stats) gives the stack's totals in this form.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct NetStatsSnapshot {
            /// Packets the stack could not process (no buffer, internal error).
            pub processing_error: u32,
            $(
                $(#[doc = $doc])*
                $(#[cfg($cfg)])?
                pub $field: $snap,
            )*
        }

        impl NetStatsSnapshot {
            /// Adds another set of values, group by group.
            pub fn accumulate(&mut self, other: &NetStatsSnapshot) {
                self.processing_error = self.processing_error.wrapping_add(other.processing_error);
                $($(#[cfg($cfg)])? self.$field.accumulate(&other.$field);)*
            }
        }
    };
}

net_stats! {
    /// Bytes sent and received at the IP layer.
    bytes: BytesStats => BytesSnapshot,
    /// IP header errors.
    ip_errors: IpErrorStats => IpErrorSnapshot,
    /// IPv4 packets.
    #[cfg(CONFIG_NET_STATISTICS_IPV4)]
    ipv4: IpStats => IpSnapshot,
    /// IPv6 packets.
    #[cfg(CONFIG_NET_STATISTICS_IPV6)]
    ipv6: IpStats => IpSnapshot,
    /// ICMPv4 and ICMPv6 messages.
    #[cfg(CONFIG_NET_STATISTICS_ICMP)]
    icmp: IcmpStats => IcmpSnapshot,
    /// UDP datagrams.
    #[cfg(CONFIG_NET_STATISTICS_UDP)]
    udp: UdpStats => UdpSnapshot,
    /// TCP segments.
    #[cfg(CONFIG_NET_STATISTICS_TCP)]
    tcp: TcpStats => TcpSnapshot,
    /// Neighbor discovery.
    #[cfg(CONFIG_NET_STATISTICS_IPV6_ND)]
    ipv6_nd: ControlStats => ControlSnapshot,
    /// MLD.
    #[cfg(CONFIG_NET_STATISTICS_MLD)]
    ipv6_mld: ControlStats => ControlSnapshot,
    /// IGMP.
    #[cfg(CONFIG_NET_STATISTICS_IGMP)]
    ipv4_igmp: ControlStats => ControlSnapshot,
    /// Ethernet.
    #[cfg(CONFIG_NET_STATISTICS_ETHERNET)]
    ethernet: EthernetStats => EthernetSnapshot,
    /// RX processing time (driver to application).
    #[cfg(CONFIG_NET_PKT_RXTIME_STATS)]
    rx_time: TimeStats => TimeSnapshot,
    /// TX processing time (application to driver).
    #[cfg(CONFIG_NET_PKT_TXTIME_STATS)]
    tx_time: TimeStats => TimeSnapshot,
}

/// Bumps a statistics counter by one: `stat_inc!(stack.stats_for(iface), udp.drop)`, where
/// `stats_for` picks the counters the event belongs to (the interface's with
/// `NET_STATISTICS_PER_INTERFACE`, else the stack's). Compiles to nothing when
/// `NET_STATISTICS` is off. The path must name a group that the configuration enables;
/// groups that may be off are written with their cfg:
/// `stat_inc!(CONFIG_NET_STATISTICS_UDP => stats, udp.drop)`.
#[macro_export]
macro_rules! stat_inc {
    ($cfg:ident => $stats:expr, $($path:ident).+) => {
        $crate::stat_add!($cfg => $stats, $($path).+, 1)
    };
    ($stats:expr, $($path:ident).+) => {
        $crate::stat_add!($stats, $($path).+, 1)
    };
}

/// Adds `n` to a statistics counter; see [`stat_inc!`].
#[macro_export]
macro_rules! stat_add {
    ($cfg:ident => $stats:expr, $($path:ident).+, $n:expr) => {{
        #[cfg($cfg)]
        $crate::stat_add!($stats, $($path).+, $n);
    }};
    ($stats:expr, $($path:ident).+, $n:expr) => {{
        #[cfg(CONFIG_NET_STATISTICS)]
        {
            let stats: &$crate::ip::stats::NetStats = $stats;
            let n: u32 = $n;
            stats.$($path).+.add(n);
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_add_wrap_and_reset() {
        let c = Counter::new();
        c.add(u32::MAX);
        c.inc();
        assert_eq!(c.get(), 0);
        c.add(5);
        assert_eq!(c.get(), 5);
        c.reset();
        assert_eq!(c.get(), 0);
    }

    #[test]
    fn macro_counts_once_and_snapshots_add_up() {
        let stack = NetStats::new();
        let iface = NetStats::new();
        crate::stat_inc!(&iface, ip_errors.chkerr);
        crate::stat_add!(&iface, bytes.received, 100);
        crate::stat_add!(&stack, bytes.received, 20);
        assert_eq!(iface.ip_errors.snapshot().chkerr, 1);
        assert_eq!(stack.ip_errors.snapshot().chkerr, 0);
        let mut total = stack.snapshot();
        total.accumulate(&iface.snapshot());
        assert_eq!(total.bytes.received, 120);
        assert_eq!(total.ip_errors.chkerr, 1);
        // Sums wrap as the counters do.
        stack.bytes.received.add(u32::MAX - 29);
        let mut total = stack.snapshot();
        total.accumulate(&iface.snapshot());
        assert_eq!(total.bytes.received, 90);
        iface.reset();
        assert_eq!(iface.bytes.snapshot(), BytesSnapshot::default());
    }
}
