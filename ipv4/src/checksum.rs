//! The Internet checksum: RFC 1071 sums, the TCP/UDP pseudo-header, RFC 1624 updates.
//!
//! Sums are kept *folded but not complemented* (`u16`), so partial sums over separate
//! pieces (pseudo-header, header, payload) combine with [`combine`]; the value written in a
//! header is `!sum`, which [`checksum`] computes in one step.
//!
//! ```
//! use ipv4::checksum;
//! // RFC 1071 §3's example: the sum of 00 01 f2 03 f4 f5 f6 f7 is 0xddf2.
//! assert_eq!(checksum::sum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]), 0xddf2);
//! assert_eq!(checksum::checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]), 0x220d);
//! ```

use std::net::Ipv4Addr;

use crate::IpProtocol;

/// Folds a wide one's-complement accumulator to 16 bits.
const fn fold(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// RFC 1071 one's-complement sum of `data` as big-endian 16-bit words (an odd trailing
/// byte is padded with a zero), folded to 16 bits and *not* complemented.
pub fn sum(data: &[u8]) -> u16 {
    // Adding 32-bit big-endian words into a 64-bit accumulator is the same sum modulo
    // 0xffff (2^16 ≡ 1), and cannot overflow for any slice that fits in memory.
    let mut acc: u64 = 0;
    let mut words = data.chunks_exact(4);
    for word in &mut words {
        acc += u64::from(u32::from_be_bytes([word[0], word[1], word[2], word[3]]));
    }
    let mut tail = [0u8; 4];
    let rest = words.remainder();
    tail[..rest.len()].copy_from_slice(rest);
    acc += u64::from(u32::from_be_bytes(tail));
    fold(acc)
}

/// One's-complement addition of partial sums.
pub fn combine(sums: &[u16]) -> u16 {
    fold(sums.iter().map(|&s| u64::from(s)).sum())
}

/// The checksum field value for `data`: the complement of [`sum`].
///
/// Over data that already holds a correct checksum field, this returns 0.
pub fn checksum(data: &[u8]) -> u16 {
    !sum(data)
}

/// The sum of the TCP/UDP pseudo-header (RFC 793 §3.1, RFC 768): source, destination,
/// zero, protocol, upper-layer length.
pub fn pseudo_header_sum(src: Ipv4Addr, dst: Ipv4Addr, protocol: IpProtocol, length: u16) -> u16 {
    let [s0, s1, s2, s3] = src.octets();
    let [d0, d1, d2, d3] = dst.octets();
    let words = [
        u16::from_be_bytes([s0, s1]),
        u16::from_be_bytes([s2, s3]),
        u16::from_be_bytes([d0, d1]),
        u16::from_be_bytes([d2, d3]),
        u16::from(protocol.0),
        length,
    ];
    combine(&words)
}

/// RFC 1624 eqn. 3 incremental update: the new checksum after a 16-bit field changes from
/// `old` to `new`, `HC' = ~(~HC + ~m + m')`, without touching the rest of the data.
pub fn update(checksum: u16, old: u16, new: u16) -> u16 {
    !combine(&[!checksum, !old, new])
}
