//! The stub resolver (a client PC): asks its configured server with RD=1, retries on
//! timeout, and returns addresses or a typed failure.

use std::collections::BTreeMap;
use std::net::SocketAddrV4;
use std::ops::RangeInclusive;
use std::time::Duration;

use bytes::Bytes;
use rand_core::Rng;

use crate::upstream::{Pending, Upstream};
use crate::{
    Answer, Edns, Failure, IgnoreReason, Message, Name, QueryHandle, Question, Rcode, RecordType,
    ServFailReason, Transmit,
};
use common::{BoundedQueue, Overflow};

/// Settings of a [`StubResolver`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StubConfig {
    /// The host's own address (source of its queries).
    pub local: std::net::Ipv4Addr,
    /// The DNS server to ask (cl1: 192.168.1.254:53).
    pub server: SocketAddrV4,
    /// Wait for an answer this long before sending again.
    pub timeout: Duration,
    /// Sends per lookup (first try included); then the lookup fails with a timeout.
    pub attempts: u32,
    /// Most lookups at once; beyond, `resolve` fails.
    pub max_pending: usize,
    /// Source ports.
    pub source_ports: RangeInclusive<u16>,
    /// Ports never used as source ports.
    pub avoid_ports: Vec<u16>,
    /// Advertise this EDNS0 UDP size (`None`: no OPT record).
    pub edns_udp_size: Option<u16>,
    /// Most transmits and events waiting to be polled; beyond, the oldest is dropped.
    pub max_queued: usize,
}

impl StubConfig {
    /// Defaults: 1 s timeout, 3 attempts, 64 lookups, EDNS0 with 1232 bytes.
    pub fn new(local: std::net::Ipv4Addr, server: SocketAddrV4) -> Self {
        Self {
            local,
            server,
            timeout: Duration::from_secs(1),
            attempts: 3,
            max_pending: 64,
            source_ports: 1024..=65535,
            avoid_ports: Vec::new(),
            edns_udp_size: Some(1232),
            max_queued: 256,
        }
    }
}

/// A state change of the [`StubResolver`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StubEvent {
    /// A query went to the server.
    QuerySent {
        /// The lookup.
        handle: QueryHandle,
        /// Its question.
        question: Question,
        /// Its ID.
        id: u16,
        /// Its source port (the glue binds it).
        port: u16,
        /// 1 for the first send, 2 for the first retry, …
        attempt: u32,
    },
    /// A lookup finished.
    Resolved {
        /// The lookup.
        handle: QueryHandle,
        /// Addresses and records, or why not.
        result: Result<Answer, Failure>,
    },
    /// A datagram was not accepted as an answer.
    ResponseIgnored {
        /// Its sender.
        from: SocketAddrV4,
        /// The local port it arrived on.
        port: u16,
        /// Why.
        reason: IgnoreReason,
    },
    /// The query on this source port is over: the glue may close the port.
    PortReleased {
        /// The port.
        port: u16,
    },
}

#[derive(Debug, Clone)]
struct StubQuery {
    handle: QueryHandle,
    attempts: u32,
}

/// A stub resolver, sans-IO, with the same port contract as [`crate::Resolver`].
#[derive(Debug)]
pub struct StubResolver {
    config: StubConfig,
    upstream: Upstream<StubQuery>,
    questions: BTreeMap<QueryHandle, Question>,
    transmits: BoundedQueue<Transmit>,
    events: BoundedQueue<StubEvent>,
    next_handle: u64,
}

impl StubResolver {
    /// A stub with nothing pending.
    pub fn new(config: StubConfig) -> Self {
        Self {
            upstream: Upstream::new(config.source_ports.clone(), config.avoid_ports.clone()),
            questions: BTreeMap::new(),
            transmits: BoundedQueue::new(config.max_queued.max(1), Overflow::DropOldest),
            events: BoundedQueue::new(config.max_queued.max(1), Overflow::DropOldest),
            next_handle: 0,
            config,
        }
    }

    /// Changes the server (say, once DHCP has told the host which to use).
    pub fn set_server(&mut self, server: SocketAddrV4) {
        self.config.server = server;
    }

    /// Lookups in progress.
    pub fn pending(&self) -> usize {
        self.questions.len()
    }

