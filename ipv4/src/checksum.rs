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

/// Whether a parser checks a checksum: one option shared by every packetflow crate
/// (ipv4, icmp, udp, tcp…), so a caller that has already verified checksums (a NIC with
/// receive offload, a capture tool reading corrupted frames on purpose) says so once.
///
/// For UDP a checksum field of 0 means "none" (RFC 768) and is accepted either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum ChecksumCheck {
    /// Reject a checksum that does not match.
    #[default]
    Verify,
    /// Accept any checksum, e.g. when a NIC has already verified it.
    Ignore,
}

/// Folds a wide one's-complement accumulator to 16 bits.
const fn fold(acc: u64) -> u16 {
    // Each step keeps the value modulo 0xffff; after the 64→33→17-bit steps, two
    // 16-bit ones leave at most 0xffff.
    let acc = (acc & 0xffff_ffff) + (acc >> 32);
    let acc = (acc & 0xffff) + (acc >> 16);
    let acc = (acc & 0xffff) + (acc >> 16);
    let acc = (acc & 0xffff) + (acc >> 16);
    acc as u16
}

/// RFC 1071 one's-complement sum of `data` as big-endian 16-bit words (an odd trailing
/// byte is padded with a zero), folded to 16 bits and *not* complemented.
///
/// This is a hot path (every header, every UDP/ICMP payload), written so LLVM vectorizes
/// it in safe code (`unsafe_code` is forbidden): 64-bit words are read in *native* byte order and their 32-bit
/// halves added into 64-bit accumulators. Both tricks are RFC 1071 §2: the sum is
/// independent of byte order up to a final swap (B), and adding 32-bit halves is adding
/// pairs of 16-bit words modulo 0xffff, since 2^16 ≡ 1 (C).
#[inline]
pub fn sum(data: &[u8]) -> u16 {
    if data.len() <= SMALL { small_sum(data) } else { large_sum(data) }
}

/// [`sum`] for long inputs, kept out of line so that [`sum`] itself stays small enough
/// to inline into header parsers, where inputs are short.
#[inline(never)]
fn large_sum(data: &[u8]) -> u16 {
    // A block adds at most 2^27 halves of < 2^32 per accumulator: no 64-bit overflow.
    const BLOCK: usize = 1 << 30;
    let folded = if data.len() <= BLOCK {
        fold(native_sum(data))
    } else {
        let sums = data.chunks(BLOCK).map(|block| u64::from(fold(native_sum(block))));
        fold(sums.sum())
    };
    if cfg!(target_endian = "little") { folded.swap_bytes() } else { folded }
}

/// Inputs up to this many bytes (headers, small datagrams) take the scalar path: the
/// vectorized loop's setup and tail cost more than they save on a few words.
const SMALL: usize = 128;

/// [`sum`] for short inputs: 64-bit native-endian words added with end-around carry
/// (RFC 1071 §2 (C): one's-complement addition of 64-bit words keeps the sum modulo
/// 0xffff, since 2^64 − 1 is a multiple of 2^16 − 1), one add and one carry per 8 bytes.
#[inline]
fn small_sum(data: &[u8]) -> u16 {
    #[inline(always)]
    fn add(acc: u64, word: u64) -> u64 {
        let (sum, carry) = acc.overflowing_add(word);
        sum + u64::from(carry)
    }
    #[inline(always)]
    fn word(b: &[u8]) -> u64 {
        u64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    }
    // Two accumulators halve the add-with-carry dependency chain.
    let mut pairs = data.chunks_exact(16);
    let (mut even, mut odd) = (0u64, 0u64);
    for pair in &mut pairs {
        even = add(even, word(&pair[..8]));
        odd = add(odd, word(&pair[8..]));
    }
    let mut acc = add(even, odd);
    let mut rest = pairs.remainder();
    if rest.len() >= 8 {
        acc = add(acc, word(rest));
        rest = &rest[8..];
    }
    if let [a, b, c, d, after @ ..] = rest {
        acc = add(acc, u64::from(u32::from_ne_bytes([*a, *b, *c, *d])));
        rest = after;
    }
    if let [a, b, after @ ..] = rest {
        acc = add(acc, u64::from(u16::from_ne_bytes([*a, *b])));
        rest = after;
    }
    if let [a] = rest {
        acc = add(acc, u64::from(u16::from_ne_bytes([*a, 0])));
    }
    let folded = fold(acc);
    if cfg!(target_endian = "little") { folded.swap_bytes() } else { folded }
}

