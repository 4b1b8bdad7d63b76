//! Phase 3 of the HTTPS flow through rt1's NAPT and fw1's DNAT and filter, and what the
//! two refuse: the translations asserted on the trace, every checksum recomputed.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use ipv4::{IpProtocol, Ipv4Packet};
use sim::apps::AppEvent;
use sim::narrative::{Line, narrate};
use sim::scenario::{self, Flow, addr};
use sim::{Command, LinkConfig, NetfilterEvent, NodeEvent, Simulation};

fn https() -> Simulation {
    let mut sim = scenario::build(Flow::Https, 1, LinkConfig::default());
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    sim
}

/// The TCP segments on `link`: (src, dst, flags).
fn segments(sim: &Simulation, link: &str) -> Vec<(SocketAddrV4, SocketAddrV4, u8)> {
    sim.trace()
        .frames()
        .filter(|f| sim.links()[f.link.0].name == link && !f.duplicate)
        .filter_map(|f| {
            let ip = Ipv4Packet::new_checked(f.bytes.get(14..)?).ok()?;
            if ip.protocol() != IpProtocol::TCP {
                return None;
            }
            let tcp = tcp::TcpPacket::new_checked(ip.payload()).ok()?;
            let flags = tcp.flags().0 as u8;
            Some((
                SocketAddrV4::new(ip.src_addr(), tcp.src_port()),
                SocketAddrV4::new(ip.dst_addr(), tcp.dst_port()),
                flags,
            ))
        })
        .collect()
}

const SYN: u8 = 0x02;
const SYN_ACK: u8 = 0x12;

#[test]
fn the_syn_is_translated_at_rt1_and_fw1_and_the_handshake_completes() {
    let sim = https();
    let syn_on = |link| segments(&sim, link).into_iter().find(|s| s.2 == SYN);
    let (lan_src, lan_dst, _) = syn_on("cl1-sw1").expect("cl1 sends a SYN");
    assert_eq!((*lan_src.ip(), lan_dst), (addr::CL1, SocketAddrV4::new(addr::WWW_PUBLIC, 443)));
    let (isp_src, isp_dst, _) = syn_on("rt1-rt2").expect("the SYN crosses rt1");
    assert_eq!(*isp_src.ip(), addr::RT1_WAN, "rt1 NAPTs the source");
    assert_eq!(isp_dst, lan_dst, "rt1 leaves the destination alone");
    let (site_src, site_dst, _) = syn_on("fw1-lb1").expect("the SYN crosses fw1");
    assert_eq!(site_src, isp_src, "fw1 leaves the source alone");
    assert_eq!(site_dst, SocketAddrV4::new(addr::LB1_VIP, 443), "fw1 DNATs the destination");
    // The mapping rt1 reports is the one on the wire.
    let rt1 = sim.node_id("rt1").unwrap();
    let mapping = sim.trace().events().find_map(|e| match &e.event {
        NodeEvent::Netfilter(NetfilterEvent::Nat(nat::NatEvent::MappingCreated(m))) if e.node == rt1 => {
            Some(*m)
        }
        _ => None,
    });
    let mapping = mapping.expect("rt1 records a mapping");
    assert_eq!((mapping.inside, mapping.outside), (lan_src, isp_src));
    // lb1's SYN-ACK comes back to cl1 from the public address, to its own port.
    let back = segments(&sim, "cl1-sw1").into_iter().find(|s| s.2 == SYN_ACK).expect("a SYN-ACK reaches cl1");
    assert_eq!(back.0, SocketAddrV4::new(addr::WWW_PUBLIC, 443));
    assert_eq!(back.1, lan_src);
    let lb1_reply = segments(&sim, "fw1-lb1").into_iter().find(|s| s.2 == SYN_ACK).unwrap();
    assert_eq!(lb1_reply.0, SocketAddrV4::new(addr::LB1_VIP, 443), "lb1 answers from its VIP");
    // The connection carries TLS to the end: cl1 resets it from its own port.
    let rst = segments(&sim, "fw1-lb1").into_iter().any(|s| s.2 & 0x04 != 0 && s.0 == isp_src);
    assert!(rst, "cl1's closing RST crosses both translations to lb1");
}

