//! Hand-made vectors: the view's fields, the repr's variants, checksum errors, the quote
//! limits and RFC 1122's rules on when an error may be sent.

use icmp::{
    BuildError, EmitError, IcmpPacket, IcmpRepr, IcmpType, ParseError, QuoteLimit, QuotedDatagram,
    Suppressed, UnreachableCode, error_allowed, error_quote,
};
use ipv4::{Dscp, Ecn, IpProtocol, Ipv4Options, Ipv4Repr};

/// Echo request, id 0x1234 seq 1, data "hi"; checksum by hand:
/// 0800 + 0000 + 1234 + 0001 + 6869 = 0x829e → checksum 0x7d61.
const ECHO: [u8; 10] = [0x08, 0x00, 0x7d, 0x61, 0x12, 0x34, 0x00, 0x01, b'h', b'i'];

fn datagram(protocol: IpProtocol, payload: &[u8], tweak: impl FnOnce(&mut Ipv4Repr)) -> Vec<u8> {
    let mut repr = Ipv4Repr {
        src_addr: "192.0.2.10".parse().unwrap(),
        dst_addr: "198.51.100.20".parse().unwrap(),
        protocol,
        ttl: 1,
        dscp: Dscp::CS0,
        ecn: Ecn::NOT_ECT,
        ident: 0x34d5,
        dont_frag: true,
        more_frags: false,
        frag_offset: 0,
        options: Ipv4Options::NONE,
        payload_len: payload.len(),
    };
    tweak(&mut repr);
    repr.to_bytes(payload).unwrap()
}

#[test]
fn deconstruct_echo() {
    let packet = IcmpPacket::new_checked(&ECHO[..]).unwrap();
    assert_eq!(packet.msg_type(), IcmpType::ECHO_REQUEST);
    assert_eq!(packet.msg_code(), 0);
    assert_eq!(packet.checksum(), 0x7d61);
    assert_eq!(packet.echo_ident(), 0x1234);
    assert_eq!(packet.echo_seq_no(), 1);
    assert_eq!(packet.data(), b"hi");
    assert!(packet.verify_checksum());
    assert_eq!(packet.compute_checksum(), 0x7d61);
}

#[test]
fn construct_echo() {
    let repr = IcmpRepr::EchoRequest { ident: 0x1234, seq_no: 1, data: b"hi" };
    assert_eq!(repr.to_bytes(), ECHO);
    let mut bigger = [0xaau8; 12];
    repr.emit(&mut IcmpPacket::new_unchecked(&mut bigger[..])).unwrap();
    assert_eq!(bigger[..10], ECHO);
    assert_eq!(bigger[10..], [0xaa, 0xaa], "bytes past the message are left alone");
    let mut small = [0u8; 9];
    assert_eq!(
        repr.emit(&mut IcmpPacket::new_unchecked(&mut small[..])),
        Err(EmitError::BufferTooSmall { needed: 10, actual: 9 })
    );
}

#[test]
fn parse_errors() {
    assert_eq!(
        IcmpPacket::new_checked(&ECHO[..7]).unwrap_err(),
        ParseError::Truncated { needed: 8, actual: 7 }
    );
    let mut corrupted = ECHO;
    corrupted[9] = b'o';
    let packet = IcmpPacket::new_checked(&corrupted[..]).unwrap();
    assert_eq!(
        IcmpRepr::parse(&packet),
        Err(ParseError::BadChecksum {
            found: 0x7d61,
            computed: IcmpRepr::EchoRequest { ident: 0x1234, seq_no: 1, data: b"ho" }
                .to_bytes()
                .get(2..4)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
                .unwrap(),
        })
    );
    // A destination unreachable whose data is not an IPv4 header.
    let bogus = IcmpRepr::Other {
        msg_type: IcmpType::DEST_UNREACHABLE,
        code: 3,
        rest_of_header: [0; 4],
        data: &[0x45, 0, 0],
    }
    .to_bytes();
    assert!(matches!(
        IcmpRepr::parse(&IcmpPacket::new_checked(&bogus[..]).unwrap()),
        Err(ParseError::Quoted(ipv4::ParseError::Truncated { .. }))
    ));
}

