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

/// [`render_run`] with, before each phase that a scenario command began, the tables that
/// changed during the phases before it (from the snapshots the run kept, see
/// [`Simulation::record_snapshots`]), and the changes since the last one at the end.
pub fn render_run_with_state(sim: &Simulation, verbose: bool) -> String {
    use crate::views::narrative::{Line, render};
    let lines = if verbose {
        crate::views::narrative::narrate_verbose(sim)
    } else {
        crate::views::narrative::narrate(sim)
    };
    let mut out = String::new();
    let mut snapshots = sim.snapshots().iter().peekable();
    // The tables as configured, before anything ran, are the baseline: only changes show.
    let mut shown = snapshots
        .next_if(|s| s.time == core::time::Duration::ZERO)
        .cloned()
        .unwrap_or(crate::engine::Snapshot { time: core::time::Duration::ZERO, nodes: Vec::new() });
    let mut previous_phase = 0;
    for line in &lines {
        if let Line::Phase { number, time, .. } = line {
            // The snapshot taken as this phase's command ran holds the earlier phases'
            // end state.
            let mut latest = None;
            while let Some(snapshot) = snapshots.next_if(|s| s.time <= *time) {
                latest = Some(snapshot);
            }
            if let Some(snapshot) =
                latest.filter(|s| s.time > core::time::Duration::ZERO && previous_phase > 0)
            {
                out += &render_changes(&shown, snapshot, &format!("tables after phase {previous_phase}"));
                shown = snapshot.clone();
            }
            previous_phase = *number;
        }
        out += &render(core::slice::from_ref(line));
    }
    out += &render_changes(&shown, &sim.snapshot(), "tables at the end");
    if sim.trace().truncated() {
        out.push_str("(trace truncated: record limit reached)\n");
    }
    out
}

/// The lines of `now` that `before` did not have, node by node, under `heading`.
fn render_changes(before: &crate::engine::Snapshot, now: &crate::engine::Snapshot, heading: &str) -> String {
    let mut out = String::new();
    for (node, lines) in &now.nodes {
        let old = before
            .nodes
            .iter()
            .find(|(name, _)| name == node)
            .map(|(_, lines)| lines.as_slice())
            .unwrap_or(&[]);
        // Ages, times left and counters change all the time: compare lines without them,
        // so only new entries and changed states show.
        let key = |line: &str| {
            let line = line.split("  age").next().unwrap_or(line);
            let line = line.split("  [").next().unwrap_or(line);
            let line = line.split(" (age").next().unwrap_or(line);
            line.split(": ").next().unwrap_or(line).to_owned()
        };
        let changed: Vec<&String> =
            lines.iter().filter(|line| !old.iter().any(|o| o == *line || key(o) == key(line))).collect();
        if changed.is_empty() {
            continue;
        }
        if out.is_empty() {
            let _ = writeln!(out, "{:>14}-- {heading} (what changed) --", "");
        }
        let _ = writeln!(out, "{:>14}{node}", "");
        for line in changed {
            let _ = writeln!(out, "{:>16}{line}", "");
        }
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
