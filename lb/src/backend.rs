//! The backend side: connection outcomes, response relay, health probes and timers.

use core::time::Duration;

use bytes::BytesMut;

use crate::balancer::{Balancer, Client, Conn, ConnKind, ReqState};
use crate::client::send_to_client;
use crate::config::HealthCheck;
use crate::event::{Action, BackendConnId, BackendId, LbEvent};
use crate::http::{self, BodyKind, Framer, HeadError};

/// How a backend connection ended, as the caller reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// FIN (answered with CloseBackend).
    Closed,
    /// Refused, unreachable, reset or timed out at the TCP level.
    Failed,
}

/// What relaying response bytes led to.
enum Relay {
    /// More bytes are needed.
    Waiting,
    /// The response is complete.
    Complete,
    /// The response cannot be relayed.
    Broken(&'static str),
}

impl Balancer {
    /// A backend connection the balancer asked for is established. Unknown connections
    /// are ignored.
    pub fn handle_backend_connected(&mut self, now: Duration, conn: BackendConnId) {
        let timeout = self.config.backend_timeout;
        let Some(c) = self.conns.get_mut(&conn.0) else { return };
        if c.connected {
            return;
        }
        c.connected = true;
        match &mut c.kind {
            ConnKind::Probe => match self.config.health.as_ref().map(|h| &h.check) {
                Some(HealthCheck::HttpGet { path, host, .. }) => {
                    let req = http::probe_request(path, host);
                    self.actions.push(Action::SendToBackend { conn, data: req });
                }
                _ => self.finish_probe(conn.0, true, "TCP connection established".into(), true),
            },
            ConnKind::Client { exchange, forward_event, .. } => {
                if let Some(ev) = forward_event.take() {
                    self.events.push(ev);
                }
                c.deadline = exchange.is_some().then_some(now + timeout);
                let pending = c.pending.split().freeze();
                if !pending.is_empty() {
                    if let Some(b) = self.pool.backends.get_mut(c.backend.0) {
                        b.counters.bytes_out += pending.len() as u64;
                    }
                    self.actions.push(Action::SendToBackend { conn, data: pending });
                }
            }
        }
    }

    /// Bytes arrived on a backend connection. Unknown connections are ignored.
    pub fn handle_backend_data(&mut self, now: Duration, conn: BackendConnId, data: &[u8]) {
        let Some(c) = self.conns.get_mut(&conn.0) else { return };
        match c.kind {
            ConnKind::Probe => {
                c.rbuf.extend_from_slice(data);
                self.probe_data(conn.0);
            }
            ConnKind::Client { client, exchange, .. } => {
                if let Some(b) = self.pool.backends.get_mut(c.backend.0) {
                    b.counters.bytes_in += data.len() as u64;
                }
                if exchange.is_none() {
                    // Nothing was asked: the connection is out of step; drop it.
                    if let Some(b) = self.pool.backends.get_mut(c.backend.0) {
                        b.counters.errors += 1;
                    }
                    self.close_conn(conn.0, true);
                    return;
                }
                let Some(mut cl) = self.clients.remove(&client) else {
                    self.close_conn(conn.0, true);
                    return;
                };
                c.rbuf.extend_from_slice(data);
                match self.relay(now, conn.0, &mut cl) {
                    Relay::Waiting => {
                        self.clients.insert(client, cl);
                    }
                    Relay::Complete => self.complete_exchange(now, conn.0, cl),
                    Relay::Broken(reason) => self.fail_exchange(conn.0, cl, 502, reason.into(), true),
                }
            }
        }
    }

    /// The backend closed a connection (FIN, or RST after it was established). The
    /// balancer answers a FIN with [`Action::CloseBackend`]. Unknown connections are
    /// ignored.
    pub fn handle_backend_closed(&mut self, now: Duration, conn: BackendConnId) {
        self.backend_ended(now, conn.0, Ended::Closed);
    }

