//! IPv4 hot paths against peer crates in the same run: the Internet checksum, TTL
//! decrement, longest-prefix match on a ~900 K-prefix synthetic internet table (with
//! destinations inside announced prefixes and uniformly random ones), the cost of one
//! update on that table, its build time and memory (printed once, before the groups),
//! a whole forwarding decision on a captured 98-byte ICMP echo, and the latency of
//! dependent random reads, which bounds every lookup structure on this machine.

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ip_network_table_deps_treebitmap as treebitmap;
use ipv4::forward::{ForwardDecision, forward};
use ipv4::route::{InterfaceId, Route, RoutingTable};
use ipv4::{Ipv4Packet, checksum};
use packetflow_benches::ipv4_inputs::{destinations, synthetic_table};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

const TABLE_SIZE: usize = 900_000;
const TABLE_SEED: u64 = 0x1812;
const LOOKUPS: usize = 1 << 16;

fn checksums(c: &mut Criterion) {
    let mut group = c.benchmark_group("ipv4_checksum");
    for size in [20usize, 64, 1500, 9000] {
        let data: Vec<u8> = (0..size).map(|i| (i * 31 + 7) as u8).collect();
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("packetflow", size), &data, |b, d| {
            b.iter(|| checksum::checksum(black_box(d)))
        });
        group.bench_with_input(BenchmarkId::new("internet-checksum", size), &data, |b, d| {
            b.iter(|| internet_checksum::checksum(black_box(d)))
        });
        group.bench_with_input(BenchmarkId::new("smoltcp", size), &data, |b, d| {
            b.iter(|| !smoltcp::wire::checksum::data(black_box(d)))
        });
        group.bench_with_input(BenchmarkId::new("etherparse", size), &data, |b, d| {
            b.iter(|| etherparse::checksum::Sum16BitWords::new().add_slice(black_box(d)).ones_complement())
        });
    }
    group.finish();
}

/// The captured echo request (frame 3 of arp_ping.pcap) without its Ethernet header.
fn echo_request() -> Vec<u8> {
    let frames = testdata::frames("arp_ping.pcap");
    frames[2].data[14..].to_vec()
}

fn ttl_decrement(c: &mut Criterion) {
    let template = echo_request();
    let header: [u8; 20] = template[..20].try_into().unwrap_or([0; 20]);
    let mut group = c.benchmark_group("ipv4_ttl_decrement");
    group.throughput(Throughput::Elements(1));
    group.bench_function("rfc1624-incremental", |b| {
        b.iter(|| {
            let mut bytes = black_box(header);
            Ipv4Packet::new_unchecked(&mut bytes[..]).decrement_ttl();
            bytes
        })
    });
    group.bench_function("full-recompute", |b| {
        b.iter(|| {
            let mut bytes = black_box(header);
            let mut packet = Ipv4Packet::new_unchecked(&mut bytes[..]);
            let ttl = packet.ttl();
            packet.set_ttl(ttl.saturating_sub(1));
            packet.fill_checksum();
            bytes
        })
    });
    group.finish();
}

struct Tables {
    ours: RoutingTable,
    treebitmap: treebitmap::IpLookupTable<Ipv4Addr, u16>,
    prefix_trie: prefix_trie::PrefixMap<ipnet::Ipv4Net, u16>,
    /// Addresses inside announced prefixes, as a router's traffic mostly is.
    destinations: Vec<Ipv4Addr>,
    /// Uniformly random addresses: mostly unrouted space and reserved blocks.
    random: Vec<Ipv4Addr>,
}

