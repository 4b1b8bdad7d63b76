//! The neighbour cache on virtual time.

use core::net::Ipv4Addr;
use core::time::Duration;

use arp::{
    ArpEvent, ArpRepr, ArpTransmit, CacheConfig, NeighborCache, NeighborEntry, Operation, Released,
    Resolution,
};
use ethernet::MacAddress;

const OWN_MAC: MacAddress = MacAddress([2, 0, 0, 0, 0, 0x0a]);
const OWN_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const PEER_MAC: MacAddress = MacAddress([2, 0, 0, 0, 0, 0x14]);
const PEER_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 20);
const OTHER_MAC: MacAddress = MacAddress([2, 0, 0, 0, 0, 0x1e]);
const OTHER_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 30);

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn cache() -> NeighborCache<u32> {
    NeighborCache::new(CacheConfig::default(), OWN_MAC, Some(OWN_IP))
}

fn transmits<P>(cache: &mut NeighborCache<P>) -> Vec<ArpTransmit> {
    core::iter::from_fn(|| cache.poll_transmit()).collect()
}

fn released<P>(cache: &mut NeighborCache<P>) -> Vec<Released<P>> {
    core::iter::from_fn(|| cache.poll_released()).collect()
}

fn events<P>(cache: &mut NeighborCache<P>) -> Vec<ArpEvent> {
    core::iter::from_fn(|| cache.poll_event()).collect()
}

fn reply(from_mac: MacAddress, from_ip: Ipv4Addr) -> ArpRepr {
    ArpRepr::reply_to(&ArpRepr::request(OWN_MAC, OWN_IP, from_ip), from_mac)
}

/// Runs the cache until `end`, waking at each deadline as a real host would, and records
/// when each transmit went out.
fn run_until(cache: &mut NeighborCache<u32>, end: Duration) -> Vec<(Duration, ArpTransmit)> {
    let mut sent = Vec::new();
    while let Some(at) = cache.poll_timeout().filter(|at| *at <= end) {
        cache.handle_timeout(at);
        sent.extend(transmits(cache).into_iter().map(|t| (at, t)));
    }
    sent
}

#[test]
fn first_resolve_queues_and_broadcasts_a_request_at_once() {
    let mut cache = cache();
    assert_eq!(cache.resolve(Duration::ZERO, PEER_IP, 1), Resolution::Queued);
    assert_eq!(
        transmits(&mut cache),
        [ArpTransmit { dst_mac: MacAddress::BROADCAST, packet: ArpRepr::request(OWN_MAC, OWN_IP, PEER_IP) }]
    );
    assert_eq!(events(&mut cache), [ArpEvent::RequestSent { ip: PEER_IP, attempt: 1 }]);
    assert!(cache.is_pending(PEER_IP));
    assert_eq!(cache.poll_timeout(), Some(secs(1.0)));
}

#[test]
fn no_more_than_one_request_per_second_per_target() {
    let mut cache = NeighborCache::new(
        CacheConfig { max_requests: 10, max_queued_per_target: 1000, ..CacheConfig::default() },
        OWN_MAC,
        Some(OWN_IP),
    );
    let mut sent_at = Vec::new();
    // Resolve every 10 ms for 5 s, also calling handle_timeout every time.
    for step in 0..500u32 {
        let now = Duration::from_millis(u64::from(step) * 10);
        let _ = cache.resolve(now, PEER_IP, step);
        cache.handle_timeout(now);
        sent_at.extend(transmits(&mut cache).into_iter().map(|_| now));
    }
    assert_eq!(sent_at, [0.0, 1.0, 2.0, 3.0, 4.0].map(secs), "one request per retry interval");
}

#[test]
fn a_second_resolve_within_the_interval_queues_but_sends_nothing() {
    let mut cache = cache();
    assert_eq!(cache.resolve(secs(0.0), PEER_IP, 1), Resolution::Queued);
    let _ = transmits(&mut cache);
    assert_eq!(cache.resolve(secs(0.5), PEER_IP, 2), Resolution::Queued);
    assert!(transmits(&mut cache).is_empty());
    // Past the interval, even without handle_timeout, resolve sends the retry.
    assert_eq!(cache.resolve(secs(1.2), PEER_IP, 3), Resolution::Queued);
    assert_eq!(transmits(&mut cache).len(), 1);
}

