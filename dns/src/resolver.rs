//! The recursive caching resolver (RFC 1034 §5.3.3): iterates from the root hints
//! through referrals, restarts on CNAMEs, caches answers, delegations and negative
//! answers, and accepts a response only if address, port, ID and question match.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::ops::RangeInclusive;
use std::time::Duration;

use bytes::Bytes;
use rand_core::Rng;

use crate::cache::{Cache, CacheConfig, Cached, Trust};
use crate::upstream::{Pending, Upstream};
use crate::{
    Answer, DnsPacket, Edns, Failure, IgnoreReason, IgnoredRecord, Message, Name, Opcode, QueryHandle,
    Question, RData, Rcode, Record, RecordIgnoreReason, RecordType, ResolverEvent, ServFailReason, Transmit,
    UDP_LIMIT,
};
use common::{BoundedQueue, Overflow};

/// Settings of a [`Resolver`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverConfig {
    /// Where clients send their queries (ns1: 10.1.2.53:53). Upstream queries go out
    /// from this address too, from random ports.
    pub listen: SocketAddrV4,
    /// Addresses of the root servers (root hints).
    pub root_servers: Vec<Ipv4Addr>,
    /// The port authoritative servers listen on.
    pub server_port: u16,
    /// How long to wait for one server before trying the next.
    pub query_timeout: Duration,
    /// Passes over a zone's servers when some stayed silent (a lost query or answer)
    /// before the lookup fails, each waiting twice as long as the one before; error
    /// answers never earn another pass.
    pub rounds: usize,
    /// Most lookups in progress (client queries and `resolve` calls); beyond, client
    /// queries get REFUSED and `resolve` an error. Each has at most one query in flight.
    pub max_lookups: usize,
    /// Most referrals followed for one lookup.
    pub max_referrals: usize,
    /// Longest CNAME chain followed for one lookup.
    pub max_cname_chain: usize,
    /// Most upstream queries for one lookup (retries included).
    pub max_queries_per_lookup: usize,
    /// Source ports are drawn from this range (RFC 6056: the unprivileged 1024–65535).
    pub source_ports: RangeInclusive<u16>,
    /// Ports never used as source ports (ports the node serves on, for instance).
    pub avoid_ports: Vec<u16>,
    /// The EDNS0 UDP payload size advertised upstream and to clients.
    pub udp_payload_size: u16,
    /// The cache's bounds.
    pub cache: CacheConfig,
    /// Most transmits and events waiting to be polled; beyond, the oldest is dropped.
    pub max_queued: usize,
}

impl ResolverConfig {
    /// Defaults for a resolver listening on `listen` with the given root hints.
    pub fn new(listen: SocketAddrV4, root_servers: Vec<Ipv4Addr>) -> Self {
        Self {
            listen,
            root_servers,
            server_port: 53,
            query_timeout: Duration::from_millis(800),
            rounds: 3,
            max_lookups: 256,
            max_referrals: 12,
            max_cname_chain: 8,
            max_queries_per_lookup: 24,
            source_ports: 1024..=65535,
            avoid_ports: Vec::new(),
            udp_payload_size: 1232,
            cache: CacheConfig::default(),
            max_queued: 1024,
        }
    }
}

/// A client's query being answered.
#[derive(Debug, Clone)]
struct Client {
    addr: SocketAddrV4,
    local: SocketAddrV4,
    query: Message,
    limit: usize,
}

/// One lookup: the question, how far the iteration got, and its budgets.
#[derive(Debug, Clone)]
struct Lookup {
    handle: QueryHandle,
    client: Option<Client>,
    question: Question,
    /// The name being looked up now (after CNAMEs).
    current: Name,
    /// CNAMEs followed so far.
    chain: Vec<Record>,
    referrals: usize,
    sent: usize,
    /// The zone whose servers are being asked.
    zone: Name,
    servers: Vec<Ipv4Addr>,
    next_server: usize,
    /// Passes made over `servers` so far (a new zone starts a new count).
    round: usize,
    /// Whether a server of this pass stayed silent (worth another pass; an error
    /// answer is not).
    timed_out: bool,
}

