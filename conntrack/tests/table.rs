//! The connection table: both directions of a flow, UDP and ICMP queries, NAT reply
//! tuples, confirmation, packet marks, events, and the bounded size.

mod common;

use conntrack::{
    ConnRef, Conntrack, ConntrackConfig, ConntrackEvent, CtState, DestroyReason, Direction, InvalidReason,
    PacketMark, Tuple, TupleTaken,
};
use ipv4::IpProtocol;

use common::*;

#[test]
fn both_directions_of_a_udp_flow_find_the_same_connection() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 1);
    let (client, server) = (ep(CLIENT, 5353), ep(NS1, 53));
    let query = table.track(secs(0), &udp(client, server, b"query"));
    assert_eq!((query.state, query.created, query.invalid), (CtState::New, true, None));
    let id = conn_of(&query).id;
    assert_eq!(conn_of(&query).direction, Direction::Original);

    // Before any reply, more datagrams the same way are still NEW, and create nothing.
    let again = table.track(secs(1), &udp(client, server, b"retry"));
    assert_eq!((again.state, again.created), (CtState::New, false));
    assert_eq!(again.conn, Some(ConnRef { id, direction: Direction::Original }));
    assert!(!table.get(id).unwrap().seen_reply());

    let reply = table.track(secs(2), &udp(server, client, b"answer"));
    assert_eq!((reply.state, reply.created), (CtState::Established, false));
    assert_eq!(reply.conn, Some(ConnRef { id, direction: Direction::Reply }));
    let conn = table.get(id).unwrap();
    assert!(conn.seen_reply() && conn.is_assured());
    assert_eq!(conn.state_name(), "REPLIED");

    // After the reply, the original direction is ESTABLISHED too.
    let later = table.track(secs(3), &udp(client, server, b"query 2"));
    assert_eq!(later.state, CtState::Established);
    assert_eq!(table.len(), 1);

    // `lookup` agrees with `track`.
    let original = Tuple::new(IpProtocol::UDP, CLIENT, 5353, NS1, 53);
    assert_eq!(table.get(id).unwrap().original(), original);
    assert_eq!(table.get(id).unwrap().reply(), original.inverse());
    assert_eq!(table.lookup(&original), Some(ConnRef { id, direction: Direction::Original }));
    assert_eq!(table.lookup(&original.inverse()), Some(ConnRef { id, direction: Direction::Reply }));
    // Another port is another flow.
    assert_eq!(table.lookup(&Tuple::new(IpProtocol::UDP, CLIENT, 5354, NS1, 53)), None);
}

#[test]
fn two_flows_between_the_same_hosts_are_two_connections() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 2);
    let a = table.track(secs(0), &udp(ep(CLIENT, 1000), ep(NS1, 53), b"a"));
    let b = table.track(secs(0), &udp(ep(CLIENT, 1001), ep(NS1, 53), b"b"));
    assert!(a.created && b.created);
    assert_ne!(conn_of(&a).id, conn_of(&b).id);
    let reply_b = table.track(secs(1), &udp(ep(NS1, 53), ep(CLIENT, 1001), b"b"));
    assert_eq!(reply_b.conn, Some(ConnRef { id: conn_of(&b).id, direction: Direction::Reply }));
    assert!(!table.get(conn_of(&a).id).unwrap().seen_reply());
    assert_eq!(table.len(), 2);
    assert_eq!(table.counters().created, 2);
}

#[test]
fn icmp_echo_request_and_reply_share_a_connection() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 3);
    let request = table.track(secs(0), &echo(CLIENT, NS1, 0x1234, true));
    assert_eq!((request.state, request.created), (CtState::New, true));
    let id = conn_of(&request).id;
    let conn = table.get(id).unwrap();
    assert_eq!(conn.original(), Tuple::new(IpProtocol::ICMP, CLIENT, 0x1234, NS1, 0x1234));
    assert_eq!(conn.tcp_state(), None);

    let reply = table.track(secs(1), &echo(NS1, CLIENT, 0x1234, false));
    assert_eq!(reply.state, CtState::Established);
    assert_eq!(reply.conn, Some(ConnRef { id, direction: Direction::Reply }));

    // A reply with another identifier belongs to nothing.
    let stray = table.track(secs(1), &echo(NS1, CLIENT, 0x4321, false));
    assert_eq!(stray.state, CtState::Invalid);
    assert_eq!(stray.invalid, Some(InvalidReason::NoConnection));
    assert_eq!(table.len(), 1);
}

