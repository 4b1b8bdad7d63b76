//! Properties of the wire types: round trips, truncations, and arbitrary bytes never panic.

use ipv4::checksum;
use ipv4::forward::{ForwardDecision, forward, may_send_icmp_error};
use ipv4::route::{InterfaceId, Route, RoutingTable};
use ipv4::strategies::{ipv4_options_any, ipv4_repr_any};
use ipv4::{Ipv4Options, Ipv4Packet, Ipv4Repr, ParseError};
use proptest::prelude::*;

fn payload_for(repr: &Ipv4Repr) -> Vec<u8> {
    (0..repr.payload_len).map(|i| (i * 7) as u8).collect()
}

proptest! {
    #[test]
    fn repr_round_trips(repr in ipv4_repr_any(), padding in 0usize..20) {
        let payload = payload_for(&repr);
        let mut bytes = repr.to_bytes(&payload).unwrap();
        prop_assert_eq!(bytes.len(), repr.buffer_len());
        bytes.extend(std::iter::repeat_n(0xee, padding));
        let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        prop_assert!(packet.verify_checksum());
        prop_assert_eq!(Ipv4Repr::parse(&packet).unwrap(), repr);
        prop_assert_eq!(packet.payload(), &payload[..]);
        let (lax, lax_payload) = Ipv4Repr::parse_lax(&bytes).unwrap();
        prop_assert_eq!(lax, repr);
        prop_assert_eq!(lax_payload, &payload[..]);
    }

    #[test]
    fn emit_into_a_view_matches_to_bytes(repr in ipv4_repr_any()) {
        let payload = payload_for(&repr);
        let expected = repr.to_bytes(&payload).unwrap();
        let mut buffer = vec![0u8; repr.buffer_len()];
        let mut packet = Ipv4Packet::new_unchecked(&mut buffer[..]);
        repr.emit(&mut packet).unwrap();
        packet.payload_mut().copy_from_slice(&payload);
        prop_assert_eq!(buffer, expected);
    }

    #[test]
    fn every_truncation_reports_exactly_what_is_missing(repr in ipv4_repr_any(), cut in any::<prop::sample::Index>()) {
        let payload = payload_for(&repr);
        let bytes = repr.to_bytes(&payload).unwrap();
        let len = cut.index(bytes.len());
        let error = Ipv4Packet::new_checked(&bytes[..len]).unwrap_err();
        let needed = if len < 20 { 20 } else if len < repr.header_len() { repr.header_len() } else { repr.buffer_len() };
        prop_assert_eq!(error, ParseError::Truncated { needed, actual: len });
        // A quote with the whole header still parses laxly, keeping the announced length.
        match Ipv4Repr::parse_lax(&bytes[..len]) {
            Ok((lax, rest)) => {
                prop_assert!(len >= repr.header_len());
                prop_assert_eq!(lax, repr);
                prop_assert_eq!(rest, &payload[..len - repr.header_len()]);
            }
            Err(error) => {
                prop_assert!(len < repr.header_len());
                prop_assert_eq!(error, ParseError::Truncated { needed, actual: len });
            }
        }
    }

    #[test]
    fn a_flipped_bit_fails_the_checksum(repr in ipv4_repr_any(), bit in 0usize..96) {
        let payload = payload_for(&repr);
        let mut bytes = repr.to_bytes(&payload).unwrap();
        // Bits of bytes 8..20: TTL, protocol, checksum, addresses — none change lengths.
        bytes[8 + bit / 8] ^= 1 << (bit % 8);
        let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
        prop_assert!(!packet.verify_checksum());
        let found = packet.checksum();
        let error = Ipv4Repr::parse(&packet).unwrap_err();
        let ParseError::BadChecksum { computed: expected, found: reported } = error else {
            return Err(TestCaseError::fail(format!("{error:?}")));
        };
        prop_assert_eq!(reported, found);
        bytes[10..12].copy_from_slice(&expected.to_be_bytes());
        prop_assert!(Ipv4Packet::new_checked(&bytes[..]).unwrap().verify_checksum());
    }

    #[test]
    fn options_keep_their_bytes(options in ipv4_options_any()) {
        prop_assert_eq!(Ipv4Options::try_new(options.as_bytes()).unwrap(), options);
        let copied = options.copied_on_fragmentation();
        prop_assert!(copied.len() <= options.len());
        prop_assert_eq!(copied.len() % 4, 0);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..100), ttl_1 in any::<bool>()) {
        let mut bytes = bytes;
        if ttl_1 && bytes.len() > 8 {
            bytes[8] = 1;
        }
        if let Ok(packet) = Ipv4Packet::new_checked(&bytes[..]) {
            let _ = (packet.version(), packet.dscp(), packet.ecn(), packet.ident(), packet.dont_frag());
            let _ = (packet.more_frags(), packet.frag_offset(), packet.ttl(), packet.protocol());
            let _ = (packet.src_addr(), packet.dst_addr(), packet.options(), packet.payload());
            let _ = packet.verify_checksum();
            if let Ok(repr) = Ipv4Repr::parse(&packet) {
                prop_assert_eq!(&repr.to_bytes(packet.payload()).unwrap()[..], &bytes[..repr.buffer_len()]);
            }
        }
        let _ = Ipv4Repr::parse_lax(&bytes);
        let _ = may_send_icmp_error(&Ipv4Packet::new_unchecked(&bytes[..]));
        let mut table = RoutingTable::new();
        table.add(Route::connected("0.0.0.0/0".parse().unwrap(), InterfaceId(0))).unwrap();
        let _ = forward(&mut bytes, &table, |_| 68);
    }

    #[test]
    fn arbitrary_headers_never_panic(
        mut bytes in proptest::collection::vec(any::<u8>(), 20..80),
        mtu in 0usize..120,
    ) {
        // Mostly-valid headers reach the deeper paths: version 4, a plausible IHL and
        // length, and a correct checksum, so forwarding gets past validation to the
        // martian checks, routing, TTL and MTU.
        bytes[0] = 0x40 | (bytes[0] & 0x0f);
        let len = bytes.len() as u16;
        let total = len - u16::from(bytes[2] & 1);
        bytes[2..4].copy_from_slice(&total.to_be_bytes());
        let header_len = usize::from(bytes[0] & 0x0f) * 4;
        if (20..=bytes.len()).contains(&header_len) {
            bytes[10..12].fill(0);
            let sum = checksum::checksum(&bytes[..header_len]);
            bytes[10..12].copy_from_slice(&sum.to_be_bytes());
        }
        let _ = Ipv4Repr::parse_lax(&bytes);
        if let Ok(packet) = Ipv4Packet::new_checked(&bytes[..]) {
            let _ = (packet.payload(), packet.options(), Ipv4Repr::parse(&packet));
        }
        let _ = may_send_icmp_error(&Ipv4Packet::new_unchecked(&bytes[..]));
        // Half the address space has a route.
        let mut table = RoutingTable::new();
        table.add(Route::gateway("0.0.0.0/1".parse().unwrap(), "10.0.0.1".parse().unwrap(), InterfaceId(1))).unwrap();
        let ttl = bytes[8];
        match forward(&mut bytes, &table, |_| mtu) {
            ForwardDecision::Forward { .. } | ForwardDecision::Fragment { .. } => {
                // Forwarded: TTL decremented, checksum updated incrementally and still right.
                let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
                prop_assert_eq!(packet.ttl(), ttl - 1);
                prop_assert!(packet.verify_checksum());
                prop_assert!(bytes[16] < 128, "only routed destinations are forwarded");
            }
            ForwardDecision::TimeExceeded => prop_assert!(ttl <= 1),
            ForwardDecision::Unreachable(_) => prop_assert!(bytes[16] >= 128),
            ForwardDecision::FragmentationNeeded { mtu: reported } => {
                prop_assert_eq!(reported, mtu);
                prop_assert!(bytes[6] & 0x40 != 0, "DF is set");
            }
            _ => {}
        }
    }
}
