//! The first flow end to end: cl1 and cl2 resolve each other with ARP through sw1.

use std::time::Duration;

use ethernet::{EtherType, EthernetFrame, EthernetRepr, MacAddress};
use sim::scenario::{self, Flow, addr};
use sim::{Fate, FrameRecord, LinkConfig, NodeEvent, Simulation};

fn run(seed: u64, link: LinkConfig) -> Simulation {
    let mut sim = scenario::build(Flow::Arp, seed, link);
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    sim
}

fn arp_of(frame: &FrameRecord) -> (EthernetRepr, arp::ArpRepr) {
    let view = EthernetFrame::new_checked(&frame.bytes[..]).unwrap();
    let eth = EthernetRepr::parse(&view).unwrap();
    assert_eq!(eth.ethertype, EtherType::ARP);
    let packet = arp::ArpPacket::new_checked(view.payload()).unwrap();
    (eth, arp::ArpRepr::parse(&packet).unwrap())
}

fn link_name(sim: &Simulation, frame: &FrameRecord) -> String {
    sim.links()[frame.link.0].name.clone()
}

#[test]
fn request_is_flooded_and_reply_is_unicast() {
    let sim = run(1, LinkConfig::default());
    let frames: Vec<&FrameRecord> = sim.trace().frames().collect();
    let hops: Vec<(String, String, String, arp::Operation)> = frames
        .iter()
        .map(|f| {
            let (_, arp) = arp_of(f);
            (
                link_name(&sim, f),
                sim.node_name(f.from.node).to_owned(),
                sim.node_name(f.to.node).to_owned(),
                arp.operation,
            )
        })
        .collect();
    let request = arp::Operation::REQUEST;
    let reply = arp::Operation::REPLY;
    let expected = [
        ("cl1-sw1", "cl1", "sw1", request),
        // sw1 floods the broadcast to every port but the ingress one, in port order.
        ("cl2-sw1", "sw1", "cl2", request),
        ("rt1-sw1", "sw1", "rt1", request),
        ("cl2-sw1", "cl2", "sw1", reply),
        // sw1 learned cl1's port from the request, so the reply goes there alone.
        ("cl1-sw1", "sw1", "cl1", reply),
    ];
    let expected: Vec<_> =
        expected.iter().map(|(l, f, t, o)| ((*l).to_owned(), (*f).to_owned(), (*t).to_owned(), *o)).collect();
    assert_eq!(hops, expected);

    let (eth, arp) = arp_of(frames[0]);
    assert_eq!(eth.dst_addr, MacAddress::BROADCAST);
    assert_eq!((arp.sender_ip, arp.target_ip), (addr::CL1, addr::CL2));
    let (eth, arp) = arp_of(frames[4]);
    assert_eq!(eth.dst_addr, scenario::mac_for(1, 0));
    assert_eq!((arp.sender_ip, arp.sender_mac), (addr::CL2, scenario::mac_for(2, 0)));
    // The switch forwards frames unchanged.
    assert_eq!(frames[0].bytes, frames[1].bytes);
    assert_eq!(frames[3].bytes, frames[4].bytes);
    // On the wire, short frames are padded to the Ethernet minimum.
    assert!(frames.iter().all(|f| f.bytes.len() == 60));
}

#[test]
fn both_hosts_end_with_each_other_in_their_caches_and_sw1_learned_both() {
    let sim = run(1, LinkConfig::default());
    let cl1 = sim.node_id("cl1").unwrap();
    let cl2 = sim.node_id("cl2").unwrap();
    let sw1 = sim.node_id("sw1").unwrap();
    let now = sim.now();
    let state = |id: sim::NodeId| sim.nodes()[id.0].describe_state(now).join("\n");
    assert!(state(cl1).contains("192.168.1.2 is-at 02:00:00:00:02:00"), "{}", state(cl1));
    // cl2 learned cl1 from the request itself (RFC 826 merge rule: the request targets
    // cl2), so its own resolution at t = 1 s needs no frame.
    assert!(state(cl2).contains("192.168.1.1 is-at 02:00:00:00:01:00"), "{}", state(cl2));
    assert!(sim.trace().frames().all(|f| f.time < Duration::from_secs(1)));
    let table = state(sw1);
    assert!(table.contains("02:00:00:00:01:00") && table.contains("02:00:00:00:02:00"), "{table}");
    assert!(!table.contains("02:00:00:00:03:00"), "rt1 never sent: {table}");
}

