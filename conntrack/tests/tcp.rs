//! TCP through the table: the handshake and teardown states, window checks with window
//! scaling, RSTs, and port reuse, on segments built with `tcp::TcpRepr`.

mod common;

use core::time::Duration;

use conntrack::{ConnId, ConnRef, Conntrack, ConntrackConfig, CtState, Direction, InvalidReason, TcpState};
use tcp::TcpFlags;

use common::*;

const ACK: TcpFlags = TcpFlags::ACK;
const SYN: TcpFlags = TcpFlags::SYN;
const RST: TcpFlags = TcpFlags::RST;

/// Client ISN 1000, server ISN 5000: after the handshake the client's next sequence
/// number is 1001 and the server's 5001.
const C_ISN: u32 = 1000;
const S_ISN: u32 = 5000;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A table and a connection after a three-way handshake where both SYNs offered window
/// scale 7 (or, with `server_scale: None`, the server did not), and the client's ACK
/// advertised a raw window of 1000 (128,000 bytes once scaled by 7).
fn handshake(server_scale: Option<u8>) -> (Conntrack, ConnId) {
    let mut table = Conntrack::new(ConntrackConfig::default(), 21);
    let syn = table.track(ms(0), &tcp(C, S, Seg::new(SYN, C_ISN, 0).wscale(7)));
    let id = conn_of(&syn).id;
    let mut syn_ack = Seg::new(SYN_ACK, S_ISN, C_ISN + 1);
    syn_ack.wscale = server_scale;
    let answered = table.track(ms(1), &tcp(S, C, syn_ack));
    assert_eq!(answered.state, CtState::Established, "{answered:?}");
    let ack = table.track(ms(2), &tcp(C, S, Seg::new(ACK, C_ISN + 1, S_ISN + 1).window(1000)));
    assert_eq!(ack.state, CtState::Established, "{ack:?}");
    assert_eq!(table.get(id).unwrap().tcp_state(), Some(TcpState::Established));
    (table, id)
}

fn state(table: &Conntrack, id: ConnId) -> TcpState {
    table.get(id).unwrap().tcp_state().unwrap()
}

