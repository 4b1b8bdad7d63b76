//! Decoding one captured frame into layers of fields with the workspace's parsers.

use core::fmt;
use std::time::Duration;

use icmp::IcmpType;
use ipv4::{IpProtocol, OverlapPolicy, Reassembler, ReassemblyConfig, ReassemblyError};

use super::fields::{Field, Value};
use super::reader::{CapturedPacket, is_ethernet};

/// Reassembly limits: at most 64 partial datagrams and 1 MiB of buffers, each datagram
/// given 30 s of capture time (Linux's `ipfrag_time`) to complete; fragments beyond the
/// limits are refused (a [`Note::Reassembly`] says so), never buffered.
///
/// Like tshark, fragments are collected by (source, destination, protocol,
/// identification) whatever interface they were captured on, so a datagram seen on two
/// links of a simulation is reassembled from whichever copies complete it first.
///
/// A fragment overlapping bytes already held keeps the first bytes and fills the holes,
/// as tshark does (it flags the overlap and still reassembles).
pub const REASSEMBLY_CONFIG: ReassemblyConfig = ReassemblyConfig {
    max_datagrams: 64,
    max_bytes_in_flight: 1 << 20,
    timeout: Duration::from_secs(30),
    overlap: OverlapPolicy::KeepFirst,
};

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
    /// TCP.
    Tcp,
    /// TLS records (on TCP port 443).
    Tls,
    /// DHCP (on UDP ports 67 and 68).
    Dhcp,
    /// DNS (on UDP port 53).
    Dns,
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
            Self::Tcp => "tcp",
            Self::Tls => "tls",
            Self::Dhcp => "dhcp",
            Self::Dns => "dns",
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
            Self::Tcp => "TCP",
            Self::Tls => "TLS",
            Self::Dhcp => "DHCP",
            Self::Dns => "DNS",
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
    pub(crate) fn new(protocol: Protocol, offset: usize, origin: Origin) -> Self {
        Self { protocol, offset, origin, fields: Vec::new() }
    }

    pub(crate) fn push(&mut self, field: Field, value: Value) {
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
    /// The TCP header.
    #[error(transparent)]
    Tcp(#[from] tcp::ParseError),
    /// A TLS record in a TCP segment.
    #[error(transparent)]
    Tls(#[from] crate::proto::tls::TlsError),
    /// The DHCP message.
    #[error(transparent)]
    Dhcp(#[from] dhcp::ParseError),
    /// The DNS message.
    #[error(transparent)]
    Dns(#[from] dns::ParseError),
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
    #[error("bad IPv4 header checksum {found:#06x} (should be {computed:#06x})")]
    BadIpv4Checksum {
        /// As carried.
        found: u16,
        /// As computed.
        computed: u16,
    },
    /// The ICMP checksum is wrong.
    #[error("bad ICMP checksum {found:#06x} (should be {computed:#06x})")]
    BadIcmpChecksum {
        /// As carried.
        found: u16,
        /// As computed.
        computed: u16,
    },
    /// The UDP checksum is wrong.
    #[error("bad UDP checksum {found:#06x} (should be {computed:#06x})")]
    BadUdpChecksum {
        /// As carried.
        found: u16,
        /// As computed.
        computed: u16,
    },
    /// The TCP checksum is wrong (fields are still shown: tshark does not check it by
    /// default).
    #[error("bad TCP checksum {found:#06x} (should be {computed:#06x})")]
    BadTcpChecksum {
        /// As carried.
        found: u16,
        /// As computed.
        computed: u16,
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
    /// A fragment overlapped bytes already received; the first bytes were kept.
    #[error("fragment overlaps data already received (the first bytes are kept)")]
    FragmentOverlap,
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
    tls13_flows: crate::proto::tls::Tls13Flows,
}

impl Default for Dissector {
    fn default() -> Self {
        Self {
            first_timestamp: None,
            reassembler: Reassembler::new(REASSEMBLY_CONFIG),
            tls13_flows: crate::proto::tls::Tls13Flows::default(),
        }
    }
}

/// Whether a payload is all there or may be cut short (a quote in an ICMP error, a
/// first fragment that was not reassembled): of a partial one, only headers are decoded
/// and nothing is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extent {
    Whole,
    Partial,
}

/// Builds a dissection layer by layer.
pub(crate) struct Decoder<'d> {
    pub(crate) reassembler: &'d mut Reassembler,
    /// TCP connections whose ServerHello chose TLS 1.3 (their type-23 records are opaque).
    pub(crate) tls13_flows: &'d mut crate::proto::tls::Tls13Flows,
    pub(crate) now: Duration,
    /// Whether the capture holds fewer bytes than were on the wire (a snaplen cut).
    pub(crate) cut: bool,
    pub(crate) out: Dissection,
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
            tls13_flows: &mut self.tls13_flows,
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
pub(crate) fn has_ident(icmp_type: IcmpType) -> bool {
    matches!(icmp_type.0, 0 | 8 | 13..=18)
}

pub(crate) fn hex(value: impl Into<u64>, digits: usize) -> Value {
    Value::Hex { value: value.into(), digits }
}

impl Decoder<'_> {
    /// Records why a layer failed; the first failure of a frame is the one reported.
    pub(crate) fn fail(
        &mut self,
        protocol: Protocol,
        offset: usize,
        origin: Origin,
        error: impl Into<Malformed>,
    ) {
        if self.out.error.is_none() {
            self.out.error = Some(LayerError { protocol, offset, origin, error: error.into() });
        }
    }
}