#[test]
fn frame_times_follow_serialization_and_latency() {
    let link = LinkConfig {
        latency: Duration::from_micros(100),
        bandwidth_bps: 10_000_000,
        ..LinkConfig::default()
    };
    let sim = run(1, link);
    let frames: Vec<&FrameRecord> = sim.trace().frames().collect();
    // 60 bytes + 24 of preamble, FCS and gap at 10 Mbit/s = 67.2 µs, then 100 µs of flight.
    let hop = Duration::from_nanos(67_200) + Duration::from_micros(100);
    assert_eq!(frames[0].time, Duration::ZERO);
    assert_eq!(frames[0].fate, Fate::Delivered { at: hop });
    assert_eq!(frames[1].time, hop, "sw1 forwards on arrival");
    // The two flooded copies leave on different ports at the same time.
    assert_eq!(frames[2].time, hop);
}

#[test]
fn same_seed_gives_byte_identical_pcapng() {
    let faulty = LinkConfig {
        faults: sim::Faults {
            loss: 0.3,
            duplicate: 0.2,
            reorder: 0.2,
            reorder_delay: Duration::from_millis(1),
            corrupt: 0.1,
            corrupt_undetected: 0.1,
        },
        ..LinkConfig::default()
    };
    let pcap = |seed| sim::pcapng::write_pcapng(&run(seed, faulty), Vec::new()).unwrap();
    assert_eq!(pcap(7), pcap(7));
    // The seed does drive the faults: over a few seeds, the captures are not all alike.
    let distinct: std::collections::BTreeSet<Vec<u8>> = (1..=6).map(pcap).collect();
    assert!(distinct.len() > 1);
}

#[test]
fn unanswered_requests_are_retried_once_a_second_then_given_up() {
    let mut sim = Simulation::new(1);
    let lan = scenario::build_lan(&mut sim, LinkConfig::default());
    // Nobody owns 192.168.1.99.
    sim.schedule(Duration::ZERO, lan.cl1, sim::Command::Resolve("192.168.1.99".parse().unwrap()));
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    let requests: Vec<Duration> =
        sim.trace().frames().filter(|f| f.from.node == lan.cl1).map(|f| f.time).collect();
    assert_eq!(requests, [Duration::ZERO, Duration::from_secs(1), Duration::from_secs(2)]);
    let failed = sim.trace().events().any(|e| {
        e.node == lan.cl1
            && matches!(
                &e.event,
                NodeEvent::Stack(stack::StackEvent::Arp {
                    event: arp::ArpEvent::ResolutionFailed { .. },
                    ..
                })
            )
    });
    assert!(failed, "cl1 reports the failure so it can send ICMP host unreachable");
}

#[test]
fn a_lossy_link_delays_resolution_until_a_retry_gets_through() {
    // With 60 % loss, some seed loses the first request or reply; the retry a second later
    // then resolves. Every run either resolves or reports failure: never hangs.
    let lossy =
        LinkConfig { faults: sim::Faults { loss: 0.6, ..sim::Faults::default() }, ..LinkConfig::default() };
    let mut saw_retry_success = false;
    for seed in 1..=20 {
        let sim = run(seed, lossy);
        let cl1 = sim.node_id("cl1").unwrap();
        let resolved_at = sim.trace().events().find_map(|e| {
            (e.node == cl1
                && matches!(
                    &e.event,
                    NodeEvent::Stack(stack::StackEvent::Arp { event: arp::ArpEvent::EntryAdded { .. }, .. })
                ))
            .then_some(e.time)
        });
        let failed = sim.trace().events().any(|e| {
            e.node == cl1
                && matches!(
                    &e.event,
                    NodeEvent::Stack(stack::StackEvent::Arp {
                        event: arp::ArpEvent::ResolutionFailed { .. },
                        ..
                    })
                )
        });
        assert!(resolved_at.is_some() != failed, "seed {seed}: exactly one outcome");
        saw_retry_success |= resolved_at.is_some_and(|t| t >= Duration::from_secs(1));
        // Without a loss, the first request resolves, within the first second.
        let lost = sim.trace().frames().any(|f| f.fate == Fate::Lost);
        assert!(lost || resolved_at.is_some_and(|t| t < Duration::from_secs(1)), "seed {seed}");
    }
    assert!(saw_retry_success);
}

#[test]
fn duplicated_frames_are_marked_in_the_trace_and_the_pcapng() {
    let always_duplicate = LinkConfig {
        faults: sim::Faults { duplicate: 1.0, ..sim::Faults::default() },
        ..LinkConfig::default()
    };
    let sim = run(1, always_duplicate);
    let first = sim.trace().frames().next().unwrap();
    let second = sim.trace().frames().nth(1).unwrap();
    assert!(!first.duplicate && second.duplicate, "each frame is followed by its copy");
    assert_eq!(first.bytes, second.bytes);
    assert_eq!(second.fault_description().as_deref(), Some("duplicated on the link"));
    assert!(second.fate.arrival() > first.fate.arrival(), "the copy arrives after the original");
    let pcapng = sim::pcapng::write_pcapng(&sim, Vec::new()).unwrap();
    let needle = b"duplicated on the link";
    assert!(pcapng.windows(needle.len()).any(|w| w == needle));
}