    /// A backend connection failed: connection refused, unreachable, reset or timed out
    /// at the TCP level. Unknown connections are ignored.
    pub fn handle_backend_failed(&mut self, now: Duration, conn: BackendConnId) {
        self.backend_ended(now, conn.0, Ended::Failed);
    }

    fn backend_ended(&mut self, now: Duration, id: u64, how: Ended) {
        let send_close = how == Ended::Closed;
        let Some(c) = self.conns.get(&id) else { return };
        let connected = c.connected;
        match c.kind {
            ConnKind::Probe => {
                let detail = match (how, connected) {
                    (Ended::Failed, false) => "connection failed",
                    (Ended::Failed, true) => "connection reset",
                    (Ended::Closed, _) => "closed before a response",
                };
                self.finish_probe(id, false, detail.into(), send_close);
            }
            ConnKind::Client { client, exchange, .. } => {
                let Some(ex) = exchange else {
                    // An idle keep-alive connection went away: the next request picks again.
                    self.close_conn(id, send_close);
                    return;
                };
                let Some(cl) = self.clients.remove(&client) else {
                    self.close_conn(id, send_close);
                    return;
                };
                if matches!(ex.resp, Some(Framer::UntilClose)) {
                    self.complete_exchange(now, id, cl);
                    // complete_exchange closed the connection (the response said close).
                    return;
                }
                let reason = match (how, connected, ex.resp.is_some()) {
                    (Ended::Failed, false, _) => "could not connect to the backend",
                    (_, _, true) => "backend closed the connection in the middle of the response",
                    (Ended::Failed, true, false) => "backend reset the connection",
                    (Ended::Closed, _, false) => "backend closed the connection without responding",
                };
                self.fail_exchange(id, cl, 502, reason.into(), send_close);
            }
        }
    }

    /// Relays what `conn.rbuf` holds of the response to the client, in one send.
    fn relay(&mut self, now: Duration, id: u64, cl: &mut Client) -> Relay {
        let mut out = BytesMut::new();
        let result = self.relay_into(now, id, cl, &mut out);
        send_to_client(&mut self.actions, cl, &out);
        result
    }

    fn relay_into(&mut self, now: Duration, id: u64, cl: &mut Client, out: &mut BytesMut) -> Relay {
        let max_head = self.config.max_header_bytes;
        let timeout = self.config.backend_timeout;
        let Some(conn) = self.conns.get_mut(&id) else { return Relay::Broken("connection lost") };
        let Conn { rbuf, kind, deadline, .. } = conn;
        let ConnKind::Client { exchange: Some(ex), reusable, .. } = kind else {
            return Relay::Broken("no request in flight");
        };
        *deadline = Some(now + timeout);
        loop {
            match &mut ex.resp {
                None => {
                    let head = match http::parse_response(rbuf, max_head, ex.head_request) {
                        Ok(Some(h)) => h,
                        Ok(None) => return Relay::Waiting,
                        Err(HeadError::TooLarge) => return Relay::Broken("response head too large"),
                        Err(_) => return Relay::Broken("malformed response from the backend"),
                    };
                    if head.status == 101 {
                        return Relay::Broken("protocol upgrade (101) is not supported");
                    }
                    let bytes = rbuf.split_to(head.len);
                    cl.relayed += bytes.len() as u64;
                    out.extend_from_slice(&bytes);
                    if (100..200).contains(&head.status) {
                        // Informational: the final response follows.
                        continue;
                    }
                    ex.status = head.status;
                    *reusable &= !head.close;
                    if head.body == BodyKind::UntilClose {
                        cl.close_after = true;
                    }
                    let framer = Framer::new(head.body);
                    if framer.is_done() {
                        return Relay::Complete;
                    }
                    ex.resp = Some(framer);
                }
                Some(framer) => {
                    if rbuf.is_empty() {
                        return Relay::Waiting;
                    }
                    let progress = match framer.advance(rbuf) {
                        Ok(p) => p,
                        Err(e) => return Relay::Broken(e.0),
                    };
                    let part = rbuf.split_to(progress.used);
                    cl.relayed += part.len() as u64;
                    out.extend_from_slice(&part);
                    if progress.done {
                        return Relay::Complete;
                    }
                    if !rbuf.is_empty() && progress.used == 0 {
                        return Relay::Waiting;
                    }
                }
            }
        }
    }