fn build_tables() -> Tables {
    let prefixes = synthetic_table(TABLE_SIZE, TABLE_SEED);
    let interface = |i: usize| (i % 64) as u16;
    // Build time, one shot per structure (criterion would rebuild 900 K prefixes ten
    // times per peer): every prefix inserted one by one through the public API, and
    // ours also in one `add_all` (how a full table is loaded; the lookups and updates
    // below run on that table).
    let started = Instant::now();
    let mut one_by_one = RoutingTable::new();
    for (i, prefix) in prefixes.iter().enumerate() {
        let _ = one_by_one.add(Route::connected(*prefix, InterfaceId(interface(i))));
    }
    let one_by_one_build = started.elapsed();
    let one_by_one_memory = one_by_one.lookup_memory_bytes();
    let started = Instant::now();
    let mut ours = RoutingTable::new();
    let routes = prefixes.iter().enumerate().map(|(i, p)| Route::connected(*p, InterfaceId(interface(i))));
    let bulk_result = ours.add_all(routes);
    let ours_build = started.elapsed();
    assert!(bulk_result.is_ok() && ours.len() == one_by_one.len());
    drop(one_by_one);
    let started = Instant::now();
    let mut treebitmap = treebitmap::IpLookupTable::new();
    for (i, prefix) in prefixes.iter().enumerate() {
        treebitmap.insert(prefix.network(), u32::from(prefix.prefix_len()), interface(i));
    }
    let treebitmap_build = started.elapsed();
    let started = Instant::now();
    let mut prefix_trie = prefix_trie::PrefixMap::new();
    for (i, prefix) in prefixes.iter().enumerate() {
        prefix_trie.insert(*prefix, interface(i));
    }
    let prefix_trie_build = started.elapsed();
    let (nodes, results) = treebitmap.mem_usage();
    eprintln!("ipv4 bench: {} prefixes", ours.len());
    let mib = |bytes: usize| bytes as f64 / (1 << 20) as f64;
    eprintln!(
        "  packetflow  build {:>7.1} ms  lookup structure {:>6.2} MiB  (one add per prefix: {:.1} ms, {:.2} MiB)",
        ours_build.as_secs_f64() * 1e3,
        mib(ours.lookup_memory_bytes()),
        one_by_one_build.as_secs_f64() * 1e3,
        mib(one_by_one_memory)
    );
    eprintln!(
        "  treebitmap  build {:>7.1} ms  structure        {:>6.2} MiB",
        treebitmap_build.as_secs_f64() * 1e3,
        mib(nodes + results)
    );
    eprintln!(
        "  prefix-trie build {:>7.1} ms  structure        {:>6.2} MiB",
        prefix_trie_build.as_secs_f64() * 1e3,
        mib(prefix_trie.mem_size())
    );
    let destinations = destinations(&prefixes, LOOKUPS, TABLE_SEED + 1);
    let mut rng = ChaCha8Rng::seed_from_u64(TABLE_SEED + 2);
    let random = (0..LOOKUPS).map(|_| Ipv4Addr::from(rng.next_u32())).collect();
    Tables { ours, treebitmap, prefix_trie, destinations, random }
}

fn longest_prefix_match(c: &mut Criterion, tables: &Tables) {
    let mut group = c.benchmark_group("ipv4_lpm_900k");
    group.throughput(Throughput::Elements(LOOKUPS as u64));
    for (kind, dsts) in [("inside-prefixes", &tables.destinations), ("random", &tables.random)] {
        group.bench_function(BenchmarkId::new("packetflow", kind), |b| {
            b.iter(|| {
                dsts.iter()
                    .map(|&d| tables.ours.lookup(black_box(d)).map_or(0, |r| u64::from(r.interface.0)))
                    .sum::<u64>()
            })
        });
        group.bench_function(BenchmarkId::new("packetflow-lookup_many", kind), |b| {
            let mut routes = vec![None; dsts.len()];
            b.iter(|| {
                tables.ours.lookup_many(black_box(dsts), &mut routes);
                routes.iter().map(|r| r.map_or(0, |r| u64::from(r.interface.0))).sum::<u64>()
            })
        });
        group.bench_function(BenchmarkId::new("treebitmap", kind), |b| {
            b.iter(|| {
                dsts.iter()
                    .map(|&d| {
                        tables.treebitmap.longest_match(black_box(d)).map_or(0, |(_, _, &i)| u64::from(i))
                    })
                    .sum::<u64>()
            })
        });
        group.bench_function(BenchmarkId::new("prefix-trie", kind), |b| {
            b.iter(|| {
                dsts.iter()
                    .map(|&d| {
                        let host = ipnet::Ipv4Net::from(black_box(d));
                        tables.prefix_trie.get_lpm(&host).map_or(0, |(_, &i)| u64::from(i))
                    })
                    .sum::<u64>()
            })
        });
    }
    group.finish();
}