#[test]
fn an_echo_reply_without_a_request_is_invalid() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 4);
    let reply = table.track(secs(0), &echo(NS1, CLIENT, 7, false));
    assert_eq!(reply.state, CtState::Invalid);
    assert_eq!(reply.invalid, Some(InvalidReason::NoConnection));
    assert_eq!((reply.conn, reply.created), (None, false));
    assert!(table.is_empty());
    assert_eq!(table.counters().invalid, 1);
    assert_eq!(table.counters().created, 0);
}

#[test]
fn unreadable_datagrams_are_invalid_and_counted() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 5);
    let good = udp(ep(CLIENT, 1), ep(NS1, 53), b"x");
    for bad in [&good[..10], &[][..], &[0x60; 40][..]] {
        let tracked = table.track(secs(0), bad);
        assert_eq!(tracked.state, CtState::Invalid);
        assert!(matches!(tracked.invalid, Some(InvalidReason::Unreadable(_))), "{tracked:?}");
        assert_eq!(tracked.packet, None);
    }
    assert_eq!(table.counters().invalid, 3);
    assert!(table.is_empty());
}

#[test]
fn set_reply_tuple_moves_the_reply_direction() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 6);
    let client = ep(CLIENT, 5353);
    let server = ep(NS1, 53);
    let id = conn_of(&table.track(secs(0), &udp(client, server, b"q"))).id;
    let original = Tuple::new(IpProtocol::UDP, CLIENT, 5353, NS1, 53);
    // Masquerade: replies come back to the router's WAN address and port 40000.
    let nat_reply = Tuple::new(IpProtocol::UDP, NS1, 53, WAN, 40_000);
    assert_eq!(table.set_reply_tuple(id, nat_reply), Ok(()));

    let conn = table.get(id).unwrap();
    assert_eq!((conn.original(), conn.reply()), (original, nat_reply));
    assert_eq!(conn.tuple(Direction::Reply), nat_reply);
    assert_eq!(table.lookup(&nat_reply), Some(ConnRef { id, direction: Direction::Reply }));
    assert_eq!(table.lookup(&original), Some(ConnRef { id, direction: Direction::Original }));
    assert_eq!(table.lookup(&original.inverse()), None, "the old reply tuple must no longer match");
    assert!(!table.contains(&original.inverse()));

    // A reply to the WAN address is the connection's reply; one to the client is not.
    let reply = table.track(secs(1), &udp(server, ep(WAN, 40_000), b"a"));
    assert_eq!(reply.conn, Some(ConnRef { id, direction: Direction::Reply }));
    assert_eq!(reply.state, CtState::Established);
    let unnatted = table.track(secs(1), &udp(server, client, b"a"));
    assert_ne!(unnatted.conn.map(|c| c.id), Some(id));

    // Setting the same tuple again is a no-op that succeeds.
    assert_eq!(table.set_reply_tuple(id, nat_reply), Ok(()));
    assert_eq!(table.lookup(&nat_reply), Some(ConnRef { id, direction: Direction::Reply }));
}

#[test]
fn set_reply_tuple_refuses_a_tuple_another_connection_uses() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 7);
    let a = conn_of(&table.track(secs(0), &udp(ep(CLIENT, 1000), ep(NS1, 53), b"a"))).id;
    let b = conn_of(&table.track(secs(0), &udp(ep(CLIENT2, 2000), ep(NS1, 53), b"b"))).id;
    let a_original = table.get(a).unwrap().original();
    let b_reply = table.get(b).unwrap().reply();
    let b_original = table.get(b).unwrap().original();

    // b's reply tuple, and b's original tuple, are both taken.
    assert_eq!(table.set_reply_tuple(a, b_reply), Err(TupleTaken));
    assert_eq!(table.set_reply_tuple(a, b_original), Err(TupleTaken));

    // Nothing changed.
    assert_eq!(table.get(a).unwrap().reply(), a_original.inverse());
    assert_eq!(table.lookup(&a_original.inverse()), Some(ConnRef { id: a, direction: Direction::Reply }));
    assert_eq!(table.lookup(&b_reply), Some(ConnRef { id: b, direction: Direction::Reply }));
    assert_eq!(table.lookup(&b_original), Some(ConnRef { id: b, direction: Direction::Original }));

    // A removed connection's handle cannot set anything.
    table.remove(b);
    assert_eq!(table.set_reply_tuple(b, Tuple::new(IpProtocol::UDP, NS1, 53, WAN, 1)), Err(TupleTaken));
    // And b's tuple is free now.
    assert_eq!(table.set_reply_tuple(a, b_reply), Ok(()));
    assert_eq!(table.lookup(&b_reply), Some(ConnRef { id: a, direction: Direction::Reply }));
}

