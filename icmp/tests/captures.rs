//! ICMP messages from real captures: parsed, compared field by field with tshark's
//! dissection, re-emitted byte for byte, and rebuilt with the error builders.

use icmp::{IcmpPacket, IcmpRepr, IcmpType, QuoteLimit, TimeExceededCode, UnreachableCode};
use ipv4::{IpProtocol, Ipv4Packet};

const ETHERNET_HEADER_LEN: usize = 14;

/// The IPv4 datagram of a captured frame, trimmed to its Total Length, if it is one.
fn ip_datagram(frame: &testdata::CapturedFrame) -> Option<Vec<u8>> {
    if frame.data.get(12..14)? != [0x08, 0x00] {
        return None;
    }
    let packet = Ipv4Packet::new_checked(frame.data.get(ETHERNET_HEADER_LEN..)?).ok()?;
    let len = usize::from(packet.total_len());
    Some(packet.into_inner()[..len].to_vec())
}

fn frame(capture: &[testdata::CapturedFrame], number: usize) -> Vec<u8> {
    ip_datagram(&capture[number - 1]).expect("an IPv4 frame")
}

fn icmp_message(datagram: &[u8]) -> &[u8] {
    let packet = Ipv4Packet::new_checked(datagram).unwrap();
    assert_eq!(packet.protocol(), IpProtocol::ICMP);
    &datagram[packet.header_len()..]
}

fn hex_bytes(tshark: &str) -> Vec<u8> {
    tshark.split(':').map(|b| u8::from_str_radix(b, 16).unwrap()).collect()
}

/// Checks the outer ICMP fields against tshark and that the message re-emits exactly.
fn check_common<'a>(
    number: usize,
    bytes: &'a [u8],
    dissection: &testdata::tshark::Dissection,
) -> IcmpRepr<'a> {
    let packet = IcmpPacket::new_checked(bytes).unwrap();
    assert!(packet.verify_checksum(), "frame {number}");
    let repr = IcmpRepr::parse(&packet).unwrap();
    let field = |key: &str| testdata::tshark::number(dissection.first(key).expect(key));
    assert_eq!(u32::from(repr.msg_type().0), field("icmp.type"), "frame {number}");
    assert_eq!(u32::from(repr.msg_code()), field("icmp.code"), "frame {number}");
    assert_eq!(u32::from(packet.checksum()), field("icmp.checksum"), "frame {number}");
    assert_eq!(repr.buffer_len(), bytes.len(), "frame {number}");
    assert_eq!(repr.to_bytes(), bytes, "frame {number}: re-emitted bytes");
    repr
}

#[test]
fn echo_request_and_reply() {
    let capture = testdata::frames("arp_ping.pcap");
    let tshark = testdata::tshark::dissections("arp_ping.json");
    for (number, request) in [(3, true), (4, false)] {
        let datagram = frame(&capture, number);
        let bytes = icmp_message(&datagram);
        let dissection = &tshark[number - 1];
        let repr = check_common(number, bytes, dissection);
        let (IcmpRepr::EchoRequest { ident, seq_no, data } | IcmpRepr::EchoReply { ident, seq_no, data }) =
            repr
        else {
            panic!("frame {number}: not an echo: {repr:?}")
        };
        assert_eq!(matches!(repr, IcmpRepr::EchoRequest { .. }), request);
        assert_eq!((ident, seq_no), (0x4207, 1));
        assert_eq!(u32::from(ident), testdata::tshark::number(dissection.first("icmp.ident").unwrap()));
        assert_eq!(u32::from(seq_no), testdata::tshark::number(dissection.first("icmp.seq").unwrap()));
        // ping's data: an 8-byte timestamp, then 0x10, 0x11, ... (tshark's `data.data`).
        assert_eq!(data.len(), 56);
        assert_eq!(data[8..], hex_bytes(dissection.first("data.data").unwrap()));
    }
    // The reply is the request's echo, byte for byte apart from the type and checksum.
    let request_datagram = frame(&capture, 3);
    let request =
        IcmpRepr::parse(&IcmpPacket::new_checked(icmp_message(&request_datagram)).unwrap()).unwrap();
    let reply_datagram = frame(&capture, 4);
    assert_eq!(request.echo_reply_to().unwrap().to_bytes(), icmp_message(&reply_datagram));
}

