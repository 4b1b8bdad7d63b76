//! The JSON export carries the same frames and events as the trace, deterministically.

use sim::scenario::{self, Flow};
use sim::{Faults, LinkConfig, TraceRecord};

fn run(seed: u64) -> sim::Simulation {
    let link = LinkConfig { faults: Faults { loss: 0.2, ..Faults::default() }, ..LinkConfig::default() };
    let mut sim = scenario::build(Flow::Ping, seed, link);
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
    sim
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn every_trace_record_is_exported_in_order_with_its_bytes() {
    let sim = run(3);
    let json = sim::export::trace_json(&sim);
    let records = json["records"].as_array().unwrap();
    assert_eq!(records.len(), sim.trace().records().len());
    for (exported, record) in records.iter().zip(sim.trace().records()) {
        match record {
            TraceRecord::Frame(frame) => {
                assert_eq!(exported["type"], "frame");
                assert_eq!(unhex(exported["bytes"].as_str().unwrap()), frame.bytes);
                assert_eq!(exported["link"], sim.links()[frame.link.0].name.as_str());
                let kind = exported["fate"]["kind"].as_str().unwrap();
                assert_eq!(kind == "delivered" || kind == "corrupted", frame.fate.arrival().is_some());
            }
            TraceRecord::Event(event) => {
                assert_eq!(exported["type"], "event");
                assert_eq!(exported["event"], event.event.to_string().as_str());

                assert_eq!(exported["time_ns"].as_u64().unwrap(), event.time.as_nanos() as u64);
            }
        }
    }
    assert_eq!(json["nodes"].as_array().unwrap().len(), sim.nodes().len());
    assert_eq!(json["links"][0]["name"], "cl1-sw1");
    assert_eq!(json["seed"], 3);
}

#[test]
fn the_same_seed_exports_the_same_text() {
    let text = |seed| serde_json::to_string(&sim::export::trace_json(&run(seed))).unwrap();
    assert_eq!(text(5), text(5));
}

#[test]
fn events_carry_a_machine_readable_kind_and_drops_their_layer() {
    let mut sim = sim::scenario::build(sim::scenario::Flow::Ping, 1, sim::LinkConfig::default());
    // A datagram to a closed port: the receiver drops it at the UDP layer.
    let lan = sim.node_id("cl1").unwrap();
    let udp = sim::Command::SendUdp {
        dst: sim::scenario::addr::CL2,
        src_port: 40000,
        dst_port: 9,
        payload: b"x".to_vec(),
    };
    sim.schedule(std::time::Duration::from_secs(5), lan, udp);
    sim.run(sim::scenario::RUN_HORIZON, sim::scenario::MAX_STEPS);
    let json = sim::export::trace_json(&sim);
    let records = json["records"].as_array().unwrap();
    let kinds = |kind: &str| records.iter().filter(|r| r["kind"] == kind).count();
    assert_eq!(kinds("app.ping_reply"), 2);
    assert_eq!(kinds("app.ping_sent"), 2);
    assert!(kinds("stack.route_lookup") >= 4);
    let drop = records.iter().find(|r| r["kind"] == "stack.dropped").expect("the closed port's drop");
    assert_eq!(drop["layer"], "UDP");
    assert_eq!(drop["node"], "cl2");
}
