//! DNS: parse and emit of a referral and of a compressed answer (real messages from
//! `dns_iterative.pcap`), packetflow's `dns` against hickory-proto in the same run; and
//! a cache hit in the recursive resolver holding 100,000 names.

use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use dns::{CacheConfig, Message, Name, Record, RecordType, Resolver, ResolverConfig, ResolverEvent, Trust};
use hickory_proto::op::Message as HMessage;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

/// The UDP payload of capture frame `number` (Ethernet + 20-byte IPv4 + UDP).
fn payload(number: usize) -> Vec<u8> {
    let frames = testdata::frames("dns_iterative.pcap");
    let data = &frames[number - 1].data;
    assert_eq!(data[14] & 0x0f, 5);
    let total = usize::from(u16::from_be_bytes([data[16], data[17]]));
    data[42..14 + total].to_vec()
}

fn wire(c: &mut Criterion) {
    // Frame 13: the com. server's referral to example.com (2 NS, 2 glue, OPT).
    // Frame 25: an answer with 2 MX, 2 NS and 5 addresses, heavily compressed.
    for (label, frame) in [("referral", 13), ("answer", 25)] {
        let bytes = payload(frame);
        let ours = Message::parse(&bytes).unwrap();
        let theirs = HMessage::from_vec(&bytes).unwrap();
        let mut group = c.benchmark_group(format!("dns/parse-{label}"));
        group.bench_function("packetflow", |b| b.iter(|| Message::parse(black_box(&bytes)).unwrap()));
        group.bench_function("hickory-proto", |b| b.iter(|| HMessage::from_vec(black_box(&bytes)).unwrap()));
        group.finish();
        let mut group = c.benchmark_group(format!("dns/emit-{label}"));
        group.bench_function("packetflow", |b| b.iter(|| black_box(&ours).to_bytes().unwrap()));
        group.bench_function("hickory-proto", |b| b.iter(|| black_box(&theirs).to_vec().unwrap()));
        group.finish();
    }
}

fn cache_hit(c: &mut Criterion) {
    const NAMES: u32 = 100_000;
    let mut config = ResolverConfig::new(
        SocketAddrV4::new(Ipv4Addr::new(10, 1, 2, 53), 53),
        vec![Ipv4Addr::new(10, 1, 4, 1)],
    );
    config.cache = CacheConfig { max_records: 200_000, ..CacheConfig::default() };
    let mut resolver = Resolver::new(config);
    let names: Vec<Name> = (0..NAMES).map(|i| format!("host{i}.example.com").parse().unwrap()).collect();
    for (i, name) in names.iter().enumerate() {
        let addr = Ipv4Addr::from(0x0a00_0000 + i as u32);
        resolver.cache_mut().insert(Duration::ZERO, vec![Record::a(name.clone(), 3600, addr)], Trust::Answer);
    }
    assert_eq!(resolver.cache().len(), NAMES as usize);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let now = Duration::from_secs(10);
    let mut i = 0usize;
    let mut group = c.benchmark_group("dns/resolver-cache-hit-100k");
    group.bench_function("packetflow", |b| {
        b.iter_batched(
            || {
                i = (i + 7919) % names.len();
                names[i].clone()
            },
            |name| {
                resolver.resolve(now, name, RecordType::A, &mut rng).unwrap();
                let mut found = 0;
                while let Some(e) = resolver.poll_event() {
                    if let ResolverEvent::Resolved { result: Ok(answer), .. } = e {
                        found += answer.records.len();
                    }
                }
                assert_eq!(found, 1);
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, wire, cache_hit);
criterion_main!(benches);
