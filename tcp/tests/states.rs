//! State-machine tests on virtual time: each RFC 9293 transition, simultaneous open and
//! close, RST validation (RFC 5961), TIME-WAIT, and the timers.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{CLIENT, Faults, Pair, SERVER};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use tcp::{
    Config, Connection, Event, IcmpError, IsnGenerator, KeepAlive, SeqNumber, State, TcpFlags, TcpOptions,
    TcpRepr, reset_for_closed,
};

const MS: Duration = Duration::from_millis(1);
const LATENCY: Duration = Duration::from_millis(10);

fn pair() -> Pair {
    Pair::new(1, Config::default(), Config::default(), LATENCY, Faults::default())
}

fn established() -> Pair {
    let mut p = pair();
    assert!(p.run_until(Duration::from_secs(1), |p| p.a.state() == State::Established
        && p.b.state() == State::Established));
    p.events_a();
    p.events_b();
    p
}

/// A segment from the peer of `conn` (b → a for the client), built by hand.
fn segment(
    conn: &Connection,
    seq: SeqNumber,
    ack: Option<SeqNumber>,
    flags: TcpFlags,
    len: usize,
) -> TcpRepr {
    TcpRepr {
        src_port: conn.remote().port(),
        dst_port: conn.local().port(),
        seq_number: seq,
        ack_number: ack.unwrap_or(SeqNumber(0)),
        flags: if ack.is_some() { flags | TcpFlags::ACK } else { flags },
        window_len: 1000,
        urgent_at: 0,
        options: TcpOptions::EMPTY,
        payload_len: len,
    }
}

fn drain(conn: &mut Connection, now: Duration) -> Vec<TcpRepr> {
    std::iter::from_fn(|| conn.poll_transmit(now)).map(|t| t.repr).collect()
}

#[test]
fn three_way_handshake() {
    let mut p = pair();
    assert_eq!(p.a.state(), State::SynSent);
    assert_eq!(p.b.state(), State::SynReceived);
    // SYN-ACK reaches the client: ESTABLISHED, and its ACK goes out.
    p.step();
    assert_eq!(p.a.state(), State::Established);
    assert_eq!(p.events_a(), [Event::Connected]);
    assert_eq!(p.b.state(), State::SynReceived);
    p.step();
    assert_eq!(p.b.state(), State::Established);
    assert_eq!(p.events_b(), [Event::Connected]);
    // Both offered timestamps, SACK and window scaling, so all are in use.
    assert_eq!(p.a.negotiated(), (true, true, true));
    assert_eq!(p.b.negotiated(), (true, true, true));
    // 1460 minus 12 bytes of timestamp option.
    assert_eq!(p.a.mss(), 1448);
    let syn_ack = p.log.first().map(|(_, _, r)| *r);
    assert!(syn_ack.is_none(), "log is off by default");
}

#[test]
fn options_are_used_only_when_both_sides_offer_them() {
    let mut plain = Config::default();
    plain.timestamps = false;
    plain.sack = false;
    plain.window_scaling = false;
    let mut p = Pair::new(2, Config::default(), plain, LATENCY, Faults::default());
    assert!(p.run_until(Duration::from_secs(1), |p| p.b.state() == State::Established));
    assert_eq!(p.a.negotiated(), (false, false, false));
    assert_eq!(p.b.negotiated(), (false, false, false));
    assert_eq!(p.a.mss(), 1460);
}

