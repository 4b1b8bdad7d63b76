//! The balancer's state: client sessions, backend connections, the pool, and the public
//! API. The client side is in `client.rs`, the backend side and timers in `backend.rs`.

use core::net::{Ipv4Addr, SocketAddrV4};
use core::time::Duration;
use std::collections::BTreeMap;

use bytes::{Bytes, BytesMut};
use common::{BoundedQueue, Overflow};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use tls_lite::ServerConnection;

use crate::config::{ConfigError, ServiceConfig};
use crate::event::{Action, BackendConnId, BackendId, ClientId, LbEvent};
use crate::http::Framer;
use crate::pool::{BackendStatus, Pool};

/// Most events waiting in [`Balancer::poll_event`]; beyond it the oldest is dropped
/// (and counted by [`Balancer::dropped_events`]).
pub const MAX_EVENTS: usize = 4096;
/// Most actions waiting in [`Balancer::poll_action`]. Drain them after every call: one
/// call queues a bounded number (a few per connection it touches), so a caller that
/// drains never reaches this; beyond it new actions are dropped and counted by
/// [`Balancer::dropped_actions`].
pub const MAX_ACTIONS: usize = 65_536;

/// Where a client's current request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReqState {
    /// Waiting for (more of) a request head.
    Head,
    /// The head went to a backend; the body is being relayed.
    Body(Framer),
    /// The whole request went to the backend; waiting for the response to finish.
    Sent,
}

#[derive(Debug)]
pub(crate) struct Client {
    pub(crate) id: ClientId,
    pub(crate) peer: SocketAddrV4,
    pub(crate) tls: Option<Box<ServerConnection>>,
    /// Plaintext from the client not yet handled (a partial head, body bytes waiting for
    /// their framer, or the next request).
    pub(crate) inbuf: BytesMut,
    pub(crate) req: ReqState,
    /// The backend connection paired with this session.
    pub(crate) conn: Option<u64>,
    /// A request whose response is not complete.
    pub(crate) in_flight: bool,
    /// Response bytes of the current exchange already relayed.
    pub(crate) relayed: u64,
    /// Close after the current response (client asked, or the response ends at close).
    pub(crate) close_after: bool,
    /// The client closed its side (FIN or close_notify): nothing more will come.
    pub(crate) peer_done: bool,
    pub(crate) last_input: Duration,
}

/// A request in flight on a backend connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Exchange {
    pub(crate) head_request: bool,
    /// `None` while waiting for the response head.
    pub(crate) resp: Option<Framer>,
    pub(crate) status: u16,
}

#[derive(Debug)]
pub(crate) enum ConnKind {
    Client {
        client: u64,
        exchange: Option<Exchange>,
        /// The backend keeps the connection open after the current response.
        reusable: bool,
        /// `RequestForwarded`, held until the connection is established.
        forward_event: Option<LbEvent>,
    },
    Probe,
}

#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) backend: BackendId,
    pub(crate) kind: ConnKind,
    pub(crate) connected: bool,
    /// Bytes to send once connected.
    pub(crate) pending: BytesMut,
    /// Backend bytes not yet consumed (a partial head or chunk-size line).
    pub(crate) rbuf: BytesMut,
    pub(crate) deadline: Option<Duration>,
}

/// A sans-IO TLS-offloading HTTP/1.1 load balancer for one virtual service.
///
/// The caller owns every TCP connection. It reports client connections
/// ([`handle_client_accepted`](Self::handle_client_accepted),
/// [`handle_client_data`](Self::handle_client_data),
/// [`handle_client_closed`](Self::handle_client_closed)) and the backend connections
/// the balancer asked for ([`handle_backend_connected`](Self::handle_backend_connected),
/// [`handle_backend_data`](Self::handle_backend_data),
/// [`handle_backend_closed`](Self::handle_backend_closed),
/// [`handle_backend_failed`](Self::handle_backend_failed)); after every call it drains
/// [`poll_action`](Self::poll_action) (and, for its trace,
/// [`poll_event`](Self::poll_event)), and it calls
/// [`handle_timeout`](Self::handle_timeout) at [`poll_timeout`](Self::poll_timeout).
///
/// Sessions and backends: a client session is paired with one backend connection at a
/// time. The first request of a session picks a backend with the service's algorithm
/// and opens a connection to it (from the source address); later keep-alive requests
/// of the session reuse that connection while the backend keeps it open and stays in
/// rotation, and otherwise pick again. Requests go one at a time (no pipelining: bytes
/// of the next request wait, bounded, until the current response is complete).
///
/// Every request ends in a response or a close: a backend that cannot be reached or
/// resets gives 502, no backend in rotation 503, a backend silent for
/// `backend_timeout` 504, a backend marked down while a request waits on it 503; when
/// the response had already started, the client connection is closed instead.
#[derive(Debug)]
pub struct Balancer {
    pub(crate) config: ServiceConfig,
    pub(crate) rng: ChaCha8Rng,
    pub(crate) pool: Pool,
    pub(crate) clients: BTreeMap<u64, Client>,
    pub(crate) conns: BTreeMap<u64, Conn>,
    next_client: u64,
    next_conn: u64,
    pub(crate) actions: BoundedQueue<Action>,
    pub(crate) events: BoundedQueue<LbEvent>,
}

