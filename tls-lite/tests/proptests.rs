//! Property tests: message round trips, and no panic (nor unbounded work) on arbitrary
//! bytes fed to the parsers, the client and the server.

mod common;

use std::time::Duration;

use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use tls_lite::certgen::KeyKind;
use tls_lite::msgs::{HandshakeMessage, ext};
use tls_lite::record::RecordHeader;
use tls_lite::strategies::handshake_message_any;
use tls_lite::{CipherSuite, ClientConnection, ContentType, ServerConnection};

const T0: Duration = Duration::ZERO;
const BOTH: [CipherSuite; 2] =
    [CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_CHACHA20_POLY1305_SHA256];

fn fresh() -> (ClientConnection, ServerConnection) {
    let pki = common::pki(KeyKind::Ed25519);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let c = ClientConnection::new(common::client_config(&pki, &BOTH), common::NAME, T0, &mut rng).unwrap();
    let s = ServerConnection::new(common::server_config(&pki, &BOTH), &mut rng).unwrap();
    (c, s)
}

fn flight_c(c: &mut ClientConnection) -> Vec<u8> {
    std::iter::from_fn(|| c.poll_transmit(T0)).flat_map(|b| b.to_vec()).collect()
}

fn flight_s(s: &mut ServerConnection) -> Vec<u8> {
    std::iter::from_fn(|| s.poll_transmit(T0)).flat_map(|b| b.to_vec()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn handshake_messages_round_trip(msg in handshake_message_any()) {
        let bytes = msg.emit();
        prop_assert_eq!(HandshakeMessage::parse(&bytes).unwrap(), msg);
    }

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), typ in any::<u8>()) {
        let _ = HandshakeMessage::parse(&bytes);
        let _ = HandshakeMessage::parse_body(tls_lite::HandshakeType(typ), &bytes);
        let _ = ext::parse_server_name(&bytes);
        let _ = ext::parse_u16_list(&bytes, "x");
        let _ = ext::parse_versions_client(&bytes);
        let _ = ext::parse_version_server(&bytes);
        let _ = ext::parse_key_shares_client(&bytes);
        let _ = ext::parse_key_share_server(&bytes);
        let _ = tls_lite::Alert::parse(&bytes);
        if let Ok(view) = RecordHeader::new_checked(&bytes[..]) {
            let _ = (view.content_type(), view.version(), view.length());
        } else {
            prop_assert!(bytes.len() < 5);
        }
    }

    #[test]
    fn record_header_round_trip(ct in any::<u8>(), version in any::<u16>(), len in any::<u16>()) {
        let h = tls_lite::record::header(ContentType(ct), version, usize::from(len));
        let view = RecordHeader::new_checked(&h[..]).unwrap();
        prop_assert_eq!((view.content_type(), view.version(), view.length()), (ContentType(ct), version, len));
    }

    #[test]
    fn server_survives_arbitrary_input(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..400), 1..6)) {
        let (_, mut s) = fresh();
        for c in &chunks {
            let _ = s.handle_input(T0, c);
            while s.poll_event().is_some() {}
        }
        let _ = flight_s(&mut s);
    }

    #[test]
    fn server_survives_a_mutated_hello(at in any::<prop::sample::Index>(), xor in 1..=255u8) {
        let (mut c, mut s) = fresh();
        let mut hello = flight_c(&mut c);
        let i = at.index(hello.len());
        hello[i] ^= xor;
        let _ = s.handle_input(T0, &hello);
        let _ = flight_s(&mut s);
    }

    #[test]
    fn client_survives_a_mutated_server_flight(at in any::<prop::sample::Index>(), xor in 1..=255u8) {
        let (mut c, mut s) = fresh();
        s.handle_input(T0, &flight_c(&mut c)).unwrap();
        let mut flight = flight_s(&mut s);
        let i = at.index(flight.len());
        flight[i] ^= xor;
        // Any change to the server's flight is caught: by a parser, the transcript
        // (Finished), a signature or an AEAD tag. The handshake never completes.
        let _ = c.handle_input(T0, &flight);
        // Except legacy_record_version of the two plaintext records (ServerHello, CCS),
        // which RFC 8446 §5.1 says to ignore.
        let sh_len = 5 + usize::from(u16::from_be_bytes([flight[3], flight[4]]));
        let ignored = [1, 2, sh_len + 1, sh_len + 2];
        prop_assert_eq!(c.is_handshake_complete(), ignored.contains(&i), "byte {}", i);
    }

    #[test]
    fn client_survives_arbitrary_input(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..400), 1..6)) {
        let (mut c, _) = fresh();
        for ch in &chunks {
            let _ = c.handle_input(T0, ch);
            while c.poll_event().is_some() {}
        }
        let _ = flight_c(&mut c);
    }
}