#[test]
fn gives_up_after_max_requests_and_releases_everything_as_unreachable() {
    let mut cache = cache();
    for packet in 1..=3 {
        assert_eq!(cache.resolve(Duration::ZERO, PEER_IP, packet), Resolution::Queued);
    }
    let mut sent = transmits(&mut cache).into_iter().map(|t| (Duration::ZERO, t)).collect::<Vec<_>>();
    sent.extend(run_until(&mut cache, secs(10.0)));
    let times: Vec<Duration> = sent.iter().map(|(at, _)| *at).collect();
    assert_eq!(times, [0.0, 1.0, 2.0].map(secs));
    assert!(
        sent.iter().all(|(_, t)| t.dst_mac == MacAddress::BROADCAST
            && t.packet == ArpRepr::request(OWN_MAC, OWN_IP, PEER_IP))
    );
    assert_eq!(
        released(&mut cache),
        (1..=3).map(|packet| Released::Unreachable { ip: PEER_IP, packet }).collect::<Vec<_>>()
    );
    let events = events(&mut cache);
    assert_eq!(events.last(), Some(&ArpEvent::ResolutionFailed { ip: PEER_IP, dropped: 3 }));
    assert_eq!(events.iter().filter(|e| matches!(e, ArpEvent::RequestSent { .. })).count(), 3);
    assert!(!cache.is_pending(PEER_IP));
    assert_eq!(cache.poll_timeout(), None);
}

#[test]
fn give_up_happens_one_interval_after_the_last_request() {
    let mut cache = cache();
    let _ = cache.resolve(Duration::ZERO, PEER_IP, 1);
    cache.handle_timeout(secs(1.0));
    cache.handle_timeout(secs(2.0));
    cache.handle_timeout(secs(2.999));
    assert!(released(&mut cache).is_empty());
    cache.handle_timeout(secs(3.0));
    assert_eq!(released(&mut cache), [Released::Unreachable { ip: PEER_IP, packet: 1 }]);
}

#[test]
fn a_reply_releases_the_queue_in_order() {
    let mut cache = cache();
    for packet in 1..=3 {
        let _ = cache.resolve(Duration::ZERO, PEER_IP, packet);
    }
    let _ = (events(&mut cache), transmits(&mut cache));
    cache.handle_arp(secs(0.1), &reply(PEER_MAC, PEER_IP));
    assert_eq!(
        released(&mut cache),
        (1..=3).map(|packet| Released::Resolved { ip: PEER_IP, mac: PEER_MAC, packet }).collect::<Vec<_>>()
    );
    assert_eq!(events(&mut cache), [ArpEvent::EntryAdded { ip: PEER_IP, mac: PEER_MAC }]);
    assert_eq!(cache.resolve(secs(0.2), PEER_IP, 4), Resolution::Ready(PEER_MAC, 4));
    assert!(transmits(&mut cache).is_empty());
}

#[test]
fn the_queue_is_bounded_and_drops_the_oldest_packet() {
    let mut cache = cache();
    for packet in 1..=3 {
        assert_eq!(cache.resolve(Duration::ZERO, PEER_IP, packet), Resolution::Queued);
    }
    assert_eq!(cache.resolve(Duration::ZERO, PEER_IP, 4), Resolution::Dropped(1));
    assert_eq!(cache.resolve(Duration::ZERO, PEER_IP, 5), Resolution::Dropped(2));
    assert!(events(&mut cache).contains(&ArpEvent::QueueFull { ip: PEER_IP }));
    cache.handle_arp(Duration::ZERO, &reply(PEER_MAC, PEER_IP));
    let packets: Vec<u32> = released(&mut cache).into_iter().map(Released::into_packet).collect();
    assert_eq!(packets, [3, 4, 5]);
}

