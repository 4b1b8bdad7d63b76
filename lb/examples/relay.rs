//! One HTTPS request through the balancer, in memory: a tls-lite client handshakes with
//! the balancer, sends a GET; the balancer decrypts it, picks a backend, forwards it in
//! plain HTTP from the source-NAT address; the "backend" (this program) answers; the
//! client decrypts the response. Prints every action and event.
//!
//! ```sh
//! cargo run -p packetflow-lb --example relay
//! ```

use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;

use lb::{Action, Algorithm, BackendConfig, Balancer, ServiceConfig};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use tls_lite::certgen::{self, KeyKind};
use tls_lite::{ClientConfig, ClientConnection, Event, ServerCertVerifier, ServerConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pki = certgen::generate(&[7; 32], "www.example.com", KeyKind::EcdsaP256)?;
    let mut config = ServiceConfig::new(
        "www.example.com",
        SocketAddrV4::new(Ipv4Addr::new(172, 16, 3, 12), 443),
        Ipv4Addr::new(172, 16, 2, 254),
        vec![
            BackendConfig::new("sv1", SocketAddrV4::new(Ipv4Addr::new(172, 16, 2, 1), 80)),
            BackendConfig::new("sv2", SocketAddrV4::new(Ipv4Addr::new(172, 16, 2, 2), 80)),
        ],
    );
    config.algorithm = Algorithm::RoundRobin;
    config.tls = Some(Arc::new(ServerConfig::new(vec![pki.server_cert.clone()], pki.server_key.clone())));
    let mut lb = Balancer::new(config, 42)?;

    let client_config = Arc::new(ClientConfig::new(ServerCertVerifier::WebPki {
        roots: vec![pki.ca_cert.clone()],
        // 2026-01-01: inside the generated certificates' validity.
        unix_time_at_epoch: Duration::from_secs(1_767_225_600),
    }));
    let now = Duration::ZERO;
    let mut client =
        ClientConnection::new(client_config, "www.example.com", now, &mut ChaCha8Rng::seed_from_u64(1))?;
    let id = lb.handle_client_accepted(now, SocketAddrV4::new(Ipv4Addr::new(10, 1, 1, 245), 40000));

    let mut request_sent = false;
    let mut response = Vec::new();
    for _ in 0..20 {
        // Client → balancer.
        while let Some(record) = client.poll_transmit(now) {
            lb.handle_client_data(now, id, &record);
        }
        let mut quiet = true;
        while let Some(action) = lb.poll_action() {
            quiet = false;
            match action {
                Action::SendToClient { data, .. } => {
                    println!("lb → client   {} bytes of TLS", data.len());
                    let mut rest = &data[..];
                    while !rest.is_empty() {
                        let n = client.handle_input(now, rest)?;
                        rest = &rest[n..];
                        while let Some(event) = client.poll_event() {
                            if let Event::ApplicationData(bytes) = event {
                                response.extend_from_slice(&bytes);
                            }
                        }
                    }
                }
                Action::ConnectBackend { conn, to, from, .. } => {
                    println!("lb → connect  {from} → {to}");
                    lb.handle_backend_connected(now, conn);
                }
                Action::SendToBackend { conn, data } => {
                    println!("lb → backend  {:?}", String::from_utf8_lossy(&data));
                    lb.handle_backend_data(
                        now,
                        conn,
                        b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nHello, TLS!\n",
                    );
                }
                other => println!("lb → {other:?}"),
            }
        }
        while let Some(event) = lb.poll_event() {
            println!("   event: {event}");
        }
        if client.is_handshake_complete() && !request_sent {
            client.send_application_data(b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n")?;
            request_sent = true;
            quiet = false;
        }
        if quiet {
            break;
        }
    }
    println!("client decrypted: {:?}", String::from_utf8_lossy(&response));
    assert!(response.ends_with(b"Hello, TLS!\n"));
    Ok(())
}
