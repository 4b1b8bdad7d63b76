use core::fmt;
use std::net::Ipv4Addr;

use ipv4::{IpProtocol, checksum};

use crate::error::ParseError;
use crate::seq::SeqNumber;

/// Byte offsets of the TCP header fields (RFC 9293 §3.1).
mod field {
    use core::ops::Range;
    pub(crate) const SRC_PORT: Range<usize> = 0..2;
    pub(crate) const DST_PORT: Range<usize> = 2..4;
    pub(crate) const SEQ_NUM: Range<usize> = 4..8;
    pub(crate) const ACK_NUM: Range<usize> = 8..12;
    /// Data offset (4 bits), reserved (3 bits), then the flag bits.
    pub(crate) const OFFSET_FLAGS: Range<usize> = 12..14;
    pub(crate) const WINDOW: Range<usize> = 14..16;
    pub(crate) const CHECKSUM: Range<usize> = 16..18;
    pub(crate) const URGENT: Range<usize> = 18..20;
    pub(crate) const OPTIONS: usize = 20;
}

/// Length of the fixed TCP header.
pub const HEADER_LEN: usize = 20;

/// The 12 bits after the data offset: three reserved bits and the nine flags
/// (NS, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN). Reserved bits are kept so that a
/// segment re-emits byte for byte.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    /// No more data from sender.
    pub const FIN: Self = Self(0x001);
    /// Synchronize sequence numbers.
    pub const SYN: Self = Self(0x002);
    /// Reset the connection.
    pub const RST: Self = Self(0x004);
    /// Push function.
    pub const PSH: Self = Self(0x008);
    /// The acknowledgment field is significant.
    pub const ACK: Self = Self(0x010);
    /// The urgent pointer is significant.
    pub const URG: Self = Self(0x020);
    /// ECN-Echo (RFC 3168).
    pub const ECE: Self = Self(0x040);
    /// Congestion window reduced (RFC 3168).
    pub const CWR: Self = Self(0x080);
    /// ECN nonce (RFC 3540, historic).
    pub const NS: Self = Self(0x100);
    /// No flag set.
    pub const EMPTY: Self = Self(0);

    /// Whether every flag of `other` is set in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// `self` with the flags of `other` added.
    #[must_use]
    pub const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether SYN is set.
    pub const fn syn(self) -> bool {
        self.contains(Self::SYN)
    }
    /// Whether ACK is set.
    pub const fn ack(self) -> bool {
        self.contains(Self::ACK)
    }
    /// Whether FIN is set.
    pub const fn fin(self) -> bool {
        self.contains(Self::FIN)
    }
    /// Whether RST is set.
    pub const fn rst(self) -> bool {
        self.contains(Self::RST)
    }
    /// Whether PSH is set.
    pub const fn psh(self) -> bool {
        self.contains(Self::PSH)
    }
}

impl core::ops::BitOr for TcpFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        self.with(rhs)
    }
}

impl fmt::Debug for TcpFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [(TcpFlags, &str); 9] = [
            (TcpFlags::NS, "NS"),
            (TcpFlags::CWR, "CWR"),
            (TcpFlags::ECE, "ECE"),
            (TcpFlags::URG, "URG"),
            (TcpFlags::ACK, "ACK"),
            (TcpFlags::PSH, "PSH"),
            (TcpFlags::RST, "RST"),
            (TcpFlags::SYN, "SYN"),
            (TcpFlags::FIN, "FIN"),
        ];
        let names: Vec<&str> =
            NAMES.iter().filter(|(flag, _)| self.contains(*flag)).map(|(_, n)| *n).collect();
        write!(f, "[{}]", names.join(", "))?;
        if self.0 & 0x0e00 != 0 {
            write!(f, " reserved {:#05x}", self.0 & 0x0e00)?;
        }
        Ok(())
    }
}

