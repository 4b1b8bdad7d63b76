//! The learning bridge's rules, one test each, on virtual time.

use core::time::Duration;

use ethernet::MacAddress;
use switch::strategies::station_mac;
use switch::{BridgeConfig, BridgeEvent, Forwarding, LearningBridge, PortId, TableEntry};

const T0: Duration = Duration::ZERO;
const AGING: Duration = Duration::from_secs(300);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn bridge(ports: u16) -> LearningBridge {
    LearningBridge::new(BridgeConfig::default(), ports)
}

fn drain(bridge: &mut LearningBridge) -> Vec<BridgeEvent> {
    std::iter::from_fn(|| bridge.poll_event()).collect()
}

fn egress(decision: Forwarding, ports: u16) -> Vec<u16> {
    decision.egress_ports(ports).map(PortId::get).collect()
}

#[test]
fn learns_the_source_port() {
    let mut bridge = bridge(4);
    let (a, b) = (station_mac(1), station_mac(2));
    bridge.handle_frame(T0, PortId(2), a, b);
    assert_eq!(bridge.lookup(T0, a), Some(PortId(2)));
    assert_eq!(bridge.lookup(T0, b), None);
    assert_eq!(bridge.len(), 1);
    assert_eq!(drain(&mut bridge), [BridgeEvent::Learned { mac: a, port: PortId(2) }]);
}

#[test]
fn floods_unknown_broadcast_and_multicast_to_all_but_ingress() {
    let mut bridge = bridge(4);
    let a = station_mac(1);
    let multicast: MacAddress = "01:00:5e:00:00:fb".parse().unwrap();
    for dst in [station_mac(2), MacAddress::BROADCAST, multicast] {
        let decision = bridge.handle_frame(T0, PortId(1), a, dst);
        assert_eq!(decision, Forwarding::Flood { except: PortId(1) });
        assert_eq!(egress(decision, 4), [0, 2, 3]);
    }
}

#[test]
fn multicast_destination_floods_even_if_someone_forged_it_as_a_source() {
    let mut bridge = bridge(3);
    let group: MacAddress = "01:00:5e:00:00:01".parse().unwrap();
    assert_eq!(bridge.handle_frame(T0, PortId(2), group, station_mac(1)), Forwarding::Filter);
    assert_eq!(
        bridge.handle_frame(T0, PortId(0), station_mac(1), group),
        Forwarding::Flood { except: PortId(0) }
    );
}

#[test]
fn forwards_known_unicast_to_its_one_port() {
    let mut bridge = bridge(4);
    let (a, b) = (station_mac(1), station_mac(2));
    bridge.handle_frame(T0, PortId(0), a, b);
    let reply = bridge.handle_frame(secs(1), PortId(3), b, a);
    assert_eq!(reply, Forwarding::Unicast(PortId(0)));
    assert_eq!(egress(reply, 4), [0]);
    assert_eq!(bridge.handle_frame(secs(2), PortId(0), a, b), Forwarding::Unicast(PortId(3)));
}

#[test]
fn never_hairpins_a_destination_on_the_ingress_port() {
    let mut bridge = bridge(4);
    let (a, b) = (station_mac(1), station_mac(2));
    bridge.handle_frame(T0, PortId(1), b, a);
    let decision = bridge.handle_frame(T0, PortId(1), a, b);
    assert_eq!(decision, Forwarding::Filter);
    assert_eq!(egress(decision, 4), Vec::<u16>::new());
    // A frame to oneself is the same case.
    assert_eq!(bridge.handle_frame(T0, PortId(1), a, a), Forwarding::Filter);
}

#[test]
fn a_station_seen_on_another_port_moves() {
    let mut bridge = bridge(4);
    let (a, b) = (station_mac(1), station_mac(2));
    bridge.handle_frame(T0, PortId(0), a, b);
    drain(&mut bridge);
    bridge.handle_frame(secs(5), PortId(3), a, b);
    assert_eq!(bridge.lookup(secs(5), a), Some(PortId(3)));
    assert_eq!(drain(&mut bridge), [BridgeEvent::Moved { mac: a, from: PortId(0), to: PortId(3) }]);
    assert_eq!(bridge.len(), 1);
}

