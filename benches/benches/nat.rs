//! NAT: an outbound TCP segment of an established flow (64 and 1500 bytes of IPv4
//! datagram) through rt1's path — `Conntrack::track`, then `Nat::translate` in
//! PREROUTING and in POSTROUTING, which rewrites the source with RFC 1624 checksum
//! updates — with 4,096 and 1,048,576 established sessions, beside a baseline in the
//! same run on the same packets: `smoltcp::wire` parsing, a `hashbrown` map from the
//! 5-tuple to the external endpoint, smoltcp's setters, and both checksums recomputed
//! in full.
//!
//! Also measured: the setup of a new flow (a SYN that creates a connection and a NAPT
//! mapping), and, to attribute the cost, the header copy, `Packet::parse`, `track` and
//! the two `translate` calls each on their own. The table memory per session is
//! printed once per table size (it is not a timing).
//!
//! Every iteration copies the 40 bytes of IPv4 and TCP header of the next packet of a
//! pool into one scratch datagram (the translation rewrites in place and is not
//! idempotent); the payload is the same for every packet, so it stays in the scratch
//! buffer. Both sides pay the same copy. The pool holds 4,096 packets of flows drawn at
//! random from all sessions, so with 1 M sessions the lookups miss the caches as a busy
//! router's do.

use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use conntrack::{Conntrack, ConntrackConfig, CtState, Packet, PacketMark, Tracked};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use foldhash::fast::FixedState;
use ipnet::Ipv4Net;
use ipv4::{IpProtocol, checksum};
use nat::{Interface, Mapping, Nat, NatConfig, NatRule, Stage};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use smoltcp::wire as sw;

/// IPv4 header and TCP header, no options: what each iteration copies.
const HEADERS: usize = 40;
/// Packets in the pool each bench cycles through (a power of two).
const POOL: usize = 4096;
const SIZES: [usize; 2] = [64, 1500];
const SESSIONS: [(usize, &str); 2] = [(4096, "4K"), (1 << 20, "1M")];

const WAN_ADDR: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 245);
const LAN: Interface<'static> =
    Interface { name: Some("lan"), address: Some(Ipv4Addr::new(192, 168, 1, 254)) };
const WAN: Interface<'static> = Interface { name: Some("wan"), address: Some(WAN_ADDR) };

/// Inside endpoints: 192.168.0.0/16, each address with up to 16 ports.
const INSIDE_NET: u32 = u32::from_be_bytes([192, 168, 0, 0]);
const INSIDE_PORT: u16 = 20_000;
/// Flows NAPT puts on one external address at most when there are more than one
/// address's ports can hold: 2,048 inside addresses (a /21) × 16 ports.
const FLOWS_PER_EXTERNAL: usize = 32_768;

const CLIENT_ISN: u32 = 1_000_000;
const SERVER_ISN: u32 = 5_000_000;
const SETUP_TIME: Duration = Duration::from_secs(1);
const NOW: Duration = Duration::from_secs(2);

const SYN: u8 = 0x02;
const SYN_ACK: u8 = 0x12;
const ACK: u8 = 0x10;
const PSH_ACK: u8 = 0x18;

/// Flow `i`: an inside endpoint of its own, to one of 16 HTTPS servers.
fn flow(i: usize) -> (SocketAddrV4, SocketAddrV4) {
    let host = (i % 65_536) as u32;
    let inside = SocketAddrV4::new(Ipv4Addr::from(INSIDE_NET + host), INSIDE_PORT + (i / 65_536) as u16);
    let server = SocketAddrV4::new(Ipv4Addr::new(10, 1, 3, 1 + (i % 16) as u8), 443);
    (inside, server)
}

fn payload_byte(at: usize) -> u8 {
    (at as u8).wrapping_mul(31).wrapping_add(7)
}

