//! Idle timeouts on virtual time (the defaults of `Timeouts`), refreshes, and
//! `poll_timeout` / `handle_timeout` as a caller drives them.

mod common;

use core::time::Duration;

use conntrack::{ConnId, Conntrack, ConntrackConfig, CtState, TcpState};
use tcp::TcpFlags;

use common::*;

const TCP_ESTABLISHED: u64 = 2 * 3600 + 4 * 60;
const TRANSITORY: u64 = 4 * 60;
const UDP: u64 = 5 * 60;
const ICMP: u64 = 60;

/// What a well-behaved caller does between packets: wake at every `poll_timeout` up to
/// `to`, call `handle_timeout` then, and finally at `to`.
fn advance(table: &mut Conntrack, to: Duration) {
    for _ in 0..100_000 {
        match table.poll_timeout() {
            Some(deadline) if deadline <= to => table.handle_timeout(deadline),
            _ => {
                table.handle_timeout(to);
                return;
            }
        }
    }
    panic!("poll_timeout does not advance");
}

/// `poll_timeout` is no later than any connection's expiry, so a caller sleeping until it
/// wakes in time for every one.
fn assert_poll_timeout_in_time(table: &Conntrack) {
    let earliest = table.iter().map(|(_, conn)| conn.expires_at()).min();
    match (table.poll_timeout(), earliest) {
        (_, None) => {}
        (None, Some(expiry)) => panic!("no wake-up, but a connection expires at {expiry:?}"),
        (Some(wake), Some(expiry)) => {
            assert!(wake <= expiry, "poll_timeout {wake:?} is later than the earliest expiry {expiry:?}");
        }
    }
}

fn default_table() -> Conntrack {
    Conntrack::new(ConntrackConfig::default(), 41)
}

#[test]
fn a_udp_flow_lives_five_minutes_idle() {
    let mut table = default_table();
    let id = conn_of(&table.track(secs(0), &udp(ep(CLIENT, 1), ep(NS1, 53), b"q"))).id;
    assert_eq!(table.get(id).unwrap().expires_at(), secs(UDP));
    assert_eq!(table.poll_timeout(), Some(secs(UDP)));
    advance(&mut table, secs(UDP - 1));
    assert!(table.get(id).is_some());
    advance(&mut table, secs(UDP + 1));
    assert!(table.get(id).is_none());
    assert!(table.is_empty());
    assert_eq!(table.counters().expired, 1);
    assert_eq!(table.poll_timeout(), None);
}

#[test]
fn handle_timeout_alone_expires_without_poll_timeout() {
    let mut table = default_table();
    let id = conn_of(&table.track(secs(0), &udp(ep(CLIENT, 1), ep(NS1, 53), b"q"))).id;
    table.handle_timeout(secs(299));
    assert!(table.get(id).is_some());
    table.handle_timeout(secs(301));
    assert!(table.get(id).is_none());
}

#[test]
fn traffic_refreshes_a_udp_flow() {
    let mut table = default_table();
    let (client, server) = (ep(CLIENT, 1), ep(NS1, 53));
    let id = conn_of(&table.track(secs(0), &udp(client, server, b"q"))).id;
    advance(&mut table, secs(200));
    table.track(secs(200), &udp(server, client, b"a"));
    assert_eq!(table.get(id).unwrap().expires_at(), secs(200 + UDP));
    assert_poll_timeout_in_time(&table);
    advance(&mut table, secs(301));
    assert!(table.get(id).is_some(), "the reply at 200 s must push the expiry to 500 s");
    advance(&mut table, secs(499));
    assert!(table.get(id).is_some());
    advance(&mut table, secs(501));
    assert!(table.get(id).is_none());
}

#[test]
fn expiry_rounds_a_fractional_time_up() {
    let mut table = default_table();
    let id = conn_of(&table.track(Duration::from_millis(10_500), &udp(ep(CLIENT, 1), ep(NS1, 53), b"q"))).id;
    // Never earlier than 5 min after the packet.
    assert!(table.get(id).unwrap().expires_at() >= Duration::from_millis(10_500 + UDP * 1000));
    advance(&mut table, Duration::from_millis(10_500 + UDP * 1000 - 1));
    assert!(table.get(id).is_some());
    advance(&mut table, secs(11 + UDP));
    assert!(table.get(id).is_none());
}

#[test]
fn an_icmp_query_lives_sixty_seconds() {
    let mut table = default_table();
    let id = conn_of(&table.track(secs(0), &echo(CLIENT, NS1, 1, true))).id;
    table.track(secs(1), &echo(NS1, CLIENT, 1, false));
    assert_eq!(table.get(id).unwrap().expires_at(), secs(1 + ICMP));
    advance(&mut table, secs(ICMP));
    assert!(table.get(id).is_some());
    advance(&mut table, secs(ICMP + 2));
    assert!(table.get(id).is_none());
}

