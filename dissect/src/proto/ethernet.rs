//! Ethernet II and 802.1Q/802.1ad tags.

use ethernet::{EtherType, EthernetFrame};

use crate::decode::*;
use crate::fields::{Field, Value};

impl Decoder<'_> {
    pub(crate) fn ethernet(&mut self, bytes: &[u8]) {
        let frame = match EthernetFrame::new_checked(bytes) {
            Ok(frame) => frame,
            Err(error) => return self.fail(Protocol::Ethernet, 0, Origin::Frame, error),
        };
        let mut layer = Layer::new(Protocol::Ethernet, 0, Origin::Frame);
        layer.push(Field::EthDst, Value::Mac(frame.dst_addr()));
        layer.push(Field::EthSrc, Value::Mac(frame.src_addr()));
        let outer = frame.outer_ethertype();
        // Wireshark reads 0x0000 as an (unknown) EtherType, not as an 802.3 length.
        if outer.0 < EtherType::MIN_ETHERTYPE && outer.0 != 0 {
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
}