/// Writes a whole IPv4 + TCP datagram of `buf.len()` bytes, with both checksums right.
fn write_segment(buf: &mut [u8], src: SocketAddrV4, dst: SocketAddrV4, flags: u8, seq: u32, ack: u32) {
    let len = buf.len();
    buf[..12].copy_from_slice(&[0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0]);
    buf[2..4].copy_from_slice(&(len as u16).to_be_bytes());
    buf[12..16].copy_from_slice(&src.ip().octets());
    buf[16..20].copy_from_slice(&dst.ip().octets());
    let tcp = &mut buf[20..];
    tcp[0..2].copy_from_slice(&src.port().to_be_bytes());
    tcp[2..4].copy_from_slice(&dst.port().to_be_bytes());
    tcp[4..8].copy_from_slice(&seq.to_be_bytes());
    tcp[8..12].copy_from_slice(&ack.to_be_bytes());
    tcp[12..20].copy_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    for (at, byte) in tcp[20..].iter_mut().enumerate() {
        *byte = payload_byte(at);
    }
    let pseudo = checksum::pseudo_header_sum(*src.ip(), *dst.ip(), IpProtocol::TCP, (len - 20) as u16);
    let sum = !checksum::combine(&[pseudo, checksum::sum(tcp)]);
    tcp[16..18].copy_from_slice(&sum.to_be_bytes());
    let sum = checksum::checksum(&buf[..20]);
    buf[10..12].copy_from_slice(&sum.to_be_bytes());
}

fn source_of(datagram: &[u8]) -> SocketAddrV4 {
    let addr = Ipv4Addr::new(datagram[12], datagram[13], datagram[14], datagram[15]);
    SocketAddrV4::new(addr, u16::from_be_bytes([datagram[20], datagram[21]]))
}

/// rt1 between its LAN and the WAN.
struct Router {
    table: Conntrack,
    nat: Nat,
}

impl Router {
    /// Room for `sessions` connections and mappings. Up to one external address's worth
    /// of ports, rt1's masquerade of the whole LAN to 10.1.1.245. Beyond that one address
    /// cannot hold a mapping per inside endpoint (NAPT has ~64 K ports per address), so
    /// the router is a carrier-grade NAT instead: one static SNAT rule per /21 of the LAN,
    /// each onto an address of its own in 203.0.113.0/24. An established flow's packets
    /// never look at the rules (the binding was decided on its SYN), so the per-packet
    /// work is the same in both: a lookup, TCP window tracking, a mapping renewed twice,
    /// and the source address and port rewritten with both checksums updated.
    fn new(sessions: usize) -> Self {
        let table = Conntrack::new(ConntrackConfig { max_connections: sessions, ..Default::default() }, 7);
        let config = NatConfig { max_mappings: sessions, port_range: 1024..=65535, ..Default::default() };
        let mut nat = Nat::new(config, 99);
        if sessions <= FLOWS_PER_EXTERNAL {
            nat.add_rule(NatRule::Masquerade { out_interface: "wan".into(), src: None });
        } else {
            let groups = 65_536 / 2_048;
            for group in 0..groups {
                let prefix = Ipv4Net::new(Ipv4Addr::from(INSIDE_NET + group * 2_048), 21).unwrap();
                let to = Ipv4Addr::new(203, 0, 113, 1 + group as u8);
                nat.add_rule(NatRule::Snat { out_interface: Some("wan".into()), src: Some(prefix), to });
            }
        }
        Self { table, nat }
    }

    /// One datagram through the router: tracked, translated in PREROUTING on `ingress`
    /// and in POSTROUTING on `egress`, and its connection confirmed if it made one.
    #[inline]
    fn forward(
        &mut self,
        now: Duration,
        datagram: &mut [u8],
        ingress: Interface<'_>,
        egress: Interface<'_>,
    ) -> Tracked {
        let tracked = self.table.track(now, datagram);
        let mark = tracked.mark();
        let routed = self.nat.translate(&mut self.table, now, Stage::Destination, mark, ingress, datagram);
        let sent = routed
            .and_then(|_| self.nat.translate(&mut self.table, now, Stage::Source, mark, egress, datagram));
        assert!(sent.is_ok(), "{sent:?}");
        if tracked.created
            && let Some(conn) = tracked.conn
        {
            self.table.confirm(conn.id);
        }
        tracked
    }