#[test]
fn refreshing_a_known_station_emits_nothing() {
    let mut bridge = bridge(2);
    let (a, b) = (station_mac(1), station_mac(2));
    bridge.handle_frame(T0, PortId(0), a, b);
    drain(&mut bridge);
    for t in 1..100 {
        bridge.handle_frame(secs(t), PortId(0), a, b);
    }
    assert_eq!(bridge.poll_event(), None);
}

#[test]
fn entries_age_out_on_virtual_time() {
    let mut bridge = bridge(2);
    let a = station_mac(1);
    bridge.handle_frame(T0, PortId(0), a, MacAddress::BROADCAST);
    let just_before = AGING - Duration::from_nanos(1);
    assert_eq!(bridge.lookup(just_before, a), Some(PortId(0)));
    // Absent at the aging time, before any sweep has removed it.
    assert_eq!(bridge.lookup(AGING, a), None);
    assert_eq!(bridge.entries(AGING), []);
    assert_eq!(bridge.len(), 1);

    drain(&mut bridge);
    assert_eq!(bridge.poll_timeout(), Some(AGING));
    bridge.handle_timeout(AGING);
    assert!(bridge.is_empty());
    assert_eq!(bridge.poll_timeout(), None);
    assert_eq!(drain(&mut bridge), [BridgeEvent::Aged { mac: a, port: PortId(0) }]);
}

#[test]
fn refresh_resets_the_age() {
    let mut bridge = bridge(2);
    let (a, b) = (station_mac(1), station_mac(2));
    bridge.handle_frame(T0, PortId(0), a, b);
    bridge.handle_frame(secs(200), PortId(0), a, b);
    assert_eq!(bridge.lookup(secs(400), a), Some(PortId(0)));
    // The sweep due at 300 s keeps it, and is not rerun before a tenth of the aging time.
    bridge.handle_timeout(secs(300));
    assert_eq!(bridge.len(), 1);
    assert_eq!(bridge.poll_timeout(), Some(secs(500)));
    assert_eq!(bridge.lookup(secs(500), a), None);
    bridge.handle_timeout(secs(500));
    assert!(bridge.is_empty());
}

#[test]
fn sweeps_are_rate_limited_to_a_tenth_of_the_aging_time() {
    let mut bridge = bridge(2);
    bridge.handle_frame(T0, PortId(0), station_mac(1), station_mac(9));
    bridge.handle_frame(secs(1), PortId(1), station_mac(2), station_mac(9));
    assert_eq!(bridge.sweep_interval(), secs(30));
    bridge.handle_timeout(secs(300));
    assert_eq!(bridge.len(), 1);
    // The second entry expires at 301 s, but the next sweep waits for 330 s.
    assert_eq!(bridge.poll_timeout(), Some(secs(330)));
    bridge.handle_timeout(secs(310)); // early: does nothing
    assert_eq!(bridge.len(), 1);
    bridge.handle_timeout(secs(330));
    assert!(bridge.is_empty());
}

#[test]
fn a_station_heard_after_expiry_but_before_the_sweep_is_aged_then_learned() {
    let mut bridge = bridge(4);
    let a = station_mac(1);
    bridge.handle_frame(T0, PortId(0), a, MacAddress::BROADCAST);
    drain(&mut bridge);
    bridge.handle_frame(secs(301), PortId(2), a, MacAddress::BROADCAST);
    assert_eq!(
        drain(&mut bridge),
        [BridgeEvent::Aged { mac: a, port: PortId(0) }, BridgeEvent::Learned { mac: a, port: PortId(2) },]
    );
    assert_eq!(bridge.lookup(secs(301), a), Some(PortId(2)));
}

fn small_table(max_entries: usize) -> LearningBridge {
    let config = BridgeConfig { max_entries, ..BridgeConfig::default() };
    LearningBridge::new(config, 4)
}

