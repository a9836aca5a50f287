//! Network interfaces: flags and operational state (RFC 2863), link address and MTU, and
//! the IPv4/IPv6 address slots counted from the configuration.
//!
//! Interfaces are created statically, one per driver instance of the board; each gets an
//! IPv4 and an IPv6 address block from fixed tables of `NET_IF_MAX_IPV4_COUNT` and
//! `NET_IF_MAX_IPV6_COUNT` entries, as in Zephyr.

#[cfg(CONFIG_NET_IPV4)]
use core::net::Ipv4Addr;
#[cfg(CONFIG_NET_IPV6)]
use core::net::Ipv6Addr;

/// Interface flags (Zephyr's `enum net_if_flag`), as a bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IfFlags(pub u16);

impl IfFlags {
    /// Administratively up.
    pub const UP: IfFlags = IfFlags(1 << 0);
    /// Point-to-point link.
    pub const POINTOPOINT: IfFlags = IfFlags(1 << 1);
    /// Promiscuous mode.
    pub const PROMISC: IfFlags = IfFlags(1 << 2);
    /// Not taken up automatically at start.
    pub const NO_AUTO_START: IfFlags = IfFlags(1 << 3);
    /// IPv4 is enabled on the interface.
    pub const IPV4: IfFlags = IfFlags(1 << 4);
    /// IPv6 is enabled on the interface.
    pub const IPV6: IfFlags = IfFlags(1 << 5);
    /// Operationally up (admin up, carrier, not dormant).
    pub const RUNNING: IfFlags = IfFlags(1 << 6);
    /// Carrier is present.
    pub const LOWER_UP: IfFlags = IfFlags(1 << 7);
    /// Dormant (waiting for an external event).
    pub const DORMANT: IfFlags = IfFlags(1 << 8);
    /// No IPv6 neighbor discovery on this interface.
    pub const IPV6_NO_ND: IfFlags = IfFlags(1 << 9);
    /// No MLD on this interface.
    pub const IPV6_NO_MLD: IfFlags = IfFlags(1 << 10);

    /// True when every flag of `other` is set.
    pub const fn contains(self, other: IfFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Sets or clears the flags of `other`.
    pub fn set(&mut self, other: IfFlags, on: bool) {
        if on {
            self.0 |= other.0;
        } else {
            self.0 &= !other.0;
        }
    }
}

/// RFC 2863 operational state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OperState {
    /// Not known yet.
    #[default]
    Unknown,
    /// The device is missing.
    NotPresent,
    /// Down.
    Down,
    /// Admin up, but the lower layer (carrier) is down.
    LowerLayerDown,
    /// In a test mode.
    Testing,
    /// Waiting for an external event.
    Dormant,
    /// Up: packets can pass.
    Up,
}

impl OperState {
    /// The state that admin, carrier and dormant flags imply (Zephyr's `update_operational_state`).
    pub fn from_flags(flags: IfFlags) -> OperState {
        if !flags.contains(IfFlags::UP) {
            OperState::Down
        } else if !flags.contains(IfFlags::LOWER_UP) {
            OperState::LowerLayerDown
        } else if flags.contains(IfFlags::DORMANT) {
            OperState::Dormant
        } else {
            OperState::Up
        }
    }
}

/// How an address came to be on an interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrOrigin {
    /// Configured by the application or the static configuration.
    Manual,
    /// Built by stateless autoconfiguration (SLAAC) or link-local generation.
    Autoconf,
    /// Obtained by DHCP.
    Dhcp,
}

/// Errors of address and interface management.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfError {
    /// Every address slot of this kind is in use (`NET_IF_*_ADDR_COUNT`).
    NoSlot,
    /// The address is already on the interface.
    Exists,
    /// The address is not on the interface.
    NotFound,
    /// The interface has no IPv4/IPv6 block (`NET_IF_MAX_IPV*_COUNT` exhausted) or the
    /// protocol is off.
    NotSupported,
    /// No interface with that index.
    NoInterface,
}

/// An IPv4 unicast address with its netmask (per address, as Zephyr keeps it).
#[cfg(CONFIG_NET_IPV4)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4IfAddr {
    /// The address.
    pub addr: Ipv4Addr,
    /// Its netmask.
    pub netmask: Ipv4Addr,
    /// Where it came from.
    pub origin: AddrOrigin,
}

