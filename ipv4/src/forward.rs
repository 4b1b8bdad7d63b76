//! RFC 1812 forwarding decisions: validate, look up, check TTL and MTU, decrement TTL.
//!
//! This module decides; it builds no ICMP message. The decision names the error to
//! send, the `icmp` crate builds it, and [`may_send_icmp_error`] says whether one may be
//! sent at all.

use std::net::Ipv4Addr;

use crate::error::ParseError;
use crate::route::{InterfaceId, RoutingTable};
use crate::{IpProtocol, Ipv4Packet};

/// Why a destination is unreachable (ICMP Destination Unreachable codes 0 and 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnreachableReason {
    /// No route to the destination's network (code 0).
    Net,
    /// The route exists but the host does not answer ARP (code 1); reported by the
    /// caller, which owns ARP, never by [`forward`].
    Host,
}

/// Why a packet is silently discarded (no ICMP error is due).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// The header fails RFC 1812 §5.2.2's checks (version, IHL, lengths, checksum).
    Malformed(ParseError),
    /// Destination 255.255.255.255, which no router forwards (RFC 1812 §5.3.5.1).
    LimitedBroadcast,
    /// A multicast destination: this is a unicast router.
    MulticastDestination,
    /// A source that names no single host: 0/8, 127/8, multicast, class E, broadcast
    /// (RFC 1812 §5.3.7).
    MartianSource,
    /// A destination on network 0 or 127, or in class E (RFC 1812 §5.3.7).
    MartianDestination,
}

impl core::fmt::Display for DropReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Malformed(error) => write!(f, "malformed header: {error}"),
            Self::LimitedBroadcast => f.write_str("destination 255.255.255.255 is never forwarded"),
            Self::MulticastDestination => f.write_str("multicast destination (not a multicast router)"),
            Self::MartianSource => f.write_str("martian source address"),
            Self::MartianDestination => f.write_str("martian destination address"),
        }
    }
}

/// What a router does with a packet it is not the destination of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub enum ForwardDecision {
    /// Send it to `next_hop` out of `interface`; TTL and checksum are already updated.
    Forward {
        /// The address to resolve with ARP: the gateway, or the destination when on-link.
        next_hop: Ipv4Addr,
        /// The egress interface.
        interface: InterfaceId,
    },
    /// As `Forward`, but the packet exceeds the egress MTU and may be fragmented: pass
    /// it to [`crate::fragment::fragment`] with this MTU. TTL is already updated.
    Fragment {
        /// The address to resolve with ARP.
        next_hop: Ipv4Addr,
        /// The egress interface.
        interface: InterfaceId,
        /// Its MTU.
        mtu: usize,
    },
    /// Too big for the egress MTU with Don't Fragment set: ICMP Destination Unreachable,
    /// code 4, with this next-hop MTU (RFC 1191).
    FragmentationNeeded {
        /// The egress MTU.
        mtu: usize,
    },
    /// TTL would reach zero: ICMP Time Exceeded, code 0 (RFC 1812 §5.3.1).
    TimeExceeded,
    /// No route: ICMP Destination Unreachable (RFC 1812 §5.2.7.1).
    Unreachable(UnreachableReason),
    /// Discard silently.
    Drop(DropReason),
}

