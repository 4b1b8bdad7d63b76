//! Properties of the wire format: round trips, no panics on arbitrary bytes, and
//! truncation that always yields a parseable message within the limit.

use dns::strategies::{message_any, name_any};
use dns::{Message, Name};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn message_round_trips(message in message_any()) {
        let bytes = message.to_bytes().unwrap();
        prop_assert!(bytes.len() <= message.buffer_len());
        prop_assert_eq!(Message::parse(&bytes), Ok(message));
    }

    #[test]
    fn name_round_trips_through_text_and_wire(name in name_any()) {
        prop_assert_eq!(Name::from_wire(name.as_wire()), Ok(name.clone()));
        let text = name.to_string();
        let back: Name = text.parse().unwrap();
        prop_assert_eq!(back.as_wire(), name.as_wire());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(message) = Message::parse(&bytes) {
            // Whatever parses re-emits to something that parses to the same message.
            let again = message.to_bytes().unwrap();
            prop_assert_eq!(Message::parse(&again), Ok(message));
        }
    }

    #[test]
    fn mutated_messages_never_panic(message in message_any(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let mut bytes = message.to_bytes().unwrap();
        for (at, value) in flips {
            let len = bytes.len();
            bytes[at % len] = value;
        }
        let _ = Message::parse(&bytes);
    }

    #[test]
    fn truncation_fits_and_parses(message in message_any(), limit in 0usize..2000) {
        let bytes = message.to_bytes_truncated(limit).unwrap();
        let parsed = Message::parse(&bytes).unwrap();
        let limit = limit.max(512);
        let fits = message.to_bytes().unwrap().len() <= limit;
        if fits {
            prop_assert_eq!(parsed, message);
        } else {
            // Only the questions and the OPT record are unconditional.
            prop_assert_eq!(&parsed.questions, &message.questions);
            prop_assert_eq!(parsed.edns(), message.edns());
            let skipped_required = parsed.answers.len() < message.answers.len()
                || parsed.authorities.len() < message.authorities.len();
            prop_assert_eq!(parsed.flags.truncated(), message.flags.truncated() || skipped_required);
            let minimal = 12 + message.questions.iter().map(|q| q.name.wire_len() + 4).sum::<usize>();
            prop_assert!(bytes.len() <= limit || parsed.records().count() == usize::from(message.edns().is_some()) && bytes.len() >= minimal);
        }
    }
}
