//! Text views over the trace: the run listing and the topology.

use core::fmt::Write;

use crate::engine::Simulation;

/// The run as the textbook tells it: phases, every frame (time, sender → receiver,
/// link, decode) and the numbered steps that explain it.
///
/// `verbose` adds every layer's fields under each frame and, where a node forwarded a
/// packet, the header fields it rewrote.
pub fn render_run(sim: &Simulation, verbose: bool) -> String {
    let lines = if verbose {
        crate::views::narrative::narrate_verbose(sim)
    } else {
        crate::views::narrative::narrate(sim)
    };
    let mut out = crate::views::narrative::render(&lines);
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
            let ip = iface.ipv4.map_or_else(String::new, |(ip, len)| format!("{ip}/{len}"));
            let line = format!("    {:<6} {:<17} {}", iface.name, mac, ip);
            let _ = writeln!(out, "{}", line.trim_end());
        }
        for route in node.routes() {
            let _ = writeln!(out, "    route  {route}");
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
