//! Shared helpers for the integration tests: a seeded test PKI and an in-memory pair of
//! connections driven with a chosen chunking of the byte stream.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use tls_lite::certgen::{self, KeyKind, TestPki};
use tls_lite::{
    CipherSuite, ClientConfig, ClientConnection, Error, Event, KeyLogLine, ServerCertVerifier, ServerConfig,
    ServerConnection,
};

pub const NAME: &str = "www.example.com";
/// 2026-01-01 as Unix time: inside the generated certificates' validity.
pub const UNIX_2026: Duration = Duration::from_secs(1_767_225_600);

pub fn pki(kind: KeyKind) -> TestPki {
    certgen::generate(&[7; 32], NAME, kind).expect("certgen")
}

pub fn client_config(pki: &TestPki, suites: &[CipherSuite]) -> Arc<ClientConfig> {
    let mut c = ClientConfig::new(ServerCertVerifier::WebPki {
        roots: vec![pki.ca_cert.clone()],
        unix_time_at_epoch: UNIX_2026,
    });
    c.cipher_suites = suites.to_vec();
    Arc::new(c)
}

pub fn server_config(pki: &TestPki, suites: &[CipherSuite]) -> Arc<ServerConfig> {
    let mut c = ServerConfig::new(vec![pki.server_cert.clone()], pki.server_key.clone());
    c.cipher_suites = suites.to_vec();
    Arc::new(c)
}

/// How bytes are cut before being fed to the peer.
#[derive(Debug, Clone, Copy)]
pub enum Chunking {
    OneByte,
    Random(u64),
    Coalesced,
}

pub fn feed(
    data: &[u8],
    chunking: Chunking,
    rng: &mut ChaCha8Rng,
    mut input: impl FnMut(&[u8]) -> Result<usize, Error>,
) -> Result<(), Error> {
    let _ = chunking_seed(chunking);
    let mut at = 0;
    while at < data.len() {
        let n = match chunking {
            Chunking::OneByte => 1,
            Chunking::Random(_) => 1 + (rng.next_u32() as usize % 700),
            Chunking::Coalesced => data.len(),
        }
        .min(data.len() - at);
        let mut chunk = &data[at..at + n];
        while !chunk.is_empty() {
            let taken = input(chunk)?;
            assert!(taken > 0, "input not taken");
            chunk = &chunk[taken..];
        }
        at += n;
    }
    Ok(())
}

fn chunking_seed(c: Chunking) -> u64 {
    match c {
        Chunking::Random(s) => s,
        _ => 0,
    }
}

pub struct Pair {
    pub client: ClientConnection,
    pub server: ServerConnection,
    pub client_events: Vec<Event>,
    pub server_events: Vec<Event>,
    pub client_keylog: Vec<KeyLogLine>,
    pub server_keylog: Vec<KeyLogLine>,
    pub chunking: Chunking,
    rng: ChaCha8Rng,
    /// Every record the client sent, and the server sent, in order.
    pub c2s: Vec<Bytes>,
    pub s2c: Vec<Bytes>,
}

impl Pair {
    pub fn new(client: Arc<ClientConfig>, server: Arc<ServerConfig>, chunking: Chunking, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let client = ClientConnection::new(client, NAME, Duration::ZERO, &mut rng).expect("client");
        let server = ServerConnection::new(server, &mut rng).expect("server");
        Self {
            client,
            server,
            client_events: Vec::new(),
            server_events: Vec::new(),
            client_keylog: Vec::new(),
            server_keylog: Vec::new(),
            chunking,
            rng: ChaCha8Rng::seed_from_u64(chunking_seed(chunking)),
            c2s: Vec::new(),
            s2c: Vec::new(),
        }
    }

    /// Moves bytes both ways until neither side has anything to send.
    pub fn drive(&mut self) -> Result<(), Error> {
        for _ in 0..100 {
            let mut to_server = Vec::new();
            while let Some(r) = self.client.poll_transmit(Duration::ZERO) {
                to_server.extend_from_slice(&r);
                self.c2s.push(r);
            }
            let mut to_client = Vec::new();
            while let Some(r) = self.server.poll_transmit(Duration::ZERO) {
                to_client.extend_from_slice(&r);
                self.s2c.push(r);
            }
            if to_server.is_empty() && to_client.is_empty() {
                return Ok(());
            }
            let (server, events) = (&mut self.server, &mut self.server_events);
            feed(&to_server, self.chunking, &mut self.rng, |c| {
                let r = server.handle_input(Duration::ZERO, c);
                while let Some(e) = server.poll_event() {
                    events.push(e);
                }
                r
            })?;
            let (client, events) = (&mut self.client, &mut self.client_events);
            feed(&to_client, self.chunking, &mut self.rng, |c| {
                let r = client.handle_input(Duration::ZERO, c);
                while let Some(e) = client.poll_event() {
                    events.push(e);
                }
                r
            })?;
            while let Some(l) = self.client.poll_keylog() {
                self.client_keylog.push(l);
            }
            while let Some(l) = self.server.poll_keylog() {
                self.server_keylog.push(l);
            }
        }
        panic!("pair did not settle");
    }

    pub fn app_data(events: &[Event]) -> Vec<u8> {
        let mut out = Vec::new();
        for e in events {
            if let Event::ApplicationData(d) = e {
                out.extend_from_slice(d);
            }
        }
        out
    }
}
