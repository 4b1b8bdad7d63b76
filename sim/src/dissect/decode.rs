//! Decoding one captured frame into layers of fields with the workspace's parsers.

use core::fmt;
use std::net::Ipv4Addr;
use std::time::Duration;

use arp::ArpPacket;
use ethernet::{EtherType, Frame, MacAddress};
use icmp::{IcmpPacket, IcmpType, QuotedDatagram};
use ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr, Reassembler, ReassemblyConfig, ReassemblyError};
use udp::UdpPacket;

use super::fields::{Field, Value};
use super::reader::{CapturedPacket, is_ethernet};

/// Reassembly limits: at most 64 partial datagrams and 1 MiB of buffers, each datagram
/// given 30 s of capture time (Linux's `ipfrag_time`) to complete; fragments beyond the
/// limits are refused (a [`Note::Reassembly`] says so), never buffered.
///
/// Like tshark, fragments are collected by (source, destination, protocol,
/// identification) whatever interface they were captured on, so a datagram seen on two
/// links of a simulation is reassembled from whichever copies complete it first.
pub const REASSEMBLY_CONFIG: ReassemblyConfig =
    ReassemblyConfig { max_datagrams: 64, max_bytes_in_flight: 1 << 20, timeout: Duration::from_secs(30) };

/// What tshark prints as `frame.interface_name` for a pcapng interface without `if_name`.
const UNNAMED_INTERFACE: &str = "unknown";

/// A protocol layer of a dissection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// Capture metadata: number, times, lengths, interface.
    Frame,
    /// Ethernet II.
    Ethernet,
    /// ARP.
    Arp,
    /// IPv4.
    Ipv4,
    /// ICMP.
    Icmp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// The short name tshark uses for the layer (`eth`, `ip`, ...).
    pub const fn filter_name(self) -> &'static str {
        match self {
            Self::Frame => "frame",
            Self::Ethernet => "eth",
            Self::Arp => "arp",
            Self::Ipv4 => "ip",
            Self::Icmp => "icmp",
            Self::Udp => "udp",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Frame => "frame",
            Self::Ethernet => "Ethernet",
            Self::Arp => "ARP",
            Self::Ipv4 => "IPv4",
            Self::Icmp => "ICMP",
            Self::Udp => "UDP",
        })
    }
}

/// Where a layer's bytes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Origin {
    /// The frame itself.
    Frame,
    /// The datagram quoted inside an ICMP error.
    Quoted,
    /// A datagram reassembled from this frame and earlier fragments; offsets are within
    /// the reassembled payload.
    Reassembled,
}

/// One decoded layer: its fields in the order tshark lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// Which protocol.
    pub protocol: Protocol,
    /// Where its header starts: in the frame, or in the reassembled payload.
    pub offset: usize,
    /// Where its bytes come from.
    pub origin: Origin,
    /// The fields, in wire order.
    pub fields: Vec<(Field, Value)>,
}

impl Layer {
    fn new(protocol: Protocol, offset: usize, origin: Origin) -> Self {
        Self { protocol, offset, origin, fields: Vec::new() }
    }

    fn push(&mut self, field: Field, value: Value) {
        self.fields.push((field, value));
    }

    /// The value of `field` in this layer.
    pub fn get(&self, field: Field) -> Option<&Value> {
        self.fields.iter().find(|(name, _)| *name == field).map(|(_, value)| value)
    }
}