    /// The two translations alone, for a packet the tracker has already seen.
    #[inline]
    fn translate(&mut self, now: Duration, mark: PacketMark, datagram: &mut [u8]) {
        let routed = self.nat.translate(&mut self.table, now, Stage::Destination, mark, LAN, datagram);
        let sent = self.nat.translate(&mut self.table, now, Stage::Source, mark, WAN, datagram);
        assert!(routed.is_ok() && sent.is_ok(), "{routed:?} {sent:?}");
    }

    /// Opens flows `0..sessions` by a three-way handshake through the router; returns
    /// each one's external endpoint.
    fn establish(&mut self, sessions: usize) -> Vec<SocketAddrV4> {
        let mut buf = [0u8; HEADERS];
        let mut externals = Vec::with_capacity(sessions);
        for i in 0..sessions {
            let (inside, server) = flow(i);
            write_segment(&mut buf, inside, server, SYN, CLIENT_ISN, 0);
            let syn = self.forward(SETUP_TIME, &mut buf, LAN, WAN);
            assert!(syn.created, "flow {i}: {syn:?}");
            let external = source_of(&buf);
            write_segment(&mut buf, server, external, SYN_ACK, SERVER_ISN, CLIENT_ISN + 1);
            self.forward(SETUP_TIME, &mut buf, WAN, LAN);
            write_segment(&mut buf, inside, server, ACK, CLIENT_ISN + 1, SERVER_ISN + 1);
            let ack = self.forward(SETUP_TIME, &mut buf, LAN, WAN);
            assert_eq!(ack.state, CtState::Established, "flow {i}");
            externals.push(external);
        }
        externals
    }
}

/// The baseline's flow key: protocol, source, destination.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct FlowKey {
    protocol: u8,
    src: Ipv4Addr,
    src_port: u16,
    dst: Ipv4Addr,
    dst_port: u16,
}

type BaselineMap = hashbrown::HashMap<FlowKey, (Ipv4Addr, u16), FixedState>;

/// The baseline: smoltcp parses, a hashbrown map gives the external endpoint, smoltcp's
/// setters write it, and both checksums are recomputed over the whole header and
/// segment.
#[inline]
fn baseline(map: &BaselineMap, datagram: &mut [u8]) -> Option<()> {
    let mut ip = sw::Ipv4Packet::new_checked(datagram).ok()?;
    if ip.next_header() != sw::IpProtocol::Tcp {
        return None;
    }
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    let mut tcp = sw::TcpPacket::new_checked(ip.payload_mut()).ok()?;
    let key = FlowKey { protocol: 6, src, src_port: tcp.src_port(), dst, dst_port: tcp.dst_port() };
    let &(addr, port) = map.get(&key)?;
    tcp.set_src_port(port);
    tcp.fill_checksum(&addr.into(), &dst.into());
    ip.set_src_addr(addr);
    ip.fill_checksum();
    Some(())
}

/// The header of flow `i`'s next data segment, for a datagram of `size` bytes.
fn data_header(i: usize, size: usize) -> [u8; HEADERS] {
    let (inside, server) = flow(i);
    let mut datagram = vec![0u8; size];
    write_segment(&mut datagram, inside, server, PSH_ACK, CLIENT_ISN + 1, SERVER_ISN + 1);
    let mut header = [0u8; HEADERS];
    header.copy_from_slice(&datagram[..HEADERS]);
    header
}

