//! TLS offload end to end: a tls-lite client handshakes with the balancer through its
//! actions, sends a GET, the test plays the backend, and the client decrypts the answer.

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;

use common::{Bench, OK5, config};
use lb::{Algorithm, ClientId, LbEvent};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use tls_lite::certgen::{self, KeyKind};
use tls_lite::{ClientConfig, ClientConnection, Event, ServerCertVerifier, ServerConfig};

const NAME: &str = "www.example.com";
/// 2026-01-01 as Unix time: inside the generated certificates' validity.
const UNIX_2026: Duration = Duration::from_secs(1_767_225_600);

struct Tls {
    bench: Bench,
    client: ClientConnection,
    id: ClientId,
    /// Bytes of the client's stream already fed to `client`.
    fed: usize,
    events: Vec<Event>,
    keylog: Vec<String>,
}

impl Tls {
    fn new() -> Self {
        let pki = certgen::generate(&[7; 32], NAME, KeyKind::EcdsaP256).unwrap();
        let mut cfg = config(2, Algorithm::RoundRobin);
        cfg.listen = SocketAddrV4::new(common::VIP, 443);
        cfg.tls = Some(Arc::new(ServerConfig::new(vec![pki.server_cert.clone()], pki.server_key.clone())));
        let mut bench = Bench::new(cfg);
        let client_cfg = Arc::new(ClientConfig::new(ServerCertVerifier::WebPki {
            roots: vec![pki.ca_cert.clone()],
            unix_time_at_epoch: UNIX_2026,
        }));
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        let client = ClientConnection::new(client_cfg, NAME, Duration::ZERO, &mut rng).unwrap();
        let id = bench.accept(SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 245), 40000));
        Self { bench, client, id, fed: 0, events: Vec::new(), keylog: Vec::new() }
    }

    /// Moves records both ways until neither side has anything to send.
    fn drive(&mut self) {
        for _ in 0..50 {
            let mut to_lb = Vec::new();
            while let Some(r) = self.client.poll_transmit(Duration::ZERO) {
                to_lb.extend_from_slice(&r);
            }
            while let Some(l) = self.client.poll_keylog() {
                self.keylog.push(l.to_string());
            }
            if !to_lb.is_empty() {
                self.bench.send(self.id, &to_lb);
            }
            let received = self.bench.clients[&self.id].received.clone();
            let new = &received[self.fed..];
            self.fed = received.len();
            if new.is_empty() && to_lb.is_empty() {
                return;
            }
            let mut rest = new;
            while !rest.is_empty() {
                let n = self.client.handle_input(Duration::ZERO, rest).unwrap();
                rest = &rest[n..];
                while let Some(e) = self.client.poll_event() {
                    self.events.push(e);
                }
            }
        }
        panic!("no quiet point");
    }

    fn plaintext(&self) -> Vec<u8> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::ApplicationData(b) => Some(b.to_vec()),
                _ => None,
            })
            .flatten()
            .collect()
    }
}

#[test]
fn tls_offload_end_to_end() {
    let mut t = Tls::new();
    t.drive();
    assert!(t.client.is_handshake_complete());
    let hs = t.bench.events_matching(|e| matches!(e, LbEvent::TlsHandshakeComplete { .. }));
    assert_eq!(hs.len(), 1);
    assert!(hs[0].to_string().contains("for www.example.com"), "{}", hs[0]);

    // Key log lines: the same secrets the client derived.
    let mut lb_keylog: Vec<String> = t
        .bench
        .events
        .iter()
        .filter_map(|e| match e {
            LbEvent::TlsKeyLog { line, .. } => Some(line.clone()),
            _ => None,
        })
        .collect();
    let mut client_keylog = t.keylog.clone();
    lb_keylog.sort();
    client_keylog.sort();
    assert!(lb_keylog.len() >= 4);
    assert_eq!(lb_keylog, client_keylog);
    assert!(lb_keylog.iter().any(|l| l.starts_with("CLIENT_TRAFFIC_SECRET_0 ")));

    // The GET, decrypted by the balancer and forwarded in plain HTTP.
    t.client.send_application_data(b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n").unwrap();
    t.drive();
    let conn = t.bench.last_conn();
    assert_eq!(t.bench.conns[&conn].from, common::SNAT);
    t.bench.connect(conn);
    let req = t.bench.conns[&conn].text();
    assert!(req.starts_with("GET / HTTP/1.1\r\nHost: www.example.com\r\n"), "{req}");
    assert!(req.contains("X-Forwarded-For: 10.1.1.245\r\n"));
    assert!(req.contains("Forwarded: for=10.1.1.245;proto=https;by=172.16.3.12\r\n"));

    // The backend answers in two pieces; the client decrypts the whole response.
    t.bench.respond(conn, &OK5[..10]);
    t.bench.respond(conn, &OK5[10..]);
    t.drive();
    assert_eq!(t.plaintext(), OK5);
    assert!(
        !t.bench.clients[&t.id].received.windows(4).any(|w| w == b"HTTP"),
        "the client link is encrypted"
    );

    // close_notify is answered with close_notify and a FIN.
    t.client.send_close_notify().unwrap();
    t.drive();
    assert!(t.events.iter().any(|e| matches!(e, Event::PeerClosed)));
    assert!(t.bench.clients[&t.id].closed);
    assert!(t.bench.conns[&conn].closed);
    let closed = t.bench.events_matching(|e| matches!(e, LbEvent::ClientClosed { close_notify: true, .. }));
    assert_eq!(closed.len(), 1);
    // The client's RST afterwards is for a forgotten session.
    t.bench.lb.handle_client_closed(t.bench.now, t.id, true);
    t.bench.pump();
    t.bench.assert_no_hang();
}

#[test]
fn tls_error_page_is_encrypted() {
    let mut t = Tls::new();
    t.drive();
    t.client.send_application_data(b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n").unwrap();
    t.drive();
    let conn = t.bench.last_conn();
    t.bench.fail(conn);
    t.drive();
    let text = String::from_utf8(t.plaintext()).unwrap();
    assert!(text.starts_with("HTTP/1.1 502 Bad Gateway\r\n"), "{text}");
    assert!(t.events.iter().any(|e| matches!(e, Event::PeerClosed)), "close_notify after the error page");
    assert!(t.bench.clients[&t.id].closed);
}

#[test]
fn tls_garbage_fails_the_session() {
    let mut t = Tls::new();
    // A handshake record carrying an unknown handshake message type.
    t.bench.send(t.id, &[0x16, 0x03, 0x01, 0x00, 0x04, 0x63, 0, 0, 0]);
    assert!(!t.bench.clients[&t.id].received.is_empty(), "an alert is sent");
    assert!(t.bench.clients[&t.id].closed);
    assert_eq!(t.bench.events_matching(|e| matches!(e, LbEvent::TlsFailed { .. })).len(), 1);
    assert_eq!(t.bench.lb.client_count(), 0);
}

#[test]
fn same_seed_same_bytes() {
    let run = || {
        let mut t = Tls::new();
        t.drive();
        t.bench.clients[&t.id].received.clone()
    };
    assert_eq!(run(), run());
}