/// Why a layer could not be decoded; decoding of the frame stops there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// The capture's link layer is not Ethernet.
    #[error("link type {0} is not Ethernet")]
    LinkType(u32),
    /// The Ethernet header.
    #[error(transparent)]
    Ethernet(#[from] ethernet::ParseError),
    /// The ARP packet.
    #[error(transparent)]
    Arp(#[from] arp::ParseError),
    /// The IPv4 header.
    #[error(transparent)]
    Ipv4(#[from] ipv4::ParseError),
    /// The ICMP message.
    #[error(transparent)]
    Icmp(#[from] icmp::ParseError),
    /// The UDP header.
    #[error(transparent)]
    Udp(#[from] udp::ParseError),
}

/// A layer that failed to decode, where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {protocol}{quoted} at offset {offset}: {error}", quoted = quoted_label(*.origin))]
pub struct LayerError {
    /// The layer being decoded.
    pub protocol: Protocol,
    /// Where its bytes start (in the frame, or in the reassembled payload).
    pub offset: usize,
    /// Where its bytes come from.
    pub origin: Origin,
    /// What was wrong.
    pub error: Malformed,
}

fn quoted_label(origin: Origin) -> &'static str {
    match origin {
        Origin::Frame => "",
        Origin::Quoted => " (quoted in ICMP error)",
        Origin::Reassembled => " (reassembled)",
    }
}

/// Something odd about a frame that did not stop its decoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Note {
    /// The IPv4 header checksum is wrong (the frame is still decoded, as tshark does).
    #[error("bad IPv4 header checksum {found:#06x} (should be {expected:#06x})")]
    BadIpv4Checksum {
        /// As carried.
        found: u16,
        /// As computed.
        expected: u16,
    },
    /// The ICMP checksum is wrong.
    #[error("bad ICMP checksum {found:#06x} (should be {expected:#06x})")]
    BadIcmpChecksum {
        /// As carried.
        found: u16,
        /// As computed.
        expected: u16,
    },
    /// The UDP checksum is wrong.
    #[error("bad UDP checksum {found:#06x} (should be {expected:#06x})")]
    BadUdpChecksum {
        /// As carried.
        found: u16,
        /// As computed.
        expected: u16,
    },
    /// An IEEE 802.3 frame (length field instead of EtherType): its payload is not decoded.
    #[error("IEEE 802.3 frame with length {0}: payload not decoded")]
    Ieee8023(u16),
    /// The capture holds only the first bytes of the frame (its snaplen cut it short):
    /// what lies beyond them is not decoded, and not reported as malformed.
    #[error("packet size limited during capture: {captured} of {original} bytes")]
    Cut {
        /// Bytes captured.
        captured: usize,
        /// Bytes on the wire.
        original: u32,
    },
    /// A fragment was refused by the reassembler.
    #[error("fragment not reassembled: {0}")]
    Reassembly(ReassemblyError),
}

/// Everything decoded from one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dissection {
    /// 1-based frame number.
    pub number: u64,
    /// Length on the wire.
    pub original_len: u32,
    /// The layers decoded, outermost first; the first is always [`Protocol::Frame`].
    pub layers: Vec<Layer>,
    /// The IP protocol of an IPv4 payload left undecoded (TCP, a fragment not yet
    /// reassembled, ...), for summaries.
    pub undecoded: Option<IpProtocol>,
    /// Oddities that did not stop decoding.
    pub notes: Vec<Note>,
    /// The layer that failed to decode, if one did.
    pub error: Option<LayerError>,
}

impl Dissection {
    /// Every value of `field`, outermost layer first (a quoted header's `ip.src` comes
    /// after the frame's own).
    pub fn values(&self, field: Field) -> impl Iterator<Item = &Value> {
        self.layers
            .iter()
            .flat_map(|layer| layer.fields.iter())
            .filter(move |(name, _)| *name == field)
            .map(|(_, value)| value)
    }

    /// The layers that are part of the frame's own stack (not quoted in an ICMP error).
    pub fn own_layers(&self) -> impl Iterator<Item = &Layer> {
        self.layers.iter().filter(|layer| layer.origin != Origin::Quoted)
    }

    /// `tshark -T fields` output for these fields: values of one field joined by `,`,
    /// fields separated by tabs.
    pub fn fields_row(&self, fields: &[Field]) -> String {
        fields
            .iter()
            .map(|field| self.values(*field).map(ToString::to_string).collect::<Vec<_>>().join(","))
            .collect::<Vec<_>>()
            .join("\t")
    }
}

/// Decodes frames one at a time, keeping what spans frames: the first timestamp (for
/// relative times) and a fragment reassembly table bounded by [`REASSEMBLY_CONFIG`].
#[derive(Debug)]
pub struct Dissector {
    first_timestamp: Option<Duration>,
    reassembler: Reassembler,
}

impl Default for Dissector {
    fn default() -> Self {
        Self { first_timestamp: None, reassembler: Reassembler::new(REASSEMBLY_CONFIG) }
    }
}

/// Whether a payload is all there or may be cut short (a quote in an ICMP error, a
/// first fragment that was not reassembled): of a partial one, only headers are decoded
/// and nothing is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extent {
    Whole,
    Partial,
}