    /// The response is complete: count it, release or keep the connection, and move
    /// the session on (close it, or handle the next buffered request).
    fn complete_exchange(&mut self, now: Duration, id: u64, mut cl: Client) {
        let mut keep = false;
        if let Some(conn) = self.conns.get_mut(&id) {
            conn.rbuf = BytesMut::new();
            conn.deadline = None;
            if let ConnKind::Client { exchange, reusable, .. } = &mut conn.kind {
                let status = exchange.take().map_or(0, |e| e.status);
                keep = *reusable;
                let backend = conn.backend;
                if let Some(b) = self.pool.get_mut(backend) {
                    b.counters.responses += 1;
                    let name = b.config.name.clone();
                    self.events.push(LbEvent::ResponseRelayed {
                        client: cl.id,
                        status,
                        backend,
                        name,
                        bytes: cl.relayed,
                    });
                }
            }
        }
        if !keep {
            self.close_conn(id, true);
            cl.conn = None;
        }
        cl.in_flight = false;
        if !matches!(cl.req, ReqState::Sent) {
            // The backend answered before the request body was complete: the rest of the
            // body cannot be told apart from a next request, so the session ends.
            cl.close_after = true;
        }
        cl.req = ReqState::Head;
        let id = cl.id.0;
        let Some(cl) = self.settle_client(cl) else { return };
        if let Some(cl) = self.process_client(now, cl).and_then(|cl| self.settle_client(cl)) {
            self.clients.insert(id, cl);
        }
    }

    /// The exchange on `id` failed: count the error, close the connection, and answer
    /// the client (error page, or abort if the response had started).
    fn fail_exchange(&mut self, id: u64, mut cl: Client, status: u16, reason: String, send_close: bool) {
        if let Some(conn) = self.close_conn(id, send_close)
            && let Some(b) = self.pool.get_mut(conn.backend)
        {
            b.counters.errors += 1;
        }
        cl.conn = None;
        self.fail_client(cl, status, reason);
    }

    /// The earliest time [`handle_timeout`](Self::handle_timeout) has work: a backend
    /// deadline, an idle client, or the next health probe.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let conns = self.conns.values().filter_map(|c| c.deadline);
        let idle = self.config.client_idle_timeout;
        let clients = self.clients.values().filter(|c| !c.in_flight).map(|c| c.last_input + idle);
        let probes = self.config.health.as_ref().and_then(|_| {
            self.pool.backends.iter().filter(|b| b.probe.is_none()).map(|b| b.next_probe).min()
        });
        conns.chain(clients).chain(probes).min()
    }

    /// Runs every timer due at `now`: backend timeouts (504, or abort once a response
    /// started), probe timeouts, idle clients, and the start of due health probes.
    pub fn handle_timeout(&mut self, now: Duration) {
        let due: Vec<u64> = self
            .conns
            .iter()
            .filter(|(_, c)| c.deadline.is_some_and(|d| d <= now))
            .map(|(&id, _)| id)
            .collect();
        for id in due {
            let Some(c) = self.conns.get(&id) else { continue };
            match c.kind {
                ConnKind::Probe => self.finish_probe(id, false, "timed out".into(), true),
                ConnKind::Client { client, .. } => {
                    let reason = if c.connected {
                        "backend did not answer in time"
                    } else {
                        "backend connection timed out"
                    };
                    match self.clients.remove(&client) {
                        Some(cl) => self.fail_exchange(id, cl, 504, reason.into(), true),
                        None => {
                            self.close_conn(id, true);
                        }
                    }
                }
            }
        }
        let idle = self.config.client_idle_timeout;
        let idle_clients: Vec<u64> = self
            .clients
            .iter()
            .filter(|(_, c)| !c.in_flight && c.last_input + idle <= now)
            .map(|(&id, _)| id)
            .collect();
        for id in idle_clients {
            if let Some(c) = self.clients.remove(&id) {
                self.events.push(LbEvent::Aborted { client: c.id, reason: "idle timeout".into() });
                self.close_client_now(c);
            }
        }
        let Some(health) = &self.config.health else { return };
        let (interval, timeout) = (health.interval, health.timeout);
        for i in 0..self.pool.backends.len() {
            let b = &self.pool.backends[i];
            if b.probe.is_some() || b.next_probe > now {
                continue;
            }
            let (to, from) = (b.config.addr, self.config.source_address);
            let id = self.next_conn_id();
            let b = &mut self.pool.backends[i];
            b.probe = Some(id);
            b.next_probe = now + interval;
            self.conns.insert(
                id,
                Conn {
                    backend: BackendId(i),
                    kind: ConnKind::Probe,
                    connected: false,
                    pending: BytesMut::new(),
                    rbuf: BytesMut::new(),
                    deadline: Some(now + timeout),
                },
            );
            self.actions.push(Action::ConnectBackend {
                conn: BackendConnId(id),
                backend: BackendId(i),
                to,
                from,
            });
        }
    }

