use ipv4::{IpProtocol, Ipv4Repr};

use crate::IcmpType;

/// The start of the datagram an ICMP error is about, as the error quotes it.
///
/// RFC 792 quotes the IP header and the first 64 bits of the payload; RFC 1812 §4.3.2.3
/// routers (and Linux hosts) quote as much as fits in a 576-byte error. Whatever is there
/// is kept: the payload may be shorter than 8 bytes (a truncated quote) or as long as the
/// original. Bytes past the quoted header's Total Length (RFC 4884 extensions, padding)
/// are not part of the quote and are dropped.
///
/// ```
/// use icmp::QuotedDatagram;
/// // A UDP datagram 192.0.2.10:5353 → 192.0.2.20:53, quoted with 8 payload bytes.
/// let quote = [
///     0x45, 0x00, 0x00, 0x24, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0xf6, 0xa9,
///     192, 0, 2, 10, 192, 0, 2, 20,
///     0x14, 0xe9, 0x00, 0x35, 0x00, 0x10, 0x00, 0x00,
/// ];
/// let quoted = QuotedDatagram::parse(&quote)?;
/// assert_eq!(quoted.header.dst_addr, std::net::Ipv4Addr::new(192, 0, 2, 20));
/// assert_eq!(quoted.ports(), Some((5353, 53)));
/// assert_eq!(quoted.buffer_len(), quote.len());
/// # Ok::<(), ipv4::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotedDatagram<'a> {
    /// The quoted header's meaning. Its `payload_len` is the original datagram's, which
    /// is usually more than the quote holds. Its checksum is not verified (routers and
    /// NATs rewrite quoted headers without fixing it).
    pub header: Ipv4Repr,
    /// The quoted header exactly as sent, options included.
    pub header_bytes: &'a [u8],
    /// The first bytes of the original payload: normally at least 8, possibly fewer.
    pub payload: &'a [u8],
}

impl<'a> QuotedDatagram<'a> {
    /// Parses a quote: a whole, self-consistent IPv4 header followed by any part of the
    /// payload.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ipv4::ParseError> {
        let (header, payload) = Ipv4Repr::parse_lax(bytes)?;
        let header_len = header.header_len();
        // `parse_lax` succeeded, so the header is inside `bytes`.
        let header_bytes = bytes.get(..header_len).unwrap_or_default();
        Ok(Self { header, header_bytes, payload })
    }

    /// Length of the quote on the wire: header plus payload bytes.
    pub const fn buffer_len(&self) -> usize {
        self.header_bytes.len() + self.payload.len()
    }

    /// Writes the quote (header bytes, then payload) into the start of `buffer`, which
    /// must be at least [`QuotedDatagram::buffer_len`] bytes long; returns the length
    /// written, or `None` if the buffer is too short.
    pub fn copy_to(&self, buffer: &mut [u8]) -> Option<usize> {
        let (header_area, rest) = buffer.split_at_mut_checked(self.header_bytes.len())?;
        header_area.copy_from_slice(self.header_bytes);
        rest.get_mut(..self.payload.len())?.copy_from_slice(self.payload);
        Some(self.buffer_len())
    }

    /// Whether the quote starts the original payload: a first fragment or an unfragmented
    /// datagram, so the payload begins with the transport header.
    pub const fn is_first_fragment(&self) -> bool {
        self.header.frag_offset == 0
    }

    /// Source and destination ports of a quoted UDP or TCP datagram, when the quote holds
    /// them (the first 4 bytes of the transport header of a first fragment).
    pub fn ports(&self) -> Option<(u16, u16)> {
        if !matches!(self.header.protocol, IpProtocol::UDP | IpProtocol::TCP) || !self.is_first_fragment() {
            return None;
        }
        match self.payload {
            [s0, s1, d0, d1, ..] => Some((u16::from_be_bytes([*s0, *s1]), u16::from_be_bytes([*d0, *d1]))),
            _ => None,
        }
    }

    /// The type of a quoted ICMP message, when the quote holds it.
    pub fn icmp_type(&self) -> Option<IcmpType> {
        if self.header.protocol != IpProtocol::ICMP || !self.is_first_fragment() {
            return None;
        }
        self.payload.first().map(|&t| IcmpType(t))
    }

    /// The identifier of a quoted ICMP echo request or reply, when the quote holds it:
    /// what a pinger matches an error to its session by.
    pub fn echo_ident(&self) -> Option<u16> {
        self.echo_field(4)
    }

    /// The sequence number of a quoted ICMP echo request or reply, when the quote holds
    /// it.
    pub fn echo_seq_no(&self) -> Option<u16> {
        self.echo_field(6)
    }

    fn echo_field(&self, offset: usize) -> Option<u16> {
        if !matches!(self.icmp_type()?, IcmpType::ECHO_REQUEST | IcmpType::ECHO_REPLY) {
            return None;
        }
        let bytes = self.payload.get(offset..offset + 2)?;
        Some(u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]))
    }
}
