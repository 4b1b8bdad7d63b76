//! Text views over the trace: the run listing and the topology.

use core::fmt::Write;
use core::time::Duration;

use crate::describe::summarize;
use crate::engine::Simulation;
use crate::link::Fate;
use crate::trace::TraceRecord;

fn seconds(time: Duration) -> String {
    format!("{:>10.6} s", time.as_secs_f64())
}

/// Every frame and event of the run, in time order: one line per frame (time, link,
/// sender → receiver, summary, fate) and one indented line per node event.
pub fn render_run(sim: &Simulation) -> String {
    let mut out = String::new();
    for record in sim.trace().records() {
        match record {
            TraceRecord::Frame(frame) => {
                let fate = match &frame.fate {
                    Fate::Delivered { .. } => String::new(),
                    Fate::Corrupted { bit, .. } => format!("  [corrupted: bit {bit}]"),
                    Fate::Lost => "  [lost]".to_owned(),
                    Fate::TooBig { mtu } => format!("  [dropped: > MTU {mtu}]"),
                };
                let _ = writeln!(
                    out,
                    "{}  {:<9} {} → {}   {}{fate}",
                    seconds(frame.time),
                    sim.links()[frame.link.0].name,
                    sim.node_name(frame.from.node),
                    sim.node_name(frame.to.node),
                    summarize(&frame.bytes),
                );
            }
            TraceRecord::Event(event) => {
                let _ = writeln!(
                    out,
                    "{}      {}: {}",
                    seconds(event.time),
                    sim.node_name(event.node),
                    event.event
                );
            }
        }
    }
    if sim.trace().truncated() {
        out.push_str("(trace truncated: record limit reached)\n");
    }
    out
}

/// Nodes with their interfaces and addresses, then links with their parameters.
pub fn render_topology(sim: &Simulation) -> String {
    let mut out = String::from("Nodes\n");
    for node in sim.nodes() {
        let _ = writeln!(out, "  {} ({})", node.name(), node.kind());
        for iface in node.interfaces() {
            let mac = iface.mac.map_or_else(String::new, |mac| mac.to_string());
            let ip = iface
                .ipv4
                .map_or_else(String::new, |(ip, len)| format!("{ip}/{len}"));
            let _ = writeln!(out, "    {:<6} {:<17} {}", iface.name, mac, ip);
        }
    }
    out.push_str("Links\n");
    for link in sim.links() {
        let c = &link.config;
        let _ = writeln!(
            out,
            "  {:<9} {} <-> {}   latency {} µs, {} Mbit/s, MTU {}",
            link.name,
            sim.endpoint_name(link.ends[0]),
            sim.endpoint_name(link.ends[1]),
            c.latency.as_micros(),
            c.bandwidth_bps / 1_000_000,
            c.mtu,
        );
    }
    out
}

/// Each node's tables (ARP cache, MAC table) at the end of the run.
pub fn render_state(sim: &Simulation) -> String {
    let mut out = String::new();
    for node in sim.nodes() {
        let lines = node.describe_state(sim.now());
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {}", node.name());
        for line in lines {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}