#[test]
fn discard_removes_an_unconfirmed_connection_only() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 8);
    let dropped = table.track(secs(0), &udp(ep(CLIENT, 1), ep(NS1, 53), b"x"));
    let id = conn_of(&dropped).id;
    assert!(!table.get(id).unwrap().is_confirmed());
    table.discard_unconfirmed(id);
    assert!(table.get(id).is_none());
    assert!(table.is_empty());
    assert_eq!(table.lookup(&dropped.packet.unwrap().tuple), None);

    let kept = table.track(secs(0), &udp(ep(CLIENT, 2), ep(NS1, 53), b"y"));
    let id = conn_of(&kept).id;
    table.confirm(id);
    assert!(table.get(id).unwrap().is_confirmed());
    table.discard_unconfirmed(id);
    assert!(table.get(id).is_some());
    assert_eq!(table.len(), 1);
}

#[test]
fn a_handle_to_a_removed_connection_never_reaches_its_successor() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 9);
    let old = conn_of(&table.track(secs(0), &udp(ep(CLIENT, 1), ep(NS1, 53), b"x"))).id;
    assert!(table.remove(old).is_some());
    assert!(table.remove(old).is_none());
    let new = conn_of(&table.track(secs(0), &udp(ep(CLIENT, 2), ep(NS1, 53), b"y"))).id;
    assert_ne!(old, new);
    assert!(table.get(old).is_none());
    table.confirm(old);
    assert!(!table.get(new).unwrap().is_confirmed());
    table.discard_unconfirmed(old);
    assert!(table.get(new).is_some());
}

const ALL_STATES: [CtState; 5] =
    [CtState::New, CtState::Established, CtState::Related, CtState::Invalid, CtState::Untracked];

#[test]
fn packet_marks_round_trip_for_every_state_with_and_without_a_connection() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 10);
    // Several connections, some slots reused, so handles have various indexes and
    // generations.
    let mut refs = Vec::new();
    for port in 0..20u16 {
        let tracked = table.track(secs(0), &udp(ep(CLIENT, 1000 + port), ep(NS1, 53), b"x"));
        let conn = conn_of(&tracked);
        if port % 3 == 0 {
            table.remove(conn.id);
        }
        refs.push(conn);
        refs.push(ConnRef { id: conn.id, direction: Direction::Reply });
    }
    let mut seen = std::collections::HashSet::new();
    for state in ALL_STATES {
        let bare = PacketMark { conn: None, state };
        assert_ne!(bare.to_u64(), 0);
        assert_eq!(PacketMark::from_u64(bare.to_u64()), Some(bare));
        assert!(seen.insert(bare.to_u64()), "two marks encode alike: {bare:?}");
        for &conn in &refs {
            let mark = PacketMark { conn: Some(conn), state };
            assert_ne!(mark.to_u64(), 0);
            assert_eq!(PacketMark::from_u64(mark.to_u64()), Some(mark));
            assert!(seen.insert(mark.to_u64()), "two marks encode alike: {mark:?}");
        }
    }
    assert_eq!(PacketMark::from_u64(0), None);
}

#[test]
fn a_tracked_packets_mark_carries_its_connection_and_state() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 11);
    let query = table.track(secs(0), &udp(ep(CLIENT, 1), ep(NS1, 53), b"x"));
    let reply = table.track(secs(0), &udp(ep(NS1, 53), ep(CLIENT, 1), b"y"));
    for tracked in [query, reply] {
        let mark = PacketMark::from_u64(tracked.mark().to_u64()).unwrap();
        assert_eq!((mark.conn, mark.state), (tracked.conn, tracked.state));
        assert!(table.get(mark.conn.unwrap().id).is_some());
    }
}

/// `from_u64` promises `None` for "any number it did not make": a number that decodes must
/// be the one its mark encodes to, or a stray mark (another subsystem's, or garbage) is
/// taken for a conntrack mark.
#[test]
fn packet_marks_reject_numbers_to_u64_never_makes() {
    let mut strays = vec![1u64 << 63 | 5 << 58, 1 << 63 | 7 << 58, u64::MAX];
    // Present, no connection, but handle bits set.
    strays.push(1 << 63 | 0x1234);
    // Present, no connection, but the reply bit set.
    strays.push(1 << 63 | 1 << 61);
    for value in strays {
        if let Some(mark) = PacketMark::from_u64(value) {
            assert_eq!(mark.to_u64(), value, "{value:#x} decodes to {mark:?}, which encodes differently");
        }
    }
}

