//! The IP layer inside the simulator: fragmentation and reassembly, router
//! fragmentation to a smaller MTU, and ICMP port unreachable from a closed UDP port.

mod common;

use std::net::Ipv4Addr;
use std::time::Duration;

use common::{Outcome, events_at};
use icmp::UnreachableCode;
use ipnet::Ipv4Net;
use sim::apps::{AppEvent, PingRefusal};
use sim::scenario::{self, addr, mac_for};
use sim::{Command, Endpoint, Host, IfaceId, LinkConfig, NodeEvent, Router, Simulation};
use stack::{IcmpErrorKind, StackEvent};

/// Whether `node` got an echo reply from `from`.
fn got_reply(sim: &Simulation, node: &str, from: Ipv4Addr) -> bool {
    common::outcomes_at(sim, sim.node_id(node).unwrap()).contains(&Outcome::Reply(from))
}

fn ping(dst: Ipv4Addr, size: usize) -> Command {
    Command::Ping { dst, count: 1, interval: Duration::from_secs(1), size, ttl: 64 }
}

#[test]
fn a_3000_byte_ping_is_fragmented_in_three_and_reassembled_both_ways() {
    let mut sim = Simulation::new(1);
    let lan = scenario::build_lan(&mut sim, LinkConfig::default());
    // 3000 data bytes + 8 of ICMP header + 20 of IP header = the capture's 3028-byte datagram.
    sim.schedule(Duration::ZERO, lan.cl1, ping(addr::CL2, 3000));
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    let ipv4_on_cl1_link: Vec<(usize, u16, bool)> = sim
        .trace()
        .frames()
        .filter(|f| sim.links()[f.link.0].name == "cl1-sw1" && f.bytes[12..14] == [0x08, 0x00])
        .map(|f| {
            let ip = ipv4::Ipv4Packet::new_checked(&f.bytes[14..]).unwrap();
            (usize::from(ip.total_len()), ip.frag_offset(), ip.more_frags())
        })
        .collect();
    let three = [(1500, 0, true), (1500, 1480, true), (68, 2960, false)];
    assert_eq!(ipv4_on_cl1_link, [three, three].concat());
    let reassembled = |node| {
        events_at(&sim, node)
            .any(|e| matches!(e, NodeEvent::Stack(StackEvent::Reassembled { len: 3028, .. })))
    };
    assert!(reassembled("cl2") && reassembled("cl1"), "both ends reassemble 3028 bytes");
    assert!(got_reply(&sim, "cl1", addr::CL2));
}

#[test]
fn a_router_fragments_for_a_smaller_mtu_on_the_far_link() {
    let mut sim = Simulation::new(1);
    let net = |s: &str| s.parse::<Ipv4Net>().unwrap();
    let a = sim.add_node(Box::new(
        Host::new("a", "eth0", mac_for(1, 0), Some((Ipv4Addr::new(10, 0, 1, 1), 24)))
            .with_gateway(Ipv4Addr::new(10, 0, 1, 254)),
    ));
    let r = sim.add_node(Box::new(Router::new(
        "r",
        &[("left", mac_for(2, 0), net("10.0.1.254/24")), ("right", mac_for(2, 1), net("10.0.2.254/24"))],
    )));
    let b = sim.add_node(Box::new(
        Host::new("b", "eth0", mac_for(3, 0), Some((Ipv4Addr::new(10, 0, 2, 1), 24)))
            .with_gateway(Ipv4Addr::new(10, 0, 2, 254)),
    ));
    let end = |node, iface| Endpoint { node, iface: IfaceId(iface) };
    sim.connect(end(a, 0), end(r, 0), LinkConfig::default()).unwrap();
    sim.connect(end(r, 1), end(b, 0), LinkConfig { mtu: 576, ..LinkConfig::default() }).unwrap();
    sim.schedule(Duration::ZERO, a, ping(Ipv4Addr::new(10, 0, 2, 1), 1000));
    sim.run(Duration::from_secs(10), 100_000);

    let sizes_on = |link: &str, from: &str| -> Vec<usize> {
        sim.trace()
            .frames()
            .filter(|f| sim.links()[f.link.0].name == link && sim.node_name(f.from.node) == from)
            .filter(|f| f.bytes[12..14] == [0x08, 0x00])
            .map(|f| f.bytes.len() - 14)
            .collect()
    };
    assert_eq!(sizes_on("a-r", "a"), [1028], "a sends one datagram");
    assert_eq!(sizes_on("r-b", "r"), [572, 476], "r splits it to fit 576 (data in multiples of 8)");
    assert!(sizes_on("r-b", "b").iter().all(|&len| len <= 576), "b fragments its reply itself");
    assert!(sim.trace().frames().all(|f| f.fate.arrival().is_some()), "nothing exceeded an MTU");
    assert!(got_reply(&sim, "a", Ipv4Addr::new(10, 0, 2, 1)));
}

#[test]
fn udp_to_a_closed_port_is_answered_with_port_unreachable() {
    let mut sim = Simulation::new(1);
    let lan = scenario::build_lan(&mut sim, LinkConfig::default());
    let send =
        Command::SendUdp { dst: addr::CL2, src_port: 40000, dst_port: 9, payload: b"discard?".to_vec() };
    sim.schedule(Duration::ZERO, lan.cl1, send);
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    let port_unreachable = IcmpErrorKind::Unreachable(UnreachableCode::PORT);
    assert_eq!(common::outcomes_at(&sim, lan.cl1), [Outcome::Error(port_unreachable, addr::CL2)]);
}

#[test]
fn a_ping_with_ttl_zero_is_refused_before_anything_is_sent() {
    let mut sim = Simulation::new(1);
    let lan = scenario::build_lan(&mut sim, LinkConfig::default());
    let ping = Command::Ping { dst: addr::CL2, count: 1, interval: Duration::from_secs(1), size: 56, ttl: 0 };
    sim.schedule(Duration::ZERO, lan.cl1, ping);
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    assert_eq!(sim.trace().frames().count(), 0);
    assert!(
        events_at(&sim, "cl1").any(|e| *e == NodeEvent::App(AppEvent::PingRefused(PingRefusal::TtlZero)))
    );
}
