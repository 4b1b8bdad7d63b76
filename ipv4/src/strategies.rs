//! Proptest strategies for IPv4 types, for this crate's and downstream crates' tests.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use proptest::prelude::*;

use crate::route::{InterfaceId, NextHop, Route, RouteKind};
use crate::{Dscp, Ecn, IpProtocol, Ipv4Options, Ipv4Repr};

/// Any IPv4 address.
pub fn ipv4_addr_any() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

/// Any prefix, host bits cleared.
pub fn ipv4_net_any() -> impl Strategy<Value = Ipv4Net> {
    (any::<u32>(), 0u8..=32).prop_map(|(addr, len)| {
        Ipv4Net::new(Ipv4Addr::from(addr), len).map(|net| net.trunc()).unwrap_or_default()
    })
}

/// Any protocol number.
pub fn ip_protocol_any() -> impl Strategy<Value = IpProtocol> {
    any::<u8>().prop_map(IpProtocol)
}

/// Any DSCP.
pub fn dscp_any() -> impl Strategy<Value = Dscp> {
    (0u8..=Dscp::MAX).prop_map(Dscp::from_bits_truncate)
}

/// Any ECN codepoint.
pub fn ecn_any() -> impl Strategy<Value = Ecn> {
    (0u8..=3).prop_map(Ecn::from_bits_truncate)
}

/// Options of any length 0..=40 (a multiple of 4), with arbitrary bytes: the header
/// keeps them verbatim.
pub fn ipv4_options_any() -> impl Strategy<Value = Ipv4Options> {
    (0usize..=10)
        .prop_flat_map(|words| proptest::collection::vec(any::<u8>(), words * 4))
        .prop_map(|bytes| Ipv4Options::try_new(&bytes).unwrap_or_default())
}

/// Any header whose datagram fits in 65,535 bytes (payload up to `max_payload`).
pub fn ipv4_repr_with(max_payload: usize) -> impl Strategy<Value = Ipv4Repr> {
    (
        (ipv4_addr_any(), ipv4_addr_any(), ip_protocol_any(), any::<u8>()),
        (dscp_any(), ecn_any(), any::<u16>(), any::<bool>(), any::<bool>()),
        (0u16..=8191, ipv4_options_any(), 0..=max_payload),
    )
        .prop_map(
            |(
                (src_addr, dst_addr, protocol, ttl),
                (dscp, ecn, ident, dont_frag, more_frags),
                (offset_units, options, payload_len),
            )| Ipv4Repr {
                src_addr,
                dst_addr,
                protocol,
                ttl,
                dscp,
                ecn,
                ident,
                dont_frag,
                more_frags,
                frag_offset: offset_units * 8,
                options,
                payload_len: payload_len.min(crate::MAX_PACKET_LEN - 20 - options.len()),
            },
        )
}

/// Any header with a payload of up to 1,500 bytes.
pub fn ipv4_repr_any() -> impl Strategy<Value = Ipv4Repr> {
    ipv4_repr_with(1500)
}

/// Any route.
pub fn route_any() -> impl Strategy<Value = Route> {
    (ipv4_net_any(), proptest::option::of(ipv4_addr_any()), any::<u16>(), any::<u32>()).prop_map(
        |(prefix, gateway, interface, metric)| Route {
            prefix,
            next_hop: gateway.map_or(NextHop::OnLink, NextHop::Gateway),
            interface: InterfaceId(interface),
            kind: if gateway.is_some() { RouteKind::Static } else { RouteKind::Connected },
            metric,
        },
    )
}
