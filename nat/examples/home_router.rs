//! A home router's NAPT: two PCs use the same source port towards one server; replies
//! and an ICMP error about one of them come back translated.

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use conntrack::{Conntrack, ConntrackConfig};
use icmp::{IcmpRepr, QuoteLimit};
use ipv4::{IpProtocol, Ipv4Repr};
use nat::{Interface, Nat, NatConfig, NatRule, Stage};

fn udp(src: SocketAddrV4, dst: SocketAddrV4) -> Vec<u8> {
    let mut segment = Vec::new();
    segment.extend(src.port().to_be_bytes());
    segment.extend(dst.port().to_be_bytes());
    segment.extend([0, 12, 0, 0, b'p', b'i', b'n', b'g']);
    Ipv4Repr::new(*src.ip(), *dst.ip(), IpProtocol::UDP, segment.len()).to_bytes(&segment).unwrap_or_default()
}

fn show(label: &str, datagram: &[u8]) {
    let port = |at: usize| u16::from_be_bytes([datagram[at], datagram[at + 1]]);
    let addr = |at: usize| Ipv4Addr::new(datagram[at], datagram[at + 1], datagram[at + 2], datagram[at + 3]);
    println!("{label:28} {}:{} → {}:{}", addr(12), port(20), addr(16), port(22));
}

fn main() -> Result<(), nat::NatError> {
    let wan_address = Ipv4Addr::new(10, 1, 1, 245);
    let (lan, wan) = (
        Interface { name: Some("lan"), address: Some(Ipv4Addr::new(192, 168, 1, 254)) },
        Interface { name: Some("wan"), address: Some(wan_address) },
    );
    let mut table = Conntrack::new(ConntrackConfig::default(), 1);
    let mut rt1 = Nat::new(NatConfig::default(), 2);
    rt1.add_rule(NatRule::masquerade("wan"));
    let server = SocketAddrV4::new(Ipv4Addr::new(10, 1, 2, 53), 53);
    let mut pass = |datagram: &mut Vec<u8>, ingress, egress, now| {
        let mark = table.track(now, datagram).mark();
        rt1.translate(&mut table, now, Stage::Destination, mark, ingress, datagram)?;
        rt1.translate(&mut table, now, Stage::Source, mark, egress, datagram)?;
        if let Some(conn) = mark.conn {
            table.confirm(conn.id);
        }
        Ok::<_, nat::NatError>(())
    };
    let mut outside = Vec::new();
    for pc in [Ipv4Addr::new(192, 168, 1, 1), Ipv4Addr::new(192, 168, 1, 2)] {
        let mut query = udp(SocketAddrV4::new(pc, 40000), server);
        show("inside", &query);
        pass(&mut query, lan, wan, Duration::ZERO)?;
        show("  leaves the WAN as", &query);
        outside.push(query);
    }
    for sent in &outside {
        let public = SocketAddrV4::new(wan_address, u16::from_be_bytes([sent[20], sent[21]]));
        let mut answer = udp(server, public);
        pass(&mut answer, wan, lan, Duration::from_millis(3))?;
        show("answer reaches", &answer);
    }
    // A router on the way reports the second query's TTL ran out.
    let error =
        IcmpRepr::time_exceeded(&outside[1], QuoteLimit::Rfc792).map(|e| e.to_bytes()).unwrap_or_default();
    let mut error = Ipv4Repr::new(Ipv4Addr::new(10, 1, 1, 254), wan_address, IpProtocol::ICMP, error.len())
        .to_bytes(&error)
        .unwrap_or_default();
    pass(&mut error, wan, lan, Duration::from_millis(4))?;
    let quote = &error[28..];
    println!(
        "ICMP time exceeded now goes to {} and quotes {}:{}",
        Ipv4Addr::new(error[16], error[17], error[18], error[19]),
        Ipv4Addr::new(quote[12], quote[13], quote[14], quote[15]),
        u16::from_be_bytes([quote[20], quote[21]])
    );
    for mapping in rt1.mappings() {
        println!("mapping {} {} ↔ {}", mapping.protocol, mapping.inside, mapping.outside);
    }
    Ok(())
}
