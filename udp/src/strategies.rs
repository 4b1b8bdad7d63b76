//! Proptest strategies for UDP types, for this crate's and downstream crates' tests.

use std::net::Ipv4Addr;

use proptest::prelude::*;

use crate::UdpRepr;

/// Any IPv4 address, for pseudo-headers.
pub fn ipv4_addr_any() -> impl Strategy<Value = Ipv4Addr> {
    any::<[u8; 4]>().prop_map(Ipv4Addr::from)
}

/// Any UDP header together with a payload of exactly `payload_len` bytes (up to
/// `max_payload` long).
pub fn udp_repr_with_payload(max_payload: usize) -> impl Strategy<Value = (UdpRepr, Vec<u8>)> {
    (any::<u16>(), any::<u16>(), proptest::collection::vec(any::<u8>(), 0..=max_payload)).prop_map(
        |(src_port, dst_port, payload)| {
            let repr = UdpRepr { src_port, dst_port, payload_len: payload.len() };
            (repr, payload)
        },
    )
}

/// Any UDP header with a payload of up to 1472 bytes (a full Ethernet MTU).
pub fn udp_repr_any() -> impl Strategy<Value = (UdpRepr, Vec<u8>)> {
    udp_repr_with_payload(1472)
}