#[test]
fn the_table_is_bounded_and_never_evicts_pending_entries() {
    let config = CacheConfig { max_entries: 2, ..CacheConfig::default() };
    let mut cache = NeighborCache::new(config, OWN_MAC, Some(OWN_IP));
    assert_eq!(cache.resolve(Duration::ZERO, PEER_IP, 1), Resolution::Queued);
    assert_eq!(cache.resolve(Duration::ZERO, OTHER_IP, 2), Resolution::Queued);
    let third = Ipv4Addr::new(192, 0, 2, 40);
    assert_eq!(cache.resolve(Duration::ZERO, third, 3), Resolution::Dropped(3));
    assert!(events(&mut cache).contains(&ArpEvent::TableFull { ip: third }));
    assert!(cache.is_pending(PEER_IP) && cache.is_pending(OTHER_IP));
    // A request addressed to us from a new host cannot add it either, but is answered.
    let request = ArpRepr::request(MacAddress([2, 0, 0, 0, 0, 0x28]), third, OWN_IP);
    cache.handle_arp(Duration::ZERO, &request);
    assert_eq!(cache.lookup(Duration::ZERO, third), None);
    assert_eq!(transmits(&mut cache).last().map(|t| t.packet.operation), Some(Operation::REPLY));
    assert!(events(&mut cache).contains(&ArpEvent::TableFull { ip: third }));
}

#[test]
fn a_full_table_evicts_expired_entries_first() {
    let config = CacheConfig { max_entries: 1, ..CacheConfig::default() };
    let mut cache = NeighborCache::new(config, OWN_MAC, Some(OWN_IP));
    let _ = cache.resolve(Duration::ZERO, PEER_IP, 1);
    cache.handle_arp(Duration::ZERO, &reply(PEER_MAC, PEER_IP));
    // A live entry is not pushed out by passive learning...
    cache.handle_arp(secs(30.0), &ArpRepr::request(OTHER_MAC, OTHER_IP, OWN_IP));
    assert_eq!(cache.lookup(secs(30.0), OTHER_IP), None);
    let _ = (events(&mut cache), transmits(&mut cache));
    // ...and once expired it goes as expired, not evicted.
    assert_eq!(cache.resolve(secs(60.0), OTHER_IP, 3), Resolution::Queued);
    assert_eq!(events(&mut cache)[0], ArpEvent::EntryExpired { ip: PEER_IP, mac: PEER_MAC });
}

#[test]
fn an_evicted_entry_resolved_again_waits_out_the_request_interval() {
    let config = CacheConfig { max_entries: 1, ..CacheConfig::default() };
    let mut cache = NeighborCache::new(config, OWN_MAC, Some(OWN_IP));
    let _ = cache.resolve(Duration::ZERO, PEER_IP, 1);
    cache.handle_arp(Duration::ZERO, &reply(PEER_MAC, PEER_IP));
    let _ = cache.resolve(secs(0.1), OTHER_IP, 2); // evicts PEER_IP
    cache.handle_arp(secs(0.1), &reply(OTHER_MAC, OTHER_IP));
    let _ = (transmits(&mut cache), released(&mut cache));
    // PEER_IP was asked for at 0 s: asked for again at 0.2 s, it waits until 1 s.
    assert_eq!(cache.resolve(secs(0.2), PEER_IP, 3), Resolution::Queued);
    assert_eq!(transmits(&mut cache), vec![]);
    let sent = run_until(&mut cache, secs(1.5));
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!((sent[0].0, sent[0].1.packet.target_ip), (secs(1.0), PEER_IP));
}

#[test]
fn merge_rule_updates_an_existing_entry_from_a_request_not_addressed_to_us() {
    let mut cache = cache();
    cache.handle_arp(Duration::ZERO, &ArpRepr::request(PEER_MAC, PEER_IP, OWN_IP));
    let _ = (transmits(&mut cache), events(&mut cache));
    let moved = MacAddress([2, 0, 0, 0, 0, 0x99]);
    // .20 asks for .30, not for us: the entry for .20 still takes the new MAC and a fresh
    // lifetime, and nothing is sent.
    cache.handle_arp(secs(50.0), &ArpRepr::request(moved, PEER_IP, OTHER_IP));
    assert_eq!(cache.lookup(secs(50.0), PEER_IP), Some(moved));
    assert_eq!(
        cache.entries(secs(50.0)),
        [NeighborEntry { ip: PEER_IP, mac: moved, expires_at: secs(110.0) }]
    );
    assert_eq!(events(&mut cache), [ArpEvent::EntryUpdated { ip: PEER_IP, old: PEER_MAC, new: moved }]);
    assert!(transmits(&mut cache).is_empty());
}

