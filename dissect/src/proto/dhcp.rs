//! DHCP (RFC 2131, options RFC 2132) on UDP ports 67 and 68, read by the `dhcp` crate.

use dhcp::{DhcpOption, DhcpRepr};

use crate::decode::*;
use crate::fields::{Field, Value};
use crate::text::number;

impl Decoder<'_> {
    pub(crate) fn dhcp(&mut self, payload: &[u8], offset: usize, origin: Origin) {
        let repr = match DhcpRepr::parse_bytes(payload) {
            Ok(repr) => repr,
            Err(error) => {
                // Like tshark, show the header fields and the options read before the
                // error.
                let layer = match whole_options_prefix(payload) {
                    Some(repr) => dhcp_layer(&repr, offset, origin),
                    None => header_layer(payload, offset, origin),
                };
                if !layer.fields.is_empty() {
                    self.out.layers.push(layer);
                }
                return self.fail(Protocol::Dhcp, offset, origin, error);
            }
        };
        self.out.layers.push(dhcp_layer(&repr, offset, origin));
    }
}

/// A message the `dhcp` crate refuses, parsed again up to its last whole option (with an
/// End option put after it), when the header and cookie are right.
fn whole_options_prefix(payload: &[u8]) -> Option<DhcpRepr> {
    // `HEADER_LEN` covers the fixed header and the magic cookie: options start there.
    let mut at = dhcp::HEADER_LEN;
    let mut end = at;
    while let Some(&code) = payload.get(at) {
        match code {
            0 => at += 1,
            255 => break,
            _ => {
                let len = usize::from(*payload.get(at + 1)?);
                if payload.len() < at + 2 + len {
                    break;
                }
                at += 2 + len;
            }
        }
        end = at;
    }
    let mut copy = payload.get(..end)?.to_vec();
    copy.push(255);
    DhcpRepr::parse_bytes(&copy).ok()
}

/// The fixed-header fields that were captured, read directly.
fn header_layer(payload: &[u8], offset: usize, origin: Origin) -> Layer {
    let mut layer = Layer::new(Protocol::Dhcp, offset, origin);
    let bytes = |at: usize, len: usize| payload.get(at..at + len);
    let address =
        |at: usize| bytes(at, 4).map(|b| Value::Ipv4(std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3])));
    let Some(&op) = payload.first() else { return layer };
    layer.push(Field::DhcpType, Value::Uint(u64::from(op)));
    let Some(xid) = bytes(4, 4) else { return layer };
    layer.push(Field::DhcpId, hex(u32::from_be_bytes([xid[0], xid[1], xid[2], xid[3]]), 8));
    let Some(flags) = bytes(10, 2) else { return layer };
    layer.push(Field::DhcpFlagsBc, Value::Flag(flags[0] & 0x80 != 0));
    for (field, at) in [(Field::DhcpIpClient, 12), (Field::DhcpIpYour, 16), (Field::DhcpIpServer, 20)] {
        let Some(value) = address(at) else { return layer };
        layer.push(field, value);
    }
    if let (Some(&[dhcp::HTYPE_ETHERNET, 6]), Some(mac)) = (bytes(1, 2), bytes(28, 6)) {
        let mac = [mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]];
        layer.push(Field::DhcpHwMacAddr, Value::Mac(ethernet::MacAddress::new(mac)));
    }
    layer
}

/// The fields of a parsed message.
fn dhcp_layer(repr: &DhcpRepr, offset: usize, origin: Origin) -> Layer {
    let mut layer = Layer::new(Protocol::Dhcp, offset, origin);
    layer.push(Field::DhcpType, Value::Uint(u64::from(repr.op.0)));
    layer.push(Field::DhcpId, hex(repr.xid, 8));
    layer.push(Field::DhcpFlagsBc, Value::Flag(repr.flags & dhcp::FLAG_BROADCAST != 0));
    layer.push(Field::DhcpIpClient, Value::Ipv4(repr.ciaddr));
    layer.push(Field::DhcpIpYour, Value::Ipv4(repr.yiaddr));
    layer.push(Field::DhcpIpServer, Value::Ipv4(repr.siaddr));
    // tshark names `chaddr` a MAC address only for Ethernet (type 1, length 6).
    if repr.htype == dhcp::HTYPE_ETHERNET && repr.hlen == 6 {
        let [a, b, c, d, e, f, ..] = repr.chaddr;
        layer.push(Field::DhcpHwMacAddr, Value::Mac(ethernet::MacAddress::new([a, b, c, d, e, f])));
    }
    for option in &repr.options {
        match option {
            DhcpOption::MessageType(kind) => {
                layer.push(Field::DhcpOptionDhcp, Value::Uint(u64::from(kind.0)));
            }
            DhcpOption::RequestedIpAddress(addr) => {
                layer.push(Field::DhcpOptionRequestedIpAddress, Value::Ipv4(*addr));
            }
            DhcpOption::ServerIdentifier(addr) => {
                layer.push(Field::DhcpOptionDhcpServerId, Value::Ipv4(*addr));
            }
            DhcpOption::LeaseTime(seconds) => {
                layer.push(Field::DhcpOptionIpAddressLeaseTime, Value::Uint(u64::from(*seconds)));
            }
            DhcpOption::Router(addrs) => {
                for addr in addrs {
                    layer.push(Field::DhcpOptionRouter, Value::Ipv4(*addr));
                }
            }
            DhcpOption::DomainNameServer(addrs) => {
                for addr in addrs {
                    layer.push(Field::DhcpOptionDomainNameServer, Value::Ipv4(*addr));
                }
            }
            _ => {}
        }
    }
    layer
}

/// The Info column tshark prints for this layer: `DHCP Discover - Transaction ID 0x…`.
pub(crate) fn dhcp_info(layer: &Layer) -> String {
    let kind = match number(layer, Field::DhcpOptionDhcp) {
        1 => "Discover",
        2 => "Offer",
        3 => "Request",
        4 => "Decline",
        5 => "ACK",
        6 => "NAK",
        7 => "Release",
        8 => "Inform",
        _ => "BOOTP",
    };
    format!("DHCP {kind:<9}- Transaction ID {:#010x}", number(layer, Field::DhcpId))
}
