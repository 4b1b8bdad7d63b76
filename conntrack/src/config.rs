//! Table size and timeouts.

use core::time::Duration;

/// Idle timeouts, by protocol and TCP state. The defaults are the NAT behavioural
/// requirements' minimums or recommendations, so a NAT built on the tracker conforms.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Timeouts {
    /// An established TCP connection: at least 2 h 4 min (RFC 5382 REQ-5).
    pub tcp_established: Duration,
    /// A TCP connection partly open or partly closed: at least 4 min (RFC 5382 REQ-5).
    pub tcp_transitory: Duration,
    /// A TCP connection after a RST: 4 min as RFC 7857 §2.2 recommends, so that a RST
    /// an attacker spoofed does not tear the mapping down at once.
    pub tcp_reset: Duration,
    /// A UDP flow: at least 2 min (RFC 4787 REQ-5); 5 min recommended and the default.
    pub udp: Duration,
    /// An ICMP query: at least 60 s (RFC 5508 REQ-1).
    pub icmp_query: Duration,
    /// Any other protocol.
    pub other: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            tcp_established: Duration::from_secs(2 * 3600 + 4 * 60),
            tcp_transitory: Duration::from_secs(4 * 60),
            tcp_reset: Duration::from_secs(4 * 60),
            udp: Duration::from_secs(5 * 60),
            icmp_query: Duration::from_secs(60),
            other: Duration::from_secs(10 * 60),
        }
    }
}

/// How a [`crate::Conntrack`] behaves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ConntrackConfig {
    /// The most connections the table holds. When it is full, a new flow evicts a
    /// connection that has not been confirmed by its peer (an unanswered SYN or
    /// datagram) if one is found in a bounded scan, and is refused otherwise: an
    /// established connection is never evicted to make room.
    pub max_connections: usize,
    /// Idle timeouts.
    pub timeouts: Timeouts,
    /// Whether to queue [`crate::ConntrackEvent`]s (connections created and destroyed)
    /// for [`crate::Conntrack::poll_event`]. Off by default: a busy table would make
    /// many, and the queue is bounded (the oldest are dropped).
    pub events: bool,
}

impl Default for ConntrackConfig {
    fn default() -> Self {
        Self { max_connections: 65_536, timeouts: Timeouts::default(), events: false }
    }
}