#[test]
fn echo_with_nonzero_code_and_unknown_types_round_trip_as_other() {
    for (msg_type, code) in [(IcmpType::ECHO_REQUEST, 1), (IcmpType::TIMESTAMP, 0), (IcmpType(200), 7)] {
        let repr = IcmpRepr::Other { msg_type, code, rest_of_header: [1, 2, 3, 4], data: b"xyz" };
        let bytes = repr.to_bytes();
        let parsed = IcmpRepr::parse(&IcmpPacket::new_checked(&bytes[..]).unwrap()).unwrap();
        assert_eq!(parsed, repr);
        assert_eq!(parsed.echo_reply_to(), None);
    }
}

#[test]
fn frag_needed_carries_the_next_hop_mtu() {
    let original = datagram(IpProtocol::TCP, &[0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0xff], |_| {});
    let repr = IcmpRepr::frag_needed(&original, 1400, QuoteLimit::Rfc792).unwrap();
    let bytes = repr.to_bytes();
    let packet = IcmpPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(packet.rest_of_header(), [0, 0, 0x05, 0x78]);
    assert_eq!(packet.next_hop_mtu(), 1400);
    let parsed = IcmpRepr::parse(&packet).unwrap();
    assert_eq!(parsed, repr);
    let quoted = parsed.quoted().unwrap();
    assert_eq!(quoted.ports(), Some((40000, 443)));
    assert_eq!(quoted.payload.len(), 8, "RFC 792: 64 bits of the payload");
    // Other codes never carry an MTU, even if one is passed.
    let port = IcmpRepr::destination_unreachable(UnreachableCode::PORT, 1400, &original, QuoteLimit::Rfc792)
        .unwrap();
    assert_eq!(port.to_bytes()[4..8], [0, 0, 0, 0]);
}

#[test]
fn quote_limits() {
    let payload: Vec<u8> = (0..=255).cycle().take(1000).collect();
    let original = datagram(IpProtocol::UDP, &payload, |_| {});
    assert_eq!(error_quote(&original, QuoteLimit::Rfc792).len(), 28);
    assert_eq!(error_quote(&original, QuoteLimit::Rfc1812).len(), 548);
    assert_eq!(error_quote(&original, QuoteLimit::Bytes(100)).len(), 100);
    assert_eq!(error_quote(&original, QuoteLimit::Bytes(3)).len(), 20, "never less than the header");
    let error = IcmpRepr::port_unreachable(&original, QuoteLimit::Rfc1812).unwrap();
    assert_eq!(20 + error.buffer_len(), icmp::MAX_ERROR_DATAGRAM_LEN);
    // A short datagram is quoted whole, and link padding after it is not.
    let short = datagram(IpProtocol::UDP, b"abcd", |_| {});
    let mut padded = short.clone();
    padded.extend_from_slice(&[0; 10]);
    assert_eq!(error_quote(&padded, QuoteLimit::Rfc1812), &short[..]);
    assert_eq!(error_quote(&padded, QuoteLimit::Rfc792), &short[..]);
    // Garbage never panics.
    assert_eq!(error_quote(&[], QuoteLimit::Rfc792), &[] as &[u8]);
    assert_eq!(error_quote(&[0x4f], QuoteLimit::Rfc792), &[0x4f]);
}

#[test]
fn quoted_datagram_keeps_options_and_short_payloads() {
    let original = datagram(IpProtocol::UDP, &[0x00, 0x44, 0x00], |ip| {
        ip.options = Ipv4Options::try_new(&[0x94, 0x04, 0x00, 0x00]).unwrap();
    });
    let quoted = QuotedDatagram::parse(&original).unwrap();
    assert_eq!(quoted.header_bytes, &original[..24]);
    assert_eq!(quoted.payload, &[0x00, 0x44, 0x00]);
    assert_eq!(quoted.ports(), None, "a port pair needs 4 bytes");
    assert_eq!(quoted.echo_ident(), None);
    let mut out = vec![0; quoted.buffer_len()];
    assert_eq!(quoted.copy_to(&mut out), Some(27));
    assert_eq!(out, original);
    assert_eq!(quoted.copy_to(&mut [0; 26]), None);

    // A non-first fragment's payload is not a transport header.
    let fragment = datagram(IpProtocol::UDP, &[1, 2, 3, 4, 5, 6, 7, 8], |ip| ip.frag_offset = 8);
    assert_eq!(QuotedDatagram::parse(&fragment).unwrap().ports(), None);
}