/// One update on the full table: add a prefix that is not in it, then remove it again
/// (two updates per iteration), for a /24 and a /28 inside a routed /16, and a /12 that
/// spans 16 /16s.
fn updates(c: &mut Criterion, tables: &mut Tables) {
    let mut group = c.benchmark_group("ipv4_update_900k");
    group.throughput(Throughput::Elements(2));
    // Prefixes around a routed destination, moved to a sibling until absent from the table.
    let routed = tables.destinations.first().copied().unwrap_or(Ipv4Addr::new(8, 8, 8, 8));
    for len in [24u8, 28, 12] {
        let mut prefix = ipnet::Ipv4Net::new(routed, len).unwrap_or_default().trunc();
        while tables.ours.get(prefix).is_some() {
            prefix =
                ipnet::Ipv4Net::new(Ipv4Addr::from(u32::from(prefix.network()) ^ (1 << (32 - len))), len)
                    .unwrap_or_default();
        }
        let route = Route::connected(prefix, InterfaceId(1));
        let name = format!("add+remove-/{len}");
        group.bench_function(BenchmarkId::new("packetflow", &name), |b| {
            b.iter(|| {
                let _ = tables.ours.add(black_box(route));
                tables.ours.remove(black_box(prefix))
            })
        });
        group.bench_function(BenchmarkId::new("treebitmap", &name), |b| {
            b.iter(|| {
                tables.treebitmap.insert(black_box(prefix.network()), u32::from(len), 1);
                tables.treebitmap.remove(black_box(prefix.network()), u32::from(len))
            })
        });
        group.bench_function(BenchmarkId::new("prefix-trie", &name), |b| {
            b.iter(|| {
                tables.prefix_trie.insert(black_box(prefix), 1);
                tables.prefix_trie.remove(&black_box(prefix))
            })
        });
    }
    group.finish();
}

fn full_forward(c: &mut Criterion, tables: &Tables) {
    let mut echo = echo_request();
    // Route the captured echo through the big table: aim it at a routed destination.
    let dst = tables.destinations.first().copied().unwrap_or(Ipv4Addr::new(8, 8, 8, 8));
    let mut packet = Ipv4Packet::new_unchecked(&mut echo[..]);
    packet.set_dst_addr(dst);
    packet.fill_checksum();
    let mut group = c.benchmark_group("ipv4_forward_98B_echo");
    group.throughput(Throughput::Elements(1));
    group.bench_function("packetflow", |b| {
        b.iter(|| {
            let mut bytes = [0u8; 84];
            bytes.copy_from_slice(black_box(&echo[..]));
            let decision = forward(&mut bytes, &tables.ours, |_| 1500);
            matches!(decision, ForwardDecision::Forward { .. })
        })
    });
    group.bench_function("smoltcp+treebitmap", |b| {
        b.iter(|| {
            let mut bytes = [0u8; 84];
            bytes.copy_from_slice(black_box(&echo[..]));
            let Ok(mut packet) = smoltcp::wire::Ipv4Packet::new_checked(&mut bytes[..]) else {
                return false;
            };
            if !packet.verify_checksum() || packet.hop_limit() <= 1 {
                return false;
            }
            let Some((_, _, &interface)) = tables.treebitmap.longest_match(packet.dst_addr()) else {
                return false;
            };
            let hop_limit = packet.hop_limit() - 1;
            packet.set_hop_limit(hop_limit);
            packet.fill_checksum();
            black_box(interface);
            true
        })
    });
    group.finish();
}

/// What bounds the lookups on this machine: chains of 1–3 dependent reads at random
/// places of an array of 1, 8 or 32 MiB, 65,536 independent chains per iteration (as
/// many as the lookup benches' destinations). A lookup on the full table is about two
/// dependent reads in the ~8 MiB structure (node, then its leaf) and one in the ~18 MiB
/// route array, so it cannot beat the matching chains here.
fn memory_bound(c: &mut Criterion) {
    let mut group = c.benchmark_group("memory_dependent_reads");
    group.throughput(Throughput::Elements(LOOKUPS as u64));
    let mut rng = ChaCha8Rng::seed_from_u64(TABLE_SEED + 3);
    for mib in [1usize, 8, 32] {
        let len = mib << 18;
        let mask = len as u32 - 1;
        let next: Vec<u32> = (0..len).map(|_| rng.next_u32() & mask).collect();
        let starts: Vec<u32> = (0..LOOKUPS).map(|_| rng.next_u32() & mask).collect();
        for depth in 1..=3 {
            group.bench_function(BenchmarkId::new(format!("{mib}MiB"), depth), |b| {
                b.iter(|| {
                    starts
                        .iter()
                        .map(|&start| {
                            let mut at = black_box(start);
                            for _ in 0..depth {
                                at = next[(at & mask) as usize];
                            }
                            u64::from(at)
                        })
                        .sum::<u64>()
                })
            });
        }
    }
    group.finish();
}

fn table_benches(c: &mut Criterion) {
    let mut tables = build_tables();
    longest_prefix_match(c, &tables);
    full_forward(c, &tables);
    updates(c, &mut tables);
}

criterion_group!(benches, checksums, ttl_decrement, table_benches, memory_bound);
criterion_main!(benches);
