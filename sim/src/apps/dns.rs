//! DNS applications: the `dns` crate's stub resolver, forwarder, caching resolver and
//! authoritative server over the stack's UDP sockets.
//!
//! Every one of those state machines names the local address and port of each datagram
//! it sends; this glue binds that port the first time it appears, hands the machine
//! every datagram that arrives on it, and closes it when the machine says the port is
//! released (RFC 5452: a fresh random port per query).

use core::fmt;
use core::time::Duration;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};

use dns::{
    AuthServer, Forwarder, ForwarderConfig, ForwarderEvent, Name, RecordType, Resolver, ResolverConfig,
    ResolverEvent, ServerEvent, StubConfig, StubEvent, StubResolver, Transmit,
};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use stack::{UdpHandle, UdpMessage};

use super::{App, AppContext, AppEvent};
use crate::nodes::Command;

/// Salt mixed into the node's seed for DNS ids and ports.
const DNS_SALT: u64 = 0x646e_735f_6170_7073;

/// The DNS port.
const DNS_PORT: u16 = 53;

/// What a DNS application is.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // One per node, built once.
enum Role {
    /// A host's stub resolver, asking `server`; built at the first lookup, when the
    /// host's own address is known.
    Stub { server: SocketAddrV4, stub: Option<StubResolver> },
    /// A home router's DNS forwarder.
    Forwarder(Forwarder),
    /// An ISP's caching iterative resolver.
    Resolver(Resolver),
    /// An authoritative server.
    Authoritative(AuthServer),
}

/// How many times a stub asks again for a name whose lookup failed.
const STUB_RETRIES: u32 = 2;

/// A DNS event, from whichever role reported it.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum DnsEvent {
    /// From a stub resolver.
    Stub(StubEvent),
    /// From a forwarder.
    Forwarder(ForwarderEvent),
    /// From a caching resolver.
    Resolver(ResolverEvent),
    /// From an authoritative server.
    Server(ServerEvent),
}

impl fmt::Display for DnsEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Stub(StubEvent::QuerySent { question, id, port, attempt, .. }) => write!(
                f,
                "asked for {} {} (id {id:#06x}, source port {port}, attempt {attempt})",
                question.name, question.qtype
            ),
            Self::Stub(StubEvent::Resolved { result: Ok(answer), .. }) => {
                let addresses: Vec<String> = answer.addresses().iter().map(ToString::to_string).collect();
                write!(f, "{} is {}", answer.question.name, addresses.join(", "))
            }
            Self::Stub(StubEvent::Resolved { result: Err(failure), .. }) => {
                write!(f, "lookup failed: {failure}")
            }
            Self::Stub(StubEvent::ResponseIgnored { from, reason, .. }) => {
                write!(f, "ignored a datagram from {from}: {reason}")
            }
            Self::Stub(StubEvent::PortReleased { port })
            | Self::Forwarder(ForwarderEvent::PortReleased { port }) => {
                write!(f, "closed source port {port}")
            }
            Self::Forwarder(ForwarderEvent::Forwarded { client, question, client_id, upstream_id, port }) => {
                write!(
                    f,
                    "relayed {client}'s query for {} {} (id {client_id:#06x}) upstream as id {upstream_id:#06x} from port {port}",
                    question.name, question.qtype
                )
            }
            Self::Forwarder(ForwarderEvent::Relayed { client, rcode, answers }) => {
                write!(f, "relayed the answer ({rcode}, {answers} records) back to {client}")
            }
            Self::Forwarder(ForwarderEvent::Retried { client, port }) => {
                write!(f, "no answer yet for {client}: asked again from port {port}")
            }
            Self::Forwarder(ForwarderEvent::GaveUp { client }) => write!(f, "gave up: SERVFAIL to {client}"),
            Self::Forwarder(ForwarderEvent::ResponseIgnored { from, reason, .. }) => {
                write!(f, "ignored a datagram from {from}: {reason}")
            }
            Self::Forwarder(ForwarderEvent::Rejected { client, rcode }) => {
                write!(f, "answered {client} {rcode}")
            }
            Self::Resolver(event) => write!(f, "{event}"),
            Self::Server(ServerEvent::Answered { client, question, outcome, truncated }) => {
                match question {
                    Some(question) => {
                        write!(f, "answered {client}'s query for {} {}: ", question.name, question.qtype)?
                    }
                    None => write!(f, "answered {client}: ")?,
                }
                match outcome {
                    dns::ServerOutcome::Answer { count } => write!(f, "{count} authoritative records")?,
                    dns::ServerOutcome::Referral { zone } => write!(f, "referral to the servers of {zone}")?,
                    dns::ServerOutcome::NoData => f.write_str("no data (SOA in authority)")?,
                    dns::ServerOutcome::NxDomain => f.write_str("no such name (NXDOMAIN)")?,
                    dns::ServerOutcome::Refused => f.write_str("refused: not a zone served here")?,
                    dns::ServerOutcome::Error(rcode) => write!(f, "{rcode}")?,
                    _ => f.write_str("answered")?,
                }
                if *truncated {
                    f.write_str(" (truncated for UDP)")?;
                }
                Ok(())
            }
            Self::Server(ServerEvent::Dropped { from, reason }) => {
                write!(f, "dropped a datagram from {from}: {reason}")
            }
            Self::Server(ServerEvent::QueueOverflow) => {
                f.write_str("response queue full: oldest response dropped")
            }
            _ => f.write_str("DNS event"),
        }
    }
}

