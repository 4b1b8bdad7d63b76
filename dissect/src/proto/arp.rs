//! ARP (RFC 826).

use std::net::Ipv4Addr;

use arp::ArpPacket;
use ethernet::{EtherType, MacAddress};

use crate::text::{number, value};

use crate::decode::*;
use crate::fields::{Field, Value};

impl Decoder<'_> {
    pub(crate) fn arp(&mut self, bytes: &[u8], offset: usize) {
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
}

/// The Info column tshark prints for this layer.
pub(crate) fn arp_info(arp: &Layer) -> String {
    if arp.get(Field::ArpSrcProtoIpv4).is_none() {
        // Not IPv4 over ARP: say what it is rather than print unknown addresses.
        let protocol = value(arp, Field::ArpProtoType);
        return format!("ARP for protocol {protocol} (opcode {})", number(arp, Field::ArpOpcode));
    }
    let sender = value(arp, Field::ArpSrcProtoIpv4);
    let target = value(arp, Field::ArpDstProtoIpv4);
    match number(arp, Field::ArpOpcode) {
        1 if sender == target => format!("Gratuitous ARP for {sender} (Request)"),
        1 if sender == "0.0.0.0" => format!("Who has {target}? (ARP Probe)"),
        1 => format!("Who has {target}? Tell {sender}"),
        2 => format!("{sender} is at {}", value(arp, Field::ArpSrcHwMac)),
        other => format!("opcode {other}"),
    }
}
