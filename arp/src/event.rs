use core::fmt;
use core::net::Ipv4Addr;
use core::time::Duration;

use ethernet::{EtherType, EthernetRepr, MacAddress, Padding};

use crate::ArpRepr;

/// What [`crate::NeighborCache::resolve`] did with a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a Ready or Dropped resolution hands the packet back"]
pub enum Resolution<P> {
    /// The next hop's MAC is known: send the packet now.
    Ready(MacAddress, P),
    /// The packet waits for the answer to an ARP request; it comes back through
    /// [`crate::NeighborCache::poll_released`].
    Queued,
    /// A packet that will not be sent, handed back to the caller:
    /// - the target's queue was full: the *oldest* queued packet is returned and the new
    ///   one takes its place at the back (what Linux does with `unres_qlen`), or
    /// - the table was full (or the next hop is 0.0.0.0): the packet just passed in.
    Dropped(P),
}

/// A queued packet leaving the neighbour cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Released<P> {
    /// The next hop answered: send `packet` to `mac`.
    Resolved {
        /// The next hop.
        ip: Ipv4Addr,
        /// Its hardware address.
        mac: MacAddress,
        /// The packet that waited for it.
        packet: P,
    },
    /// Resolution gave up (or the entry was flushed): the host may answer the packet's
    /// source with ICMP destination unreachable, code 1 (host unreachable).
    Unreachable {
        /// The next hop that did not answer.
        ip: Ipv4Addr,
        /// The packet that waited for it.
        packet: P,
    },
}

impl<P> Released<P> {
    /// The next hop the packet waited for.
    pub const fn ip(&self) -> Ipv4Addr {
        match self {
            Self::Resolved { ip, .. } | Self::Unreachable { ip, .. } => *ip,
        }
    }

    /// The packet, whatever happened to it.
    pub fn into_packet(self) -> P {
        match self {
            Self::Resolved { packet, .. } | Self::Unreachable { packet, .. } => packet,
        }
    }
}

/// An ARP packet the cache wants sent, with its Ethernet destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct ArpTransmit {
    /// Broadcast for requests, announcements and probes; the requester for replies.
    pub dst_mac: MacAddress,
    /// The ARP packet; its sender MAC is the cache's own MAC.
    pub packet: ArpRepr,
}

impl ArpTransmit {
    /// The Ethernet header to send this packet under.
    pub const fn ethernet_repr(&self) -> EthernetRepr {
        EthernetRepr {
            src_addr: self.packet.sender_mac,
            dst_addr: self.dst_mac,
            vlan: None,
            ethertype: EtherType::ARP,
        }
    }

    /// The whole Ethernet frame.
    pub fn to_frame(&self, padding: Padding) -> Vec<u8> {
        self.ethernet_repr().to_bytes(&self.packet.to_bytes(), padding)
    }
}

/// A resolved neighbour, as [`crate::NeighborCache::entries`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NeighborEntry {
    /// The neighbour's IPv4 address.
    pub ip: Ipv4Addr,
    /// Its hardware address.
    pub mac: MacAddress,
    /// When the entry stops being used unless refreshed.
    pub expires_at: Duration,
}

