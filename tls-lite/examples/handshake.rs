//! An in-memory TLS 1.3 handshake between a tls-lite client and server, then one request
//! and response, printing every record and the SSLKEYLOGFILE lines (which Wireshark would
//! need to decrypt a capture of this exchange).
//!
//! Run with `cargo run -p packetflow-tls-lite --example handshake`.

use std::sync::Arc;
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use tls_lite::certgen::{self, KeyKind};
use tls_lite::{ClientConfig, ClientConnection, Event, ServerCertVerifier, ServerConfig, ServerConnection};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = Duration::ZERO;
    // The CA and the certificate for www.example.com come from a seed: nothing secret is
    // stored anywhere.
    let pki = certgen::generate(&[42; 32], "www.example.com", KeyKind::Ed25519)?;
    let client_config = Arc::new(ClientConfig::new(ServerCertVerifier::WebPki {
        roots: vec![pki.ca_cert.clone()],
        // 2026-01-01: the wall-clock time certificates are checked at when `now` is 0.
        unix_time_at_epoch: Duration::from_secs(1_767_225_600),
    }));
    let server_config = Arc::new(ServerConfig::new(vec![pki.server_cert.clone()], pki.server_key.clone()));

    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut client = ClientConnection::new(client_config, "www.example.com", now, &mut rng)?;
    let mut server = ServerConnection::new(server_config, &mut rng)?;

    let mut request_sent = false;
    for _ in 0..10 {
        let mut moved = false;
        while let Some(record) = client.poll_transmit(now) {
            println!("client → server  {:>5} bytes, content type {}", record.len(), record[0]);
            server.handle_input(now, &record)?;
            moved = true;
        }
        while let Some(record) = server.poll_transmit(now) {
            println!("server → client  {:>5} bytes, content type {}", record.len(), record[0]);
            client.handle_input(now, &record)?;
            moved = true;
        }
        while let Some(event) = server.poll_event() {
            println!("server event: {event:?}");
            if let Event::ApplicationData(_) = event {
                server.send_application_data(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello")?;
            }
        }
        while let Some(event) = client.poll_event() {
            println!("client event: {event:?}");
            match event {
                Event::HandshakeComplete { .. } if !request_sent => {
                    client.send_application_data(b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n")?;
                    request_sent = true;
                }
                Event::ApplicationData(_) => client.send_close_notify()?,
                _ => {}
            }
        }
        if !moved {
            break;
        }
    }
    println!("\n# SSLKEYLOGFILE");
    while let Some(line) = client.poll_keylog() {
        println!("{line}");
    }
    Ok(())
}
