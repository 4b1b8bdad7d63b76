//! Properties: arbitrary bytes never panic and never overfill the table; random flows,
//! replies, NAT bindings, removals and time advances keep the index consistent with the
//! connections (checked against a model); `Packet::parse` reads back the tuple a datagram
//! was built with.

mod common;

use core::time::Duration;
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4};

use conntrack::{
    ConnRef, Conntrack, ConntrackConfig, CtState, Direction, Packet, PacketKind, PacketMark, Tuple,
    TupleTaken,
};
use ipv4::IpProtocol;
use proptest::prelude::*;
use tcp::TcpFlags;

use common::*;

/// A valid datagram of some kind, from random fields.
fn valid_datagram() -> impl Strategy<Value = Vec<u8>> {
    let addr = || (0u8..4).prop_map(|n| Ipv4Addr::new(10, 0, 0, n + 1));
    let port = || prop_oneof![Just(53u16), Just(443), 1024u16..1030];
    (0u8..7, addr(), addr(), port(), port(), any::<u32>(), any::<u32>(), any::<u16>(), any::<u8>()).prop_map(
        |(kind, src, dst, sport, dport, seq, ack, window, flags)| {
            let (s, d) = (SocketAddrV4::new(src, sport), SocketAddrV4::new(dst, dport));
            match kind {
                0 => udp(s, d, b"data"),
                1 => tcp(
                    s,
                    d,
                    Seg::new(TcpFlags(u16::from(flags)), seq, ack).window(window).wscale(flags % 16),
                ),
                2 => tcp(s, d, Seg::new(TcpFlags::SYN, seq, 0).window(window)),
                3 => echo(src, dst, sport, flags % 2 == 0),
                4 => {
                    let inner = udp(d, s, b"quoted");
                    time_exceeded(src, &inner)
                }
                5 => {
                    let inner = tcp(d, s, Seg::new(TcpFlags::ACK, seq, ack));
                    port_unreachable(&inner)
                }
                _ => ip(src, dst, IpProtocol(flags), &[0; 12]),
            }
        },
    )
}

/// Bytes that are sometimes a datagram, sometimes a damaged one, sometimes noise.
fn any_datagram() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => valid_datagram(),
        3 => (valid_datagram(), proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), any::<usize>())
            .prop_map(|(mut bytes, flips, cut)| {
                for (at, value) in flips {
                    let len = bytes.len();
                    bytes[at % len] = value;
                }
                // Sometimes cut short.
                if cut % 3 == 0 {
                    bytes.truncate(cut % (bytes.len() + 1));
                }
                bytes
            }),
        1 => proptest::collection::vec(any::<u8>(), 0..80),
        1 => (proptest::collection::vec(any::<u8>(), 20..80), 5u8..16).prop_map(|(mut bytes, ihl)| {
            bytes[0] = 0x40 | ihl;
            bytes
        }),
    ]
}

