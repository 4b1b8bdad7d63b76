//! Interop with rustls 0.23 (ring provider) in process, both directions, both suites,
//! both certificate kinds; rustls's key log and ours agree line for line, in order.

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use rustls::crypto::ring as provider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tls_lite::certgen::{self, KeyKind, TestPki};
use tls_lite::{CipherSuite, ClientConnection, Event, ServerConnection};

#[derive(Debug, Default)]
struct Lines(Mutex<Vec<String>>);

impl rustls::KeyLog for Lines {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        self.0.lock().unwrap().push(format!("{label} {} {}", hex(client_random), hex(secret)));
    }
}

fn rustls_provider(suite: CipherSuite) -> Arc<rustls::crypto::CryptoProvider> {
    let s = match suite {
        CipherSuite::TLS_AES_128_GCM_SHA256 => provider::cipher_suite::TLS13_AES_128_GCM_SHA256,
        _ => provider::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
    };
    Arc::new(rustls::crypto::CryptoProvider {
        cipher_suites: vec![s],
        kx_groups: vec![provider::kx_group::X25519],
        ..provider::default_provider()
    })
}

/// Pumps records between a rustls connection and a tls-lite one until both are quiet.
fn pump(
    rl: &mut (impl std::ops::DerefMut<Target = rustls::ConnectionCommon<impl rustls::SideData>> + ?Sized),
    lite_tx: &mut dyn FnMut() -> Vec<u8>,
    lite_rx: &mut dyn FnMut(&[u8]),
) {
    for _ in 0..50 {
        let mut out = Vec::new();
        while rl.wants_write() {
            rl.write_tls(&mut out).unwrap();
        }
        lite_rx(&out);
        let back = lite_tx();
        let mut at = &back[..];
        while !at.is_empty() {
            rl.read_tls(&mut at).unwrap();
            rl.process_new_packets().unwrap();
        }
        if out.is_empty() && back.is_empty() {
            return;
        }
    }
    panic!("no quiescence");
}

fn lite_server_with_rustls_client(pki: &TestPki, suite: CipherSuite) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(pki.ca_cert.to_vec())).unwrap();
    let keylog = Arc::new(Lines::default());
    let mut config = rustls::ClientConfig::builder_with_provider(rustls_provider(suite))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.key_log = keylog.clone();
    let mut rl =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from(common::NAME).unwrap()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut lite = ServerConnection::new(common::server_config(pki, &[suite]), &mut rng).unwrap();
    let events = std::cell::RefCell::new(Vec::new());
    let lite = std::cell::RefCell::new(&mut lite);
    let mut tx = || {
        let mut v = Vec::new();
        while let Some(r) = lite.borrow_mut().poll_transmit(Duration::ZERO) {
            v.extend_from_slice(&r);
        }
        v
    };
    let mut rx = |b: &[u8]| {
        let mut l = lite.borrow_mut();
        l.handle_input(Duration::ZERO, b).unwrap();
        while let Some(e) = l.poll_event() {
            events.borrow_mut().push(e);
        }
    };
    pump(&mut rl, &mut tx, &mut rx);
    assert!(!rl.is_handshaking());
    assert_eq!(rl.negotiated_cipher_suite().unwrap().suite(), rustls::CipherSuite::from(suite.0));
    rl.writer().write_all(b"hello from rustls").unwrap();
    pump(&mut rl, &mut tx, &mut rx);
    lite.borrow_mut().send_application_data(b"hello from tls-lite").unwrap();
    lite.borrow_mut().key_update(true).unwrap();
    lite.borrow_mut().send_application_data(b" after update").unwrap();
    pump(&mut rl, &mut tx, &mut rx);
    let mut got = vec![0; 64];
    let n = rl.reader().read(&mut got).unwrap();
    assert_eq!(&got[..n], b"hello from tls-lite after update");
    rl.send_close_notify();
    pump(&mut rl, &mut tx, &mut rx);
    let ev = events.borrow();
    assert!(matches!(ev[0], Event::HandshakeComplete { .. }));
    assert_eq!(ev[1], Event::ApplicationData(bytes::Bytes::from_static(b"hello from rustls")));
    assert_eq!(ev.last(), Some(&Event::PeerClosed));
    let mut ours = Vec::new();
    while let Some(l) = lite.borrow_mut().poll_keylog() {
        ours.push(l.to_string());
    }
    assert_eq!(ours.len(), 5);
    assert_eq!(ours, keylog.0.lock().unwrap().clone());
}