/// A zero-copy view of a TCP segment.
///
/// The buffer is the IP payload: exactly the segment, as TCP has no length field of its
/// own. Once [`TcpPacket::new_checked`] (or [`TcpPacket::check_len`]) has succeeded, no
/// accessor panics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpPacket<T> {
    /// Wraps a buffer without checking it; accessors may panic until
    /// [`TcpPacket::check_len`] has succeeded.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after checking the fixed header and the data offset.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds the fixed header and that the data offset lies
    /// between 5 words and the buffer's length.
    #[inline]
    pub fn check_len(&self) -> Result<(), ParseError> {
        let actual = self.buffer.as_ref().len();
        if actual < HEADER_LEN {
            return Err(ParseError::Truncated { needed: HEADER_LEN, actual });
        }
        let offset = self.data_offset();
        if offset < 5 {
            return Err(ParseError::BadDataOffset { offset });
        }
        let header_len = self.header_len();
        if header_len > actual {
            return Err(ParseError::HeaderOverrun { header_len, actual });
        }
        Ok(())
    }

    /// Gives back the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn read_u16(&self, range: core::ops::Range<usize>) -> u16 {
        let b = &self.buffer.as_ref()[range];
        u16::from_be_bytes([b[0], b[1]])
    }

    fn read_u32(&self, range: core::ops::Range<usize>) -> u32 {
        let b = &self.buffer.as_ref()[range];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        self.read_u16(field::SRC_PORT)
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        self.read_u16(field::DST_PORT)
    }

    /// Sequence number.
    pub fn seq_number(&self) -> SeqNumber {
        SeqNumber(self.read_u32(field::SEQ_NUM))
    }

    /// Acknowledgment number (meaningful only when ACK is set).
    pub fn ack_number(&self) -> SeqNumber {
        SeqNumber(self.read_u32(field::ACK_NUM))
    }

    /// Data offset: the header length in 32-bit words.
    pub fn data_offset(&self) -> u8 {
        self.buffer.as_ref()[field::OFFSET_FLAGS.start] >> 4
    }

    /// Header length in bytes (data offset × 4).
    pub fn header_len(&self) -> usize {
        usize::from(self.data_offset()) * 4
    }

    /// The flag bits, reserved bits included.
    pub fn flags(&self) -> TcpFlags {
        TcpFlags(self.read_u16(field::OFFSET_FLAGS) & 0x0fff)
    }

    /// Window field, unscaled.
    pub fn window_len(&self) -> u16 {
        self.read_u16(field::WINDOW)
    }

    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        self.read_u16(field::CHECKSUM)
    }

    /// Urgent pointer field.
    pub fn urgent_at(&self) -> u16 {
        self.read_u16(field::URGENT)
    }

    /// The options area, padding included.
    pub fn options(&self) -> &[u8] {
        let data = self.buffer.as_ref();
        let end = self.header_len().clamp(field::OPTIONS, data.len());
        &data[field::OPTIONS..end]
    }

    /// The payload: everything past the header.
    pub fn payload(&self) -> &[u8] {
        let data = self.buffer.as_ref();
        &data[self.header_len().min(data.len())..]
    }

    /// The number of sequence numbers the segment occupies: payload, plus one for SYN
    /// and one for FIN.
    pub fn segment_len(&self) -> usize {
        let flags = self.flags();
        self.payload().len() + usize::from(flags.syn()) + usize::from(flags.fin())
    }

    fn pseudo_sum(&self, src: Ipv4Addr, dst: Ipv4Addr) -> u16 {
        // A segment longer than the 16-bit length cannot be in an IPv4 packet; its
        // checksum will not verify, which is the right answer.
        let len = u16::try_from(self.buffer.as_ref().len()).unwrap_or(u16::MAX);
        checksum::pseudo_header_sum(src, dst, IpProtocol::TCP, len)
    }

    /// The checksum this segment should carry, over the pseudo-header built from `src`
    /// and `dst`.
    pub fn compute_checksum(&self, src: Ipv4Addr, dst: Ipv4Addr) -> u16 {
        let without_field = checksum::combine(&[
            self.pseudo_sum(src, dst),
            checksum::sum(self.buffer.as_ref()),
            !self.checksum(), // removes the field's current value from the sum
        ]);
        !without_field
    }

    /// Whether the checksum is correct for `src` and `dst`.
    #[inline]
    pub fn verify_checksum(&self, src: Ipv4Addr, dst: Ipv4Addr) -> bool {
        checksum::combine(&[self.pseudo_sum(src, dst), checksum::sum(self.buffer.as_ref())]) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TcpPacket<T> {
    fn write_u16(&mut self, range: core::ops::Range<usize>, value: u16) {
        self.buffer.as_mut()[range].copy_from_slice(&value.to_be_bytes());
    }

    fn write_u32(&mut self, range: core::ops::Range<usize>, value: u32) {
        self.buffer.as_mut()[range].copy_from_slice(&value.to_be_bytes());
    }

    /// The whole buffer, writable (for `TcpRepr::emit`).
    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    /// Sets the source port.
    pub fn set_src_port(&mut self, port: u16) {
        self.write_u16(field::SRC_PORT, port);
    }

    /// Sets the destination port.
    pub fn set_dst_port(&mut self, port: u16) {
        self.write_u16(field::DST_PORT, port);
    }

    /// Sets the sequence number.
    pub fn set_seq_number(&mut self, seq: SeqNumber) {
        self.write_u32(field::SEQ_NUM, seq.0);
    }

    /// Sets the acknowledgment number.
    pub fn set_ack_number(&mut self, ack: SeqNumber) {
        self.write_u32(field::ACK_NUM, ack.0);
    }

    /// Sets the data offset (header length in words) and the flags together.
    pub fn set_offset_and_flags(&mut self, data_offset: u8, flags: TcpFlags) {
        let value = (u16::from(data_offset & 0x0f) << 12) | (flags.0 & 0x0fff);
        self.write_u16(field::OFFSET_FLAGS, value);
    }

    /// Sets the window field.
    pub fn set_window_len(&mut self, window: u16) {
        self.write_u16(field::WINDOW, window);
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, checksum: u16) {
        self.write_u16(field::CHECKSUM, checksum);
    }

    /// Sets the urgent pointer.
    pub fn set_urgent_at(&mut self, urgent: u16) {
        self.write_u16(field::URGENT, urgent);
    }

    /// The options area (as long as the data offset says), writable.
    pub fn options_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        let data = self.buffer.as_mut();
        let end = end.clamp(field::OPTIONS, data.len());
        &mut data[field::OPTIONS..end]
    }

    /// The payload, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        let data = self.buffer.as_mut();
        let start = start.min(data.len());
        &mut data[start..]
    }

    /// Computes and writes the checksum for `src` and `dst`; everything else must be in
    /// place.
    pub fn fill_checksum(&mut self, src: Ipv4Addr, dst: Ipv4Addr) {
        let checksum = self.compute_checksum(src, dst);
        self.set_checksum(checksum);
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for TcpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}