/// A connection at t = 0 s: SYN, SYN-ACK, ACK.
fn established(table: &mut Conntrack, at: Duration) -> ConnId {
    let id = conn_of(&table.track(at, &tcp(C, S, Seg::new(TcpFlags::SYN, 1000, 0)))).id;
    table.track(at, &tcp(S, C, Seg::new(SYN_ACK, 5000, 1001)));
    table.track(at, &tcp(C, S, Seg::new(TcpFlags::ACK, 1001, 5001)));
    assert_eq!(table.get(id).unwrap().tcp_state(), Some(TcpState::Established));
    id
}

/// An orderly close, client first, at `at`: the connection ends in TIME_WAIT.
fn close(table: &mut Conntrack, id: ConnId, at: Duration) {
    for (from, to, seg) in [
        (C, S, Seg::new(FIN_ACK, 1001, 5001)),
        (S, C, Seg::new(TcpFlags::ACK, 5001, 1002)),
        (S, C, Seg::new(FIN_ACK, 5001, 1002)),
        (C, S, Seg::new(TcpFlags::ACK, 1002, 5002)),
    ] {
        let tracked = table.track(at, &tcp(from, to, seg));
        assert_eq!(tracked.invalid, None);
    }
    assert_eq!(table.get(id).unwrap().tcp_state(), Some(TcpState::TimeWait));
}

#[test]
fn an_established_tcp_connection_lives_two_hours_four_minutes_idle() {
    let mut table = default_table();
    let id = established(&mut table, secs(0));
    assert_eq!(table.get(id).unwrap().expires_at(), secs(TCP_ESTABLISHED));
    assert_poll_timeout_in_time(&table);
    advance(&mut table, secs(TCP_ESTABLISHED - 1));
    assert!(table.get(id).is_some());
    advance(&mut table, secs(TCP_ESTABLISHED + 1));
    assert!(table.get(id).is_none());
}

#[test]
fn transitory_tcp_states_live_four_minutes() {
    // An unanswered SYN.
    let mut table = default_table();
    let syn = conn_of(&table.track(secs(0), &tcp(C, S, Seg::new(TcpFlags::SYN, 1000, 0)))).id;
    assert_eq!(table.get(syn).unwrap().expires_at(), secs(TRANSITORY));
    advance(&mut table, secs(TRANSITORY - 1));
    assert!(table.get(syn).is_some());
    advance(&mut table, secs(TRANSITORY + 1));
    assert!(table.get(syn).is_none());

    // SYN_RECV.
    let id = conn_of(&table.track(secs(1000), &tcp(C, S, Seg::new(TcpFlags::SYN, 1000, 0)))).id;
    table.track(secs(1010), &tcp(S, C, Seg::new(SYN_ACK, 5000, 1001)));
    assert_eq!(table.get(id).unwrap().tcp_state(), Some(TcpState::SynReceived));
    assert_eq!(table.get(id).unwrap().expires_at(), secs(1010 + TRANSITORY));

    // TIME_WAIT, closed soon after the handshake.
    let mut table = default_table();
    let id = established(&mut table, secs(0));
    advance(&mut table, secs(100));
    close(&mut table, id, secs(100));
    assert_eq!(table.get(id).unwrap().expires_at(), secs(100 + TRANSITORY));
    assert_poll_timeout_in_time(&table);
    advance(&mut table, secs(100 + TRANSITORY - 1));
    assert!(table.get(id).is_some());
    advance(&mut table, secs(100 + TRANSITORY + 1));
    assert!(table.get(id).is_none());
}

/// A connection established long enough that the caller has already woken once for it
/// (its first expiry entry, the SYN's 4 min, came due and was pushed back to 2 h 4 min),
/// then closed: its timeout shrinks to 4 min, and `poll_timeout` must say so.
#[test]
fn poll_timeout_follows_a_timeout_that_shrinks() {
    let mut table = default_table();
    let id = established(&mut table, secs(0));
    advance(&mut table, secs(1000));
    close(&mut table, id, secs(1000));
    assert_eq!(table.get(id).unwrap().expires_at(), secs(1000 + TRANSITORY));
    assert_poll_timeout_in_time(&table);
}

#[test]
fn time_wait_after_a_long_established_phase_expires_after_four_minutes() {
    let mut table = default_table();
    let id = established(&mut table, secs(0));
    advance(&mut table, secs(1000));
    close(&mut table, id, secs(1000));
    advance(&mut table, secs(1000 + TRANSITORY + 1));
    assert!(table.get(id).is_none(), "TIME_WAIT connection still there: {:?}", table.get(id));
}

#[test]
fn a_reset_after_a_long_established_phase_expires_after_four_minutes() {
    let mut table = default_table();
    let id = established(&mut table, secs(0));
    advance(&mut table, secs(3000));
    let rst = table.track(secs(3000), &tcp(S, C, Seg::new(TcpFlags::RST, 5001, 0)));
    assert_eq!(rst.invalid, None);
    assert_eq!(table.get(id).unwrap().tcp_state(), Some(TcpState::Close));
    assert_poll_timeout_in_time(&table);
    advance(&mut table, secs(3000 + TRANSITORY + 1));
    assert!(table.get(id).is_none());
}