fn lite_client_with_rustls_server(pki: &TestPki, suite: CipherSuite) {
    let keylog = Arc::new(Lines::default());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certgen::key_pkcs8_der(&pki.server_key)));
    let mut config = rustls::ServerConfig::builder_with_provider(rustls_provider(suite))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(pki.server_cert.to_vec())], key)
        .unwrap();
    config.key_log = keylog.clone();
    let mut rl = rustls::ServerConnection::new(Arc::new(config)).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let both = [CipherSuite::TLS_CHACHA20_POLY1305_SHA256, CipherSuite::TLS_AES_128_GCM_SHA256];
    let mut lite =
        ClientConnection::new(common::client_config(pki, &both), common::NAME, Duration::ZERO, &mut rng)
            .unwrap();
    let events = std::cell::RefCell::new(Vec::new());
    let lite = std::cell::RefCell::new(&mut lite);
    let mut tx = || {
        let mut v = Vec::new();
        while let Some(r) = lite.borrow_mut().poll_transmit(Duration::ZERO) {
            v.extend_from_slice(&r);
        }
        v
    };
    let mut rx = |b: &[u8]| {
        let mut l = lite.borrow_mut();
        l.handle_input(Duration::ZERO, b).unwrap();
        while let Some(e) = l.poll_event() {
            events.borrow_mut().push(e);
        }
    };
    // The client speaks first: start by draining its ClientHello into rustls.
    let hello = tx();
    let mut at = &hello[..];
    while !at.is_empty() {
        rl.read_tls(&mut at).unwrap();
    }
    rl.process_new_packets().unwrap();
    pump(&mut rl, &mut tx, &mut rx);
    assert!(!rl.is_handshaking());
    assert_eq!(rl.server_name(), Some(common::NAME));
    lite.borrow_mut().send_application_data(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    lite.borrow_mut().key_update(true).unwrap();
    lite.borrow_mut().send_application_data(b"more").unwrap();
    pump(&mut rl, &mut tx, &mut rx);
    let mut got = vec![0; 64];
    let n = rl.reader().read(&mut got).unwrap();
    assert_eq!(&got[..n], b"GET / HTTP/1.1\r\n\r\nmore");
    rl.writer().write_all(b"HTTP/1.1 200 OK\r\n\r\n").unwrap();
    rl.send_close_notify();
    pump(&mut rl, &mut tx, &mut rx);
    let ev = events.borrow();
    assert_eq!(ev[0], Event::HandshakeComplete { suite, server_name: Some(common::NAME.to_owned()) });
    assert!(ev.contains(&Event::ApplicationData(bytes::Bytes::from_static(b"HTTP/1.1 200 OK\r\n\r\n"))));
    assert!(ev.contains(&Event::PeerKeyUpdated { requested: false }));
    assert_eq!(ev.last(), Some(&Event::PeerClosed));
    let mut ours = Vec::new();
    while let Some(l) = lite.borrow_mut().poll_keylog() {
        ours.push(l.to_string());
    }
    assert_eq!(ours, keylog.0.lock().unwrap().clone());
}

const SUITES: [CipherSuite; 2] =
    [CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_CHACHA20_POLY1305_SHA256];

#[test]
fn rustls_client_to_tls_lite_server() {
    for kind in [KeyKind::Ed25519, KeyKind::EcdsaP256] {
        let pki = common::pki(kind);
        for suite in SUITES {
            lite_server_with_rustls_client(&pki, suite);
        }
    }
}

#[test]
fn tls_lite_client_to_rustls_server() {
    for kind in [KeyKind::Ed25519, KeyKind::EcdsaP256] {
        let pki = common::pki(kind);
        for suite in SUITES {
            // ECDSA signatures from ring use random nonces: run a few to hit high-S values.
            for _ in 0..4 {
                lite_client_with_rustls_server(&pki, suite);
            }
        }
    }
}