#[test]
fn data_both_ways_then_active_close_through_time_wait() {
    let mut p = established();
    assert_eq!(p.a.send(b"GET / HTTP/1.1\r\n\r\n"), 18);
    p.flush();
    assert!(p.run_until(Duration::from_secs(1), |p| p.b.recv_queue_len() == 18));
    assert_eq!(p.b.recv().unwrap(), Bytes::from_static(b"GET / HTTP/1.1\r\n\r\n"));
    assert_eq!(p.b.send(b"HTTP/1.1 200 OK\r\n\r\n"), 19);
    p.flush();
    assert!(p.run_until(Duration::from_secs(1), |p| p.a.recv_queue_len() == 19));

    p.a.close();
    assert_eq!(p.a.state(), State::FinWait1);
    p.flush();
    assert!(p.run_until(Duration::from_secs(1), |p| p.a.state() == State::FinWait2));
    assert_eq!(p.b.state(), State::CloseWait);
    assert!(p.events_b().contains(&Event::PeerClosed));
    assert_eq!(p.b.send(b"late"), 4, "CLOSE-WAIT may still send");
    p.b.close();
    assert_eq!(p.b.state(), State::LastAck);
    p.flush();
    assert!(p.run_until(Duration::from_secs(1), |p| p.b.state() == State::Closed));
    assert_eq!(p.a.state(), State::TimeWait);
    assert!(p.events_b().contains(&Event::Closed));
    let mut buf = [0u8; 64];
    let n = p.a.recv_slice(&mut buf);
    assert_eq!(&buf[..n], b"HTTP/1.1 200 OK\r\n\r\nlate");
    // TIME-WAIT lasts 2×MSL.
    let entered = p.now;
    assert!(p.run_until(Duration::from_secs(120), |p| p.a.state() == State::Closed));
    let waited = p.now - entered;
    assert!(waited >= Duration::from_secs(59) && waited <= Duration::from_secs(61), "{waited:?}");
    assert!(p.events_a().contains(&Event::Closed));
    assert!(p.a.is_closed() && p.b.is_closed());
}

#[test]
fn simultaneous_close_goes_through_closing() {
    let mut p = established();
    p.a.close();
    p.b.close();
    p.flush();
    assert!(p.run_until(Duration::from_secs(1), |p| p.a.state() != State::FinWait1));
    assert_eq!(p.a.state(), State::Closing);
    assert_eq!(p.b.state(), State::Closing);
    assert!(p.run_until(Duration::from_secs(1), |p| p.a.state() == State::TimeWait
        && p.b.state() == State::TimeWait));
    assert!(p.run_until(Duration::from_secs(120), |p| p.a.is_closed() && p.b.is_closed()));
}

#[test]
fn simultaneous_open() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let now = Duration::from_secs(1);
    let a = Connection::connect(now, CLIENT, SERVER, Config::default(), &IsnGenerator::new(&mut rng));
    let b = Connection::connect(now, SERVER, CLIENT, Config::default(), &IsnGenerator::new(&mut rng));
    let mut p = Pair::from_connections(a, b, now, LATENCY);
    p.flush();
    p.step();
    // Each side got a bare SYN: SYN-RECEIVED, answering with SYN-ACK.
    assert_eq!(p.a.state(), State::SynReceived);
    assert_eq!(p.b.state(), State::SynReceived);
    assert!(p.run_until(Duration::from_secs(1), |p| p.a.state() == State::Established
        && p.b.state() == State::Established));
    assert_eq!(p.events_a(), [Event::Connected]);
    assert_eq!(p.events_b(), [Event::Connected]);
    p.a.send(b"x");
    p.flush();
    assert!(p.run_until(Duration::from_secs(1), |p| p.b.recv_queue_len() == 1));
}

#[test]
fn rst_must_match_rcv_nxt_exactly() {
    let mut p = established();
    let now = p.now;
    let rcv_nxt = p.a.rcv_nxt();
    // In the window but not exact: challenge ACK (RFC 5961 §3.2), no reset.
    let rst = segment(&p.a, rcv_nxt + 100, None, TcpFlags::RST, 0);
    p.a.handle_segment(now, &rst, Bytes::new());
    assert_eq!(p.a.state(), State::Established);
    let out = drain(&mut p.a, now);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].flags, TcpFlags::ACK);
    assert_eq!(out[0].ack_number, rcv_nxt);
    // Outside the window: silently dropped.
    let rst = segment(&p.a, rcv_nxt + 10_000_000, None, TcpFlags::RST, 0);
    p.a.handle_segment(now, &rst, Bytes::new());
    assert!(drain(&mut p.a, now).is_empty());
    assert_eq!(p.a.state(), State::Established);
    // Exact: reset.
    let rst = segment(&p.a, rcv_nxt, None, TcpFlags::RST, 0);
    p.a.handle_segment(now, &rst, Bytes::new());
    assert_eq!(p.a.state(), State::Closed);
    assert_eq!(p.events_a(), [Event::Reset]);
}