/// The unfolded sum of `data` read as native-endian 64-bit words, each split into its two
/// 32-bit halves (the last partial word padded with zeros after the data, which keeps the
/// 16-bit pairing intact).
///
/// Two plain accumulators over `w & 0xffff_ffff` and `w >> 32` are what LLVM vectorizes
/// best at every vector width: measured against lane arrays, 32-bit words and
/// add-with-carry, it was fastest both on baseline x86-64 (SSE2) and with AVX-512.
#[inline]
fn native_sum(data: &[u8]) -> u64 {
    let mut words = data.chunks_exact(8);
    let (mut low, mut high) = (0u64, 0u64);
    for word in &mut words {
        let word =
            u64::from_ne_bytes([word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7]]);
        low += word & 0xffff_ffff;
        high += word >> 32;
    }
    // The last 0..=7 bytes, in pieces that each start at an even offset, so the 16-bit
    // pairing holds; a lone last byte is the high-order half of a zero-padded word.
    let mut acc = low + high;
    let mut rest = words.remainder();
    if let [a, b, c, d, after @ ..] = rest {
        acc += u64::from(u32::from_ne_bytes([*a, *b, *c, *d]));
        rest = after;
    }
    if let [a, b, after @ ..] = rest {
        acc += u64::from(u16::from_ne_bytes([*a, *b]));
        rest = after;
    }
    if let [a] = rest {
        acc += u64::from(u16::from_ne_bytes([*a, 0]));
    }
    acc
}

/// One's-complement addition of partial sums.
#[inline]
pub fn combine(sums: &[u16]) -> u16 {
    fold(sums.iter().map(|&s| u64::from(s)).sum())
}

/// The checksum field value for `data`: the complement of [`sum`].
///
/// Over data that already holds a correct checksum field, this returns 0.
#[inline]
pub fn checksum(data: &[u8]) -> u16 {
    !sum(data)
}

/// The sum of the TCP/UDP pseudo-header (RFC 793 §3.1, RFC 768): source, destination,
/// zero, protocol, upper-layer length.
#[inline]
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
    !fold(u64::from(!checksum) + u64::from(!old) + u64::from(new))
}

/// RFC 1624 update for a changed IPv4 address: the new checksum of a header (or of a
/// TCP/UDP segment, whose pseudo-header holds the addresses) after `old` became `new`.
///
/// ```
/// use std::net::Ipv4Addr;
/// use ipv4::checksum;
/// let (old, new) = (Ipv4Addr::new(192, 168, 1, 1), Ipv4Addr::new(10, 1, 1, 245));
/// let mut data = [0u8; 12];
/// data[4..8].copy_from_slice(&old.octets());
/// let before = checksum::checksum(&data);
/// data[4..8].copy_from_slice(&new.octets());
/// assert_eq!(checksum::update_addr(before, old, new), checksum::checksum(&data));
/// ```
#[inline]
pub fn update_addr(checksum: u16, old: Ipv4Addr, new: Ipv4Addr) -> u16 {
    let [o0, o1, o2, o3] = old.octets();
    let [n0, n1, n2, n3] = new.octets();
    let acc = u64::from(!checksum)
        + u64::from(!u16::from_be_bytes([o0, o1]))
        + u64::from(!u16::from_be_bytes([o2, o3]))
        + u64::from(u16::from_be_bytes([n0, n1]))
        + u64::from(u16::from_be_bytes([n2, n3]));
    !fold(acc)
}
