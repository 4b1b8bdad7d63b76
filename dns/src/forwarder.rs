//! The forwarder (a home router's DNS proxy): relays clients' recursive queries to one
//! upstream resolver under its own IDs and source ports, and relays the answers back.

use std::net::SocketAddrV4;
use std::ops::RangeInclusive;
use std::time::Duration;

use bytes::Bytes;
use rand_core::Rng;

use crate::upstream::{Pending, Upstream};
use crate::{DnsPacket, IgnoreReason, Message, Question, Rcode, Transmit, UDP_LIMIT};
use common::{BoundedQueue, Overflow};

/// Settings of a [`Forwarder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwarderConfig {
    /// Where LAN clients send queries (rt1: 192.168.1.254:53).
    pub listen: SocketAddrV4,
    /// The address upstream queries leave from (rt1's WAN address, 10.1.1.245).
    pub upstream_source: std::net::Ipv4Addr,
    /// The resolver queries are relayed to (ns1: 10.1.2.53:53).
    pub upstream: SocketAddrV4,
    /// How long to wait for the upstream resolver before retrying.
    pub timeout: Duration,
    /// Sends per client query (first try included); then the client gets SERVFAIL.
    pub attempts: u32,
    /// Most client queries being relayed; beyond, new ones get REFUSED.
    pub max_pending: usize,
    /// Source ports for upstream queries.
    pub source_ports: RangeInclusive<u16>,
    /// Ports never used as source ports.
    pub avoid_ports: Vec<u16>,
    /// Most transmits and events waiting to be polled; beyond, the oldest is dropped.
    pub max_queued: usize,
}

impl ForwarderConfig {
    /// Defaults: 1 s timeout, 2 attempts (so a stub with the usual 3 × 1 s still hears
    /// the SERVFAIL), 256 pending queries.
    pub fn new(listen: SocketAddrV4, upstream_source: std::net::Ipv4Addr, upstream: SocketAddrV4) -> Self {
        Self {
            listen,
            upstream_source,
            upstream,
            timeout: Duration::from_secs(1),
            attempts: 2,
            max_pending: 256,
            source_ports: 1024..=65535,
            avoid_ports: Vec::new(),
            max_queued: 1024,
        }
    }
}

/// A state change of the [`Forwarder`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwarderEvent {
    /// A client's query was relayed upstream.
    Forwarded {
        /// The client.
        client: SocketAddrV4,
        /// Its question.
        question: Question,
        /// The client's ID.
        client_id: u16,
        /// The ID used upstream.
        upstream_id: u16,
        /// The source port used upstream (the glue binds it).
        port: u16,
    },
    /// An upstream answer was relayed to its client.
    Relayed {
        /// The client.
        client: SocketAddrV4,
        /// The answer's RCODE.
        rcode: Rcode,
        /// Its answer records.
        answers: usize,
    },
    /// Upstream did not answer in time; the query was sent again.
    Retried {
        /// The client.
        client: SocketAddrV4,
        /// The new upstream source port.
        port: u16,
    },
    /// Upstream never answered; the client got SERVFAIL.
    GaveUp {
        /// The client.
        client: SocketAddrV4,
    },
    /// A datagram was not accepted as an upstream answer.
    ResponseIgnored {
        /// Its sender.
        from: SocketAddrV4,
        /// The local port it arrived on.
        port: u16,
        /// Why.
        reason: IgnoreReason,
    },
    /// A client query was refused (table full) or answered FORMERR (unparseable).
    Rejected {
        /// The client.
        client: SocketAddrV4,
        /// The RCODE sent.
        rcode: Rcode,
    },
    /// The query on this source port is over: the glue may close the port.
    PortReleased {
        /// The port.
        port: u16,
    },
}

#[derive(Debug, Clone)]
struct ClientQuery {
    client: SocketAddrV4,
    local: SocketAddrV4,
    query: Message,
    attempts: u32,
}

/// A DNS forwarder, sans-IO. Same shape as [`crate::Resolver`], including the port
/// contract: each upstream query uses a fresh random source port, released by
/// [`ForwarderEvent::PortReleased`]. It keeps no cache.
#[derive(Debug)]
pub struct Forwarder {
    config: ForwarderConfig,
    upstream: Upstream<ClientQuery>,
    transmits: BoundedQueue<Transmit>,
    events: BoundedQueue<ForwarderEvent>,
}

impl Forwarder {
    /// A forwarder with nothing pending.
    pub fn new(config: ForwarderConfig) -> Self {
        Self {
            upstream: Upstream::new(config.source_ports.clone(), config.avoid_ports.clone()),
            transmits: BoundedQueue::new(config.max_queued.max(1), Overflow::DropOldest),
            events: BoundedQueue::new(config.max_queued.max(1), Overflow::DropOldest),
            config,
        }
    }

    /// Client queries being relayed.
    pub fn pending(&self) -> usize {
        self.upstream.len()
    }