/// Frames 9–11 are one 3028-byte echo request in three fragments: frame 11 alone is not
/// an ICMP message (its "header" is echo data), but the reassembled payload is.
#[test]
fn fragmented_echo_is_whole_only_after_reassembly() {
    let capture = testdata::frames("arp_ping.pcap");
    let mut parts: Vec<(u16, Vec<u8>)> = (9..=11)
        .map(|n| {
            let datagram = frame(&capture, n);
            let packet = Ipv4Packet::new_checked(&datagram[..]).unwrap();
            assert!(packet.is_fragment());
            (packet.frag_offset(), packet.payload().to_vec())
        })
        .collect();
    let last = IcmpPacket::new_checked(&parts[2].1[..]).unwrap();
    assert!(!last.verify_checksum() || IcmpRepr::parse(&last).is_err());

    parts.sort_by_key(|(offset, _)| *offset);
    let mut whole = Vec::new();
    for (offset, bytes) in &parts {
        assert_eq!(usize::from(*offset), whole.len());
        whole.extend_from_slice(bytes);
    }
    assert_eq!(whole.len(), 3008);
    let repr = IcmpRepr::parse(&IcmpPacket::new_checked(&whole[..]).unwrap()).unwrap();
    let IcmpRepr::EchoRequest { ident, seq_no, data } = repr else { panic!("not an echo request: {repr:?}") };
    assert_eq!((ident, seq_no, data.len()), (0x4211, 1, 3000));
    assert_eq!(repr.to_bytes(), whole);
}

/// Checks an error's quote against tshark's inner IP and ICMP layers and the original.
fn check_quote(
    number: usize,
    quoted: &icmp::QuotedDatagram<'_>,
    dissection: &testdata::tshark::Dissection,
    original: &[u8],
) {
    // The quoted layers come after the outer ones, and some keys (icmp.ident) exist only
    // there: the last occurrence is the quoted one.
    let inner = |key: &str| (*dissection.all(key).last().expect(key)).to_owned();
    assert_eq!(quoted.header.src_addr.to_string(), inner("ip.src"), "frame {number}");
    assert_eq!(quoted.header.dst_addr.to_string(), inner("ip.dst"), "frame {number}");
    assert_eq!(u32::from(quoted.header.ttl), testdata::tshark::number(&inner("ip.ttl")));
    assert_eq!(quoted.header.protocol, IpProtocol::ICMP);
    // Linux quotes the whole 84-byte ping: header + the 64-byte echo request.
    assert_eq!(quoted.header_bytes.len() + quoted.payload.len(), 84);
    assert_eq!(quoted.payload, icmp_message(original));
    assert_eq!(quoted.icmp_type(), Some(IcmpType::ECHO_REQUEST));
    assert_eq!(u32::from(quoted.echo_ident().unwrap()), testdata::tshark::number(&inner("icmp.ident")));
    assert_eq!(u32::from(quoted.echo_seq_no().unwrap()), testdata::tshark::number(&inner("icmp.seq")));
    // The quote is whole, so the quoted echo itself parses, checksum and all.
    let echo = IcmpRepr::parse(&IcmpPacket::new_checked(quoted.payload).unwrap()).unwrap();
    assert!(matches!(echo, IcmpRepr::EchoRequest { .. }));
    assert_eq!(
        u32::from(IcmpPacket::new_checked(quoted.payload).unwrap().checksum()),
        testdata::tshark::number(&inner("icmp.checksum"))
    );
}

