//! RFC 1122 / RFC 1812 rules of the simulated IPv4 stack that are easy to get wrong:
//! broadcasts (limited, directed, link-layer), errors about a host's own datagrams, and
//! extreme values that must not panic the event loop.

mod common;

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::Duration;

use ethernet::{EtherType, EthernetRepr, MacAddress, Padding};
use ipnet::Ipv4Net;
use ipv4::{IpProtocol, Ipv4Repr};
use sim::scenario::{self, addr, mac_for};
use sim::{
    Command, Endpoint, Host, IfaceId, InterfaceInfo, LinkConfig, Node, NodeEvent, NodeId, NodeKind, Router,
    Simulation,
};
use stack::{IcmpErrorKind, StackEvent};
use udp::UdpRepr;

/// A test node that puts raw frames on its one interface when told to, and records
/// nothing else: it lets a test send what the stack itself never would.
#[derive(Debug, Default)]
struct Injector {
    queued: VecDeque<Vec<u8>>,
    frames: Vec<Vec<u8>>,
}

impl Node for Injector {
    fn name(&self) -> &str {
        "inj"
    }
    fn kind(&self) -> NodeKind {
        NodeKind::Host
    }
    fn interfaces(&self) -> Vec<InterfaceInfo> {
        vec![InterfaceInfo { name: "eth0".to_owned(), mac: Some(mac_for(99, 0)), ipv4: None }]
    }
    fn handle_frame(&mut self, _now: Duration, _iface: IfaceId, _frame: &[u8]) {}
    fn handle_command(&mut self, _now: Duration, command: &Command) {
        if let Command::SendUdp { payload, .. } = command {
            self.queued.push_back(payload.clone());
        }
    }
    fn poll_transmit(&mut self) -> Option<(IfaceId, Vec<u8>)> {
        let frame = self.queued.pop_front()?;
        self.frames.push(frame.clone());
        Some((IfaceId(0), frame))
    }
    fn describe_state(&self, _now: Duration) -> Vec<String> {
        Vec::new()
    }
}

/// Asks the injector to send `frame` at `at` (the frame rides in a `SendUdp` payload).
fn inject(sim: &mut Simulation, injector: NodeId, at: Duration, frame: Vec<u8>) {
    let command = Command::SendUdp { dst: Ipv4Addr::UNSPECIFIED, src_port: 0, dst_port: 0, payload: frame };
    sim.schedule(at, injector, command);
}

/// An Ethernet frame to `dst_mac` carrying a UDP datagram `src` → `dst` port 9.
fn udp_frame(dst_mac: MacAddress, src: Ipv4Addr, dst: Ipv4Addr) -> Vec<u8> {
    let payload = b"anyone?";
    let udp = UdpRepr { src_port: 40000, dst_port: 9, payload_len: payload.len() }
        .to_bytes(src, dst, payload)
        .unwrap();
    let ip =
        Ipv4Repr { ident: 7, ..Ipv4Repr::new(src, dst, IpProtocol::UDP, udp.len()) }.to_bytes(&udp).unwrap();
    EthernetRepr { src_addr: mac_for(99, 0), dst_addr: dst_mac, vlan: None, ethertype: EtherType::IPV4 }
        .to_bytes(&ip, Padding::MinimumFrame)
}

fn end(node: NodeId, iface: usize) -> Endpoint {
    Endpoint { node, iface: IfaceId(iface) }
}

/// inj and host `a` (10.0.1.1) on router `r`'s left side (10.0.1.254/24) through... a
/// direct link each; `b` (10.0.2.1) on r's right side. inj is joined to r's left port.
fn injector_router_host() -> (Simulation, NodeId, NodeId, NodeId) {
    let mut sim = Simulation::new(1);
    let net = |s: &str| s.parse::<Ipv4Net>().unwrap();
    let inj = sim.add_node(Box::new(Injector::default()));
    let r = sim.add_node(Box::new(Router::new(
        "r",
        &[("left", mac_for(2, 0), net("10.0.1.254/24")), ("right", mac_for(2, 1), net("10.0.2.254/24"))],
    )));
    let b = sim.add_node(Box::new(
        Host::new("b", "eth0", mac_for(3, 0), Some((Ipv4Addr::new(10, 0, 2, 1), 24)))
            .with_gateway(Ipv4Addr::new(10, 0, 2, 254)),
    ));
    sim.connect(end(inj, 0), end(r, 0), LinkConfig::default()).unwrap();
    sim.connect(end(r, 1), end(b, 0), LinkConfig::default()).unwrap();
    (sim, inj, r, b)
}