/// A state change of the neighbour cache, for the trace.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArpEvent {
    /// A neighbour was learned (from a reply, or a packet addressed to us).
    EntryAdded {
        /// The neighbour.
        ip: Ipv4Addr,
        /// Its hardware address.
        mac: MacAddress,
    },
    /// A known neighbour now answers from another hardware address.
    EntryUpdated {
        /// The neighbour.
        ip: Ipv4Addr,
        /// The hardware address it had.
        old: MacAddress,
        /// The hardware address it has now.
        new: MacAddress,
    },
    /// An entry reached the end of its lifetime unrefreshed and was removed.
    EntryExpired {
        /// The neighbour.
        ip: Ipv4Addr,
        /// The hardware address it had.
        mac: MacAddress,
    },
    /// A live entry was removed before its time to make room for a next hop the host
    /// needs ([`crate::CacheConfig::max_entries`]).
    EntryEvicted {
        /// The neighbour.
        ip: Ipv4Addr,
        /// The hardware address it had.
        mac: MacAddress,
    },
    /// A broadcast request went out.
    RequestSent {
        /// The address asked for.
        ip: Ipv4Addr,
        /// 1 for the first request, 2 for the first retry, …
        attempt: u32,
    },
    /// A unicast reply to a request for our address went out.
    ReplySent {
        /// The requester's IP (0.0.0.0 when answering a probe).
        to_ip: Ipv4Addr,
        /// The requester's MAC.
        to_mac: MacAddress,
    },
    /// A unicast reply to a request for an address this interface answers for on
    /// another's behalf (proxy ARP, RFC 1027) went out.
    ProxyReplySent {
        /// The address asked for.
        ip: Ipv4Addr,
        /// The requester's IP.
        to_ip: Ipv4Addr,
        /// The requester's MAC.
        to_mac: MacAddress,
    },
    /// Every request for `ip` went unanswered; its queued packets were released as
    /// unreachable.
    ResolutionFailed {
        /// The address that did not answer.
        ip: Ipv4Addr,
        /// How many queued packets were released as unreachable.
        dropped: usize,
    },
    /// The queue for `ip` was full; a packet was dropped.
    QueueFull {
        /// The address being resolved.
        ip: Ipv4Addr,
    },
    /// The table was full of live entries; `ip` got none.
    TableFull {
        /// The address that could not be added.
        ip: Ipv4Addr,
    },
    /// Another host claims an address we own or are probing (RFC 5227).
    AddressConflict {
        /// The contested address.
        ip: Ipv4Addr,
        /// The other host's hardware address.
        mac: MacAddress,
    },
    /// A gratuitous ARP announcing our address went out (RFC 5227 §2.3).
    AnnounceSent {
        /// The announced address.
        ip: Ipv4Addr,
    },
    /// An RFC 5227 probe for an address we would like to use went out.
    ProbeSent {
        /// The probed address.
        ip: Ipv4Addr,
    },
}

impl fmt::Display for ArpEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EntryAdded { ip, mac } => write!(f, "learned {ip} is at {mac}"),
            Self::EntryUpdated { ip, old, new } => {
                write!(f, "{ip} moved from {old} to {new}")
            }
            Self::EntryExpired { ip, mac } => write!(f, "entry {ip} at {mac} expired"),
            Self::EntryEvicted { ip, mac } => {
                write!(f, "evicted {ip} at {mac} to make room in a full table")
            }
            Self::RequestSent { ip, attempt: 1 } => write!(f, "asked who has {ip}"),
            Self::RequestSent { ip, attempt } => {
                write!(f, "asked again who has {ip} (attempt {attempt})")
            }
            Self::ReplySent { to_ip, to_mac } => {
                write!(f, "answered {to_ip} ({to_mac}) with our address")
            }
            Self::ProxyReplySent { ip, to_ip, to_mac } => {
                write!(f, "answered {to_ip} ({to_mac}) for {ip} with our address (proxy ARP)")
            }
            Self::ResolutionFailed { ip, dropped } => {
                write!(f, "gave up resolving {ip}: no answer, {dropped} queued packet(s) unreachable")
            }
            Self::QueueFull { ip } => write!(f, "queue for {ip} full, a packet was dropped"),
            Self::TableFull { ip } => write!(f, "neighbour table full, no entry for {ip}"),
            Self::AddressConflict { ip, mac } => {
                write!(f, "address conflict: {mac} also claims {ip}")
            }
            Self::AnnounceSent { ip } => write!(f, "announced {ip} (gratuitous ARP)"),
            Self::ProbeSent { ip } => write!(f, "probed whether {ip} is in use"),
        }
    }
}
