//! DHCP options (RFC 2132): codes, typed values, and the option-area parser and encoder.
//!
//! An option area is a sequence of `code len value` triples, single-byte Pad (0) options,
//! and a closing End (255). Following RFC 3396, every occurrence of one code in a message
//! (across the options, `file` and `sname` areas) is one option whose value is the
//! concatenation of the pieces; the encoder splits values longer than 255 bytes the same
//! way. Typed variants check their value's length; any other code is kept as bytes.

use core::net::Ipv4Addr;

use nom::IResult;
use nom::Parser;
use nom::bytes::complete::take;
use nom::number::complete::be_u8;

use crate::{EmitError, ParseError};

common::protocol_number! {
    /// A DHCP option code, with named constants for the ones this crate knows.
    pub struct OptionCode(u8) as "{}" {
        /// 0: Pad.
        PAD = 0 => "Pad",
        /// 1: Subnet Mask.
        SUBNET_MASK = 1 => "Subnet Mask",
        /// 3: Router.
        ROUTER = 3 => "Router",
        /// 6: Domain Name Server.
        DOMAIN_NAME_SERVER = 6 => "Domain Name Server",
        /// 12: Host Name.
        HOST_NAME = 12 => "Host Name",
        /// 15: Domain Name.
        DOMAIN_NAME = 15 => "Domain Name",
        /// 28: Broadcast Address.
        BROADCAST_ADDRESS = 28 => "Broadcast Address",
        /// 50: Requested IP Address.
        REQUESTED_IP_ADDRESS = 50 => "Requested IP Address",
        /// 51: IP Address Lease Time.
        LEASE_TIME = 51 => "IP Address Lease Time",
        /// 52: Option Overload (consumed by the parser, never in a repr's option list).
        OVERLOAD = 52 => "Option Overload",
        /// 53: DHCP Message Type.
        MESSAGE_TYPE = 53 => "DHCP Message Type",
        /// 54: Server Identifier.
        SERVER_IDENTIFIER = 54 => "Server Identifier",
        /// 55: Parameter Request List.
        PARAMETER_REQUEST_LIST = 55 => "Parameter Request List",
        /// 56: Message (an error text, e.g. in a NAK).
        MESSAGE = 56 => "Message",
        /// 57: Maximum DHCP Message Size.
        MAX_MESSAGE_SIZE = 57 => "Maximum DHCP Message Size",
        /// 58: Renewal (T1) Time Value.
        RENEWAL_TIME = 58 => "Renewal Time Value",
        /// 59: Rebinding (T2) Time Value.
        REBINDING_TIME = 59 => "Rebinding Time Value",
        /// 61: Client Identifier.
        CLIENT_IDENTIFIER = 61 => "Client Identifier",
        /// 255: End.
        END = 255 => "End",
    }
}

common::protocol_number! {
    /// The DHCP message type (option 53), lossless: unknown values are kept.
    pub struct MessageType(u8) as "{}" {
        /// 1: DHCPDISCOVER.
        DISCOVER = 1 => "Discover",
        /// 2: DHCPOFFER.
        OFFER = 2 => "Offer",
        /// 3: DHCPREQUEST.
        REQUEST = 3 => "Request",
        /// 4: DHCPDECLINE.
        DECLINE = 4 => "Decline",
        /// 5: DHCPACK.
        ACK = 5 => "ACK",
        /// 6: DHCPNAK.
        NAK = 6 => "NAK",
        /// 7: DHCPRELEASE.
        RELEASE = 7 => "Release",
        /// 8: DHCPINFORM.
        INFORM = 8 => "Inform",
    }
}

