//! A small in-test network on virtual time: routes each transmit by destination address
//! to an authoritative server, the resolver, a forwarder or a stub, after a fixed latency.
#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use dns::sample::textbook_zones;
use dns::{
    AuthServer, Forwarder, ForwarderConfig, ForwarderEvent, Resolver, ResolverConfig, ResolverEvent,
    ServerConfig, StubConfig, StubEvent, StubResolver, Transmit, Zone,
};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

pub const NS1: Ipv4Addr = Ipv4Addr::new(10, 1, 2, 53);
pub const RT1_LAN: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 254);
pub const RT1_WAN: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 245);
pub const CL1: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 1);

pub fn name(text: &str) -> dns::Name {
    text.parse().unwrap()
}

/// A rewrite applied to every message a lying server sends.
pub type Tamper = fn(&mut dns::Message);

pub struct Net {
    pub now: Duration,
    pub latency: Duration,
    pub rng: ChaCha8Rng,
    pub servers: BTreeMap<Ipv4Addr, AuthServer>,
    pub resolver: Resolver,
    pub forwarder: Option<Forwarder>,
    pub stub: Option<StubResolver>,
    /// Datagrams on the wire: (arrival time, sequence) → datagram.
    in_flight: BTreeMap<(Duration, u64), Transmit>,
    seq: u64,
    /// Servers that swallow everything.
    pub silent: BTreeSet<Ipv4Addr>,
    /// How many more datagrams to each of these addresses are lost.
    pub lose_next: BTreeMap<Ipv4Addr, usize>,
    /// Rewrites every message sent from this address (a compromised or lying server).
    pub tamper: Option<(Ipv4Addr, Tamper)>,
    /// Every datagram sent, in order.
    pub wire: Vec<Transmit>,
    pub events: Vec<ResolverEvent>,
    pub forwarder_events: Vec<ForwarderEvent>,
    pub stub_events: Vec<StubEvent>,
}

impl Net {
    /// The textbook topology: root, com and example.com servers plus ns1.
    pub fn textbook() -> Self {
        Self::with_zones(
            textbook_zones().unwrap(),
            ResolverConfig::new(SocketAddrV4::new(NS1, 53), vec![dns::sample::ROOT_SERVER]),
        )
    }

    pub fn with_zones(zones: Vec<(Ipv4Addr, Zone)>, config: ResolverConfig) -> Self {
        let mut servers: BTreeMap<Ipv4Addr, Vec<Zone>> = BTreeMap::new();
        for (addr, zone) in zones {
            servers.entry(addr).or_default().push(zone);
        }
        Self {
            now: Duration::ZERO,
            latency: Duration::from_millis(1),
            rng: ChaCha8Rng::seed_from_u64(7),
            servers: servers
                .into_iter()
                .map(|(a, z)| (a, AuthServer::new(ServerConfig::default(), z)))
                .collect(),
            resolver: Resolver::new(config),
            forwarder: None,
            stub: None,
            in_flight: BTreeMap::new(),
            seq: 0,
            silent: BTreeSet::new(),
            lose_next: BTreeMap::new(),
            tamper: None,
            wire: Vec::new(),
            events: Vec::new(),
            forwarder_events: Vec::new(),
            stub_events: Vec::new(),
        }
    }

    /// Adds rt1 (forwarder to ns1) and cl1 (stub asking rt1).
    pub fn with_home(mut self) -> Self {
        let listen = SocketAddrV4::new(RT1_LAN, 53);
        self.forwarder =
            Some(Forwarder::new(ForwarderConfig::new(listen, RT1_WAN, SocketAddrV4::new(NS1, 53))));
        self.stub = Some(StubResolver::new(StubConfig::new(CL1, listen)));
        self
    }

    pub fn send(&mut self, mut t: Transmit) {
        if let Some((from, f)) = self.tamper
            && *t.from.ip() == from
        {
            let mut message = dns::Message::parse(&t.payload).unwrap();
            f(&mut message);
            t.payload = message.to_bytes().unwrap().into();
        }
        self.wire.push(t.clone());
        self.seq += 1;
        self.in_flight.insert((self.now + self.latency, self.seq), t);
    }

