//! Property tests: round trips, arbitrary bytes never panic, truncated errors fail
//! cleanly.

use icmp::strategies::{icmp_repr_any, quoted_bytes_any};
use icmp::{IcmpPacket, IcmpRepr, ParseError, QuoteLimit, QuotedDatagram, error_quote};
use proptest::prelude::*;

proptest! {
    #[test]
    fn parse_of_emit_is_identity(owned in icmp_repr_any()) {
        let repr = owned.as_repr().unwrap();
        let bytes = repr.to_bytes();
        prop_assert_eq!(bytes.len(), repr.buffer_len());
        let packet = IcmpPacket::new_checked(&bytes[..]).unwrap();
        prop_assert!(packet.verify_checksum());
        prop_assert_eq!(IcmpRepr::parse(&packet), Ok(repr));
    }

    #[test]
    fn quoted_parse_of_emit_is_identity(bytes in quoted_bytes_any()) {
        let quoted = QuotedDatagram::parse(&bytes).unwrap();
        let mut out = vec![0; quoted.buffer_len()];
        prop_assert_eq!(quoted.copy_to(&mut out), Some(bytes.len()));
        prop_assert_eq!(&out, &bytes);
        prop_assert_eq!(QuotedDatagram::parse(&out), Ok(quoted));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
        let unchecked = IcmpPacket::new_unchecked(&bytes[..]);
        let _ = IcmpRepr::parse(&unchecked);
        if let Ok(packet) = IcmpPacket::new_checked(&bytes[..]) {
            let _ = (packet.msg_type(), packet.msg_code(), packet.checksum());
            let _ = (packet.echo_ident(), packet.echo_seq_no(), packet.next_hop_mtu());
            let _ = (packet.rest_of_header(), packet.pointer(), packet.gateway(), packet.data());
            let _ = (packet.verify_checksum(), packet.compute_checksum());
        }
        if let Ok(quoted) = QuotedDatagram::parse(&bytes) {
            let _ = (quoted.ports(), quoted.echo_ident(), quoted.echo_seq_no(), quoted.icmp_type());
            prop_assert!(quoted.buffer_len() <= bytes.len());
        }
        for limit in [QuoteLimit::Rfc792, QuoteLimit::Rfc1812, QuoteLimit::Bytes(0)] {
            prop_assert!(error_quote(&bytes, limit).len() <= bytes.len());
            let _ = IcmpRepr::port_unreachable(&bytes, limit);
            let _ = IcmpRepr::frag_needed(&bytes, 1280, limit);
        }
        let _ = icmp::error_allowed(&bytes);
    }

    /// Any bytes with a correct checksum get past the checksum and must still never panic,
    /// and whatever parses must re-emit exactly.
    #[test]
    fn arbitrary_bytes_with_valid_checksum_parse_or_fail_cleanly(
        mut bytes in proptest::collection::vec(any::<u8>(), 8..120),
        msg_type in prop_oneof![Just(0u8), Just(3), Just(8), Just(11), any::<u8>()],
    ) {
        bytes[0] = msg_type;
        IcmpPacket::new_unchecked(&mut bytes[..]).fill_checksum();
        let packet = IcmpPacket::new_checked(&bytes[..]).unwrap();
        if let Ok(repr) = IcmpRepr::parse(&packet) {
            // Errors drop the unused header bytes and anything past the quote's Total
            // Length; every other message re-emits exactly.
            if repr.quoted().is_none() {
                prop_assert_eq!(repr.to_bytes(), bytes);
            }
        }
    }

    /// Cutting a valid error short anywhere fails cleanly; re-checksummed, the cut message
    /// either fails on the quoted header or parses with a shorter quote.
    #[test]
    fn truncated_errors_fail_or_quote_less(owned in icmp::strategies::error_any(), cut in any::<prop::sample::Index>()) {
        let repr = owned.as_repr().unwrap();
        let bytes = repr.to_bytes();
        let len = cut.index(bytes.len());
        let truncated = &bytes[..len];
        match IcmpPacket::new_checked(truncated) {
            Err(e) => prop_assert_eq!(e, ParseError::Truncated { needed: 8, actual: len }),
            Ok(packet) => prop_assert!(IcmpRepr::parse(&packet).is_err()),
        }
        if len >= 8 {
            let mut fixed = truncated.to_vec();
            IcmpPacket::new_unchecked(&mut fixed[..]).fill_checksum();
            let header_len = repr.quoted().unwrap().header_bytes.len();
            match IcmpRepr::parse(&IcmpPacket::new_checked(&fixed[..]).unwrap()) {
                Ok(parsed) => {
                    let quoted = parsed.quoted().unwrap();
                    prop_assert_eq!(quoted.header, repr.quoted().unwrap().header);
                    prop_assert_eq!(quoted.payload.len(), len - 8 - header_len);
                }
                Err(e) => {
                    prop_assert!(len < 8 + header_len);
                    prop_assert!(matches!(e, ParseError::Quoted(_)));
                }
            }
        }
    }

    /// `error_allowed` and the router's `ipv4::forward::may_send_icmp_error` state the
    /// same RFC 1122 §3.2.2 / RFC 1812 §4.3.2.7 rules: they must never disagree.
    #[test]
    fn error_rules_agree_with_ipv4_forward(
        mut bytes in proptest::collection::vec(any::<u8>(), 20..40),
        src in any::<[u8; 4]>(),
        dst in any::<[u8; 4]>(),
        first_octets in (prop_oneof![Just(0u8), Just(127), Just(224), Just(240), Just(255), any::<u8>()], any::<bool>()),
        protocol in prop_oneof![Just(1u8), Just(6), Just(17)],
        icmp_type in prop_oneof![Just(0u8), Just(3), Just(8), Just(11), any::<u8>()],
    ) {
        // A mostly valid header: version 4, IHL 5, Total Length within the buffer.
        bytes[0] = 0x45;
        let total = bytes.len() as u16 - u16::from(bytes[3] & 1);
        bytes[2..4].copy_from_slice(&total.to_be_bytes());
        bytes[6] &= 0x20;
        bytes[7] &= 0x01;
        bytes[9] = protocol;
        bytes[12..16].copy_from_slice(&src);
        bytes[16..20].copy_from_slice(&dst);
        let (first, in_src) = first_octets;
        bytes[if in_src { 12 } else { 16 }] = first;
        if let Some(kind) = bytes.get_mut(20) {
            *kind = icmp_type;
        }
        let router = ipv4::forward::may_send_icmp_error(&ipv4::Ipv4Packet::new_unchecked(&bytes[..]));
        prop_assert_eq!(icmp::error_allowed(&bytes).is_ok(), router, "{:02x?}", bytes);
    }

    #[test]
    fn echo_reply_mirrors_the_request(owned in icmp::strategies::echo_any()) {
        let repr = owned.as_repr().unwrap();
        match (repr, repr.echo_reply_to()) {
            (IcmpRepr::EchoRequest { ident, seq_no, data }, Some(reply)) => {
                prop_assert_eq!(reply, IcmpRepr::EchoReply { ident, seq_no, data });
            }
            (IcmpRepr::EchoReply { .. }, None) => {}
            (request, reply) => prop_assert!(false, "{:?} → {:?}", request, reply),
        }
    }
}