fn frames_from(sim: &Simulation, node: NodeId) -> Vec<String> {
    sim.trace().frames().filter(|f| f.from.node == node).map(|f| sim::describe::summarize(&f.bytes)).collect()
}

#[test]
fn a_router_does_not_forward_a_unicast_datagram_received_as_link_layer_broadcast() {
    // RFC 1812 §5.3.4: a router MUST NOT forward a packet it received as a link-layer
    // broadcast unless it is addressed to an IP multicast address.
    let (mut sim, inj, r, _b) = injector_router_host();
    let frame = udp_frame(MacAddress::BROADCAST, Ipv4Addr::new(10, 0, 1, 1), Ipv4Addr::new(10, 0, 2, 1));
    inject(&mut sim, inj, Duration::ZERO, frame);
    sim.run(Duration::from_secs(10), 100_000);
    assert_eq!(frames_from(&sim, r), Vec::<String>::new(), "r stays silent");
}

#[test]
fn a_host_ignores_a_unicast_datagram_received_as_link_layer_broadcast() {
    // RFC 1122 §3.3.6 (discard) and §3.2.2 (no ICMP error about a link-layer broadcast).
    let (mut sim, inj, r, _b) = injector_router_host();
    let frame = udp_frame(MacAddress::BROADCAST, Ipv4Addr::new(10, 0, 1, 1), Ipv4Addr::new(10, 0, 1, 254));
    inject(&mut sim, inj, Duration::ZERO, frame);
    sim.run(Duration::from_secs(10), 100_000);
    assert_eq!(frames_from(&sim, r), Vec::<String>::new(), "no port unreachable, no ARP");
}

#[test]
fn no_port_unreachable_for_a_directed_broadcast() {
    // RFC 1122 §3.2.2: never an ICMP error about a datagram to an IP broadcast address,
    // the subnet's directed broadcast included.
    let (mut sim, inj, r, _b) = injector_router_host();
    let frame = udp_frame(MacAddress::BROADCAST, Ipv4Addr::new(10, 0, 1, 1), Ipv4Addr::new(10, 0, 1, 255));
    inject(&mut sim, inj, Duration::ZERO, frame);
    sim.run(Duration::from_secs(10), 100_000);
    assert_eq!(frames_from(&sim, r), Vec::<String>::new(), "r stays silent");
}

#[test]
fn a_host_sends_its_subnet_broadcast_and_limited_broadcast_to_the_broadcast_mac() {
    // RFC 1122 §3.3.6: an IP broadcast goes out as a link-layer broadcast, never via ARP,
    // and the limited broadcast is never handed to a gateway.
    for dst in [Ipv4Addr::new(192, 168, 1, 255), Ipv4Addr::BROADCAST] {
        let mut sim = Simulation::new(1);
        let lan = scenario::build_lan(&mut sim, LinkConfig::default());
        let send = Command::SendUdp { dst, src_port: 40000, dst_port: 9, payload: b"hello all".to_vec() };
        sim.schedule(Duration::ZERO, lan.cl1, send);
        sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
        let sent = frames_from(&sim, lan.cl1);
        assert_eq!(sent.len(), 1, "{dst}: one datagram and no ARP: {sent:?}");
        let first = sim.trace().frames().find(|f| f.from.node == lan.cl1).unwrap();
        assert_eq!(first.bytes[..6], [0xff; 6], "{dst}: sent to the broadcast MAC");
        // Nobody listens on port 9, and nobody may say so.
        let errors = sim
            .trace()
            .events()
            .filter(|e| matches!(e.event, NodeEvent::Stack(StackEvent::IcmpErrorSent { .. })));
        assert_eq!(errors.count(), 0, "{dst}: no ICMP error about a broadcast");
    }
}