fn assert_index_consistent(table: &Conntrack) -> Result<(), TestCaseError> {
    prop_assert_eq!(table.iter().count(), table.len());
    prop_assert_eq!(table.is_empty(), table.iter().next().is_none());
    for (id, conn) in table.iter() {
        prop_assert!(table.get(id).is_some());
        prop_assert_eq!(
            table.lookup(&conn.original()),
            Some(ConnRef { id, direction: Direction::Original }),
            "original tuple of {:?}",
            conn
        );
        if conn.reply() != conn.original() {
            prop_assert_eq!(
                table.lookup(&conn.reply()),
                Some(ConnRef { id, direction: Direction::Reply }),
                "reply tuple of {:?}",
                conn
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// (a) Whatever the bytes, `track` answers without panicking, the table never holds
    /// more than `max_connections`, and the answer is self-consistent.
    #[test]
    fn arbitrary_bytes_never_panic_or_overfill(
        max in 0usize..6,
        datagrams in proptest::collection::vec(any_datagram(), 1..60),
        step_ms in 0u64..200_000,
    ) {
        let config = ConntrackConfig { max_connections: max, events: true, ..ConntrackConfig::default() };
        let mut table = Conntrack::new(config, 99);
        let mut now = Duration::ZERO;
        for datagram in &datagrams {
            let tracked = table.track(now, datagram);
            prop_assert!(table.len() <= max);
            prop_assert_eq!(tracked.invalid.is_some(), tracked.state == CtState::Invalid);
            if tracked.created {
                prop_assert_eq!(tracked.state, CtState::New);
                prop_assert_eq!(tracked.conn.map(|c| c.direction), Some(Direction::Original));
            }
            if let Some(conn) = tracked.conn.filter(|_| tracked.state != CtState::Invalid) {
                prop_assert!(table.get(conn.id).is_some());
            }
            prop_assert_eq!(PacketMark::from_u64(tracked.mark().to_u64()), Some(tracked.mark()));
            // Parsing alone agrees with what `track` read.
            prop_assert_eq!(Packet::parse(datagram).ok(), tracked.packet);
            now += Duration::from_millis(step_ms);
            table.handle_timeout(now);
            while table.poll_event().is_some() {}
        }
        assert_index_consistent(&table)?;
    }
}

/// One step of the model check.
#[derive(Clone, Debug)]
enum Op {
    /// A datagram from client `client`:`port` to server `server`:53.
    Query { client: u8, port: u16, server: u8 },
    /// A datagram along the reply tuple of the `which`-th connection.
    Reply { which: usize },
    /// A NAT binds the `which`-th connection's replies to WAN:`port`.
    Bind { which: usize, port: u16 },
    /// The `which`-th connection is removed.
    Remove { which: usize },
    /// Time passes, and the caller handles timeouts.
    Advance { ms: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..4, 1000u16..1006, 0u8..3).prop_map(|(client, port, server)| Op::Query { client, port, server }),
        3 => any::<usize>().prop_map(|which| Op::Reply { which }),
        1 => (any::<usize>(), 40_000u16..40_004).prop_map(|(which, port)| Op::Bind { which, port }),
        1 => any::<usize>().prop_map(|which| Op::Remove { which }),
        2 => (0u64..400_000).prop_map(|ms| Op::Advance { ms }),
    ]
}

/// What the model knows of a connection: its tuples and when it was last refreshed.
#[derive(Clone, Debug)]
struct Model {
    reply: Tuple,
    last: Duration,
    replied: bool,
}

const UDP_TIMEOUT: Duration = Duration::from_secs(300);

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// (b) Random flows, replies, NAT bindings, removals and time: `len()` matches
    /// `iter()`, every connection is found again under both its tuples in the right
    /// direction, and — when the table is big enough never to evict — exactly the
    /// connections a model predicts exist, with the reply tuples it predicts.
    #[test]
    fn the_index_follows_the_connections(
        small in any::<bool>(),
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        let max = if small { 5 } else { 10_000 };
        let mut table = Conntrack::new(ConntrackConfig { max_connections: max, ..ConntrackConfig::default() }, 7);
        let mut model: HashMap<Tuple, Model> = HashMap::new();
        let mut now = Duration::ZERO;
        for op in ops {
            match op {
                Op::Query { client, port, server } => {
                    let src = SocketAddrV4::new(Ipv4Addr::new(192, 168, 1, client + 1), port);
                    let dst = SocketAddrV4::new(Ipv4Addr::new(10, 1, 2, server + 1), 53);
                    let tracked = table.track(now, &udp(src, dst, b"q"));
                    let tuple = tracked.packet.map(|p| p.tuple);
                    prop_assert_eq!(tuple, Some(Tuple::new(IpProtocol::UDP, *src.ip(), port, *dst.ip(), 53)));
                    let tuple = tuple.unwrap_or_else(|| unreachable!());
                    if !small {
                        match model.get_mut(&tuple) {
                            // Surely alive: the datagram refreshes it.
                            Some(entry) if now < entry.last + UDP_TIMEOUT => {
                                prop_assert!(!tracked.created);
                                let expected = if entry.replied { CtState::Established } else { CtState::New };
                                prop_assert_eq!(tracked.state, expected);
                                entry.last = now;
                            }
                            // Within a second of its timeout (rounding): either way.
                            Some(entry) if !tracked.created => entry.last = now,
                            _ => {
                                prop_assert!(tracked.created);
                                prop_assert_eq!(tracked.state, CtState::New);
                                model.insert(tuple, Model { reply: tuple.inverse(), last: now, replied: false });
                            }
                        }
                    }
                }
                Op::Reply { which } => {
                    if table.is_empty() {
                        continue;
                    }
                    let (id, conn) = table.iter().nth(which % table.len()).unwrap_or_else(|| unreachable!());
                    let (reply, original) = (conn.reply(), conn.original());
                    let datagram =
                        udp(SocketAddrV4::new(reply.src, reply.src_port), SocketAddrV4::new(reply.dst, reply.dst_port), b"a");
                    let tracked = table.track(now, &datagram);
                    prop_assert_eq!(tracked.conn, Some(ConnRef { id, direction: Direction::Reply }));
                    prop_assert_eq!(tracked.state, CtState::Established);
                    prop_assert!(table.get(id).is_some_and(|c| c.seen_reply() && c.is_assured()));
                    if let Some(entry) = model.get_mut(&original) {
                        entry.last = now;
                        entry.replied = true;
                    }
                }
                Op::Bind { which, port } => {
                    if table.is_empty() {
                        continue;
                    }
                    let (id, conn) = table.iter().nth(which % table.len()).unwrap_or_else(|| unreachable!());
                    let (original, old_reply) = (conn.original(), conn.reply());
                    let new_reply = Tuple::new(IpProtocol::UDP, original.dst, original.dst_port, WAN, port);
                    let owner = table.lookup(&new_reply);
                    let result = table.set_reply_tuple(id, new_reply);
                    match owner {
                        Some(owner) if owner.id != id => {
                            prop_assert_eq!(result, Err(TupleTaken));
                            prop_assert_eq!(table.get(id).map(|c| c.reply()), Some(old_reply));
                        }
                        _ => {
                            prop_assert_eq!(result, Ok(()));
                            prop_assert_eq!(table.get(id).map(|c| c.reply()), Some(new_reply));
                            if old_reply != new_reply {
                                prop_assert_eq!(table.lookup(&old_reply), None);
                            }
                            if let Some(entry) = model.get_mut(&original) {
                                entry.reply = new_reply;
                            }
                        }
                    }
                }
                Op::Remove { which } => {
                    if table.is_empty() {
                        continue;
                    }
                    let (id, conn) = table.iter().nth(which % table.len()).unwrap_or_else(|| unreachable!());
                    let (original, reply) = (conn.original(), conn.reply());
                    prop_assert!(table.remove(id).is_some());
                    prop_assert!(table.get(id).is_none());
                    prop_assert_eq!(table.lookup(&original), None);
                    prop_assert_eq!(table.lookup(&reply), None);
                    model.remove(&original);
                }
                Op::Advance { ms } => {
                    now += Duration::from_millis(ms);
                    table.handle_timeout(now);
                    for (_, conn) in table.iter() {
                        prop_assert!(conn.expires_at() > now, "{:?} outlived its timeout at {:?}", conn, now);
                    }
                }
            }
            prop_assert!(table.len() <= max);
            assert_index_consistent(&table)?;
            if let Some(earliest) = table.iter().map(|(_, c)| c.expires_at()).min() {
                prop_assert!(table.poll_timeout().is_some_and(|wake| wake <= earliest));
            }
            if !small {
                // Expired in the model (with a second of slack for rounding) are gone;
                // the rest are there, with the model's reply tuple.
                model.retain(|_, entry| now < entry.last + UDP_TIMEOUT + Duration::from_secs(1));
                for (original, entry) in &model {
                    let found = table.lookup(original);
                    if now < entry.last + UDP_TIMEOUT {
                        let found = found.ok_or_else(|| TestCaseError::fail(format!("{original} vanished")))?;
                        prop_assert_eq!(found.direction, Direction::Original);
                        let conn = table.get(found.id).unwrap_or_else(|| unreachable!());
                        prop_assert_eq!(conn.reply(), entry.reply);
                        prop_assert_eq!(conn.seen_reply(), entry.replied);
                    }
                }
                for (_, conn) in table.iter() {
                    prop_assert!(model.contains_key(&conn.original()), "{} is not in the model", conn.original());
                }
            }
        }
    }
}

/// What a datagram built from these fields carries as its tuple.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Tcp,
    Udp,
    EchoRequest,
    EchoReply,
    Other(u8),
}