#[test]
fn a_full_table_refuses_new_stations_but_still_floods_their_frames() {
    let mut bridge = small_table(2);
    let (a, b, c) = (station_mac(1), station_mac(2), station_mac(3));
    bridge.handle_frame(T0, PortId(0), a, MacAddress::BROADCAST);
    bridge.handle_frame(T0, PortId(1), b, MacAddress::BROADCAST);
    drain(&mut bridge);

    let decision = bridge.handle_frame(secs(10), PortId(2), c, a);
    assert_eq!(decision, Forwarding::Unicast(PortId(0)));
    assert_eq!(bridge.lookup(secs(10), c), None);
    assert_eq!(drain(&mut bridge), [BridgeEvent::TableFull { mac: c, port: PortId(2) }]);
    // Frames to the unlearned station flood, and known stations still refresh.
    assert_eq!(bridge.handle_frame(secs(11), PortId(0), a, c), Forwarding::Flood { except: PortId(0) });
    assert_eq!(bridge.poll_event(), None);
    assert_eq!(bridge.len(), 2);
}

#[test]
fn a_full_table_evicts_aged_entries_for_a_new_station_when_a_sweep_is_due() {
    let mut bridge = small_table(2);
    let (a, b, c) = (station_mac(1), station_mac(2), station_mac(3));
    bridge.handle_frame(T0, PortId(0), a, MacAddress::BROADCAST);
    bridge.handle_frame(secs(100), PortId(1), b, MacAddress::BROADCAST);
    drain(&mut bridge);

    // At 300 s a has aged, the sweep is due, and c takes its place.
    bridge.handle_frame(secs(300), PortId(2), c, b);
    assert_eq!(
        drain(&mut bridge),
        [BridgeEvent::Aged { mac: a, port: PortId(0) }, BridgeEvent::Learned { mac: c, port: PortId(2) },]
    );
    assert_eq!(bridge.lookup(secs(300), c), Some(PortId(2)));
    assert_eq!(bridge.lookup(secs(300), b), Some(PortId(1)));
}

#[test]
fn a_mac_flood_does_not_evict_live_stations() {
    let mut bridge = small_table(8);
    let server = station_mac(0);
    bridge.handle_frame(T0, PortId(0), server, MacAddress::BROADCAST);
    for i in 1..1000u16 {
        let t = Duration::from_millis(u64::from(i));
        bridge.handle_frame(t, PortId(3), station_mac(i), server);
    }
    assert_eq!(bridge.len(), 8);
    assert_eq!(bridge.lookup(secs(1), server), Some(PortId(0)));
    // 8 Learned, then 992 TableFull: the queue kept the newest 256.
    assert_eq!(bridge.dropped_events(), 1000 - 256);
    let events = drain(&mut bridge);
    assert_eq!(events.len(), 256);
    assert!(events.iter().all(|e| matches!(e, BridgeEvent::TableFull { .. })));
}

#[test]
fn invalid_sources_are_not_learned_and_are_filtered() {
    let mut bridge = bridge(3);
    let multicast: MacAddress = "01:80:c2:00:00:00".parse().unwrap();
    for src in [multicast, MacAddress::BROADCAST, MacAddress::UNSPECIFIED] {
        assert_eq!(bridge.handle_frame(T0, PortId(1), src, station_mac(1)), Forwarding::Filter);
        assert_eq!(bridge.lookup(T0, src), None);
    }
    assert!(bridge.is_empty());
    assert_eq!(bridge.poll_event(), None);
}

#[test]
fn an_ingress_port_the_bridge_does_not_have_is_filtered_and_teaches_nothing() {
    let mut bridge = bridge(3);
    assert_eq!(bridge.handle_frame(T0, PortId(3), station_mac(1), MacAddress::BROADCAST), Forwarding::Filter);
    assert!(bridge.is_empty());
    let mut none = LearningBridge::new(BridgeConfig::default(), 0);
    assert_eq!(none.handle_frame(T0, PortId(0), station_mac(1), MacAddress::BROADCAST), Forwarding::Filter);
}

#[test]
fn entries_are_listed_sorted_by_mac_with_their_age() {
    let mut bridge = bridge(4);
    for (i, t) in [(7u16, 0u64), (2, 5), (9, 10), (4, 15)] {
        bridge.handle_frame(secs(t), PortId(i % 4), station_mac(i), MacAddress::BROADCAST);
    }
    let entries = bridge.entries(secs(20));
    let expected: Vec<TableEntry> = [(2u16, 15u64), (4, 5), (7, 20), (9, 10)]
        .into_iter()
        .map(|(i, age)| TableEntry { mac: station_mac(i), port: PortId(i % 4), age: secs(age) })
        .collect();
    assert_eq!(entries, expected);
    // Aged entries are left out, even before the sweep.
    assert_eq!(bridge.entries(secs(302)).len(), 3);
}

