//! What the tracker reads from a datagram: its tuple and the few transport fields that
//! drive state (TCP flags, sequence numbers, window; ICMP type; an error's quote).

use std::net::Ipv4Addr;

use icmp::IcmpType;
use ipv4::IpProtocol;
use tcp::TcpFlags;

use crate::error::PacketError;
use crate::tuple::Tuple;

/// The TCP fields connection tracking reads (RFC 9293 §3.1).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TcpSegmentInfo {
    /// The flags.
    pub flags: TcpFlags,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number (meaningful with ACK).
    pub ack: u32,
    /// The raw window field (unscaled).
    pub window: u16,
    /// Bytes of data.
    pub payload_len: u32,
    /// The window scale option (RFC 7323 §2.2), on SYNs that carry it.
    pub window_scale: Option<u8>,
}

impl TcpSegmentInfo {
    /// Sequence space the segment occupies: its data, plus one for SYN and for FIN.
    pub fn seq_len(&self) -> u32 {
        self.payload_len
            + u32::from(self.flags.contains(TcpFlags::SYN))
            + u32::from(self.flags.contains(TcpFlags::FIN))
    }
}

/// What kind of packet this is, as far as tracking goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PacketKind {
    /// A TCP segment.
    Tcp(TcpSegmentInfo),
    /// A UDP datagram.
    Udp,
    /// An ICMP query message (echo, timestamp, information, address mask).
    IcmpQuery {
        /// Its type.
        icmp_type: IcmpType,
        /// Whether it is a request (which may open a flow) rather than a reply.
        request: bool,
    },
    /// An ICMP error quoting a datagram of some flow (RFC 792).
    IcmpError {
        /// Its type.
        icmp_type: IcmpType,
        /// Its code.
        code: u8,
        /// The tuple of the quoted datagram, as that datagram travelled.
        quoted: Tuple,
    },
    /// An ICMP message that is neither a query nor an error about a flow (router
    /// advertisements, unknown types).
    IcmpOther {
        /// Its type.
        icmp_type: IcmpType,
    },
    /// Another protocol: tracked by addresses only.
    Other,
    /// A fragment other than the first: it carries no transport header, so it has no
    /// ports.
    LaterFragment,
}

/// A datagram as the tracker sees it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Packet {
    /// The flow key the datagram carries.
    pub tuple: Tuple,
    /// Transport details.
    pub kind: PacketKind,
    /// Length of the IPv4 header.
    pub header_len: usize,
    /// Length of the whole datagram.
    pub len: usize,
}

