//! Load balancer: `Balancer::choose_backend` — the choice a new session makes — with
//! 1,000 backends, per algorithm: round robin (next available after a cursor), smooth
//! weighted round robin (a pass over every backend), least connections (a pass over
//! every backend), source hash (a binary search on a ring of 100,000 virtual nodes).
//! Source hash is also measured with every tenth backend drained, which makes a tenth
//! of the lookups walk on along the ring. Client addresses vary per iteration.

use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddrV4};

use criterion::{Criterion, criterion_group, criterion_main};
use lb::{Algorithm, BackendConfig, BackendId, Balancer, ServiceConfig};

const BACKENDS: usize = 1_000;

fn balancer(algorithm: Algorithm) -> Balancer {
    let backends = (0..BACKENDS)
        .map(|i| {
            let addr = SocketAddrV4::new(Ipv4Addr::from(0xac10_0000 + i as u32 + 1), 80);
            let mut b = BackendConfig::new(format!("sv{}", i + 1), addr);
            b.weight = 1 + (i % 4) as u32;
            b
        })
        .collect();
    let mut config = ServiceConfig::new(
        "bench",
        SocketAddrV4::new(Ipv4Addr::new(172, 16, 3, 12), 443),
        Ipv4Addr::new(172, 16, 2, 254),
        backends,
    );
    config.algorithm = algorithm;
    Balancer::new(config, 1).expect("config")
}

fn choose(c: &mut Criterion) {
    let mut group = c.benchmark_group("lb_choose_1000_backends");
    for (name, algorithm) in [
        ("round_robin", Algorithm::RoundRobin),
        ("weighted_round_robin", Algorithm::WeightedRoundRobin),
        ("least_connections", Algorithm::LeastConnections),
        ("source_hash", Algorithm::SourceHash),
    ] {
        let mut lb = balancer(algorithm);
        let mut ip = 0x0a00_0000u32;
        group.bench_function(name, |b| {
            b.iter(|| {
                ip = ip.wrapping_add(0x9e37_79b9);
                black_box(lb.choose_backend(black_box(Ipv4Addr::from(ip))))
            })
        });
    }
    let mut lb = balancer(Algorithm::SourceHash);
    for i in (0..BACKENDS).step_by(10) {
        lb.drain(BackendId(i));
    }
    let mut ip = 0x0a00_0000u32;
    group.bench_function("source_hash_10pct_drained", |b| {
        b.iter(|| {
            ip = ip.wrapping_add(0x9e37_79b9);
            black_box(lb.choose_backend(black_box(Ipv4Addr::from(ip))))
        })
    });
    group.finish();
}

criterion_group!(benches, choose);
criterion_main!(benches);