impl Balancer {
    /// A balancer for `config`; `seed` seeds the ChaCha8 RNG that draws every TLS random
    /// and key share, so the same seed gives the same bytes.
    pub fn new(config: ServiceConfig, seed: u64) -> Result<Self, ConfigError> {
        config.validate()?;
        if let Some(tls) = &config.tls {
            // Let tls-lite check the certificate chain and suites now, on a throwaway RNG.
            ServerConnection::new(tls.clone(), &mut ChaCha8Rng::seed_from_u64(0))?;
        }
        let first_probe = config.health.as_ref().map_or(Duration::ZERO, |h| h.interval);
        let pool = Pool::new(&config.backends, first_probe);
        let mut actions = BoundedQueue::new(MAX_ACTIONS, Overflow::DropNewest);
        actions.preallocate(64);
        Ok(Self {
            config,
            rng: ChaCha8Rng::seed_from_u64(seed),
            pool,
            clients: BTreeMap::new(),
            conns: BTreeMap::new(),
            next_client: 1,
            next_conn: 1,
            actions,
            events: BoundedQueue::new(MAX_EVENTS, Overflow::DropOldest),
        })
    }

    /// The service configuration.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// A client connected to the service; returns the session's id. Beyond
    /// `max_clients` the connection is refused: [`Action::CloseClient`] and
    /// [`LbEvent::Refused`] follow, and the id is never used again.
    pub fn handle_client_accepted(&mut self, now: Duration, peer: SocketAddrV4) -> ClientId {
        let id = ClientId(self.next_client);
        self.next_client += 1;
        let refuse = |this: &mut Self, reason: String| {
            this.events.push(LbEvent::Refused { peer, reason });
            this.actions.push(Action::CloseClient { client: id });
            id
        };
        if self.clients.len() >= self.config.max_clients {
            let reason = format!("{} clients already connected (max_clients)", self.clients.len());
            return refuse(self, reason);
        }
        let tls = match &self.config.tls {
            Some(cfg) => match ServerConnection::new(cfg.clone(), &mut self.rng) {
                Ok(conn) => Some(Box::new(conn)),
                Err(e) => return refuse(self, format!("TLS setup failed: {e}")),
            },
            None => None,
        };
        self.clients.insert(
            id.0,
            Client {
                id,
                peer,
                tls,
                inbuf: BytesMut::new(),
                req: ReqState::Head,
                conn: None,
                in_flight: false,
                relayed: 0,
                close_after: false,
                peer_done: false,
                last_input: now,
            },
        );
        id
    }

