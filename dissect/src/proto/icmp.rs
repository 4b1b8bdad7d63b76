//! ICMP (RFC 792), with the datagram quoted inside errors.

use icmp::{IcmpPacket, IcmpType, QuotedDatagram, TimeExceededCode, UnreachableCode};

use crate::text::{number, value};

use crate::decode::*;
use crate::fields::{Field, Value};

impl Decoder<'_> {
    pub(crate) fn icmp(&mut self, bytes: &[u8], offset: usize, origin: Origin, extent: Extent) {
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
                computed: packet.compute_checksum(),
            });
        }
        if icmp_type.is_error() {
            self.quoted(packet.data(), offset + icmp::HEADER_LEN);
        }
    }
    pub(crate) fn quoted(&mut self, bytes: &[u8], offset: usize) {
        let quoted = match QuotedDatagram::parse(bytes) {
            Ok(quoted) => quoted,
            Err(error) => return self.malformed_ipv4(bytes, offset, Origin::Quoted, error),
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
}

/// The Info column tshark prints for this layer.
pub(crate) fn icmp_info<'a>(
    icmp: &Layer,
    ttl: Option<String>,
    mut quoted: impl Iterator<Item = &'a Layer>,
) -> String {
    let icmp_type = IcmpType(u8::try_from(number(icmp, Field::IcmpType)).unwrap_or_default());
    let code = u8::try_from(number(icmp, Field::IcmpCode)).unwrap_or_default();
    let name = icmp_type.name().map_or_else(|| format!("Type {}", icmp_type.0), str::to_owned);
    if icmp.get(Field::IcmpIdent).is_some() {
        let ttl = ttl.map(|ttl| format!(", ttl={ttl}")).unwrap_or_default();
        return format!(
            "{name} id={:#06x}, seq={}{ttl}",
            number(icmp, Field::IcmpIdent),
            number(icmp, Field::IcmpSeq)
        );
    }
    let code_name = match icmp_type {
        IcmpType::DEST_UNREACHABLE => UnreachableCode(code).to_string(),
        IcmpType::TIME_EXCEEDED => TimeExceededCode(code).to_string(),
        _ => format!("code {code}"),
    };
    match quoted.find(|layer| layer.protocol == Protocol::Ipv4) {
        Some(ip) => {
            format!("{name} ({code_name}) about {} → {}", value(ip, Field::IpSrc), value(ip, Field::IpDst))
        }
        None => format!("{name} ({code_name})"),
    }
}