#[cfg(CONFIG_NET_IPV4)]
impl Ipv4IfAddr {
    /// True when `other` is in this address's subnet.
    pub fn on_link(&self, other: Ipv4Addr) -> bool {
        let m = u32::from(self.netmask);
        u32::from(self.addr) & m == u32::from(other) & m
    }

    /// The subnet's directed broadcast address.
    pub fn broadcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) | !u32::from(self.netmask))
    }
}

/// The IPv4 state of one interface (`struct net_if_ipv4`).
#[cfg(CONFIG_NET_IPV4)]
#[derive(Clone, Debug)]
pub struct IfIpv4 {
    /// Unicast addresses (`NET_IF_UNICAST_IPV4_ADDR_COUNT` slots).
    pub unicast: [Option<Ipv4IfAddr>; crate::config::CONFIG_NET_IF_UNICAST_IPV4_ADDR_COUNT],
    /// Joined multicast groups (`NET_IF_MCAST_IPV4_ADDR_COUNT` slots).
    pub mcast: [Option<Ipv4Addr>; crate::config::CONFIG_NET_IF_MCAST_IPV4_ADDR_COUNT],
    /// Default gateway.
    pub gateway: Option<Ipv4Addr>,
    /// TTL of unicast packets sent.
    pub ttl: u8,
}

#[cfg(CONFIG_NET_IPV4)]
impl Default for IfIpv4 {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(CONFIG_NET_IPV4)]
impl IfIpv4 {
    /// No addresses, TTL from `NET_INITIAL_TTL`.
    pub const fn new() -> IfIpv4 {
        IfIpv4 {
            unicast: [None; crate::config::CONFIG_NET_IF_UNICAST_IPV4_ADDR_COUNT],
            mcast: [None; crate::config::CONFIG_NET_IF_MCAST_IPV4_ADDR_COUNT],
            gateway: None,
            ttl: crate::config::CONFIG_NET_INITIAL_TTL as u8,
        }
    }

    /// Adds a unicast address.
    pub fn add(
        &mut self,
        addr: Ipv4Addr,
        netmask: Ipv4Addr,
        origin: AddrOrigin,
    ) -> Result<(), IfError> {
        if self.unicast.iter().flatten().any(|a| a.addr == addr) {
            return Err(IfError::Exists);
        }
        let slot = self
            .unicast
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(IfError::NoSlot)?;
        *slot = Some(Ipv4IfAddr {
            addr,
            netmask,
            origin,
        });
        Ok(())
    }

    /// Removes a unicast address.
    pub fn remove(&mut self, addr: Ipv4Addr) -> Result<(), IfError> {
        let slot = self
            .unicast
            .iter_mut()
            .find(|s| s.is_some_and(|a| a.addr == addr))
            .ok_or(IfError::NotFound)?;
        *slot = None;
        Ok(())
    }

    /// True when `addr` is one of ours (unicast).
    pub fn is_mine(&self, addr: Ipv4Addr) -> bool {
        self.unicast.iter().flatten().any(|a| a.addr == addr)
    }

    /// True when a packet to `addr` is for us: one of our unicast addresses, the limited
    /// broadcast, a subnet broadcast of ours, or a joined multicast group.
    pub fn accepts(&self, addr: Ipv4Addr) -> bool {
        self.is_mine(addr)
            || addr.is_broadcast()
            || (crate::config::CONFIG_NET_IPV4_ACCEPT_ZERO_BROADCAST && addr.is_unspecified())
            || self.unicast.iter().flatten().any(|a| a.broadcast() == addr)
            || (addr.is_multicast() && self.mcast.iter().flatten().any(|m| *m == addr))
    }

    /// The source address to use towards `dst`: one in the same subnet, else the first.
    pub fn source_for(&self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        let mut all = self.unicast.iter().flatten();
        self.unicast
            .iter()
            .flatten()
            .find(|a| a.on_link(dst))
            .or_else(|| all.next())
            .map(|a| a.addr)
    }

