use std::net::Ipv4Addr;

use crate::checksum::ChecksumCheck;
use crate::error::{EmitError, ParseError};
use crate::packet::{HEADER_LEN, MAX_PACKET_LEN};
use crate::{Dscp, Ecn, IpProtocol, Ipv4Options, Ipv4Packet};

/// The meaning of an IPv4 header.
///
/// Options are kept byte-for-byte, so `emit(parse(bytes))` reproduces a valid header
/// exactly. The reserved flag bit is not represented: it is emitted as zero.
///
/// ```
/// use ipv4::{Dscp, Ecn, IpProtocol, Ipv4Options, Ipv4Packet, Ipv4Repr};
/// let repr = Ipv4Repr {
///     src_addr: "192.168.1.1".parse()?,
///     dst_addr: "192.168.1.2".parse()?,
///     protocol: IpProtocol::UDP,
///     ttl: 64,
///     dscp: Dscp::CS0,
///     ecn: Ecn::NOT_ECT,
///     ident: 0x1234,
///     dont_frag: true,
///     more_frags: false,
///     frag_offset: 0,
///     options: Ipv4Options::NONE,
///     payload_len: 4,
/// };
/// let bytes = repr.to_bytes(b"ping")?;
/// let packet = Ipv4Packet::new_checked(&bytes[..])?;
/// assert!(packet.verify_checksum());
/// assert_eq!(Ipv4Repr::parse(&packet)?, repr);
/// assert_eq!(packet.payload(), b"ping");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ipv4Repr {
    /// Source address.
    pub src_addr: Ipv4Addr,
    /// Destination address.
    pub dst_addr: Ipv4Addr,
    /// The payload's protocol.
    pub protocol: IpProtocol,
    /// Time to Live.
    pub ttl: u8,
    /// Differentiated Services Code Point.
    pub dscp: Dscp,
    /// Explicit Congestion Notification.
    pub ecn: Ecn,
    /// Identification.
    pub ident: u16,
    /// Don't Fragment.
    pub dont_frag: bool,
    /// More Fragments.
    pub more_frags: bool,
    /// Fragment offset in bytes: a multiple of 8, at most 65,528.
    pub frag_offset: u16,
    /// Options, padding included.
    pub options: Ipv4Options,
    /// Payload length in bytes (Total Length minus the header).
    pub payload_len: usize,
}

impl Ipv4Repr {
    /// A header for a datagram from `src_addr` to `dst_addr` carrying `payload_len`
    /// bytes of `protocol`, with the defaults of a host's own datagrams: TTL 64, DSCP 0,
    /// not ECN-capable, identification 0, may be fragmented, no options. Change what
    /// differs with struct update syntax.
    ///
    /// ```
    /// use ipv4::{IpProtocol, Ipv4Repr};
    /// let repr = Ipv4Repr { ttl: 1, ..Ipv4Repr::new("10.0.0.1".parse()?, "10.0.0.2".parse()?, IpProtocol::UDP, 8) };
    /// assert_eq!((repr.ttl, repr.buffer_len()), (1, 28));
    /// # Ok::<(), std::net::AddrParseError>(())
    /// ```
    pub const fn new(
        src_addr: Ipv4Addr,
        dst_addr: Ipv4Addr,
        protocol: IpProtocol,
        payload_len: usize,
    ) -> Self {
        Self {
            src_addr,
            dst_addr,
            protocol,
            ttl: 64,
            dscp: Dscp::CS0,
            ecn: Ecn::NOT_ECT,
            ident: 0,
            dont_frag: false,
            more_frags: false,
            frag_offset: 0,
            options: Ipv4Options::NONE,
            payload_len,
        }
    }

    /// Reads a header after checking lengths and the checksum (RFC 1812 §5.2.2).
    #[inline]
    pub fn parse<T: AsRef<[u8]>>(packet: &Ipv4Packet<T>) -> Result<Self, ParseError> {
        Self::parse_with(packet, ChecksumCheck::Verify)
    }

    /// Reads a header after checking lengths and, unless told to ignore it, the checksum.
    #[inline]
    pub fn parse_with<T: AsRef<[u8]>>(
        packet: &Ipv4Packet<T>,
        check: ChecksumCheck,
    ) -> Result<Self, ParseError> {
        packet.check_len()?;
        if check == ChecksumCheck::Verify && !packet.verify_checksum() {
            return Err(ParseError::BadChecksum {
                found: packet.checksum(),
                computed: packet.expected_checksum(),
            });
        }
        Ok(Self::read_fields(packet))
    }

