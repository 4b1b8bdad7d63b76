//! The listener: passive open through `accept`, RST for stray ACKs, and a bounded
//! backlog under a SYN flood.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use bytes::Bytes;
use common::{CLIENT, SERVER};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use tcp::{
    Backlog, Config, Connection, Event, IsnGenerator, Listener, ListenerEvent, SeqNumber, State, TcpFlags,
    TcpOptions, TcpRepr, Transmit,
};

fn listener(backlog: Backlog) -> Listener {
    let mut rng = ChaCha8Rng::seed_from_u64(20);
    Listener::new(
        SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 443),
        Config::default(),
        IsnGenerator::new(&mut rng),
        backlog,
    )
}

fn to_listener(l: &mut Listener, now: Duration, t: &Transmit) {
    l.handle_segment(now, t.src_addr, t.dst_addr, &t.repr, t.payload.clone());
}

#[test]
fn handshake_through_the_listener_then_accept() {
    let mut l = listener(Backlog::default());
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let now = Duration::ZERO;
    let mut client =
        Connection::connect(now, CLIENT, SERVER, Config::default(), &IsnGenerator::new(&mut rng));
    let syn = client.poll_transmit(now).unwrap();
    to_listener(&mut l, now, &syn);
    assert_eq!(l.half_open_len(), 1);
    assert!(l.accept().is_none());
    let syn_ack = l.poll_transmit(now).unwrap();
    assert_eq!(syn_ack.repr.flags, TcpFlags::SYN | TcpFlags::ACK);
    assert_eq!((syn_ack.src_addr, syn_ack.dst_addr), (*SERVER.ip(), *CLIENT.ip()));
    client.handle_segment(now, &syn_ack.repr, Bytes::new());
    assert_eq!(client.state(), State::Established);
    client.send(b"hello");
    while let Some(t) = client.poll_transmit(now) {
        to_listener(&mut l, now, &t);
    }
    assert_eq!(l.half_open_len(), 0);
    assert_eq!(l.poll_event(), Some(ListenerEvent::Acceptable { remote: CLIENT }));
    let mut server = l.accept().unwrap();
    assert_eq!(server.state(), State::Established);
    assert_eq!(server.local(), SERVER);
    assert_eq!(server.poll_event(), Some(Event::Connected));
    assert_eq!(server.recv().unwrap(), Bytes::from_static(b"hello"));
}

#[test]
fn a_stray_ack_gets_a_rst() {
    let mut l = listener(Backlog::default());
    let ack = TcpRepr {
        src_port: 40000,
        dst_port: 443,
        seq_number: SeqNumber(10),
        ack_number: SeqNumber(999),
        flags: TcpFlags::ACK,
        window_len: 100,
        urgent_at: 0,
        options: TcpOptions::EMPTY,
        payload_len: 0,
    };
    l.handle_segment(Duration::ZERO, *CLIENT.ip(), *SERVER.ip(), &ack, Bytes::new());
    let rst = l.poll_transmit(Duration::ZERO).unwrap();
    assert_eq!((rst.repr.flags, rst.repr.seq_number), (TcpFlags::RST, SeqNumber(999)));
    assert_eq!(l.half_open_len(), 0);
    // A RST is ignored.
    let mut rst_in = ack;
    rst_in.flags = TcpFlags::RST;
    l.handle_segment(Duration::ZERO, *CLIENT.ip(), *SERVER.ip(), &rst_in, Bytes::new());
    assert!(l.poll_transmit(Duration::ZERO).is_none());
}

#[test]
fn syn_flood_stays_within_the_backlog_and_a_real_client_still_connects() {
    let backlog = Backlog { half_open: 64, accept_queue: 8 };
    let mut l = listener(backlog);
    let now = Duration::from_secs(1);
    for i in 0..20_000u32 {
        let syn = TcpRepr {
            src_port: (i % 60_000) as u16 + 1024,
            dst_port: 443,
            seq_number: SeqNumber(i.wrapping_mul(7919)),
            ack_number: SeqNumber(0),
            flags: TcpFlags::SYN,
            window_len: 1000,
            urgent_at: 0,
            options: TcpOptions::EMPTY,
            payload_len: 0,
        };
        let src = Ipv4Addr::from(0x0a00_0000 + i / 1000);
        l.handle_segment(now, src, *SERVER.ip(), &syn, Bytes::new());
        assert!(l.half_open_len() <= 64);
        // The SYN-ACKs go out (to spoofed addresses that never answer).
        while l.poll_transmit(now).is_some() {}
    }
    assert_eq!(l.half_open_len(), 64);
    let evicted = std::iter::from_fn(|| l.poll_event()).count();
    assert_eq!(evicted, 64, "the event queue is bounded too");

    // A real client completes its handshake right after the flood.
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    let mut client =
        Connection::connect(now, CLIENT, SERVER, Config::default(), &IsnGenerator::new(&mut rng));
    let syn = client.poll_transmit(now).unwrap();
    to_listener(&mut l, now, &syn);
    let mut answered = false;
    while let Some(t) = l.poll_transmit(now) {
        if t.dst_addr == *CLIENT.ip() {
            client.handle_segment(now, &t.repr, Bytes::new());
            answered = true;
        }
    }
    assert!(answered);
    while let Some(t) = client.poll_transmit(now) {
        to_listener(&mut l, now, &t);
    }
    assert!(l.accept().is_some());

    // Unanswered SYN-ACKs are retried, then the half-open connections are dropped.
    let mut t = now;
    while let Some(next) = l.poll_timeout() {
        t = next;
        l.handle_timeout(t);
        while l.poll_transmit(t).is_some() {}
    }
    assert_eq!(l.half_open_len(), 0);
    assert!(t - now > Duration::from_secs(60));
}

#[test]
fn a_full_accept_queue_resets_the_newcomer() {
    let mut l = listener(Backlog { half_open: 8, accept_queue: 1 });
    let now = Duration::ZERO;
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    let mut results = vec![];
    for port in [40001, 40002] {
        let local = SocketAddrV4::new(*CLIENT.ip(), port);
        let mut client =
            Connection::connect(now, local, SERVER, Config::default(), &IsnGenerator::new(&mut rng));
        let syn = client.poll_transmit(now).unwrap();
        to_listener(&mut l, now, &syn);
        while let Some(t) = l.poll_transmit(now) {
            client.handle_segment(now, &t.repr, Bytes::new());
        }
        while let Some(t) = client.poll_transmit(now) {
            to_listener(&mut l, now, &t);
        }
        while let Some(t) = l.poll_transmit(now) {
            client.handle_segment(now, &t.repr, Bytes::new());
        }
        results.push(client.state());
    }
    assert_eq!(results, [State::Established, State::Closed]);
    assert_eq!(l.accept_queue_len(), 1);
    let events: Vec<_> = std::iter::from_fn(|| l.poll_event()).collect();
    assert!(
        events.contains(&ListenerEvent::AcceptQueueFull { remote: SocketAddrV4::new(*CLIENT.ip(), 40002) })
    );
}
