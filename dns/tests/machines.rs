//! The state machines never panic on arbitrary datagrams, stay within their bounds, and
//! the cache behaves like a simple model.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use dns::sample::{ROOT_SERVER, textbook_zones};
use dns::strategies::message_any;
use dns::{
    AuthServer, Cache, CacheConfig, Cached, Forwarder, ForwarderConfig, Name, Record, RecordType, Resolver,
    ResolverConfig, ServerConfig, StubConfig, StubResolver, Trust,
};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

fn datagram() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        message_any().prop_map(|m| m.to_bytes().unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_datagrams_never_panic(datagrams in proptest::collection::vec((datagram(), any::<u8>(), any::<bool>()), 1..20)) {
        let ns1 = SocketAddrV4::new(Ipv4Addr::new(10, 1, 2, 53), 53);
        let mut config = ResolverConfig::new(ns1, vec![ROOT_SERVER]);
        config.max_lookups = 4;
        config.max_queued = 8;
        let mut resolver = Resolver::new(config);
        let zones = textbook_zones().unwrap().into_iter().map(|(_, z)| z).collect();
        let mut server = AuthServer::new(ServerConfig { max_queued: 8, ..ServerConfig::default() }, zones);
        let lan = SocketAddrV4::new(Ipv4Addr::new(192, 168, 1, 254), 53);
        let mut forwarder = Forwarder::new(ForwarderConfig::new(lan, Ipv4Addr::new(10, 1, 1, 245), ns1));
        let mut stub = StubResolver::new(StubConfig::new(Ipv4Addr::new(192, 168, 1, 1), lan));
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut now = Duration::ZERO;
        let peer = SocketAddrV4::new(Ipv4Addr::new(10, 1, 4, 1), 53);
        let _ = stub.resolve(now, "www.example.com".parse().unwrap(), RecordType::A, &mut rng);
        let _ = resolver.resolve(now, "www.example.com".parse().unwrap(), RecordType::A, &mut rng);
        for (bytes, step, to_listen) in datagrams {
            now += Duration::from_millis(u64::from(step) * 10);
            // Aim at the listening port or at a port a query is waiting on.
            let port = resolver.poll_transmit(now).map_or(40000, |t| t.from.port());
            let to = if to_listen { ns1 } else { SocketAddrV4::new(*ns1.ip(), port) };
            resolver.handle_datagram(now, peer, to, &bytes, &mut rng);
            resolver.handle_timeout(now, &mut rng);
            server.handle_datagram(now, peer, peer, &bytes);
            forwarder.handle_datagram(now, peer, if to_listen { lan } else { SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 245), port) }, &bytes, &mut rng);
            forwarder.handle_timeout(now, &mut rng);
            stub.handle_datagram(now, lan, SocketAddrV4::new(Ipv4Addr::new(192, 168, 1, 1), port), &bytes);
            stub.handle_timeout(now, &mut rng);
            prop_assert!(resolver.lookups_in_progress() <= 4);
            prop_assert!(resolver.queries_in_flight() <= resolver.lookups_in_progress());
            while server.poll_transmit(now).is_some() {}
            while server.poll_event().is_some() {}
            while resolver.poll_event().is_some() {}
            while forwarder.poll_transmit(now).is_some() {}
            while forwarder.poll_event().is_some() {}
            while stub.poll_transmit(now).is_some() {}
            while stub.poll_event().is_some() {}
        }
    }

    /// The cache against a model: a map of (name, type) → (records, expiry), with the
    /// same capacity and least-recently-used eviction.
    #[test]
    fn cache_matches_a_model(ops in proptest::collection::vec((0u8..3, 0u8..12, 1u32..50, 0u64..30), 1..200)) {
        const MAX: usize = 5;
        let mut cache = Cache::new(CacheConfig { max_records: MAX, ..CacheConfig::default() });
        // key → (addr, expires_at, last use)
        let mut model: BTreeMap<u8, (Ipv4Addr, Duration, u64)> = BTreeMap::new();
        let mut now = Duration::ZERO;
        let mut tick = 0u64;
        for (op, key, ttl, advance) in ops {
            now += Duration::from_secs(advance);
            let name: Name = format!("h{key}.example.com").parse().unwrap();
            tick += 1;
            match op {
                0 | 1 => {
                    let addr = Ipv4Addr::new(10, 0, key, ttl as u8);
                    let evicted = cache.insert(now, vec![Record::a(name, ttl, addr)], Trust::Answer);
                    model.insert(key, (addr, now + Duration::from_secs(ttl.into()), tick));
                    if model.len() > MAX {
                        let (&oldest, _) = model.iter().min_by_key(|(_, v)| v.2).unwrap();
                        model.remove(&oldest);
                        let expected: Name = format!("h{oldest}.example.com").parse().unwrap();
                        prop_assert_eq!(evicted, Some((expected, RecordType::A)));
                    } else {
                        prop_assert_eq!(evicted, None);
                    }
                }
                _ => {
                    let got = cache.get(now, &name, RecordType::A);
                    match model.get_mut(&key) {
                        Some((addr, expires, last)) if *expires > now => {
                            *last = tick;
                            let left = u32::try_from((*expires - now).as_secs()).unwrap();
                            prop_assert_eq!(got, Some(Cached::Records(vec![Record::a(name, left, *addr)])));
                        }
                        Some(_) => {
                            model.remove(&key);
                            prop_assert_eq!(got, None);
                        }
                        None => prop_assert_eq!(got, None),
                    }
                }
            }
            prop_assert_eq!(cache.len(), model.len());
        }
    }
}

#[test]
fn glue_never_replaces_an_answer_but_an_answer_replaces_glue() {
    let mut cache = Cache::new(CacheConfig::default());
    let name: Name = "ns.example.com".parse().unwrap();
    let now = Duration::ZERO;
    cache.insert(now, vec![Record::a(name.clone(), 60, Ipv4Addr::new(1, 1, 1, 1))], Trust::Answer);
    cache.insert(now, vec![Record::a(name.clone(), 60, Ipv4Addr::new(6, 6, 6, 6))], Trust::Glue);
    assert_eq!(cache.addresses(now, &name), vec![Ipv4Addr::new(1, 1, 1, 1)]);
    let other: Name = "ns2.example.com".parse().unwrap();
    cache.insert(now, vec![Record::a(other.clone(), 60, Ipv4Addr::new(6, 6, 6, 6))], Trust::Glue);
    cache.insert(now, vec![Record::a(other.clone(), 60, Ipv4Addr::new(2, 2, 2, 2))], Trust::Answer);
    assert_eq!(cache.addresses(now, &other), vec![Ipv4Addr::new(2, 2, 2, 2)]);
    // TTL 0 is not cached; TTLs are capped.
    let zero: Name = "zero.example.com".parse().unwrap();
    cache.insert(now, vec![Record::a(zero.clone(), 0, Ipv4Addr::LOCALHOST)], Trust::Answer);
    assert!(cache.get(now, &zero, RecordType::A).is_none());
    let long: Name = "long.example.com".parse().unwrap();
    cache.insert(now, vec![Record::a(long.clone(), u32::MAX / 4, Ipv4Addr::LOCALHOST)], Trust::Answer);
    assert!(matches!(cache.get(now, &long, RecordType::A), Some(Cached::Records(r)) if r[0].ttl == 86_400));
}
