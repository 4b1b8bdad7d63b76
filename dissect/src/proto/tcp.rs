//! TCP (RFC 9293): header fields and options, and the dispatch of port 443 payloads to
//! TLS.

use ipv4::Ipv4Repr;
use tcp::{TcpOption, TcpOptions, TcpPacket};

use crate::text::{number, value};

use crate::decode::*;
use crate::fields::{Field, Value};
use crate::proto::tls::FlowKey;

/// The port whose payloads are decoded as TLS, as tshark does by default.
const TLS_PORT: u16 = 443;

impl Decoder<'_> {
    pub(crate) fn tcp(&mut self, ip: &Ipv4Repr, bytes: &[u8], offset: usize, origin: Origin, extent: Extent) {
        let packet = match TcpPacket::new_checked(bytes) {
            Ok(packet) => packet,
            Err(error) => {
                // Like tshark, show the ports that were captured (and the sequence number
                // of a header quoted in an ICMP error, which holds at least 8 bytes).
                let mut layer = Layer::new(Protocol::Tcp, offset, origin);
                let word = |at: usize| bytes.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
                if let Some(port) = word(0) {
                    layer.push(Field::TcpSrcport, Value::Uint(u64::from(port)));
                }
                if let Some(port) = word(2) {
                    layer.push(Field::TcpDstport, Value::Uint(u64::from(port)));
                }
                if extent == Extent::Partial
                    && let Some(seq) = bytes.get(4..8)
                {
                    let seq = u32::from_be_bytes([seq[0], seq[1], seq[2], seq[3]]);
                    layer.push(Field::TcpSeqRaw, Value::Uint(u64::from(seq)));
                }
                self.out.layers.push(layer);
                if extent == Extent::Partial {
                    return;
                }
                return self.fail(Protocol::Tcp, offset, origin, error);
            }
        };
        let flags = packet.flags();
        let payload_len = bytes.len().saturating_sub(packet.header_len());
        let mut layer = Layer::new(Protocol::Tcp, offset, origin);
        layer.push(Field::TcpSrcport, Value::Uint(u64::from(packet.src_port())));
        layer.push(Field::TcpDstport, Value::Uint(u64::from(packet.dst_port())));
        layer.push(Field::TcpLen, Value::Uint(payload_len as u64));
        layer.push(Field::TcpSeqRaw, Value::Uint(u64::from(packet.seq_number().0)));
        layer.push(Field::TcpAckRaw, Value::Uint(u64::from(packet.ack_number().0)));
        layer.push(Field::TcpHdrLen, Value::Uint(packet.header_len() as u64));
        layer.push(Field::TcpFlags, hex(flags.0 & 0x0fff, 4));
        layer.push(Field::TcpFlagsAck, Value::Flag(flags.ack()));
        layer.push(Field::TcpFlagsPush, Value::Flag(flags.psh()));
        layer.push(Field::TcpFlagsReset, Value::Flag(flags.rst()));
        layer.push(Field::TcpFlagsSyn, Value::Flag(flags.syn()));
        layer.push(Field::TcpFlagsFin, Value::Flag(flags.fin()));
        layer.push(Field::TcpWindowSizeValue, Value::Uint(u64::from(packet.window_len())));
        layer.push(Field::TcpChecksum, hex(packet.checksum(), 4));
        layer.push(Field::TcpUrgentPointer, Value::Uint(u64::from(packet.urgent_at())));
        // Options the crate refuses (a length running past the header) are left out, as
        // tshark shows them only as malformed.
        if let Ok(options) = TcpOptions::parse(packet.options()) {
            for option in options.iter() {
                match option {
                    TcpOption::Mss(mss) => layer.push(Field::TcpOptionsMssVal, Value::Uint(u64::from(mss))),
                    TcpOption::WindowScale(shift) => {
                        layer.push(Field::TcpOptionsWscaleShift, Value::Uint(u64::from(shift)));
                    }
                    TcpOption::SackPermitted => {
                        layer.push(Field::TcpOptionsSackPerm, Value::Bytes(vec![4, 2]))
                    }
                    TcpOption::Timestamps { tsval, tsecr } => {
                        layer.push(Field::TcpOptionsTimestampTsval, Value::Uint(u64::from(tsval)));
                        layer.push(Field::TcpOptionsTimestampTsecr, Value::Uint(u64::from(tsecr)));
                    }
                    _ => {}
                }
            }
        }
        self.out.layers.push(layer);
        if extent == Extent::Partial {
            return;
        }
        if !packet.verify_checksum(ip.src_addr, ip.dst_addr) {
            self.out.notes.push(Note::BadTcpChecksum {
                found: packet.checksum(),
                computed: packet.compute_checksum(ip.src_addr, ip.dst_addr),
            });
        }
        let payload = packet.payload();
        if !payload.is_empty() && (packet.src_port() == TLS_PORT || packet.dst_port() == TLS_PORT) {
            let flow = FlowKey::new((ip.src_addr, packet.src_port()), (ip.dst_addr, packet.dst_port()));
            self.tls(payload, offset + packet.header_len(), origin, flow);
        }
    }
}

/// The Info column tshark prints for this layer (sequence numbers raw, not relative).
pub(crate) fn tcp_info(tcp: &Layer) -> String {
    const NAMES: [(Field, &str); 5] = [
        (Field::TcpFlagsFin, "FIN"),
        (Field::TcpFlagsSyn, "SYN"),
        (Field::TcpFlagsReset, "RST"),
        (Field::TcpFlagsPush, "PSH"),
        (Field::TcpFlagsAck, "ACK"),
    ];
    let flags: Vec<&str> =
        NAMES.iter().filter(|(field, _)| number(tcp, *field) != 0).map(|(_, name)| *name).collect();
    let mut info = format!(
        "{} → {} [{}] Seq={}",
        value(tcp, Field::TcpSrcport),
        value(tcp, Field::TcpDstport),
        flags.join(", "),
        value(tcp, Field::TcpSeqRaw)
    );
    if number(tcp, Field::TcpFlagsAck) != 0 {
        info.push_str(&format!(" Ack={}", value(tcp, Field::TcpAckRaw)));
    }
    info.push_str(&format!(
        " Win={} Len={}",
        value(tcp, Field::TcpWindowSizeValue),
        value(tcp, Field::TcpLen)
    ));
    for (field, label) in [
        (Field::TcpOptionsMssVal, "MSS="),
        (Field::TcpOptionsSackPerm, "SACK_PERM"),
        (Field::TcpOptionsTimestampTsval, "TSval="),
        (Field::TcpOptionsTimestampTsecr, "TSecr="),
    ] {
        match tcp.get(field) {
            Some(_) if field == Field::TcpOptionsSackPerm => info.push_str(&format!(" {label}")),
            Some(found) => info.push_str(&format!(" {label}{found}")),
            None => {}
        }
    }
    // tshark shows the multiplier; shifts beyond RFC 7323's 14 are capped as it does.
    if tcp.get(Field::TcpOptionsWscaleShift).is_some() {
        info.push_str(&format!(" WS={}", 1u32 << number(tcp, Field::TcpOptionsWscaleShift).min(14)));
    }
    info
}
