//! The authoritative server: answers queries from its zones over UDP.

use std::net::SocketAddrV4;

use bytes::Bytes;

use crate::zone::{Lookup, Zone};
use crate::{
    DnsPacket, Edns, Message, Name, Opcode, ParseError, Question, Rcode, RecordType, Transmit, UDP_LIMIT,
};
use common::{BoundedQueue, Overflow};

/// Settings of an [`AuthServer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// The UDP payload size advertised in EDNS0 responses and the most it sends.
    pub udp_payload_size: u16,
    /// Most responses and events waiting to be polled; beyond, the oldest is dropped.
    pub max_queued: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self { udp_payload_size: 1232, max_queued: 256 }
    }
}

/// How a query was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerOutcome {
    /// Authoritative data (AA set), `count` answer records.
    Answer {
        /// Records in the answer section.
        count: usize,
    },
    /// A referral to the servers of a child zone.
    Referral {
        /// The child zone.
        zone: Name,
    },
    /// NOERROR with no data, SOA in authority.
    NoData,
    /// NXDOMAIN, SOA in authority.
    NxDomain,
    /// The name is outside every zone served.
    Refused,
    /// Not a standard query (NOTIMP), or a malformed one (FORMERR).
    Error(Rcode),
}

/// What the server did, for the trace.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A query was answered.
    Answered {
        /// Who asked.
        client: SocketAddrV4,
        /// What (absent for FORMERR without a readable question).
        question: Option<Question>,
        /// How.
        outcome: ServerOutcome,
        /// Whether the response was cut to fit UDP and TC set.
        truncated: bool,
    },
    /// A datagram was dropped without an answer (shorter than a header, or a response).
    Dropped {
        /// Its sender.
        from: SocketAddrV4,
        /// Why.
        reason: &'static str,
    },
    /// The response queue was full; the oldest response was dropped.
    QueueOverflow,
}

/// An authoritative DNS server over a set of zones.
///
/// Feed it datagrams addressed to it with [`AuthServer::handle_datagram`]; drain
/// responses with [`AuthServer::poll_transmit`] and events with
/// [`AuthServer::poll_event`]. It keeps no timers. Each response goes from the address
/// and port the query was sent to.
#[derive(Debug, Clone)]
pub struct AuthServer {
    zones: Vec<Zone>,
    config: ServerConfig,
    transmits: BoundedQueue<Transmit>,
    events: BoundedQueue<ServerEvent>,
    events_dropped: u64,
}

impl AuthServer {
    /// A server for `zones`.
    pub fn new(config: ServerConfig, zones: Vec<Zone>) -> Self {
        let q = config.max_queued;
        Self {
            zones,
            config,
            transmits: BoundedQueue::new(q.max(1), Overflow::DropOldest),
            events: BoundedQueue::new(q.max(1), Overflow::DropOldest),
            events_dropped: 0,
        }
    }

    /// The zones served.
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// The zone closest to `name` (longest origin it lies under).
    fn zone_for(&self, name: &Name) -> Option<&Zone> {
        self.zones
            .iter()
            .filter(|z| name.is_subdomain_of(z.origin()))
            .max_by_key(|z| z.origin().label_count())
    }