#[test]
fn a_full_connection_walks_every_state_from_syn_to_time_wait() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 20);
    let mut t = 0;
    let mut step = |table: &mut Conntrack, from, to, seg| {
        t += 1;
        table.track(ms(t), &tcp(from, to, seg))
    };

    let syn = step(&mut table, C, S, Seg::new(SYN, C_ISN, 0).wscale(7));
    assert_eq!((syn.state, syn.created), (CtState::New, true));
    let id = conn_of(&syn).id;
    assert_eq!(state(&table, id), TcpState::SynSent);
    assert_eq!(table.get(id).unwrap().state_name(), "SYN_SENT");

    // A retransmitted SYN changes nothing.
    let again = step(&mut table, C, S, Seg::new(SYN, C_ISN, 0).wscale(7));
    assert_eq!((again.state, again.created), (CtState::New, false));
    assert_eq!(state(&table, id), TcpState::SynSent);

    let syn_ack = step(&mut table, S, C, Seg::new(SYN_ACK, S_ISN, C_ISN + 1).wscale(7));
    assert_eq!(syn_ack.state, CtState::Established);
    assert_eq!(syn_ack.conn, Some(ConnRef { id, direction: Direction::Reply }));
    assert_eq!(state(&table, id), TcpState::SynReceived);
    assert!(!table.get(id).unwrap().is_assured(), "not assured before the handshake completes");

    let ack = step(&mut table, C, S, Seg::new(ACK, C_ISN + 1, S_ISN + 1).window(1000));
    assert_eq!(ack.state, CtState::Established);
    assert_eq!(state(&table, id), TcpState::Established);
    assert!(table.get(id).unwrap().is_assured());

    // Data both ways.
    let request = [b'G'; 300];
    let data = step(&mut table, C, S, Seg::new(PSH_ACK, C_ISN + 1, S_ISN + 1).window(1000).data(&request));
    assert_eq!((data.state, data.invalid), (CtState::Established, None));
    let response = [b'H'; 1400];
    let data = step(&mut table, S, C, Seg::new(PSH_ACK, S_ISN + 1, C_ISN + 301).window(500).data(&response));
    assert_eq!((data.state, data.invalid), (CtState::Established, None));
    step(&mut table, C, S, Seg::new(ACK, C_ISN + 301, S_ISN + 1401).window(1000));
    assert_eq!(state(&table, id), TcpState::Established);

    // The client closes first.
    let fin = step(&mut table, C, S, Seg::new(FIN_ACK, C_ISN + 301, S_ISN + 1401).window(1000));
    assert_eq!(fin.invalid, None);
    assert_eq!(state(&table, id), TcpState::FinWait);
    step(&mut table, S, C, Seg::new(ACK, S_ISN + 1401, C_ISN + 302).window(500));
    assert_eq!(state(&table, id), TcpState::CloseWait);
    let fin = step(&mut table, S, C, Seg::new(FIN_ACK, S_ISN + 1401, C_ISN + 302).window(500));
    assert_eq!(fin.invalid, None);
    assert_eq!(state(&table, id), TcpState::LastAck);
    let last = step(&mut table, C, S, Seg::new(ACK, C_ISN + 302, S_ISN + 1402).window(1000));
    assert_eq!((last.state, last.invalid), (CtState::Established, None));
    assert_eq!(state(&table, id), TcpState::TimeWait);
    assert_eq!(table.get(id).unwrap().state_name(), "TIME_WAIT");
    assert_eq!(table.counters().invalid, 0);

    // The same four-tuple, a new SYN: a new connection replaces the old one.
    let reuse = step(&mut table, C, S, Seg::new(SYN, 900_000, 0).wscale(7));
    assert_eq!((reuse.state, reuse.created, reuse.invalid), (CtState::New, true, None));
    let new_id = conn_of(&reuse).id;
    assert_ne!(new_id, id);
    assert_eq!(conn_of(&reuse).direction, Direction::Original);
    assert!(table.get(id).is_none());
    assert_eq!(state(&table, new_id), TcpState::SynSent);
    assert_eq!(table.len(), 1);
}

#[test]
fn the_last_ack_must_cover_the_second_fin() {
    let (mut table, id) = handshake(Some(7));
    table.track(ms(3), &tcp(C, S, Seg::new(FIN_ACK, C_ISN + 1, S_ISN + 1).window(1000)));
    table.track(ms(4), &tcp(S, C, Seg::new(FIN_ACK, S_ISN + 1, C_ISN + 2)));
    assert_eq!(state(&table, id), TcpState::LastAck);
    // An ACK of the first FIN's era, not of the server's FIN.
    table.track(ms(5), &tcp(C, S, Seg::new(ACK, C_ISN + 2, S_ISN + 1).window(1000)));
    assert_eq!(state(&table, id), TcpState::LastAck);
    table.track(ms(6), &tcp(C, S, Seg::new(ACK, C_ISN + 2, S_ISN + 2).window(1000)));
    assert_eq!(state(&table, id), TcpState::TimeWait);
}

#[test]
fn data_inside_the_scaled_window_is_accepted() {
    let (mut table, id) = handshake(Some(7));
    // The client allowed 1000 << 7 = 128,000 bytes past S_ISN + 1: a segment starting
    // 120,000 bytes in is inside, though far beyond the raw window field (1000) and the
    // largest unscaled window (65,535).
    let seg = Seg::new(ACK, S_ISN + 1 + 120_000, C_ISN + 1).data(&[0; 1000]);
    let tracked = table.track(ms(3), &tcp(S, C, seg));
    assert_eq!((tracked.state, tracked.invalid), (CtState::Established, None));
    assert_eq!(tracked.conn, Some(ConnRef { id, direction: Direction::Reply }));
}

