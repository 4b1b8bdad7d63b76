//! Property: whatever segments a seeded link loses, reorders or duplicates, the receiver
//! never sees wrong bytes or bytes out of order, and the transfer completes.

mod common;

use std::time::Duration;

use common::{Faults, Pair, test_data};
use proptest::prelude::*;
use tcp::{Config, State};

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_loss_pattern_delivers_exact_bytes_in_order(
        seed in any::<u64>(),
        loss in 0.0f64..0.3,
        reorder in 0.0f64..0.3,
        duplicate in 0.0f64..0.2,
        len in 1usize..60_000,
        small_buffers in any::<bool>(),
    ) {
        let mut config = Config::default();
        // The property is about the bytes, not about giving up under heavy loss.
        config.user_timeout = Duration::from_secs(3600);
        if small_buffers {
            config.recv_buffer = 3000;
            config.send_buffer = 5000;
        }
        let data = test_data(len, seed);
        let mut p = Pair::new(seed, config, config, Duration::from_millis(5), Faults { loss, reorder, duplicate, corrupt: 0.01 });
        let mut sent = 0;
        let mut got: Vec<u8> = Vec::new();
        let done = p.run_until(Duration::from_secs(7200), |p| {
            if p.a.state() == State::Established || p.a.state() == State::SynSent {
                sent += p.a.send(&data[sent..]);
            }
            while let Some(chunk) = p.b.recv() {
                // Every chunk continues exactly where the last one ended.
                assert_eq!(&chunk[..], &data[got.len()..got.len() + chunk.len()]);
                got.extend_from_slice(&chunk);
            }
            p.flush();
            got.len() == data.len()
        });
        prop_assert!(done, "stalled at {} of {} bytes: a {:?} {:?} b {:?} {:?}, now {:?}, next {:?}",
            got.len(), data.len(), p.a.state(), p.a.stats(), p.b.state(), p.b.stats(), p.now, p.next_event());
        prop_assert_eq!(got, data.to_vec());
    }
}

/// Reassembly against the obvious model: pieces of a stream, overlapping and in any
/// order (duplicates included), come out as exactly the stream.
mod reassembly {
    use std::time::Duration;

    use bytes::Bytes;
    use proptest::prelude::*;
    use tcp::{Config, TcpFlags, TcpOptions, TcpRepr};

    use super::common::{Faults, Pair};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn overlapping_pieces_in_any_order_reassemble(
            len in 1usize..20_000,
            cuts in proptest::collection::vec((any::<prop::sample::Index>(), 1usize..3000), 1..60),
            order in any::<u64>(),
        ) {
            let mut config = Config::default();
            config.delayed_ack = None;
            let mut p = Pair::new(order, config, config, Duration::from_millis(1), Faults::default());
            prop_assert!(p.run_until(Duration::from_secs(1), |p| p.b.state() == tcp::State::Established));
            let stream: Vec<u8> = (0..len).map(|i| (i * 13 + i / 7) as u8).collect();
            // Pieces: random ranges plus a cover of the whole stream so it can complete.
            let mut pieces: Vec<(usize, usize)> = cuts.iter().map(|(at, n)| {
                let start = at.index(len);
                (start, (start + n).min(len))
            }).collect();
            pieces.extend((0..len).step_by(1000).map(|s| (s, (s + 1000).min(len))));
            // A seeded shuffle.
            let mut state = order | 1;
            for i in (1..pieces.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                pieces.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let base = p.b.rcv_nxt();
            let now = p.now;
            let mut got = Vec::new();
            for (start, end) in pieces {
                let repr = TcpRepr {
                    src_port: p.b.remote().port(),
                    dst_port: p.b.local().port(),
                    seq_number: base + start,
                    ack_number: p.b.iss() + 1,
                    flags: TcpFlags::ACK,
                    window_len: 1000,
                    urgent_at: 0,
                    options: TcpOptions::EMPTY,
                    payload_len: end - start,
                };
                p.b.handle_segment(now, &repr, Bytes::copy_from_slice(&stream[start..end]));
                while let Some(chunk) = p.b.recv() {
                    got.extend_from_slice(&chunk);
                }
                while p.b.poll_transmit(now).is_some() {}
                prop_assert_eq!(&got[..], &stream[..got.len()], "delivered bytes are a prefix of the stream");
            }
            prop_assert_eq!(got, stream);
        }
    }
}