/// Decides what to do with `packet` (an IPv4 datagram, link padding allowed) that this
/// router received but is not addressed to, and on `Forward`/`Fragment` decrements its
/// TTL in place with an RFC 1624 incremental checksum update.
///
/// The order follows Linux (route lookup happens on input, before the TTL check):
/// validation, martian filtering, route lookup (no route ⇒ `Unreachable(Net)`),
/// TTL ≤ 1 ⇒ `TimeExceeded`, then the MTU of the egress interface, which
/// `egress_mtu` gives.
///
/// ```
/// use ipv4::forward::{forward, ForwardDecision};
/// use ipv4::route::{InterfaceId, Route, RoutingTable};
/// use ipv4::{Dscp, Ecn, IpProtocol, Ipv4Options, Ipv4Packet, Ipv4Repr};
/// let mut table = RoutingTable::new();
/// table.add(Route::gateway("0.0.0.0/0".parse()?, "10.1.1.254".parse()?, InterfaceId(1)))?;
/// let repr = Ipv4Repr {
///     src_addr: "10.1.1.245".parse()?, dst_addr: "10.1.3.12".parse()?,
///     protocol: IpProtocol::TCP, ttl: 64, dscp: Dscp::CS0, ecn: Ecn::NOT_ECT,
///     ident: 1, dont_frag: true, more_frags: false, frag_offset: 0,
///     options: Ipv4Options::NONE, payload_len: 0,
/// };
/// let mut bytes = repr.to_bytes(&[0; 40])?;
/// let decision = forward(&mut bytes, &table, |_| 1500);
/// assert_eq!(decision, ForwardDecision::Forward { next_hop: "10.1.1.254".parse()?, interface: InterfaceId(1) });
/// let packet = Ipv4Packet::new_checked(&bytes[..])?;
/// assert_eq!(packet.ttl(), 63);
/// assert!(packet.verify_checksum());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn forward(
    packet: &mut [u8],
    table: &RoutingTable,
    egress_mtu: impl FnOnce(InterfaceId) -> usize,
) -> ForwardDecision {
    let view = match Ipv4Packet::new_checked(&*packet) {
        Ok(view) => view,
        Err(error) => return ForwardDecision::Drop(DropReason::Malformed(error)),
    };
    if !view.verify_checksum() {
        return ForwardDecision::Drop(DropReason::Malformed(ParseError::BadChecksum {
            found: view.checksum(),
            computed: view.expected_checksum(),
        }));
    }
    let (src, dst) = (view.src_addr(), view.dst_addr());
    if dst.is_broadcast() {
        return ForwardDecision::Drop(DropReason::LimitedBroadcast);
    }
    if dst.is_multicast() {
        return ForwardDecision::Drop(DropReason::MulticastDestination);
    }
    if is_martian(src) || src.is_multicast() || src.is_broadcast() {
        return ForwardDecision::Drop(DropReason::MartianSource);
    }
    if is_martian(dst) {
        return ForwardDecision::Drop(DropReason::MartianDestination);
    }
    let Some(route) = table.lookup(dst) else {
        return ForwardDecision::Unreachable(UnreachableReason::Net);
    };
    if view.ttl() <= 1 {
        return ForwardDecision::TimeExceeded;
    }
    let (next_hop, interface) = (route.next_hop_for(dst), route.interface);
    let mtu = egress_mtu(interface);
    let too_big = usize::from(view.total_len()) > mtu;
    if too_big && view.dont_frag() {
        return ForwardDecision::FragmentationNeeded { mtu };
    }
    Ipv4Packet::new_unchecked(packet).decrement_ttl();
    if too_big {
        ForwardDecision::Fragment { next_hop, interface, mtu }
    } else {
        ForwardDecision::Forward { next_hop, interface }
    }
}

/// 0/8 ("this network"), 127/8 (loopback) and 240/4 (class E, reserved).
fn is_martian(addr: Ipv4Addr) -> bool {
    let first = addr.octets()[0];
    first == 0 || first == 127 || first >= 240
}

/// Whether an ICMP error may be sent about `packet` (RFC 1122 §3.2.2, RFC 1812
/// §4.3.2.7). Never about:
///
/// - an ICMP error message (type 3, 4, 5, 11 or 12; the first payload byte), or an ICMP
///   message too short to tell;
/// - a datagram to a broadcast or multicast address;
/// - a datagram from an address that names no single host (0.0.0.0, loopback,
///   broadcast, multicast, class E);
/// - a fragment other than the first;
/// - a header too broken to read.
///
/// A subnet-directed broadcast destination needs the interface's prefix to recognise:
/// callers with one check it too.
pub fn may_send_icmp_error(packet: &Ipv4Packet<&[u8]>) -> bool {
    if packet.check_header().is_err() {
        return false;
    }
    let (src, dst) = (packet.src_addr(), packet.dst_addr());
    if dst.is_broadcast() || dst.is_multicast() {
        return false;
    }
    if src.is_unspecified() || src.is_broadcast() || src.is_multicast() || is_martian(src) {
        return false;
    }
    if packet.frag_offset() != 0 {
        return false;
    }
    if packet.protocol() == IpProtocol::ICMP {
        // The type byte must lie within Total Length: link padding after it is no message.
        let bytes: &[u8] = packet.as_ref();
        let type_at = packet.header_len();
        return match bytes.get(type_at).filter(|_| type_at < usize::from(packet.total_len())) {
            Some(kind) => !matches!(kind, 3 | 4 | 5 | 11 | 12),
            None => false,
        };
    }
    true
}