    /// Reads a header known to be whole (`check_header` passed); `payload_len` comes from
    /// Total Length.
    #[inline]
    fn read_fields<T: AsRef<[u8]>>(packet: &Ipv4Packet<T>) -> Self {
        Self {
            src_addr: packet.src_addr(),
            dst_addr: packet.dst_addr(),
            protocol: packet.protocol(),
            ttl: packet.ttl(),
            dscp: packet.dscp(),
            ecn: packet.ecn(),
            ident: packet.ident(),
            dont_frag: packet.dont_frag(),
            more_frags: packet.more_frags(),
            frag_offset: packet.frag_offset(),
            // The options area is 0..=40 bytes, a multiple of 4, by construction of IHL.
            options: if packet.header_len() == HEADER_LEN {
                Ipv4Options::NONE
            } else {
                Ipv4Options::try_new(packet.options()).unwrap_or_default()
            },
            payload_len: usize::from(packet.total_len()) - packet.header_len(),
        }
    }

    /// Parses the start of a datagram quoted inside an ICMP error (RFC 792: the header
    /// plus at least 8 bytes; RFC 1812 §4.3.2.3: as much as fits in 576 bytes).
    ///
    /// The whole header must be present and consistent (version, IHL, Total Length ≥
    /// header length), but the datagram may be cut short: `payload_len` is the length the
    /// header announces, and the returned slice is what is actually there (at most
    /// `payload_len` bytes, so padding is still excluded).
    ///
    /// The header checksum is **not** verified: routers and NATs are known to rewrite
    /// quoted headers (TTL, addresses) without fixing it, and the quote only serves to
    /// match the error to a flow. Callers who care can check
    /// `checksum::checksum(&bytes[..repr.header_len()]) == 0`.
    pub fn parse_lax(bytes: &[u8]) -> Result<(Self, &[u8]), ParseError> {
        let packet = Ipv4Packet::new_unchecked(bytes);
        packet.check_header()?;
        let repr = Self::read_fields(&packet);
        let start = packet.header_len();
        let end = usize::from(packet.total_len()).min(bytes.len());
        let payload = bytes.get(start..end).unwrap_or_default();
        Ok((repr, payload))
    }

    /// The header length this repr emits: 20 plus the options.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN + self.options.len()
    }

    /// The whole datagram's length: header plus payload.
    pub const fn buffer_len(&self) -> usize {
        self.header_len() + self.payload_len
    }

    /// The header with this repr's fields checked for what the wire can carry.
    fn check_emittable(&self) -> Result<u16, EmitError> {
        let total = self.buffer_len();
        if total > MAX_PACKET_LEN {
            return Err(EmitError::TooLong(total));
        }
        let total = u16::try_from(total).map_err(|_| EmitError::TooLong(total))?;
        if !self.frag_offset.is_multiple_of(8) {
            return Err(EmitError::BadFragmentOffset(self.frag_offset));
        }
        Ok(total)
    }

    /// Writes the header (with its checksum) into the start of `packet`; the payload area
    /// is left alone.
    ///
    /// Never panics; fails if the buffer is shorter than [`Ipv4Repr::header_len`] or the
    /// fields do not fit the wire (see [`EmitError`]).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Ipv4Packet<T>) -> Result<(), EmitError> {
        let total_len = self.check_emittable()?;
        let header_len = self.header_len();
        let actual = packet.as_ref().len();
        if actual < header_len {
            return Err(EmitError::BufferTooSmall { needed: header_len, actual });
        }
        packet.set_version_and_header_len(header_len);
        packet.set_dscp_ecn(self.dscp, self.ecn);
        packet.set_total_len(total_len);
        packet.set_ident(self.ident);
        packet.set_flags_and_frag_offset(self.dont_frag, self.more_frags, self.frag_offset);
        packet.set_ttl(self.ttl);
        packet.set_protocol(self.protocol);
        packet.set_src_addr(self.src_addr);
        packet.set_dst_addr(self.dst_addr);
        packet.options_mut().copy_from_slice(self.options.as_bytes());
        packet.fill_checksum();
        Ok(())
    }

    /// Builds a whole datagram in a new vector. `payload_len` is taken from `payload`,
    /// whatever the repr says.
    pub fn to_bytes(&self, payload: &[u8]) -> Result<Vec<u8>, EmitError> {
        let repr = Self { payload_len: payload.len(), ..*self };
        repr.check_emittable()?;
        let mut bytes = vec![0; repr.buffer_len()];
        let (header, body) = bytes.split_at_mut(repr.header_len());
        repr.emit(&mut Ipv4Packet::new_unchecked(header))?;
        body.copy_from_slice(payload);
        Ok(bytes)
    }
}