/// A DNS application: a stub, a forwarder, a caching resolver or an authoritative server.
#[derive(Debug)]
pub struct DnsApp {
    role: Role,
    /// Names asked for before the node had an address (its DHCP lease is still on the
    /// way): looked up as soon as an address is configured.
    deferred: Vec<String>,
    /// Lookups asked again after a failure, by name (as resolv.conf's `attempts`).
    retried: BTreeMap<String, u32>,
    /// The name each of the stub's lookups in progress is for.
    names: BTreeMap<dns::QueryHandle, String>,
    /// The address servers listen on (none for a stub).
    listen: Option<SocketAddrV4>,
    sockets: BTreeMap<u16, UdpHandle>,
    rng: ChaCha8Rng,
}

impl DnsApp {
    fn with_role(role: Role, listen: Option<SocketAddrV4>) -> Self {
        Self {
            role,
            deferred: Vec::new(),
            retried: BTreeMap::new(),
            names: BTreeMap::new(),
            listen,
            sockets: BTreeMap::new(),
            rng: ChaCha8Rng::seed_from_u64(0),
        }
    }

    /// A stub resolver asking the node's DNS servers (from its DHCP lease), else
    /// `server`; lookups start with [`Command::Lookup`].
    pub fn stub(server: Ipv4Addr) -> Self {
        Self::with_role(Role::Stub { server: SocketAddrV4::new(server, DNS_PORT), stub: None }, None)
    }

    /// A forwarder listening on `lan`, relaying from `wan` to `upstream`.
    pub fn forwarder(lan: Ipv4Addr, wan: Ipv4Addr, upstream: Ipv4Addr) -> Self {
        let listen = SocketAddrV4::new(lan, DNS_PORT);
        let config = ForwarderConfig::new(listen, wan, SocketAddrV4::new(upstream, DNS_PORT));
        Self::with_role(Role::Forwarder(Forwarder::new(config)), Some(listen))
    }

    /// A caching iterative resolver listening on `address`, starting from `root_servers`.
    pub fn resolver(address: Ipv4Addr, root_servers: Vec<Ipv4Addr>) -> Self {
        let listen = SocketAddrV4::new(address, DNS_PORT);
        Self::with_role(
            Role::Resolver(Resolver::new(ResolverConfig::new(listen, root_servers))),
            Some(listen),
        )
    }

    /// An authoritative server for `zones` on `address`.
    pub fn authoritative(address: Ipv4Addr, zones: Vec<dns::Zone>) -> Self {
        let server = AuthServer::new(dns::ServerConfig::default(), zones);
        Self::with_role(Role::Authoritative(server), Some(SocketAddrV4::new(address, DNS_PORT)))
    }

    /// The resolver's cache, when this is a resolver (for `--state` and tests).
    pub fn resolver_cache(&self) -> Option<&dns::Cache> {
        match &self.role {
            Role::Resolver(resolver) => Some(resolver.cache()),
            _ => None,
        }
    }

