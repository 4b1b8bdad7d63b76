use std::net::Ipv4Addr;

use crate::error::ParseError;
use crate::{Dscp, Ecn, IpProtocol, checksum};

/// Byte offsets of the IPv4 header fields (RFC 791 §3.1).
pub(crate) mod field {
    use core::ops::Range;
    pub(crate) const VER_IHL: usize = 0;
    pub(crate) const DSCP_ECN: usize = 1;
    pub(crate) const TOTAL_LEN: Range<usize> = 2..4;
    pub(crate) const IDENT: Range<usize> = 4..6;
    pub(crate) const FLAGS_FRAG: Range<usize> = 6..8;
    pub(crate) const TTL: usize = 8;
    pub(crate) const PROTOCOL: usize = 9;
    pub(crate) const CHECKSUM: Range<usize> = 10..12;
    pub(crate) const SRC_ADDR: Range<usize> = 12..16;
    pub(crate) const DST_ADDR: Range<usize> = 16..20;
}

/// Length of a header without options.
pub const HEADER_LEN: usize = 20;
/// Length of the longest header: IHL 15.
pub const MAX_HEADER_LEN: usize = 60;
/// The largest datagram the 16-bit Total Length field can describe.
pub const MAX_PACKET_LEN: usize = 65535;

const FLAG_DONT_FRAG: u16 = 0x4000;
const FLAG_MORE_FRAGS: u16 = 0x2000;
const FRAG_OFFSET_MASK: u16 = 0x1fff;

