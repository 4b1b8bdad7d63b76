use std::net::Ipv4Addr;

use ipv4::{IpProtocol, checksum};

use crate::error::ParseError;

/// Byte offsets of the UDP header fields (RFC 768).
mod field {
    use core::ops::Range;
    pub(crate) const SRC_PORT: Range<usize> = 0..2;
    pub(crate) const DST_PORT: Range<usize> = 2..4;
    pub(crate) const LENGTH: Range<usize> = 4..6;
    pub(crate) const CHECKSUM: Range<usize> = 6..8;
}

/// Length of the UDP header.
pub const HEADER_LEN: usize = 8;

/// A zero-copy view of a UDP datagram.
///
/// The buffer is the IP payload; it may be longer than the datagram (link padding), and
/// [`UdpPacket::payload`] trims to the length field. Once [`UdpPacket::new_checked`] (or
/// [`UdpPacket::check_len`]) has succeeded, no accessor panics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    /// Wraps a buffer without checking it; accessors may panic until
    /// [`UdpPacket::check_len`] has succeeded.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after checking its header and length field.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks the buffer holds the 8-byte header and that the length field lies between 8
    /// and the buffer's length.
    #[inline]
    pub fn check_len(&self) -> Result<(), ParseError> {
        let actual = self.buffer.as_ref().len();
        if actual < HEADER_LEN {
            return Err(ParseError::Truncated { needed: HEADER_LEN, actual });
        }
        let field = self.len();
        if usize::from(field) < HEADER_LEN || usize::from(field) > actual {
            return Err(ParseError::BadLength { field, actual });
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

    /// Source port.
    pub fn src_port(&self) -> u16 {
        self.read_u16(field::SRC_PORT)
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        self.read_u16(field::DST_PORT)
    }

    /// The length field: header plus payload, in bytes.
    pub fn len(&self) -> u16 {
        self.read_u16(field::LENGTH)
    }

    /// Whether the datagram carries no payload (the length field is 8 or less).
    pub fn is_empty(&self) -> bool {
        usize::from(self.len()) <= HEADER_LEN
    }

    /// The checksum field; 0 means the sender computed none.
    pub fn checksum(&self) -> u16 {
        self.read_u16(field::CHECKSUM)
    }

    /// The datagram itself, header and payload, without any bytes past the length field.
    pub fn datagram(&self) -> &[u8] {
        let data = self.buffer.as_ref();
        let end = usize::from(self.len()).clamp(HEADER_LEN, data.len());
        &data[..end]
    }

    /// The payload, trimmed to the length field.
    pub fn payload(&self) -> &[u8] {
        &self.datagram()[HEADER_LEN..]
    }

    /// The checksum this datagram should carry, over the pseudo-header built from `src`
    /// and `dst`, as the sender writes it (0 is sent as 0xffff, RFC 768).
    pub fn compute_checksum(&self, src: Ipv4Addr, dst: Ipv4Addr) -> u16 {
        let datagram = self.datagram();
        let pseudo = checksum::pseudo_header_sum(src, dst, IpProtocol::UDP, self.len());
        let without_field = checksum::combine(&[
            pseudo,
            checksum::sum(datagram),
            !self.checksum(), // removes the field's current value from the sum
        ]);
        match !without_field {
            0 => 0xffff,
            value => value,
        }
    }

    /// Whether the checksum is absent (0) or correct for `src` and `dst`.
    #[inline]
    pub fn verify_checksum(&self, src: Ipv4Addr, dst: Ipv4Addr) -> bool {
        if self.checksum() == 0 {
            return true;
        }
        let pseudo = checksum::pseudo_header_sum(src, dst, IpProtocol::UDP, self.len());
        checksum::combine(&[pseudo, checksum::sum(self.datagram())]) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    fn write_u16(&mut self, range: core::ops::Range<usize>, value: u16) {
        self.buffer.as_mut()[range].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the source port.
    pub fn set_src_port(&mut self, port: u16) {
        self.write_u16(field::SRC_PORT, port);
    }

    /// Sets the destination port.
    pub fn set_dst_port(&mut self, port: u16) {
        self.write_u16(field::DST_PORT, port);
    }

    /// Sets the length field.
    pub fn set_len(&mut self, len: u16) {
        self.write_u16(field::LENGTH, len);
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, checksum: u16) {
        self.write_u16(field::CHECKSUM, checksum);
    }

    /// Computes and writes the checksum for `src` and `dst`. Header and payload must be in
    /// place, length field included.
    pub fn fill_checksum(&mut self, src: Ipv4Addr, dst: Ipv4Addr) {
        let checksum = self.compute_checksum(src, dst);
        self.set_checksum(checksum);
    }

    /// The payload (trimmed to the length field), writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let len = usize::from(self.len());
        let data = self.buffer.as_mut();
        let end = len.clamp(HEADER_LEN, data.len());
        &mut data[HEADER_LEN..end]
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for UdpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}
