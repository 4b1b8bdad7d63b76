//! Arbitrary frames never panic the stack, and its queues stay within their bounds.

use core::time::Duration;

use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use stack::{IfaceId, Stack, StackConfig};

/// A router with two interfaces, small bounds, and a UDP socket.
fn router() -> Stack {
    let config = StackConfig { max_outbox: 8, max_events: 8, ..StackConfig::router() };
    let mut stack = Stack::new(config, ChaCha8Rng::seed_from_u64(1));
    let left = stack.add_interface("left", "02:00:00:00:00:01".parse().unwrap());
    let right = stack.add_interface("right", "02:00:00:00:00:02".parse().unwrap());
    stack.set_address(left, "10.0.0.1/24".parse().unwrap()).unwrap();
    stack.set_address(right, "10.0.1.1/24".parse().unwrap()).unwrap();
    stack.add_gateway_route("0.0.0.0/0".parse().unwrap(), "10.0.1.254".parse().unwrap(), right).unwrap();
    stack.udp_bind("0.0.0.0:53".parse().unwrap()).unwrap();
    stack
}

/// Frames that get past the NIC's filter: to our MAC or broadcast, mostly IPv4 or ARP,
/// with a mostly-valid IPv4 header so the deeper paths run.
fn frame_any() -> impl Strategy<Value = Vec<u8>> {
    (any::<bool>(), 0u8..3, proptest::collection::vec(any::<u8>(), 20..120)).prop_map(
        |(broadcast, kind, body)| {
            let mut frame = Vec::new();
            frame.extend_from_slice(if broadcast { &[0xff; 6] } else { &[2, 0, 0, 0, 0, 1] });
            frame.extend_from_slice(&[2, 0, 0, 0, 0, 9]);
            frame.extend_from_slice(match kind {
                0 => &[0x08, 0x06],
                _ => &[0x08, 0x00],
            });
            let mut body = body;
            if kind != 0 {
                body[0] = 0x45;
                let len = body.len() as u16;
                body[2..4].copy_from_slice(&len.to_be_bytes());
                body[10..12].fill(0);
                let sum = ipv4::checksum::checksum(&body[..20]);
                body[10..12].copy_from_slice(&sum.to_be_bytes());
            }
            frame.extend_from_slice(&body);
            frame
        },
    )
}

proptest! {
    #[test]
    fn arbitrary_frames_never_panic_and_queues_stay_bounded(
        frames in proptest::collection::vec((frame_any(), any::<bool>()), 1..40),
    ) {
        let mut stack = router();
        let mut now = Duration::ZERO;
        for (frame, on_left) in frames {
            now += Duration::from_millis(300);
            stack.handle_frame(now, IfaceId(if on_left { 0 } else { 1 }), &frame);
            stack.handle_timeout(now);
        }
        let frames_out = std::iter::from_fn(|| stack.poll_transmit()).count();
        let events = std::iter::from_fn(|| stack.poll_event()).count();
        prop_assert!(frames_out <= 8 && events <= 8, "{frames_out} frames, {events} events");
    }
}
