//! IPv4 hot paths against peer crates in the same run: the Internet checksum, TTL
//! decrement, longest-prefix match on a ~900 K-prefix synthetic internet table, and a
//! whole forwarding decision on a captured 98-byte ICMP echo.

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ip_network_table_deps_treebitmap as treebitmap;
use ipv4::forward::{ForwardDecision, forward};
use ipv4::route::{InterfaceId, Route, RoutingTable};
use ipv4::{Ipv4Packet, checksum};
use packetflow_benches::ipv4_inputs::{destinations, synthetic_table};

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
    destinations: Vec<Ipv4Addr>,
}

fn build_tables() -> Tables {
    let prefixes = synthetic_table(TABLE_SIZE, TABLE_SEED);
    let mut ours = RoutingTable::new();
    let mut treebitmap = treebitmap::IpLookupTable::new();
    let mut prefix_trie = prefix_trie::PrefixMap::new();
    for (i, prefix) in prefixes.iter().enumerate() {
        let interface = (i % 64) as u16;
        let _ = ours.add(Route::connected(*prefix, InterfaceId(interface)));
        treebitmap.insert(prefix.network(), u32::from(prefix.prefix_len()), interface);
        prefix_trie.insert(*prefix, interface);
    }
    eprintln!(
        "ipv4 bench: {} prefixes, lookup structure {} MiB",
        ours.len(),
        ours.lookup_memory_bytes() >> 20
    );
    let destinations = destinations(&prefixes, LOOKUPS, TABLE_SEED + 1);
    Tables { ours, treebitmap, prefix_trie, destinations }
}

fn longest_prefix_match(c: &mut Criterion, tables: &Tables) {
    let mut group = c.benchmark_group("ipv4_lpm_900k");
    group.throughput(Throughput::Elements(LOOKUPS as u64));
    let dsts = &tables.destinations;
    group.bench_function("packetflow", |b| {
        b.iter(|| {
            dsts.iter()
                .map(|&d| tables.ours.lookup(black_box(d)).map_or(0, |r| u64::from(r.interface.0)))
                .sum::<u64>()
        })
    });
    group.bench_function("treebitmap", |b| {
        b.iter(|| {
            dsts.iter()
                .map(|&d| tables.treebitmap.longest_match(black_box(d)).map_or(0, |(_, _, &i)| u64::from(i)))
                .sum::<u64>()
        })
    });
    group.bench_function("prefix-trie", |b| {
        b.iter(|| {
            dsts.iter()
                .map(|&d| {
                    let host = ipnet::Ipv4Net::from(black_box(d));
                    tables.prefix_trie.get_lpm(&host).map_or(0, |(_, &i)| u64::from(i))
                })
                .sum::<u64>()
        })
    });
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

fn table_benches(c: &mut Criterion) {
    let tables = build_tables();
    longest_prefix_match(c, &tables);
    full_forward(c, &tables);
}

criterion_group!(benches, checksums, ttl_decrement, table_benches);
criterion_main!(benches);
