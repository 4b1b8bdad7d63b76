use core::net::Ipv4Addr;
use core::time::Duration;

use ethernet::MacAddress;
use ipnet::Ipv4Net;

/// How the server recognises a client: by its client identifier (option 61) when it
/// sends one, else by its hardware address (RFC 2131 §4.2).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClientKey {
    /// Option 61's bytes.
    Id(Vec<u8>),
    /// `chaddr` on Ethernet.
    Mac(MacAddress),
}

/// A fixed address for one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// The client.
    pub client: ClientKey,
    /// Its address (inside the pool's subnet; it need not be inside the range).
    pub address: Ipv4Addr,
}

/// One subnet the server hands out addresses on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolConfig {
    /// The subnet (its mask and broadcast address are sent as options 1 and 28).
    pub subnet: Ipv4Net,
    /// First address of the dynamic range.
    pub range_start: Ipv4Addr,
    /// Last address of the dynamic range (inclusive).
    pub range_end: Ipv4Addr,
    /// The server's address on this subnet: server identifier (option 54) and the
    /// source of replies. Never handed out.
    pub server_id: Ipv4Addr,
    /// Option 3 (never handed out).
    pub router: Option<Ipv4Addr>,
    /// Option 6.
    pub dns_servers: Vec<Ipv4Addr>,
    /// Option 15.
    pub domain_name: Option<String>,
    /// Lease time granted (option 51); T1 and T2 are 1/2 and 7/8 of it.
    pub lease_time: Duration,
    /// Static reservations.
    pub reservations: Vec<Reservation>,
}

impl PoolConfig {
    /// A pool over `subnet`'s whole host range with the server at `server_id`, which is
    /// also the router and DNS server (a home router), and a one-day lease.
    pub fn new(subnet: Ipv4Net, server_id: Ipv4Addr) -> Self {
        let first = u32::from(subnet.network()).saturating_add(1);
        let last = u32::from(subnet.broadcast()).saturating_sub(1);
        Self {
            subnet,
            range_start: Ipv4Addr::from(first),
            range_end: Ipv4Addr::from(last.max(first)),
            server_id,
            router: Some(server_id),
            dns_servers: vec![server_id],
            domain_name: None,
            lease_time: Duration::from_secs(86_400),
            reservations: Vec::new(),
        }
    }

    /// Whether `address` is in the dynamic range.
    pub fn in_range(&self, address: Ipv4Addr) -> bool {
        (self.range_start..=self.range_end).contains(&address)
    }
}

/// Server limits and timers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The pools, one per subnet.
    pub pools: Vec<PoolConfig>,
    /// Entries in the lease table, of every kind (default 4096). When full, a new
    /// client takes over the entry that has been free the longest (expired, released,
    /// or an offer not taken up); if every entry is a live lease or a live offer the
    /// client gets nothing ([`super::ServerEvent::TableFull`]). Live leases are never
    /// displaced.
    pub max_leases: usize,
    /// Offers outstanding at once (default 64). A new OFFER beyond this turns the
    /// oldest outstanding one into a free entry (its client can still REQUEST the
    /// address while nobody else took it), so a flood of DISCOVERs holds at most this
    /// many addresses.
    pub max_offers: usize,
    /// How long an offered address is held for its client (default 60 s).
    pub offer_hold: Duration,
    /// How long a DECLINEd address is kept out of use (default 10 min).
    pub decline_hold: Duration,
    /// Capacity of the event and transmit queues (default 256 each); the oldest item
    /// is dropped when full.
    pub max_queued: usize,
}

impl ServerConfig {
    /// Defaults with the given pools.
    pub fn new(pools: Vec<PoolConfig>) -> Self {
        Self {
            pools,
            max_leases: 4096,
            max_offers: 64,
            offer_hold: Duration::from_secs(60),
            decline_hold: Duration::from_secs(600),
            max_queued: 256,
        }
    }
}
