//! The short-input path of `checksum::sum` (headers, small datagrams) against a naive
//! RFC 1071 reference, at every length around its threshold and every alignment.

use ipv4::checksum;
use proptest::prelude::*;

fn naive_sum(data: &[u8]) -> u16 {
    let mut acc: u32 = 0;
    for pair in data.chunks(2) {
        let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        acc += u32::from(word);
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

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