    /// The next hop towards `dst`: `dst` itself when on-link (or broadcast/multicast), the
    /// gateway otherwise; `None` when neither exists.
    pub fn next_hop(&self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        if dst.is_broadcast()
            || dst.is_multicast()
            || self.unicast.iter().flatten().any(|a| a.on_link(dst))
        {
            Some(dst)
        } else {
            self.gateway
        }
    }
}

/// State of an IPv6 address (RFC 4862).
#[cfg(CONFIG_NET_IPV6)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ipv6AddrState {
    /// Duplicate address detection is running; not usable yet.
    Tentative {
        /// Neighbor solicitations still to send.
        probes_left: u8,
    },
    /// Usable.
    Preferred,
    /// Usable for existing communication only.
    Deprecated,
}

/// An IPv6 unicast address of an interface.
#[cfg(CONFIG_NET_IPV6)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6IfAddr {
    /// The address.
    pub addr: Ipv6Addr,
    /// Its on-link prefix length.
    pub prefix_len: u8,
    /// DAD state.
    pub state: Ipv6AddrState,
    /// Where it came from.
    pub origin: AddrOrigin,
    /// Valid lifetime in seconds; `u32::MAX` is infinite.
    pub valid_lifetime: u32,
}

#[cfg(CONFIG_NET_IPV6)]
impl Ipv6IfAddr {
    /// True when `other` shares this address's prefix.
    pub fn on_link(&self, other: Ipv6Addr) -> bool {
        prefix_match(self.addr, other, self.prefix_len)
    }
}

/// True when the first `len` bits of `a` and `b` are equal.
#[cfg(CONFIG_NET_IPV6)]
pub fn prefix_match(a: Ipv6Addr, b: Ipv6Addr, len: u8) -> bool {
    let len = u32::from(len.min(128));
    if len == 0 {
        return true;
    }
    let mask = u128::MAX << (128 - len);
    u128::from(a) & mask == u128::from(b) & mask
}

/// An on-link prefix learnt from a router advertisement or configured.
#[cfg(CONFIG_NET_IPV6)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6Prefix {
    /// The prefix.
    pub prefix: Ipv6Addr,
    /// Its length.
    pub len: u8,
    /// Valid lifetime in seconds; `u32::MAX` is infinite.
    pub valid_lifetime: u32,
}

/// The IPv6 state of one interface (`struct net_if_ipv6`).
#[cfg(CONFIG_NET_IPV6)]
#[derive(Clone, Debug)]
pub struct IfIpv6 {
    /// Unicast addresses (`NET_IF_UNICAST_IPV6_ADDR_COUNT` slots).
    pub unicast: [Option<Ipv6IfAddr>; crate::config::CONFIG_NET_IF_UNICAST_IPV6_ADDR_COUNT],
    /// Joined multicast groups (`NET_IF_MCAST_IPV6_ADDR_COUNT` slots), including the
    /// solicited-node groups of the unicast addresses.
    pub mcast: [Option<Ipv6Addr>; crate::config::CONFIG_NET_IF_MCAST_IPV6_ADDR_COUNT],
    /// On-link prefixes (`NET_IF_IPV6_PREFIX_COUNT` slots).
    pub prefixes: [Option<Ipv6Prefix>; crate::config::CONFIG_NET_IF_IPV6_PREFIX_COUNT],
    /// Default router, from router advertisements or configuration.
    pub router: Option<Ipv6Addr>,
    /// Hop limit of unicast packets sent.
    pub hop_limit: u8,
    /// Neighbor reachable time in milliseconds (RFC 4861 BaseReachableTime).
    pub reachable_time_ms: u32,
    /// Retransmission timer of NS in milliseconds.
    pub retrans_timer_ms: u32,
}

#[cfg(CONFIG_NET_IPV6)]
impl Default for IfIpv6 {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(CONFIG_NET_IPV6)]
impl IfIpv6 {
    /// No addresses; hop limit from `NET_INITIAL_HOP_LIMIT`, RFC 4861 timer defaults.
    pub const fn new() -> IfIpv6 {
        IfIpv6 {
            unicast: [None; crate::config::CONFIG_NET_IF_UNICAST_IPV6_ADDR_COUNT],
            mcast: [None; crate::config::CONFIG_NET_IF_MCAST_IPV6_ADDR_COUNT],
            prefixes: [None; crate::config::CONFIG_NET_IF_IPV6_PREFIX_COUNT],
            router: None,
            hop_limit: crate::config::CONFIG_NET_INITIAL_HOP_LIMIT as u8,
            reachable_time_ms: 30_000,
            retrans_timer_ms: 1_000,
        }
    }

