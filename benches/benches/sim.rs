//! The simulator as a whole: whole HTTPS flows for one client (DHCP, DNS, TCP, TLS,
//! balancing), the scale test with 10, 100 and 1,000 clients (time, and peak memory
//! measured in a child process), and the event loop's events per second beside a plain
//! `BinaryHeap` doing the same pushes and pops in the same run.
//!
//! Peak memory: the workspace's lints rule out a counting global allocator. Before
//! criterion starts, the bench runs itself once per size in a child process
//! (`PACKETFLOW_BENCH_CLIENTS=N`), which builds and runs the scale scenario and reports
//! its `VmHWM` (peak resident set) from `/proc/self/status`, with the `VmHWM` it had
//! before building as the baseline. The figures go to stderr.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use sim::scenario::{self, Flow, SiteOptions, clients};
use sim::{IfaceId, InterfaceInfo, LinkConfig, Node, NodeKind, Simulation};

/// The environment variable that makes the bench a memory-measuring child.
const CHILD_ENV: &str = "PACKETFLOW_BENCH_CLIENTS";
const SIZES: [usize; 3] = [10, 100, 1000];

/// One whole HTTPS flow for cl1, built from scratch (the PKI included) and run.
fn https_flow(seed: u64) -> u64 {
    let mut sim = scenario::build(Flow::Https, seed, LinkConfig::default());
    sim.run(scenario::RUN_HORIZON, scenario::MAX_STEPS).steps
}

/// The scale test: `count` clients, each doing the whole flow.
fn scale_run(count: usize) -> (Simulation, clients::Clients, sim::RunSummary) {
    let options = SiteOptions::default();
    let (mut sim, lan) =
        clients::build_clients(1, LinkConfig::default(), count, clients::PcPorts::Protected, &options);
    let summary = sim.run(clients::horizon(count), clients::max_steps(count));
    (sim, lan, summary)
}

fn flows(c: &mut Criterion) {
    let mut group = c.benchmark_group("sim/https_flow");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("1_client", |b| b.iter(|| https_flow(black_box(1))));
    group.finish();
}

fn scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("sim/clients");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for count in SIZES {
        group.throughput(Throughput::Elements(count as u64));
        group.bench_function(count.to_string(), |b| {
            b.iter(|| {
                let (sim, _, summary) = scale_run(black_box(count));
                (sim.trace().records().len(), summary.steps)
            });
        });
    }
    group.finish();
}

/// `VmHWM` (peak resident set) of this process, in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The child's part: run the scale test once and print what it took.
fn child(count: usize) {
    let before = peak_rss_kib().unwrap_or(0);
    let start = Instant::now();
    let (sim, lan, summary) = scale_run(count);
    let elapsed = start.elapsed();
    let report = clients::ScaleReport::from_trace(&sim, &lan);
    let frames = sim.trace().frames().count();
    let frame_bytes: usize = sim.trace().frames().map(|f| f.bytes.len()).sum();
    let records = sim.trace().records().len();
    let peak = peak_rss_kib().unwrap_or(0);
    println!(
        "{count} {} {} {} {records} {frames} {frame_bytes} {before} {peak} {}",
        elapsed.as_micros(),
        summary.steps,
        report.fetched(),
        report.summary_line()
    );
}

/// Runs each size in a child process and prints time, trace size and peak memory.
fn memory_report() {
    let Ok(exe) = std::env::current_exe() else { return };
    eprintln!("sim/clients peak memory (one run per size, each in its own process):");
    eprintln!("  clients   run time   steps       records   frames   frame bytes   VmHWM before → after (Δ)");
    let mut per_client = Vec::new();
    for count in SIZES {
        let output = std::process::Command::new(&exe).env(CHILD_ENV, count.to_string()).output();
        let Ok(output) = output else {
            eprintln!("  {count}: could not run the child");
            continue;
        };
        let text = String::from_utf8_lossy(&output.stdout);
        let fields: Vec<&str> = text.split_whitespace().collect();
        let number = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        let (micros, steps, fetched, records, frames, bytes, before, peak) =
            (number(1), number(2), number(3), number(4), number(5), number(6), number(7), number(8));
        let delta = peak.saturating_sub(before);
        eprintln!(
            "  {count:>7} {:>8.3} s {steps:>10} {records:>10} {frames:>8} {bytes:>13}   {before} KiB → {peak} KiB ({:.1} MiB); {fetched} fetched",
            micros as f64 / 1e6,
            delta as f64 / 1024.0
        );
        per_client.push((count, micros as f64 / count as f64, delta as f64 / count as f64));
    }
    for (count, micros, kib) in per_client {
        eprintln!("  per client at {count:>4}: {:.2} ms, {kib:.1} KiB", micros / 1e3);
    }
}