#[test]
fn merge_rule_does_not_create_an_entry_from_a_request_for_someone_else() {
    let mut cache = cache();
    cache.handle_arp(Duration::ZERO, &ArpRepr::request(PEER_MAC, PEER_IP, OTHER_IP));
    assert_eq!(cache.lookup(Duration::ZERO, PEER_IP), None);
    assert!(cache.entries(Duration::ZERO).is_empty());
    assert!(transmits(&mut cache).is_empty());
    assert!(events(&mut cache).is_empty());
}

#[test]
fn a_request_for_us_creates_the_entry_and_gets_a_unicast_reply() {
    let mut cache = cache();
    let request = ArpRepr::request(PEER_MAC, PEER_IP, OWN_IP);
    cache.handle_arp(Duration::ZERO, &request);
    assert_eq!(cache.lookup(Duration::ZERO, PEER_IP), Some(PEER_MAC));
    assert_eq!(
        transmits(&mut cache),
        [ArpTransmit { dst_mac: PEER_MAC, packet: ArpRepr::reply_to(&request, OWN_MAC) }]
    );
    assert_eq!(
        events(&mut cache),
        [
            ArpEvent::EntryAdded { ip: PEER_IP, mac: PEER_MAC },
            ArpEvent::ReplySent { to_ip: PEER_IP, to_mac: PEER_MAC }
        ]
    );
}

#[test]
fn an_unsolicited_reply_to_us_creates_an_entry_but_is_not_answered() {
    let mut cache = cache();
    cache.handle_arp(Duration::ZERO, &reply(PEER_MAC, PEER_IP));
    assert_eq!(cache.lookup(Duration::ZERO, PEER_IP), Some(PEER_MAC));
    assert!(transmits(&mut cache).is_empty());
}

#[test]
fn replies_only_for_our_own_ip() {
    let mut cache = cache();
    cache.handle_arp(Duration::ZERO, &ArpRepr::request(PEER_MAC, PEER_IP, OTHER_IP));
    cache.handle_arp(Duration::ZERO, &ArpRepr::request(PEER_MAC, PEER_IP, PEER_IP));
    assert!(transmits(&mut cache).is_empty());
    cache.handle_arp(Duration::ZERO, &ArpRepr::request(PEER_MAC, PEER_IP, OWN_IP));
    assert_eq!(transmits(&mut cache).len(), 1);
}

#[test]
fn no_reply_and_no_learning_without_an_own_ip() {
    let mut cache = NeighborCache::<u32>::new(CacheConfig::default(), OWN_MAC, None);
    cache.handle_arp(Duration::ZERO, &ArpRepr::request(PEER_MAC, PEER_IP, OWN_IP));
    assert!(transmits(&mut cache).is_empty());
    assert!(cache.entries(Duration::ZERO).is_empty());
    cache.announce();
    assert!(transmits(&mut cache).is_empty());
    // Once DHCP binds, the same request is answered.
    cache.set_own_ip(Some(OWN_IP));
    cache.handle_arp(Duration::ZERO, &ArpRepr::request(PEER_MAC, PEER_IP, OWN_IP));
    assert_eq!(transmits(&mut cache).len(), 1);
}

#[test]
fn requests_without_an_own_ip_carry_sender_ip_zero() {
    let mut cache = NeighborCache::<u32>::new(CacheConfig::default(), OWN_MAC, None);
    let _ = cache.resolve(Duration::ZERO, PEER_IP, 1);
    let sent = transmits(&mut cache);
    assert_eq!(sent[0].packet.sender_ip, Ipv4Addr::UNSPECIFIED);
    // The answer goes to our MAC, targets 0.0.0.0, and still resolves the entry.
    let answer = ArpRepr::reply_to(&sent[0].packet, PEER_MAC);
    cache.handle_arp(Duration::ZERO, &answer);
    assert_eq!(released(&mut cache).len(), 1);
}

