//! Properties: on random frame sequences the bridge agrees with a naive reference model
//! (a `BTreeMap` scanned linearly), and never sends a frame back out of its ingress port.

use core::time::Duration;
use std::collections::BTreeMap;

use ethernet::MacAddress;
use proptest::prelude::*;
use switch::strategies::{TestFrame, frame_sequence, port_in, station_mac};
use switch::{BridgeConfig, BridgeEvent, Forwarding, LearningBridge, PortId, TableEntry};

/// The bridge's rules written as plainly as possible: the table is a sorted map, every
/// question is a scan, and the sweep schedule is recomputed from scratch.
struct Model {
    port_count: u16,
    aging_time: Duration,
    max_entries: usize,
    sweep_interval: Duration,
    table: BTreeMap<MacAddress, (PortId, Duration)>,
    next_sweep: Duration,
    events: Vec<BridgeEvent>,
}

impl Model {
    fn new(config: &BridgeConfig, port_count: u16) -> Self {
        Self {
            port_count,
            aging_time: config.aging_time,
            max_entries: config.max_entries,
            sweep_interval: (config.aging_time / 10).max(Duration::from_millis(1)),
            table: BTreeMap::new(),
            next_sweep: Duration::ZERO,
            events: Vec::new(),
        }
    }

    fn is_live(&self, last_seen: Duration, now: Duration) -> bool {
        now.saturating_sub(last_seen) < self.aging_time
    }

    fn lookup(&self, now: Duration, mac: MacAddress) -> Option<PortId> {
        match self.table.get(&mac) {
            Some(&(port, seen)) if self.is_live(seen, now) => Some(port),
            _ => None,
        }
    }

    fn handle_frame(&mut self, frame: TestFrame) -> Forwarding {
        let TestFrame { now, ingress, src, dst } = frame;
        if ingress.0 >= self.port_count || src.is_multicast() || src == MacAddress::UNSPECIFIED {
            return Forwarding::Filter;
        }
        self.learn(now, ingress, src);
        if dst.0[..5] == [0x01, 0x80, 0xc2, 0x00, 0x00] && dst.0[5] < 0x10 {
            return Forwarding::Filter;
        }
        if dst.is_multicast() {
            return Forwarding::Flood { except: ingress };
        }
        match self.lookup(now, dst) {
            Some(port) if port == ingress => Forwarding::Filter,
            Some(port) => Forwarding::Unicast(port),
            None => Forwarding::Flood { except: ingress },
        }
    }

    fn learn(&mut self, now: Duration, port: PortId, mac: MacAddress) {
        if let Some(&(from, seen)) = self.table.get(&mac) {
            if !self.is_live(seen, now) {
                self.events.push(BridgeEvent::Aged { mac, port: from });
                self.events.push(BridgeEvent::Learned { mac, port });
            } else if from != port {
                self.events.push(BridgeEvent::Moved { mac, from, to: port });
            }
            self.table.insert(mac, (port, now));
            return;
        }
        if self.table.len() >= self.max_entries && self.sweep_is_due(now) {
            self.sweep(now);
        }
        if self.table.len() >= self.max_entries {
            self.events.push(BridgeEvent::TableFull { mac, port });
            return;
        }
        if self.table.is_empty() {
            self.next_sweep = now + self.aging_time;
        }
        self.table.insert(mac, (port, now));
        self.events.push(BridgeEvent::Learned { mac, port });
    }

    fn sweep_is_due(&self, now: Duration) -> bool {
        !self.table.is_empty() && now >= self.next_sweep
    }

    fn handle_timeout(&mut self, now: Duration) {
        if self.sweep_is_due(now) {
            self.sweep(now);
        }
    }

    fn sweep(&mut self, now: Duration) {
        let aged: Vec<(MacAddress, PortId)> = self
            .table
            .iter()
            .filter(|(_, (_, seen))| !self.is_live(*seen, now))
            .map(|(&mac, &(port, _))| (mac, port))
            .collect();
        for (mac, port) in aged {
            self.table.remove(&mac);
            self.events.push(BridgeEvent::Aged { mac, port });
        }
        let earliest_expiry =
            self.table.values().map(|&(_, seen)| seen + self.aging_time).min().unwrap_or(Duration::MAX);
        self.next_sweep = earliest_expiry.max(now + self.sweep_interval);
    }

    fn flush_port(&mut self, port: PortId) {
        let before = self.table.len();
        self.table.retain(|_, (p, _)| *p != port);
        let removed = before - self.table.len();
        if removed > 0 {
            self.events.push(BridgeEvent::Flushed { port, removed });
        }
    }

    fn poll_timeout(&self) -> Option<Duration> {
        (!self.table.is_empty()).then_some(self.next_sweep)
    }

    fn entries(&self, now: Duration) -> Vec<TableEntry> {
        self.table
            .iter()
            .filter(|(_, (_, seen))| self.is_live(*seen, now))
            .map(|(&mac, &(port, seen))| TableEntry { mac, port, age: now - seen })
            .collect()
    }
}

