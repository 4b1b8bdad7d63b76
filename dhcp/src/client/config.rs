use core::net::Ipv4Addr;
use core::time::Duration;

use ethernet::MacAddress;

use crate::{DhcpOption, DhcpRepr, OptionCode};

/// How a [`super::Client`] behaves. `ClientConfig::new(mac)` gives RFC defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The interface's hardware address (`chaddr`).
    pub mac: MacAddress,
    /// Option 61; default type 1 (Ethernet) followed by the MAC, as most clients send.
    /// `None` sends no client identifier (the server then keys the lease on `chaddr`).
    pub client_id: Option<Vec<u8>>,
    /// Option 12, the host name to send, if any.
    pub hostname: Option<Vec<u8>>,
    /// Option 55 (default: subnet mask, router, DNS, domain name, broadcast address,
    /// lease time, T1, T2).
    pub parameter_request_list: Vec<OptionCode>,
    /// Set the broadcast bit in DISCOVER and REQUEST, asking servers to broadcast their
    /// replies (for stacks that cannot receive a unicast before their address is set).
    /// Default `false`, as the replies can then be unicast to the offered address.
    pub broadcast_flag: bool,
    /// How long after the first OFFER the client keeps collecting OFFERs before choosing
    /// (default zero: the first OFFER is taken at once). At most [`Self::max_offers`] are
    /// kept; later ones are ignored.
    pub offer_wait: Duration,
    /// OFFERs kept while selecting (default 8).
    pub max_offers: usize,
    /// REQUEST retransmissions in REQUESTING and INIT-REBOOT before falling back to INIT
    /// (default 4: with the 4 s doubling backoff, about a minute).
    pub request_retries: u32,
    /// RFC 5227 probes before using an acknowledged address (default 3; 0 skips probing).
    pub probe_count: u32,
    /// Upper bound of the random wait before the first probe (RFC 5227 `PROBE_WAIT`, 1 s).
    pub probe_wait: Duration,
    /// Minimum spacing of probes (`PROBE_MIN`, 1 s).
    pub probe_min: Duration,
    /// Maximum spacing of probes (`PROBE_MAX`, 2 s).
    pub probe_max: Duration,
    /// Wait after the last probe before using the address (`ANNOUNCE_WAIT`, 2 s).
    pub announce_wait: Duration,
    /// Wait after sending a DECLINE before starting again (RFC 2131 §3.1.5: 10 s).
    pub decline_backoff: Duration,
    /// Capacity of the event queue and of the transmit queue (default 64 each); when
    /// full, the oldest item is dropped and counted.
    pub max_queued: usize,
}

impl ClientConfig {
    /// RFC defaults for an interface with `mac`.
    pub fn new(mac: MacAddress) -> Self {
        let mut client_id = vec![1];
        client_id.extend_from_slice(&mac.octets());
        Self {
            mac,
            client_id: Some(client_id),
            hostname: None,
            parameter_request_list: vec![
                OptionCode::SUBNET_MASK,
                OptionCode::ROUTER,
                OptionCode::DOMAIN_NAME_SERVER,
                OptionCode::DOMAIN_NAME,
                OptionCode::BROADCAST_ADDRESS,
                OptionCode::LEASE_TIME,
                OptionCode::RENEWAL_TIME,
                OptionCode::REBINDING_TIME,
            ],
            broadcast_flag: false,
            offer_wait: Duration::ZERO,
            max_offers: 8,
            request_retries: 4,
            probe_count: 3,
            probe_wait: Duration::from_secs(1),
            probe_min: Duration::from_secs(1),
            probe_max: Duration::from_secs(2),
            announce_wait: Duration::from_secs(2),
            decline_backoff: Duration::from_secs(10),
            max_queued: 64,
        }
    }
}

/// The configuration a lease gives the interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The leased address (`yiaddr`).
    pub address: Ipv4Addr,
    /// Prefix length from option 1 (the address's classful length when absent).
    pub prefix_len: u8,
    /// The first router of option 3.
    pub router: Option<Ipv4Addr>,
    /// Option 6.
    pub dns_servers: Vec<Ipv4Addr>,
    /// Option 15, when it is UTF-8.
    pub domain_name: Option<String>,
    /// Option 51 (`u32::MAX` seconds is "infinite").
    pub lease: Duration,
    /// When to start renewing, from the moment the REQUEST was sent: option 58, or half
    /// the lease.
    pub t1: Duration,
    /// When to start rebinding: option 59, or 7/8 of the lease.
    pub t2: Duration,
    /// The server identifier (option 54).
    pub server: Ipv4Addr,
}

/// Lease time used when an ACK carries none (it must; one hour keeps the client going).
const DEFAULT_LEASE: Duration = Duration::from_secs(3600);

fn prefix_len(mask: Ipv4Addr) -> u8 {
    // `leading_ones` of a u32 is at most 32.
    u8::try_from(u32::from(mask).leading_ones()).unwrap_or(32)
}

fn classful_prefix(address: Ipv4Addr) -> u8 {
    match address.octets()[0] {
        0..=127 => 8,
        128..=191 => 16,
        _ => 24,
    }
}

impl Config {
    /// Reads the configuration an OFFER or ACK carries; `fallback_server` is used when it
    /// has no server identifier.
    pub fn from_reply(reply: &DhcpRepr, fallback_server: Ipv4Addr) -> Self {
        let address = reply.yiaddr;
        let mut config = Self {
            address,
            prefix_len: classful_prefix(address),
            router: None,
            dns_servers: Vec::new(),
            domain_name: None,
            lease: DEFAULT_LEASE,
            t1: Duration::ZERO,
            t2: Duration::ZERO,
            server: fallback_server,
        };
        let (mut t1, mut t2) = (None, None);
        for option in &reply.options {
            match option {
                DhcpOption::SubnetMask(mask) => config.prefix_len = prefix_len(*mask),
                DhcpOption::Router(list) => config.router = list.first().copied(),
                DhcpOption::DomainNameServer(list) => config.dns_servers.clone_from(list),
                DhcpOption::DomainName(name) => config.domain_name = String::from_utf8(name.clone()).ok(),
                DhcpOption::LeaseTime(secs) => config.lease = Duration::from_secs(u64::from(*secs)),
                DhcpOption::RenewalTime(secs) => t1 = Some(Duration::from_secs(u64::from(*secs))),
                DhcpOption::RebindingTime(secs) => t2 = Some(Duration::from_secs(u64::from(*secs))),
                DhcpOption::ServerIdentifier(id) => config.server = *id,
                _ => {}
            }
        }
        // RFC 2131 §4.4.5: T1 defaults to 0.5 and T2 to 0.875 of the lease; values that
        // would not keep T1 < T2 < lease fall back to the defaults.
        let default_t1 = config.lease / 2;
        let default_t2 = config.lease.mul_f64(0.875);
        config.t2 = t2.filter(|t2| *t2 <= config.lease).unwrap_or(default_t2);
        config.t1 = t1.filter(|t1| *t1 <= config.t2).unwrap_or(default_t1.min(config.t2));
        config
    }
}