    /// Starts looking up `name`/`qtype`; the result comes as [`StubEvent::Resolved`].
    ///
    /// # Errors
    /// [`Failure::TooManyQueries`] when [`StubConfig::max_pending`] lookups are running,
    /// [`Failure::ServFail`] if no source port is free.
    pub fn resolve(
        &mut self,
        now: Duration,
        name: Name,
        qtype: RecordType,
        rng: &mut impl Rng,
    ) -> Result<QueryHandle, Failure> {
        if self.questions.len() >= self.config.max_pending {
            return Err(Failure::TooManyQueries);
        }
        self.next_handle += 1;
        let handle = QueryHandle(self.next_handle);
        let question = Question::new(name, qtype);
        self.send(now, rng, StubQuery { handle, attempts: 0 }, question.clone())
            .ok_or(Failure::ServFail(ServFailReason::NoFreePort))?;
        self.questions.insert(handle, question);
        Ok(handle)
    }

    fn send(
        &mut self,
        now: Duration,
        rng: &mut impl Rng,
        mut sq: StubQuery,
        question: Question,
    ) -> Option<()> {
        let (port, id) = self.upstream.allocate(rng)?;
        sq.attempts += 1;
        let mut query = Message::query(id, question.clone(), true);
        if let Some(size) = self.config.edns_udp_size {
            query.set_edns(Some(Edns::new(size)));
        }
        let bytes = query.to_bytes().ok()?;
        let from = SocketAddrV4::new(self.config.local, port);
        self.transmits.push(Transmit { from, to: self.config.server, payload: Bytes::from(bytes) });
        let (handle, attempt) = (sq.handle, sq.attempts);
        self.events.push(StubEvent::QuerySent { handle, question: question.clone(), id, port, attempt });
        let deadline = now + self.config.timeout;
        self.upstream.insert(port, Pending { id, server: self.config.server, question, deadline, token: sq });
        Some(())
    }

    /// Handles a datagram that arrived on one of the stub's source ports.
    pub fn handle_datagram(&mut self, _now: Duration, from: SocketAddrV4, to: SocketAddrV4, payload: &[u8]) {
        match self.upstream.accept(from, to.port(), payload) {
            Err(reason) => {
                self.events.push(StubEvent::ResponseIgnored { from, port: to.port(), reason });
            }
            Ok((pending, message)) => {
                self.events.push(StubEvent::PortReleased { port: to.port() });
                let handle = pending.token.handle;
                let Some(question) = self.questions.remove(&handle) else { return };
                let result = match message.rcode() {
                    Rcode::NOERROR => Ok(Answer { question, records: message.answers }),
                    Rcode::NXDOMAIN => Err(Failure::NxDomain),
                    Rcode::SERVFAIL => Err(Failure::ServFail(ServFailReason::Upstream)),
                    Rcode::REFUSED => Err(Failure::Refused),
                    other => Err(Failure::Other(other)),
                };
                self.events.push(StubEvent::Resolved { handle, result });
            }
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self, _now: Duration) -> Option<Transmit> {
        self.transmits.pop()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<StubEvent> {
        self.events.pop()
    }

    /// When [`StubResolver::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.upstream.next_deadline()
    }

    /// Retries queries that timed out, or fails them after the last attempt. A retry
    /// resends the same query (same ID, same source port), so a late answer to an
    /// earlier attempt is still accepted.
    pub fn handle_timeout(&mut self, now: Duration, _rng: &mut impl Rng) {
        for (port, mut pending) in self.upstream.expired(now) {
            let handle = pending.token.handle;
            if pending.token.attempts < self.config.attempts {
                pending.token.attempts += 1;
                pending.deadline = now + self.config.timeout;
                let mut query = Message::query(pending.id, pending.question.clone(), true);
                if let Some(size) = self.config.edns_udp_size {
                    query.set_edns(Some(Edns::new(size)));
                }
                if let Ok(bytes) = query.to_bytes() {
                    let from = SocketAddrV4::new(self.config.local, port);
                    self.transmits.push(Transmit { from, to: pending.server, payload: Bytes::from(bytes) });
                    let (question, id, attempt) =
                        (pending.question.clone(), pending.id, pending.token.attempts);
                    self.events.push(StubEvent::QuerySent { handle, question, id, port, attempt });
                    self.upstream.insert(port, pending);
                    continue;
                }
            }
            self.events.push(StubEvent::PortReleased { port });
            self.questions.remove(&handle);
            self.events.push(StubEvent::Resolved { handle, result: Err(Failure::Timeout) });
        }
    }
}