/// One DHCP option, typed where this crate knows the code.
///
/// End (255) is not a variant: the parser stops at it and the encoder always writes it.
/// Option Overload (52) is not one either: the parser reads the `file`/`sname` areas it
/// names and merges their options into the list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DhcpOption {
    /// 0: one byte of padding, kept so messages re-emit byte for byte.
    Pad,
    /// 1: the subnet mask.
    SubnetMask(Ipv4Addr),
    /// 3: routers, in order of preference (at least one).
    Router(Vec<Ipv4Addr>),
    /// 6: DNS servers, in order of preference (at least one).
    DomainNameServer(Vec<Ipv4Addr>),
    /// 12: the client's host name (at least one byte; not necessarily UTF-8).
    HostName(Vec<u8>),
    /// 15: the domain name for host name resolution (at least one byte).
    DomainName(Vec<u8>),
    /// 28: the subnet's broadcast address.
    BroadcastAddress(Ipv4Addr),
    /// 50: the address a client asks for.
    RequestedIpAddress(Ipv4Addr),
    /// 51: lease time in seconds (0xffff_ffff: infinite).
    LeaseTime(u32),
    /// 53: the DHCP message type.
    MessageType(MessageType),
    /// 54: the server identifier.
    ServerIdentifier(Ipv4Addr),
    /// 55: the options a client asks for (at least one).
    ParameterRequestList(Vec<OptionCode>),
    /// 57: the largest message the sender accepts.
    MaxMessageSize(u16),
    /// 58: T1, seconds from binding to renewing.
    RenewalTime(u32),
    /// 59: T2, seconds from binding to rebinding.
    RebindingTime(u32),
    /// 61: the client identifier (type byte and identifier, at least 2 bytes).
    ClientIdentifier(Vec<u8>),
    /// Any other option (also 56, Message), value kept as received.
    Other {
        /// The option's code (not 0, 52 or 255).
        code: OptionCode,
        /// The (concatenated) value.
        data: Vec<u8>,
    },
}

impl DhcpOption {
    /// The option's code.
    pub const fn code(&self) -> OptionCode {
        match self {
            Self::Pad => OptionCode::PAD,
            Self::SubnetMask(_) => OptionCode::SUBNET_MASK,
            Self::Router(_) => OptionCode::ROUTER,
            Self::DomainNameServer(_) => OptionCode::DOMAIN_NAME_SERVER,
            Self::HostName(_) => OptionCode::HOST_NAME,
            Self::DomainName(_) => OptionCode::DOMAIN_NAME,
            Self::BroadcastAddress(_) => OptionCode::BROADCAST_ADDRESS,
            Self::RequestedIpAddress(_) => OptionCode::REQUESTED_IP_ADDRESS,
            Self::LeaseTime(_) => OptionCode::LEASE_TIME,
            Self::MessageType(_) => OptionCode::MESSAGE_TYPE,
            Self::ServerIdentifier(_) => OptionCode::SERVER_IDENTIFIER,
            Self::ParameterRequestList(_) => OptionCode::PARAMETER_REQUEST_LIST,
            Self::MaxMessageSize(_) => OptionCode::MAX_MESSAGE_SIZE,
            Self::RenewalTime(_) => OptionCode::RENEWAL_TIME,
            Self::RebindingTime(_) => OptionCode::REBINDING_TIME,
            Self::ClientIdentifier(_) => OptionCode::CLIENT_IDENTIFIER,
            Self::Other { code, .. } => *code,
        }
    }

    /// Length of the value (for a long option, of all its pieces together).
    pub fn value_len(&self) -> usize {
        match self {
            Self::Pad => 0,
            Self::MessageType(_) => 1,
            Self::MaxMessageSize(_) => 2,
            Self::SubnetMask(_)
            | Self::BroadcastAddress(_)
            | Self::RequestedIpAddress(_)
            | Self::ServerIdentifier(_)
            | Self::LeaseTime(_)
            | Self::RenewalTime(_)
            | Self::RebindingTime(_) => 4,
            Self::Router(list) | Self::DomainNameServer(list) => list.len().saturating_mul(4),
            Self::HostName(v) | Self::DomainName(v) | Self::ClientIdentifier(v) => v.len(),
            Self::ParameterRequestList(list) => list.len(),
            Self::Other { data, .. } => data.len(),
        }
    }