#[test]
fn poll_timeout_is_never_later_than_the_earliest_expiry() {
    let mut table = default_table();
    assert_eq!(table.poll_timeout(), None);
    for i in 0..50u16 {
        let t = secs(u64::from(i) * 7);
        let (client, server) = (ep(CLIENT, 1000 + i), ep(NS1, 53));
        table.track(t, &udp(client, server, b"q"));
        if i % 2 == 0 {
            table.track(t, &echo(CLIENT, NS1, i, true));
        }
        // Refresh an older flow.
        if i >= 5 {
            table.track(t, &udp(server, ep(CLIENT, 1000 + i - 5), b"a"));
        }
        advance(&mut table, t);
        assert_poll_timeout_in_time(&table);
    }
    while !table.is_empty() {
        let wake = table.poll_timeout().expect("a non-empty table has a deadline");
        assert_poll_timeout_in_time(&table);
        table.handle_timeout(wake);
    }
    assert_eq!(table.poll_timeout(), None);
}

#[test]
fn poll_timeout_is_none_on_a_fresh_table_and_after_everything_expired() {
    let mut table = default_table();
    assert_eq!(table.poll_timeout(), None);
    table.handle_timeout(secs(1_000_000));
    assert_eq!(table.poll_timeout(), None);
    table.track(secs(0), &udp(ep(CLIENT, 1), ep(NS1, 53), b"q"));
    assert!(table.poll_timeout().is_some());
    advance(&mut table, secs(10_000));
    assert!(table.is_empty());
    assert_eq!(table.poll_timeout(), None);
}

/// The other ways a table empties (remove, discard) should not leave the caller waking
/// for connections that no longer exist.
#[test]
fn poll_timeout_is_none_once_removed_connections_leave_the_table_empty() {
    let mut table = default_table();
    let a = conn_of(&table.track(secs(0), &udp(ep(CLIENT, 1), ep(NS1, 53), b"q"))).id;
    let b = conn_of(&table.track(secs(0), &udp(ep(CLIENT, 2), ep(NS1, 53), b"q"))).id;
    table.remove(a);
    table.discard_unconfirmed(b);
    assert!(table.is_empty());
    assert_eq!(table.poll_timeout(), None);
}

#[test]
fn invalid_packets_do_not_refresh() {
    let mut table = default_table();
    let id = established(&mut table, secs(0));
    let stray = table.track(secs(100), &tcp(S, C, Seg::new(TcpFlags::ACK, 5001 + (1 << 30), 1001)));
    assert_eq!(stray.state, CtState::Invalid);
    assert_eq!(table.get(id).unwrap().expires_at(), secs(TCP_ESTABLISHED));
}

/// The table holds at most `max_connections`; what it allocates for them must be bounded
/// too, however many flows come and go (DESIGN: every table is bounded). A flood of
/// unanswered flows into a full table — each evicting an older one — must not grow the
/// table's memory with the number of flows.
#[test]
fn memory_stays_bounded_under_a_flood_of_evicting_flows() {
    let mut table = table_with(8, false);
    for i in 0..20_000u32 {
        let src = ep(std::net::Ipv4Addr::from(0x0a00_0000 | (i >> 16)), i as u16);
        let tracked = table.track(secs(u64::from(i / 1000)), &udp(src, ep(NS1, 53), b"x"));
        assert!(tracked.created);
        table.handle_timeout(secs(u64::from(i / 1000)));
    }
    assert_eq!(table.len(), 8);
    assert_eq!(table.counters().evicted, 20_000 - 8);
    let bytes = table.memory_bytes();
    assert!(bytes < 32 * 1024, "a table of 8 connections holds {bytes} bytes after 20,000 evictions");
}

#[test]
fn memory_stays_bounded_when_every_new_connection_is_discarded() {
    // A NAT that drops every new packet (say, no port free) discards each connection it
    // just created.
    let mut table = table_with(8, false);
    for i in 0..20_000u32 {
        let src = ep(std::net::Ipv4Addr::from(0x0a00_0000 | (i >> 16)), i as u16);
        let id = conn_of(&table.track(secs(u64::from(i / 1000)), &udp(src, ep(NS1, 53), b"x"))).id;
        table.discard_unconfirmed(id);
        table.handle_timeout(secs(u64::from(i / 1000)));
    }
    assert!(table.is_empty());
    let bytes = table.memory_bytes();
    assert!(bytes < 32 * 1024, "an empty table holds {bytes} bytes after 20,000 discards");
}

/// Time is an input like the bytes: the latest representable instant must not make the
/// table panic (DESIGN: no panics on any input), only saturate.
#[test]
fn far_future_times_do_not_panic() {
    let mut table = default_table();
    for now in [secs(u64::from(u32::MAX) + 10), secs(u64::MAX - 100), Duration::MAX] {
        let tracked = table.track(now, &udp(ep(CLIENT, 1), ep(NS1, 53), b"q"));
        assert_ne!(tracked.state, CtState::Invalid);
        let _ = table.poll_timeout();
        table.handle_timeout(now);
    }
}