#[test]
fn entries_expire_after_their_lifetime_and_replies_refresh_them() {
    let mut cache = cache();
    cache.handle_arp(Duration::ZERO, &reply(PEER_MAC, PEER_IP));
    assert_eq!(cache.poll_timeout(), Some(secs(60.0)));
    cache.handle_arp(secs(40.0), &reply(PEER_MAC, PEER_IP));
    assert_eq!(cache.poll_timeout(), Some(secs(100.0)));
    assert_eq!(cache.lookup(secs(99.9), PEER_IP), Some(PEER_MAC));
    assert_eq!(cache.lookup(secs(100.0), PEER_IP), None);
    let _ = events(&mut cache);
    cache.handle_timeout(secs(100.0));
    assert_eq!(events(&mut cache), [ArpEvent::EntryExpired { ip: PEER_IP, mac: PEER_MAC }]);
    assert_eq!(cache.poll_timeout(), None);
    // An expired entry is gone: a request for someone else no longer updates it.
    cache.handle_arp(secs(101.0), &ArpRepr::request(PEER_MAC, PEER_IP, OTHER_IP));
    assert_eq!(cache.lookup(secs(101.0), PEER_IP), None);
}

#[test]
fn resolve_after_expiry_asks_again() {
    let mut cache = cache();
    cache.handle_arp(Duration::ZERO, &reply(PEER_MAC, PEER_IP));
    let _ = events(&mut cache);
    assert_eq!(cache.resolve(secs(61.0), PEER_IP, 7), Resolution::Queued);
    assert_eq!(
        events(&mut cache),
        [
            ArpEvent::EntryExpired { ip: PEER_IP, mac: PEER_MAC },
            ArpEvent::RequestSent { ip: PEER_IP, attempt: 1 }
        ]
    );
}

#[test]
fn gratuitous_arp_updates_an_existing_entry_only() {
    let mut cache = cache();
    cache.handle_arp(Duration::ZERO, &reply(PEER_MAC, PEER_IP));
    let _ = events(&mut cache);
    let moved = MacAddress([2, 0, 0, 0, 0, 0x99]);
    cache.handle_arp(secs(1.0), &ArpRepr::gratuitous(moved, PEER_IP));
    assert_eq!(cache.lookup(secs(1.0), PEER_IP), Some(moved));
    assert_eq!(events(&mut cache), [ArpEvent::EntryUpdated { ip: PEER_IP, old: PEER_MAC, new: moved }]);
    // An announcement from a host we do not know teaches us nothing (RFC 826).
    cache.handle_arp(secs(1.0), &ArpRepr::gratuitous(OTHER_MAC, OTHER_IP));
    assert_eq!(cache.lookup(secs(1.0), OTHER_IP), None);
    assert!(transmits(&mut cache).is_empty());
}

#[test]
fn our_announcement_is_a_broadcast_gratuitous_request() {
    let mut cache = cache();
    cache.announce();
    let sent = transmits(&mut cache);
    assert_eq!(
        sent,
        [ArpTransmit { dst_mac: MacAddress::BROADCAST, packet: ArpRepr::gratuitous(OWN_MAC, OWN_IP) }]
    );
    assert!(sent[0].packet.is_gratuitous());
    assert_eq!(events(&mut cache), [ArpEvent::AnnounceSent { ip: OWN_IP }]);
}

#[test]
fn probe_conflict_is_detected_from_a_reply_a_request_or_a_rival_probe() {
    let candidate = Ipv4Addr::new(192, 0, 2, 77);
    let claims = [
        ArpRepr::reply_to(&ArpRepr::probe(OWN_MAC, candidate), OTHER_MAC),
        ArpRepr::request(OTHER_MAC, candidate, PEER_IP),
        ArpRepr::probe(OTHER_MAC, candidate),
    ];
    for claim in claims {
        let mut cache = NeighborCache::<u32>::new(CacheConfig::default(), OWN_MAC, None);
        cache.probe(Duration::ZERO, candidate);
        let sent = transmits(&mut cache);
        assert_eq!(sent[0].dst_mac, MacAddress::BROADCAST);
        assert!(sent[0].packet.is_probe());
        let _ = events(&mut cache);
        cache.handle_arp(secs(1.0), &claim);
        assert_eq!(
            events(&mut cache),
            [ArpEvent::AddressConflict { ip: candidate, mac: OTHER_MAC }],
            "{claim:?}"
        );
        assert!(cache.entries(secs(1.0)).is_empty());
    }
}

#[test]
fn no_probe_conflict_after_the_window_or_from_our_own_probe() {
    let candidate = Ipv4Addr::new(192, 0, 2, 77);
    let mut cache = NeighborCache::<u32>::new(CacheConfig::default(), OWN_MAC, None);
    cache.probe(Duration::ZERO, candidate);
    let _ = events(&mut cache);
    // Our own probe looping back is not a conflict.
    cache.handle_arp(secs(0.5), &ArpRepr::probe(OWN_MAC, candidate));
    // Two seconds after the last probe, the window is closed.
    cache.handle_arp(arp::ANNOUNCE_WAIT, &ArpRepr::gratuitous(OTHER_MAC, candidate));
    assert!(events(&mut cache).is_empty());
}

