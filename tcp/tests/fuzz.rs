//! No-panic property: arbitrary segments (any flags, sequence and ack numbers near or far
//! from the window, any options) fed to a connection in any state, with arbitrary timer
//! jumps and application calls, never panic and never break the sequence invariants.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use bytes::Bytes;
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use tcp::strategies::tcp_options_any;
use tcp::{Config, Connection, IcmpError, IsnGenerator, SeqNumber, TcpFlags, TcpRepr};

const A: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 1000);
const B: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 2), 80);

#[derive(Debug, Clone)]
enum Step {
    Segment { seq_off: i64, ack_off: i64, flags: u16, window: u16, len: usize, options: tcp::TcpOptions },
    Wait(u64),
    Send(usize),
    Read,
    Close,
    Abort,
    Icmp(u8, u16),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (-70_000i64..70_000, -70_000i64..70_000, 0u16..0x200, any::<u16>(), 0usize..3000, tcp_options_any())
            .prop_map(|(seq_off, ack_off, flags, window, len, options)| Step::Segment { seq_off, ack_off, flags, window, len, options }),
        2 => (0u64..200_000).prop_map(Step::Wait),
        1 => (0usize..5000).prop_map(Step::Send),
        1 => Just(Step::Read),
        1 => Just(Step::Close),
        1 => Just(Step::Abort),
        1 => (0u8..16, any::<u16>()).prop_map(|(c, m)| Step::Icmp(c, m)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_segments_never_panic(passive in any::<bool>(), steps in proptest::collection::vec(step(), 1..40)) {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let isn = IsnGenerator::new(&mut rng);
        let mut now = Duration::from_secs(1);
        let peer_isn = SeqNumber(5000);
        let mut conn = if passive {
            let syn = TcpRepr {
                src_port: A.port(), dst_port: B.port(), seq_number: peer_isn, ack_number: SeqNumber(0),
                flags: TcpFlags::SYN, window_len: 8192, urgent_at: 0,
                options: tcp::TcpOptions::EMPTY, payload_len: 0,
            };
            Connection::accept_syn(now, B, A, &syn, Config::default(), &isn)
        } else {
            Connection::connect(now, B, A, Config::default(), &isn)
        };
        while conn.poll_transmit(now).is_some() {}
        for step in steps {
            match step {
                Step::Segment { seq_off, ack_off, flags, window, len, options } => {
                    let base_seq = if passive { peer_isn + 1 } else { conn.rcv_nxt() };
                    let repr = TcpRepr {
                        src_port: A.port(),
                        dst_port: B.port(),
                        seq_number: SeqNumber(base_seq.0.wrapping_add(seq_off as u32)),
                        ack_number: SeqNumber(conn.iss().0.wrapping_add(1).wrapping_add(ack_off as u32)),
                        flags: TcpFlags(flags),
                        window_len: window,
                        urgent_at: 0,
                        options,
                        payload_len: len,
                    };
                    conn.handle_segment(now, &repr, Bytes::from(vec![0xab; len]));
                }
                Step::Wait(ms) => {
                    now += Duration::from_millis(ms);
                    if conn.poll_timeout().is_some_and(|t| t <= now) {
                        conn.handle_timeout(now);
                    }
                }
                Step::Send(n) => { conn.send(&vec![1u8; n]); }
                Step::Read => { while conn.recv().is_some() {} }
                Step::Close => conn.close(),
                Step::Abort => conn.abort(),
                Step::Icmp(code, mtu) => {
                    let error = if code == 4 {
                        IcmpError::FragmentationNeeded { next_hop_mtu: mtu }
                    } else {
                        IcmpError::DestinationUnreachable { code }
                    };
                    conn.handle_icmp_error(now, error);
                }
            }
            let mut sent = 0;
            while let Some(t) = conn.poll_transmit(now) {
                prop_assert_eq!(t.payload.len(), t.repr.payload_len);
                prop_assert!(t.to_bytes().is_ok());
                sent += 1;
                prop_assert!(sent < 10_000, "poll_transmit never ends");
            }
            while conn.poll_event().is_some() {}
        }
    }
}