    /// The response to `query` (pure; no queueing), with how it was answered.
    pub fn answer(&self, query: &Message) -> (Message, ServerOutcome) {
        let mut response = Message::response_to(query, Rcode::NOERROR);
        if query.edns().is_some() {
            response.set_edns(Some(Edns::new(self.config.udp_payload_size)));
        }
        if query.flags.opcode() != Opcode::QUERY {
            response.set_rcode(Rcode::NOTIMP);
            return (response, ServerOutcome::Error(Rcode::NOTIMP));
        }
        let [question] = query.questions.as_slice() else {
            response.set_rcode(Rcode::FORMERR);
            return (response, ServerOutcome::Error(Rcode::FORMERR));
        };
        let Some(zone) = self.zone_for(&question.name) else {
            response.set_rcode(Rcode::REFUSED);
            return (response, ServerOutcome::Refused);
        };
        let outcome = match zone.lookup(question) {
            Lookup::Answer { answers, additionals } => {
                response.flags = response.flags.with_authoritative(true);
                let count = answers.len();
                response.answers = answers;
                insert_before_opt(&mut response, additionals);
                ServerOutcome::Answer { count }
            }
            Lookup::Referral { answers, cut, ns, glue } => {
                response.flags = response.flags.with_authoritative(!answers.is_empty());
                response.answers = answers;
                response.authorities = ns;
                insert_before_opt(&mut response, glue);
                ServerOutcome::Referral { zone: cut }
            }
            Lookup::NoData { answers, soa } => {
                response.flags = response.flags.with_authoritative(true);
                response.answers = answers;
                response.authorities = vec![soa];
                ServerOutcome::NoData
            }
            Lookup::NxDomain { answers, soa } => {
                response.flags = response.flags.with_authoritative(true);
                response.answers = answers;
                response.authorities = vec![soa];
                response.set_rcode(Rcode::NXDOMAIN);
                ServerOutcome::NxDomain
            }
        };
        (response, outcome)
    }

    /// Handles a datagram received on `to` from `from`: queues a response, or drops it
    /// (with an event) if it is not a query.
    pub fn handle_datagram(
        &mut self,
        _now: core::time::Duration,
        from: SocketAddrV4,
        to: SocketAddrV4,
        payload: &[u8],
    ) {
        let Ok(header) = DnsPacket::new_checked(payload) else {
            self.event(ServerEvent::Dropped { from, reason: "shorter than a DNS header" });
            return;
        };
        if header.flags().response() {
            self.event(ServerEvent::Dropped { from, reason: "a response, not a query" });
            return;
        }
        let (response, outcome, limit) = match Message::parse(payload) {
            Ok(query) => {
                let limit = query
                    .edns()
                    .map_or(UDP_LIMIT, |e| usize::from(e.udp_payload_size.min(self.config.udp_payload_size)));
                let (response, outcome) = self.answer(&query);
                (response, outcome, limit)
            }
            Err(e) => (formerr(header, &e), ServerOutcome::Error(Rcode::FORMERR), UDP_LIMIT),
        };
        let Ok(bytes) = response.to_bytes_truncated(limit) else {
            self.event(ServerEvent::Dropped { from, reason: "response could not be encoded" });
            return;
        };
        let truncated = DnsPacket::new_unchecked(&bytes[..]).flags().truncated();
        let question = response.questions.first().cloned();
        if !self.transmits.push(Transmit { from: to, to: from, payload: Bytes::from(bytes) }) {
            self.event(ServerEvent::QueueOverflow);
        }
        self.event(ServerEvent::Answered { client: from, question, outcome, truncated });
    }

    fn event(&mut self, event: ServerEvent) {
        if !self.events.push(event) {
            self.events_dropped += 1;
        }
    }

    /// How many events were dropped because the event queue was full (the oldest goes).
    pub const fn events_dropped(&self) -> u64 {
        self.events_dropped
    }

    /// The next response to send.
    pub fn poll_transmit(&mut self, _now: core::time::Duration) -> Option<Transmit> {
        self.transmits.pop()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop()
    }

    /// Always `None`: the server keeps no timers.
    pub const fn poll_timeout(&self) -> Option<core::time::Duration> {
        None
    }

    /// Nothing to do: the server keeps no timers.
    pub const fn handle_timeout(&mut self, _now: core::time::Duration) {}
}

fn insert_before_opt(response: &mut Message, records: Vec<crate::Record>) {
    let at = response
        .additionals
        .iter()
        .position(|r| r.rtype() == RecordType::OPT)
        .unwrap_or(response.additionals.len());
    response.additionals.splice(at..at, records);
}

/// A FORMERR response to a query that could not be parsed past its header.
fn formerr(header: DnsPacket<&[u8]>, _error: &ParseError) -> Message {
    let mut response = Message { id: header.id(), ..Message::default() };
    response.flags = response
        .flags
        .with_response(true)
        .with_opcode(header.flags().opcode())
        .with_recursion_desired(header.flags().recursion_desired());
    response.set_rcode(Rcode::FORMERR);
    response
}