#[test]
fn another_host_using_our_address_is_a_conflict() {
    let mut cache = cache();
    cache.handle_arp(Duration::ZERO, &ArpRepr::gratuitous(OTHER_MAC, OWN_IP));
    assert_eq!(events(&mut cache), [ArpEvent::AddressConflict { ip: OWN_IP, mac: OTHER_MAC }]);
    assert!(transmits(&mut cache).is_empty());
    assert!(cache.entries(Duration::ZERO).is_empty());
}

#[test]
fn probes_never_create_entries_but_a_probe_for_us_is_answered() {
    let mut cache = cache();
    let probe = ArpRepr::probe(PEER_MAC, OWN_IP);
    cache.handle_arp(Duration::ZERO, &probe);
    assert!(cache.entries(Duration::ZERO).is_empty());
    let sent = transmits(&mut cache);
    assert_eq!(sent, [ArpTransmit { dst_mac: PEER_MAC, packet: ArpRepr::reply_to(&probe, OWN_MAC) }]);
    assert_eq!(sent[0].packet.target_ip, Ipv4Addr::UNSPECIFIED);
}

#[test]
fn our_own_looped_back_packets_and_group_sender_macs_are_ignored() {
    let mut cache = cache();
    cache.handle_arp(Duration::ZERO, &ArpRepr::request(OWN_MAC, OTHER_IP, OWN_IP));
    cache.handle_arp(Duration::ZERO, &ArpRepr::request(MacAddress::BROADCAST, PEER_IP, OWN_IP));
    assert!(cache.entries(Duration::ZERO).is_empty());
    assert!(transmits(&mut cache).is_empty());
    assert!(events(&mut cache).is_empty());
}

#[test]
fn broadcast_and_multicast_next_hops_need_no_arp() {
    let mut cache = cache();
    assert_eq!(
        cache.resolve(Duration::ZERO, Ipv4Addr::BROADCAST, 1),
        Resolution::Ready(MacAddress::BROADCAST, 1)
    );
    assert_eq!(
        cache.resolve(Duration::ZERO, Ipv4Addr::new(224, 129, 2, 3), 2),
        Resolution::Ready(MacAddress([0x01, 0x00, 0x5e, 0x01, 0x02, 0x03]), 2)
    );
    assert_eq!(cache.resolve(Duration::ZERO, Ipv4Addr::UNSPECIFIED, 3), Resolution::Dropped(3));
    assert!(transmits(&mut cache).is_empty());
}

#[test]
fn flush_forgets_an_entry_and_releases_a_pending_queue() {
    let mut cache = cache();
    cache.handle_arp(Duration::ZERO, &reply(PEER_MAC, PEER_IP));
    let _ = cache.resolve(Duration::ZERO, OTHER_IP, 9);
    cache.flush(PEER_IP);
    cache.flush(OTHER_IP);
    assert_eq!(cache.lookup(Duration::ZERO, PEER_IP), None);
    assert_eq!(released(&mut cache), [Released::Unreachable { ip: OTHER_IP, packet: 9 }]);
    assert_eq!(cache.poll_timeout(), None);
}

#[test]
fn the_event_queue_is_bounded_and_counts_what_it_drops() {
    let config = CacheConfig { max_events: 4, ..CacheConfig::default() };
    let mut cache = NeighborCache::<u32>::new(config, OWN_MAC, Some(OWN_IP));
    for host in 1..=10 {
        let _ = cache.resolve(Duration::ZERO, Ipv4Addr::new(192, 0, 2, 100 + host), 0);
    }
    assert_eq!(events(&mut cache).len(), 4);
    assert_eq!(cache.dropped_events(), 6);
    assert_eq!(transmits(&mut cache).len(), 4);
    assert_eq!(cache.dropped_transmits(), 6);
}

