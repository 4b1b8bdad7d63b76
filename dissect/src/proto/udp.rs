//! UDP (RFC 768).

use ipv4::Ipv4Repr;
use udp::UdpPacket;

use crate::text::{number, value};

use crate::decode::*;
use crate::fields::{Field, Value};

/// DNS's well-known port.
const DNS_PORT: u16 = 53;
/// DHCP (BOOTP) server port.
const DHCP_SERVER_PORT: u16 = 67;
/// DHCP (BOOTP) client port.
const DHCP_CLIENT_PORT: u16 = 68;

impl Decoder<'_> {
    pub(crate) fn udp(&mut self, ip: &Ipv4Repr, bytes: &[u8], offset: usize, origin: Origin, extent: Extent) {
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
                    computed: packet.compute_checksum(ip.src_addr, ip.dst_addr),
                });
            }
            Ok(_) => {}
            Err(error) => return self.fail(Protocol::Udp, offset, origin, error),
        }
        if let Ok(packet) = UdpPacket::new_checked(bytes) {
            self.udp_payload(&packet, offset + udp::HEADER_LEN, origin);
        }
    }

    /// Decodes the payload by port, the lower port first as tshark tries them.
    fn udp_payload(&mut self, packet: &UdpPacket<&[u8]>, offset: usize, origin: Origin) {
        let (src, dst) = (packet.src_port(), packet.dst_port());
        for port in [src.min(dst), src.max(dst)] {
            match port {
                DNS_PORT => return self.dns(packet.payload(), offset, origin),
                DHCP_SERVER_PORT | DHCP_CLIENT_PORT => return self.dhcp(packet.payload(), offset, origin),
                _ => {}
            }
        }
    }
}

/// The Info column tshark prints for this layer.
pub(crate) fn udp_info(udp: &Layer) -> String {
    format!(
        "{} → {} Len={}",
        value(udp, Field::UdpSrcport),
        value(udp, Field::UdpDstport),
        number(udp, Field::UdpLength).saturating_sub(8)
    )
}
