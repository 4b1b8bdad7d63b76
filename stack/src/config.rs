//! The stack's settings and bounds.

use arp::CacheConfig;
use ipv4::ReassemblyConfig;

use crate::socket::SocketConfig;

/// Default TTL of datagrams a stack originates (Linux's `ip_default_ttl`).
pub const DEFAULT_TTL: u8 = 64;

/// How a [`crate::Stack`] behaves, and the bounds of its tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackConfig {
    /// Forward datagrams between interfaces (a router, RFC 1812) or not (a host,
    /// RFC 1122).
    pub forwarding: bool,
    /// TTL of datagrams this node originates.
    pub default_ttl: u8,
    /// MTU of new interfaces (Ethernet's 1500 unless the link says otherwise).
    pub default_mtu: usize,
    /// Each interface's neighbour cache.
    pub arp: CacheConfig,
    /// Reassembly of fragmented datagrams for this node.
    pub reassembly: ReassemblyConfig,
    /// Reassemble every fragmented datagram before PREROUTING, forwarded ones too, as
    /// Linux does once connection tracking is loaded (`nf_defrag_ipv4`): the hooks then
    /// see whole datagrams, so a NAT translates the ports of every fragment, and a
    /// forwarded datagram is fragmented again to the egress MTU. Off by default: a plain
    /// router forwards fragments as they come (RFC 1812 §5.2.6).
    pub defragment: bool,
    /// Sockets.
    pub sockets: SocketConfig,
    /// Most frames waiting for [`crate::Stack::poll_transmit`]; the oldest is dropped
    /// beyond it. The caller drains after every input, so reaching it means a bug.
    pub max_outbox: usize,
    /// Most events waiting for [`crate::Stack::poll_event`]; the oldest is dropped beyond
    /// it.
    pub max_events: usize,
}

impl StackConfig {
    /// A host: no forwarding.
    pub fn host() -> Self {
        Self::default()
    }

    /// A router: forwarding between interfaces.
    pub fn router() -> Self {
        Self { forwarding: true, ..Self::default() }
    }
}

impl Default for StackConfig {
    fn default() -> Self {
        Self {
            forwarding: false,
            default_ttl: DEFAULT_TTL,
            default_mtu: 1500,
            arp: CacheConfig::default(),
            reassembly: ReassemblyConfig::default(),
            defragment: false,
            sockets: SocketConfig::default(),
            max_outbox: 4096,
            max_events: 4096,
        }
    }
}