#[test]
fn events_read_as_sentences() {
    let event = ArpEvent::EntryAdded { ip: PEER_IP, mac: PEER_MAC };
    assert_eq!(event.to_string(), "learned 192.0.2.20 is at 02:00:00:00:00:14");
    let event = ArpEvent::ResolutionFailed { ip: PEER_IP, dropped: 2 };
    assert!(event.to_string().starts_with("gave up resolving 192.0.2.20"));
}

#[test]
fn unsolicited_requests_filling_the_table_cannot_block_resolving_a_next_hop() {
    // Anyone on the link can send requests for our address from made-up sender IPs; each
    // adds an entry (RFC 826) and keeps it alive. That must not stop the host resolving
    // its own next hops: a resolve evicts the resolved entry closest to expiry.
    let config = CacheConfig { max_entries: 4, ..CacheConfig::default() };
    let mut cache = NeighborCache::new(config, OWN_MAC, Some(OWN_IP));
    let spoofed = |n: u8| (MacAddress([2, 0, 0, 0, 1, n]), Ipv4Addr::new(192, 0, 2, 100 + n));
    for n in 0..4 {
        let (mac, ip) = spoofed(n);
        cache.handle_arp(secs(f64::from(n)), &ArpRepr::request(mac, ip, OWN_IP));
    }
    let _ = (transmits(&mut cache), events(&mut cache));
    assert_eq!(cache.entries(secs(4.0)).len(), 4);
    assert_eq!(cache.resolve(secs(4.0), PEER_IP, 7), Resolution::Queued);
    assert!(cache.is_pending(PEER_IP));
    let (oldest_mac, oldest_ip) = spoofed(0);
    assert_eq!(
        events(&mut cache),
        [
            ArpEvent::EntryEvicted { ip: oldest_ip, mac: oldest_mac },
            ArpEvent::RequestSent { ip: PEER_IP, attempt: 1 }
        ]
    );
    assert_eq!(cache.entries(secs(4.0)).len(), 3);
    // A further unsolicited request cannot push the pending next hop out.
    let (mac, ip) = spoofed(9);
    cache.handle_arp(secs(4.0), &ArpRepr::request(mac, ip, OWN_IP));
    assert!(cache.is_pending(PEER_IP));
    assert!(events(&mut cache).contains(&ArpEvent::TableFull { ip }));
}

#[test]
fn learning_from_another_protocol_resolves_and_releases_the_queue() {
    let mut cache = cache();
    let neighbor = Ipv4Addr::new(192, 168, 1, 1);
    let mac = MacAddress::new([2, 0, 0, 0, 1, 0]);
    assert!(matches!(cache.resolve(secs(0.0), neighbor, 7), Resolution::Queued));
    cache.learn(secs(0.5), neighbor, mac);
    assert_eq!(cache.lookup(secs(0.5), neighbor), Some(mac));
    let released = released(&mut cache);
    assert!(matches!(released.as_slice(), [Released::Resolved { packet: 7, .. }]), "{released:?}");
    // Group and unspecified addresses are never learned.
    cache.learn(secs(1.0), Ipv4Addr::BROADCAST, mac);
    cache.learn(secs(1.0), Ipv4Addr::new(10, 0, 0, 9), MacAddress::BROADCAST);
    assert_eq!(cache.lookup(secs(1.0), Ipv4Addr::BROADCAST), None);
    assert_eq!(cache.lookup(secs(1.0), Ipv4Addr::new(10, 0, 0, 9)), None);
}

#[test]
fn a_proxied_address_is_answered_with_the_interface_mac_and_others_are_not() {
    let public = Ipv4Addr::new(10, 1, 3, 12);
    let mut cache = cache();
    let asker = ArpRepr::request(PEER_MAC, PEER_IP, public);
    cache.handle_arp(secs(0.0), &asker);
    assert!(transmits(&mut cache).is_empty(), "not ours yet");
    assert!(cache.add_proxy(public));
    cache.handle_arp(secs(1.0), &asker);
    let answers = transmits(&mut cache);
    assert_eq!(answers.len(), 1);
    assert_eq!((answers[0].packet.sender_ip, answers[0].packet.sender_mac), (public, OWN_MAC));
    assert_eq!(answers[0].dst_mac, PEER_MAC);
    assert!(!cache.add_proxy(Ipv4Addr::BROADCAST));
    assert!(cache.remove_proxy(public));
    cache.handle_arp(secs(2.0), &asker);
    assert!(transmits(&mut cache).is_empty());
}