#[test]
fn time_exceeded_quotes_the_ttl_1_ping() {
    let capture = testdata::frames("arp_ping.pcap");
    let tshark = testdata::tshark::dissections("arp_ping.json");
    let datagram = frame(&capture, 24);
    let bytes = icmp_message(&datagram);
    let repr = check_common(24, bytes, &tshark[23]);
    let IcmpRepr::TimeExceeded { code, quoted } = repr else { panic!("not a time exceeded: {repr:?}") };
    assert_eq!(code, TimeExceededCode::TTL);
    let original = frame(&capture, 23);
    check_quote(24, &quoted, &tshark[23], &original);
    // The router quoted the ping exactly as it arrived, TTL 1 and all.
    assert_eq!(quoted.header_bytes, &original[..20]);

    // And the builder, given that ping, produces the router's message byte for byte.
    let built = IcmpRepr::time_exceeded(&original, QuoteLimit::Rfc1812).unwrap();
    assert_eq!(built.to_bytes(), bytes);
    // RFC 792's minimal quote: header + 8 bytes.
    let minimal = IcmpRepr::time_exceeded(&original, QuoteLimit::Rfc792).unwrap();
    assert_eq!(minimal.buffer_len(), 8 + 20 + 8);
    assert_eq!(minimal.quoted().unwrap().echo_ident(), Some(0x4214));
}

#[test]
fn host_unreachable_quotes_the_ping_to_198_51_100_99() {
    let capture = testdata::frames("arp_ping.pcap");
    let tshark = testdata::tshark::dissections("arp_ping.json");
    let datagram = frame(&capture, 32);
    let bytes = icmp_message(&datagram);
    let repr = check_common(32, bytes, &tshark[31]);
    let IcmpRepr::DestinationUnreachable { code, next_hop_mtu, quoted } = repr else {
        panic!("not a destination unreachable: {repr:?}")
    };
    assert_eq!((code, next_hop_mtu), (UnreachableCode::HOST, 0));
    let original = frame(&capture, 29);
    check_quote(32, &quoted, &tshark[31], &original);
    assert_eq!(quoted.header.dst_addr, "198.51.100.99".parse::<std::net::Ipv4Addr>().unwrap());

    // The router had forwarded the ping (TTL 64 → 63) before ARP failed, so it quotes
    // the header as forwarded. Rebuild that header and the error from it.
    let mut forwarded = original.clone();
    forwarded[8] -= 1;
    let old_checksum = u16::from_be_bytes([forwarded[10], forwarded[11]]);
    let new_checksum = ipv4::checksum::update(old_checksum, 0x4001, 0x3f01);
    forwarded[10..12].copy_from_slice(&new_checksum.to_be_bytes());
    let built = IcmpRepr::host_unreachable(&forwarded, QuoteLimit::Rfc1812).unwrap();
    assert_eq!(built.to_bytes(), bytes);
}

#[test]
fn every_icmp_message_in_every_capture_verifies() {
    let mut count = 0;
    for name in testdata::CAPTURES {
        for captured in testdata::frames(name) {
            let Some(datagram) = ip_datagram(&captured) else {
                continue;
            };
            let packet = Ipv4Packet::new_checked(&datagram[..]).unwrap();
            if packet.protocol() != IpProtocol::ICMP || packet.is_fragment() {
                continue;
            }
            let bytes = packet.payload();
            let icmp = IcmpPacket::new_checked(bytes).unwrap();
            assert!(icmp.verify_checksum(), "{name} frame {}", captured.number);
            let repr = IcmpRepr::parse(&icmp).unwrap();
            assert_eq!(repr.to_bytes(), bytes, "{name} frame {}", captured.number);
            count += 1;
        }
    }
    // arp_ping: 12 unfragmented echoes, the time exceeded and the host unreachable; the
    // 3028-byte echoes are all fragments, and the other captures carry no ICMP.
    assert_eq!(count, 14);
}
