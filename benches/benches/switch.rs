//! Switch forwarding decision, learn + lookup per frame, at 4 K and 1 M learned MACs:
//! packetflow's `LearningBridge::handle_frame` beside the same rules written over a plain
//! `std::collections::HashMap` (default SipHash), in one criterion group per table size.
//!
//! Both tables are prefilled with the same deterministic stations; each iteration then
//! processes the next frame of a pre-generated ring between random learned stations
//! (a source refresh plus a known-unicast lookup), so the table is never resized and no
//! event is produced. The 1 M table does not fit in cache; the 4 K one does.

use core::time::Duration;
use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ethernet::MacAddress;
use packetflow_benches::switch_inputs::{BenchFrame, PORTS, Station, frame_ring, stations};
use switch::{BridgeConfig, Forwarding, LearningBridge, PortId};

const STATION_SEED: u64 = 0x5757_0001;
const RING_SEED: u64 = 0x5757_0002;
/// A power of two, so the ring index wraps with a mask; large enough that the 1 M case
/// touches ~128 K distinct entries per lap.
const RING_LEN: usize = 1 << 16;
const AGING_TIME: Duration = Duration::from_secs(300);

/// The baseline: the same learn-then-decide rules as `LearningBridge`, over
/// `HashMap<MacAddress, (PortId, last seen)>` with the default hasher.
struct StdHashMapBridge {
    table: HashMap<MacAddress, (PortId, Duration)>,
    max_entries: usize,
}

impl StdHashMapBridge {
    fn new(max_entries: usize) -> Self {
        Self { table: HashMap::with_capacity(max_entries), max_entries }
    }

    fn handle_frame(
        &mut self,
        now: Duration,
        ingress: PortId,
        src: MacAddress,
        dst: MacAddress,
    ) -> Forwarding {
        if ingress.0 >= PORTS || src.is_multicast() || src.is_unspecified() {
            return Forwarding::Filter;
        }
        if let Some(entry) = self.table.get_mut(&src) {
            *entry = (ingress, now);
        } else if self.table.len() < self.max_entries {
            self.table.insert(src, (ingress, now));
        }
        if dst.is_multicast() {
            return Forwarding::Flood { except: ingress };
        }
        match self.table.get(&dst) {
            Some(&(port, seen)) if now.saturating_sub(seen) < AGING_TIME => {
                if port == ingress {
                    Forwarding::Filter
                } else {
                    Forwarding::Unicast(port)
                }
            }
            _ => Forwarding::Flood { except: ingress },
        }
    }
}

fn prefilled_bridge(stations: &[Station]) -> LearningBridge {
    let config = BridgeConfig {
        aging_time: AGING_TIME,
        max_entries: stations.len(),
        max_events: 16,
        ..BridgeConfig::default()
    };
    let mut bridge = LearningBridge::new(config, PORTS);
    for station in stations {
        bridge.handle_frame(Duration::ZERO, station.port, station.mac, MacAddress::BROADCAST);
    }
    while bridge.poll_event().is_some() {}
    assert_eq!(bridge.len(), stations.len());
    bridge
}

fn prefilled_baseline(stations: &[Station]) -> StdHashMapBridge {
    let mut baseline = StdHashMapBridge::new(stations.len());
    for station in stations {
        baseline.handle_frame(Duration::ZERO, station.port, station.mac, MacAddress::BROADCAST);
    }
    assert_eq!(baseline.table.len(), stations.len());
    baseline
}

/// The decisions must agree, or the comparison measures different work.
fn check_same_decisions(bridge: &mut LearningBridge, baseline: &mut StdHashMapBridge, ring: &[BenchFrame]) {
    let now = Duration::from_secs(1);
    for frame in ring.iter().take(1024) {
        let ours = bridge.handle_frame(now, frame.ingress, frame.src, frame.dst);
        let theirs = baseline.handle_frame(now, frame.ingress, frame.src, frame.dst);
        assert_eq!(ours, theirs);
        assert!(matches!(ours, Forwarding::Unicast(_) | Forwarding::Filter));
    }
    assert_eq!(bridge.poll_event(), None);
}

fn forwarding_decision(c: &mut Criterion) {
    for (label, size) in [("4K", 4 * 1024), ("1M", 1024 * 1024)] {
        let stations = stations(size, STATION_SEED);
        let ring = frame_ring(&stations, RING_LEN, RING_SEED);
        let mut bridge = prefilled_bridge(&stations);
        let mut baseline = prefilled_baseline(&stations);
        check_same_decisions(&mut bridge, &mut baseline, &ring);
        // Learned at 0 s; the clock stays well inside the aging time.
        let now = Duration::from_secs(1);

        let mut group = c.benchmark_group(format!("switch_forwarding/{label}"));
        group.throughput(Throughput::Elements(1));
        group.bench_function("packetflow", |b| {
            let mut next = 0;
            b.iter(|| {
                let frame = ring[next];
                next = (next + 1) & (RING_LEN - 1);
                bridge.handle_frame(black_box(now), frame.ingress, frame.src, frame.dst)
            })
        });
        group.bench_function("std_hashmap_siphash", |b| {
            let mut next = 0;
            b.iter(|| {
                let frame = ring[next];
                next = (next + 1) & (RING_LEN - 1);
                baseline.handle_frame(black_box(now), frame.ingress, frame.src, frame.dst)
            })
        });
        group.finish();
        assert_eq!(bridge.poll_event(), None, "the measured path emits no events");
    }
}

criterion_group!(benches, forwarding_decision);
criterion_main!(benches);
