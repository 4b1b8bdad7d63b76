//! fw1's filter table: the server 172.16.3.12 behind interface `in` takes HTTPS from
//! interface `out`, replies and ICMP errors about accepted connections pass, the rest is
//! dropped. Prints the table as `iptables-save` would, then follows a few datagrams
//! through the connection tracker and the FORWARD chain.

use core::time::Duration;
use std::error::Error;
use std::net::Ipv4Addr;

use conntrack::{Conntrack, ConntrackConfig, CtState};
use firewall::{Action, Chain, Firewall, Match, PacketContext, Rule};
use ipv4::IpProtocol;

const CLIENT: [u8; 4] = [10, 1, 1, 245];
const SERVER: [u8; 4] = [172, 16, 3, 12];

fn segment(src: [u8; 4], dst: [u8; 4], ports: (u16, u16), seq: u32, ack: u32, flags: u8) -> Vec<u8> {
    let mut datagram = vec![0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0];
    datagram.extend(src);
    datagram.extend(dst);
    datagram.extend(ports.0.to_be_bytes());
    datagram.extend(ports.1.to_be_bytes());
    datagram.extend(seq.to_be_bytes());
    datagram.extend(ack.to_be_bytes());
    datagram.extend([0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    datagram
}

/// An ICMP port unreachable from `src` quoting the first 28 bytes of `quoted`.
fn port_unreachable(src: [u8; 4], dst: [u8; 4], quoted: &[u8]) -> Vec<u8> {
    let mut datagram = vec![0x45, 0, 0, 56, 0, 0, 0, 0, 64, 1, 0, 0];
    datagram.extend(src);
    datagram.extend(dst);
    datagram.extend([3, 3, 0, 0, 0, 0, 0, 0]);
    datagram.extend(&quoted[..28]);
    datagram
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut fw = Firewall::default();
    fw.append(Chain::Forward, Rule::accept_established_related())?;
    let https = Match::any()
        .in_interface("out")
        .out_interface("in")
        .protocol(IpProtocol::TCP)
        .dst(Ipv4Addr::from(SERVER))
        .dst_port(443)
        .states(&[CtState::New]);
    fw.append(Chain::Forward, Rule::new("https-in", https, Action::Accept))?;
    fw.set_policy(Chain::Forward, Action::Drop)?;
    print!("{fw}");
    println!();

    let ack = segment(CLIENT, SERVER, (40000, 443), 101, 901, 0x10);
    let steps = [
        ("SYN :443", segment(CLIENT, SERVER, (40000, 443), 100, 0, 0x02), true),
        ("SYN-ACK", segment(SERVER, CLIENT, (443, 40000), 900, 101, 0x12), false),
        ("ACK", ack.clone(), true),
        ("stray ACK", segment(SERVER, CLIENT, (443, 40000), 900 + (1 << 30), 101, 0x10), false),
        ("SYN :22", segment(CLIENT, SERVER, (40001, 22), 500, 0, 0x02), true),
        ("ICMP unreach", port_unreachable(SERVER, CLIENT, &ack), false),
    ];
    let mut table = Conntrack::new(ConntrackConfig::default(), 0x5eed);
    for (at, (name, datagram, inbound)) in steps.iter().enumerate() {
        let tracked = table.track(Duration::from_millis(at as u64), datagram);
        let Some(packet) = tracked.packet else {
            println!("{name:12} unreadable: dropped");
            continue;
        };
        let (from, to) = if *inbound { ("out", "in") } else { ("in", "out") };
        let ctx = PacketContext::new(&packet, tracked.state).in_interface(from).out_interface(to);
        let decision = fw.evaluate(Chain::Forward, &ctx);
        println!(
            "{name:12} {:11} -i {from:3} -o {to:3} {}  {decision}",
            tracked.state.to_string(),
            packet.tuple
        );
    }

    println!();
    for (rule, counters) in fw.rules(Chain::Forward).zip(fw.rule_counters(Chain::Forward)) {
        println!("{:>10} {}", counters.to_string(), rule.in_chain(Chain::Forward));
    }
    println!("{:>10} policy {}", fw.policy_counters(Chain::Forward).to_string(), fw.policy(Chain::Forward));
    Ok(())
}
