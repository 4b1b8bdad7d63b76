//! The trace as JSON, for tools: nodes, links, and every frame and event in order.
//!
//! Times are integer nanoseconds of virtual time; frame bytes are lowercase hex. Keys
//! come out sorted, so the same run always serializes to the same text.

use serde_json::{Value, json};

use crate::engine::Fate;
use crate::engine::Simulation;
use crate::engine::TraceRecord;
use crate::views::describe::summarize;

fn nanos(time: core::time::Duration) -> u64 {
    u64::try_from(time.as_nanos()).unwrap_or(u64::MAX)
}

fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

fn fate(fate: &Fate) -> Value {
    match fate {
        Fate::Delivered { at } => json!({ "kind": "delivered", "arrival_ns": nanos(*at) }),
        Fate::Corrupted { at, bit } => json!({ "kind": "corrupted", "arrival_ns": nanos(*at), "bit": bit }),
        Fate::Lost => json!({ "kind": "lost" }),
        Fate::TooBig { mtu } => json!({ "kind": "too_big", "mtu": mtu }),
    }
}

/// The whole run as one JSON document.
pub fn trace_json(sim: &Simulation) -> Value {
    let nodes: Vec<Value> = sim
        .nodes()
        .iter()
        .map(|node| {
            let interfaces: Vec<Value> = node
                .interfaces()
                .into_iter()
                .map(|iface| {
                    json!({
                        "name": iface.name,
                        "mac": iface.mac.map(|mac| mac.to_string()),
                        "ipv4": iface.ipv4.map(|(ip, len)| format!("{ip}/{len}")),
                    })
                })
                .collect();
            json!({ "name": node.name(), "kind": node.kind().to_string(), "interfaces": interfaces, "routes": node.routes() })
        })
        .collect();
    let links: Vec<Value> = sim
        .links()
        .iter()
        .map(|link| {
            json!({
                "name": link.name,
                "ends": [sim.endpoint_name(link.ends[0]), sim.endpoint_name(link.ends[1])],
                "latency_ns": nanos(link.config.latency),
                "bandwidth_bps": link.config.bandwidth_bps,
                "mtu": link.config.mtu,
            })
        })
        .collect();
    let records: Vec<Value> = sim
        .trace()
        .records()
        .iter()
        .map(|record| match record {
            TraceRecord::Frame(frame) => json!({
                "type": "frame",
                "time_ns": nanos(frame.time),
                "link": sim.links()[frame.link.0].name,
                "from": sim.endpoint_name(frame.from),
                "to": sim.endpoint_name(frame.to),
                "summary": summarize(&frame.bytes),
                "fate": fate(&frame.fate),
                "duplicate": frame.duplicate,
                "bytes": hex(&frame.bytes),
            }),
            TraceRecord::Event(event) => json!({
                "type": "event",
                "time_ns": nanos(event.time),
                "node": sim.node_name(event.node),
                "event": event.event.to_string(),
            }),
        })
        .collect();
    json!({
        "seed": sim.seed(),
        "nodes": nodes,
        "links": links,
        "records": records,
        "truncated": sim.trace().truncated(),
    })
}