    /// Handles a datagram: a client query if it arrived on the listening address, else a
    /// candidate upstream answer.
    pub fn handle_datagram(
        &mut self,
        now: Duration,
        from: SocketAddrV4,
        to: SocketAddrV4,
        payload: &[u8],
        rng: &mut impl Rng,
    ) {
        if to == self.config.listen {
            self.client_query(now, from, to, payload, rng);
            return;
        }
        match self.upstream.accept(from, to.port(), payload) {
            Err(reason) => {
                self.events.push(ForwarderEvent::ResponseIgnored { from, port: to.port(), reason })
            }
            Ok((pending, mut answer)) => {
                self.events.push(ForwarderEvent::PortReleased { port: to.port() });
                let ClientQuery { client, local, query, .. } = pending.token;
                answer.id = query.id;
                let limit = query.edns().map_or(UDP_LIMIT, |e| usize::from(e.udp_payload_size));
                let (rcode, answers) = (answer.rcode(), answer.answers.len());
                if let Ok(bytes) = answer.to_bytes_truncated(limit) {
                    self.transmits.push(Transmit { from: local, to: client, payload: Bytes::from(bytes) });
                }
                self.events.push(ForwarderEvent::Relayed { client, rcode, answers })
            }
        };
    }

    fn client_query(
        &mut self,
        now: Duration,
        from: SocketAddrV4,
        to: SocketAddrV4,
        payload: &[u8],
        rng: &mut impl Rng,
    ) {
        let Ok(header) = DnsPacket::new_checked(payload) else { return };
        if header.flags().response() {
            self.events.push(ForwarderEvent::ResponseIgnored {
                from,
                port: to.port(),
                reason: IgnoreReason::NotAResponse,
            });
            return;
        }
        let query = match Message::parse(payload) {
            Ok(q) if q.questions.len() == 1 => q,
            _ => {
                let bare = Message {
                    id: header.id(),
                    flags: header.flags().with_rcode_low(0),
                    ..Message::default()
                };
                return self.reject(from, to, &bare, Rcode::FORMERR);
            }
        };
        if self.upstream.len() >= self.config.max_pending {
            return self.reject(from, to, &query, Rcode::REFUSED);
        }
        let client = ClientQuery { client: from, local: to, query, attempts: 0 };
        self.send(now, rng, client);
    }

    fn reject(&mut self, client: SocketAddrV4, local: SocketAddrV4, query: &Message, rcode: Rcode) {
        let mut response = Message::response_to(query, rcode);
        response.flags = response.flags.with_recursion_available(true);
        response.additionals.clear();
        if let Ok(bytes) = response.to_bytes() {
            self.transmits.push(Transmit { from: local, to: client, payload: Bytes::from(bytes) });
        }
        self.events.push(ForwarderEvent::Rejected { client, rcode });
    }

    fn send(&mut self, now: Duration, rng: &mut impl Rng, mut cq: ClientQuery) {
        let Some((port, id)) = self.upstream.allocate(rng) else {
            let (client, local, query) = (cq.client, cq.local, cq.query);
            return self.reject(client, local, &query, Rcode::SERVFAIL);
        };
        cq.attempts += 1;
        let mut upstream_query = cq.query.clone();
        upstream_query.id = id;
        let Ok(bytes) = upstream_query.to_bytes() else { return };
        let Some(question) = cq.query.questions.first().cloned() else { return };
        let from = SocketAddrV4::new(self.config.upstream_source, port);
        self.transmits.push(Transmit { from, to: self.config.upstream, payload: Bytes::from(bytes) });
        if cq.attempts == 1 {
            let (client, client_id) = (cq.client, cq.query.id);
            let question = question.clone();
            self.events.push(ForwarderEvent::Forwarded {
                client,
                question,
                client_id,
                upstream_id: id,
                port,
            });
        } else {
            self.events.push(ForwarderEvent::Retried { client: cq.client, port });
        }
        let deadline = now + self.config.timeout;
        self.upstream
            .insert(port, Pending { id, server: self.config.upstream, question, deadline, token: cq });
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self, _now: Duration) -> Option<Transmit> {
        self.transmits.pop()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ForwarderEvent> {
        self.events.pop()
    }

    /// When [`Forwarder::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.upstream.next_deadline()
    }

    /// Retries or gives up on queries upstream did not answer in time.
    pub fn handle_timeout(&mut self, now: Duration, rng: &mut impl Rng) {
        for (port, pending) in self.upstream.expired(now) {
            self.events.push(ForwarderEvent::PortReleased { port });
            let cq = pending.token;
            if cq.attempts < self.config.attempts {
                self.send(now, rng, cq);
            } else {
                let (client, local, query) = (cq.client, cq.local, cq.query);
                let mut response = Message::response_to(&query, Rcode::SERVFAIL);
                response.flags = response.flags.with_recursion_available(true);
                if let Ok(bytes) = response.to_bytes() {
                    self.transmits.push(Transmit { from: local, to: client, payload: Bytes::from(bytes) });
                }
                self.events.push(ForwarderEvent::GaveUp { client });
            }
        }
    }
}