#[test]
fn every_checksum_on_every_link_is_valid_after_the_translations() {
    let sim = https();
    let mut checked = [0usize; 3];
    for frame in sim.trace().frames() {
        let Some(Ok(ip)) = frame.bytes.get(14..).map(Ipv4Packet::new_checked) else { continue };
        assert!(ip.verify_checksum(), "IPv4 header at {:?}", frame.time);
        let (src, dst) = (ip.src_addr(), ip.dst_addr());
        match ip.protocol() {
            IpProtocol::TCP => {
                assert!(tcp::TcpPacket::new_checked(ip.payload()).unwrap().verify_checksum(src, dst));
                checked[0] += 1;
            }
            IpProtocol::UDP => {
                assert!(udp::UdpPacket::new_checked(ip.payload()).unwrap().verify_checksum(src, dst));
                checked[1] += 1;
            }
            IpProtocol::ICMP => {
                assert!(icmp::IcmpPacket::new_checked(ip.payload()).unwrap().verify_checksum());
                checked[2] += 1;
            }
            _ => {}
        }
    }
    assert!(checked[0] >= 16 && checked[1] >= 8, "TCP, UDP, ICMP checked: {checked:?}");
}

#[test]
fn the_narrative_shows_each_rewrite_and_the_tables_list_the_entries() {
    let sim = https();
    let lines = narrate(&sim);
    let phase3: Vec<&str> = lines
        .iter()
        .skip_while(|l| !matches!(l, Line::Phase { number: 3, .. }))
        .filter_map(|l| match l {
            Line::Step { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let has = |needle: &str| phase3.iter().any(|t| t.contains(needle));
    assert!(has("rt1 rewrites the source: 192.168.1.1:"), "{phase3:#?}");
    assert!(has("fw1 rewrites the destination: 10.1.3.12:443 → 172.16.3.12:443"), "{phase3:#?}");
    assert!(has("fw1 rewrites the source: 172.16.3.12:443 → 10.1.3.12:443"), "{phase3:#?}");
    assert!(has("rt1 records the NAPT mapping TCP 192.168.1.1:"), "{phase3:#?}");
    assert!(has("fw1 connection tracking: new entry TCP 10.1.1.245:"), "{phase3:#?}");
    assert!(has("https-in"), "the rule that admitted the SYN is named: {phase3:#?}");
    assert!(has("proxy ARP"), "fw1 answers ARP for 10.1.3.12: {phase3:#?}");
    // rt1's tables, as `packetflow run --state` would list them.
    let rt1 = sim.node_id("rt1").unwrap();
    let state = sim.nodes()[rt1.0].describe_state(sim.now());
    assert!(
        state.iter().any(|l| l.starts_with("NAPT TCP 192.168.1.1:") && l.contains("↔ 10.1.1.245:")),
        "{state:#?}"
    );
    assert!(state.iter().any(|l| l.starts_with("conntrack TCP 192.168.1.1:")), "{state:#?}");
    assert!(state.iter().any(|l| l.contains("MASQUERADE")), "{state:#?}");
}

fn lan_with(at: Duration, node: &str, command: Command) -> Simulation {
    let mut sim = Simulation::new(1);
    scenario::build_lan(&mut sim, LinkConfig::default());
    let id = sim.node_id(node).unwrap();
    sim.schedule(at, id, command);
    sim.run(Duration::from_secs(120), scenario::MAX_STEPS);
    sim
}

fn drops_at(sim: &Simulation, node: &str) -> Vec<String> {
    let id = sim.node_id(node).unwrap();
    sim.trace()
        .events()
        .filter(|e| e.node == id)
        .filter_map(|e| match &e.event {
            NodeEvent::Stack(stack::StackEvent::Dropped(stack::DropReason::Hook { reason, .. })) => {
                Some(reason.clone())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn an_unsolicited_syn_to_the_napt_address_is_dropped_by_rt1() {
    let to = SocketAddrV4::new(addr::RT1_WAN, 22);
    let sim = lan_with(Duration::ZERO, "ns1", Command::TcpSend { to, len: 10 });
    let drops = drops_at(&sim, "rt1");
    assert!(!drops.is_empty() && drops.iter().all(|r| r == "INPUT policy: DROP"), "{drops:?}");
    // Nothing answers: no RST, no SYN-ACK leaves rt1 towards ns1.
    assert!(segments(&sim, "rt1-rt2").iter().all(|s| *s.0.ip() != addr::RT1_WAN), "rt1 stays silent");
    let lines = narrate(&sim);
    assert!(lines.iter().any(|l| matches!(l, Line::Step { node, text, .. }
        if node == "rt1" && text.contains("INPUT policy: DROP"))));
}

#[test]
fn a_closed_port_on_fw1_is_rejected_by_a_named_rule_and_the_narrative_says_so() {
    let to = SocketAddrV4::new(addr::FW1_OUT, 22);
    let sim = lan_with(Duration::ZERO, "cl1", Command::TcpSend { to, len: 10 });
    // fw1's RST reaches cl1 through rt1's mapping, and cl1 gives up at once.
    let rst = segments(&sim, "cl1-sw1").into_iter().find(|s| s.2 & 0x04 != 0).expect("a RST reaches cl1");
    assert_eq!(rst.0, to);
    let refused = sim.trace().events().any(|e| {
        matches!(e.event, NodeEvent::App(AppEvent::TcpSent { to: t, bytes: 0, completed: false, elapsed, .. })
            if t == to && elapsed < Duration::from_secs(1))
    });
    assert!(refused);
    let lines = narrate(&sim);
    assert!(
        lines.iter().any(|l| matches!(l, Line::Step { node, text, .. }
        if node == "fw1" && text.contains("rejects") && text.contains("closed-ports"))),
        "{lines:#?}"
    );
}

#[test]
fn pings_reach_the_vip_through_both_translations_but_not_the_servers() {
    let ping =
        |dst: Ipv4Addr| Command::Ping { dst, count: 1, interval: Duration::from_secs(1), size: 56, ttl: 64 };
    let sim = lan_with(Duration::ZERO, "cl1", ping(addr::WWW_PUBLIC));
    assert!(sim.trace().events().any(|e| matches!(e.event, NodeEvent::App(AppEvent::PingReply { .. }))));
    // The echo identifier is a "port" for NAPT: rt1 records a mapping for it.
    assert!(sim.trace().events().any(|e| matches!(&e.event,
        NodeEvent::Netfilter(NetfilterEvent::Nat(nat::NatEvent::MappingCreated(m))) if m.protocol == IpProtocol::ICMP)));
}

#[test]
fn a_fragmented_datagram_crosses_the_napt_whole_and_its_icmp_error_comes_back() {
    // 3,000 bytes of UDP to a port nobody listens on at ns1: three fragments leave cl1.
    let send = Command::SendUdp { dst: addr::NS1, src_port: 40000, dst_port: 9, payload: vec![0x5a; 3000] };
    let sim = lan_with(Duration::ZERO, "cl1", send);
    let udp_fragments = |link: &str| {
        sim.trace()
            .frames()
            .filter(|f| sim.links()[f.link.0].name == link)
            .filter_map(|f| {
                Ipv4Packet::new_checked(f.bytes.get(14..)?).ok().map(|ip| (ip.protocol(), ip.src_addr()))
            })
            .filter(|(protocol, _)| *protocol == IpProtocol::UDP)
            .map(|(_, src)| src)
            .collect::<Vec<_>>()
    };
    assert_eq!(udp_fragments("cl1-sw1"), [addr::CL1; 3]);
    // rt1 reassembled, translated and fragmented again: every fragment has the public source.
    assert_eq!(udp_fragments("rt1-rt2"), [addr::RT1_WAN; 3]);
    // ns1's port unreachable quotes the translated datagram; rt1 translates it back.
    let error = sim.trace().events().find_map(|e| match &e.event {
        NodeEvent::App(AppEvent::IcmpError { from, error, about }) if sim.node_name(e.node) == "cl1" => {
            Some((*from, *error, *about))
        }
        _ => None,
    });
    let port_unreachable = stack::IcmpErrorKind::Unreachable(icmp::UnreachableCode::PORT);
    assert_eq!(error, Some((addr::NS1, port_unreachable, addr::NS1)), "cl1 hears that port 9 is unreachable");
}
