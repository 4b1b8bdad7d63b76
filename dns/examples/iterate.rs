//! Resolves `www.example.com` the way ns1 does in packetflow's HTTPS flow: from the root
//! hints, through the `com.` referral and the `example.com.` referral, to the answer —
//! printing every datagram and every step. Then asks again and is answered from the
//! cache.
//!
//! Run with `cargo run -p packetflow-dns --example iterate`.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use dns::sample::{ROOT_SERVER, textbook_zones};
use dns::{AuthServer, Message, RecordType, Resolver, ResolverConfig, ResolverEvent, ServerConfig, Transmit};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

const LATENCY: Duration = Duration::from_micros(250);

fn describe(t: &Transmit) -> String {
    match Message::parse(&t.payload) {
        Ok(m) => {
            let q = m.question().map(|q| format!("{} {}", q.name, q.qtype)).unwrap_or_default();
            let kind =
                if m.flags.response() { format!("response {}", m.rcode()) } else { "query".to_owned() };
            format!(
                "{} → {}  {kind} id {:#06x} {q}  [{} answer, {} authority, {} additional]",
                t.from,
                t.to,
                m.id,
                m.answers.len(),
                m.authorities.len(),
                m.additionals.len()
            )
        }
        Err(e) => format!("{} → {}  malformed: {e}", t.from, t.to),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ns1 = SocketAddrV4::new(Ipv4Addr::new(10, 1, 2, 53), 53);
    let mut servers: BTreeMap<Ipv4Addr, AuthServer> = BTreeMap::new();
    for (addr, zone) in textbook_zones()? {
        println!("authoritative server {addr} serves {}", zone.origin());
        servers.insert(addr, AuthServer::new(ServerConfig::default(), vec![zone]));
    }
    let mut resolver = Resolver::new(ResolverConfig::new(ns1, vec![ROOT_SERVER]));
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut now = Duration::ZERO;

    for round in 1..=2 {
        println!("\n== lookup {round}: www.example.com A ==");
        let handle = resolver.resolve(now, "www.example.com".parse()?, RecordType::A, &mut rng)?;
        // The "network": datagrams in flight, delivered after LATENCY.
        let mut wire: Vec<(Duration, Transmit)> = Vec::new();
        loop {
            while let Some(e) = resolver.poll_event() {
                println!("{:>9.6} s   ns1: {e}", now.as_secs_f64());
                if let ResolverEvent::Resolved { handle: h, result } = &e
                    && *h == handle
                {
                    println!(
                        "{:>9.6} s   result: {:?}",
                        now.as_secs_f64(),
                        result.as_ref().map(dns::Answer::addresses)
                    );
                }
            }
            while let Some(t) = resolver.poll_transmit(now) {
                wire.push((now + LATENCY, t));
            }
            for server in servers.values_mut() {
                while let Some(t) = server.poll_transmit(now) {
                    wire.push((now + LATENCY, t));
                }
            }
            if wire.is_empty() {
                break;
            }
            wire.sort_by_key(|(at, _)| *at);
            let (at, t) = wire.remove(0);
            now = at;
            println!("{:>9.6} s   {}", now.as_secs_f64(), describe(&t));
            if let Some(server) = servers.get_mut(t.to.ip()) {
                server.handle_datagram(now, t.from, t.to, &t.payload);
            } else if t.to.ip() == ns1.ip() {
                resolver.handle_datagram(now, t.from, t.to, &t.payload, &mut rng);
            }
        }
        now += Duration::from_secs(10);
    }
    Ok(())
}
