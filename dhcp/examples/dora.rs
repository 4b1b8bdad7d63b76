//! A client and a server in memory: DISCOVER, OFFER, REQUEST, ACK, one renewal, and a
//! RELEASE, printed message by message on virtual time.
//!
//! Run with `cargo run -p packetflow-dhcp --example dora`.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use dhcp::client::{Client, ClientConfig, ClientEvent};
use dhcp::server::{PoolConfig, Server, ServerConfig};
use dhcp::{DhcpRepr, Transmit};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

fn show(now: Duration, who: &str, t: &Transmit) {
    let what = match DhcpRepr::parse_bytes(&t.payload) {
        Ok(m) => format!(
            "{} xid {:#010x} ciaddr {} yiaddr {} options {:?}",
            m.message_type().map_or_else(|| "BOOTP".to_owned(), |k| k.to_string()),
            m.xid,
            m.ciaddr,
            m.yiaddr,
            m.options.iter().map(|o| o.code().0).collect::<Vec<_>>()
        ),
        Err(e) => format!("unparsable: {e}"),
    };
    println!("{:>9.3} s  {who}  {} → {}  {what}", now.as_secs_f64(), t.from_ip, t.to);
}

fn main() {
    let rt1 = Ipv4Addr::new(192, 168, 1, 254);
    let mut pool = PoolConfig::new("192.168.1.0/24".parse().expect("a valid prefix"), rt1);
    pool.lease_time = Duration::from_secs(120);
    let mut server = Server::new(ServerConfig::new(vec![pool]));
    let mac = "02:00:00:00:00:01".parse().expect("a valid MAC");
    let mut client = Client::new(ClientConfig::new(mac), ChaCha8Rng::seed_from_u64(7), Duration::ZERO);
    let mut now = Duration::ZERO;
    let end = Duration::from_secs(100);
    while now <= end {
        loop {
            let mut moved = false;
            while let Some(t) = client.poll_transmit() {
                moved = true;
                show(now, "cl1", &t);
                server.handle_datagram(now, rt1, SocketAddrV4::new(t.from_ip, 68), &t.payload);
            }
            while let Some(t) = server.poll_transmit() {
                moved = true;
                show(now, "rt1", &t);
                client.handle_datagram(now, SocketAddrV4::new(t.from_ip, 67), &t.payload);
            }
            while let Some(e) = client.poll_event() {
                moved = true;
                if !matches!(e, ClientEvent::DiscoverSent { .. } | ClientEvent::RequestSent { .. }) {
                    println!("{:>9.3} s  cl1  {}", now.as_secs_f64(), e.describe());
                }
            }
            while let Some(e) = server.poll_event() {
                moved = true;
                println!("{:>9.3} s  rt1  {}", now.as_secs_f64(), e.describe());
            }
            if !moved {
                break;
            }
        }
        let next = [client.poll_timeout(), server.poll_timeout()].into_iter().flatten().min();
        match next {
            Some(at) if at <= end => {
                now = now.max(at);
                client.handle_timeout(now);
                server.handle_timeout(now);
            }
            _ => break,
        }
    }
    client.release(end);
    while let Some(t) = client.poll_transmit() {
        show(end, "cl1", &t);
        server.handle_datagram(end, rt1, SocketAddrV4::new(t.from_ip, 68), &t.payload);
    }
    while let Some(e) = server.poll_event() {
        println!("{:>9.3} s  rt1  {}", end.as_secs_f64(), e.describe());
    }
}