    /// Adds a unicast address in `state`.
    pub fn add(&mut self, addr: Ipv6IfAddr) -> Result<(), IfError> {
        if self.unicast.iter().flatten().any(|a| a.addr == addr.addr) {
            return Err(IfError::Exists);
        }
        let slot = self
            .unicast
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(IfError::NoSlot)?;
        *slot = Some(addr);
        Ok(())
    }

    /// Removes a unicast address.
    pub fn remove(&mut self, addr: Ipv6Addr) -> Result<(), IfError> {
        let slot = self
            .unicast
            .iter_mut()
            .find(|s| s.is_some_and(|a| a.addr == addr))
            .ok_or(IfError::NotFound)?;
        *slot = None;
        Ok(())
    }

    /// The entry of one of our addresses.
    pub fn find_mut(&mut self, addr: Ipv6Addr) -> Option<&mut Ipv6IfAddr> {
        self.unicast.iter_mut().flatten().find(|a| a.addr == addr)
    }

    /// Joins a multicast group. Joining twice is not an error.
    pub fn join(&mut self, group: Ipv6Addr) -> Result<(), IfError> {
        if self.mcast.iter().flatten().any(|m| *m == group) {
            return Ok(());
        }
        let slot = self
            .mcast
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(IfError::NoSlot)?;
        *slot = Some(group);
        Ok(())
    }

    /// Leaves a multicast group.
    pub fn leave(&mut self, group: Ipv6Addr) -> Result<(), IfError> {
        let slot = self
            .mcast
            .iter_mut()
            .find(|s| **s == Some(group))
            .ok_or(IfError::NotFound)?;
        *slot = None;
        Ok(())
    }

    /// True when `addr` is one of our usable (not tentative) unicast addresses.
    pub fn is_mine(&self, addr: Ipv6Addr) -> bool {
        self.unicast
            .iter()
            .flatten()
            .any(|a| a.addr == addr && !matches!(a.state, Ipv6AddrState::Tentative { .. }))
    }

    /// True when `addr` is a unicast address of ours in any state (DAD must see NS for
    /// tentative ones too).
    pub fn has_addr(&self, addr: Ipv6Addr) -> bool {
        self.unicast.iter().flatten().any(|a| a.addr == addr)
    }

    /// True when a packet to `addr` is for us: a usable unicast address, all-nodes, or a
    /// joined group.
    pub fn accepts(&self, addr: Ipv6Addr) -> bool {
        self.is_mine(addr)
            || addr == Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1)
            || (addr.is_multicast() && self.mcast.iter().flatten().any(|m| *m == addr))
    }

    /// The source address towards `dst` (a simplified RFC 6724): a usable address with the
    /// same scope and the longest common prefix; link-local for link-local and multicast
    /// link-scope destinations.
    pub fn source_for(&self, dst: Ipv6Addr) -> Option<Ipv6Addr> {
        let dst_link_local =
            is_link_local(dst) || (dst.is_multicast() && dst.segments()[0] & 0x000f == 2);
        self.unicast
            .iter()
            .flatten()
            .filter(|a| !matches!(a.state, Ipv6AddrState::Tentative { .. }))
            .filter(|a| is_link_local(a.addr) == dst_link_local)
            .max_by_key(|a| (u128::from(a.addr) ^ u128::from(dst)).leading_zeros())
            .map(|a| a.addr)
    }

    /// The next hop towards `dst`: `dst` itself when on-link (link-local, multicast, an
    /// address prefix or a learnt prefix), else the default router.
    pub fn next_hop(&self, dst: Ipv6Addr) -> Option<Ipv6Addr> {
        let on_link = is_link_local(dst)
            || dst.is_multicast()
            || self.unicast.iter().flatten().any(|a| a.on_link(dst))
            || self
                .prefixes
                .iter()
                .flatten()
                .any(|p| prefix_match(p.prefix, dst, p.len));
        if on_link { Some(dst) } else { self.router }
    }
}