/// Both checksums are right, recomputed in full.
fn checksums_ok(datagram: &[u8]) -> bool {
    let Ok(ip) = sw::Ipv4Packet::new_checked(datagram) else { return false };
    let (src, dst) = (ip.src_addr().into(), ip.dst_addr().into());
    ip.verify_checksum()
        && sw::TcpPacket::new_checked(ip.payload()).is_ok_and(|t| t.verify_checksum(&src, &dst))
}

/// Buckets a hashbrown table that grew to `len` entries has: the smallest power of two
/// whose 7/8 holds them.
fn buckets(len: usize) -> usize {
    let mut buckets = 8;
    while buckets / 8 * 7 < len {
        buckets *= 2;
    }
    buckets
}

/// Prints the table memory per session: the tracker's own count, and an estimate of the
/// NAT's two mapping maps (key, value and one control byte per bucket).
fn report_memory(router: &Router, map: &BaselineMap, sessions: usize) {
    let conntrack = router.table.memory_bytes();
    let (slot, index_entry) = Conntrack::entry_sizes();
    let mappings = router.nat.mapping_count();
    let by_outside = size_of::<(IpProtocol, SocketAddrV4)>() + size_of::<Mapping>() + 1;
    let by_inside = size_of::<(IpProtocol, SocketAddrV4, Ipv4Addr)>() + size_of::<u16>() + 1;
    let nat = buckets(mappings) * (by_outside + by_inside);
    let base = map.capacity() / 7 * 8 * (size_of::<(FlowKey, (Ipv4Addr, u16))>() + 1);
    let per = |bytes: usize| bytes as f64 / sessions as f64;
    println!(
        "nat memory, {sessions} sessions: conntrack {:.1} B/session (slot {slot} B, 2 index entries of \
         {index_entry} B, heap, spare capacity), NAT mappings ~{:.1} B/session ({mappings} mappings; \
         {by_outside} + {by_inside} B per bucket), total {:.1} B/session (goal <= 64); baseline map {:.1} B/session",
        per(conntrack),
        per(nat),
        per(conntrack + nat),
        per(base),
    );
}

