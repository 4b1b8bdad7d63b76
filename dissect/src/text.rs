//! The one-line-per-packet view, after tshark's default output.

use super::decode::{Dissection, Layer, Origin, Protocol};
use super::fields::{Field, Value};
use crate::proto::{
    arp::arp_info, dhcp::dhcp_info, dns::dns_info, icmp::icmp_info, ipv4::ipv4_info, tcp::tcp_info,
    tls::tls_info, udp::udp_info,
};

/// One line: number, seconds since the first packet, interface (pcapng), source →
/// destination, protocol, length on the wire, and a description; a layer that failed
/// to decode is described by its error, and notes follow in brackets.
///
/// ```text
///     3   0.000040 192.0.2.10 → 192.0.2.20 ICMP 98 Echo Request id=0x4207, seq=1, ttl=64
/// ```
pub fn text_line(dissection: &Dissection) -> String {
    let frame = dissection.layers.first();
    let relative = frame.and_then(|f| f.get(Field::FrameTimeRelative));
    let time = match relative {
        Some(Value::Seconds(nanos)) => micros(*nanos),
        _ => String::from("?"),
    };
    let interface = frame
        .and_then(|f| f.get(Field::FrameInterfaceName))
        .map(|name| format!(" {name}"))
        .unwrap_or_default();
    let (src, dst) = endpoints(dissection);
    let (protocol, mut info) = describe(dissection);
    for note in &dissection.notes {
        info.push_str(&format!(" [{note}]"));
    }
    format!(
        "{:>5} {time:>11}{interface} {src} → {dst} {protocol} {} {info}",
        dissection.number, dissection.original_len
    )
}

/// Seconds with 6 decimals, rounded towards zero.
/// The protocol and its info, after the IP endpoints when there is an IP layer:
/// `ARP Who has 192.168.1.2? Tell 192.168.1.1`, `ICMP 192.168.1.1 → 192.168.1.2 Echo
/// Request id=0x4207, seq=1, ttl=64`. The narrative shows frames this way.
pub fn summary(dissection: &Dissection) -> String {
    let (protocol, mut info) = describe(dissection);
    for note in &dissection.notes {
        info.push_str(&format!(" [{note}]"));
    }
    if dissection.own_layers().any(|layer| layer.protocol == Protocol::Ipv4) {
        let (src, dst) = endpoints(dissection);
        format!("{protocol} {src} → {dst} {info}")
    } else {
        format!("{protocol} {info}")
    }
}

/// Seconds with six decimals, truncated as tshark prints them (`0.000040`): the one
/// time format of the dissector and the narrative.
pub fn format_seconds(nanos: i128) -> String {
    micros(nanos)
}

fn micros(nanos: i128) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let magnitude = nanos.unsigned_abs();
    format!("{sign}{}.{:06}", magnitude / 1_000_000_000, magnitude % 1_000_000_000 / 1_000)
}

pub(crate) fn value(layer: &Layer, field: Field) -> String {
    layer.get(field).map(ToString::to_string).unwrap_or_else(|| String::from("?"))
}

pub(crate) fn number(layer: &Layer, field: Field) -> u64 {
    layer.get(field).and_then(Value::as_u64).unwrap_or_default()
}

fn endpoints(dissection: &Dissection) -> (String, String) {
    let own = |protocol| dissection.own_layers().find(|layer| layer.protocol == protocol);
    // A header too damaged to hold addresses falls back to the Ethernet ones.
    let ip = own(Protocol::Ipv4).filter(|ip| ip.get(Field::IpDst).is_some());
    match (ip, own(Protocol::Ethernet)) {
        (Some(ip), _) => (value(ip, Field::IpSrc), value(ip, Field::IpDst)),
        (None, Some(eth)) => (value(eth, Field::EthSrc), value(eth, Field::EthDst)),
        (None, None) => (String::from("?"), String::from("?")),
    }
}

/// The protocol column and the description.
fn describe(dissection: &Dissection) -> (String, String) {
    if let Some(error) = &dissection.error {
        return (error.protocol.to_string(), error.to_string());
    }
    let Some(top) = dissection.own_layers().last() else {
        return (String::from("?"), String::new());
    };
    match top.protocol {
        Protocol::Frame => (String::from("?"), String::new()),
        Protocol::Ethernet => {
            let ethertype = top.get(Field::EthType).and_then(Value::as_u64).unwrap_or_default();
            let name = u16::try_from(ethertype).ok().and_then(|t| ethernet::EtherType(t).name());
            let label = name.map_or_else(|| format!("{ethertype:#06x}"), str::to_owned);
            (label, String::from("payload not decoded"))
        }
        Protocol::Arp => (String::from("ARP"), arp_info(top)),
        Protocol::Ipv4 => ipv4_info(top, dissection.undecoded),
        Protocol::Icmp => {
            let ttl = dissection
                .own_layers()
                .find(|layer| layer.protocol == Protocol::Ipv4)
                .map(|ip| value(ip, Field::IpTtl));
            let quoted = dissection.layers.iter().filter(|layer| layer.origin == Origin::Quoted);
            (String::from("ICMP"), icmp_info(top, ttl, quoted))
        }
        Protocol::Udp => (String::from("UDP"), udp_info(top)),
        Protocol::Tcp => (String::from("TCP"), tcp_info(top)),
        Protocol::Tls => (String::from("TLS"), tls_info(top)),
        Protocol::Dhcp => (String::from("DHCP"), dhcp_info(top)),
        Protocol::Dns => (String::from("DNS"), dns_info(top)),
    }
}