/// A node that does nothing but wake up: every `period` it asks to be woken again. Its
/// events exercise the event loop alone (queue, timer bookkeeping, dispatch).
#[derive(Debug)]
struct Ticker {
    name: String,
    period: Duration,
    next: Duration,
}

impl Node for Ticker {
    fn name(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> NodeKind {
        NodeKind::Host
    }
    fn interfaces(&self) -> Vec<InterfaceInfo> {
        Vec::new()
    }
    fn handle_frame(&mut self, _now: Duration, _iface: IfaceId, _frame: &[u8]) {}
    fn poll_transmit(&mut self) -> Option<(IfaceId, Vec<u8>)> {
        None
    }
    fn poll_timeout(&self) -> Option<Duration> {
        Some(self.next)
    }
    fn handle_timeout(&mut self, now: Duration) {
        self.next = now + self.period;
    }
    fn describe_state(&self, _now: Duration) -> Vec<String> {
        Vec::new()
    }
}

/// Nodes (and so events pending at once) in the events workload: `1 << NODE_BITS`.
const TICKERS: usize = 1 << NODE_BITS;
const NODE_BITS: u32 = 10;
/// Events per iteration.
const EVENTS: u64 = 1 << 20;

/// The period of ticker `i`: 1 to 13 µs, so wake-ups interleave irregularly.
fn period(i: usize) -> Duration {
    Duration::from_nanos(1_000 + (i as u64 * 7_919) % 12_000)
}

fn tickers() -> Simulation {
    let mut sim = Simulation::new(1);
    for i in 0..TICKERS {
        sim.add_node(Box::new(Ticker { name: format!("t{i}"), period: period(i), next: period(i) }));
    }
    sim
}

/// The baseline: the same wake-ups on a plain binary heap of (time, sequence) keys, each
/// pop followed by the push of that node's next wake-up. The node rides in the low bits
/// of the sequence number, as the engine's entry names its node.
fn heap_baseline(events: u64) -> u64 {
    let mut heap = BinaryHeap::with_capacity(TICKERS);
    let mut counter = 0_u64;
    for i in 0..TICKERS {
        heap.push(Reverse((period(i), (counter << NODE_BITS) | i as u64)));
        counter += 1;
    }
    let mut checksum = 0_u64;
    for _ in 0..events {
        let Some(Reverse((at, key))) = heap.pop() else { break };
        let node = (key & (TICKERS as u64 - 1)) as usize;
        checksum ^= key;
        heap.push(Reverse((at + period(node), (counter << NODE_BITS) | node as u64)));
        counter += 1;
    }
    checksum
}

fn events(c: &mut Criterion) {
    // Once, outside the timing: how many events a second each does on this machine.
    let start = Instant::now();
    let mut sim = tickers();
    let steps = sim.run(Duration::MAX, EVENTS * 4).steps;
    let engine = steps as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    black_box(heap_baseline(EVENTS * 4));
    let heap = (EVENTS * 4) as f64 / start.elapsed().as_secs_f64();
    eprintln!(
        "sim/events: simulation {:.1} M events/s, BinaryHeap<Reverse<(Duration, u64)>> {:.1} M push+pop/s, ratio {:.2}×",
        engine / 1e6,
        heap / 1e6,
        engine / heap
    );
    let mut group = c.benchmark_group("sim/events");
    group.throughput(Throughput::Elements(EVENTS));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("simulation", |b| {
        b.iter_batched(
            tickers,
            |mut sim| sim.run(Duration::MAX, EVENTS).steps,
            criterion::BatchSize::LargeInput,
        );
    });
    group.bench_function("binary_heap", |b| b.iter(|| heap_baseline(black_box(EVENTS))));
    group.finish();
}

/// Whether the command line's filters (if any) select the scale bench.
fn wants(name: &str) -> bool {
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
}

fn main() {
    if let Some(count) = std::env::var(CHILD_ENV).ok().and_then(|n| n.parse().ok()) {
        child(count);
        return;
    }
    let listing = std::env::args().any(|a| a == "--list" || a == "--test");
    if !listing && wants("sim/clients/1000") {
        memory_report();
    }
    let mut criterion = Criterion::default().configure_from_args();
    flows(&mut criterion);
    scale(&mut criterion);
    events(&mut criterion);
    criterion.final_summary();
}
