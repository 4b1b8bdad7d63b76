//! Two connections on virtual time: the three-way handshake, a request and a response,
//! and an orderly close through TIME-WAIT, printing every segment as it crosses.
//!
//! Run with `cargo run -p packetflow-tcp --example handshake`.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use bytes::Bytes;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use tcp::{
    Backlog, ChecksumCheck, Config, Connection, Event, IsnGenerator, Listener, State, TcpPacket, TcpRepr,
    Transmit,
};

const LATENCY: Duration = Duration::from_millis(5);

/// Writes the segment to bytes, parses it back with its checksum checked (as a stack
/// would after the wire), and prints it.
fn wire(now: Duration, t: &Transmit) -> Result<(TcpRepr, Bytes), Box<dyn std::error::Error>> {
    let bytes = t.to_bytes()?;
    let packet = TcpPacket::new_checked(&bytes[..])?;
    let repr = TcpRepr::parse(&packet, t.src_addr, t.dst_addr, ChecksumCheck::Verify)?;
    println!(
        "{:>9.3} ms  {}:{} → {}:{}  {:?} seq {} ack {} win {} len {}  {:?}",
        now.as_secs_f64() * 1000.0,
        t.src_addr,
        repr.src_port,
        t.dst_addr,
        repr.dst_port,
        repr.flags,
        repr.seq_number,
        repr.ack_number,
        repr.window_len,
        repr.payload_len,
        repr.options
    );
    Ok((repr, Bytes::copy_from_slice(packet.payload())))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let client_addr = SocketAddrV4::new(Ipv4Addr::new(192, 168, 1, 1), 51234);
    let server_addr = SocketAddrV4::new(Ipv4Addr::new(172, 16, 3, 12), 443);
    let mut now = Duration::ZERO;

    let mut listener =
        Listener::new(server_addr, Config::default(), IsnGenerator::new(&mut rng), Backlog::default());
    let mut client =
        Connection::connect(now, client_addr, server_addr, Config::default(), &IsnGenerator::new(&mut rng));
    let mut server: Option<Connection> = None;
    let mut sent_request = false;
    let mut sent_response = false;

    while !(client.is_closed() && server.as_ref().is_some_and(Connection::is_closed)) {
        // Client → server.
        let mut progressed = false;
        while let Some(t) = client.poll_transmit(now) {
            let (repr, payload) = wire(now, &t)?;
            match server.as_mut() {
                Some(s) => s.handle_segment(now + LATENCY, &repr, payload),
                None => listener.handle_segment(now + LATENCY, t.src_addr, t.dst_addr, &repr, payload),
            }
            progressed = true;
        }
        if server.is_none() {
            server = listener.accept();
        }
        // Server → client (the listener answers until the connection is accepted).
        let outputs: Vec<Transmit> = match server.as_mut() {
            Some(s) => std::iter::from_fn(|| s.poll_transmit(now)).collect(),
            None => std::iter::from_fn(|| listener.poll_transmit(now)).collect(),
        };
        for t in outputs {
            let (repr, payload) = wire(now, &t)?;
            client.handle_segment(now + LATENCY, &repr, payload);
            progressed = true;
        }
        if progressed {
            now += LATENCY;
        }

        while let Some(event) = client.poll_event() {
            println!("             client: {event:?} ({})", client.state());
            if event == Event::Connected && !sent_request {
                client.send(b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
                sent_request = true;
            }
            if event == Event::PeerClosed {
                client.close();
            }
        }
        if let Some(s) = server.as_mut() {
            while let Some(event) = s.poll_event() {
                println!("             server: {event:?} ({})", s.state());
            }
            if let Some(request) = s.recv() {
                println!("             server read {:?}", String::from_utf8_lossy(&request));
            }
            if sent_request && !sent_response && s.state() == State::Established && s.send_queue_len() == 0 {
                s.send(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                s.close();
                sent_response = true;
            }
        }
        if !progressed {
            // Nothing in flight: jump to the next timer (delayed ACK, TIME-WAIT…).
            let next = [
                client.poll_timeout(),
                server.as_ref().and_then(Connection::poll_timeout),
                listener.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(next) = next else { break };
            now = now.max(next);
            client.handle_timeout(now);
            if let Some(s) = server.as_mut() {
                s.handle_timeout(now);
            }
        }
    }
    println!("both sides CLOSED at {:.3} s (the server went through TIME-WAIT)", now.as_secs_f64());
    Ok(())
}
