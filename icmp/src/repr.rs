use crate::error::{EmitError, ParseError};
use crate::wire::{HEADER_LEN, IcmpPacket};
use crate::{IcmpType, QuotedDatagram, TimeExceededCode, UnreachableCode};
use ipv4::checksum::ChecksumCheck;

/// The meaning of an ICMP message, borrowing its data from the packet it was parsed from.
///
/// Echo, Destination Unreachable and Time Exceeded have variants of their own; every
/// other message (and an echo with a non-zero code) parses as [`IcmpRepr::Other`], which
/// keeps type, code, the four type-specific bytes and the data, so it re-emits exactly.
///
/// ```
/// use icmp::{IcmpPacket, IcmpRepr};
/// let request = IcmpRepr::EchoRequest { ident: 0x4207, seq_no: 1, data: b"abcdefgh" };
/// let bytes = request.to_bytes();
/// let packet = IcmpPacket::new_checked(&bytes[..])?;
/// let parsed = IcmpRepr::parse(&packet)?;
/// assert_eq!(parsed, request);
/// let reply = parsed.echo_reply_to().expect("a request has a reply");
/// assert_eq!(reply, IcmpRepr::EchoReply { ident: 0x4207, seq_no: 1, data: b"abcdefgh" });
/// # Ok::<(), icmp::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IcmpRepr<'a> {
    /// Echo Request (type 8, code 0).
    EchoRequest {
        /// Identifier, chosen by the pinger to match replies to its session.
        ident: u16,
        /// Sequence number.
        seq_no: u16,
        /// Data, returned unchanged in the reply.
        data: &'a [u8],
    },
    /// Echo Reply (type 0, code 0).
    EchoReply {
        /// Identifier, copied from the request.
        ident: u16,
        /// Sequence number, copied from the request.
        seq_no: u16,
        /// Data, copied from the request.
        data: &'a [u8],
    },
    /// Destination Unreachable (type 3).
    ///
    /// Parsing ignores the unused bytes 4–5 (and 6–7 unless the code is
    /// [`UnreachableCode::FRAG_NEEDED`]); emitting writes them as zeros.
    DestinationUnreachable {
        /// Why the datagram could not be delivered.
        code: UnreachableCode,
        /// The next-hop MTU for [`UnreachableCode::FRAG_NEEDED`] (RFC 1191), 0 otherwise.
        next_hop_mtu: u16,
        /// The start of the undeliverable datagram.
        quoted: QuotedDatagram<'a>,
    },
    /// Time Exceeded (type 11). The four unused bytes are ignored and emitted as zeros.
    TimeExceeded {
        /// TTL expired in transit, or reassembly timed out.
        code: TimeExceededCode,
        /// The start of the discarded datagram.
        quoted: QuotedDatagram<'a>,
    },
    /// Any other message, kept whole.
    Other {
        /// The Type field.
        msg_type: IcmpType,
        /// The Code field.
        code: u8,
        /// The four type-specific bytes after the checksum.
        rest_of_header: [u8; 4],
        /// Everything after the header.
        data: &'a [u8],
    },
}

impl<'a> IcmpRepr<'a> {
    /// Reads a checked message after verifying its checksum over the whole buffer.
    ///
    /// Error messages must quote a whole IPv4 header ([`ParseError::Quoted`] otherwise);
    /// the quoted payload may be any length.
    #[inline]
    pub fn parse(packet: &IcmpPacket<&'a [u8]>) -> Result<Self, ParseError> {
        Self::parse_with(packet, ChecksumCheck::Verify)
    }

    /// [`IcmpRepr::parse`], checking the checksum only when `check` says so.
    #[inline]
    pub fn parse_with(packet: &IcmpPacket<&'a [u8]>, check: ChecksumCheck) -> Result<Self, ParseError> {
        packet.check_len()?;
        if check == ChecksumCheck::Verify && !packet.verify_checksum() {
            return Err(ParseError::BadChecksum {
                found: packet.checksum(),
                computed: packet.compute_checksum(),
            });
        }
        let bytes: &'a [u8] = packet.clone().into_inner();
        // `check_len` proved the header is there.
        let data = bytes.get(HEADER_LEN..).unwrap_or_default();
        let code = packet.msg_code();
        Ok(match (packet.msg_type(), code) {
            (IcmpType::ECHO_REQUEST, 0) => {
                Self::EchoRequest { ident: packet.echo_ident(), seq_no: packet.echo_seq_no(), data }
            }
            (IcmpType::ECHO_REPLY, 0) => {
                Self::EchoReply { ident: packet.echo_ident(), seq_no: packet.echo_seq_no(), data }
            }
            (IcmpType::DEST_UNREACHABLE, _) => {
                let code = UnreachableCode(code);
                Self::DestinationUnreachable {
                    code,
                    next_hop_mtu: if code == UnreachableCode::FRAG_NEEDED {
                        packet.next_hop_mtu()
                    } else {
                        0
                    },
                    quoted: QuotedDatagram::parse(data)?,
                }
            }
            (IcmpType::TIME_EXCEEDED, _) => {
                Self::TimeExceeded { code: TimeExceededCode(code), quoted: QuotedDatagram::parse(data)? }
            }
            (msg_type, code) => Self::Other { msg_type, code, rest_of_header: packet.rest_of_header(), data },
        })
    }

