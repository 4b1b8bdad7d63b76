//! The LAN ping flow, step by step on the trace, and pings across the routed topology.

mod common;

use std::net::Ipv4Addr;
use std::time::Duration;

use arp::ArpEvent;
use common::Outcome;
use icmp::{TimeExceededCode, UnreachableCode};
use sim::apps::AppEvent;
use sim::narrative::{Line, narrate};
use sim::scenario::{self, Flow, addr};
use sim::{Command, LinkConfig, NodeEvent, Simulation, TraceRecord};
use stack::{IcmpErrorKind, StackEvent};

fn run_ping_flow() -> Simulation {
    let mut sim = scenario::build(Flow::Ping, 1, LinkConfig::default());
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    sim
}

/// A compact, assertable name for each trace record.
fn label(sim: &Simulation, record: &TraceRecord) -> Option<String> {
    match record {
        TraceRecord::Frame(frame) => Some(format!(
            "frame {} {}",
            sim.links()[frame.link.0].name,
            sim::describe::summarize(&frame.bytes).split_whitespace().take(3).collect::<Vec<_>>().join(" ")
        )),
        TraceRecord::Event(event) => {
            let node = sim.node_name(event.node);
            let what = match &event.event {
                NodeEvent::Stack(StackEvent::RouteLookup { on_link: true, .. }) => "route on-link",
                NodeEvent::Stack(StackEvent::Arp {
                    event: ArpEvent::RequestSent { attempt: 1, .. }, ..
                }) => "arp miss",
                NodeEvent::Stack(StackEvent::Arp { event: ArpEvent::EntryAdded { .. }, .. }) => "arp added",
                NodeEvent::Stack(StackEvent::Arp { event: ArpEvent::ReplySent { .. }, .. }) => {
                    "arp reply sent"
                }
                NodeEvent::Switched { decision: sim::SwitchDecision::Flooded { .. }, .. } => "flood",
                NodeEvent::Switched { decision: sim::SwitchDecision::Forwarded { .. }, .. } => "forward",
                NodeEvent::Stack(StackEvent::EchoAnswered { .. }) => "echo answered",
                NodeEvent::App(AppEvent::PingReply { .. }) => "ping reply",
                _ => return None,
            };
            Some(format!("{node} {what}"))
        }
    }
}

#[test]
fn the_first_ping_follows_the_textbook_steps_in_order() {
    let sim = run_ping_flow();
    let labels: Vec<String> = sim.trace().records().iter().filter_map(|r| label(&sim, r)).collect();
    let expected = [
        "cl1 route on-link",
        "cl1 arp miss",
        "frame cl1-sw1 ARP Who has",
        "sw1 flood",
        "frame cl2-sw1 ARP Who has",
        "frame rt1-sw1 ARP Who has",
        "cl2 arp added",
        "cl2 arp reply sent",
        "frame cl2-sw1 ARP 192.168.1.2 is",
        "sw1 forward",
        "frame cl1-sw1 ARP 192.168.1.2 is",
        "cl1 arp added",
        "frame cl1-sw1 ICMP 192.168.1.1 →",
        "sw1 forward",
        "frame cl2-sw1 ICMP 192.168.1.1 →",
        "cl2 echo answered",
        "cl2 route on-link",
        "frame cl2-sw1 ICMP 192.168.1.2 →",
        "sw1 forward",
        "frame cl1-sw1 ICMP 192.168.1.2 →",
        "cl1 ping reply",
    ];
    assert_eq!(labels[..expected.len()], expected, "{labels:#?}");
}

#[test]
fn the_second_ping_needs_no_arp_and_both_replies_arrive() {
    let sim = run_ping_flow();
    let arp_frames = sim.trace().frames().filter(|f| f.bytes[12..14] == [0x08, 0x06]).count();
    assert_eq!(arp_frames, 5, "one request (on 3 links) and one reply (on 2)");
    let replies: Vec<(u16, Duration)> = sim
        .trace()
        .events()
        .filter_map(|e| match e.event {
            NodeEvent::App(AppEvent::PingReply { seq_no, rtt, .. }) => Some((seq_no, rtt)),
            _ => None,
        })
        .collect();
    assert_eq!(replies.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2]);
    assert!(replies[1].1 < replies[0].1, "the warm second ping skips ARP and is faster");
}