#[test]
fn syn_in_established_gets_a_challenge_ack() {
    let mut p = established();
    let now = p.now;
    let syn = segment(&p.a, p.a.rcv_nxt(), None, TcpFlags::SYN, 0);
    p.a.handle_segment(now, &syn, Bytes::new());
    assert_eq!(p.a.state(), State::Established);
    let out = drain(&mut p.a, now);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].flags, TcpFlags::ACK);
}

#[test]
fn ack_for_unsent_data_is_answered_and_dropped() {
    let mut p = established();
    let now = p.now;
    let bad = segment(&p.a, p.a.rcv_nxt(), Some(p.a.iss() + 5000), TcpFlags::EMPTY, 0);
    p.a.handle_segment(now, &bad, Bytes::new());
    assert_eq!(drain(&mut p.a, now).len(), 1);
    assert_eq!(p.a.state(), State::Established);
}

#[test]
fn refused_connection_is_reset() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let now = Duration::ZERO;
    let mut a = Connection::connect(now, CLIENT, SERVER, Config::default(), &IsnGenerator::new(&mut rng));
    let syn = a.poll_transmit(now).unwrap();
    // Nobody listens: the stack answers with reset_for_closed.
    let rst = reset_for_closed(syn.src_addr, syn.dst_addr, &syn.repr).unwrap();
    assert_eq!(rst.repr.flags, TcpFlags::RST | TcpFlags::ACK);
    assert_eq!(rst.repr.seq_number, SeqNumber(0));
    assert_eq!(rst.repr.ack_number, a.iss() + 1);
    // A RST never gets a RST.
    assert!(reset_for_closed(rst.src_addr, rst.dst_addr, &rst.repr).is_none());
    // An ACK gets <SEQ=SEG.ACK><CTL=RST>.
    let ack = segment(&a, SeqNumber(5), Some(SeqNumber(77)), TcpFlags::EMPTY, 3);
    let r = reset_for_closed(syn.dst_addr, syn.src_addr, &ack).unwrap();
    assert_eq!((r.repr.seq_number, r.repr.flags), (SeqNumber(77), TcpFlags::RST));
    a.handle_segment(now + MS, &rst.repr, Bytes::new());
    assert_eq!(a.state(), State::Closed);
    assert_eq!(a.poll_event(), Some(Event::Reset));
}

#[test]
fn syn_sent_answers_a_bad_ack_with_rst() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let now = Duration::ZERO;
    let mut a = Connection::connect(now, CLIENT, SERVER, Config::default(), &IsnGenerator::new(&mut rng));
    let _syn = a.poll_transmit(now).unwrap();
    let bad = segment(&a, SeqNumber(1000), Some(a.iss() + 10), TcpFlags::SYN, 0);
    a.handle_segment(now, &bad, Bytes::new());
    let out = drain(&mut a, now);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].flags, out[0].seq_number), (TcpFlags::RST, a.iss() + 10));
    assert_eq!(a.state(), State::SynSent);
    // An unacceptable RST is ignored.
    let rst = segment(&a, SeqNumber(0), Some(a.iss() + 10), TcpFlags::RST, 0);
    a.handle_segment(now, &rst, Bytes::new());
    assert_eq!(a.state(), State::SynSent);
}

#[test]
fn abort_sends_rst_and_the_peer_is_reset() {
    let mut p = established();
    p.a.abort();
    assert_eq!(p.a.state(), State::Closed);
    assert!(!p.a.is_closed(), "the RST is still to be sent");
    p.flush();
    assert!(p.a.is_closed());
    assert!(p.run_until(Duration::from_secs(1), |p| p.b.state() == State::Closed));
    assert_eq!(p.events_b(), [Event::Reset]);
}

#[test]
fn rst_in_syn_received_ends_the_half_open_connection() {
    let mut p = pair();
    let now = p.now;
    let rst = segment(&p.b, p.b.rcv_nxt(), None, TcpFlags::RST, 0);
    p.b.handle_segment(now, &rst, Bytes::new());
    assert_eq!(p.b.state(), State::Closed);
}