#[test]
fn flushing_a_port_forgets_its_stations() {
    let mut bridge = bridge(3);
    bridge.handle_frame(T0, PortId(0), station_mac(1), MacAddress::BROADCAST);
    bridge.handle_frame(T0, PortId(1), station_mac(2), MacAddress::BROADCAST);
    bridge.handle_frame(T0, PortId(1), station_mac(3), MacAddress::BROADCAST);
    drain(&mut bridge);
    bridge.flush_port(PortId(1));
    assert_eq!(bridge.len(), 1);
    assert_eq!(bridge.lookup(T0, station_mac(2)), None);
    assert_eq!(drain(&mut bridge), [BridgeEvent::Flushed { port: PortId(1), removed: 2 }]);
    bridge.flush_port(PortId(2));
    bridge.flush_port(PortId(999));
    assert_eq!(bridge.poll_event(), None);
}

#[test]
fn aged_events_come_in_mac_order_whatever_the_hash_seed() {
    let run = |hash_seed| {
        let config = BridgeConfig { hash_seed, ..BridgeConfig::default() };
        let mut bridge = LearningBridge::new(config, 2);
        for i in (0..50u16).rev() {
            bridge.handle_frame(T0, PortId(i % 2), station_mac(i), MacAddress::BROADCAST);
        }
        drain(&mut bridge);
        bridge.handle_timeout(AGING);
        drain(&mut bridge)
    };
    let events = run(1);
    assert_eq!(events.len(), 50);
    assert_eq!(events[0], BridgeEvent::Aged { mac: station_mac(0), port: PortId(0) });
    assert_eq!(events, run(0xdead_beef));
}

#[test]
fn events_read_as_sentences() {
    let mac = station_mac(10);
    let cases = [
        (BridgeEvent::Learned { mac, port: PortId(1) }, "learned 02:00:00:00:00:0a on port 1"),
        (
            BridgeEvent::Moved { mac, from: PortId(1), to: PortId(2) },
            "02:00:00:00:00:0a moved from port 1 to port 2",
        ),
        (BridgeEvent::Aged { mac, port: PortId(1) }, "02:00:00:00:00:0a on port 1 aged out"),
        (
            BridgeEvent::TableFull { mac, port: PortId(1) },
            "MAC table full: 02:00:00:00:00:0a on port 1 not learned",
        ),
        (BridgeEvent::Flushed { port: PortId(1), removed: 3 }, "flushed 3 entries of port 1"),
    ];
    for (event, text) in cases {
        assert_eq!(event.to_string(), text);
    }
}

#[test]
fn a_zero_sized_event_queue_counts_every_event_as_dropped() {
    let config = BridgeConfig { max_events: 0, ..BridgeConfig::default() };
    let mut bridge = LearningBridge::new(config, 2);
    bridge.handle_frame(T0, PortId(0), station_mac(1), station_mac(2));
    bridge.handle_frame(T0, PortId(1), station_mac(2), station_mac(1));
    assert_eq!(bridge.poll_event(), None);
    assert_eq!(bridge.dropped_events(), 2);
}

#[test]
fn reserved_link_local_group_addresses_are_never_relayed() {
    // IEEE 802.1D Table 7-10: 01-80-C2-00-00-00 to -0F (STP BPDUs, PAUSE, LACP, 802.1X,
    // LLDP, ...) are link-local and a conformant bridge filters them; the source is still
    // learned. 01-80-C2-00-00-10 (all LANs bridge management) is an ordinary group.
    let mut bridge = bridge(3);
    let a = station_mac(1);
    for last in 0x00..=0x0f {
        let reserved = MacAddress([0x01, 0x80, 0xc2, 0, 0, last]);
        assert_eq!(bridge.handle_frame(T0, PortId(1), a, reserved), Forwarding::Filter, "{reserved}");
    }
    assert_eq!(bridge.lookup(T0, a), Some(PortId(1)));
    let all_lans: MacAddress = "01:80:c2:00:00:10".parse().unwrap();
    assert_eq!(bridge.handle_frame(T0, PortId(1), a, all_lans), Forwarding::Flood { except: PortId(1) });
}