fn established(c: &mut Criterion) {
    for (sessions, label) in SESSIONS {
        let started = Instant::now();
        let mut router = Router::new(sessions);
        let externals = router.establish(sessions);
        println!(
            "nat setup: {sessions} sessions established through the full path in {:.2?}",
            started.elapsed()
        );
        let mut map = BaselineMap::with_hasher(FixedState::with_seed(7));
        for (i, external) in externals.iter().enumerate() {
            let (inside, server) = flow(i);
            let key = FlowKey {
                protocol: 6,
                src: *inside.ip(),
                src_port: inside.port(),
                dst: *server.ip(),
                dst_port: server.port(),
            };
            map.insert(key, (*external.ip(), external.port()));
        }
        report_memory(&router, &map, sessions);
        let mut rng = ChaCha8Rng::seed_from_u64(sessions as u64);
        let picks: Vec<usize> = (0..POOL).map(|_| (rng.next_u64() % sessions as u64) as usize).collect();

        for size in SIZES {
            let pool: Vec<[u8; HEADERS]> = picks.iter().map(|&i| data_header(i, size)).collect();
            let mut scratch = vec![0u8; size];
            write_segment(&mut scratch, flow(0).0, flow(0).1, PSH_ACK, 0, 0);
            // Both sides must do the real work: every packet of the pool is ESTABLISHED, is
            // rewritten to its flow's external endpoint, and comes out the same either way
            // with both checksums right.
            let mut marks = Vec::with_capacity(POOL);
            for (header, &i) in pool.iter().zip(&picks) {
                scratch[..HEADERS].copy_from_slice(header);
                let tracked = router.forward(NOW, &mut scratch, LAN, WAN);
                assert_eq!(tracked.state, CtState::Established);
                assert_eq!(source_of(&scratch), externals[i]);
                assert!(checksums_ok(&scratch));
                let translated = scratch.clone();
                marks.push(tracked.mark());
                scratch[..HEADERS].copy_from_slice(header);
                assert!(baseline(&map, &mut scratch).is_some());
                assert!(checksums_ok(&scratch));
                let masked = |d: &[u8]| [&d[..10], &d[12..36], &d[38..]].concat();
                assert_eq!(masked(&scratch), masked(&translated));
            }

            let mut group = c.benchmark_group(format!("nat/established/{size}B/{label}"));
            group.throughput(Throughput::Elements(1));
            let mut next = 0;
            group.bench_function("packetflow", |b| {
                b.iter(|| {
                    next = (next + 1) % POOL;
                    scratch[..HEADERS].copy_from_slice(&pool[next]);
                    let tracked = router.forward(NOW, &mut scratch, LAN, WAN);
                    black_box((tracked.state, &scratch[..HEADERS]));
                });
            });
            group.bench_function("baseline-smoltcp-hashbrown", |b| {
                b.iter(|| {
                    next = (next + 1) % POOL;
                    scratch[..HEADERS].copy_from_slice(&pool[next]);
                    black_box(baseline(&map, &mut scratch));
                    black_box(&scratch[..HEADERS]);
                });
            });
            group.finish();

            // Where packetflow's time goes; each includes the header copy.
            let mut group = c.benchmark_group(format!("nat/attribution/{size}B/{label}"));
            group.throughput(Throughput::Elements(1));
            group.bench_function("copy", |b| {
                b.iter(|| {
                    next = (next + 1) % POOL;
                    scratch[..HEADERS].copy_from_slice(&pool[next]);
                    black_box(&scratch[..HEADERS]);
                });
            });
            group.bench_function("parse", |b| {
                b.iter(|| {
                    next = (next + 1) % POOL;
                    scratch[..HEADERS].copy_from_slice(&pool[next]);
                    black_box(Packet::parse(black_box(&scratch)).is_ok());
                });
            });
            group.bench_function("track", |b| {
                b.iter(|| {
                    next = (next + 1) % POOL;
                    scratch[..HEADERS].copy_from_slice(&pool[next]);
                    black_box(router.table.track(NOW, &scratch).state);
                });
            });
            group.bench_function("translate", |b| {
                b.iter(|| {
                    next = (next + 1) % POOL;
                    scratch[..HEADERS].copy_from_slice(&pool[next]);
                    router.translate(NOW, marks[next], &mut scratch);
                    black_box(&scratch[..HEADERS]);
                });
            });
            group.finish();
        }
    }
}

/// A SYN that opens a flow: a new connection and a new NAPT mapping, 4,096 of them into
/// an empty router (the tables' growth is part of the cost).
fn new_flow(c: &mut Criterion) {
    const FLOWS: usize = 4096;
    let syns: Vec<[u8; HEADERS]> = (0..FLOWS)
        .map(|i| {
            let (inside, server) = flow(i);
            let mut header = [0u8; HEADERS];
            write_segment(&mut header, inside, server, SYN, CLIENT_ISN, 0);
            header
        })
        .collect();
    let open_all = |mut router: Router, scratch: &mut [u8; HEADERS]| {
        for syn in &syns {
            scratch.copy_from_slice(syn);
            let tracked = router.forward(NOW, scratch, LAN, WAN);
            black_box(tracked.created);
        }
        router
    };
    let mut scratch = [0u8; HEADERS];
    let router = open_all(Router::new(FLOWS), &mut scratch);
    assert_eq!(router.table.len(), FLOWS);
    assert_eq!(router.nat.mapping_count(), FLOWS);
    assert_eq!(router.nat.counters().translated, FLOWS as u64);
    assert_eq!(source_of(&scratch).ip(), &WAN_ADDR);

    let mut group = c.benchmark_group("nat/new_flow/syn");
    group.throughput(Throughput::Elements(FLOWS as u64));
    group.bench_function("packetflow", |b| {
        b.iter_batched(
            || Router::new(FLOWS),
            |router| open_all(router, &mut scratch),
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, established, new_flow);
criterion_main!(benches);