#[test]
fn data_beyond_the_scaled_window_is_out_of_window_and_changes_nothing() {
    let (mut table, id) = handshake(Some(7));
    let before = table.get(id).unwrap().clone();
    for offset in [130_000, 200_000, 1 << 30] {
        let seg = Seg::new(ACK, S_ISN + 1 + offset, C_ISN + 1).data(&[0; 100]);
        let tracked = table.track(ms(3), &tcp(S, C, seg));
        assert_eq!(tracked.state, CtState::Invalid, "offset {offset}");
        assert_eq!(tracked.invalid, Some(InvalidReason::OutOfWindow), "offset {offset}");
        // The packet still names its connection, for logging.
        assert_eq!(tracked.conn, Some(ConnRef { id, direction: Direction::Reply }));
    }
    assert_eq!(table.get(id).unwrap(), &before, "an invalid segment must not touch the connection");
    assert_eq!(table.counters().invalid, 3);
    // The connection still accepts in-window data.
    let ok = table.track(ms(4), &tcp(S, C, Seg::new(ACK, S_ISN + 1, C_ISN + 1).data(&[0; 100])));
    assert_eq!(ok.invalid, None);
}

#[test]
fn window_scaling_is_off_unless_both_syns_offer_it() {
    // The server's SYN-ACK has no window scale option: RFC 7323 §2.2 turns scaling off
    // both ways, so the client's raw window of 1000 is 1000 bytes, and 120,000 bytes in is
    // beyond anything the client allowed.
    let (mut table, _) = handshake(None);
    let seg = Seg::new(ACK, S_ISN + 1 + 120_000, C_ISN + 1).data(&[0; 1000]);
    let tracked = table.track(ms(3), &tcp(S, C, seg));
    assert_eq!(tracked.invalid, Some(InvalidReason::OutOfWindow));
}

#[test]
fn an_ack_for_data_never_sent_is_out_of_window() {
    let (mut table, id) = handshake(Some(7));
    let before = table.get(id).unwrap().clone();
    // The server has sent nothing past its SYN (S_ISN + 1); far beyond is invalid…
    let far = table.track(ms(3), &tcp(C, S, Seg::new(ACK, C_ISN + 1, S_ISN + 10_001).window(1000)));
    assert_eq!(far.invalid, Some(InvalidReason::OutOfWindow));
    // …and so is acknowledging even one byte the server never sent (RFC 9293 §3.10.7.4:
    // SEG.ACK > SND.NXT is not acceptable; Linux: "ACK is over upper bound").
    let one = table.track(ms(4), &tcp(C, S, Seg::new(ACK, C_ISN + 1, S_ISN + 2).window(1000)));
    assert_eq!(one.invalid, Some(InvalidReason::OutOfWindow), "{one:?}");
    assert_eq!(table.get(id).unwrap(), &before);
}

#[test]
fn a_rst_outside_the_window_is_invalid_and_leaves_the_state() {
    let (mut table, id) = handshake(Some(7));
    let expiry = table.get(id).unwrap().expires_at();
    for seq in [S_ISN + 1 + 3_000_000, S_ISN.wrapping_sub(3_000_000)] {
        let blind = table.track(ms(3), &tcp(S, C, Seg::new(RST, seq, 0)));
        assert_eq!(blind.state, CtState::Invalid);
        assert_eq!(blind.invalid, Some(InvalidReason::OutOfWindow));
        assert_eq!(state(&table, id), TcpState::Established);
    }
    // Nor is the timeout shortened to the reset timeout.
    assert_eq!(table.get(id).unwrap().expires_at(), expiry);
}

#[test]
fn a_rst_in_the_window_closes_the_connection() {
    let (mut table, id) = handshake(Some(7));
    let rst = table.track(secs(10), &tcp(S, C, Seg::new(RST, S_ISN + 1, 0)));
    assert_eq!((rst.state, rst.invalid), (CtState::Established, None));
    assert_eq!(state(&table, id), TcpState::Close);
    assert_eq!(table.get(id).unwrap().state_name(), "CLOSE");
    // The reset timeout (4 min) replaces the established one.
    assert_eq!(table.get(id).unwrap().expires_at(), secs(10 + 240));

    // A new SYN on the closed tuple opens a new connection.
    let reuse = table.track(secs(11), &tcp(C, S, Seg::new(SYN, 77_000, 0)));
    assert_eq!((reuse.state, reuse.created), (CtState::New, true));
    assert_ne!(conn_of(&reuse).id, id);
    assert!(table.get(id).is_none());
    assert_eq!(state(&table, conn_of(&reuse).id), TcpState::SynSent);
}

