//! Ethernet interfaces: a MAC, at most one IPv4 address, an MTU and a neighbour cache.

use std::net::Ipv4Addr;

use arp::{CacheConfig, NeighborCache};
use ethernet::MacAddress;
use ipnet::Ipv4Net;

/// Index of an interface in its stack, in the order they were added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IfaceId(pub usize);

/// What an interface queues behind an unresolved neighbour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pending {
    /// An IPv4 datagram waiting for its next hop's MAC address.
    Datagram(Vec<u8>),
    /// Nothing: the resolution itself was asked for.
    ResolveOnly,
}

/// One Ethernet interface.
#[derive(Debug)]
pub(crate) struct Interface {
    pub(crate) name: String,
    pub(crate) mac: MacAddress,
    pub(crate) address: Option<Ipv4Net>,
    pub(crate) mtu: usize,
    pub(crate) neighbors: NeighborCache<Pending>,
}

impl Interface {
    pub(crate) fn new(name: &str, mac: MacAddress, mtu: usize, arp: CacheConfig) -> Self {
        Self { name: name.to_owned(), mac, address: None, mtu, neighbors: NeighborCache::new(arp, mac, None) }
    }

    pub(crate) fn ip(&self) -> Option<Ipv4Addr> {
        self.address.map(|net| net.addr())
    }

    /// The directed broadcast of the interface's network.
    pub(crate) fn directed_broadcast(&self) -> Option<Ipv4Addr> {
        self.address.and_then(directed_broadcast)
    }
}

/// An interface as [`crate::Stack::interfaces`] lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// Its index.
    pub id: IfaceId,
    /// Its name.
    pub name: String,
    /// Its hardware address.
    pub mac: MacAddress,
    /// Its address and prefix, once configured.
    pub address: Option<Ipv4Net>,
    /// The largest datagram it sends unfragmented.
    pub mtu: usize,
}

/// The directed broadcast address of `net`; none for /31 (RFC 3021) and /32 networks,
/// whose every address names a host.
pub(crate) fn directed_broadcast(net: Ipv4Net) -> Option<Ipv4Addr> {
    (net.prefix_len() < 31).then(|| net.broadcast())
}