#[test]
fn the_narrative_names_the_phase_and_explains_each_step() {
    let sim = run_ping_flow();
    let lines = narrate(&sim);
    assert!(matches!(&lines[0], Line::Phase { number: 1, title, .. } if title.contains("ping")));
    let steps: Vec<&str> = lines
        .iter()
        .filter_map(|line| match line {
            Line::Step { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let must_appear_in_order = [
        "is on cl1's own network",
        "ARP cache miss",
        "floods the broadcast",
        "answers 192.168.1.1 with a unicast ARP reply",
        "finds 02:00:00:00:01:00 in its MAC table",
        "cl1 adds 192.168.1.2 → 02:00:00:00:02:00",
        "wraps the datagram in an Ethernet frame",
        "receives the echo request",
        "receives the echo reply for sequence 1",
    ];
    let mut position = 0;
    for needle in must_appear_in_order {
        let found = steps[position..].iter().position(|s| s.contains(needle));
        assert!(found.is_some(), "{needle:?} missing after step {position}: {steps:#?}");
        position += found.unwrap_or(0) + 1;
    }
    let labels: Vec<&str> = lines
        .iter()
        .filter_map(|l| match l {
            Line::Step { label, .. } => Some(label.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(&labels[..3], ["1.1", "1.2", "1.3"]);
}

fn ping_from_cl1(dst: Ipv4Addr, ttl: u8) -> Simulation {
    let mut sim = Simulation::new(1);
    let lan = scenario::build_lan(&mut sim, LinkConfig::default());
    let ping = Command::Ping { dst, count: 1, interval: Duration::from_secs(1), size: 56, ttl };
    sim.schedule(Duration::ZERO, lan.cl1, ping);
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    sim
}

fn cl1_ping_outcomes(sim: &Simulation) -> Vec<Outcome> {
    common::outcomes_at(sim, sim.node_id("cl1").unwrap())
}

#[test]
fn a_ping_crosses_three_routers_and_both_translations() {
    // cl1 → rt1 (NAPT) → rt2 → fw1 (DNAT to lb1's VIP) → lb1, which answers.
    let sim = ping_from_cl1(addr::WWW_PUBLIC, 64);
    assert_eq!(cl1_ping_outcomes(&sim), [Outcome::Reply(addr::WWW_PUBLIC)]);
    // The reply left lb1 from 172.16.3.12 with TTL 64, crossed fw1, rt2 and rt1, and
    // reached cl1 from the public address.
    let last = sim.trace().frames().filter(|f| sim.node_name(f.to.node) == "cl1").last().unwrap();
    let ip = ipv4::Ipv4Packet::new_checked(&last.bytes[14..]).unwrap();
    assert_eq!((ip.src_addr(), ip.dst_addr(), ip.ttl()), (addr::WWW_PUBLIC, addr::CL1, 61));
    assert!(ip.verify_checksum(), "the incremental checksum updates kept the header valid");
    let icmp = icmp::IcmpPacket::new_checked(ip.payload()).unwrap();
    assert!(icmp.verify_checksum(), "the identifier's translation kept the ICMP checksum valid");
}

#[test]
fn private_addresses_are_not_routable_from_the_isp() {
    // rt2 has no route to 172.16.0.0/16: sv1 is reachable only through lb1.
    let sim = ping_from_cl1(addr::SV1, 64);
    let net_unreachable = IcmpErrorKind::Unreachable(UnreachableCode::NET);
    assert_eq!(cl1_ping_outcomes(&sim), [Outcome::Error(net_unreachable, addr::RT2_TO_RT1)]);
}

#[test]
fn ttl_one_expires_at_the_first_router() {
    let sim = ping_from_cl1(addr::SV1, 1);
    let ttl_exceeded = IcmpErrorKind::TimeExceeded(TimeExceededCode::TTL);
    assert_eq!(cl1_ping_outcomes(&sim), [Outcome::Error(ttl_exceeded, addr::RT1_LAN)]);
}

#[test]
fn no_route_gives_net_unreachable_from_the_router_without_one() {
    // rt1 sends everything to rt2 by default; rt2 has no default route.
    let sim = ping_from_cl1(Ipv4Addr::new(203, 0, 113, 9), 64);
    let net_unreachable = IcmpErrorKind::Unreachable(UnreachableCode::NET);
    assert_eq!(cl1_ping_outcomes(&sim), [Outcome::Error(net_unreachable, addr::RT2_TO_RT1)]);
}

#[test]
fn an_absent_host_gives_host_unreachable_after_arp_gives_up() {
    let sim = ping_from_cl1(Ipv4Addr::new(10, 1, 2, 99), 64);
    // RFC 1812 §4.3.2.4: the error's source is the address of the interface it leaves by.
    let host_unreachable = IcmpErrorKind::Unreachable(UnreachableCode::HOST);
    assert_eq!(cl1_ping_outcomes(&sim), [Outcome::Error(host_unreachable, addr::RT2_TO_RT1)]);
    let rt2 = sim.node_id("rt2").unwrap();
    let asked: Vec<Duration> = sim
        .trace()
        .events()
        .filter(|e| {
            e.node == rt2
                && matches!(
                    e.event,
                    NodeEvent::Stack(StackEvent::Arp { event: ArpEvent::RequestSent { .. }, .. })
                )
        })
        .map(|e| e.time)
        .collect();
    assert_eq!(asked.len(), 3, "three requests, one per second, then give up: {asked:?}");
}

#[test]
fn verbose_narrative_shows_layers_and_what_each_router_rewrote() {
    let sim = ping_from_cl1(addr::WWW_PUBLIC, 64);
    let lines = sim::narrative::narrate_verbose(&sim);
    let rewrites: Vec<(String, String)> = lines
        .iter()
        .filter_map(|line| match line {
            Line::Frame { from, changes, .. } if !changes.is_empty() => {
                Some((from.clone(), changes.join(", ")))
            }
            _ => None,
        })
        .collect();
    // Each of the three routers rewrites the request on the way out, and the reply on the
    // way back: new MACs, TTL minus one, a new header checksum; rt1 and fw1 also
    // translate addresses.
    let routers: Vec<&str> = rewrites.iter().map(|(from, _)| from.as_str()).collect();
    assert_eq!(routers, ["rt1", "rt2", "fw1", "fw1", "rt2", "rt1"], "{rewrites:#?}");
    let change = |at: usize| rewrites[at].1.clone();
    assert!(change(0).contains("eth.src 02:00:00:00:01:00 → 02:00:00:00:03:01"), "{}", change(0));
    assert!(change(0).contains("ip.ttl 64 → 63") && change(0).contains("ip.checksum"), "{}", change(0));
    assert!(change(0).contains("ip.src 192.168.1.1 → 10.1.1.245"), "rt1's NAPT: {}", change(0));
    assert!(!change(1).contains("ip.src") && !change(1).contains("icmp."), "rt2 only routes: {}", change(1));
    assert!(change(2).contains("ip.dst 10.1.3.12 → 172.16.3.12"), "fw1's DNAT: {}", change(2));
    assert!(change(3).contains("ip.src 172.16.3.12 → 10.1.3.12"), "fw1 undoes it: {}", change(3));
    assert!(change(5).contains("ip.dst 10.1.1.245 → 192.168.1.1"), "rt1's mapping back: {}", change(5));
    let layers = lines.iter().find_map(|line| match line {
        Line::Frame { layers, .. } if layers.len() == 3 => Some(layers.clone()),
        _ => None,
    });
    let layers = layers.expect("an Ethernet + IPv4 + ICMP frame");
    assert!(layers[1].starts_with("IPv4: ") && layers[1].contains(" ttl="), "{layers:?}");
    // The plain narrative carries none of this.
    assert!(
        narrate(&sim).iter().all(|line| !matches!(line, Line::Frame { layers, .. } if !layers.is_empty()))
    );
}
