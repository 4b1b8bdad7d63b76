use ipv4::checksum;

use crate::IcmpType;
use crate::error::ParseError;

/// Byte offsets of the ICMP header fields (RFC 792, RFC 1191).
mod field {
    use core::ops::Range;
    pub(crate) const TYPE: usize = 0;
    pub(crate) const CODE: usize = 1;
    pub(crate) const CHECKSUM: Range<usize> = 2..4;
    /// The four type-specific bytes after the checksum.
    pub(crate) const REST_OF_HEADER: Range<usize> = 4..8;
    pub(crate) const ECHO_IDENT: Range<usize> = 4..6;
    pub(crate) const ECHO_SEQ_NO: Range<usize> = 6..8;
    /// Destination Unreachable code 4 only; bytes 4..6 stay unused (RFC 1191 §4).
    pub(crate) const NEXT_HOP_MTU: Range<usize> = 6..8;
    pub(crate) const POINTER: usize = 4;
    pub(crate) const GATEWAY: Range<usize> = 4..8;
}

/// Length of the ICMP header: type, code, checksum and four type-specific bytes.
pub const HEADER_LEN: usize = 8;

/// A zero-copy view of an ICMP message.
///
/// The buffer must be exactly the message, i.e. the IP payload trimmed to the IP Total
/// Length: the checksum covers every byte of it. Once [`IcmpPacket::new_checked`] (or
/// [`IcmpPacket::check_len`]) has succeeded, no accessor panics. Accessors for
/// type-specific fields read the four bytes after the checksum whatever the type is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcmpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> IcmpPacket<T> {
    /// Wraps a buffer without checking it; accessors may panic until
    /// [`IcmpPacket::check_len`] has succeeded.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after checking it holds the 8-byte header.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks the buffer holds the 8-byte header.
    #[inline]
    pub fn check_len(&self) -> Result<(), ParseError> {
        let actual = self.buffer.as_ref().len();
        if actual < HEADER_LEN {
            return Err(ParseError::Truncated { needed: HEADER_LEN, actual });
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

    /// The Type field.
    pub fn msg_type(&self) -> IcmpType {
        IcmpType(self.buffer.as_ref()[field::TYPE])
    }

    /// The Code field, whose meaning depends on the type.
    pub fn msg_code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    /// The checksum field.
    pub fn checksum(&self) -> u16 {
        self.read_u16(field::CHECKSUM)
    }

    /// The four type-specific bytes after the checksum ("rest of header").
    pub fn rest_of_header(&self) -> [u8; 4] {
        let b = &self.buffer.as_ref()[field::REST_OF_HEADER];
        [b[0], b[1], b[2], b[3]]
    }

    /// Identifier of an echo request or reply.
    pub fn echo_ident(&self) -> u16 {
        self.read_u16(field::ECHO_IDENT)
    }

    /// Sequence number of an echo request or reply.
    pub fn echo_seq_no(&self) -> u16 {
        self.read_u16(field::ECHO_SEQ_NO)
    }

    /// Next-hop MTU of a "fragmentation needed" Destination Unreachable (RFC 1191); 0
    /// from routers that predate RFC 1191.
    pub fn next_hop_mtu(&self) -> u16 {
        self.read_u16(field::NEXT_HOP_MTU)
    }

    /// Octet offset of the faulty byte in a Parameter Problem's quoted header.
    pub fn pointer(&self) -> u8 {
        self.buffer.as_ref()[field::POINTER]
    }

    /// Gateway address of a Redirect.
    pub fn gateway(&self) -> std::net::Ipv4Addr {
        let b = &self.buffer.as_ref()[field::GATEWAY];
        std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3])
    }

    /// Everything after the 8-byte header: echo data, or the datagram an error quotes.
    pub fn data(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }

    /// The checksum this message should carry, computed over every byte of the buffer
    /// with the checksum field taken as zero.
    pub fn compute_checksum(&self) -> u16 {
        // Sum around the field rather than subtract it: subtracting turns an all-zero
        // message's +0 into -0 (RFC 1624 §3), whose complement 0 is not the 0xffff needed.
        let bytes = self.buffer.as_ref();
        let before = bytes.get(..field::CHECKSUM.start).unwrap_or_default();
        let after = bytes.get(field::CHECKSUM.end..).unwrap_or_default();
        !checksum::combine(&[checksum::sum(before), checksum::sum(after)])
    }

    /// Whether the checksum is correct for the whole buffer.
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        checksum::sum(self.buffer.as_ref()) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> IcmpPacket<T> {
    fn write_u16(&mut self, range: core::ops::Range<usize>, value: u16) {
        self.buffer.as_mut()[range].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the Type field.
    pub fn set_msg_type(&mut self, msg_type: IcmpType) {
        self.buffer.as_mut()[field::TYPE] = msg_type.0;
    }

    /// Sets the Code field.
    pub fn set_msg_code(&mut self, code: u8) {
        self.buffer.as_mut()[field::CODE] = code;
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, checksum: u16) {
        self.write_u16(field::CHECKSUM, checksum);
    }

    /// Sets the four type-specific bytes after the checksum.
    pub fn set_rest_of_header(&mut self, rest: [u8; 4]) {
        self.buffer.as_mut()[field::REST_OF_HEADER].copy_from_slice(&rest);
    }

    /// Sets the echo identifier.
    pub fn set_echo_ident(&mut self, ident: u16) {
        self.write_u16(field::ECHO_IDENT, ident);
    }

    /// Sets the echo sequence number.
    pub fn set_echo_seq_no(&mut self, seq_no: u16) {
        self.write_u16(field::ECHO_SEQ_NO, seq_no);
    }

    /// Sets the next-hop MTU (bytes 6–7; bytes 4–5 are left alone).
    pub fn set_next_hop_mtu(&mut self, mtu: u16) {
        self.write_u16(field::NEXT_HOP_MTU, mtu);
    }

    /// The whole buffer, writable.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }

    /// Everything after the header, writable.
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[HEADER_LEN..]
    }

    /// Computes and writes the checksum over the whole buffer.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let checksum = checksum::checksum(self.buffer.as_ref());
        self.set_checksum(checksum);
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for IcmpPacket<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}
