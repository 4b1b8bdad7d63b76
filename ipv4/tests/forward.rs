//! RFC 1812 forwarding decisions and the rules on ICMP errors.

use std::net::Ipv4Addr;

use ipv4::forward::{DropReason, ForwardDecision, UnreachableReason, forward, may_send_icmp_error};
use ipv4::route::{InterfaceId, Route, RoutingTable};
use ipv4::strategies::ipv4_repr_any;
use ipv4::{Dscp, Ecn, IpProtocol, Ipv4Options, Ipv4Packet, Ipv4Repr, ParseError};
use proptest::prelude::*;

fn table() -> RoutingTable {
    let mut table = RoutingTable::new();
    for (prefix, iface) in [("10.1.1.0/24", 1), ("10.1.2.0/24", 2), ("10.1.3.0/24", 3)] {
        table.add(Route::connected(prefix.parse().unwrap(), InterfaceId(iface))).unwrap();
    }
    table
        .add(Route::gateway("172.16.0.0/12".parse().unwrap(), "10.1.3.1".parse().unwrap(), InterfaceId(3)))
        .unwrap();
    table
}

fn datagram(src: &str, dst: &str, ttl: u8, dont_frag: bool, payload: &[u8]) -> Vec<u8> {
    Ipv4Repr {
        src_addr: src.parse().unwrap(),
        dst_addr: dst.parse().unwrap(),
        protocol: IpProtocol::ICMP,
        ttl,
        dscp: Dscp::CS0,
        ecn: Ecn::NOT_ECT,
        ident: 0x1234,
        dont_frag,
        more_frags: false,
        frag_offset: 0,
        options: Ipv4Options::NONE,
        payload_len: payload.len(),
    }
    .to_bytes(payload)
    .unwrap()
}

const ECHO: [u8; 8] = [8, 0, 0xf7, 0xff, 0, 0, 0, 0];

#[test]
fn forwards_via_gateway_and_on_link_decrementing_ttl() {
    let table = table();
    let mut bytes = datagram("10.1.1.245", "172.16.3.12", 64, true, &ECHO);
    assert_eq!(
        forward(&mut bytes, &table, |_| 1500),
        ForwardDecision::Forward { next_hop: "10.1.3.1".parse().unwrap(), interface: InterfaceId(3) }
    );
    let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
    assert_eq!(packet.ttl(), 63);
    assert!(packet.verify_checksum());

    let mut bytes = datagram("10.1.1.245", "10.1.2.53", 2, false, &ECHO);
    assert_eq!(
        forward(&mut bytes, &table, |_| 1500),
        ForwardDecision::Forward { next_hop: "10.1.2.53".parse().unwrap(), interface: InterfaceId(2) }
    );
    assert_eq!(bytes[8], 1);
}

#[test]
fn ttl_one_no_route_and_bad_headers() {
    let table = table();
    for ttl in [0, 1] {
        let mut bytes = datagram("10.1.1.245", "10.1.2.53", ttl, false, &ECHO);
        let before = bytes.clone();
        assert_eq!(forward(&mut bytes, &table, |_| 1500), ForwardDecision::TimeExceeded);
        assert_eq!(bytes, before);
    }
    let mut bytes = datagram("10.1.1.245", "8.8.8.8", 64, false, &ECHO);
    assert_eq!(forward(&mut bytes, &table, |_| 1500), ForwardDecision::Unreachable(UnreachableReason::Net));
    let mut bytes = datagram("10.1.1.245", "10.1.2.53", 64, false, &ECHO);
    bytes[12] ^= 1;
    assert!(matches!(
        forward(&mut bytes, &table, |_| 1500),
        ForwardDecision::Drop(DropReason::Malformed(ParseError::BadChecksum { .. }))
    ));
    let mut short = datagram("10.1.1.245", "10.1.2.53", 64, false, &ECHO);
    short.truncate(25);
    assert!(matches!(
        forward(&mut short, &table, |_| 1500),
        ForwardDecision::Drop(DropReason::Malformed(ParseError::Truncated { needed: 28, actual: 25 }))
    ));
}

#[test]
fn mtu_decides_between_fragmenting_and_fragmentation_needed() {
    let table = table();
    let mut bytes = datagram("10.1.1.245", "10.1.2.53", 64, true, &[0; 1000]);
    assert_eq!(
        forward(&mut bytes, &table, |iface| if iface == InterfaceId(2) { 576 } else { 1500 }),
        ForwardDecision::FragmentationNeeded { mtu: 576 }
    );
    assert_eq!(bytes[8], 64, "not decremented when refused");
    let mut bytes = datagram("10.1.1.245", "10.1.2.53", 64, false, &[0; 1000]);
    assert_eq!(
        forward(&mut bytes, &table, |_| 576),
        ForwardDecision::Fragment {
            next_hop: "10.1.2.53".parse().unwrap(),
            interface: InterfaceId(2),
            mtu: 576
        }
    );
    assert_eq!(bytes[8], 63);
}