    /// Moves every pending output onto the wire and collects events.
    pub fn collect(&mut self) {
        let now = self.now;
        let mut out = Vec::new();
        while let Some(t) = self.resolver.poll_transmit(now) {
            out.push(t);
        }
        while let Some(e) = self.resolver.poll_event() {
            self.events.push(e);
        }
        for server in self.servers.values_mut() {
            while let Some(t) = server.poll_transmit(now) {
                out.push(t);
            }
            while server.poll_event().is_some() {}
        }
        if let Some(f) = self.forwarder.as_mut() {
            while let Some(t) = f.poll_transmit(now) {
                out.push(t);
            }
            while let Some(e) = f.poll_event() {
                self.forwarder_events.push(e);
            }
        }
        if let Some(s) = self.stub.as_mut() {
            while let Some(t) = s.poll_transmit(now) {
                out.push(t);
            }
            while let Some(e) = s.poll_event() {
                self.stub_events.push(e);
            }
        }
        for t in out {
            self.send(t);
        }
    }

    fn next_timer(&self) -> Option<Duration> {
        [
            self.resolver.poll_timeout(),
            self.forwarder.as_ref().and_then(Forwarder::poll_timeout),
            self.stub.as_ref().and_then(StubResolver::poll_timeout),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Delivers one datagram to whoever owns its destination address.
    pub fn deliver(&mut self, t: &Transmit) {
        let (now, ip) = (self.now, *t.to.ip());
        if self.silent.contains(&ip) {
            return;
        }
        if let Some(left) = self.lose_next.get_mut(&ip).filter(|left| **left > 0) {
            *left -= 1;
            return;
        }
        if let Some(server) = self.servers.get_mut(&ip) {
            server.handle_datagram(now, t.from, t.to, &t.payload);
        } else if ip == *self.resolver.config().listen.ip() {
            self.resolver.handle_datagram(now, t.from, t.to, &t.payload, &mut self.rng);
        } else if let Some(f) = self.forwarder.as_mut().filter(|_| ip == RT1_LAN || ip == RT1_WAN) {
            f.handle_datagram(now, t.from, t.to, &t.payload, &mut self.rng);
        } else if let Some(s) = self.stub.as_mut().filter(|_| ip == CL1) {
            s.handle_datagram(now, t.from, t.to, &t.payload);
        }
    }

    /// Runs one step (the earliest arrival or timer); false when nothing is left.
    pub fn step(&mut self) -> bool {
        self.collect();
        let arrival = self.in_flight.keys().next().copied();
        let timer = self.next_timer();
        match (arrival, timer) {
            (Some((at, seq)), t) if t.is_none_or(|t| at <= t) => {
                self.now = self.now.max(at);
                let Some(datagram) = self.in_flight.remove(&(at, seq)) else { return false };
                self.deliver(&datagram);
            }
            (_, Some(t)) => {
                self.now = self.now.max(t);
                let now = self.now;
                self.resolver.handle_timeout(now, &mut self.rng);
                if let Some(f) = self.forwarder.as_mut() {
                    f.handle_timeout(now, &mut self.rng);
                }
                if let Some(s) = self.stub.as_mut() {
                    s.handle_timeout(now, &mut self.rng);
                }
            }
            _ => return false,
        }
        self.collect();
        true
    }

    /// Runs until quiet (bounded).
    pub fn run(&mut self) {
        for _ in 0..100_000 {
            if !self.step() {
                return;
            }
        }
        panic!("the network did not settle");
    }

    /// Resolves through ns1 directly and returns its result.
    pub fn resolve(&mut self, text: &str, qtype: dns::RecordType) -> Result<dns::Answer, dns::Failure> {
        let now = self.now;
        let handle = self.resolver.resolve(now, name(text), qtype, &mut self.rng)?;
        self.run();
        self.result_of(handle).expect("lookup finished")
    }

    pub fn result_of(&self, handle: dns::QueryHandle) -> Option<Result<dns::Answer, dns::Failure>> {
        self.events.iter().find_map(|e| match e {
            ResolverEvent::Resolved { handle: h, result } if *h == handle => Some(result.clone()),
            _ => None,
        })
    }

    /// Datagrams sent to `ip` so far.
    pub fn sent_to(&self, ip: Ipv4Addr) -> usize {
        self.wire.iter().filter(|t| *t.to.ip() == ip).count()
    }
}
