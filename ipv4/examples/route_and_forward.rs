//! rt2, the ISP router of packetflow's topology: build its routing table, print it, and
//! forward a few packets, showing each RFC 1812 decision.
//!
//! Run with `cargo run -p packetflow-ipv4 --example route_and_forward`.

use std::error::Error;

use ipv4::forward::{ForwardDecision, forward, may_send_icmp_error};
use ipv4::fragment::fragment;
use ipv4::route::{InterfaceId, Route, RoutingTable};
use ipv4::{Dscp, Ecn, IpProtocol, Ipv4Options, Ipv4Packet, Ipv4Repr};

fn main() -> Result<(), Box<dyn Error>> {
    let mut table = RoutingTable::new();
    for (prefix, iface) in [("10.1.1.0/24", 1), ("10.1.2.0/24", 2), ("10.1.3.0/24", 3), ("10.1.4.0/24", 4)] {
        table.add(Route::connected(prefix.parse()?, InterfaceId(iface)))?;
    }
    table.add(Route::gateway("172.16.0.0/16".parse()?, "10.1.3.1".parse()?, InterfaceId(3)))?;
    println!("rt2 routing table:");
    for route in &table {
        println!("  {route}");
    }

    let cases = [
        ("SYN to the web site", "10.1.1.245", "10.1.3.12", 64, true, 40),
        ("DNS to the cache", "10.1.1.245", "10.1.2.53", 64, false, 60),
        ("traceroute probe", "10.1.1.245", "10.1.4.1", 1, false, 32),
        ("nowhere", "10.1.1.245", "8.8.8.8", 64, false, 32),
        ("big, DF set", "10.1.1.245", "172.16.2.1", 64, true, 1400),
        ("big, DF clear", "10.1.1.245", "172.16.2.1", 64, false, 1400),
    ];
    println!("\nforwarding (MTU 1500, 576 towards 10.1.3.0/24):");
    for (what, src, dst, ttl, dont_frag, payload_len) in cases {
        let repr = Ipv4Repr {
            src_addr: src.parse()?,
            dst_addr: dst.parse()?,
            protocol: IpProtocol::UDP,
            ttl,
            dscp: Dscp::CS0,
            ecn: Ecn::NOT_ECT,
            ident: 0x0100,
            dont_frag,
            more_frags: false,
            frag_offset: 0,
            options: Ipv4Options::NONE,
            payload_len,
        };
        let mut bytes = repr.to_bytes(&vec![0; payload_len])?;
        let decision = forward(&mut bytes, &table, |iface| if iface == InterfaceId(3) { 576 } else { 1500 });
        let packet = Ipv4Packet::new_checked(&bytes[..])?;
        let icmp = if may_send_icmp_error(&packet) { "ICMP error allowed" } else { "no ICMP error" };
        println!("  {what:<20} {src} → {dst} ttl {ttl}: {decision:?} ({icmp})");
        if let ForwardDecision::Fragment { mtu, .. } = decision {
            let parsed = Ipv4Repr::parse(&packet)?;
            for piece in fragment(&parsed, packet.payload(), mtu)? {
                let piece = Ipv4Packet::new_checked(&piece[..])?;
                println!(
                    "      fragment: offset {:>4}, {:>3} bytes, MF {}, ttl {}",
                    piece.frag_offset(),
                    piece.payload().len(),
                    u8::from(piece.more_frags()),
                    piece.ttl()
                );
            }
        }
    }
    Ok(())
}
