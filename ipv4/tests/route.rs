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
    let probes = probe(&reference, extra);
    for &addr in &probes {
        prop_assert_eq!(table.lookup(addr).copied(), naive(&reference, addr), "{}", addr);
    }
    // Batched lookups give the same answers, whatever the batch's length and alignment.
    let mut batched = vec![None; probes.len()];
    table.lookup_many(&probes, &mut batched);
    for (addr, route) in probes.iter().zip(&batched) {
        prop_assert_eq!(route.copied(), naive(&reference, *addr), "batched {}", addr);
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
    fn bulk_loads_match_linear_scan(
        first in proptest::collection::vec(prop_oneof![clustered_route(), dense_route()], 0..400),
        second in proptest::collection::vec(prop_oneof![clustered_route(), dense_route()], 0..60),
        extra in proptest::collection::vec(0x0a00_0000u32..0x0e00_0000, 50),
    ) {
        // The first batch is built in one pass; the second is either rebuilt with it or,
        // when small beside it, inserted route by route. Then removals must still work.
        let mut table = RoutingTable::new();
        let mut reference = BTreeMap::new();
        table.add_all(first.iter().copied()).unwrap();
        table.add_all(second.iter().copied()).unwrap();
        for route in first.iter().chain(&second) {
            reference.insert(route.prefix, *route);
        }
        prop_assert_eq!(table.len(), reference.len());
        for addr in probe(&reference, &extra) {
            prop_assert_eq!(table.lookup(addr).copied(), naive(&reference, addr), "{}", addr);
        }
        for prefix in reference.keys().copied().step_by(3).collect::<Vec<_>>() {
            prop_assert_eq!(table.remove(prefix), reference.remove(&prefix));
        }
        for addr in probe(&reference, &extra) {
            prop_assert_eq!(table.lookup(addr).copied(), naive(&reference, addr), "after removals {}", addr);
        }
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
fn lookup_many_stops_at_the_shorter_slice() {
    let mut table = RoutingTable::new();
    for i in 0..64u32 {
        let net = Ipv4Net::new(Ipv4Addr::from(0x0a00_0000 | (i << 16)), 16).unwrap();
        table.add(Route::connected(net, InterfaceId(i as u16))).unwrap();
    }
    let dsts: Vec<Ipv4Addr> = (0..11u32).map(|i| Ipv4Addr::from(0x0a00_0001 | (i << 16))).collect();
    let mut out = vec![None; 20];
    table.lookup_many(&dsts, &mut out);
    for (i, route) in out.iter().enumerate() {
        assert_eq!(route.map(|r| r.interface), (i < 11).then_some(InterfaceId(i as u16)), "{i}");
    }
    let mut short = vec![None; 3];
    table.lookup_many(&dsts, &mut short);
    assert_eq!(
        short.iter().map(|r| r.map(|r| r.interface.0)).collect::<Vec<_>>(),
        [Some(0), Some(1), Some(2)]
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

// ---- Adversarial tables and step-by-step checks (issue #14) ----

/// Filler routes far from 10/8, to push a small table past [`SMALL_TABLE_MAX`].
fn filler(reference: &mut BTreeMap<Ipv4Net, Route>, table: &mut RoutingTable) {
    for i in 0..SMALL_TABLE_MAX as u32 + 1 {
        let net = Ipv4Net::new(Ipv4Addr::from(0xc000_0000 | (i << 12)), 20).unwrap();
        let route = Route::connected(net, InterfaceId(7));
        table.add(route).unwrap();
        reference.insert(net, route);
    }
}

fn assert_agrees(table: &RoutingTable, reference: &BTreeMap<Ipv4Net, Route>, probes: &[Ipv4Addr]) {
    for &addr in probes {
        assert_eq!(table.lookup(addr).copied(), naive(reference, addr), "{addr}");
    }
    assert_eq!(table.len(), reference.len());
}

/// Addresses at and around every boundary of `prefix`.
fn edges(prefix: Ipv4Net) -> [Ipv4Addr; 4] {
    let first = u32::from(prefix.network());
    let last = u32::from(prefix.broadcast());
    [first, last, first.wrapping_sub(1), last.wrapping_add(1)].map(Ipv4Addr::from)
}

#[test]
fn every_slash_32_of_one_slash_16() {
    let mut table = RoutingTable::new();
    let base = 0x0a01_0000u32;
    let route_for =
        |i: u32| Route::connected(Ipv4Net::new(Ipv4Addr::from(base | i), 32).unwrap(), InterfaceId(i as u16));
    for i in 0..1 << 16 {
        assert_eq!(table.add(route_for(i)).unwrap(), None);
    }
    for i in 0..1 << 16 {
        assert_eq!(table.lookup(Ipv4Addr::from(base | i)).unwrap().interface, InterfaceId(i as u16));
    }
    assert_eq!(table.lookup(Ipv4Addr::from(base - 1)), None);
    assert_eq!(table.lookup(Ipv4Addr::from(base + (1 << 16))), None);
    // 256 level-2 nodes of one run per slot: well under a megabyte.
    assert!(table.lookup_memory_bytes() < 1 << 20, "{}", table.lookup_memory_bytes());
    // A covering /16 shows through every hole punched into the /32s.
    table.add(Route::connected(Ipv4Net::new(Ipv4Addr::from(base), 16).unwrap(), InterfaceId(9999))).unwrap();
    for i in (0..1 << 16).step_by(3) {
        table.remove(route_for(i).prefix).unwrap();
    }
    for i in 0..1 << 16 {
        let want = if i % 3 == 0 { 9999 } else { i as u16 };
        assert_eq!(table.lookup(Ipv4Addr::from(base | i)).unwrap().interface, InterfaceId(want), "{i}");
    }
    for i in 0..1 << 16 {
        table.remove(route_for(i).prefix);
    }
    assert_eq!(table.len(), 1);
    assert_eq!(table.lookup(Ipv4Addr::from(base | 77)).unwrap().interface, InterfaceId(9999));
}

#[test]
fn nested_chain_from_slash_8_to_slash_32() {
    let addr = Ipv4Addr::new(10, 85, 170, 85);
    let chain: Vec<Route> = (8..=32)
        .map(|len| Route::connected(Ipv4Net::new(addr, len).unwrap().trunc(), InterfaceId(u16::from(len))))
        .collect();
    let probes: Vec<Ipv4Addr> = chain.iter().flat_map(|r| edges(r.prefix)).collect();
    // Removal orders: longest first, shortest first, and inside out.
    let mut inside_out: Vec<usize> = (0..chain.len()).collect();
    inside_out.sort_by_key(|&i| (i as i32 - 12).abs());
    let orders: [Vec<usize>; 3] = [(0..chain.len()).rev().collect(), (0..chain.len()).collect(), inside_out];
    for with_filler in [false, true] {
        for order in &orders {
            let mut table = RoutingTable::new();
            let mut reference = BTreeMap::new();
            if with_filler {
                filler(&mut reference, &mut table);
            }
            // Insert shortest-first and longest-first alternately (by order parity).
            for &i in order.iter().rev() {
                table.add(chain[i]).unwrap();
                reference.insert(chain[i].prefix, chain[i]);
                assert_agrees(&table, &reference, &probes);
            }
            for &i in order {
                assert_eq!(table.remove(chain[i].prefix), reference.remove(&chain[i].prefix));
                assert_agrees(&table, &reference, &probes);
                // Re-add and remove again: the structure must return to the same answers.
                table.add(chain[i]).unwrap();
                reference.insert(chain[i].prefix, chain[i]);
                assert_agrees(&table, &reference, &probes);
                table.remove(chain[i].prefix);
                reference.remove(&chain[i].prefix);
                assert_agrees(&table, &reference, &probes);
            }
        }
    }
}

#[test]
fn default_route_only_and_empty() {
    let probes = [0u32, 1, 0x0a00_0001, 0x7fff_ffff, 0x8000_0000, 0xc000_1234, u32::MAX].map(Ipv4Addr::from);
    for with_filler in [false, true] {
        let mut table = RoutingTable::new();
        let mut reference = BTreeMap::new();
        if with_filler {
            filler(&mut reference, &mut table);
        }
        assert_agrees(&table, &reference, &probes);
        let default =
            Route::gateway("0.0.0.0/0".parse().unwrap(), "192.0.2.1".parse().unwrap(), InterfaceId(1));
        table.add(default).unwrap();
        reference.insert(default.prefix, default);
        assert_agrees(&table, &reference, &probes);
        if !with_filler {
            for &addr in &probes {
                assert_eq!(table.lookup(addr), Some(&default));
            }
        }
        table.remove(default.prefix);
        reference.remove(&default.prefix);
        assert_agrees(&table, &reference, &probes);
    }
    let empty = RoutingTable::new();
    for addr in probes {
        assert_eq!(empty.lookup(addr), None);
    }
    assert_eq!(empty.iter().count(), 0);
}

#[derive(Debug, Clone)]
enum Step {
    Add(Route),
    Remove(usize),
    /// Re-adds the route removed `n` removals ago (if any), with a new interface.
    Readd(usize, u16),
}

fn steps(route: impl Strategy<Value = Route> + 'static) -> impl Strategy<Value = Vec<Step>> {
    proptest::collection::vec(
        prop_oneof![
            4 => route.prop_map(Step::Add).boxed(),
            2 => any::<usize>().prop_map(Step::Remove).boxed(),
            1 => (any::<usize>(), any::<u16>()).prop_map(|(n, i)| Step::Readd(n, i)).boxed(),
        ],
        0..150,
    )
}

/// Applies `steps`, comparing with the reference after every one around the prefix it
/// touched and at `extra`.
fn check_every_step(steps: Vec<Step>, extra: &[u32]) -> Result<(), TestCaseError> {
    let mut table = RoutingTable::new();
    let mut reference = BTreeMap::new();
    let mut removed: Vec<Route> = Vec::new();
    let extra: Vec<Ipv4Addr> = extra.iter().map(|&a| Ipv4Addr::from(a)).collect();
    for step in steps {
        let touched = match step {
            Step::Add(route) => {
                prop_assert_eq!(table.add(route).unwrap(), reference.insert(route.prefix, route));
                route.prefix
            }
            Step::Remove(pick) if !reference.is_empty() => {
                let prefix = *reference.keys().nth(pick % reference.len()).unwrap();
                let route = table.remove(prefix);
                prop_assert_eq!(route, reference.remove(&prefix));
                removed.extend(route);
                prefix
            }
            Step::Readd(n, interface) if !removed.is_empty() => {
                let route = Route {
                    interface: InterfaceId(interface),
                    ..removed[removed.len() - 1 - n % removed.len()]
                };
                prop_assert_eq!(table.add(route).unwrap(), reference.insert(route.prefix, route));
                route.prefix
            }
            Step::Remove(_) | Step::Readd(..) => continue,
        };
        prop_assert_eq!(table.len(), reference.len());
        for &addr in edges(touched).iter().chain(&extra) {
            prop_assert_eq!(table.lookup(addr).copied(), naive(&reference, addr), "{}", addr);
        }
    }
    for addr in probe(&reference, &[]) {
        prop_assert_eq!(table.lookup(addr).copied(), naive(&reference, addr), "{}", addr);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_step_matches_linear_scan_with_the_real_length_mix(steps in steps(clustered_route()), extra in proptest::collection::vec(0x0a00_0000u32..0x0e00_0000, 12)) {
        check_every_step(steps, &extra)?;
    }

    #[test]
    fn every_step_matches_linear_scan_on_dense_tables(steps in steps(dense_route()), extra in proptest::collection::vec(0x0a00_0000u32..0x0a02_0000, 12)) {
        check_every_step(steps, &extra)?;
    }
}