#[test]
fn rfc1122_forbids_errors_about_some_datagrams() {
    let ok = datagram(IpProtocol::UDP, &[0; 8], |_| {});
    assert_eq!(error_allowed(&ok), Ok(()));
    let cases: [(Vec<u8>, Suppressed); 6] = [
        (
            datagram(
                IpProtocol::ICMP,
                &IcmpRepr::time_exceeded(&ok, QuoteLimit::Rfc792).unwrap().to_bytes(),
                |_| {},
            ),
            Suppressed::IcmpError,
        ),
        (datagram(IpProtocol::UDP, &[0; 8], |ip| ip.frag_offset = 1480), Suppressed::NonInitialFragment),
        (
            datagram(IpProtocol::UDP, &[0; 8], |ip| ip.dst_addr = "255.255.255.255".parse().unwrap()),
            Suppressed::GroupDestination,
        ),
        (
            datagram(IpProtocol::UDP, &[0; 8], |ip| ip.dst_addr = "224.0.0.251".parse().unwrap()),
            Suppressed::GroupDestination,
        ),
        (
            datagram(IpProtocol::UDP, &[0; 8], |ip| ip.src_addr = "0.0.0.0".parse().unwrap()),
            Suppressed::InvalidSource,
        ),
        (
            datagram(IpProtocol::UDP, &[0; 8], |ip| ip.src_addr = "127.0.0.1".parse().unwrap()),
            Suppressed::InvalidSource,
        ),
    ];
    for (original, reason) in cases {
        assert_eq!(error_allowed(&original), Err(BuildError::Suppressed(reason)));
        assert_eq!(
            IcmpRepr::port_unreachable(&original, QuoteLimit::Rfc792),
            Err(BuildError::Suppressed(reason))
        );
    }
    // An echo request is not an error: errors about it are fine.
    let echo = datagram(IpProtocol::ICMP, &ECHO, |_| {});
    assert!(IcmpRepr::time_exceeded(&echo, QuoteLimit::Rfc792).is_ok());
    assert!(matches!(
        IcmpRepr::host_unreachable(&[0x45, 0, 0, 20], QuoteLimit::Rfc792),
        Err(BuildError::BadOriginal(_))
    ));
}

#[test]
fn all_zero_message_needs_all_ones_not_zero() {
    // Echo reply, ident 0, seq 0, no data: every word is zero, so the sum is +0 and the
    // checksum its complement 0xffff (RFC 1071; RFC 1624 §3 on -0). A sender that
    // wrote 0 is wrong, and the error must not claim 0 is what is needed.
    let wrong = [0u8; 8];
    let packet = IcmpPacket::new_checked(&wrong[..]).unwrap();
    assert_eq!(packet.compute_checksum(), 0xffff);
    assert_eq!(IcmpRepr::parse(&packet), Err(ParseError::BadChecksum { found: 0, computed: 0xffff }));
    let right = IcmpRepr::EchoReply { ident: 0, seq_no: 0, data: &[] }.to_bytes();
    assert_eq!(right, [0, 0, 0xff, 0xff, 0, 0, 0, 0]);
    assert_eq!(IcmpPacket::new_checked(&right[..]).unwrap().compute_checksum(), 0xffff);
}

#[test]
fn no_error_about_this_network_sources_or_icmp_too_short_to_classify() {
    // RFC 1812 §4.3.2.7 / §5.3.7: a source with network prefix zero is invalid, not only
    // 0.0.0.0.
    let this_net = datagram(IpProtocol::UDP, &[0; 8], |ip| ip.src_addr = "0.1.2.3".parse().unwrap());
    assert_eq!(error_allowed(&this_net), Err(BuildError::Suppressed(Suppressed::InvalidSource)));
    // An ICMP datagram without even a type byte may be an error: never answer it.
    let empty_icmp = datagram(IpProtocol::ICMP, &[], |_| {});
    assert_eq!(error_allowed(&empty_icmp), Err(BuildError::Suppressed(Suppressed::IcmpError)));
}

#[test]
fn names_print_in_debug() {
    assert_eq!(
        format!("{:?}", UnreachableCode::COMM_ADMIN_PROHIBITED),
        "Communication Administratively Prohibited"
    );
    assert_eq!(format!("{:?}", UnreachableCode(16)), "UnreachableCode(16)");
    assert_eq!(IcmpType::ECHO_REPLY.to_string(), "Echo Reply");
    let errors: Vec<u8> = (0..=255).filter(|&t| IcmpType(t).is_error()).collect();
    assert_eq!(errors, [3, 4, 5, 11, 12]);
}