#[test]
fn martians_and_broadcasts_are_dropped() {
    let table = table();
    let cases = [
        ("10.1.1.1", "255.255.255.255", DropReason::LimitedBroadcast),
        ("10.1.1.1", "224.0.0.5", DropReason::MulticastDestination),
        ("0.0.0.0", "10.1.2.53", DropReason::MartianSource),
        ("127.0.0.1", "10.1.2.53", DropReason::MartianSource),
        ("10.1.1.1", "127.0.0.1", DropReason::MartianDestination),
    ];
    for (src, dst, reason) in cases {
        let mut bytes = datagram(src, dst, 64, false, &ECHO);
        assert_eq!(forward(&mut bytes, &table, |_| 1500), ForwardDecision::Drop(reason), "{src} → {dst}");
    }
}

#[test]
fn no_icmp_error_about_errors_broadcasts_or_later_fragments() {
    let ok = datagram("10.1.1.245", "10.1.2.53", 64, false, &ECHO);
    assert!(may_send_icmp_error(&Ipv4Packet::new_unchecked(&ok[..])));
    for kind in [3u8, 4, 5, 11, 12] {
        let bytes = datagram("10.1.1.245", "10.1.2.53", 64, false, &[kind, 0, 0, 0, 0, 0, 0, 0]);
        assert!(!may_send_icmp_error(&Ipv4Packet::new_unchecked(&bytes[..])), "type {kind}");
    }
    for kind in [0u8, 8, 13] {
        let bytes = datagram("10.1.1.245", "10.1.2.53", 64, false, &[kind, 0, 0, 0, 0, 0, 0, 0]);
        assert!(may_send_icmp_error(&Ipv4Packet::new_unchecked(&bytes[..])), "type {kind}");
    }
    for (src, dst) in [
        ("10.1.1.1", "255.255.255.255"),
        ("10.1.1.1", "239.1.2.3"),
        ("0.0.0.0", "10.1.1.1"),
        ("224.0.0.1", "10.1.1.1"),
    ] {
        let bytes = datagram(src, dst, 64, false, &ECHO);
        assert!(!may_send_icmp_error(&Ipv4Packet::new_unchecked(&bytes[..])), "{src} → {dst}");
    }
    let mut later = datagram("10.1.1.245", "10.1.2.53", 64, false, &ECHO);
    let mut packet = Ipv4Packet::new_unchecked(&mut later[..]);
    packet.set_flags_and_frag_offset(false, true, 1480);
    packet.fill_checksum();
    assert!(!may_send_icmp_error(&Ipv4Packet::new_unchecked(&later[..])));
    // UDP is not ICMP: its first byte means nothing here.
    let mut udp = datagram("10.1.1.245", "10.1.2.53", 64, false, &[3, 0, 0, 0, 0, 0, 0, 0]);
    udp[9] = 17;
    assert!(may_send_icmp_error(&Ipv4Packet::new_unchecked(&udp[..])));
}

#[test]
fn link_padding_is_not_read_as_the_icmp_type() {
    // An ICMP datagram with no ICMP bytes, followed by Ethernet padding: the padding is
    // not a message type, so nobody can tell it is not an error, and no error is due.
    let mut padded = datagram("10.1.1.245", "10.1.2.53", 64, false, &[]);
    padded.extend_from_slice(&[8, 0, 0, 0]);
    assert!(!may_send_icmp_error(&Ipv4Packet::new_unchecked(&padded[..])));
}

proptest! {
    #[test]
    fn forwarded_packets_equal_a_recomputed_header(repr in ipv4_repr_any(), ttl in 2u8..=255) {
        let repr = Ipv4Repr { ttl, src_addr: Ipv4Addr::new(10, 1, 1, 1), dst_addr: Ipv4Addr::new(10, 1, 2, 2), ..repr };
        let payload = vec![0u8; repr.payload_len];
        let mut bytes = repr.to_bytes(&payload).unwrap();
        let decision = forward(&mut bytes, &table(), |_| 65535);
        prop_assert_eq!(decision, ForwardDecision::Forward { next_hop: repr.dst_addr, interface: InterfaceId(2) });
        let expected = Ipv4Repr { ttl: ttl - 1, ..repr }.to_bytes(&payload).unwrap();
        prop_assert_eq!(bytes, expected);
    }
}