    /// Starts a lookup of `name` with the stub resolver, or defers it until the node has an
    /// address.
    fn lookup(&mut self, cx: &mut AppContext<'_>, name: &str) {
        let Role::Stub { server, stub } = &mut self.role else { return };
        // The first server the DHCP lease named, as resolv.conf would list it; the
        // configured one otherwise.
        if let Some(first) = cx.name_servers.first() {
            *server = SocketAddrV4::new(*first, DNS_PORT);
        }
        let Some(local) = cx.stack.source_address_for(*server.ip()) else {
            // No address yet: ask once the lease is bound (bounded: one entry per name).
            if !self.deferred.iter().any(|deferred| deferred == name) && self.deferred.len() < 16 {
                self.deferred.push(name.to_owned());
            }
            return;
        };
        let stub = stub.get_or_insert_with(|| StubResolver::new(StubConfig::new(local, *server)));
        stub.set_server(*server);
        match Name::from_ascii(name) {
            Ok(parsed) => match stub.resolve(cx.now, parsed, RecordType::A, &mut self.rng) {
                Ok(handle) => {
                    // Bounded by the stub's own limit on lookups in progress.
                    self.names.insert(handle, name.to_owned());
                }
                Err(failure) => {
                    cx.report(AppEvent::Dns(DnsEvent::Stub(StubEvent::Resolved {
                        handle: dns::QueryHandle(0),
                        result: Err(failure),
                    })));
                }
            },
            Err(error) => cx.report(AppEvent::BadName { name: name.to_owned(), error: error.to_string() }),
        }
        self.drain(cx);
    }

    fn bind(&mut self, cx: &mut AppContext<'_>, local: SocketAddrV4) -> Option<UdpHandle> {
        if let Some(handle) = self.sockets.get(&local.port()) {
            return Some(*handle);
        }
        match cx.stack.udp_bind(local) {
            Ok(handle) => {
                self.sockets.insert(local.port(), handle);
                Some(handle)
            }
            Err(error) => {
                cx.report(AppEvent::SocketFailed(error));
                None
            }
        }
    }

    fn send(&mut self, cx: &mut AppContext<'_>, transmit: &Transmit) {
        let Some(socket) = self.bind(cx, transmit.from) else { return };
        if let Err(error) = cx.stack.udp_send(cx.now, socket, transmit.to, &transmit.payload) {
            cx.report(AppEvent::UdpRefused(error));
        }
    }

    /// Sends what the role queued, reports its events, closes released ports.
    fn drain(&mut self, cx: &mut AppContext<'_>) {
        let now = cx.now;
        let mut transmits = Vec::new();
        let mut events = Vec::new();
        match &mut self.role {
            Role::Stub { stub: Some(stub), .. } => {
                transmits.extend(std::iter::from_fn(|| stub.poll_transmit(now)));
                events.extend(std::iter::from_fn(|| stub.poll_event()).map(DnsEvent::Stub));
            }
            Role::Stub { stub: None, .. } => {}
            Role::Forwarder(forwarder) => {
                transmits.extend(std::iter::from_fn(|| forwarder.poll_transmit(now)));
                events.extend(std::iter::from_fn(|| forwarder.poll_event()).map(DnsEvent::Forwarder));
            }
            Role::Resolver(resolver) => {
                transmits.extend(std::iter::from_fn(|| resolver.poll_transmit(now)));
                events.extend(std::iter::from_fn(|| resolver.poll_event()).map(DnsEvent::Resolver));
            }
            Role::Authoritative(server) => {
                transmits.extend(std::iter::from_fn(|| server.poll_transmit(now)));
                events.extend(std::iter::from_fn(|| server.poll_event()).map(DnsEvent::Server));
            }
        }
        for transmit in &transmits {
            self.send(cx, transmit);
        }
        let mut retry = Vec::new();
        for event in events {
            let released = match &event {
                DnsEvent::Stub(StubEvent::PortReleased { port })
                | DnsEvent::Forwarder(ForwarderEvent::PortReleased { port })
                | DnsEvent::Resolver(ResolverEvent::PortReleased { port }) => Some(*port),
                _ => None,
            };
            if let Some(port) = released.filter(|port| Some(*port) != self.listen.map(|l| l.port())) {
                if let Some(handle) = self.sockets.remove(&port) {
                    cx.stack.udp_close(handle);
                }
                continue;
            }
            // A failed lookup is asked again, twice at most, as resolv.conf's `attempts:3`
            // does: on a lossy path the next try usually finds the resolver's cache warmer.
            if let DnsEvent::Stub(StubEvent::Resolved { result: Err(_), handle }) = &event
                && let Some(name) = self.names.remove(handle)
            {
                let tries = self.retried.entry(name.clone()).or_insert(0);
                if *tries < STUB_RETRIES {
                    *tries += 1;
                    retry.push(name);
                }
            }
            if let DnsEvent::Stub(StubEvent::Resolved { result: Ok(answer), .. }) = &event
                && let Some(first) = answer.addresses().first()
            {
                let name = answer.question.name.to_string();
                cx.hosts.insert(name.trim_end_matches('.').to_ascii_lowercase(), *first);
            }
            if let DnsEvent::Stub(StubEvent::Resolved { result: Ok(_), handle }) = &event
                && let Some(name) = self.names.remove(handle)
            {
                self.retried.remove(&name);
            }
            cx.report(AppEvent::Dns(event));
        }
        for name in retry {
            self.lookup(cx, &name);
        }
    }
}