fn word(bytes: &[u8], at: usize) -> Option<u16> {
    bytes.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

fn long(bytes: &[u8], at: usize) -> Option<u32> {
    bytes.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn addr(bytes: &[u8], at: usize) -> Ipv4Addr {
    let mut octets = [0; 4];
    octets.copy_from_slice(&bytes[at..at + 4]);
    Ipv4Addr::from(octets)
}

/// Whether ICMP messages of this type are queries, and if so whether requests.
fn icmp_query(icmp_type: IcmpType) -> Option<bool> {
    match icmp_type {
        IcmpType::ECHO_REQUEST
        | IcmpType::TIMESTAMP
        | IcmpType::INFO_REQUEST
        | IcmpType::ADDRESS_MASK_REQUEST => Some(true),
        IcmpType::ECHO_REPLY
        | IcmpType::TIMESTAMP_REPLY
        | IcmpType::INFO_REPLY
        | IcmpType::ADDRESS_MASK_REPLY => Some(false),
        _ => None,
    }
}

/// The IPv4 header's fields tracking needs: header length, total length, protocol,
/// addresses, and whether this is a later fragment. `lax` accepts a datagram cut short
/// after its header (as an ICMP error quotes it).
fn ip_header(
    bytes: &[u8],
    lax: bool,
) -> Result<(usize, usize, IpProtocol, Ipv4Addr, Ipv4Addr, bool), PacketError> {
    let first = *bytes.first().ok_or(PacketError::Truncated)?;
    if first >> 4 != 4 {
        return Err(PacketError::NotIpv4);
    }
    let header_len = usize::from(first & 0x0f) * 4;
    if header_len < 20 {
        return Err(PacketError::BadHeaderLength);
    }
    if bytes.len() < header_len {
        return Err(PacketError::Truncated);
    }
    let total_len = usize::from(word(bytes, 2).unwrap_or(0));
    if total_len < header_len || (!lax && total_len > bytes.len()) {
        return Err(PacketError::BadTotalLength);
    }
    let later_fragment = word(bytes, 6).unwrap_or(0) & 0x1fff != 0;
    Ok((header_len, total_len, IpProtocol(bytes[9]), addr(bytes, 12), addr(bytes, 16), later_fragment))
}

/// The tuple of the datagram an ICMP error quotes: its header and at least the first
/// 8 bytes of its transport header (RFC 792).
fn quoted_tuple(quote: &[u8]) -> Result<Tuple, PacketError> {
    let (header_len, _, protocol, src, dst, later_fragment) = ip_header(quote, true)?;
    let transport = &quote[header_len..];
    if later_fragment {
        return Ok(Tuple::new(protocol, src, 0, dst, 0));
    }
    let (src_port, dst_port) = match protocol {
        IpProtocol::TCP | IpProtocol::UDP => (
            word(transport, 0).ok_or(PacketError::Truncated)?,
            word(transport, 2).ok_or(PacketError::Truncated)?,
        ),
        IpProtocol::ICMP => {
            let icmp_type = IcmpType(*transport.first().ok_or(PacketError::Truncated)?);
            // An error is never sent about an error (RFC 1122 §3.2.2), so only a query can
            // be quoted meaningfully.
            if icmp_query(icmp_type).is_none() {
                return Err(PacketError::QuotedError);
            }
            let id = word(transport, 4).ok_or(PacketError::Truncated)?;
            (id, id)
        }
        _ => (0, 0),
    };
    Ok(Tuple::new(protocol, src, src_port, dst, dst_port))
}

impl Packet {
    /// Reads a whole IPv4 datagram (header first). Checksums are not verified: the end
    /// hosts do that, and the incremental updates of RFC 1624 keep a bad checksum bad.
    ///
    /// ```
    /// use conntrack::{Packet, PacketKind};
    /// // A UDP datagram 192.168.1.1:5353 → 10.1.2.53:53 with 4 bytes of data.
    /// let datagram = [
    ///     0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 192, 168, 1, 1, 10, 1, 2, 53,
    ///     0x14, 0xe9, 0, 53, 0, 12, 0, 0, 1, 2, 3, 4,
    /// ];
    /// let packet = Packet::parse(&datagram)?;
    /// assert_eq!(packet.kind, PacketKind::Udp);
    /// assert_eq!(packet.tuple.to_string(), "UDP 192.168.1.1:5353 → 10.1.2.53:53");
    /// # Ok::<(), conntrack::PacketError>(())
    /// ```
    pub fn parse(datagram: &[u8]) -> Result<Self, PacketError> {
        let (header_len, len, protocol, src, dst, later_fragment) = ip_header(datagram, false)?;
        let transport = &datagram[header_len..len];
        let flow = |src_port, dst_port| Tuple::new(protocol, src, src_port, dst, dst_port);
        if later_fragment {
            let tuple = flow(0, 0);
            return Ok(Self { tuple, kind: PacketKind::LaterFragment, header_len, len });
        }
        let truncated = PacketError::Truncated;
        let (tuple, kind) = match protocol {
            IpProtocol::TCP => {
                let offset = usize::from(transport.get(12).ok_or(truncated)? >> 4) * 4;
                if offset < tcp::HEADER_LEN || offset > transport.len() {
                    return Err(PacketError::BadTcpHeader);
                }
                let flags = TcpFlags(word(transport, 12).ok_or(truncated)? & 0x0fff);
                let window_scale = if flags.contains(TcpFlags::SYN) {
                    tcp::TcpOptions::parse(&transport[tcp::HEADER_LEN..offset])
                        .ok()
                        .and_then(|o| o.window_scale())
                } else {
                    None
                };
                let segment = TcpSegmentInfo {
                    flags,
                    seq: long(transport, 4).ok_or(truncated)?,
                    ack: long(transport, 8).ok_or(truncated)?,
                    window: word(transport, 14).ok_or(truncated)?,
                    payload_len: u32::try_from(transport.len() - offset).unwrap_or(u32::MAX),
                    window_scale,
                };
                let tuple = flow(word(transport, 0).ok_or(truncated)?, word(transport, 2).ok_or(truncated)?);
                (tuple, PacketKind::Tcp(segment))
            }
            IpProtocol::UDP => {
                if transport.len() < 8 {
                    return Err(truncated);
                }
                (
                    flow(word(transport, 0).ok_or(truncated)?, word(transport, 2).ok_or(truncated)?),
                    PacketKind::Udp,
                )
            }
            IpProtocol::ICMP => {
                if transport.len() < 8 {
                    return Err(truncated);
                }
                let icmp_type = IcmpType(transport[0]);
                if let Some(request) = icmp_query(icmp_type) {
                    let id = word(transport, 4).ok_or(truncated)?;
                    (flow(id, id), PacketKind::IcmpQuery { icmp_type, request })
                } else if icmp_type.is_error() {
                    let quoted = quoted_tuple(&transport[8..])?;
                    (flow(0, 0), PacketKind::IcmpError { icmp_type, code: transport[1], quoted })
                } else {
                    (flow(0, 0), PacketKind::IcmpOther { icmp_type })
                }
            }
            _ => (flow(0, 0), PacketKind::Other),
        };
        Ok(Self { tuple, kind, header_len, len })
    }

    /// The TCP fields, for a TCP segment.
    pub const fn tcp(&self) -> Option<&TcpSegmentInfo> {
        match &self.kind {
            PacketKind::Tcp(segment) => Some(segment),
            _ => None,
        }
    }
}