/// Builds a dissection layer by layer.
struct Decoder<'d> {
    reassembler: &'d mut Reassembler,
    now: Duration,
    /// Whether the capture holds fewer bytes than were on the wire (a snaplen cut).
    cut: bool,
    out: Dissection,
}

impl Dissector {
    /// A dissector with empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes one packet. Never fails: a layer that does not decode is reported in
    /// [`Dissection::error`] with everything decoded before it.
    pub fn dissect(&mut self, packet: &CapturedPacket) -> Dissection {
        let timestamp = packet.timestamp.unwrap_or_default();
        let first = *self.first_timestamp.get_or_insert(timestamp);
        let mut frame = Layer::new(Protocol::Frame, 0, Origin::Frame);
        if let Some(interface) = &packet.interface {
            frame.push(Field::FrameInterfaceId, Value::Uint(u64::from(interface.id)));
            let name = interface.name.as_deref().unwrap_or(UNNAMED_INTERFACE);
            frame.push(Field::FrameInterfaceName, Value::Text(name.to_owned()));
        }
        let epoch_nanos = i128::try_from(timestamp.as_nanos()).unwrap_or(i128::MAX);
        let first_nanos = i128::try_from(first.as_nanos()).unwrap_or(i128::MAX);
        frame.push(Field::FrameTimeEpoch, Value::Seconds(epoch_nanos));
        frame.push(Field::FrameTimeRelative, Value::Seconds(epoch_nanos.saturating_sub(first_nanos)));
        frame.push(Field::FrameNumber, Value::Uint(packet.number));
        frame.push(Field::FrameLen, Value::Uint(u64::from(packet.original_len)));
        frame.push(Field::FrameCapLen, Value::Uint(packet.data.len() as u64));
        let captured = packet.data.len();
        let cut = u32::try_from(captured).is_ok_and(|captured| captured < packet.original_len);
        let notes =
            if cut { vec![Note::Cut { captured, original: packet.original_len }] } else { Vec::new() };
        let mut decoder = Decoder {
            reassembler: &mut self.reassembler,
            now: timestamp,
            cut,
            out: Dissection {
                number: packet.number,
                original_len: packet.original_len,
                layers: vec![frame],
                undecoded: None,
                notes,
                error: None,
            },
        };
        if is_ethernet(packet.link_type) {
            decoder.ethernet(&packet.data);
        } else {
            decoder.fail(Protocol::Ethernet, 0, Origin::Frame, Malformed::LinkType(packet.link_type));
        }
        decoder.out
    }
}

/// Whether an ICMP type carries an identifier and sequence number (echo, timestamp,
/// information and address-mask requests and replies, as tshark decodes them).
fn has_ident(icmp_type: IcmpType) -> bool {
    matches!(icmp_type.0, 0 | 8 | 13..=18)
}

fn hex(value: impl Into<u64>, digits: usize) -> Value {
    Value::Hex { value: value.into(), digits }
}