proptest! {
    /// RFC 5508 §4.2: a NAT rewriting the quote keeps every checksum inside it right,
    /// with incremental updates only.
    #[test]
    fn rewriting_a_quote_keeps_its_checksums_right(
        src in any::<[u8; 4]>(), dst in any::<[u8; 4]>(),
        new_src in any::<[u8; 4]>(), new_dst in any::<[u8; 4]>(),
        ports in any::<(u16, u16, u16, u16)>(),
        payload in proptest::collection::vec(any::<u8>(), 0..24),
        tcp in any::<bool>(),
    ) {
        use std::net::Ipv4Addr;
        use icmp::QuotedDatagramMut;
        use ipv4::{IpProtocol, Ipv4Repr, checksum};
        let (src, dst) = (Ipv4Addr::from(src), Ipv4Addr::from(dst));
        let (protocol, header_len, sum_at) = if tcp { (IpProtocol::TCP, 20, 16) } else { (IpProtocol::UDP, 8, 6) };
        let mut transport = vec![0u8; header_len];
        transport[0..2].copy_from_slice(&ports.0.to_be_bytes());
        transport[2..4].copy_from_slice(&ports.1.to_be_bytes());
        if !tcp {
            transport[4..6].copy_from_slice(&((header_len + payload.len()) as u16).to_be_bytes());
        } else {
            transport[12] = 5 << 4;
        }
        transport.extend_from_slice(&payload);
        let length = transport.len() as u16;
        let sum = !checksum::combine(&[checksum::pseudo_header_sum(src, dst, protocol, length), checksum::sum(&transport)]);
        // UDP sends a computed 0 as 0xffff (0 means "no checksum").
        let sum = if !tcp && sum == 0 { 0xffff } else { sum };
        transport[sum_at..sum_at + 2].copy_from_slice(&sum.to_be_bytes());
        let mut quote = Ipv4Repr::new(src, dst, protocol, transport.len()).to_bytes(&transport).unwrap();

        let mut view = QuotedDatagramMut::new(&mut quote).unwrap();
        let (new_src, new_dst) = (Ipv4Addr::from(new_src), Ipv4Addr::from(new_dst));
        view.set_src_addr(new_src);
        view.set_dst_addr(new_dst);
        view.set_src_port(ports.2);
        view.set_dst_port(ports.3);
        prop_assert_eq!(view.ports(), Some((ports.2, ports.3)));
        prop_assert_eq!((view.src_addr(), view.dst_addr()), (new_src, new_dst));
        prop_assert_eq!(checksum::checksum(&quote[..20]), 0, "quoted IPv4 header checksum");
        let transport = &quote[20..];
        let pseudo = checksum::pseudo_header_sum(new_src, new_dst, protocol, length);
        prop_assert_eq!(checksum::combine(&[pseudo, checksum::sum(transport)]), 0xffff, "quoted transport checksum");
    }
}