/// How a lookup ended.
#[derive(Debug)]
enum Outcome {
    Answer(Vec<Record>),
    NoData(Option<Box<Record>>),
    NxDomain(Option<Box<Record>>),
    Fail(ServFailReason),
}

/// A recursive caching resolver, sans-IO.
///
/// Inputs: [`Resolver::handle_datagram`] for every UDP datagram addressed to the
/// resolver's address (client queries on [`ResolverConfig::listen`], responses on the
/// source ports it chose), [`Resolver::resolve`] for local lookups,
/// [`Resolver::handle_timeout`] when [`Resolver::poll_timeout`] is due. Outputs:
/// [`Resolver::poll_transmit`] and [`Resolver::poll_event`].
///
/// **Port contract.** Each upstream query goes out from a fresh random source port
/// (the [`Transmit::from`] port). The glue binds that port when it first sees it on a
/// transmit and feeds every datagram arriving on it to `handle_datagram`; when the
/// resolver emits [`ResolverEvent::PortReleased`] the port may be closed. Datagrams
/// arriving on a released port are ignored (and reported) anyway.
///
/// Randomness (IDs, ports) comes from the `rng` passed to the calls that may send.
#[derive(Debug)]
pub struct Resolver {
    config: ResolverConfig,
    cache: Cache,
    lookups: BTreeMap<QueryHandle, Lookup>,
    upstream: Upstream<QueryHandle>,
    transmits: BoundedQueue<Transmit>,
    events: BoundedQueue<ResolverEvent>,
    next_handle: u64,
    dropped: u64,
}

impl Resolver {
    /// A resolver with an empty cache.
    pub fn new(config: ResolverConfig) -> Self {
        let upstream = Upstream::new(config.source_ports.clone(), config.avoid_ports.clone());
        Self {
            cache: Cache::new(config.cache.clone()),
            lookups: BTreeMap::new(),
            upstream,
            transmits: BoundedQueue::new(config.max_queued.max(1), Overflow::DropOldest),
            events: BoundedQueue::new(config.max_queued.max(1), Overflow::DropOldest),
            next_handle: 0,
            dropped: 0,
            config,
        }
    }

    /// The settings.
    pub const fn config(&self) -> &ResolverConfig {
        &self.config
    }

    /// The cache.
    pub const fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The cache, to seed or inspect it.
    pub const fn cache_mut(&mut self) -> &mut Cache {
        &mut self.cache
    }

    /// Lookups in progress.
    pub fn lookups_in_progress(&self) -> usize {
        self.lookups.len()
    }

    /// Upstream queries waiting for an answer (at most one per lookup).
    pub fn queries_in_flight(&self) -> usize {
        self.upstream.len()
    }

    /// Transmits and events dropped because the caller did not poll them in time.
    pub const fn dropped_outputs(&self) -> u64 {
        self.dropped
    }

    /// Starts a lookup of `name`/`qtype` for a local application; its result comes as
    /// [`ResolverEvent::Resolved`] (at once if the cache has it).
    ///
    /// # Errors
    /// [`Failure::TooManyQueries`] if [`ResolverConfig::max_lookups`] are in progress.
    pub fn resolve(
        &mut self,
        now: Duration,
        name: Name,
        qtype: RecordType,
        rng: &mut impl Rng,
    ) -> Result<QueryHandle, Failure> {
        if self.lookups.len() >= self.config.max_lookups {
            self.event(ResolverEvent::QueryRefused { client: None });
            return Err(Failure::TooManyQueries);
        }
        let handle = self.new_handle();
        let lookup = self.new_lookup(handle, None, Question::new(name, qtype));
        self.start(now, rng, lookup);
        Ok(handle)
    }

