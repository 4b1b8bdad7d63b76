//! TCP in the simulator: cl1 sends a byte stream to ns1's discard service across rt1 and
//! rt2, and it arrives whole and in order, with and without link faults.

use std::net::SocketAddrV4;
use std::time::Duration;

use sim::apps::AppEvent;
use sim::scenario::{self, DISCARD_PORT, addr};
use sim::{Command, Faults, LinkConfig, NodeEvent, Simulation};

/// The sender's report: bytes, hash, completed, elapsed.
type Sent = (usize, u64, bool, Duration);
/// The receiver's report: bytes, hash, in order.
type Received = (usize, u64, bool);

/// What each end reported.
fn transfer(faults: Faults, seed: u64, len: usize) -> (Option<Sent>, Option<Received>) {
    let mut sim = Simulation::new(seed);
    let link = LinkConfig { faults, ..LinkConfig::default() };
    let lan = scenario::build_lan(&mut sim, link);
    let to = SocketAddrV4::new(addr::NS1, DISCARD_PORT);
    sim.schedule(Duration::ZERO, lan.cl1, Command::TcpSend { to, len });
    sim.run(Duration::from_secs(600), 50_000_000);
    let sent = sim.trace().events().find_map(|e| match e.event {
        NodeEvent::App(AppEvent::TcpSent { bytes, hash, completed, elapsed, .. }) => {
            Some((bytes, hash, completed, elapsed))
        }
        _ => None,
    });
    let received = sim.trace().events().find_map(|e| match e.event {
        NodeEvent::App(AppEvent::TcpReceived { bytes, hash, in_order, .. }) => Some((bytes, hash, in_order)),
        _ => None,
    });
    (sent, received)
}

#[test]
fn a_stream_crosses_two_routers_whole_and_in_order() {
    let len = 300_000;
    let (sent, received) = transfer(Faults::default(), 1, len);
    let (bytes, hash, completed, _) = sent.expect("the sender finished");
    assert!(completed && bytes == len);
    assert_eq!(received, Some((len, hash, true)));
}

#[test]
fn a_stream_survives_loss_reordering_duplication_and_corruption() {
    let faults = Faults {
        loss: 0.02,
        duplicate: 0.02,
        reorder: 0.05,
        reorder_delay: Duration::from_millis(1),
        corrupt_undetected: 0.01,
        ..Faults::default()
    };
    let len = 200_000;
    for seed in [1, 2] {
        let (sent, received) = transfer(faults, seed, len);
        let (bytes, hash, completed, elapsed) = sent.expect("the sender finished");
        assert!(completed && bytes == len, "seed {seed}: {sent:?}");
        assert_eq!(received, Some((len, hash, true)), "seed {seed}: the same bytes, in order");
        assert!(elapsed > Duration::from_millis(1), "faults cost time");
    }
}

#[test]
fn lb1_accepts_tcp_on_443_through_fw1_and_fw1_drops_other_ports() {
    let mut sim = Simulation::new(1);
    let lan = scenario::build_lan(&mut sim, LinkConfig::default());
    let public = |port| SocketAddrV4::new(addr::WWW_PUBLIC, port);
    sim.schedule(Duration::ZERO, lan.cl1, Command::TcpSend { to: public(443), len: 1000 });
    sim.schedule(Duration::from_secs(1), lan.cl1, Command::TcpSend { to: public(444), len: 1 });
    sim.run(Duration::from_secs(600), 2_000_000);
    let outcomes: Vec<(SocketAddrV4, usize, bool)> = sim
        .trace()
        .events()
        .filter_map(|e| match e.event {
            NodeEvent::App(AppEvent::TcpSent { to, bytes, completed, .. }) => Some((to, bytes, completed)),
            _ => None,
        })
        .collect();
    assert!(outcomes.contains(&(public(443), 1000, true)), "443 takes the bytes: {outcomes:?}");
    assert!(!outcomes.iter().any(|(to, _, completed)| *to == public(444) && *completed), "{outcomes:?}");
    // The SYN to 444 never reaches lb1: fw1's FORWARD policy drops it.
    let fw1 = sim.node_id("fw1").unwrap();
    let lb1 = sim.node_id("lb1").unwrap();
    let dropped_by_policy = sim.trace().events().any(|e| {
        e.node == fw1
            && matches!(&e.event, NodeEvent::Stack(stack::StackEvent::Dropped(stack::DropReason::Hook { reason, .. }))
                if reason == "FORWARD policy: DROP")
    });
    assert!(dropped_by_policy);
    let reached_lb1 = sim.trace().frames().any(|f| {
        f.to.node == lb1
            && f.bytes.len() > 14 + 24
            && f.bytes[23] == 6
            && u16::from_be_bytes([f.bytes[36], f.bytes[37]]) == 444
    });
    assert!(!reached_lb1);
}