    /// Bytes the option takes on the wire: 1 for Pad; otherwise 2 per 255-byte piece
    /// (at least one piece) plus the value.
    pub fn wire_len(&self) -> usize {
        if matches!(self, Self::Pad) {
            return 1;
        }
        let len = self.value_len();
        let pieces = len.div_ceil(255).max(1);
        pieces.saturating_mul(2).saturating_add(len)
    }

    /// Checks that the parser would accept this option back unchanged.
    pub(crate) fn check_emit(&self) -> Result<(), EmitError> {
        let len = self.value_len();
        let code = self.code();
        let ok = match self {
            Self::Router(list) | Self::DomainNameServer(list) => !list.is_empty(),
            Self::HostName(v) | Self::DomainName(v) => !v.is_empty(),
            Self::ParameterRequestList(list) => !list.is_empty(),
            Self::ClientIdentifier(v) => v.len() >= 2,
            Self::Other { code, .. } => !matches!(code.0, 0 | 52 | 255),
            _ => true,
        };
        if ok { Ok(()) } else { Err(EmitError::BadOption { code, len }) }
    }

    /// Writes the value bytes (all pieces together).
    fn write_value(&self, out: &mut impl Sink) {
        match self {
            Self::Pad => {}
            Self::SubnetMask(a)
            | Self::BroadcastAddress(a)
            | Self::RequestedIpAddress(a)
            | Self::ServerIdentifier(a) => out.put(&a.octets()),
            Self::Router(list) | Self::DomainNameServer(list) => {
                for a in list {
                    out.put(&a.octets());
                }
            }
            Self::HostName(v) | Self::DomainName(v) | Self::ClientIdentifier(v) => out.put(v),
            Self::LeaseTime(v) | Self::RenewalTime(v) | Self::RebindingTime(v) => out.put(&v.to_be_bytes()),
            Self::MessageType(t) => out.put(&[t.0]),
            Self::ParameterRequestList(list) => {
                for c in list {
                    out.put(&[c.0]);
                }
            }
            Self::MaxMessageSize(v) => out.put(&v.to_be_bytes()),
            Self::Other { data, .. } => out.put(data),
        }
    }

    /// Decodes a (concatenated) value of `code`.
    pub(crate) fn decode(code: u8, value: &[u8]) -> Result<Self, ParseError> {
        let code = OptionCode(code);
        let bad = || ParseError::BadOptionLength { code, len: value.len() };
        let addr = || -> Result<Ipv4Addr, ParseError> {
            <[u8; 4]>::try_from(value).map(Ipv4Addr::from).map_err(|_| bad())
        };
        let u32_value = || -> Result<u32, ParseError> {
            <[u8; 4]>::try_from(value).map(u32::from_be_bytes).map_err(|_| bad())
        };
        let addrs = || -> Result<Vec<Ipv4Addr>, ParseError> {
            if value.is_empty() || !value.len().is_multiple_of(4) {
                return Err(bad());
            }
            Ok(value.chunks_exact(4).map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3])).collect())
        };
        let nonempty = || if value.is_empty() { Err(bad()) } else { Ok(value.to_vec()) };
        Ok(match code {
            OptionCode::SUBNET_MASK => Self::SubnetMask(addr()?),
            OptionCode::ROUTER => Self::Router(addrs()?),
            OptionCode::DOMAIN_NAME_SERVER => Self::DomainNameServer(addrs()?),
            OptionCode::HOST_NAME => Self::HostName(nonempty()?),
            OptionCode::DOMAIN_NAME => Self::DomainName(nonempty()?),
            OptionCode::BROADCAST_ADDRESS => Self::BroadcastAddress(addr()?),
            OptionCode::REQUESTED_IP_ADDRESS => Self::RequestedIpAddress(addr()?),
            OptionCode::LEASE_TIME => Self::LeaseTime(u32_value()?),
            OptionCode::MESSAGE_TYPE => match value {
                [t] => Self::MessageType(MessageType(*t)),
                _ => return Err(bad()),
            },
            OptionCode::SERVER_IDENTIFIER => Self::ServerIdentifier(addr()?),
            OptionCode::PARAMETER_REQUEST_LIST => {
                Self::ParameterRequestList(nonempty()?.into_iter().map(OptionCode).collect())
            }
            OptionCode::MAX_MESSAGE_SIZE => match value {
                [a, b] => Self::MaxMessageSize(u16::from_be_bytes([*a, *b])),
                _ => return Err(bad()),
            },
            OptionCode::RENEWAL_TIME => Self::RenewalTime(u32_value()?),
            OptionCode::REBINDING_TIME => Self::RebindingTime(u32_value()?),
            OptionCode::CLIENT_IDENTIFIER => {
                if value.len() < 2 {
                    return Err(bad());
                }
                Self::ClientIdentifier(value.to_vec())
            }
            code => Self::Other { code, data: value.to_vec() },
        })
    }
}

