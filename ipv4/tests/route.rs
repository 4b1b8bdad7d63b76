//! The routing table against a naive linear-scan reference.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use ipv4::route::{InterfaceId, NextHop, Route, RouteKind, RoutingTable, SMALL_TABLE_MAX};
use ipv4::strategies::route_any;
use proptest::prelude::*;

/// Longest prefix containing `addr`, by scanning everything.
fn naive(routes: &BTreeMap<Ipv4Net, Route>, addr: Ipv4Addr) -> Option<Route> {
    routes.values().filter(|r| r.prefix.contains(&addr)).max_by_key(|r| r.prefix.prefix_len()).copied()
}

/// Prefix lengths weighted by the real table's mix (testdata/prefix-lengths.tsv).
fn real_prefix_len() -> impl Strategy<Value = u8> {
    let tsv = testdata::read_to_string("prefix-lengths.tsv");
    let weighted: Vec<(u32, u8)> = tsv
        .lines()
        .skip(1)
        .filter_map(|line| {
            let (len, count) = line.split_once('\t')?;
            Some((count.trim().parse().ok()?, len.trim().parse().ok()?))
        })
        .collect();
    assert_eq!(weighted.len(), 25);
    let choices: Vec<_> = weighted.into_iter().map(|(weight, len)| (weight, Just(len).boxed())).collect();
    proptest::strategy::Union::new_weighted(choices)
}

/// Prefixes clustered in a few /8s so they nest, with the real length mix.
fn clustered_route() -> impl Strategy<Value = Route> {
    (0u32..4, any::<u32>(), real_prefix_len(), any::<u16>()).prop_map(|(block, low, len, iface)| {
        let addr = Ipv4Addr::from((10 + block) << 24 | (low & 0x00ff_ffff));
        Route::connected(Ipv4Net::new(addr, len).unwrap().trunc(), InterfaceId(iface))
    })
}

/// Prefixes of any length inside 10.0.0.0/15, so chunks of every level nest and collapse.
fn dense_route() -> impl Strategy<Value = Route> {
    (0u32..0x2_0000, 0u8..=32, any::<u16>()).prop_map(|(low, len, iface)| {
        let addr = Ipv4Addr::from(0x0a00_0000 | low);
        Route::connected(Ipv4Net::new(addr, len).unwrap().trunc(), InterfaceId(iface))
    })
}

fn probe(routes: &BTreeMap<Ipv4Net, Route>, extra: &[u32]) -> Vec<Ipv4Addr> {
    let mut probes: Vec<Ipv4Addr> = extra.iter().map(|&a| Ipv4Addr::from(a)).collect();
    for prefix in routes.keys() {
        probes.push(prefix.network());
        probes.push(prefix.broadcast());
        probes.push(Ipv4Addr::from(u32::from(prefix.broadcast()).wrapping_add(1)));
    }
    probes
}

#[derive(Debug, Clone)]
enum Op {
    Add(Route),
    Remove(usize),
}

fn ops(route: impl Strategy<Value = Route> + 'static) -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(
        prop_oneof![3 => route.prop_map(Op::Add).boxed(), 1 => any::<usize>().prop_map(Op::Remove)],
        0..120,
    )
}