#[test]
fn client_without_x25519_gets_handshake_failure() {
    // rustls offering only secp256r1: tls-lite would need a HelloRetryRequest it does not
    // implement, and answers handshake_failure, which rustls reports.
    let pki = common::pki(KeyKind::Ed25519);
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(pki.ca_cert.to_vec())).unwrap();
    let provider = Arc::new(rustls::crypto::CryptoProvider {
        kx_groups: vec![provider::kx_group::SECP256R1],
        ..provider::default_provider()
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut rl =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from(common::NAME).unwrap()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let mut lite = ServerConnection::new(common::server_config(&pki, &SUITES), &mut rng).unwrap();
    let mut hello = Vec::new();
    while rl.wants_write() {
        rl.write_tls(&mut hello).unwrap();
    }
    let err = lite.handle_input(Duration::ZERO, &hello).unwrap_err();
    assert_eq!(err.alert(), Some(tls_lite::AlertDescription::HANDSHAKE_FAILURE));
    let alert: Vec<u8> =
        std::iter::from_fn(|| lite.poll_transmit(Duration::ZERO)).flat_map(|b| b.to_vec()).collect();
    assert_eq!(alert, [21, 3, 3, 0, 2, 2, 40]);
    rl.read_tls(&mut &alert[..]).unwrap();
    let rl_err = rl.process_new_packets().unwrap_err();
    assert_eq!(rl_err, rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure), "{rl_err}");
}

/// Runs a tls-lite client against a rustls server that asks for a client certificate;
/// returns the client's events and rustls's result.
fn with_client_auth(optional: bool) -> (Vec<Event>, Result<(), rustls::Error>) {
    let pki = common::pki(KeyKind::Ed25519);
    let suite = CipherSuite::TLS_AES_128_GCM_SHA256;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(pki.ca_cert.to_vec())).unwrap();
    let mut builder =
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), rustls_provider(suite));
    if optional {
        builder = builder.allow_unauthenticated();
    }
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certgen::key_pkcs8_der(&pki.server_key)));
    let config = rustls::ServerConfig::builder_with_provider(rustls_provider(suite))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_client_cert_verifier(builder.build().unwrap())
        .with_single_cert(vec![CertificateDer::from(pki.server_cert.to_vec())], key)
        .unwrap();
    let mut rl = rustls::ServerConnection::new(Arc::new(config)).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let mut lite =
        ClientConnection::new(common::client_config(&pki, &[suite]), common::NAME, Duration::ZERO, &mut rng)
            .unwrap();
    let mut events = Vec::new();
    let mut result = Ok(());
    for _ in 0..10 {
        let out: Vec<u8> =
            std::iter::from_fn(|| lite.poll_transmit(Duration::ZERO)).flat_map(|b| b.to_vec()).collect();
        let mut at = &out[..];
        while !at.is_empty() {
            rl.read_tls(&mut at).unwrap();
        }
        if let Err(e) = rl.process_new_packets() {
            result = Err(e);
        }
        let mut back = Vec::new();
        while rl.wants_write() {
            rl.write_tls(&mut back).unwrap();
        }
        let _ = lite.handle_input(Duration::ZERO, &back);
        events.extend(std::iter::from_fn(|| lite.poll_event()));
        if out.is_empty() && back.is_empty() {
            break;
        }
    }
    (events, result)
}

#[test]
fn certificate_request_is_answered_with_an_empty_certificate() {
    // Optional client auth: the empty Certificate is accepted and the handshake completes.
    let (events, result) = with_client_auth(true);
    assert_eq!(result, Ok(()));
    assert!(matches!(events[0], Event::HandshakeComplete { .. }), "{events:?}");
    // Mandatory client auth: rustls refuses with certificate_required, which we report.
    let (events, result) = with_client_auth(false);
    assert!(result.is_err());
    assert!(
        events.contains(&Event::AlertReceived(tls_lite::Alert::fatal(
            tls_lite::AlertDescription::CERTIFICATE_REQUIRED
        ))),
        "{events:?}"
    );
}
