//! IPv4 (RFC 791): header fields, fragments (reassembled as tshark does), and the dispatch to transports.

use ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr};

use crate::text::number;

use crate::decode::*;
use crate::fields::{Field, Value};

impl Decoder<'_> {
    /// The IPv4 fields of a header `parse_lax` has accepted (so the whole header is in
    /// `bytes`).
    pub(crate) fn ipv4_layer(repr: &Ipv4Repr, bytes: &[u8], offset: usize, origin: Origin) -> Layer {
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
    pub(crate) fn ipv4(&mut self, bytes: &[u8], offset: usize) {
        // `parse_lax` checks version, IHL and Total Length but neither the checksum nor
        // that the whole datagram was captured, so the header's fields are shown even
        // when those fail, as tshark does.
        let (repr, payload) = match Ipv4Repr::parse_lax(bytes) {
            Ok(parsed) => parsed,
            Err(error) => return self.malformed_ipv4(bytes, offset, Origin::Frame, error),
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
                computed: packet.expected_checksum(),
            });
        }
        if !repr.more_frags && repr.frag_offset == 0 {
            return self.transport(&repr, payload, payload_offset, Origin::Frame, Extent::Whole);
        }
        // tshark, with its default preferences (no IPv4 checksum validation), reassembles
        // fragments whatever their header checksum says; the note above still reports it.
        match self.reassemble(&repr, payload) {
            Some((whole, data)) => self.transport(&whole, &data, 0, Origin::Reassembled, Extent::Whole),
            None => self.out.undecoded = Some(repr.protocol),
        }
    }
    /// A header `parse_lax` refused: like tshark, show the fields read before the one that
    /// is wrong (all that were captured, for a quote cut short), then report the error.
    pub(crate) fn malformed_ipv4(
        &mut self,
        bytes: &[u8],
        offset: usize,
        origin: Origin,
        error: ipv4::ParseError,
    ) {
        let known = match error {
            // Version and the bogus header length.
            ipv4::ParseError::BadHeaderLength(_) => 2,
            // Up to the Total Length that is shorter than the header.
            ipv4::ParseError::BadTotalLength { .. } => 6,
            _ => usize::MAX,
        };
        let fields = ipv4_prefix_fields(bytes).into_iter().take(known);
        let mut layer = Layer::new(Protocol::Ipv4, offset, origin);
        let mut any = false;
        for (field, value) in fields {
            layer.push(field, value);
            any = true;
        }
        if any && !matches!(error, ipv4::ParseError::BadVersion(_)) {
            self.out.layers.push(layer);
        }
        self.fail(Protocol::Ipv4, offset, origin, error);
    }

    pub(crate) fn reassemble(&mut self, repr: &Ipv4Repr, payload: &[u8]) -> Option<(Ipv4Repr, Vec<u8>)> {
        let overlaps = self.reassembler.overlaps();
        let result = self.reassembler.handle_fragment(self.now, repr, payload);
        if self.reassembler.overlaps() > overlaps {
            self.out.notes.push(Note::FragmentOverlap);
        }
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
    pub(crate) fn transport(
        &mut self,
        ip: &Ipv4Repr,
        bytes: &[u8],
        offset: usize,
        origin: Origin,
        extent: Extent,
    ) {
        match ip.protocol {
            IpProtocol::ICMP => self.icmp(bytes, offset, origin, extent),
            IpProtocol::UDP => self.udp(ip, bytes, offset, origin, extent),
            IpProtocol::TCP => self.tcp(ip, bytes, offset, origin, extent),
            other => {
                if origin != Origin::Quoted {
                    self.out.undecoded = Some(other);
                }
            }
        }
    }
}

/// The IPv4 fields of a header's first bytes, as far as they go (a quote cut short, a
/// header with bogus lengths), in tshark's order.
fn ipv4_prefix_fields(bytes: &[u8]) -> Vec<(Field, Value)> {
    let mut fields = Vec::new();
    let byte = |at: usize| bytes.get(at).copied();
    let word = |at: usize| Some(u16::from_be_bytes([byte(at)?, byte(at + 1)?]));
    let Some(first) = byte(0) else { return fields };
    fields.push((Field::IpVersion, Value::Uint(u64::from(first >> 4))));
    fields.push((Field::IpHdrLen, Value::Uint(u64::from(first & 0x0f) * 4)));
    let Some(ds) = byte(1) else { return fields };
    fields.push((Field::IpDsfield, hex(ds, 2)));
    fields.push((Field::IpDsfieldDscp, Value::Uint(u64::from(ds >> 2))));
    fields.push((Field::IpDsfieldEcn, Value::Uint(u64::from(ds & 3))));
    let Some(total) = word(2) else { return fields };
    fields.push((Field::IpLen, Value::Uint(u64::from(total))));
    let Some(ident) = word(4) else { return fields };
    fields.push((Field::IpId, hex(ident, 4)));
    let Some(flags) = word(6) else { return fields };
    fields.push((Field::IpFlags, hex(flags >> 13, 2)));
    fields.push((Field::IpFlagsRb, Value::Flag(flags & 0x8000 != 0)));
    fields.push((Field::IpFlagsDf, Value::Flag(flags & 0x4000 != 0)));
    fields.push((Field::IpFlagsMf, Value::Flag(flags & 0x2000 != 0)));
    fields.push((Field::IpFragOffset, Value::Uint(u64::from(flags & 0x1fff))));
    let Some(ttl) = byte(8) else { return fields };
    fields.push((Field::IpTtl, Value::Uint(u64::from(ttl))));
    let Some(protocol) = byte(9) else { return fields };
    fields.push((Field::IpProto, Value::Uint(u64::from(protocol))));
    let Some(checksum) = word(10) else { return fields };
    fields.push((Field::IpChecksum, hex(checksum, 4)));
    let address =
        |at: usize| Some(std::net::Ipv4Addr::new(byte(at)?, byte(at + 1)?, byte(at + 2)?, byte(at + 3)?));
    let Some(src) = address(12) else { return fields };
    fields.push((Field::IpSrc, Value::Ipv4(src)));
    if let Some(dst) = address(16) {
        fields.push((Field::IpDst, Value::Ipv4(dst)));
    }
    fields
}

/// The Info column tshark prints for this layer.
pub(crate) fn ipv4_info(ip: &Layer, undecoded: Option<IpProtocol>) -> (String, String) {
    let protocol = IpProtocol(u8::try_from(number(ip, Field::IpProto)).unwrap_or_default());
    let more = number(ip, Field::IpFlagsMf) != 0;
    let offset = number(ip, Field::IpFragOffset) * 8;
    if more || offset != 0 {
        let id = number(ip, Field::IpId);
        let info =
            format!("Fragmented IP protocol (proto={protocol} {}, off={offset}, ID={id:04x})", protocol.0);
        return (String::from("IPv4"), info);
    }
    let label = undecoded.and_then(IpProtocol::name).unwrap_or("IPv4");
    let payload = number(ip, Field::IpLen).saturating_sub(number(ip, Field::IpHdrLen));
    (label.to_owned(), format!("protocol {} ({protocol}), {payload} bytes not decoded", protocol.0))
}
