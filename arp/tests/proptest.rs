//! Properties: round trips, hostile bytes, and the neighbour cache's bounds and accounting.

use core::net::Ipv4Addr;
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet};

use arp::strategies::{arp_repr_any, arp_repr_small_lan, small_lan_ip};
use arp::{ArpEvent, ArpPacket, ArpRepr, CacheConfig, NeighborCache, Operation, ParseError, Resolution};
use ethernet::{EtherType, EthernetFrame, EthernetRepr, MacAddress, Padding};
use proptest::prelude::*;

proptest! {
    #[test]
    fn repr_round_trips(repr in arp_repr_any()) {
        let bytes = repr.to_bytes();
        let packet = ArpPacket::new_checked(&bytes[..]).unwrap();
        prop_assert_eq!(ArpRepr::parse(&packet).unwrap(), repr);
        prop_assert_eq!(packet.operation(), repr.operation);
    }

    #[test]
    fn repr_round_trips_through_a_padded_ethernet_frame(
        repr in arp_repr_any(),
        trailer in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let ethernet = EthernetRepr {
            src_addr: repr.sender_mac,
            dst_addr: MacAddress::BROADCAST,
            vlan: None,
            ethertype: EtherType::ARP,
        };
        let mut payload = repr.to_bytes().to_vec();
        payload.extend_from_slice(&trailer);
        let bytes = ethernet.to_bytes(&payload, Padding::MinimumFrame);
        let frame = EthernetFrame::new_checked(&bytes[..]).unwrap();
        let packet = ArpPacket::new_checked(frame.payload()).unwrap();
        prop_assert_eq!(ArpRepr::parse(&packet).unwrap(), repr);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        // Parsing an unchecked view checks lengths itself.
        let parsed = ArpRepr::parse(&ArpPacket::new_unchecked(&bytes[..]));
        if let Ok(packet) = ArpPacket::new_checked(&bytes[..]) {
            let _ = (packet.hardware_type(), packet.protocol_type(), packet.operation());
            let sizes = [
                packet.source_hardware_addr().len(),
                packet.source_protocol_addr().len(),
                packet.target_hardware_addr().len(),
                packet.target_protocol_addr().len(),
            ];
            let (hlen, plen) = (usize::from(packet.hardware_len()), usize::from(packet.protocol_len()));
            prop_assert_eq!(sizes, [hlen, plen, hlen, plen]);
        }
        if let Ok(repr) = parsed {
            // Whatever parses re-emits as the same 28 leading bytes.
            prop_assert_eq!(&repr.to_bytes()[..], &bytes[..28]);
        }
    }

    #[test]
    fn arbitrary_header_with_long_addresses_never_panics(
        header in any::<[u8; 8]>(),
        rest in proptest::collection::vec(any::<u8>(), 0..1100),
    ) {
        let mut bytes = header.to_vec();
        bytes.extend_from_slice(&rest);
        if let Ok(packet) = ArpPacket::new_checked(&bytes[..]) {
            prop_assert!(packet.packet_len() <= bytes.len());
            let _ = packet.target_protocol_addr();
        }
        let _ = ArpRepr::parse(&ArpPacket::new_unchecked(&bytes[..]));
    }

    #[test]
    fn every_truncation_is_reported_with_its_length(repr in arp_repr_any(), cut in 0usize..28) {
        let bytes = repr.to_bytes();
        let needed = if cut < 8 { 8 } else { 28 };
        let expected = ParseError::Truncated { needed, actual: cut };
        prop_assert_eq!(ArpPacket::new_checked(&bytes[..cut]).unwrap_err(), expected);
        prop_assert_eq!(ArpRepr::parse(&ArpPacket::new_unchecked(&bytes[..cut])).unwrap_err(), expected);
    }

    #[test]
    fn view_setters_and_getters_agree_for_any_address_sizes(
        hlen in 0u8..20,
        plen in 0u8..20,
        seed in any::<u8>(),
        op in any::<u16>(),
    ) {
        let (h, p) = (usize::from(hlen), usize::from(plen));
        let mut bytes = vec![0u8; 8 + 2 * (h + p)];
        let addr = |n: usize, salt: u8| (0..n).map(|i| seed.wrapping_add(salt).wrapping_add(i as u8)).collect::<Vec<u8>>();
        let mut packet = ArpPacket::new_unchecked(&mut bytes[..]);
        packet.set_hardware_len(hlen);
        packet.set_protocol_len(plen);
        packet.set_operation(Operation(op));
        packet.set_source_hardware_addr(&addr(h, 1));
        packet.set_source_protocol_addr(&addr(p, 2));
        packet.set_target_hardware_addr(&addr(h, 3));
        packet.set_target_protocol_addr(&addr(p, 4));
        let packet = ArpPacket::new_checked(&bytes[..]).unwrap();
        prop_assert_eq!(packet.source_hardware_addr(), &addr(h, 1)[..]);
        prop_assert_eq!(packet.source_protocol_addr(), &addr(p, 2)[..]);
        prop_assert_eq!(packet.target_hardware_addr(), &addr(h, 3)[..]);
        prop_assert_eq!(packet.target_protocol_addr(), &addr(p, 4)[..]);
        prop_assert_eq!(packet.operation(), Operation(op));
    }
}