/// A zero-copy view of an IPv4 datagram.
///
/// Once [`Ipv4Packet::new_checked`] (or [`Ipv4Packet::check_len`]) has succeeded, no
/// accessor panics. Setters do not update the checksum: call
/// [`Ipv4Packet::fill_checksum`] after the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wraps a buffer without checking it; accessors may panic until
    /// [`Ipv4Packet::check_len`] has succeeded.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after [`Ipv4Packet::check_len`].
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks what every accessor relies on: version 4, IHL ≥ 5, the header inside the
    /// buffer, and `header_len ≤ total_len ≤ buffer length`. Bytes after Total Length
    /// (Ethernet padding) are allowed and ignored by [`Ipv4Packet::payload`]. The checksum
    /// is not checked here: see [`Ipv4Packet::verify_checksum`].
    #[inline]
    pub fn check_len(&self) -> Result<(), ParseError> {
        self.check_header()?;
        let actual = self.buffer.as_ref().len();
        let total_len = usize::from(self.total_len());
        if total_len > actual {
            return Err(ParseError::Truncated { needed: total_len, actual });
        }
        Ok(())
    }

    /// Everything [`Ipv4Packet::check_len`] checks except that Total Length may exceed
    /// the buffer: the header is whole and self-consistent.
    #[inline]
    pub(crate) fn check_header(&self) -> Result<(), ParseError> {
        let bytes = self.buffer.as_ref();
        let actual = bytes.len();
        if actual < HEADER_LEN {
            return Err(ParseError::Truncated { needed: HEADER_LEN, actual });
        }
        if self.version() != 4 {
            return Err(ParseError::BadVersion(self.version()));
        }
        let ihl = bytes[field::VER_IHL] & 0x0f;
        if ihl < 5 {
            return Err(ParseError::BadHeaderLength(ihl));
        }
        let header_len = self.header_len();
        if actual < header_len {
            return Err(ParseError::Truncated { needed: header_len, actual });
        }
        let total_len = self.total_len();
        if usize::from(total_len) < header_len {
            return Err(ParseError::BadTotalLength { total_len, header_len });
        }
        Ok(())
    }

    /// Gives back the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    #[inline]
    fn read_u16(&self, range: core::ops::Range<usize>) -> u16 {
        let b = &self.buffer.as_ref()[range];
        u16::from_be_bytes([b[0], b[1]])
    }

    #[inline]
    fn read_addr(&self, range: core::ops::Range<usize>) -> Ipv4Addr {
        let b = &self.buffer.as_ref()[range];
        Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }

    /// The Version field (4 once checked).
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// Header length in bytes (IHL × 4), 20..=60.
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }

    /// Differentiated Services Code Point.
    pub fn dscp(&self) -> Dscp {
        Dscp::from_bits_truncate(self.buffer.as_ref()[field::DSCP_ECN] >> 2)
    }

    /// Explicit Congestion Notification.
    pub fn ecn(&self) -> Ecn {
        Ecn::from_bits_truncate(self.buffer.as_ref()[field::DSCP_ECN])
    }

    /// Total Length: header plus payload, in bytes.
    #[inline]
    pub fn total_len(&self) -> u16 {
        self.read_u16(field::TOTAL_LEN)
    }

    /// Identification.
    pub fn ident(&self) -> u16 {
        self.read_u16(field::IDENT)
    }

    /// The Don't Fragment flag.
    pub fn dont_frag(&self) -> bool {
        self.read_u16(field::FLAGS_FRAG) & FLAG_DONT_FRAG != 0
    }

    /// The More Fragments flag.
    pub fn more_frags(&self) -> bool {
        self.read_u16(field::FLAGS_FRAG) & FLAG_MORE_FRAGS != 0
    }

    /// The reserved flag bit (must be zero; RFC 3514 notwithstanding).
    pub fn reserved_flag(&self) -> bool {
        self.read_u16(field::FLAGS_FRAG) & 0x8000 != 0
    }

    /// Fragment offset in **bytes** (the field counts 8-byte units).
    pub fn frag_offset(&self) -> u16 {
        (self.read_u16(field::FLAGS_FRAG) & FRAG_OFFSET_MASK) << 3
    }

    /// Whether this is a fragment: More Fragments set or a nonzero offset.
    pub fn is_fragment(&self) -> bool {
        self.read_u16(field::FLAGS_FRAG) & (FLAG_MORE_FRAGS | FRAG_OFFSET_MASK) != 0
    }

    /// Time to Live.
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// The payload's protocol.
    pub fn protocol(&self) -> IpProtocol {
        IpProtocol(self.buffer.as_ref()[field::PROTOCOL])
    }

    /// Header Checksum.
    pub fn checksum(&self) -> u16 {
        self.read_u16(field::CHECKSUM)
    }

    /// Source address.
    pub fn src_addr(&self) -> Ipv4Addr {
        self.read_addr(field::SRC_ADDR)
    }

    /// Destination address.
    pub fn dst_addr(&self) -> Ipv4Addr {
        self.read_addr(field::DST_ADDR)
    }

    /// The header bytes, options included.
    #[inline]
    pub fn header(&self) -> &[u8] {
        &self.buffer.as_ref()[..self.header_len()]
    }

    /// The options area (padding included), empty when IHL is 5.
    #[inline]
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.header_len()]
    }

    /// Whether the header checksum verifies.
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        checksum::sum(self.header()) == 0xffff
    }

    /// The checksum this header should carry: the sum with its own checksum field taken
    /// as zero, complemented.
    pub fn expected_checksum(&self) -> u16 {
        // Removing the field from the sum is adding its complement (RFC 1624).
        !checksum::combine(&[checksum::sum(self.header()), !self.checksum()])
    }

    /// The payload, up to Total Length: link-layer padding after it is excluded.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..usize::from(self.total_len())]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    fn write_u16(&mut self, range: core::ops::Range<usize>, value: u16) {
        self.buffer.as_mut()[range].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets Version to 4 and IHL to `header_len / 4` (`header_len` is a multiple of 4 in
    /// 20..=60; other values are truncated to what the 4-bit field holds).
    pub fn set_version_and_header_len(&mut self, header_len: usize) {
        let ihl = ((header_len / 4) & 0x0f) as u8;
        self.buffer.as_mut()[field::VER_IHL] = 0x40 | ihl;
    }

    /// Sets DSCP and ECN.
    pub fn set_dscp_ecn(&mut self, dscp: Dscp, ecn: Ecn) {
        self.buffer.as_mut()[field::DSCP_ECN] = (dscp.value() << 2) | ecn.value();
    }

    /// Sets Total Length.
    pub fn set_total_len(&mut self, value: u16) {
        self.write_u16(field::TOTAL_LEN, value);
    }

    /// Sets Identification.
    pub fn set_ident(&mut self, value: u16) {
        self.write_u16(field::IDENT, value);
    }

    /// Sets the flags and the fragment offset (in bytes; the low 3 bits are dropped).
    pub fn set_flags_and_frag_offset(&mut self, dont_frag: bool, more_frags: bool, offset: u16) {
        let mut word = (offset >> 3) & FRAG_OFFSET_MASK;
        if dont_frag {
            word |= FLAG_DONT_FRAG;
        }
        if more_frags {
            word |= FLAG_MORE_FRAGS;
        }
        self.write_u16(field::FLAGS_FRAG, word);
    }

    /// Sets Time to Live (the checksum is not updated).
    pub fn set_ttl(&mut self, value: u8) {
        self.buffer.as_mut()[field::TTL] = value;
    }

    /// Sets Protocol.
    pub fn set_protocol(&mut self, value: IpProtocol) {
        self.buffer.as_mut()[field::PROTOCOL] = value.0;
    }

    /// Sets Header Checksum.
    pub fn set_checksum(&mut self, value: u16) {
        self.write_u16(field::CHECKSUM, value);
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, addr: Ipv4Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&addr.octets());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, addr: Ipv4Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&addr.octets());
    }

    /// The options area, writable.
    pub fn options_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        &mut self.buffer.as_mut()[HEADER_LEN..end]
    }

    /// Computes and writes the header checksum.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let value = checksum::checksum(self.header());
        self.set_checksum(value);
    }

    /// Decrements TTL by one and patches the checksum incrementally (RFC 1624), leaving
    /// every other byte alone. A TTL of 0 stays 0: callers check it first.
    pub fn decrement_ttl(&mut self) {
        let ttl = self.ttl();
        if ttl == 0 {
            return;
        }
        let protocol = self.buffer.as_ref()[field::PROTOCOL];
        let old = u16::from_be_bytes([ttl, protocol]);
        let new = u16::from_be_bytes([ttl - 1, protocol]);
        let value = checksum::update(self.checksum(), old, new);
        self.set_ttl(ttl - 1);
        self.set_checksum(value);
    }

    /// The payload up to Total Length, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        let end = usize::from(self.total_len());
        &mut self.buffer.as_mut()[start..end]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Ipv4Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}