fn check(ops: Vec<Op>, extra: &[u32]) -> Result<(), TestCaseError> {
    let mut table = RoutingTable::new();
    let mut reference = BTreeMap::new();
    for op in ops {
        match op {
            Op::Add(route) => {
                let replaced = table.add(route).unwrap();
                prop_assert_eq!(replaced, reference.insert(route.prefix, route));
            }
            Op::Remove(pick) if !reference.is_empty() => {
                let prefix = *reference.keys().nth(pick % reference.len()).unwrap();
                prop_assert_eq!(table.remove(prefix), reference.remove(&prefix));
            }
            Op::Remove(_) => {}
        }
        prop_assert_eq!(table.len(), reference.len());
    }
    for addr in probe(&reference, extra) {
        prop_assert_eq!(table.lookup(addr).copied(), naive(&reference, addr), "{}", addr);
    }
    let listed: Vec<Route> = table.iter().copied().collect();
    let expected: Vec<Route> = reference.values().copied().collect();
    prop_assert_eq!(listed, expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn lookup_matches_linear_scan_on_random_tables(ops in ops(route_any()), extra in proptest::collection::vec(any::<u32>(), 50)) {
        check(ops, &extra)?;
    }

    #[test]
    fn lookup_matches_linear_scan_on_nested_real_mix_tables(ops in ops(clustered_route()), extra in proptest::collection::vec(0x0a00_0000u32..0x0e00_0000, 50)) {
        check(ops, &extra)?;
    }

    #[test]
    fn lookup_matches_linear_scan_on_dense_tables(ops in ops(dense_route()), extra in proptest::collection::vec(0x0a00_0000u32..0x0a02_0000, 50)) {
        check(ops, &extra)?;
    }

    #[test]
    fn large_tables_survive_removing_everything(routes in proptest::collection::vec(clustered_route(), 40..300)) {
        let mut table = RoutingTable::new();
        let mut reference = BTreeMap::new();
        for route in routes {
            table.add(route).unwrap();
            reference.insert(route.prefix, route);
        }
        let prefixes: Vec<Ipv4Net> = reference.keys().copied().collect();
        for (i, prefix) in prefixes.iter().enumerate() {
            table.remove(*prefix);
            reference.remove(prefix);
            if i % 17 == 0 {
                for addr in probe(&reference, &[]) {
                    prop_assert_eq!(table.lookup(addr).copied(), naive(&reference, addr));
                }
            }
        }
        prop_assert!(table.is_empty());
        prop_assert_eq!(table.lookup(Ipv4Addr::new(10, 0, 0, 1)), None);
    }
}

#[test]
fn a_host_table_stays_small() {
    let mut table = RoutingTable::new();
    table.add(Route::connected("192.168.1.0/24".parse().unwrap(), InterfaceId(0))).unwrap();
    table
        .add(Route::gateway("0.0.0.0/0".parse().unwrap(), "192.168.1.254".parse().unwrap(), InterfaceId(0)))
        .unwrap();
    table.add(Route::connected("127.0.0.0/8".parse().unwrap(), InterfaceId(1))).unwrap();
    assert!(table.lookup_memory_bytes() < 1024, "{}", table.lookup_memory_bytes());
    let route = table.lookup("192.168.1.77".parse().unwrap()).unwrap();
    assert_eq!(route.kind, RouteKind::Connected);
    let route = table.lookup("1.1.1.1".parse().unwrap()).unwrap();
    assert_eq!(route.next_hop, NextHop::Gateway("192.168.1.254".parse().unwrap()));
    let printed: Vec<String> = table.iter().map(ToString::to_string).collect();
    assert_eq!(
        printed,
        [
            "0.0.0.0/0 via 192.168.1.254 dev if0 static metric 1",
            "127.0.0.0/8 dev if1 connected metric 0",
            "192.168.1.0/24 dev if0 connected metric 0",
        ]
    );
}

#[test]
fn host_bits_are_cleared_and_a_prefix_holds_one_route() {
    let mut table = RoutingTable::new();
    table.add(Route::connected("10.1.1.245/24".parse().unwrap(), InterfaceId(0))).unwrap();
    assert_eq!(
        table.get("10.1.1.0/24".parse().unwrap()).unwrap().prefix,
        "10.1.1.0/24".parse::<Ipv4Net>().unwrap()
    );
    let old = table
        .add(Route::gateway("10.1.1.0/24".parse().unwrap(), "10.1.2.1".parse().unwrap(), InterfaceId(3)))
        .unwrap();
    assert_eq!(old.unwrap().interface, InterfaceId(0));
    assert_eq!(table.len(), 1);
    assert_eq!(table.lookup("10.1.1.9".parse().unwrap()).unwrap().interface, InterfaceId(3));
}

#[test]
fn a_big_table_switches_to_the_trie_and_back() {
    let mut table = RoutingTable::new();
    for i in 0..200u32 {
        let net = Ipv4Net::new(Ipv4Addr::from(0x0a00_0000 | (i << 8)), 24).unwrap();
        table.add(Route::connected(net, InterfaceId(i as u16))).unwrap();
    }
    table.add(Route::connected("10.0.5.128/25".parse().unwrap(), InterfaceId(999))).unwrap();
    assert!(table.lookup_memory_bytes() >= 256 * 1024);
    assert_eq!(table.lookup("10.0.5.200".parse().unwrap()).unwrap().interface, InterfaceId(999));
    assert_eq!(table.lookup("10.0.5.100".parse().unwrap()).unwrap().interface, InterfaceId(5));
    assert_eq!(table.lookup("10.1.0.1".parse().unwrap()), None);
    let prefixes: Vec<Ipv4Net> = table.iter().map(|r| r.prefix).collect();
    for prefix in &prefixes[..prefixes.len() - SMALL_TABLE_MAX / 4] {
        table.remove(*prefix);
    }
    assert!(table.lookup_memory_bytes() < 1024);
    assert_eq!(table.len(), SMALL_TABLE_MAX / 4);
}
