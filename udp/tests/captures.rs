//! Every UDP datagram in the real captures parses, verifies, matches tshark's dissection
//! field by field, and re-emits byte for byte.

use std::net::Ipv4Addr;

use udp::{ChecksumCheck, ParseError, UdpPacket, UdpRepr};

/// Every unfragmented UDP datagram of a capture, with its IP addresses.
fn udp_frames(capture: &str) -> Vec<testdata::IpPayload> {
    testdata::ip_payloads(capture, 17)
}

fn check_capture(capture: &str, json: &str, expected_count: usize) {
    let dissections = testdata::tshark::dissections(json);
    let frames = udp_frames(capture);
    assert_eq!(frames.len(), expected_count, "{capture}: UDP frames");
    for found in frames {
        let context = format!("{capture} frame {}", found.number);
        let packet = UdpPacket::new_checked(&found.bytes[..]).expect(&context);
        assert!(packet.verify_checksum(found.src, found.dst), "{context}");
        let repr = UdpRepr::parse(&packet, found.src, found.dst).expect(&context);

        let tshark = &dissections[found.number - 1];
        let field = |key: &str| testdata::tshark::number(tshark.first(key).expect(key));
        assert_eq!(u32::from(repr.src_port), field("udp.srcport"), "{context}");
        assert_eq!(u32::from(repr.dst_port), field("udp.dstport"), "{context}");
        assert_eq!(u32::from(packet.len()), field("udp.length"), "{context}");
        assert_eq!(u32::from(packet.checksum()), field("udp.checksum"), "{context}");
        assert_eq!(repr.payload_len + 8, usize::try_from(field("udp.length")).unwrap());

        let emitted = repr.to_bytes(found.src, found.dst, packet.payload()).expect(&context);
        assert_eq!(emitted, found.bytes, "{context}: re-emitted bytes");
    }
}

#[test]
fn dhcp_dora_datagrams_round_trip() {
    check_capture("dhcp_dora.pcap", "dhcp_dora.json", 7);
}

#[test]
fn dns_iterative_datagrams_round_trip() {
    check_capture("dns_iterative.pcap", "dns_iterative.json", 32);
}

#[test]
fn a_flipped_payload_bit_is_a_bad_checksum() {
    let found = &udp_frames("dns_iterative.pcap")[0];
    let mut bytes = found.bytes.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let packet = UdpPacket::new_checked(&bytes[..]).unwrap();
    let err = UdpRepr::parse(&packet, found.src, found.dst).unwrap_err();
    assert!(matches!(err, ParseError::BadChecksum { found: f, .. } if f == packet.checksum()));
    // The same datagram is accepted when the caller opts out.
    assert!(UdpRepr::parse_with(&packet, found.src, found.dst, ChecksumCheck::Ignore).is_ok());
}

#[test]
fn wrong_pseudo_header_address_is_a_bad_checksum() {
    let found = &udp_frames("dhcp_dora.pcap")[0];
    let packet = UdpPacket::new_checked(&found.bytes[..]).unwrap();
    let other = Ipv4Addr::new(10, 9, 8, 7);
    assert!(matches!(UdpRepr::parse(&packet, other, found.dst), Err(ParseError::BadChecksum { .. })));
}