#[test]
fn time_wait_acks_a_retransmitted_fin_and_restarts() {
    let mut p = established();
    p.a.close();
    p.flush();
    assert!(p.run_until(Duration::from_secs(1), |p| p.b.state() == State::CloseWait));
    p.b.close();
    p.flush();
    assert!(p.run_until(Duration::from_secs(1), |p| p.a.state() == State::TimeWait));
    let fin_seq = p.a.rcv_nxt() + (u32::MAX as usize); // rcv_nxt - 1
    let later = p.now + Duration::from_secs(30);
    let fin = segment(&p.a, fin_seq, Some(SeqNumber(0)), TcpFlags::FIN, 0);
    p.a.handle_segment(later, &fin, Bytes::new());
    let out = drain(&mut p.a, later);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].ack_number, p.a.rcv_nxt());
    assert_eq!(p.a.poll_timeout(), Some(later + Duration::from_secs(60)));
}

#[test]
fn syn_is_retransmitted_with_backoff_then_times_out() {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let mut now = Duration::ZERO;
    let mut a = Connection::connect(now, CLIENT, SERVER, Config::default(), &IsnGenerator::new(&mut rng));
    let mut sent = vec![];
    loop {
        while let Some(t) = a.poll_transmit(now) {
            assert!(t.repr.flags.syn());
            sent.push(now);
        }
        let Some(next) = a.poll_timeout() else { break };
        now = next;
        a.handle_timeout(now);
    }
    let gaps: Vec<u64> = sent.windows(2).map(|w| (w[1] - w[0]).as_secs()).collect();
    assert_eq!(gaps[..4], [1, 2, 4, 8]);
    assert_eq!(a.state(), State::Closed);
    assert_eq!(a.poll_event(), Some(Event::TimedOut { icmp: None }));
}

#[test]
fn rtt_is_measured_and_rto_follows_rfc_6298() {
    let mut p = established();
    for _ in 0..20 {
        p.a.send(&[0u8; 1000]);
        p.flush();
        p.run_until(Duration::from_secs(2), |p| p.a.send_queue_len() == 0);
    }
    let srtt = p.a.srtt().unwrap();
    assert!(srtt >= 2 * LATENCY && srtt <= 2 * LATENCY + Duration::from_millis(250), "{srtt:?}");
    // SRTT + 4·RTTVAR is well below the 1 s floor.
    assert_eq!(p.a.rto(), Duration::from_secs(1));
}

#[test]
fn a_lost_segment_is_fast_retransmitted() {
    let mut p = established();
    let mut dropped = false;
    p.filter = Some(Box::new(move |to_b, repr| {
        if to_b && repr.payload_len > 0 && !dropped && repr.seq_number.0 % 7 != 9 {
            dropped = true;
            return true;
        }
        false
    }));
    p.a.send(&vec![7u8; 30_000]);
    p.flush();
    assert!(p.run_until(Duration::from_secs(5), |p| p.b.recv_queue_len() == 30_000));
    let stats = p.a.stats();
    assert_eq!(stats.fast_retransmits, 1);
    assert_eq!(stats.timeouts, 0);
    assert!(p.a.ssthresh() < usize::MAX);
}

#[test]
fn zero_window_is_probed_until_the_reader_catches_up() {
    let mut small = Config::default();
    small.recv_buffer = 4096;
    let mut p = Pair::new(7, Config::default(), small, LATENCY, Faults::default());
    assert!(p.run_until(Duration::from_secs(1), |p| p.b.state() == State::Established));
    p.a.send(&vec![1u8; 20_000]);
    p.flush();
    assert!(p.run_until(Duration::from_secs(2), |p| p.b.recv_queue_len() == 4096));
    assert!(p.run_until(Duration::from_secs(2), |p| p.a.send_window() == 0));
    // Nothing is read for a while: the sender probes the zero window.
    let before = p.a.stats().segments_sent;
    p.run_until(Duration::from_secs(10), |_| false);
    let probes = p.a.stats().segments_sent - before;
    assert!((2..10).contains(&probes), "{probes} probes in 10 s");
    assert_eq!(p.b.recv_queue_len(), 4096, "no data beyond the window");
    // The reader drains; the window update restarts the flow.
    let mut total = 0;
    assert!(p.run_until(Duration::from_secs(30), |p| {
        while let Some(c) = p.b.recv() {
            total += c.len();
        }
        p.flush();
        total == 20_000
    }));
}