impl App for DnsApp {
    fn start(&mut self, cx: &mut AppContext<'_>) {
        self.rng = ChaCha8Rng::seed_from_u64(cx.seed ^ DNS_SALT);
        if let Some(listen) = self.listen {
            self.bind(cx, listen);
        }
    }

    fn handle_stack_event(&mut self, cx: &mut AppContext<'_>, event: &stack::StackEvent) {
        if matches!(event, stack::StackEvent::AddressAdded { .. }) && !self.deferred.is_empty() {
            for name in std::mem::take(&mut self.deferred) {
                self.lookup(cx, &name);
            }
        }
    }

    fn handle_command(&mut self, cx: &mut AppContext<'_>, command: &Command) -> bool {
        let Command::Lookup { name } = command else { return false };
        if !matches!(self.role, Role::Stub { .. }) {
            return false;
        }
        self.lookup(cx, name);
        true
    }

    fn poll(&mut self, cx: &mut AppContext<'_>) {
        let handles: Vec<UdpHandle> = self.sockets.values().copied().collect();
        for handle in handles {
            while let Some(message) = cx.stack.udp_recv(handle) {
                let UdpMessage::Datagram(datagram) = message else { continue };
                let (now, from, to, payload) = (cx.now, datagram.src, datagram.dst, &datagram.payload[..]);
                match &mut self.role {
                    Role::Stub { stub: Some(stub), .. } => stub.handle_datagram(now, from, to, payload),
                    Role::Stub { stub: None, .. } => {}
                    Role::Forwarder(forwarder) => {
                        forwarder.handle_datagram(now, from, to, payload, &mut self.rng)
                    }
                    Role::Resolver(resolver) => {
                        resolver.handle_datagram(now, from, to, payload, &mut self.rng)
                    }
                    Role::Authoritative(server) => server.handle_datagram(now, from, to, payload),
                }
            }
        }
        self.drain(cx);
    }

    fn poll_timeout(&self) -> Option<Duration> {
        match &self.role {
            Role::Stub { stub, .. } => stub.as_ref().and_then(StubResolver::poll_timeout),
            Role::Forwarder(forwarder) => forwarder.poll_timeout(),
            Role::Resolver(resolver) => resolver.poll_timeout(),
            Role::Authoritative(_) => None,
        }
    }

    fn handle_timeout(&mut self, cx: &mut AppContext<'_>) {
        let now = cx.now;
        match &mut self.role {
            Role::Stub { stub: Some(stub), .. } => stub.handle_timeout(now, &mut self.rng),
            Role::Stub { stub: None, .. } | Role::Authoritative(_) => {}
            Role::Forwarder(forwarder) => forwarder.handle_timeout(now, &mut self.rng),
            Role::Resolver(resolver) => resolver.handle_timeout(now, &mut self.rng),
        }
        self.drain(cx);
    }

    fn describe(&self, now: Duration) -> Vec<String> {
        let Some(cache) = self.resolver_cache() else { return Vec::new() };
        let mut lines: Vec<String> = cache
            .entries(now)
            .map(|entry| {
                let what = entry.rtype.map_or_else(|| "NXDOMAIN".to_owned(), |t| t.to_string());
                let negative = if entry.negative && entry.rtype.is_some() { " (no data)" } else { "" };
                format!("DNS cache {} {what}{negative}: {} s left", entry.name, entry.ttl_left)
            })
            .collect();
        lines.sort();
        lines
    }
}
