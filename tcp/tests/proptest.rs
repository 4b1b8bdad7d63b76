//! Properties of the wire types: round trips, errors detected, no panics.

use std::net::Ipv4Addr;

use proptest::prelude::*;
use tcp::strategies::{ipv4_addr_any, tcp_options_any, tcp_repr_any};
use tcp::{ChecksumCheck, SeqNumber, TcpOptions, TcpPacket, TcpRepr};

proptest! {
    #[test]
    fn repr_round_trips((repr, payload) in tcp_repr_any(), src in ipv4_addr_any(), dst in ipv4_addr_any()) {
        let bytes = repr.to_bytes(src, dst, &payload).unwrap();
        prop_assert_eq!(bytes.len(), repr.buffer_len());
        let packet = TcpPacket::new_checked(&bytes[..]).unwrap();
        prop_assert_eq!(TcpRepr::parse(&packet, src, dst, ChecksumCheck::Verify).unwrap(), repr);
        prop_assert_eq!(packet.payload(), &payload[..]);
    }

    #[test]
    fn options_round_trip(options in tcp_options_any()) {
        let mut padded = options.as_bytes().to_vec();
        padded.resize(options.padded_len(), 0);
        prop_assert_eq!(TcpOptions::parse(&padded).unwrap(), options);
        // Decoding then re-encoding gives the same bytes.
        let list: Vec<_> = options.iter().collect();
        prop_assert_eq!(TcpOptions::from_options(&list).unwrap(), options);
    }

    #[test]
    fn single_bit_errors_are_detected(
        (repr, payload) in tcp_repr_any(),
        src in ipv4_addr_any(),
        dst in ipv4_addr_any(),
        bit in any::<prop::sample::Index>(),
    ) {
        let mut bytes = repr.to_bytes(src, dst, &payload).unwrap();
        let bit = bit.index(bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        if let Ok(packet) = TcpPacket::new_checked(&bytes[..]) {
            let parsed = TcpRepr::parse(&packet, src, dst, ChecksumCheck::Verify);
            prop_assert!(parsed.is_err(), "bit {} flipped went unnoticed", bit);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128), src in ipv4_addr_any()) {
        if let Ok(packet) = TcpPacket::new_checked(&bytes[..]) {
            let _ = packet.payload();
            let _ = packet.options();
            let _ = TcpRepr::parse(&packet, src, Ipv4Addr::LOCALHOST, ChecksumCheck::Verify);
            if let Ok(repr) = TcpRepr::parse(&packet, src, Ipv4Addr::LOCALHOST, ChecksumCheck::Ignore) {
                let _ = repr.options.iter().count();
                // Whatever parsed re-emits.
                prop_assert!(repr.to_bytes(src, Ipv4Addr::LOCALHOST, packet.payload()).is_ok());
            }
        }
        let _ = TcpOptions::parse(&bytes);
    }

    #[test]
    fn arbitrary_options_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..=40)) {
        if let Ok(options) = TcpOptions::parse(&bytes) {
            let _ = (options.mss(), options.window_scale(), options.timestamps(), options.sack_blocks());
            prop_assert!(options.len() <= bytes.len());
        }
    }

    #[test]
    fn seq_order_is_modular(a in any::<u32>(), d in 1u32..0x7fff_ffff) {
        let x = SeqNumber(a);
        let y = SeqNumber(a.wrapping_add(d));
        prop_assert!(x < y);
        prop_assert!(y > x);
        prop_assert_eq!(y - x, d as usize);
        prop_assert_eq!(x - y, 0);
        prop_assert_eq!(x + d as usize, y);
    }
}