#[test]
fn nagle_holds_small_segments_while_data_is_unacknowledged() {
    for nagle in [true, false] {
        let mut config = Config::default();
        config.nagle = nagle;
        let mut p = Pair::new(8, config, Config::default(), LATENCY, Faults::default());
        assert!(p.run_until(Duration::from_secs(1), |p| p.b.state() == State::Established));
        let now = p.now;
        p.a.send(b"a");
        assert_eq!(drain(&mut p.a, now).len(), 1);
        p.a.send(b"b");
        p.a.send(b"c");
        let held = drain(&mut p.a, now);
        if nagle {
            assert!(held.is_empty(), "Nagle holds the small segment");
        } else {
            assert_eq!(held.len(), 1);
            assert_eq!(held[0].payload_len, 2);
        }
    }
}

#[test]
fn delayed_ack_waits_for_a_second_segment_or_the_timer() {
    let mut p = established();
    p.keep_log = true;
    p.a.send(b"one");
    p.flush();
    let sent = p.now;
    assert!(p.run_until(Duration::from_secs(1), |p| p.b.recv_queue_len() == 3));
    assert!(p.run_until(Duration::from_secs(1), |p| {
        p.log.iter().any(|(_, to_b, r)| !to_b && r.ack_number == p.a.iss() + 4)
    }));
    let ack_at = p.log.iter().find(|(_, to_b, r)| !to_b && r.ack_number == p.a.iss() + 4).unwrap().0;
    // 10 ms there, 200 ms delay, 10 ms back.
    assert_eq!(ack_at - sent, Duration::from_millis(220));

    // Two full segments are acknowledged at once.
    p.log.clear();
    p.a.send(&vec![0u8; 2 * p.a.mss()]);
    p.flush();
    let sent = p.now;
    let target = p.a.iss() + 4 + 2 * p.a.mss();
    assert!(p.run_until(Duration::from_secs(1), |p| {
        p.log.iter().any(|(_, to_b, r)| !to_b && r.ack_number == target)
    }));
    let ack_at = p.log.iter().find(|(_, to_b, r)| !to_b && r.ack_number == target).unwrap().0;
    assert_eq!(ack_at - sent, 2 * LATENCY);
}

#[test]
fn keep_alive_probes_an_idle_connection_and_times_out_a_dead_peer() {
    let mut config = Config::default();
    config.keep_alive =
        Some(KeepAlive { idle: Duration::from_secs(10), interval: Duration::from_secs(2), probes: 3 });
    let mut p = Pair::new(9, config, Config::default(), LATENCY, Faults::default());
    assert!(p.run_until(Duration::from_secs(1), |p| p.b.state() == State::Established));
    p.keep_log = true;
    // The peer answers the probes: the connection stays up.
    p.run_until(Duration::from_secs(60), |_| false);
    assert_eq!(p.a.state(), State::Established);
    let probes = p.log.iter().filter(|(_, to_b, r)| *to_b && r.seq_number == p.a.iss()).count();
    assert!(probes >= 4, "{probes} probes");
    // The peer vanishes: 3 unanswered probes, then TimedOut.
    p.filter = Some(Box::new(|to_b, _| !to_b));
    let start = p.now;
    assert!(p.run_until(Duration::from_secs(60), |p| p.a.state() == State::Closed));
    assert!(p.now - start <= Duration::from_secs(10 + 2 * 3 + 1));
    assert!(p.events_a().contains(&Event::TimedOut { icmp: None }));
}

