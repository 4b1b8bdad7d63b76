//! Each balancing algorithm, through whole sessions and through `choose_backend`.

mod common;

use std::net::Ipv4Addr;

use common::{Bench, OK5, backend_addr, client_addr, config};
use lb::{Algorithm, BackendId, Balancer, LbEvent};

/// One GET per new client, answered at once; returns the backend index of each.
fn sessions(bench: &mut Bench, n: u32) -> Vec<usize> {
    let mut picks = Vec::new();
    for i in 0..n {
        let c = bench.accept(client_addr(i));
        bench.get(c, "/");
        let conn = bench.last_conn();
        bench.connect(conn);
        let v = &bench.conns[&conn];
        picks.push(v.backend.0);
        assert_eq!(v.to, backend_addr(v.backend.0));
        bench.respond(conn, OK5);
        bench.client_close(c, false);
    }
    picks
}

#[test]
fn round_robin_in_order() {
    let mut bench = Bench::new(config(3, Algorithm::RoundRobin));
    assert_eq!(sessions(&mut bench, 7), [0, 1, 2, 0, 1, 2, 0]);
    let requests: Vec<u64> = bench.lb.backends().map(|b| b.counters.requests).collect();
    assert_eq!(requests, [3, 2, 2]);
    bench.assert_no_hang();
}

#[test]
fn round_robin_skips_drained() {
    let mut bench = Bench::new(config(3, Algorithm::RoundRobin));
    bench.lb.drain(BackendId(1));
    assert_eq!(sessions(&mut bench, 4), [0, 2, 0, 2]);
}

#[test]
fn weighted_three_to_one_over_eight() {
    let mut cfg = config(2, Algorithm::WeightedRoundRobin);
    cfg.backends[0].weight = 3;
    let mut bench = Bench::new(cfg);
    let picks = sessions(&mut bench, 8);
    assert_eq!(picks.iter().filter(|&&b| b == 0).count(), 6);
    assert_eq!(picks.iter().filter(|&&b| b == 1).count(), 2);
    // Smooth: the light backend is interleaved, never two heavy bursts of 6.
    assert_eq!(picks, [0, 0, 1, 0, 0, 0, 1, 0]);
}

#[test]
fn weight_zero_gets_nothing() {
    let mut cfg = config(3, Algorithm::WeightedRoundRobin);
    cfg.backends[1].weight = 0;
    let mut lb = Balancer::new(cfg, 1).unwrap();
    for i in 0..30 {
        assert_ne!(lb.choose_backend(Ipv4Addr::from(i)), Some(BackendId(1)));
    }
}

#[test]
fn least_connections_picks_the_idle_one() {
    let mut bench = Bench::new(config(2, Algorithm::LeastConnections));
    // Client A holds a request open on one backend.
    let a = bench.accept(client_addr(1));
    bench.get(a, "/slow");
    let conn_a = bench.last_conn();
    bench.connect(conn_a);
    let busy = bench.conns[&conn_a].backend;
    // Three more clients, one after another: each goes to the idle backend.
    for i in 2..5 {
        let c = bench.accept(client_addr(i));
        bench.get(c, "/");
        let conn = bench.last_conn();
        assert_ne!(bench.conns[&conn].backend, busy, "client {i} sent to the busy backend");
        bench.connect(conn);
        bench.respond(conn, OK5);
        bench.client_close(c, false);
    }
    let status = bench.lb.backend(busy).unwrap();
    assert_eq!(status.active_connections, 1);
    bench.respond(conn_a, OK5);
    bench.assert_no_hang();
}

#[test]
fn least_connections_counts_open_sessions() {
    let mut bench = Bench::new(config(3, Algorithm::LeastConnections));
    // Six sessions held open spread 2/2/2.
    let mut per = [0; 3];
    for i in 0..6 {
        let c = bench.accept(client_addr(i));
        bench.get(c, "/");
        per[bench.conns[&bench.last_conn()].backend.0] += 1;
    }
    assert_eq!(per, [2, 2, 2]);
}

fn ips(n: u32) -> impl Iterator<Item = Ipv4Addr> {
    (0..n).map(|i| Ipv4Addr::from(0x0a00_0000u32.wrapping_add(i.wrapping_mul(2_654_435_761))))
}

#[test]
fn source_hash_is_sticky_and_spread() {
    let mut lb = Balancer::new(config(4, Algorithm::SourceHash), 1).unwrap();
    let first: Vec<_> = ips(1000).map(|ip| lb.choose_backend(ip).unwrap()).collect();
    let again: Vec<_> = ips(1000).map(|ip| lb.choose_backend(ip).unwrap()).collect();
    assert_eq!(first, again);
    for b in 0..4 {
        let share = first.iter().filter(|x| x.0 == b).count();
        assert!((150..=350).contains(&share), "backend {b} got {share} of 1000");
    }
}

#[test]
fn source_hash_removal_moves_only_its_clients() {
    let mut lb = Balancer::new(config(5, Algorithm::SourceHash), 1).unwrap();
    let before: Vec<_> = ips(1000).map(|ip| lb.choose_backend(ip).unwrap()).collect();
    lb.drain(BackendId(2));
    let after: Vec<_> = ips(1000).map(|ip| lb.choose_backend(ip).unwrap()).collect();
    let mut moved = 0;
    for (b, a) in before.iter().zip(&after) {
        if b.0 == 2 {
            assert_ne!(a.0, 2);
            moved += 1;
        } else {
            assert_eq!(a, b, "a client not on the removed backend moved");
        }
    }
    assert!(moved > 100, "backend 2 had {moved} clients");
    // Its clients spread over the others instead of piling on one.
    let targets: std::collections::BTreeSet<_> =
        before.iter().zip(&after).filter(|(b, _)| b.0 == 2).map(|(_, a)| a.0).collect();
    assert!(targets.len() >= 3, "moved clients went to {targets:?}");
    // Back in: everyone returns.
    lb.undrain(BackendId(2));
    let back: Vec<_> = ips(1000).map(|ip| lb.choose_backend(ip).unwrap()).collect();
    assert_eq!(back, before);
}

#[test]
fn source_hash_through_sessions() {
    let mut bench = Bench::new(config(3, Algorithm::SourceHash));
    let mut seen = Vec::new();
    for round in 0..2 {
        for i in 0..5 {
            let c = bench.accept(client_addr(i));
            bench.get(c, "/");
            let conn = bench.last_conn();
            bench.connect(conn);
            let b = bench.conns[&conn].backend;
            if round == 0 {
                seen.push(b);
            } else {
                assert_eq!(seen[i as usize], b);
            }
            bench.respond(conn, OK5);
            bench.client_close(c, false);
        }
    }
}

#[test]
fn backend_chosen_event_names_the_algorithm() {
    let mut bench = Bench::new(config(2, Algorithm::LeastConnections));
    let c = bench.accept(client_addr(1));
    bench.get(c, "/");
    let ev = bench.events_matching(|e| matches!(e, LbEvent::BackendChosen { .. }));
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].to_string(), "client #1: least connections chose backend sv1 (172.16.2.1:80)");
    assert!(bench.conns.values().all(|v| v.from == common::SNAT));
}
