//! ICMP errors are RELATED to the flow of the datagram they quote, and travel in the
//! direction opposite to it; errors about unknown flows are INVALID.

mod common;

use conntrack::{
    ConnRef, Conntrack, ConntrackConfig, CtState, Direction, InvalidReason, PacketError, PacketKind,
    TcpState, Tuple,
};
use ipv4::IpProtocol;
use tcp::TcpFlags;

use common::*;

#[test]
fn a_time_exceeded_about_a_udp_datagram_is_related_in_the_reply_direction() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 31);
    let query = udp(ep(CLIENT, 5353), ep(NS1, 53), b"query");
    let id = conn_of(&table.track(secs(0), &query)).id;

    let error = time_exceeded(ROUTER, &query);
    let tracked = table.track(secs(1), &error);
    assert_eq!((tracked.state, tracked.invalid, tracked.created), (CtState::Related, None, false));
    assert_eq!(tracked.conn, Some(ConnRef { id, direction: Direction::Reply }));
    match tracked.packet.unwrap().kind {
        PacketKind::IcmpError { quoted, .. } => {
            assert_eq!(quoted, Tuple::new(IpProtocol::UDP, CLIENT, 5353, NS1, 53));
        }
        other => panic!("not an ICMP error: {other:?}"),
    }
    assert_eq!(table.counters().related, 1);
    assert_eq!(table.len(), 1);
    // An error is not a reply: the flow is still unanswered.
    assert!(!table.get(id).unwrap().seen_reply());
    let next = table.track(secs(2), &query);
    assert_eq!(next.state, CtState::New);
}

#[test]
fn a_port_unreachable_about_a_reply_is_related_in_the_original_direction() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 32);
    let (client, server) = (ep(CLIENT, 5353), ep(NS1, 53));
    let id = conn_of(&table.track(secs(0), &udp(client, server, b"q"))).id;
    let answer = udp(server, client, b"late answer");
    table.track(secs(1), &answer);
    // The client closed its socket; its stack reports the answer's port unreachable.
    let tracked = table.track(secs(2), &port_unreachable(&answer));
    assert_eq!(tracked.state, CtState::Related);
    assert_eq!(tracked.conn, Some(ConnRef { id, direction: Direction::Original }));
}

#[test]
fn errors_about_tcp_and_icmp_query_flows_are_related() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 33);
    let syn = tcp(C, S, Seg::new(TcpFlags::SYN, 1000, 0));
    let tcp_id = conn_of(&table.track(secs(0), &syn)).id;
    let ping = echo(CLIENT, SERVER, 0xbeef, true);
    let ping_id = conn_of(&table.track(secs(0), &ping)).id;

    let tracked = table.track(secs(1), &time_exceeded(ROUTER, &syn));
    assert_eq!(tracked.state, CtState::Related);
    assert_eq!(tracked.conn, Some(ConnRef { id: tcp_id, direction: Direction::Reply }));
    // The error leaves the TCP state alone.
    assert_eq!(table.get(tcp_id).unwrap().tcp_state(), Some(TcpState::SynSent));

    let tracked = table.track(secs(1), &time_exceeded(ROUTER, &ping));
    assert_eq!(tracked.state, CtState::Related);
    assert_eq!(tracked.conn, Some(ConnRef { id: ping_id, direction: Direction::Reply }));
    assert_eq!(table.counters().related, 2);
}

#[test]
fn an_error_quoting_a_translated_datagram_follows_the_nat_reply_tuple() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 34);
    let id = conn_of(&table.track(secs(0), &udp(ep(CLIENT, 5353), ep(NS1, 53), b"q"))).id;
    table.set_reply_tuple(id, Tuple::new(IpProtocol::UDP, NS1, 53, WAN, 40_000)).unwrap();
    // Past the NAT the datagram left as WAN:40000 → NS1:53; a router beyond reports it.
    let translated = udp(ep(WAN, 40_000), ep(NS1, 53), b"q");
    let tracked = table.track(secs(1), &time_exceeded(ROUTER, &translated));
    assert_eq!(tracked.state, CtState::Related);
    assert_eq!(tracked.conn, Some(ConnRef { id, direction: Direction::Reply }));
    // On the LAN side the reply travels untranslated (NS1:53 → client:5353); the client's
    // error about it goes back the original way.
    let lan = table.track(secs(1), &port_unreachable(&udp(ep(NS1, 53), ep(CLIENT, 5353), b"a")));
    assert_eq!(lan.conn, Some(ConnRef { id, direction: Direction::Original }));
}

#[test]
fn an_error_about_an_unknown_flow_is_invalid() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 35);
    table.track(secs(0), &udp(ep(CLIENT, 5353), ep(NS1, 53), b"q"));
    for unknown in [
        udp(ep(CLIENT, 5354), ep(NS1, 53), b"q"),
        udp(ep(CLIENT2, 5353), ep(NS1, 53), b"q"),
        tcp(C, S, Seg::new(TcpFlags::SYN, 1, 0)),
        echo(CLIENT, NS1, 1, true),
    ] {
        let tracked = table.track(secs(1), &time_exceeded(ROUTER, &unknown));
        assert_eq!(tracked.state, CtState::Invalid);
        assert_eq!(tracked.invalid, Some(InvalidReason::NoConnection));
        assert_eq!((tracked.conn, tracked.created), (None, false));
    }
    assert_eq!(table.len(), 1);
    assert_eq!(table.counters().related, 0);
    assert_eq!(table.counters().invalid, 4);
}

#[test]
fn an_error_quoting_an_error_is_unreadable() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 36);
    let query = udp(ep(CLIENT, 5353), ep(NS1, 53), b"q");
    table.track(secs(0), &query);
    let first = time_exceeded(ROUTER, &query);
    // RFC 1122 forbids this, so the builders refuse it: write it by hand.
    let mut message = vec![11, 0, 0, 0, 0, 0, 0, 0];
    message.extend_from_slice(&first[..28]);
    let second = ip(CLIENT, ROUTER, IpProtocol::ICMP, &message);
    let tracked = table.track(secs(1), &second);
    assert_eq!(tracked.state, CtState::Invalid);
    assert_eq!(tracked.invalid, Some(InvalidReason::Unreadable(PacketError::QuotedError)));
}