/// fe80::/10.
#[cfg(CONFIG_NET_IPV6)]
pub fn is_link_local(a: Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oper_state_follows_flags() {
        let mut f = IfFlags::default();
        assert_eq!(OperState::from_flags(f), OperState::Down);
        f.set(IfFlags::UP, true);
        assert_eq!(OperState::from_flags(f), OperState::LowerLayerDown);
        f.set(IfFlags::LOWER_UP, true);
        assert_eq!(OperState::from_flags(f), OperState::Up);
        f.set(IfFlags::DORMANT, true);
        assert_eq!(OperState::from_flags(f), OperState::Dormant);
    }

    #[cfg(CONFIG_NET_IPV4)]
    #[test]
    fn ipv4_slots_routing_and_broadcast() {
        let mut v4 = IfIpv4::new();
        let me = Ipv4Addr::new(192, 0, 2, 1);
        v4.add(me, Ipv4Addr::new(255, 255, 255, 0), AddrOrigin::Manual)
            .unwrap();
        assert_eq!(
            v4.add(me, Ipv4Addr::new(255, 255, 255, 0), AddrOrigin::Manual),
            Err(IfError::Exists)
        );
        assert!(v4.accepts(Ipv4Addr::new(192, 0, 2, 255)));
        assert!(v4.accepts(Ipv4Addr::BROADCAST));
        assert!(!v4.accepts(Ipv4Addr::new(192, 0, 2, 2)));
        assert_eq!(
            v4.next_hop(Ipv4Addr::new(192, 0, 2, 9)),
            Some(Ipv4Addr::new(192, 0, 2, 9))
        );
        assert_eq!(v4.next_hop(Ipv4Addr::new(198, 51, 100, 1)), None);
        v4.gateway = Some(Ipv4Addr::new(192, 0, 2, 254));
        assert_eq!(
            v4.next_hop(Ipv4Addr::new(198, 51, 100, 1)),
            Some(Ipv4Addr::new(192, 0, 2, 254))
        );
        assert_eq!(v4.source_for(Ipv4Addr::new(198, 51, 100, 1)), Some(me));
        v4.remove(me).unwrap();
        assert_eq!(v4.remove(me), Err(IfError::NotFound));
    }

    #[cfg(CONFIG_NET_IPV6)]
    #[test]
    fn ipv6_addresses_and_source_selection() {
        let mut v6 = IfIpv6::new();
        let ll: Ipv6Addr = "fe80::1".parse().unwrap();
        let global: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let entry = |addr, state| Ipv6IfAddr {
            addr,
            prefix_len: 64,
            state,
            origin: AddrOrigin::Manual,
            valid_lifetime: u32::MAX,
        };
        v6.add(entry(ll, Ipv6AddrState::Preferred)).unwrap();
        v6.add(entry(global, Ipv6AddrState::Tentative { probes_left: 1 }))
            .unwrap();
        assert!(!v6.is_mine(global), "tentative addresses are not usable");
        assert!(v6.has_addr(global));
        assert_eq!(v6.source_for("2001:db8::2".parse().unwrap()), None);
        v6.find_mut(global).unwrap().state = Ipv6AddrState::Preferred;
        assert_eq!(v6.source_for("2001:db8::2".parse().unwrap()), Some(global));
        assert_eq!(v6.source_for("fe80::2".parse().unwrap()), Some(ll));
        assert_eq!(v6.source_for("ff02::1".parse().unwrap()), Some(ll));
        assert!(v6.accepts("ff02::1".parse().unwrap()));
        assert!(prefix_match(global, "2001:db8::ffff".parse().unwrap(), 64));
        assert!(!prefix_match(global, "2001:db9::".parse().unwrap(), 64));
        assert_eq!(
            v6.next_hop("2001:db8::5".parse().unwrap()),
            Some("2001:db8::5".parse().unwrap())
        );
        assert_eq!(v6.next_hop("2001:db9::5".parse().unwrap()), None);
    }
}