    /// Reads an HTTP probe's response head.
    fn probe_data(&mut self, id: u64) {
        let Some(HealthCheck::HttpGet { expect_status, .. }) = self.config.health.as_ref().map(|h| &h.check)
        else {
            // A TCP probe is finished at connect; stray bytes change nothing.
            return;
        };
        let expect = *expect_status;
        let Some(c) = self.conns.get(&id) else { return };
        match http::parse_response(&c.rbuf, self.config.max_header_bytes, false) {
            Ok(None) => {}
            Ok(Some(h)) if h.status == expect => {
                self.finish_probe(id, true, format!("status {}", h.status), true)
            }
            Ok(Some(h)) => {
                self.finish_probe(id, false, format!("status {}, expected {expect}", h.status), true);
            }
            Err(e) => self.finish_probe(id, false, format!("bad response: {e}"), true),
        }
    }

    /// Records a probe's verdict, forgets its connection, and reports health changes.
    fn finish_probe(&mut self, id: u64, ok: bool, detail: String, send_close: bool) {
        let Some(conn) = self.close_conn(id, send_close) else { return };
        let backend = conn.backend;
        let Some(health) = &self.config.health else { return };
        let (rise, fall) = (health.rise, health.fall);
        let name = self.pool.backends[backend.0].config.name.clone();
        self.events.push(LbEvent::HealthProbe { backend, name: name.clone(), ok, detail: detail.clone() });
        let Some(up) = self.pool.record_probe(backend, ok, rise, fall) else { return };
        let (successes, failures) = self.pool.streak(backend);
        let reason = if up {
            format!("{successes} consecutive checks passed")
        } else {
            format!("{failures} consecutive checks failed (last: {detail})")
        };
        self.events.push(LbEvent::HealthChanged { backend, name, up, reason });
        if !up {
            self.evict(backend);
        }
    }

    /// A backend went down: requests waiting on it for a response get 503, idle
    /// keep-alive connections to it close. Responses already under way continue (bounded
    /// by the backend timeout).
    fn evict(&mut self, backend: BackendId) {
        let ids: Vec<(u64, Option<u64>)> = self
            .conns
            .iter()
            .filter(|(_, c)| c.backend == backend)
            .filter_map(|(&id, c)| match c.kind {
                ConnKind::Client { exchange: None, .. } => Some((id, None)),
                ConnKind::Client { client, exchange: Some(ex), .. } if ex.resp.is_none() => {
                    Some((id, Some(client)))
                }
                _ => None,
            })
            .collect();
        for (id, client) in ids {
            match client.and_then(|c| self.clients.remove(&c)) {
                Some(cl) if cl.relayed == 0 => {
                    self.fail_exchange(id, cl, 503, "the backend was marked down".into(), true);
                }
                Some(cl) => {
                    self.clients.insert(cl.id.0, cl);
                }
                None => {
                    self.close_conn(id, true);
                }
            }
        }
    }
}