#[test]
fn a_host_that_cannot_resolve_its_own_ping_reports_host_unreachable_locally() {
    // Like Linux ping ("From 192.168.1.1 icmp_seq=1 Destination Host Unreachable"): the
    // error never leaves the host, and the host never ARPs for its own address.
    let mut sim = Simulation::new(1);
    let lan = scenario::build_lan(&mut sim, LinkConfig::default());
    let nobody = Ipv4Addr::new(192, 168, 1, 99);
    let ping = Command::Ping { dst: nobody, count: 1, interval: Duration::from_secs(1), size: 56, ttl: 64 };
    sim.schedule(Duration::ZERO, lan.cl1, ping);
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    let sent = frames_from(&sim, lan.cl1);
    assert!(sent.iter().all(|s| s == "ARP Who has 192.168.1.99? Tell 192.168.1.1"), "{sent:?}");
    let host_unreachable = IcmpErrorKind::Unreachable(icmp::UnreachableCode::HOST);
    assert_eq!(common::outcomes_at(&sim, lan.cl1), [common::Outcome::Error(host_unreachable, addr::CL1)]);
}

#[test]
fn extreme_link_latency_does_not_overflow_virtual_time() {
    let mut sim = Simulation::new(1);
    let link = LinkConfig { latency: Duration::MAX, ..LinkConfig::default() };
    let lan = scenario::build_lan(&mut sim, link);
    scenario::schedule_ping_flow(&mut sim, &lan);
    let summary = sim.run(Duration::MAX, 10_000);
    // cl1's ARP request goes out; at a latency of Duration::MAX it arrives, saturated,
    // at the end of time, where the clock stays (the step bound ends the run).
    let first = sim.trace().frames().next().expect("cl1 sends its ARP request");
    assert_eq!(first.fate.arrival(), Some(Duration::MAX));
    assert_eq!(summary.end, Duration::MAX, "{summary:?}");
    // ARP gives up long before the reply could come: each ping ends host-unreachable.
    let host_unreachable = IcmpErrorKind::Unreachable(icmp::UnreachableCode::HOST);
    let outcome = common::Outcome::Error(host_unreachable, addr::CL1);
    assert_eq!(common::outcomes_at(&sim, lan.cl1), [outcome, outcome]);
}

#[test]
fn an_impossible_ping_size_or_interval_is_refused_not_a_panic() {
    let mut sim = Simulation::new(1);
    let lan = scenario::build_lan(&mut sim, LinkConfig::default());
    let huge = Command::Ping {
        dst: addr::CL2,
        count: 1,
        interval: Duration::from_secs(1),
        size: usize::MAX,
        ttl: 64,
    };
    sim.schedule(Duration::ZERO, lan.cl1, huge);
    let forever = Command::Ping { dst: addr::CL2, count: 3, interval: Duration::MAX, size: 56, ttl: 64 };
    sim.schedule(Duration::from_secs(1), lan.cl2, forever);
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    let refused =
        sim::apps::AppEvent::PingRefused(sim::apps::PingRefusal::TooLarge { size: usize::MAX, max: 65_507 });
    assert!(common::events_at(&sim, "cl1").any(|e| *e == NodeEvent::App(refused.clone())));
    assert_eq!(frames_from(&sim, lan.cl1), Vec::<String>::new(), "cl1 sends nothing");
    // An interval of Duration::MAX: the first request goes out at once, the next never.
    let sent = common::events_at(&sim, "cl2")
        .filter(|e| matches!(e, NodeEvent::App(sim::apps::AppEvent::PingSent { .. })))
        .count();
    assert_eq!(sent, 1);
}

#[test]
fn the_narrative_does_not_credit_the_arp_cache_for_a_broadcast_frame() {
    let mut sim = Simulation::new(1);
    let lan = scenario::build_lan(&mut sim, LinkConfig::default());
    let dst = Ipv4Addr::new(192, 168, 1, 255);
    sim.schedule(
        Duration::ZERO,
        lan.cl1,
        Command::SendUdp { dst, src_port: 1, dst_port: 9, payload: vec![1] },
    );
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    let story = sim::narrative::render(&sim::narrative::narrate(&sim));
    assert!(
        story.contains("destination ff:ff:ff:ff:ff:ff (an IP broadcast needs no ARP; RFC 894)"),
        "{story}"
    );
}