    /// The next action for the caller, in order.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop()
    }

    /// The next event, in order.
    pub fn poll_event(&mut self) -> Option<LbEvent> {
        self.events.pop()
    }

    /// Takes `backend` out of rotation: no new session picks it; requests under way
    /// finish; its idle keep-alive connections are closed now.
    pub fn drain(&mut self, backend: BackendId) {
        let Some(b) = self.pool.get_mut(backend) else { return };
        b.draining = true;
        let idle: Vec<u64> = self
            .conns
            .iter()
            .filter(|(_, c)| {
                c.backend == backend && matches!(c.kind, ConnKind::Client { exchange: None, .. })
            })
            .map(|(&id, _)| id)
            .collect();
        for id in idle {
            self.close_conn(id, true);
        }
    }

    /// Puts a drained backend back in rotation (if it is healthy).
    pub fn undrain(&mut self, backend: BackendId) {
        if let Some(b) = self.pool.get_mut(backend) {
            b.draining = false;
        }
    }

    /// Picks a backend exactly as a new session from `client_ip` would, advancing the
    /// round-robin state the same way, without opening anything; `None` when no backend
    /// is in rotation. For benchmarks and "where would this client go" questions.
    pub fn choose_backend(&mut self, client_ip: Ipv4Addr) -> Option<BackendId> {
        self.pool.choose(self.config.algorithm, client_ip)
    }

    /// A snapshot of every backend, in pool order.
    pub fn backends(&self) -> impl Iterator<Item = BackendStatus> + '_ {
        self.pool.backends.iter().enumerate().map(|(i, b)| b.status(i))
    }

    /// A snapshot of one backend.
    pub fn backend(&self, id: BackendId) -> Option<BackendStatus> {
        self.pool.get(id).map(|b| b.status(id.0))
    }

    /// Client sessions open.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// Backend connections open or opening (client traffic and probes).
    pub fn backend_connection_count(&self) -> usize {
        self.conns.len()
    }

    /// Requests whose response is not complete.
    pub fn requests_in_flight(&self) -> usize {
        self.clients.values().filter(|c| c.in_flight).count()
    }

    /// Bytes the balancer holds in its own buffers (TLS internals excluded, which
    /// tls-lite bounds): at most `max_clients × (max_header_bytes + max_buffer_bytes)`
    /// for clients plus, per backend connection, `max_header_bytes + max_buffer_bytes`.
    pub fn buffered_bytes(&self) -> usize {
        self.clients.values().map(|c| c.inbuf.len()).sum::<usize>()
            + self.conns.values().map(|c| c.pending.len() + c.rbuf.len()).sum::<usize>()
    }

    /// Actions dropped because the queue was full (the caller did not drain).
    pub fn dropped_actions(&self) -> u64 {
        self.actions.dropped()
    }

    /// Events dropped because the queue was full.
    pub fn dropped_events(&self) -> u64 {
        self.events.dropped()
    }

    // --- shared internals ---------------------------------------------------------------

    pub(crate) fn next_conn_id(&mut self) -> u64 {
        let id = self.next_conn;
        self.next_conn += 1;
        id
    }

    /// Opens a client-traffic connection to `backend` for `client`.
    pub(crate) fn open_conn(&mut self, now: Duration, client: u64, backend: BackendId) -> u64 {
        let id = self.next_conn_id();
        let (to, from) = (self.pool.backends[backend.0].config.addr, self.config.source_address);
        if let Some(b) = self.pool.get_mut(backend) {
            b.active += 1;
            b.counters.connections += 1;
        }
        self.conns.insert(
            id,
            Conn {
                backend,
                kind: ConnKind::Client { client, exchange: None, reusable: true, forward_event: None },
                connected: false,
                pending: BytesMut::new(),
                rbuf: BytesMut::new(),
                deadline: Some(now + self.config.backend_timeout),
            },
        );
        self.actions.push(Action::ConnectBackend { conn: BackendConnId(id), backend, to, from });
        id
    }

    /// Forgets a backend connection, closing it when `send_close` (and unpairing its
    /// client, if any).
    pub(crate) fn close_conn(&mut self, id: u64, send_close: bool) -> Option<Conn> {
        let conn = self.conns.remove(&id)?;
        match &conn.kind {
            ConnKind::Client { client, .. } => {
                if let Some(b) = self.pool.get_mut(conn.backend) {
                    b.active = b.active.saturating_sub(1);
                }
                if let Some(c) = self.clients.get_mut(client)
                    && c.conn == Some(id)
                {
                    c.conn = None;
                }
            }
            ConnKind::Probe => {
                if let Some(b) = self.pool.get_mut(conn.backend)
                    && b.probe == Some(id)
                {
                    b.probe = None;
                }
            }
        }
        if send_close {
            self.actions.push(Action::CloseBackend { conn: BackendConnId(id) });
        }
        Some(conn)
    }

    /// Sends bytes to a backend connection now, or holds them until it is established.
    /// `Err` when the hold buffer would exceed its bound.
    pub(crate) fn conn_send(&mut self, now: Duration, id: u64, data: Bytes) -> Result<(), ()> {
        let limit = self.config.max_header_bytes + self.config.max_buffer_bytes;
        let timeout = self.config.backend_timeout;
        let Some(conn) = self.conns.get_mut(&id) else { return Err(()) };
        if data.is_empty() {
            return Ok(());
        }
        if conn.connected {
            if let Some(b) = self.pool.backends.get_mut(conn.backend.0) {
                b.counters.bytes_out += data.len() as u64;
            }
            conn.deadline = Some(now + timeout);
            self.actions.push(Action::SendToBackend { conn: BackendConnId(id), data });
            Ok(())
        } else if conn.pending.len() + data.len() > limit {
            Err(())
        } else {
            conn.pending.extend_from_slice(&data);
            Ok(())
        }
    }
}
