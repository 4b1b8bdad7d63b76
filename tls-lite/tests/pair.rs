//! tls-lite client ↔ tls-lite server, in memory: both suites, both certificate kinds, the
//! byte stream cut into 1-byte, random and coalesced chunks.

mod common;

use common::{Chunking, Pair, client_config, pki, server_config};
use tls_lite::certgen::KeyKind;
use tls_lite::{CipherSuite, Event, KeyLogLine, ServerCertVerifier};

const SUITES: [CipherSuite; 2] =
    [CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_CHACHA20_POLY1305_SHA256];

fn full_exchange(kind: KeyKind, suite: CipherSuite, chunking: Chunking) {
    let pki = pki(kind);
    let mut pair = Pair::new(client_config(&pki, &SUITES), server_config(&pki, &[suite]), chunking, 1);
    pair.drive().expect("handshake");
    assert!(pair.client.is_handshake_complete() && pair.server.is_handshake_complete());
    assert_eq!(
        pair.client_events[0],
        Event::HandshakeComplete { suite, server_name: Some(common::NAME.to_owned()) }
    );
    assert_eq!(
        pair.server_events[0],
        Event::HandshakeComplete { suite, server_name: Some(common::NAME.to_owned()) }
    );
    // Both sides log the same five secrets.
    let c: Vec<String> = pair.client_keylog.iter().map(ToString::to_string).collect();
    let s: Vec<String> = pair.server_keylog.iter().map(ToString::to_string).collect();
    assert_eq!(c.len(), 5);
    assert_eq!(c, s);

    // Data both ways, a big message spanning records, a key update each way.
    let request = b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n".to_vec();
    pair.client.send_application_data(&request).expect("send");
    pair.drive().expect("request");
    assert_eq!(Pair::app_data(&pair.server_events), request);
    let body: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
    pair.server.send_application_data(&body).expect("send");
    pair.server.key_update(true).expect("key update");
    pair.server.send_application_data(b"after update").expect("send");
    pair.drive().expect("response");
    pair.client.key_update(false).expect("key update");
    pair.client.send_application_data(b"client after update").expect("send");
    pair.drive().expect("more");
    let mut expected = body.clone();
    expected.extend_from_slice(b"after update");
    assert_eq!(Pair::app_data(&pair.client_events), expected);
    assert!(pair.client_events.contains(&Event::PeerKeyUpdated { requested: true }));
    assert!(pair.server_events.contains(&Event::PeerKeyUpdated { requested: false }));
    let mut expected = request.clone();
    expected.extend_from_slice(b"client after update");
    assert_eq!(Pair::app_data(&pair.server_events), expected);

    // close_notify: the server sees PeerClosed, and ignores anything after.
    pair.client.send_close_notify().expect("close");
    assert!(pair.client.send_application_data(b"late").is_err());
    pair.drive().expect("close");
    assert_eq!(pair.server_events.last(), Some(&Event::PeerClosed));
    assert_eq!(pair.server.handle_input(std::time::Duration::ZERO, b"garbage after close"), Ok(19));
}

#[test]
fn every_suite_kind_and_chunking() {
    for kind in [KeyKind::Ed25519, KeyKind::EcdsaP256] {
        for suite in SUITES {
            for chunking in
                [Chunking::OneByte, Chunking::Random(3), Chunking::Random(99), Chunking::Coalesced]
            {
                full_exchange(kind, suite, chunking);
            }
        }
    }
}

#[test]
fn same_seed_same_bytes() {
    let pki = pki(KeyKind::EcdsaP256);
    let run = || {
        let mut pair =
            Pair::new(client_config(&pki, &SUITES), server_config(&pki, &SUITES), Chunking::Coalesced, 42);
        pair.drive().expect("handshake");
        (pair.c2s, pair.s2c)
    };
    assert_eq!(run(), run());
    // And the generated PKI is deterministic too.
    assert_eq!(common::pki(KeyKind::EcdsaP256).server_cert, pki.server_cert);
}

#[test]
fn pinned_key_accepts_and_rejects() {
    let pki = pki(KeyKind::Ed25519);
    let mut config = (*client_config(&pki, &SUITES)).clone();
    config.verifier = ServerCertVerifier::PinnedSpki(pki.server_spki.clone());
    let mut pair =
        Pair::new(std::sync::Arc::new(config.clone()), server_config(&pki, &SUITES), Chunking::Coalesced, 5);
    pair.drive().expect("pinned handshake");
    assert!(pair.client.is_handshake_complete());

    let other = common::pki(KeyKind::EcdsaP256);
    config.verifier = ServerCertVerifier::PinnedSpki(other.server_spki.clone());
    let mut pair =
        Pair::new(std::sync::Arc::new(config), server_config(&pki, &SUITES), Chunking::Coalesced, 5);
    let err = pair.drive().unwrap_err();
    assert_eq!(err.alert(), Some(tls_lite::AlertDescription::BAD_CERTIFICATE));
}

#[test]
fn keylog_lines_have_the_nss_format() {
    let pki = pki(KeyKind::Ed25519);
    let mut pair =
        Pair::new(client_config(&pki, &SUITES), server_config(&pki, &SUITES), Chunking::Coalesced, 9);
    pair.drive().expect("handshake");
    let labels: Vec<&str> = pair.client_keylog.iter().map(|l| l.label).collect();
    assert_eq!(
        labels,
        [
            KeyLogLine::CLIENT_HANDSHAKE,
            KeyLogLine::SERVER_HANDSHAKE,
            KeyLogLine::CLIENT_TRAFFIC_0,
            KeyLogLine::SERVER_TRAFFIC_0,
            KeyLogLine::EXPORTER
        ]
    );
    let line = pair.client_keylog[0].to_string();
    let parts: Vec<&str> = line.split(' ').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[1].len(), 64);
    assert_eq!(parts[2].len(), 64);
    let parsed = KeyLogLine::parse(&line).expect("parses");
    assert_eq!(parsed.1, pair.client_keylog[0].client_random);
}
