//! The fast checksum against a naive RFC 1071 reference, and RFC 1624 updates against
//! full recomputation.

use ipv4::checksum;
use ipv4::strategies::ipv4_repr_any;
use ipv4::{Ipv4Packet, Ipv4Repr};
use proptest::prelude::*;

/// RFC 1071 §4.1, word by word, folding as it goes.
fn naive_sum(data: &[u8]) -> u16 {
    let mut acc: u32 = 0;
    for pair in data.chunks(2) {
        let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        acc += u32::from(word);
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

#[test]
fn rfc_1071_example_and_edge_cases() {
    assert_eq!(checksum::sum(&[]), 0);
    assert_eq!(checksum::sum(&[0xff]), 0xff00);
    assert_eq!(checksum::sum(&[0xff, 0xff, 0xff, 0xff]), 0xffff);
    assert_eq!(checksum::sum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]), 0xddf2);
    let big = vec![0xffu8; 1 << 20];
    assert_eq!(checksum::sum(&big), naive_sum(&big));
}

#[test]
fn pseudo_header_matches_a_laid_out_buffer() {
    let src = "192.0.2.10".parse().unwrap();
    let dst = "192.0.2.20".parse().unwrap();
    let bytes = [192, 0, 2, 10, 192, 0, 2, 20, 0, 17, 0x01, 0x2c];
    assert_eq!(checksum::pseudo_header_sum(src, dst, ipv4::IpProtocol::UDP, 300), checksum::sum(&bytes));
}

proptest! {
    #[test]
    fn sum_equals_the_naive_reference(data in proptest::collection::vec(any::<u8>(), 0..4200), start in 0usize..64) {
        // Random alignment: start anywhere in the buffer.
        let slice = &data[start.min(data.len())..];
        prop_assert_eq!(checksum::sum(slice), naive_sum(slice));
    }

    #[test]
    fn combine_of_even_splits_equals_the_whole(data in proptest::collection::vec(any::<u8>(), 0..600), split in any::<prop::sample::Index>()) {
        let at = split.index(data.len() + 1) & !1;
        let (a, b) = data.split_at(at);
        prop_assert_eq!(
            u32::from(checksum::combine(&[checksum::sum(a), checksum::sum(b)])) % 0xffff,
            u32::from(checksum::sum(&data)) % 0xffff
        );
    }

    #[test]
    fn update_equals_full_recompute(repr in ipv4_repr_any(), word in 0usize..10, value in any::<u16>()) {
        // Change any 16-bit header word except the checksum itself and the length words
        // that would invalidate the view.
        prop_assume!(word != 5 && word != 0 && word != 1);
        let mut bytes = repr.to_bytes(&[]).unwrap();
        let at = word * 2;
        let old = u16::from_be_bytes([bytes[at], bytes[at + 1]]);
        let packet = Ipv4Packet::new_checked(&mut bytes[..]).unwrap();
        let updated = checksum::update(packet.checksum(), old, value);
        packet.into_inner()[at..at + 2].copy_from_slice(&value.to_be_bytes());
        let mut packet = Ipv4Packet::new_checked(&mut bytes[..]).unwrap();
        packet.fill_checksum();
        prop_assert_eq!(updated, packet.checksum());
        let _ = Ipv4Repr::parse(&packet).unwrap();
    }

    #[test]
    fn decrement_ttl_equals_full_recompute(repr in ipv4_repr_any()) {
        prop_assume!(repr.ttl > 0);
        let mut bytes = repr.to_bytes(&[]).unwrap();
        let mut packet = Ipv4Packet::new_checked(&mut bytes[..]).unwrap();
        packet.decrement_ttl();
        let incremental = packet.checksum();
        packet.fill_checksum();
        prop_assert_eq!(incremental, packet.checksum());
        prop_assert_eq!(packet.ttl(), repr.ttl - 1);
    }
}

// The short-input path of `checksum::sum` (headers, small datagrams), at every length
// around its threshold and every alignment.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn short_sums_equal_the_naive_reference(data in proptest::collection::vec(any::<u8>(), 0..200), start in 0usize..8) {
        let start = start.min(data.len());
        prop_assert_eq!(checksum::sum(&data[start..]), naive_sum(&data[start..]));
    }
}

#[test]
fn all_ones_and_all_zeros_at_every_short_length() {
    for len in 0..200 {
        assert_eq!(checksum::sum(&vec![0xff; len]), naive_sum(&vec![0xff; len]), "{len}");
        assert_eq!(checksum::sum(&vec![0; len]), 0, "{len}");
    }
}
