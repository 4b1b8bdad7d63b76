//! Property tests: round trips, and no panics on arbitrary bytes.

use proptest::prelude::*;
use udp::strategies::{ipv4_addr_any, udp_repr_any};
use udp::{ChecksumCheck, UdpPacket, UdpRepr};

proptest! {
    #[test]
    fn parse_of_emit_is_identity(
        (repr, payload) in udp_repr_any(),
        src in ipv4_addr_any(),
        dst in ipv4_addr_any(),
    ) {
        let bytes = repr.to_bytes(src, dst, &payload).unwrap();
        prop_assert_eq!(bytes.len(), repr.buffer_len());
        let packet = UdpPacket::new_checked(&bytes[..]).unwrap();
        prop_assert_ne!(packet.checksum(), 0);
        prop_assert_eq!(UdpRepr::parse(&packet, src, dst), Ok(repr));
        prop_assert_eq!(packet.payload(), &payload[..]);
    }

    #[test]
    fn any_single_bit_flip_is_detected_or_harmless(
        (repr, payload) in udp_repr_any(),
        src in ipv4_addr_any(),
        dst in ipv4_addr_any(),
        bit in any::<prop::sample::Index>(),
    ) {
        let mut bytes = repr.to_bytes(src, dst, &payload).unwrap();
        let bit = bit.index(bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        let packet = UdpPacket::new_unchecked(&bytes[..]);
        let parsed = UdpRepr::parse(&packet, src, dst);
        // A flip in the length field changes what is summed, and one that empties the
        // checksum field turns checking off; every other single-bit error is caught.
        let in_length_field = (4..6).contains(&(bit / 8));
        if !in_length_field && packet.checksum() != 0 {
            prop_assert!(parsed.is_err(), "bit {} went unnoticed", bit);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..80),
        src in ipv4_addr_any(),
        dst in ipv4_addr_any(),
    ) {
        let unchecked = UdpPacket::new_unchecked(&bytes[..]);
        let _ = UdpRepr::parse(&unchecked, src, dst);
        if let Ok(packet) = UdpPacket::new_checked(&bytes[..]) {
            let _ = (packet.src_port(), packet.dst_port(), packet.len(), packet.checksum());
            let _ = (packet.payload(), packet.verify_checksum(src, dst));
            let _ = packet.compute_checksum(src, dst);
            if let Ok(repr) = UdpRepr::parse_with(&packet, src, dst, ChecksumCheck::Ignore) {
                prop_assert_eq!(repr.buffer_len(), usize::from(packet.len()));
            }
        }
    }
}