impl Decoder<'_> {
    /// Records why a layer failed; the first failure of a frame is the one reported.
    fn fail(&mut self, protocol: Protocol, offset: usize, origin: Origin, error: impl Into<Malformed>) {
        if self.out.error.is_none() {
            self.out.error = Some(LayerError { protocol, offset, origin, error: error.into() });
        }
    }

    fn ethernet(&mut self, bytes: &[u8]) {
        let frame = match Frame::new_checked(bytes) {
            Ok(frame) => frame,
            Err(error) => return self.fail(Protocol::Ethernet, 0, Origin::Frame, error),
        };
        let mut layer = Layer::new(Protocol::Ethernet, 0, Origin::Frame);
        layer.push(Field::EthDst, Value::Mac(frame.dst_addr()));
        layer.push(Field::EthSrc, Value::Mac(frame.src_addr()));
        let outer = frame.outer_ethertype();
        if outer.0 < EtherType::MIN_ETHERTYPE {
            self.out.layers.push(layer);
            self.out.notes.push(Note::Ieee8023(outer.0));
            return;
        }
        layer.push(Field::EthType, hex(outer.0, 4));
        self.out.layers.push(layer);
        let offset = frame.header_len();
        match frame.ethertype() {
            EtherType::ARP => self.arp(frame.payload(), offset),
            EtherType::IPV4 => self.ipv4(frame.payload(), offset),
            _ => {}
        }
    }

    fn arp(&mut self, bytes: &[u8], offset: usize) {
        let packet = match ArpPacket::new_checked(bytes) {
            Ok(packet) => packet,
            Err(error) => return self.fail(Protocol::Arp, offset, Origin::Frame, error),
        };
        let mut layer = Layer::new(Protocol::Arp, offset, Origin::Frame);
        let hardware = packet.hardware_type();
        let protocol = packet.protocol_type();
        layer.push(Field::ArpHwType, Value::Uint(u64::from(hardware.0)));
        layer.push(Field::ArpProtoType, hex(protocol.0, 4));
        layer.push(Field::ArpHwSize, Value::Uint(u64::from(packet.hardware_len())));
        layer.push(Field::ArpProtoSize, Value::Uint(u64::from(packet.protocol_len())));
        layer.push(Field::ArpOpcode, Value::Uint(u64::from(packet.operation().0)));
        // tshark names the address fields by their format: `hw_mac` only for 6-byte
        // Ethernet or IEEE 802 addresses, `proto_ipv4` only for 4-byte IPv4 ones.
        let macs = matches!(hardware, arp::HardwareType::ETHERNET | arp::HardwareType::IEEE802)
            && packet.hardware_len() == 6;
        let ipv4s = protocol == EtherType::IPV4 && packet.protocol_len() == 4;
        let mac = |bytes: &[u8]| MacAddress::from_slice(bytes).map(Value::Mac);
        let ip = |bytes: &[u8]| <[u8; 4]>::try_from(bytes).ok().map(|b| Value::Ipv4(Ipv4Addr::from(b)));
        let addresses = [
            (Field::ArpSrcHwMac, macs.then(|| mac(packet.source_hardware_addr())).flatten()),
            (Field::ArpSrcProtoIpv4, ipv4s.then(|| ip(packet.source_protocol_addr())).flatten()),
            (Field::ArpDstHwMac, macs.then(|| mac(packet.target_hardware_addr())).flatten()),
            (Field::ArpDstProtoIpv4, ipv4s.then(|| ip(packet.target_protocol_addr())).flatten()),
        ];
        for (field, value) in addresses {
            if let Some(value) = value {
                layer.push(field, value);
            }
        }
        self.out.layers.push(layer);
    }

    /// The IPv4 fields of a header `parse_lax` has accepted (so the whole header is in
    /// `bytes`).
    fn ipv4_layer(repr: &Ipv4Repr, bytes: &[u8], offset: usize, origin: Origin) -> Layer {
        let view = Ipv4Packet::new_unchecked(bytes);
        let mut layer = Layer::new(Protocol::Ipv4, offset, origin);
        let dsfield = (repr.dscp.value() << 2) | repr.ecn.value();
        let flags = (u8::from(view.reserved_flag()) << 2)
            | (u8::from(repr.dont_frag) << 1)
            | u8::from(repr.more_frags);
        layer.push(Field::IpVersion, Value::Uint(4));
        layer.push(Field::IpHdrLen, Value::Uint(repr.header_len() as u64));
        layer.push(Field::IpDsfield, hex(dsfield, 2));
        layer.push(Field::IpDsfieldDscp, Value::Uint(u64::from(repr.dscp.value())));
        layer.push(Field::IpDsfieldEcn, Value::Uint(u64::from(repr.ecn.value())));
        layer.push(Field::IpLen, Value::Uint(u64::from(view.total_len())));
        layer.push(Field::IpId, hex(repr.ident, 4));
        layer.push(Field::IpFlags, hex(flags, 2));
        layer.push(Field::IpFlagsRb, Value::Flag(view.reserved_flag()));
        layer.push(Field::IpFlagsDf, Value::Flag(repr.dont_frag));
        layer.push(Field::IpFlagsMf, Value::Flag(repr.more_frags));
        layer.push(Field::IpFragOffset, Value::Uint(u64::from(repr.frag_offset / 8)));
        layer.push(Field::IpTtl, Value::Uint(u64::from(repr.ttl)));
        layer.push(Field::IpProto, Value::Uint(u64::from(repr.protocol.0)));
        layer.push(Field::IpChecksum, hex(view.checksum(), 4));
        layer.push(Field::IpSrc, Value::Ipv4(repr.src_addr));
        layer.push(Field::IpDst, Value::Ipv4(repr.dst_addr));
        layer
    }

    fn ipv4(&mut self, bytes: &[u8], offset: usize) {
        // `parse_lax` checks version, IHL and Total Length but neither the checksum nor
        // that the whole datagram was captured, so the header's fields are shown even
        // when those fail, as tshark does.
        let (repr, payload) = match Ipv4Repr::parse_lax(bytes) {
            Ok(parsed) => parsed,
            Err(error) => return self.fail(Protocol::Ipv4, offset, Origin::Frame, error),
        };
        self.out.layers.push(Self::ipv4_layer(&repr, bytes, offset, Origin::Frame));
        let payload_offset = offset + repr.header_len();
        let packet = match Ipv4Packet::new_checked(bytes) {
            Ok(packet) => packet,
            Err(error) => {
                // The header is whole but the datagram is not all there. A capture cut at
                // its snaplen is no error; either way, like tshark, the transport header
                // is decoded from the bytes that were captured.
                if !self.cut {
                    self.fail(Protocol::Ipv4, offset, Origin::Frame, error);
                }
                if repr.frag_offset == 0 {
                    self.transport(&repr, payload, payload_offset, Origin::Frame, Extent::Partial);
                } else {
                    self.out.undecoded = Some(repr.protocol);
                }
                return;
            }
        };
        let checksum_ok = packet.verify_checksum();
        if !checksum_ok {
            self.out.notes.push(Note::BadIpv4Checksum {
                found: packet.checksum(),
                expected: packet.expected_checksum(),
            });
        }
        if !repr.more_frags && repr.frag_offset == 0 {
            return self.transport(&repr, payload, payload_offset, Origin::Frame, Extent::Whole);
        }
        // tshark reassembles only fragments whose header checksum is right; otherwise a
        // first fragment is decoded as far as it goes and later ones not at all.
        if !checksum_ok {
            if repr.frag_offset == 0 {
                self.transport(&repr, payload, payload_offset, Origin::Frame, Extent::Partial);
            } else {
                self.out.undecoded = Some(repr.protocol);
            }
            return;
        }
        match self.reassemble(&repr, payload) {
            Some((whole, data)) => self.transport(&whole, &data, 0, Origin::Reassembled, Extent::Whole),
            None => self.out.undecoded = Some(repr.protocol),
        }
    }

    fn reassemble(&mut self, repr: &Ipv4Repr, payload: &[u8]) -> Option<(Ipv4Repr, Vec<u8>)> {
        let result = self.reassembler.handle_fragment(self.now, repr, payload);
        // Expiry reports are for hosts that answer with ICMP; a dissector drops them.
        while self.reassembler.poll_event().is_some() {}
        match result {
            Ok(done) => done,
            Err(error) => {
                self.out.notes.push(Note::Reassembly(error));
                None
            }
        }
    }

    /// Decodes an IPv4 payload.
    fn transport(&mut self, ip: &Ipv4Repr, bytes: &[u8], offset: usize, origin: Origin, extent: Extent) {
        match ip.protocol {
            IpProtocol::ICMP => self.icmp(bytes, offset, origin, extent),
            IpProtocol::UDP => self.udp(ip, bytes, offset, origin, extent),
            other => {
                if origin != Origin::Quoted {
                    self.out.undecoded = Some(other);
                }
            }
        }
    }

    fn icmp(&mut self, bytes: &[u8], offset: usize, origin: Origin, extent: Extent) {
        let packet = match IcmpPacket::new_checked(bytes) {
            Ok(packet) => packet,
            Err(error) => return self.fail(Protocol::Icmp, offset, origin, error),
        };
        let mut layer = Layer::new(Protocol::Icmp, offset, origin);
        let icmp_type = packet.msg_type();
        layer.push(Field::IcmpType, Value::Uint(u64::from(icmp_type.0)));
        layer.push(Field::IcmpCode, Value::Uint(u64::from(packet.msg_code())));
        layer.push(Field::IcmpChecksum, hex(packet.checksum(), 4));
        if has_ident(icmp_type) {
            layer.push(Field::IcmpIdent, Value::Uint(u64::from(packet.echo_ident())));
            layer.push(Field::IcmpSeq, Value::Uint(u64::from(packet.echo_seq_no())));
        }
        self.out.layers.push(layer);
        if extent == Extent::Partial {
            // Neither the checksum nor a quote of a quote can be checked on part of a
            // message (and ICMP never reports errors about errors).
            return;
        }
        if !packet.verify_checksum() {
            self.out.notes.push(Note::BadIcmpChecksum {
                found: packet.checksum(),
                expected: packet.compute_checksum(),
            });
        }
        if icmp_type.is_error() {
            self.quoted(packet.data(), offset + icmp::HEADER_LEN);
        }
    }

    fn quoted(&mut self, bytes: &[u8], offset: usize) {
        let quoted = match QuotedDatagram::parse(bytes) {
            Ok(quoted) => quoted,
            Err(error) => return self.fail(Protocol::Ipv4, offset, Origin::Quoted, error),
        };
        let header = quoted.header;
        self.out.layers.push(Self::ipv4_layer(&header, quoted.header_bytes, offset, Origin::Quoted));
        // Like tshark, decode the quoted transport header unless the quote is of a later
        // fragment, whose payload does not start with one.
        if header.frag_offset == 0 {
            let offset = offset + header.header_len();
            self.transport(&header, quoted.payload, offset, Origin::Quoted, Extent::Partial);
        }
    }

    fn udp(&mut self, ip: &Ipv4Repr, bytes: &[u8], offset: usize, origin: Origin, extent: Extent) {
        let Some(header) = bytes.get(..udp::HEADER_LEN) else {
            // Like tshark, show the ports and length that were captured before the cut.
            let mut layer = Layer::new(Protocol::Udp, offset, origin);
            let words = bytes.chunks_exact(2).filter_map(|word| <[u8; 2]>::try_from(word).ok());
            for (field, word) in
                [Field::UdpSrcport, Field::UdpDstport, Field::UdpLength].into_iter().zip(words)
            {
                layer.push(field, Value::Uint(u64::from(u16::from_be_bytes(word))));
            }
            self.out.layers.push(layer);
            let error = udp::ParseError::Truncated { needed: udp::HEADER_LEN, actual: bytes.len() };
            return self.fail(Protocol::Udp, offset, origin, error);
        };
        // The view over exactly the 8 header bytes: every header accessor is in range,
        // and the length field is checked separately below.
        let view = UdpPacket::new_unchecked(header);
        let mut layer = Layer::new(Protocol::Udp, offset, origin);
        layer.push(Field::UdpSrcport, Value::Uint(u64::from(view.src_port())));
        layer.push(Field::UdpDstport, Value::Uint(u64::from(view.dst_port())));
        layer.push(Field::UdpLength, Value::Uint(u64::from(view.len())));
        layer.push(Field::UdpChecksum, hex(view.checksum(), 4));
        self.out.layers.push(layer);
        if extent == Extent::Partial {
            return;
        }
        match UdpPacket::new_checked(bytes) {
            Ok(packet) if !packet.verify_checksum(ip.src_addr, ip.dst_addr) => {
                self.out.notes.push(Note::BadUdpChecksum {
                    found: packet.checksum(),
                    expected: packet.compute_checksum(ip.src_addr, ip.dst_addr),
                });
            }
            Ok(_) => {}
            Err(error) => self.fail(Protocol::Udp, offset, origin, error),
        }
    }
}