#[test]
fn a_table_of_unanswered_flows_stays_bounded_by_evicting() {
    let mut table = table_with(8, false);
    for i in 0..1000u32 {
        let src = ep(CLIENT, 1024 + (i as u16));
        let tracked = table.track(secs(u64::from(i) / 10), &udp(src, ep(NS1, 53), b"x"));
        assert_eq!((tracked.state, tracked.created), (CtState::New, true), "flow {i}");
        assert!(table.len() <= 8);
        assert_eq!(table.iter().count(), table.len());
    }
    assert_eq!(table.len(), 8);
    assert_eq!(table.counters().created, 1000);
    assert_eq!(table.counters().evicted, 992);
    assert_eq!(table.counters().refused, 0);
    // The survivors are the newest flows.
    for i in 992..1000u16 {
        assert!(table.contains(&Tuple::new(IpProtocol::UDP, CLIENT, 1024 + i, NS1, 53)));
    }
}

#[test]
fn assured_connections_are_never_evicted() {
    let mut table = table_with(8, false);
    let mut assured = Vec::new();
    for i in 0..4u16 {
        let (client, server) = (ep(CLIENT2, 7000 + i), ep(NS1, 53));
        let id = conn_of(&table.track(secs(0), &udp(client, server, b"q"))).id;
        table.track(secs(0), &udp(server, client, b"a"));
        assert!(table.get(id).unwrap().is_assured());
        assured.push(id);
    }
    for i in 0..1000u16 {
        let tracked = table.track(secs(1), &udp(ep(CLIENT, 1024 + i), ep(NS1, 53), b"x"));
        assert_eq!(tracked.state, CtState::New);
        assert!(table.len() <= 8);
        for &id in &assured {
            assert!(table.get(id).is_some(), "assured connection evicted at flow {i}");
        }
    }
    assert_eq!(table.len(), 8);
    assert_eq!(table.counters().evicted, 1000 - 4);
    assert_eq!(table.iter().filter(|(_, c)| c.is_assured()).count(), 4);
}

#[test]
fn a_table_full_of_assured_connections_refuses_new_flows() {
    let mut table = table_with(8, false);
    for i in 0..8u16 {
        let (client, server) = (ep(CLIENT, 7000 + i), ep(NS1, 53));
        table.track(secs(0), &udp(client, server, b"q"));
        table.track(secs(0), &udp(server, client, b"a"));
    }
    assert_eq!(table.len(), 8);
    let before: Vec<_> = table.iter().map(|(id, _)| id).collect();
    for i in 0..10u16 {
        let tracked = table.track(secs(1), &udp(ep(CLIENT2, 9000 + i), ep(NS1, 53), b"x"));
        assert_eq!(tracked.state, CtState::Invalid);
        assert_eq!(tracked.invalid, Some(InvalidReason::TableFull));
        assert_eq!((tracked.conn, tracked.created), (None, false));
    }
    let echo_request = table.track(secs(1), &echo(CLIENT, NS1, 1, true));
    assert_eq!(echo_request.invalid, Some(InvalidReason::TableFull));
    assert_eq!(table.counters().refused, 11);
    assert_eq!(table.counters().evicted, 0);
    assert_eq!(table.iter().map(|(id, _)| id).collect::<Vec<_>>(), before);
    // Existing connections still work.
    let reply = table.track(secs(2), &udp(ep(NS1, 53), ep(CLIENT, 7003), b"a"));
    assert_eq!(reply.state, CtState::Established);
}

#[test]
fn a_table_of_size_zero_refuses_everything_without_panicking() {
    let mut table = table_with(0, false);
    let tracked = table.track(secs(0), &udp(ep(CLIENT, 1), ep(NS1, 53), b"x"));
    assert_eq!(tracked.invalid, Some(InvalidReason::TableFull));
    assert!(table.is_empty());
}