/// What the test driver does before each frame.
#[derive(Clone, Copy, Debug)]
enum Before {
    Nothing,
    /// Wake up as a caller honouring `poll_timeout` would.
    Timeout,
    /// A link goes down.
    Flush(PortId),
}

fn before_any(port_count: u16) -> impl Strategy<Value = Before> {
    prop_oneof![
        6 => Just(Before::Nothing),
        3 => Just(Before::Timeout),
        1 => port_in(port_count).prop_map(Before::Flush),
    ]
}

fn scenario() -> impl Strategy<Value = (u16, u16, usize, Vec<(Before, TestFrame)>)> {
    (1u16..6, 1u16..12, 0usize..10).prop_flat_map(|(ports, stations, max_entries)| {
        let steps =
            (proptest::collection::vec(before_any(ports), 80), frame_sequence(ports, stations, 1..80))
                .prop_map(|(befores, frames)| befores.into_iter().zip(frames).collect());
        (Just(ports), Just(stations), Just(max_entries), steps)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn bridge_matches_the_reference_model(
        (ports, stations, max_entries, steps) in scenario(),
        hash_seed in any::<u64>(),
    ) {
        let config = BridgeConfig { max_entries, max_events: 10_000, hash_seed, ..BridgeConfig::default() };
        let mut bridge = LearningBridge::new(config.clone(), ports);
        let mut model = Model::new(&config, ports);
        for (before, frame) in steps {
            match before {
                Before::Nothing => {}
                Before::Timeout => {
                    if let Some(at) = bridge.poll_timeout().filter(|&at| at <= frame.now) {
                        bridge.handle_timeout(at);
                        model.handle_timeout(at);
                    }
                }
                Before::Flush(port) => {
                    bridge.flush_port(port);
                    model.flush_port(port);
                }
            }
            let decision = bridge.handle_frame(frame.now, frame.ingress, frame.src, frame.dst);
            prop_assert_eq!(decision, model.handle_frame(frame), "frame {:?}", frame);
            prop_assert!(!decision.egress_ports(ports).any(|p| p == frame.ingress));
            prop_assert!(decision.egress_ports(ports).all(|p| p.0 < ports));

            let events: Vec<_> = std::iter::from_fn(|| bridge.poll_event()).collect();
            prop_assert_eq!(events, std::mem::take(&mut model.events));
            prop_assert_eq!(bridge.poll_timeout(), model.poll_timeout());
            prop_assert_eq!(bridge.len(), model.table.len());
            prop_assert!(bridge.len() <= max_entries);
            prop_assert_eq!(bridge.entries(frame.now), model.entries(frame.now));
            for i in 0..stations {
                let mac = station_mac(i);
                prop_assert_eq!(bridge.lookup(frame.now, mac), model.lookup(frame.now, mac));
            }
        }
        prop_assert_eq!(bridge.dropped_events(), 0);
    }

    #[test]
    fn the_event_queue_is_bounded_and_keeps_the_newest(
        frames in frame_sequence(4, 16, 0..200),
        max_events in 0usize..8,
    ) {
        let config = BridgeConfig { max_entries: 6, ..BridgeConfig::default() };
        let mut unbounded = LearningBridge::new(BridgeConfig { max_events: usize::MAX, ..config.clone() }, 4);
        let mut bounded = LearningBridge::new(BridgeConfig { max_events, ..config }, 4);
        for frame in &frames {
            unbounded.handle_frame(frame.now, frame.ingress, frame.src, frame.dst);
            bounded.handle_frame(frame.now, frame.ingress, frame.src, frame.dst);
        }
        let all: Vec<_> = std::iter::from_fn(|| unbounded.poll_event()).collect();
        let kept: Vec<_> = std::iter::from_fn(|| bounded.poll_event()).collect();
        prop_assert!(kept.len() <= max_events);
        prop_assert_eq!(kept.len() as u64 + bounded.dropped_events(), all.len() as u64);
        prop_assert_eq!(&all[all.len() - kept.len()..], &kept[..]);
    }

    #[test]
    fn any_port_numbers_never_panic_and_never_hairpin(
        ops in proptest::collection::vec((switch::strategies::port_any(), 0u16..4, 0u16..4, 0u64..1000), 0..100),
        ports in any::<u16>(),
    ) {
        let mut bridge = LearningBridge::new(BridgeConfig { max_entries: 3, ..BridgeConfig::default() }, ports);
        for (ingress, src, dst, t) in ops {
            let decision = bridge.handle_frame(Duration::from_secs(t), ingress, station_mac(src), station_mac(dst));
            prop_assert!(!decision.egress_ports(ports).take(8).any(|p| p == ingress));
            let count = decision.egress_ports(ports).len();
            prop_assert_eq!(count, decision.egress_ports(ports).count());
            bridge.flush_port(ingress);
            bridge.handle_timeout(Duration::from_secs(t));
        }
    }
}