/// One item of an option area, before RFC 3396 concatenation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawOption<'a> {
    Pad,
    End,
    Value(u8, &'a [u8]),
}

/// Parses one item of an option area. nom's errors are mapped by the caller, which
/// knows the offset.
fn raw_option(input: &[u8]) -> IResult<&[u8], RawOption<'_>> {
    let (rest, code) = be_u8(input)?;
    match code {
        0 => Ok((rest, RawOption::Pad)),
        255 => Ok((rest, RawOption::End)),
        _ => {
            let (rest, value) = be_u8.flat_map(take).parse(rest)?;
            Ok((rest, RawOption::Value(code, value)))
        }
    }
}

/// Splits an option area into raw items, calling `sink` for each, until End or the end
/// of the area. Returns whether End was seen. `base` is the area's offset in the message.
pub(crate) fn walk_area<'a>(
    area: &'a [u8],
    base: usize,
    mut sink: impl FnMut(RawOption<'a>),
) -> Result<bool, ParseError> {
    let mut input = area;
    while !input.is_empty() {
        let offset = base + (area.len() - input.len());
        let code = OptionCode(input[0]);
        let Ok((rest, item)) = raw_option(input) else {
            return Err(ParseError::TruncatedOption { code, offset });
        };
        input = rest;
        if item == RawOption::End {
            return Ok(true);
        }
        sink(item);
    }
    Ok(false)
}

/// Where encoded bytes go.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A cursor over a buffer that [`crate::DhcpRepr::buffer_len`] sized; writes past its
/// end are dropped and flagged rather than panicking.
#[derive(Debug)]
pub(crate) struct SliceWriter<'a> {
    pub(crate) buf: &'a mut [u8],
    pub(crate) pos: usize,
    pub(crate) overflow: bool,
}

impl Sink for SliceWriter<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos.saturating_add(bytes.len());
        match self.buf.get_mut(self.pos..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.pos = end;
            }
            None => self.overflow = true,
        }
    }
}

/// Checks every option can be written and returns the bytes they take, End included.
pub(crate) fn options_len(options: &[DhcpOption]) -> Result<usize, EmitError> {
    let mut len = 1usize;
    for option in options {
        option.check_emit()?;
        len = len.saturating_add(option.wire_len());
    }
    Ok(len)
}

/// Writes `options` (already checked by [`options_len`]) and the End option, splitting
/// values longer than 255 bytes into consecutive pieces (RFC 3396).
pub(crate) fn encode_options(options: &[DhcpOption], out: &mut impl Sink) {
    let mut long = Vec::new();
    for option in options {
        if matches!(option, DhcpOption::Pad) {
            out.put(&[0]);
            continue;
        }
        let code = option.code().0;
        let len = option.value_len();
        if let Ok(len) = u8::try_from(len) {
            out.put(&[code, len]);
            option.write_value(out);
            continue;
        }
        long.clear();
        option.write_value(&mut long);
        for piece in long.chunks(255) {
            // `chunks(255)` makes every piece at most 255 bytes long.
            out.put(&[code, u8::try_from(piece.len()).unwrap_or(u8::MAX)]);
            out.put(piece);
        }
    }
    out.put(&[OptionCode::END.0]);
}