#[test]
fn events_report_creation_reply_changes_and_destruction_in_order() {
    let mut table = table_with(2, true);
    let a_tuple = Tuple::new(IpProtocol::UDP, CLIENT, 1000, NS1, 53);
    let a = conn_of(&table.track(secs(0), &udp(ep(CLIENT, 1000), ep(NS1, 53), b"a"))).id;
    let nat_reply = Tuple::new(IpProtocol::UDP, NS1, 53, WAN, 40_000);
    table.set_reply_tuple(a, nat_reply).unwrap();
    assert_eq!(table.poll_event(), Some(ConntrackEvent::Created { id: a, tuple: a_tuple }));
    assert_eq!(
        table.poll_event(),
        Some(ConntrackEvent::ReplyChanged { id: a, original: a_tuple, reply: nat_reply })
    );
    assert_eq!(table.poll_event(), None);

    // A second flow fills the table; a third evicts the first (the scan starts at slot 0).
    let b_tuple = Tuple::new(IpProtocol::UDP, CLIENT, 1001, NS1, 53);
    let b = conn_of(&table.track(secs(1), &udp(ep(CLIENT, 1001), ep(NS1, 53), b"b"))).id;
    let c_tuple = Tuple::new(IpProtocol::UDP, CLIENT, 1002, NS1, 53);
    let c = conn_of(&table.track(secs(2), &udp(ep(CLIENT, 1002), ep(NS1, 53), b"c"))).id;
    assert_eq!(table.poll_event(), Some(ConntrackEvent::Created { id: b, tuple: b_tuple }));
    assert_eq!(
        table.poll_event(),
        Some(ConntrackEvent::Destroyed { id: a, tuple: a_tuple, reason: DestroyReason::Evicted })
    );
    assert_eq!(table.poll_event(), Some(ConntrackEvent::Created { id: c, tuple: c_tuple }));
    assert_eq!(table.poll_event(), None);

    // Discarded, removed, expired.
    table.discard_unconfirmed(c);
    table.confirm(b);
    table.discard_unconfirmed(b);
    assert_eq!(
        table.poll_event(),
        Some(ConntrackEvent::Destroyed { id: c, tuple: c_tuple, reason: DestroyReason::Unconfirmed })
    );
    assert_eq!(table.poll_event(), None);
    table.handle_timeout(secs(1 + 300));
    assert_eq!(
        table.poll_event(),
        Some(ConntrackEvent::Destroyed { id: b, tuple: b_tuple, reason: DestroyReason::Expired })
    );
    let d = conn_of(&table.track(secs(400), &echo(CLIENT, NS1, 9, true))).id;
    let d_tuple = Tuple::new(IpProtocol::ICMP, CLIENT, 9, NS1, 9);
    table.remove(d);
    assert_eq!(table.poll_event(), Some(ConntrackEvent::Created { id: d, tuple: d_tuple }));
    assert_eq!(
        table.poll_event(),
        Some(ConntrackEvent::Destroyed { id: d, tuple: d_tuple, reason: DestroyReason::Removed })
    );
    assert_eq!(table.poll_event(), None);
}

#[test]
fn no_events_unless_asked_for() {
    let mut table = table_with(2, false);
    let a = conn_of(&table.track(secs(0), &udp(ep(CLIENT, 1000), ep(NS1, 53), b"a"))).id;
    table.set_reply_tuple(a, Tuple::new(IpProtocol::UDP, NS1, 53, WAN, 1)).unwrap();
    table.remove(a);
    assert_eq!(table.poll_event(), None);
}

#[test]
fn later_fragments_and_other_icmp_are_untracked() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 12);
    let mut repr = ipv4::Ipv4Repr::new(CLIENT, NS1, IpProtocol::UDP, 16);
    repr.frag_offset = 8;
    let fragment = repr.to_bytes(&[0; 16]).unwrap();
    let tracked = table.track(secs(0), &fragment);
    assert_eq!((tracked.state, tracked.conn), (CtState::Untracked, None));
    // A router solicitation (type 10): neither a query nor an error.
    let solicitation = ip(CLIENT, ROUTER, IpProtocol::ICMP, &[10, 0, 0xf5, 0xff, 0, 0, 0, 0]);
    let tracked = table.track(secs(0), &solicitation);
    assert_eq!((tracked.state, tracked.conn), (CtState::Untracked, None));
    assert_eq!(PacketMark::from_u64(tracked.mark().to_u64()), Some(tracked.mark()));
    assert!(table.is_empty());
    assert_eq!(table.counters().invalid, 0);
}

#[test]
fn other_protocols_are_tracked_by_address_pair() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 13);
    let gre = IpProtocol(47);
    let out = table.track(secs(0), &ip(CLIENT, SERVER, gre, &[0; 8]));
    assert_eq!((out.state, out.created), (CtState::New, true));
    let back = table.track(secs(1), &ip(SERVER, CLIENT, gre, &[0; 8]));
    assert_eq!(back.state, CtState::Established);
    assert_eq!(back.conn, Some(ConnRef { id: conn_of(&out).id, direction: Direction::Reply }));
    // Other protocols use `Timeouts::other` (10 min).
    assert_eq!(table.get(conn_of(&out).id).unwrap().expires_at(), secs(1 + 600));
}
