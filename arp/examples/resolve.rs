//! Two hosts on one wire resolve each other on virtual time, then one asks for a host
//! that is not there and gives up.
//!
//! Every ARP packet crosses the "wire" as Ethernet bytes and is parsed back, as in the
//! simulator. Run with `cargo run -p packetflow-arp --example resolve`.

use core::net::Ipv4Addr;
use core::time::Duration;

use arp::{ArpPacket, ArpRepr, CacheConfig, NeighborCache, Released, Resolution};
use ethernet::{EtherType, EthernetFrame, EthernetRepr, MacAddress, Padding};

/// One-way latency of the wire.
const LATENCY: Duration = Duration::from_micros(50);

struct Host {
    name: &'static str,
    cache: NeighborCache<&'static str>,
}

impl Host {
    fn new(name: &'static str, mac: MacAddress, ip: Ipv4Addr) -> Self {
        Self { name, cache: NeighborCache::new(CacheConfig::default(), mac, Some(ip)) }
    }

    /// Prints what the cache reported and returns the frames it wants on the wire.
    fn drain(&mut self, now: Duration) -> Vec<Vec<u8>> {
        while let Some(event) = self.cache.poll_event() {
            println!("{:>9.6} s  {:<3} {event}", now.as_secs_f64(), self.name);
        }
        while let Some(released) = self.cache.poll_released() {
            let verdict = match &released {
                Released::Resolved { mac, .. } => format!("now goes to {mac}"),
                Released::Unreachable { .. } => "is undeliverable: ICMP host unreachable".into(),
            };
            let (ip, packet) = (released.ip(), released.into_packet());
            println!("{:>9.6} s  {:<3} packet {packet:?} for {ip} {verdict}", now.as_secs_f64(), self.name);
        }
        core::iter::from_fn(|| self.cache.poll_transmit())
            .map(|transmit| transmit.to_frame(Padding::MinimumFrame))
            .collect()
    }

    fn receive(&mut self, now: Duration, bytes: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
        let frame = EthernetFrame::new_checked(bytes)?;
        let ethernet = EthernetRepr::parse(&frame)?;
        let for_me = ethernet.dst_addr.is_broadcast() || ethernet.dst_addr == self.cache.own_mac();
        if ethernet.ethertype == EtherType::ARP && for_me {
            let packet = ArpRepr::parse(&ArpPacket::new_checked(frame.payload())?)?;
            self.cache.handle_arp(now, &packet);
        }
        Ok(())
    }
}

/// Delivers frames back and forth until the wire is quiet, advancing time by the
/// latency at each hop.
fn exchange(
    a: &mut Host,
    b: &mut Host,
    mut now: Duration,
    mut from_a: Vec<Vec<u8>>,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let mut from_b = b.drain(now);
    while !from_a.is_empty() || !from_b.is_empty() {
        now += LATENCY;
        for bytes in from_a.drain(..) {
            b.receive(now, &bytes)?;
        }
        for bytes in from_b.drain(..) {
            a.receive(now, &bytes)?;
        }
        from_a = a.drain(now);
        from_b = b.drain(now);
    }
    Ok(now)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ip_a = Ipv4Addr::new(192, 0, 2, 10);
    let ip_b = Ipv4Addr::new(192, 0, 2, 20);
    let mut a = Host::new("a", MacAddress([2, 0, 0, 0, 0, 0x0a]), ip_a);
    let mut b = Host::new("b", MacAddress([2, 0, 0, 0, 0, 0x14]), ip_b);

    println!("== a pings b: the first packet waits for ARP ==");
    let mut now = Duration::ZERO;
    for packet in ["echo request 1", "echo request 2"] {
        match a.cache.resolve(now, ip_b, packet) {
            Resolution::Ready(mac, _) => println!("a sends {packet:?} straight to {mac}"),
            Resolution::Queued => println!("a queues {packet:?} until b answers"),
            Resolution::Dropped(p) => println!("a drops {p:?}"),
        }
    }
    let frames = a.drain(now);
    now = exchange(&mut a, &mut b, now, frames)?;

    println!("== b answers: it learned a from a's request, so no ARP this time ==");
    if let Resolution::Ready(mac, packet) = b.cache.resolve(now, ip_a, "echo reply 1") {
        println!("b sends {packet:?} straight to {mac}");
    }

    println!("== a asks for 192.0.2.99, which is not there ==");
    let absent = Ipv4Addr::new(192, 0, 2, 99);
    let _ = a.cache.resolve(now, absent, "echo request to .99");
    let mut frames = a.drain(now);
    while let Some(deadline) = a.cache.poll_timeout().filter(|t| *t < Duration::from_secs(10)) {
        now = exchange(&mut a, &mut b, now, frames)?.max(deadline);
        a.cache.handle_timeout(now);
        frames = a.drain(now);
    }

    println!("== a's table ==");
    for entry in a.cache.entries(now) {
        println!("{} is at {}, valid until {:.1} s", entry.ip, entry.mac, entry.expires_at.as_secs_f64());
    }
    Ok(())
}