#[test]
fn a_rst_refusing_the_syn_must_acknowledge_it() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 22);
    let id = conn_of(&table.track(ms(0), &tcp(C, S, Seg::new(SYN, C_ISN, 0)))).id;
    let wrong = table.track(ms(1), &tcp(S, C, Seg::new(RST_ACK, 0, C_ISN + 77)));
    assert_eq!(wrong.state, CtState::Invalid);
    assert_eq!(state(&table, id), TcpState::SynSent);
    let refused = table.track(ms(2), &tcp(S, C, Seg::new(RST_ACK, 0, C_ISN + 1)));
    assert_eq!(refused.invalid, None);
    assert_eq!(state(&table, id), TcpState::Close);
}

#[test]
fn a_syn_on_an_established_connection_does_not_reopen_it() {
    let (mut table, id) = handshake(Some(7));
    let syn = table.track(ms(3), &tcp(C, S, Seg::new(SYN, 123_456, 0)));
    assert_eq!((syn.state, syn.created), (CtState::Invalid, false));
    assert_eq!(syn.invalid, Some(InvalidReason::TcpOutOfState));
    assert_eq!(state(&table, id), TcpState::Established);
    assert_eq!(table.len(), 1);
}

#[test]
fn segments_that_cannot_open_a_connection_are_invalid() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 23);
    let ack = table.track(ms(0), &tcp(C, S, Seg::new(ACK, 1, 1)));
    assert_eq!(ack.invalid, Some(InvalidReason::NoConnection));
    let syn_fin = table.track(ms(0), &tcp(C, S, Seg::new(TcpFlags(SYN.0 | TcpFlags::FIN.0), 1, 0)));
    assert_eq!(syn_fin.invalid, Some(InvalidReason::BadTcpFlags));
    let nothing = table.track(ms(0), &tcp(C, S, Seg::new(TcpFlags::EMPTY, 1, 0)));
    assert_eq!(nothing.invalid, Some(InvalidReason::BadTcpFlags));
    let syn_ack = table.track(ms(0), &tcp(S, C, Seg::new(SYN_ACK, 1, 1)));
    assert_eq!(syn_ack.invalid, Some(InvalidReason::NoConnection));
    assert!(table.is_empty());
    assert_eq!(table.counters().invalid, 4);

    // An ACK from the server before any SYN-ACK.
    let id = conn_of(&table.track(ms(1), &tcp(C, S, Seg::new(SYN, C_ISN, 0)))).id;
    let early = table.track(ms(2), &tcp(S, C, Seg::new(ACK, S_ISN, C_ISN + 1)));
    assert_eq!(early.invalid, Some(InvalidReason::TcpOutOfState));
    assert_eq!(state(&table, id), TcpState::SynSent);
    assert!(!table.get(id).unwrap().seen_reply());
}

#[test]
fn an_unanswered_syn_is_evictable_and_an_established_connection_is_not() {
    let mut table = Conntrack::new(ConntrackConfig { max_connections: 2, ..ConntrackConfig::default() }, 24);
    let syn = conn_of(&table.track(ms(0), &tcp(ep(CLIENT2, 1), S, Seg::new(SYN, 1, 0)))).id;
    let c = ep(CLIENT, 2);
    let est = conn_of(&table.track(ms(0), &tcp(c, S, Seg::new(SYN, C_ISN, 0)))).id;
    table.track(ms(1), &tcp(S, c, Seg::new(SYN_ACK, S_ISN, C_ISN + 1)));
    table.track(ms(2), &tcp(c, S, Seg::new(ACK, C_ISN + 1, S_ISN + 1)));
    assert!(table.get(est).unwrap().is_assured());
    let third = table.track(ms(3), &tcp(ep(CLIENT, 3), S, Seg::new(SYN, 9, 0)));
    assert!(third.created);
    assert!(table.get(syn).is_none(), "the unanswered SYN makes room");
    assert!(table.get(est).is_some());
    assert_eq!(table.counters().evicted, 1);
}