    /// Handles a UDP datagram received on `to` from `from`: a client's query if `to` is
    /// the listening address, else a candidate response to one of our queries.
    pub fn handle_datagram(
        &mut self,
        now: Duration,
        from: SocketAddrV4,
        to: SocketAddrV4,
        payload: &[u8],
        rng: &mut impl Rng,
    ) {
        if to == self.config.listen {
            let is_query = DnsPacket::new_checked(payload).is_ok_and(|h| !h.flags().response());
            if is_query {
                self.client_query(now, from, to, payload, rng);
            } else {
                self.event(ResolverEvent::ResponseIgnored {
                    from,
                    port: to.port(),
                    reason: IgnoreReason::NotAResponse,
                });
            }
            return;
        }
        match self.upstream.accept(from, to.port(), payload) {
            Err(reason) => self.event(ResolverEvent::ResponseIgnored { from, port: to.port(), reason }),
            Ok((pending, message)) => {
                self.event(ResolverEvent::PortReleased { port: to.port() });
                let Some(mut lookup) = self.lookups.remove(&pending.token) else { return };
                let outcome = self.process(now, rng, &mut lookup, &pending, &message);
                self.settle(lookup, outcome);
            }
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self, _now: Duration) -> Option<Transmit> {
        self.transmits.pop()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ResolverEvent> {
        self.events.pop()
    }

    /// When [`Resolver::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.upstream.next_deadline()
    }

    /// Gives up on servers that did not answer in time and asks the next ones.
    pub fn handle_timeout(&mut self, now: Duration, rng: &mut impl Rng) {
        for (port, pending) in self.upstream.expired(now) {
            self.event(ResolverEvent::ServerTimeout { handle: pending.token, server: pending.server });
            self.event(ResolverEvent::PortReleased { port });
            let Some(mut lookup) = self.lookups.remove(&pending.token) else { continue };
            lookup.timed_out = true;
            let outcome = self.send_next(now, rng, &mut lookup).err();
            self.settle(lookup, outcome);
        }
    }

    fn new_handle(&mut self) -> QueryHandle {
        self.next_handle += 1;
        QueryHandle(self.next_handle)
    }

    fn new_lookup(&self, handle: QueryHandle, client: Option<Client>, question: Question) -> Lookup {
        Lookup {
            handle,
            client,
            current: question.name.clone(),
            question,
            chain: Vec::new(),
            referrals: 0,
            sent: 0,
            zone: Name::root(),
            servers: Vec::new(),
            next_server: 0,
            round: 0,
            timed_out: false,
        }
    }

    fn event(&mut self, event: ResolverEvent) {
        if !self.events.push(event) {
            self.dropped += 1;
        }
    }

    fn transmit(&mut self, transmit: Transmit) {
        if !self.transmits.push(transmit) {
            self.dropped += 1;
        }
    }

    fn client_query(
        &mut self,
        now: Duration,
        from: SocketAddrV4,
        to: SocketAddrV4,
        payload: &[u8],
        rng: &mut impl Rng,
    ) {
        let Ok(query) = Message::parse(payload) else {
            let Ok(header) = DnsPacket::new_checked(payload) else { return };
            let bare =
                Message { id: header.id(), flags: header.flags().with_rcode_low(0), ..Message::default() };
            self.reply(from, to, &bare, Rcode::FORMERR, UDP_LIMIT);
            return;
        };
        let limit = query
            .edns()
            .map_or(UDP_LIMIT, |e| usize::from(e.udp_payload_size.min(self.config.udp_payload_size)));
        let question = match query.questions.as_slice() {
            [q] if query.flags.opcode() == Opcode::QUERY => q.clone(),
            [_] => return self.reply(from, to, &query, Rcode::NOTIMP, limit),
            _ => return self.reply(from, to, &query, Rcode::FORMERR, limit),
        };
        if self.lookups.len() >= self.config.max_lookups {
            self.event(ResolverEvent::QueryRefused { client: Some(from) });
            return self.reply(from, to, &query, Rcode::REFUSED, limit);
        }
        let handle = self.new_handle();
        self.event(ResolverEvent::QueryReceived { handle, client: from, question: question.clone() });
        let client = Client { addr: from, local: to, query, limit };
        let lookup = self.new_lookup(handle, Some(client), question);
        self.start(now, rng, lookup);
    }

    /// An error response with no records.
    fn reply(
        &mut self,
        client: SocketAddrV4,
        local: SocketAddrV4,
        query: &Message,
        rcode: Rcode,
        limit: usize,
    ) {
        let mut response = Message::response_to(query, rcode);
        response.flags = response.flags.with_recursion_available(true);
        if query.edns().is_some() {
            response.set_edns(Some(Edns::new(self.config.udp_payload_size)));
            response.set_rcode(rcode);
        }
        if let Ok(bytes) = response.to_bytes_truncated(limit) {
            self.transmit(Transmit { from: local, to: client, payload: Bytes::from(bytes) });
        }
    }

    fn start(&mut self, now: Duration, rng: &mut impl Rng, mut lookup: Lookup) {
        let outcome = self.run(now, rng, &mut lookup);
        self.settle(lookup, outcome);
    }

    /// Keeps a lookup that waits for a response, or finishes it.
    fn settle(&mut self, lookup: Lookup, outcome: Option<Outcome>) {
        match outcome {
            None => {
                self.lookups.insert(lookup.handle, lookup);
            }
            Some(outcome) => self.finish(lookup, outcome),
        }
    }

    /// Answers from the cache as far as it goes, then asks a server. `None`: a query
    /// is in flight.
    fn run(&mut self, now: Duration, rng: &mut impl Rng, lookup: &mut Lookup) -> Option<Outcome> {
        let qtype = lookup.question.qtype;
        for _ in 0..=self.config.max_cname_chain + 1 {
            match self.cache.get(now, &lookup.current, qtype) {
                Some(found) => {
                    let (handle, name) = (lookup.handle, lookup.current.clone());
                    self.event(ResolverEvent::CacheHit { handle, name, rtype: qtype });
                    return Some(match found {
                        Cached::Records(rs) => Outcome::Answer(rs),
                        Cached::NxDomain(soa) => Outcome::NxDomain(soa.map(Box::new)),
                        Cached::NoData(soa) => Outcome::NoData(soa.map(Box::new)),
                    });
                }
                None if qtype != RecordType::CNAME => {
                    let Some(Cached::Records(rs)) = self.cache.get(now, &lookup.current, RecordType::CNAME)
                    else {
                        break;
                    };
                    let Some(cname) = rs.into_iter().next() else { break };
                    let (handle, name) = (lookup.handle, lookup.current.clone());
                    self.event(ResolverEvent::CacheHit { handle, name, rtype: RecordType::CNAME });
                    if let Err(outcome) = self.follow_cname(lookup, cname) {
                        return Some(outcome);
                    }
                }
                None => break,
            }
        }
        self.send_next(now, rng, lookup).err()
    }

    fn follow_cname(&mut self, lookup: &mut Lookup, cname: Record) -> Result<(), Outcome> {
        let Some(target) = cname.rdata.target().cloned() else { return Ok(()) };
        if lookup.chain.len() >= self.config.max_cname_chain {
            return Err(Outcome::Fail(ServFailReason::CnameLimit(self.config.max_cname_chain)));
        }
        self.event(ResolverEvent::CnameFollowed {
            handle: lookup.handle,
            from: cname.name.clone(),
            to: target.clone(),
        });
        lookup.chain.push(cname);
        lookup.current = target;
        lookup.servers.clear();
        Ok(())
    }

    /// The closest zone with cached servers whose addresses are known, else the root.
    fn best_servers(&mut self, now: Duration, name: &Name) -> (Name, Vec<Ipv4Addr>) {
        let mut zone = Some(name.clone());
        while let Some(z) = zone {
            if z.is_root() {
                break;
            }
            if let Some(Cached::Records(ns)) = self.cache.get(now, &z, RecordType::NS) {
                let mut addrs = Vec::new();
                for target in ns.iter().filter_map(|r| r.rdata.target()) {
                    for a in self.cache.addresses(now, target) {
                        if !addrs.contains(&a) {
                            addrs.push(a);
                        }
                    }
                }
                if !addrs.is_empty() {
                    return (z, addrs);
                }
            }
            zone = z.parent();
        }
        (Name::root(), self.config.root_servers.clone())
    }

    /// Sends the lookup's question to its next server, or says why it cannot.
    fn send_next(&mut self, now: Duration, rng: &mut impl Rng, lookup: &mut Lookup) -> Result<(), Outcome> {
        if lookup.servers.is_empty() {
            let (zone, servers) = self.best_servers(now, &lookup.current);
            lookup.zone = zone;
            lookup.servers = servers;
            lookup.next_server = 0;
            lookup.round = 0;
            lookup.timed_out = false;
        }
        // Every server of the zone was tried and one stayed silent: go round again, as
        // resolvers do for lost packets (BIND and Unbound retry each server).
        if lookup.next_server >= lookup.servers.len()
            && lookup.timed_out
            && lookup.round + 1 < self.config.rounds
        {
            lookup.round += 1;
            lookup.next_server = 0;
            lookup.timed_out = false;
        }
        if lookup.sent >= self.config.max_queries_per_lookup {
            return Err(Outcome::Fail(ServFailReason::WorkLimit(self.config.max_queries_per_lookup)));
        }
        let Some(&server) = lookup.servers.get(lookup.next_server) else {
            return Err(Outcome::Fail(ServFailReason::AllServersFailed { zone: lookup.zone.clone() }));
        };
        let (port, id) = self.upstream.allocate(rng).ok_or(Outcome::Fail(ServFailReason::NoFreePort))?;
        lookup.next_server += 1;
        lookup.sent += 1;
        let question = Question::new(lookup.current.clone(), lookup.question.qtype);
        let mut query = Message::query(id, question.clone(), false);
        query.set_edns(Some(Edns::new(self.config.udp_payload_size)));
        let Ok(bytes) = query.to_bytes() else {
            return Err(Outcome::Fail(ServFailReason::WorkLimit(lookup.sent)));
        };
        let server = SocketAddrV4::new(server, self.config.server_port);
        let from = SocketAddrV4::new(*self.config.listen.ip(), port);
        self.transmit(Transmit { from, to: server, payload: Bytes::from(bytes) });
        // Each pass waits twice as long as the one before (RFC 1035 §4.2.1's backoff).
        let deadline = now + self.config.query_timeout.saturating_mul(1 << lookup.round.min(4));
        self.upstream
            .insert(port, Pending { id, server, question: question.clone(), deadline, token: lookup.handle });
        self.event(ResolverEvent::QuerySent {
            handle: lookup.handle,
            server,
            zone: lookup.zone.clone(),
            question,
            id,
            port,
        });
        Ok(())
    }

    fn server_failed(
        &mut self,
        now: Duration,
        rng: &mut impl Rng,
        lookup: &mut Lookup,
        server: SocketAddrV4,
        rcode: Rcode,
        why: &'static str,
    ) -> Option<Outcome> {
        self.event(ResolverEvent::ServerFailed { handle: lookup.handle, server, rcode, why });
        self.send_next(now, rng, lookup).err()
    }

    fn cache_records(&mut self, now: Duration, records: Vec<Record>, trust: Trust) {
        let Some(first) = records.first() else { return };
        let (name, rtype, count) = (first.name.clone(), first.rtype(), records.len());
        let ttl = records.iter().map(|r| r.ttl).min().unwrap_or(0).min(self.cache.config().max_ttl);
        let evicted = self.cache.insert(now, records, trust);
        if ttl > 0 {
            self.event(ResolverEvent::Cached { name, rtype, ttl, count });
        }
        if let Some((name, rtype)) = evicted {
            self.event(ResolverEvent::CacheEvicted { name, rtype });
        }
    }

    fn cache_negative(
        &mut self,
        now: Duration,
        name: Name,
        rtype: RecordType,
        nxdomain: bool,
        soa: Option<Record>,
    ) {
        // RFC 2308 §5: without an SOA there is no negative TTL, so nothing is cached.
        let Some(soa) = soa else { return };
        let minimum = if let RData::Soa(s) = &soa.rdata { s.minimum } else { 0 };
        let ttl = soa.ttl.min(minimum).min(self.cache.config().max_negative_ttl);
        let evicted = self.cache.insert_negative(now, name.clone(), rtype, nxdomain, Some(soa), ttl);
        if ttl > 0 {
            self.event(ResolverEvent::NegativeCached { name, rtype, nxdomain, ttl });
        }
        if let Some((name, rtype)) = evicted {
            self.event(ResolverEvent::CacheEvicted { name, rtype });
        }
    }

    fn ignore(&mut self, handle: QueryHandle, record: &Record, reason: RecordIgnoreReason) {
        let record = IgnoredRecord { name: record.name.clone(), rtype: record.rtype(), reason };
        self.event(ResolverEvent::RecordIgnored { handle, record });
    }

    /// Uses an accepted response: answer, CNAME, referral, NXDOMAIN or NODATA.
    fn process(
        &mut self,
        now: Duration,
        rng: &mut impl Rng,
        lookup: &mut Lookup,
        pending: &Pending<QueryHandle>,
        msg: &Message,
    ) -> Option<Outcome> {
        let server = pending.server;
        let rcode = msg.rcode();
        if msg.flags.truncated() {
            return self.server_failed(now, rng, lookup, server, rcode, "truncated (no TCP fallback yet)");
        }
        if rcode != Rcode::NOERROR && rcode != Rcode::NXDOMAIN {
            return self.server_failed(now, rng, lookup, server, rcode, "error response");
        }
        let zone = lookup.zone.clone();
        let qtype = lookup.question.qtype;
        let handle = lookup.handle;
        // Out-of-bailiwick records are never used.
        for r in msg.records().filter(|r| r.rtype() != RecordType::OPT && !r.name.is_subdomain_of(&zone)) {
            self.ignore(handle, r, RecordIgnoreReason::OutOfBailiwick { zone: zone.clone() });
        }
        let in_zone = |r: &&Record| r.name.is_subdomain_of(&zone);
        let answers: Vec<&Record> = msg.answers.iter().filter(in_zone).collect();

        // The answer section: follow CNAMEs inside it, take the RRset asked for.
        let start = lookup.current.clone();
        for _ in 0..=self.config.max_cname_chain {
            let name = lookup.current.clone();
            let rrset: Vec<Record> = answers
                .iter()
                .filter(|r| {
                    r.name == name
                        && (r.rtype() == qtype
                            || (qtype == RecordType::ANY && r.rtype() != RecordType::CNAME))
                })
                .map(|r| (*r).clone())
                .collect();
            if !rrset.is_empty() {
                self.cache_records(now, rrset.clone(), Trust::Answer);
                return Some(Outcome::Answer(rrset));
            }
            let Some(cname) = answers.iter().find(|r| r.name == name && r.rtype() == RecordType::CNAME)
            else {
                break;
            };
            let cname = (*cname).clone();
            self.cache_records(now, vec![cname.clone()], Trust::Answer);
            if let Err(outcome) = self.follow_cname(lookup, cname) {
                return Some(outcome);
            }
        }
        let soa = msg
            .authorities
            .iter()
            .find(|r| {
                r.rtype() == RecordType::SOA
                    && r.name.is_subdomain_of(&zone)
                    && lookup.current.is_subdomain_of(&r.name)
            })
            .cloned();
        if rcode == Rcode::NXDOMAIN {
            self.cache_negative(now, lookup.current.clone(), qtype, true, soa.clone());
            return Some(Outcome::NxDomain(soa.map(Box::new)));
        }
        if lookup.current != start {
            // The alias's target is not in this response: look it up afresh.
            return self.run(now, rng, lookup);
        }

        // A referral: NS records for a zone between the one asked and the name.
        let ns_owner = msg
            .authorities
            .iter()
            .find(|r| r.rtype() == RecordType::NS && r.name.is_subdomain_of(&zone))
            .map(|r| r.name.clone());
        if let Some(cut) = ns_owner.filter(|_| answers.is_empty() && soa.is_none()) {
            if !(cut.is_subdomain_of(&zone) && cut != zone && lookup.current.is_subdomain_of(&cut)) {
                return self.server_failed(
                    now,
                    rng,
                    lookup,
                    server,
                    rcode,
                    "referral does not lead closer to the name",
                );
            }
            lookup.referrals += 1;
            if lookup.referrals > self.config.max_referrals {
                return Some(Outcome::Fail(ServFailReason::ReferralLimit(self.config.max_referrals)));
            }
            let ns: Vec<Record> = msg
                .authorities
                .iter()
                .filter(|r| r.rtype() == RecordType::NS && r.name == cut)
                .cloned()
                .collect();
            let targets: Vec<Name> = ns.iter().filter_map(|r| r.rdata.target().cloned()).collect();
            self.cache_records(now, ns, Trust::Referral);
            let mut glue: BTreeMap<Name, Vec<Record>> = BTreeMap::new();
            for r in msg.additionals.iter().filter(|r| matches!(r.rtype(), RecordType::A | RecordType::AAAA))
            {
                if !r.name.is_subdomain_of(&zone) {
                    continue; // reported above
                }
                if targets.contains(&r.name) {
                    glue.entry(r.name.clone()).or_default().push(r.clone());
                } else {
                    self.ignore(handle, r, RecordIgnoreReason::NotGlue);
                }
            }
            let mut servers = Vec::new();
            for (_, records) in glue {
                let (a, aaaa): (Vec<Record>, Vec<Record>) =
                    records.into_iter().partition(|r| r.rtype() == RecordType::A);
                servers.extend(
                    a.iter().filter_map(|r| if let RData::A(ip) = r.rdata { Some(ip) } else { None }),
                );
                self.cache_records(now, a, Trust::Glue);
                self.cache_records(now, aaaa, Trust::Glue);
            }
            servers.dedup();
            self.event(ResolverEvent::ReferralFollowed {
                handle,
                from_zone: zone,
                to_zone: cut.clone(),
                servers: servers.clone(),
            });
            lookup.zone = cut;
            lookup.next_server = 0;
            if servers.is_empty() {
                // Glueless delegation: fall back to whatever the cache knows.
                lookup.servers.clear();
            } else {
                lookup.servers = servers;
            }
            return self.run(now, rng, lookup);
        }

        // NODATA.
        if soa.is_none() && !msg.flags.authoritative() {
            return self.server_failed(now, rng, lookup, server, rcode, "neither answer, referral nor SOA");
        }
        self.cache_negative(now, lookup.current.clone(), qtype, false, soa.clone());
        Some(Outcome::NoData(soa.map(Box::new)))
    }

    fn finish(&mut self, lookup: Lookup, outcome: Outcome) {
        for port in self.upstream.remove_where(|h| *h == lookup.handle) {
            self.event(ResolverEvent::PortReleased { port });
        }
        let Lookup { handle, client, question, mut chain, .. } = lookup;
        let (rcode, authority, result) = match outcome {
            Outcome::Answer(rs) => {
                chain.extend(rs);
                (Rcode::NOERROR, None, Ok(()))
            }
            Outcome::NoData(soa) => (Rcode::NOERROR, soa.map(|s| *s), Ok(())),
            Outcome::NxDomain(soa) => (Rcode::NXDOMAIN, soa.map(|s| *s), Err(Failure::NxDomain)),
            Outcome::Fail(reason) => {
                chain.clear();
                (Rcode::SERVFAIL, None, Err(Failure::ServFail(reason)))
            }
        };
        let Some(client) = client else {
            let result = result.map(|()| Answer { question, records: chain });
            self.event(ResolverEvent::Resolved { handle, result });
            return;
        };
        let mut response = Message::response_to(&client.query, rcode);
        response.flags = response.flags.with_recursion_available(true);
        let answers = chain.len();
        response.answers = chain;
        response.authorities.extend(authority);
        if client.query.edns().is_some() {
            response.set_edns(Some(Edns::new(self.config.udp_payload_size)));
            response.set_rcode(rcode);
        }
        if let Ok(bytes) = response.to_bytes_truncated(client.limit) {
            self.transmit(Transmit { from: client.local, to: client.addr, payload: Bytes::from(bytes) });
        }
        self.event(ResolverEvent::ResponseSent { handle, client: client.addr, rcode, answers });
    }
}
