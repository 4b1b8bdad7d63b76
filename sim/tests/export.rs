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