    /// The Type field this repr emits.
    pub const fn msg_type(&self) -> IcmpType {
        match self {
            Self::EchoRequest { .. } => IcmpType::ECHO_REQUEST,
            Self::EchoReply { .. } => IcmpType::ECHO_REPLY,
            Self::DestinationUnreachable { .. } => IcmpType::DEST_UNREACHABLE,
            Self::TimeExceeded { .. } => IcmpType::TIME_EXCEEDED,
            Self::Other { msg_type, .. } => *msg_type,
        }
    }

    /// The Code field this repr emits.
    pub const fn msg_code(&self) -> u8 {
        match self {
            Self::EchoRequest { .. } | Self::EchoReply { .. } => 0,
            Self::DestinationUnreachable { code, .. } => code.0,
            Self::TimeExceeded { code, .. } => code.0,
            Self::Other { code, .. } => *code,
        }
    }

    /// The datagram an error message quotes, for the variants that parse one.
    pub const fn quoted(&self) -> Option<&QuotedDatagram<'a>> {
        match self {
            Self::DestinationUnreachable { quoted, .. } | Self::TimeExceeded { quoted, .. } => Some(quoted),
            _ => None,
        }
    }

    /// The reply to an echo request: same identifier, sequence number and data
    /// (RFC 1122 §3.2.2.6). `None` for any other message.
    pub const fn echo_reply_to(&self) -> Option<Self> {
        match *self {
            Self::EchoRequest { ident, seq_no, data } => Some(Self::EchoReply { ident, seq_no, data }),
            _ => None,
        }
    }

    /// Length of the message this repr emits: 8 bytes of header plus the data.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
            + match self {
                Self::EchoRequest { data, .. } | Self::EchoReply { data, .. } | Self::Other { data, .. } => {
                    data.len()
                }
                Self::DestinationUnreachable { quoted, .. } | Self::TimeExceeded { quoted, .. } => {
                    quoted.buffer_len()
                }
            }
    }

    /// The four type-specific bytes after the checksum.
    fn rest_of_header(&self) -> [u8; 4] {
        match *self {
            Self::EchoRequest { ident, seq_no, .. } | Self::EchoReply { ident, seq_no, .. } => {
                let [i0, i1] = ident.to_be_bytes();
                let [s0, s1] = seq_no.to_be_bytes();
                [i0, i1, s0, s1]
            }
            Self::DestinationUnreachable { code, next_hop_mtu, .. }
                if code == UnreachableCode::FRAG_NEEDED =>
            {
                let [m0, m1] = next_hop_mtu.to_be_bytes();
                [0, 0, m0, m1]
            }
            Self::DestinationUnreachable { .. } | Self::TimeExceeded { .. } => [0; 4],
            Self::Other { rest_of_header, .. } => rest_of_header,
        }
    }

    /// Writes the message into the first [`IcmpRepr::buffer_len`] bytes of `packet` and
    /// fills the checksum over exactly those bytes.
    ///
    /// Never panics; fails on a buffer shorter than [`IcmpRepr::buffer_len`]. Bytes past
    /// the message are left alone.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut IcmpPacket<T>) -> Result<(), EmitError> {
        let needed = self.buffer_len();
        let buffer = packet.as_mut_slice();
        let actual = buffer.len();
        let message = buffer.get_mut(..needed).ok_or(EmitError::BufferTooSmall { needed, actual })?;
        let mut packet = IcmpPacket::new_unchecked(message);
        packet.set_msg_type(self.msg_type());
        packet.set_msg_code(self.msg_code());
        packet.set_rest_of_header(self.rest_of_header());
        let data = packet.data_mut();
        match self {
            Self::EchoRequest { data: bytes, .. }
            | Self::EchoReply { data: bytes, .. }
            | Self::Other { data: bytes, .. } => data.copy_from_slice(bytes),
            Self::DestinationUnreachable { quoted, .. } | Self::TimeExceeded { quoted, .. } => {
                // `data` is exactly `quoted.buffer_len()` bytes, so this always writes.
                let _ = quoted.copy_to(data);
            }
        }
        packet.fill_checksum();
        Ok(())
    }

    /// Builds the whole message in a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = vec![0; self.buffer_len()];
        // The vector has exactly the length `emit` asks for, so this cannot fail.
        let _ = self.emit(&mut IcmpPacket::new_unchecked(&mut bytes[..]));
        bytes
    }
}