#[test]
fn user_timeout_gives_up_on_unacknowledged_data() {
    let mut config = Config::default();
    config.user_timeout = Duration::from_secs(20);
    let mut p = Pair::new(10, config, Config::default(), LATENCY, Faults::default());
    assert!(p.run_until(Duration::from_secs(1), |p| p.b.state() == State::Established));
    p.filter = Some(Box::new(|to_b, _| to_b));
    p.a.handle_icmp_error(p.now, IcmpError::DestinationUnreachable { code: 1 });
    p.a.send(b"hello?");
    p.flush();
    let start = p.now;
    assert!(p.run_until(Duration::from_secs(100), |p| p.a.state() == State::Closed));
    let took = p.now - start;
    assert!(took >= Duration::from_secs(20) && took < Duration::from_secs(40), "{took:?}");
    assert!(
        p.events_a().contains(&Event::TimedOut { icmp: Some(IcmpError::DestinationUnreachable { code: 1 }) })
    );
    assert!(p.a.stats().timeouts >= 3);
}

#[test]
fn fragmentation_needed_lowers_the_mss() {
    let mut p = established();
    assert_eq!(p.a.mss(), 1448);
    p.a.send(&vec![0u8; 3000]);
    let now = p.now;
    let first = drain(&mut p.a, now);
    assert_eq!(first[0].payload_len, 1448);
    p.a.handle_icmp_error(now, IcmpError::FragmentationNeeded { next_hop_mtu: 1280 });
    assert_eq!(p.a.mss(), 1280 - 40 - 12);
    let again = drain(&mut p.a, now);
    assert_eq!(again[0].seq_number, first[0].seq_number, "the oldest segment is resent at once");
    assert_eq!(again[0].payload_len, 1228);
    p.flush();
    assert!(p.run_until(Duration::from_secs(5), |p| p.b.recv_queue_len() == 3000));
}

#[test]
fn port_unreachable_during_the_handshake_ends_it() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let now = Duration::ZERO;
    let mut a = Connection::connect(now, CLIENT, SERVER, Config::default(), &IsnGenerator::new(&mut rng));
    let _ = a.poll_transmit(now);
    a.handle_icmp_error(now, IcmpError::DestinationUnreachable { code: 1 });
    assert_eq!(a.state(), State::SynSent, "host unreachable is soft");
    a.handle_icmp_error(now, IcmpError::DestinationUnreachable { code: 3 });
    assert_eq!(a.state(), State::Closed);
    assert_eq!(a.poll_event(), Some(Event::Unreachable(IcmpError::DestinationUnreachable { code: 3 })));
}

#[test]
fn send_is_refused_after_close_and_bounded_by_the_buffer() {
    let mut config = Config::default();
    config.send_buffer = 1000;
    let mut p = Pair::new(12, config, Config::default(), LATENCY, Faults::default());
    assert_eq!(p.a.send(&[0u8; 1500]), 1000);
    assert_eq!(p.a.send(&[0u8; 10]), 0);
    assert!(p.run_until(Duration::from_secs(2), |p| p.a.send_queue_len() == 0));
    assert!(p.events_a().contains(&Event::Writable));
    p.a.close();
    assert_eq!(p.a.send(b"more"), 0);
}

#[test]
fn challenge_acks_are_rate_limited() {
    let mut p = established();
    let now = p.now;
    let syn = segment(&p.a, p.a.rcv_nxt(), None, TcpFlags::SYN, 0);
    let mut acks = 0;
    for _ in 0..50 {
        p.a.handle_segment(now, &syn, Bytes::new());
        acks += drain(&mut p.a, now).len();
    }
    assert_eq!(acks, 10);
    let later = now + Duration::from_secs(1);
    p.a.handle_segment(later, &syn, Bytes::new());
    assert_eq!(drain(&mut p.a, later).len(), 1);
}

#[test]
fn rst_in_time_wait_is_ignored() {
    let mut p = established();
    p.a.close();
    p.flush();
    assert!(p.run_until(Duration::from_secs(1), |p| p.b.state() == State::CloseWait));
    p.b.close();
    p.flush();
    assert!(p.run_until(Duration::from_secs(1), |p| p.a.state() == State::TimeWait));
    let now = p.now;
    let rst = segment(&p.a, p.a.rcv_nxt(), None, TcpFlags::RST, 0);
    p.a.handle_segment(now, &rst, Bytes::new());
    assert_eq!(p.a.state(), State::TimeWait, "RFC 1337");
}
