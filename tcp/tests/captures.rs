//! Every TCP segment in the real captures parses, verifies, matches tshark's dissection
//! field by field, and re-emits byte for byte.

use std::net::Ipv4Addr;

use tcp::{ChecksumCheck, ParseError, TcpPacket, TcpRepr};

/// Every unfragmented TCP segment of a capture, with its IP addresses.
fn tcp_frames(capture: &str) -> Vec<testdata::IpPayload> {
    testdata::ip_payloads(capture, 6)
}

fn check_capture(capture: &str, json: &str) -> usize {
    let dissections = testdata::tshark::dissections(json);
    let frames = tcp_frames(capture);
    for found in &frames {
        let context = format!("{capture} frame {}", found.number);
        let packet = TcpPacket::new_checked(&found.bytes[..]).expect(&context);
        assert!(packet.verify_checksum(found.src, found.dst), "{context}: checksum");
        let repr = TcpRepr::parse(&packet, found.src, found.dst, ChecksumCheck::Verify).expect(&context);

        let tshark = &dissections[found.number - 1];
        let field = |key: &str| testdata::tshark::number(tshark.first(key).expect(key));
        assert_eq!(u32::from(repr.src_port), field("tcp.srcport"), "{context}");
        assert_eq!(u32::from(repr.dst_port), field("tcp.dstport"), "{context}");
        assert_eq!(repr.seq_number.0, field("tcp.seq_raw"), "{context}");
        assert_eq!(repr.ack_number.0, field("tcp.ack_raw"), "{context}");
        assert_eq!(packet.header_len() as u32, field("tcp.hdr_len"), "{context}");
        assert_eq!(u32::from(repr.flags.0), field("tcp.flags"), "{context}");
        assert_eq!(u32::from(repr.flags.syn()), field("tcp.flags.syn"), "{context}");
        assert_eq!(u32::from(repr.flags.ack()), field("tcp.flags.ack"), "{context}");
        assert_eq!(u32::from(repr.flags.fin()), field("tcp.flags.fin"), "{context}");
        assert_eq!(u32::from(repr.flags.rst()), field("tcp.flags.reset"), "{context}");
        assert_eq!(u32::from(repr.flags.psh()), field("tcp.flags.push"), "{context}");
        assert_eq!(u32::from(repr.window_len), field("tcp.window_size_value"), "{context}");
        assert_eq!(u32::from(packet.checksum()), field("tcp.checksum"), "{context}");
        assert_eq!(u32::from(repr.urgent_at), field("tcp.urgent_pointer"), "{context}");
        assert_eq!(repr.payload_len as u32, field("tcp.len"), "{context}");
        let opt = |key: &str| tshark.first(key).map(testdata::tshark::number);
        assert_eq!(repr.options.mss().map(u32::from), opt("tcp.options.mss_val"), "{context}");
        assert_eq!(repr.options.window_scale().map(u32::from), opt("tcp.options.wscale.shift"), "{context}");
        assert_eq!(
            repr.options.sack_permitted(),
            tshark.first("tcp.options.sack_perm").is_some(),
            "{context}"
        );
        assert_eq!(repr.options.timestamps().map(|t| t.0), opt("tcp.options.timestamp.tsval"), "{context}");
        assert_eq!(repr.options.timestamps().map(|t| t.1), opt("tcp.options.timestamp.tsecr"), "{context}");

        let emitted = repr.to_bytes(found.src, found.dst, packet.payload()).expect(&context);
        assert_eq!(emitted, found.bytes, "{context}: re-emitted bytes");
    }
    frames.len()
}

#[test]
fn tcp_http_segments_round_trip() {
    let count = check_capture("tcp_http.pcap", "tcp_http.json");
    assert!(count >= 10, "tcp_http.pcap: only {count} TCP segments");
}

#[test]
fn tls13_segments_round_trip() {
    let count = check_capture("tls13.pcap", "tls13.json");
    assert!(count >= 8, "tls13.pcap: only {count} TCP segments");
}

#[test]
fn a_flipped_payload_bit_is_a_bad_checksum() {
    let found = tcp_frames("tcp_http.pcap").into_iter().find(|f| f.bytes.len() > 60).unwrap();
    let mut bytes = found.bytes.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let packet = TcpPacket::new_checked(&bytes[..]).unwrap();
    let err = TcpRepr::parse(&packet, found.src, found.dst, ChecksumCheck::Verify).unwrap_err();
    assert!(matches!(err, ParseError::BadChecksum { found: f, .. } if f == packet.checksum()));
    assert!(TcpRepr::parse(&packet, found.src, found.dst, ChecksumCheck::Ignore).is_ok());
}

#[test]
fn wrong_pseudo_header_address_is_a_bad_checksum() {
    let found = &tcp_frames("tcp_http.pcap")[0];
    let packet = TcpPacket::new_checked(&found.bytes[..]).unwrap();
    let other = Ipv4Addr::new(10, 9, 8, 7);
    assert!(matches!(
        TcpRepr::parse(&packet, other, found.dst, ChecksumCheck::Verify),
        Err(ParseError::BadChecksum { .. })
    ));
}