proptest! {
    /// (c) `Packet::parse` of a datagram built from (protocol, addresses, ports) returns the
    /// tuple it was built with.
    #[test]
    fn parse_returns_the_tuple_a_datagram_was_built_with(
        kind in prop_oneof![
            Just(Kind::Tcp),
            Just(Kind::Udp),
            Just(Kind::EchoRequest),
            Just(Kind::EchoReply),
            any::<u8>().prop_filter("a protocol without ports", |p| ![1, 6, 17].contains(p)).prop_map(Kind::Other),
        ],
        src in any::<u32>().prop_map(Ipv4Addr::from),
        dst in any::<u32>().prop_map(Ipv4Addr::from),
        sport in any::<u16>(),
        dport in any::<u16>(),
        payload in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let (s, d) = (SocketAddrV4::new(src, sport), SocketAddrV4::new(dst, dport));
        let (datagram, expected) = match kind {
            Kind::Tcp => (
                tcp(s, d, Seg::new(TcpFlags::SYN, 7, 0).wscale(3).data(&payload)),
                Tuple::new(IpProtocol::TCP, src, sport, dst, dport),
            ),
            Kind::Udp => (udp(s, d, &payload), Tuple::new(IpProtocol::UDP, src, sport, dst, dport)),
            Kind::EchoRequest => (echo(src, dst, sport, true), Tuple::new(IpProtocol::ICMP, src, sport, dst, sport)),
            Kind::EchoReply => (echo(src, dst, sport, false), Tuple::new(IpProtocol::ICMP, src, sport, dst, sport)),
            Kind::Other(protocol) => (ip(src, dst, IpProtocol(protocol), &payload), Tuple::new(IpProtocol(protocol), src, 0, dst, 0)),
        };
        let packet = Packet::parse(&datagram).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(packet.tuple, expected);
        prop_assert_eq!(packet.len, datagram.len());
        prop_assert_eq!(packet.header_len, 20);
        match (kind, packet.kind) {
            (Kind::Tcp, PacketKind::Tcp(segment)) => {
                prop_assert_eq!(segment.flags, TcpFlags::SYN);
                prop_assert_eq!((segment.seq, segment.window_scale), (7, Some(3)));
                prop_assert_eq!(segment.payload_len as usize, payload.len());
            }
            (Kind::Udp, PacketKind::Udp) | (Kind::Other(_), PacketKind::Other) => {}
            (Kind::EchoRequest, PacketKind::IcmpQuery { request, .. }) => prop_assert!(request),
            (Kind::EchoReply, PacketKind::IcmpQuery { request, .. }) => prop_assert!(!request),
            (kind, other) => prop_assert!(false, "{:?} parsed as {:?}", kind, other),
        }
    }

    /// An ICMP error about a datagram carries that datagram's tuple as its quote.
    #[test]
    fn an_errors_quote_parses_to_the_quoted_datagrams_tuple(
        tcp_quoted in any::<bool>(),
        src in (1u8..224, any::<[u8; 3]>()).prop_map(|(a, [b, c, d])| Ipv4Addr::new(a, b, c, d)),
        dst in (1u8..224, any::<[u8; 3]>()).prop_map(|(a, [b, c, d])| Ipv4Addr::new(a, b, c, d)),
        sport in any::<u16>(),
        dport in any::<u16>(),
    ) {
        prop_assume!(!src.is_loopback() && !dst.is_loopback());
        let (s, d) = (SocketAddrV4::new(src, sport), SocketAddrV4::new(dst, dport));
        let (inner, protocol) = if tcp_quoted {
            (tcp(s, d, Seg::new(TcpFlags::ACK, 1, 1)), IpProtocol::TCP)
        } else {
            (udp(s, d, b"x"), IpProtocol::UDP)
        };
        let error = time_exceeded(ROUTER, &inner);
        let packet = Packet::parse(&error).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match packet.kind {
            PacketKind::IcmpError { quoted, .. } => {
                prop_assert_eq!(quoted, Tuple::new(protocol, src, sport, dst, dport));
            }
            other => prop_assert!(false, "not an error: {:?}", other),
        }
    }

    /// A tuple's inverse is an involution, and ICMP queries keep their identifier in both
    /// port fields through `with_source` / `with_destination`.
    #[test]
    fn tuple_inverse_and_rewrites(
        src in any::<u32>().prop_map(Ipv4Addr::from),
        dst in any::<u32>().prop_map(Ipv4Addr::from),
        id in any::<u16>(),
        new_id in any::<u16>(),
    ) {
        let tuple = Tuple::new(IpProtocol::ICMP, src, id, dst, id);
        prop_assert_eq!(tuple.inverse().inverse(), tuple);
        let rewritten = tuple.with_source(SocketAddrV4::new(WAN, new_id));
        prop_assert_eq!((rewritten.src, rewritten.src_port, rewritten.dst_port), (WAN, new_id, new_id));
        let back = rewritten.inverse().with_destination(SocketAddrV4::new(src, id));
        prop_assert_eq!(back, tuple.inverse());
    }
}