/// One thing that happens to a host, `advance_ms` after the previous one.
#[derive(Debug, Clone)]
enum Step {
    Resolve { host: u8 },
    Receive(ArpRepr),
    Timeout,
    Announce,
    Probe { host: u8 },
    Flush { host: u8 },
}

fn step_any() -> impl Strategy<Value = (u64, Step)> {
    let step = prop_oneof![
        4 => (1u8..8).prop_map(|host| Step::Resolve { host }),
        4 => arp_repr_small_lan().prop_map(Step::Receive),
        2 => Just(Step::Timeout),
        1 => Just(Step::Announce),
        1 => (1u8..8).prop_map(|host| Step::Probe { host }),
        1 => (1u8..8).prop_map(|host| Step::Flush { host }),
    ];
    (0u64..1500, step)
}

const OWN_MAC: MacAddress = MacAddress([2, 0, 0, 0, 0, 1]);

/// Drains every output of the cache and checks it, at virtual time `now`.
fn check_outputs(
    cache: &mut NeighborCache<u32>,
    now: Duration,
    outstanding: &mut BTreeSet<u32>,
    last_request: &mut BTreeMap<Ipv4Addr, Duration>,
) -> Result<(), TestCaseError> {
    let config = *cache.config();
    while let Some(transmit) = cache.poll_transmit() {
        let packet = transmit.packet;
        prop_assert_eq!(packet.sender_mac, OWN_MAC);
        if packet.operation == Operation::REQUEST && !packet.is_gratuitous() && !packet.is_probe() {
            prop_assert_eq!(transmit.dst_mac, MacAddress::BROADCAST);
            if let Some(previous) = last_request.insert(packet.target_ip, now) {
                prop_assert!(
                    now >= previous + config.retry_interval,
                    "requests for {} at {:?} and {:?}",
                    packet.target_ip,
                    previous,
                    now
                );
            }
        }
        if packet.operation == Operation::REPLY {
            prop_assert_eq!(Some(packet.sender_ip), cache.own_ip());
        }
    }
    while let Some(released) = cache.poll_released() {
        prop_assert!(outstanding.remove(&released.into_packet()), "released twice");
    }
    while let Some(event) = cache.poll_event() {
        if let ArpEvent::EntryAdded { ip, .. } = event {
            prop_assert!(ip != Ipv4Addr::UNSPECIFIED);
        }
    }
    prop_assert!(cache.entries(now).len() <= config.max_entries);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever happens: the table stays within its bound, no target gets two requests
    /// less than a retry interval apart, and every packet handed to `resolve` comes back
    /// exactly once (ready, dropped or released) by the time all timers have run.
    #[test]
    fn cache_keeps_its_bounds_and_loses_no_packet(
        steps in proptest::collection::vec(step_any(), 1..80),
        own in proptest::option::of(1u8..8),
    ) {
        let config = CacheConfig {
            max_entries: 4,
            max_queued_per_target: 2,
            entry_lifetime: Duration::from_secs(10),
            ..CacheConfig::default()
        };
        let mut cache = NeighborCache::<u32>::new(config, OWN_MAC, own.map(small_lan_ip));
        let mut now = Duration::ZERO;
        let mut outstanding = BTreeSet::new();
        let mut last_request: BTreeMap<Ipv4Addr, Duration> = BTreeMap::new();
        let mut next_id = 0u32;

        for (advance_ms, step) in steps {
            now += Duration::from_millis(advance_ms);
            match step {
                Step::Resolve { host } => {
                    let id = next_id;
                    next_id += 1;
                    match cache.resolve(now, small_lan_ip(host), id) {
                        Resolution::Ready(_, packet) => prop_assert_eq!(packet, id),
                        Resolution::Queued => { outstanding.insert(id); }
                        Resolution::Dropped(packet) => {
                            outstanding.insert(id);
                            prop_assert!(outstanding.remove(&packet));
                        }
                    }
                }
                Step::Receive(packet) => cache.handle_arp(now, &packet),
                Step::Timeout => cache.handle_timeout(now),
                Step::Announce => cache.announce(),
                Step::Probe { host } => cache.probe(now, small_lan_ip(host)),
                Step::Flush { host } => {
                    cache.flush(small_lan_ip(host));
                    // A flush forgets the rate limiter's memory too, by design.
                    last_request.remove(&small_lan_ip(host));
                }
            }
            check_outputs(&mut cache, now, &mut outstanding, &mut last_request)?;
        }
        let mut wakeups = 0;
        while let Some(at) = cache.poll_timeout() {
            prop_assert!(at >= now || wakeups == 0, "deadline went backwards");
            now = now.max(at);
            cache.handle_timeout(now);
            check_outputs(&mut cache, now, &mut outstanding, &mut last_request)?;
            wakeups += 1;
            prop_assert!(wakeups < 100, "timers never settle");
        }
        prop_assert!(outstanding.is_empty(), "lost packets {:?}", outstanding);
        prop_assert_eq!(cache.dropped_released(), 0);
    }
}
