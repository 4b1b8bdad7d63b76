//! The client side: TLS termination, request heads, request bodies, closing sessions.

use core::time::Duration;

use bytes::{Bytes, BytesMut};
use common::BoundedQueue;
use tls_lite::Event;

use crate::balancer::{Balancer, Client, ConnKind, Exchange, ReqState};
use crate::event::{Action, BackendConnId, ClientId, LbEvent};
use crate::http::{self, BodyKind, Framer, HeadError};

/// Largest plaintext handed to tls-lite at once (well under its send-queue bound, which
/// is drained right after).
const TLS_SEND_PIECE: usize = 64 * 1024;

/// What one batch of TLS input produced.
#[derive(Debug, Default)]
struct TlsRead {
    plain: BytesMut,
    peer_closed: bool,
    failed: Option<String>,
}

/// Writes `data` to the client: plain, or sealed in TLS records (all records of the call
/// in one action).
pub(crate) fn send_to_client(actions: &mut BoundedQueue<Action>, c: &mut Client, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    match &mut c.tls {
        None => {
            actions.push(Action::SendToClient { client: c.id, data: Bytes::copy_from_slice(data) });
        }
        Some(tls) => {
            let mut out = BytesMut::new();
            for piece in data.chunks(TLS_SEND_PIECE) {
                // Fails only once the connection is dead or closing: nothing can be sent.
                if tls.send_application_data(piece).is_err() {
                    break;
                }
                while let Some(rec) = tls.poll_transmit(Duration::ZERO) {
                    out.extend_from_slice(&rec);
                }
            }
            flush_tls(actions, c.id, &mut out);
        }
    }
}

fn flush_tls(actions: &mut BoundedQueue<Action>, client: ClientId, out: &mut BytesMut) {
    if !out.is_empty() {
        actions.push(Action::SendToClient { client, data: out.split().freeze() });
    }
}

impl Balancer {
    /// Bytes arrived on a client connection (TLS records for a TLS service, plain HTTP
    /// otherwise). Unknown (already closed) clients are ignored.
    pub fn handle_client_data(&mut self, now: Duration, client: ClientId, data: &[u8]) {
        let Some(mut c) = self.clients.remove(&client.0) else { return };
        c.last_input = now;
        if c.tls.is_none() {
            if let Some(c) = self.feed_plain(now, c, data) {
                self.clients.insert(client.0, c);
            }
            return;
        }
        let read = self.tls_input(now, &mut c, data);
        let Some(mut c) = self.feed_plain(now, c, &read.plain) else { return };
        if let Some(reason) = read.failed {
            self.events.push(LbEvent::TlsFailed { client, reason });
            // The alert (if any) was already flushed; no close_notify after a fatal alert.
            c.tls = None;
            self.close_client_now(c);
            return;
        }
        if read.peer_closed && !c.peer_done {
            c.peer_done = true;
            self.events.push(LbEvent::ClientClosed { client, close_notify: true, reset: false });
        }
        if let Some(c) = self.settle_client(c) {
            self.clients.insert(client.0, c);
        }
    }

    /// The client's connection closed: `reset` for RST (everything is dropped at once), a
    /// FIN otherwise (a response under way is finished, then the balancer closes too).
    /// Unknown (already closed) clients are ignored.
    pub fn handle_client_closed(&mut self, _now: Duration, client: ClientId, reset: bool) {
        let Some(mut c) = self.clients.remove(&client.0) else { return };
        self.events.push(LbEvent::ClientClosed { client, close_notify: false, reset });
        if reset {
            if let Some(conn) = c.conn.take() {
                self.close_conn(conn, true);
            }
            return;
        }
        c.peer_done = true;
        if let Some(c) = self.settle_client(c) {
            self.clients.insert(client.0, c);
        }
    }

    /// Feeds TLS records; collects plaintext, flushes records to send, reports events.
    fn tls_input(&mut self, now: Duration, c: &mut Client, data: &[u8]) -> TlsRead {
        let mut read = TlsRead::default();
        let id = c.id;
        let Some(tls) = c.tls.as_mut() else { return read };
        let mut rest = data;
        // Each round takes bytes or yields events; the bound only guards the loop.
        for _ in 0..2 * data.len() + 16 {
            let taken = match tls.handle_input(now, rest) {
                Ok(n) => n,
                Err(e) => {
                    read.failed = Some(e.to_string());
                    0
                }
            };
            rest = rest.get(taken..).unwrap_or_default();
            let mut evented = false;
            while let Some(ev) = tls.poll_event() {
                evented = true;
                match ev {
                    Event::HandshakeComplete { suite, server_name } => {
                        self.events.push(LbEvent::TlsHandshakeComplete { client: id, suite, server_name });
                    }
                    Event::ApplicationData(b) => read.plain.extend_from_slice(&b),
                    Event::PeerClosed => read.peer_closed = true,
                    Event::AlertReceived(a) => read.failed = Some(format!("alert received: {a:?}")),
                    Event::AlertSent(a) => read.failed = Some(format!("alert sent: {a:?}")),
                    _ => {}
                }
            }
            if read.failed.is_some() || (taken == 0 && !evented) || (rest.is_empty() && !evented) {
                break;
            }
        }
        while let Some(line) = tls.poll_keylog() {
            self.events.push(LbEvent::TlsKeyLog { client: id, line: line.to_string() });
        }
        let mut out = BytesMut::new();
        while let Some(rec) = tls.poll_transmit(now) {
            out.extend_from_slice(&rec);
        }
        flush_tls(&mut self.actions, id, &mut out);
        read
    }

    /// Appends plaintext in slices that fit the buffer bound, handling requests as they
    /// complete. `None`: the session ended.
    fn feed_plain(&mut self, now: Duration, mut c: Client, mut data: &[u8]) -> Option<Client> {
        let limit = self.config.max_header_bytes + self.config.max_buffer_bytes;
        while !data.is_empty() {
            let room = limit.saturating_sub(c.inbuf.len());
            if room == 0 {
                let status = if matches!(c.req, ReqState::Body(_)) { 413 } else { 431 };
                self.fail_client(c, status, "client sent more than the buffer bound allows".into());
                return None;
            }
            if c.peer_done {
                // Nothing is read after the client's close (or close_notify).
                break;
            }
            let n = room.min(data.len());
            c.inbuf.extend_from_slice(data.get(..n).unwrap_or_default());
            data = data.get(n..).unwrap_or_default();
            c = self.process_client(now, c)?;
        }
        Some(c)
    }

    /// Handles whatever complete pieces of requests `c.inbuf` holds.
    pub(crate) fn process_client(&mut self, now: Duration, mut c: Client) -> Option<Client> {
        loop {
            match c.req {
                ReqState::Sent => return Some(c),
                ReqState::Head => {
                    if c.in_flight || c.inbuf.is_empty() {
                        return Some(c);
                    }
                    let head = match http::parse_request(&c.inbuf, self.config.max_header_bytes) {
                        Ok(Some(head)) => head,
                        Ok(None) => return Some(c),
                        Err(HeadError::TooLarge) => {
                            self.fail_client(c, 431, "request head too large".into());
                            return None;
                        }
                        Err(e) => {
                            self.fail_client(c, 400, format!("bad request: {e}"));
                            return None;
                        }
                    };
                    c = self.start_request(now, c, head)?;
                }
                ReqState::Body(mut framer) => {
                    if c.inbuf.is_empty() {
                        return Some(c);
                    }
                    let progress = match framer.advance(&c.inbuf) {
                        Ok(p) => p,
                        Err(e) => {
                            self.fail_client(c, 400, format!("bad request body: {e}"));
                            return None;
                        }
                    };
                    let part = c.inbuf.split_to(progress.used).freeze();
                    c.req = if progress.done { ReqState::Sent } else { ReqState::Body(framer) };
                    let Some(conn) = c.conn else {
                        self.fail_client(c, 502, "backend connection lost during the request".into());
                        return None;
                    };
                    if self.conn_send(now, conn, part).is_err() {
                        self.fail_client(
                            c,
                            413,
                            "request body arrived faster than the backend took it".into(),
                        );
                        return None;
                    }
                    if progress.used == 0 {
                        return Some(c);
                    }
                }
            }
        }
    }

    /// A complete request head: pick (or reuse) the backend and forward the head.
    fn start_request(&mut self, now: Duration, mut c: Client, head: http::RequestHead) -> Option<Client> {
        self.events.push(LbEvent::RequestReceived {
            client: c.id,
            method: head.method.clone(),
            path: head.path.clone(),
            host: head.host.clone(),
        });
        c.close_after |= head.close;
        let raw = c.inbuf.split_to(head.len);
        let forwarded =
            http::forwarded_head(&raw, &head, *c.peer.ip(), *self.config.listen.ip(), c.tls.is_some());

        // Reuse the session's connection when its backend still takes requests.
        let reuse = c.conn.filter(|id| {
            self.conns.get(id).is_some_and(|conn| {
                self.pool.is_available(conn.backend)
                    && matches!(conn.kind, ConnKind::Client { exchange: None, reusable: true, .. })
            })
        });
        let conn_id = match reuse {
            Some(id) => id,
            None => {
                if let Some(old) = c.conn.take() {
                    self.close_conn(old, true);
                }
                let Some(backend) = self.pool.choose(self.config.algorithm, *c.peer.ip()) else {
                    self.fail_client(c, 503, "no backend is available".into());
                    return None;
                };
                let b = &self.pool.backends[backend.0].config;
                self.events.push(LbEvent::BackendChosen {
                    client: c.id,
                    backend,
                    name: b.name.clone(),
                    addr: b.addr,
                    algorithm: self.config.algorithm,
                });
                let id = self.open_conn(now, c.id.0, backend);
                c.conn = Some(id);
                id
            }
        };
        let Some(conn) = self.conns.get_mut(&conn_id) else {
            self.fail_client(c, 502, "backend connection lost".into());
            return None;
        };
        let backend = conn.backend;
        let b = &self.pool.backends[backend.0].config;
        let forward = LbEvent::RequestForwarded {
            client: c.id,
            conn: BackendConnId(conn_id),
            backend,
            name: b.name.clone(),
            from: self.config.source_address,
            to: b.addr,
        };
        conn.deadline = Some(now + self.config.backend_timeout);
        if let ConnKind::Client { exchange, forward_event, .. } = &mut conn.kind {
            *exchange = Some(Exchange { head_request: head.method == "HEAD", resp: None, status: 0 });
            if conn.connected {
                self.events.push(forward);
            } else {
                *forward_event = Some(forward);
            }
        }
        if let Some(b) = self.pool.get_mut(backend) {
            b.counters.requests += 1;
        }
        c.in_flight = true;
        c.relayed = 0;
        c.req = match head.body {
            BodyKind::Length(0) => ReqState::Sent,
            kind => ReqState::Body(Framer::new(kind)),
        };
        if self.conn_send(now, conn_id, forwarded).is_err() {
            self.fail_client(c, 413, "request too large to hold while connecting".into());
            return None;
        }
        Some(c)
    }

    /// After a response completed or the client closed: close the session when it is
    /// done, else handle any request already buffered. `None`: the session ended.
    pub(crate) fn settle_client(&mut self, c: Client) -> Option<Client> {
        if c.in_flight {
            return Some(c);
        }
        if c.peer_done || c.close_after {
            self.close_client_now(c);
            return None;
        }
        Some(c)
    }

    /// Ends the session in an orderly way: close_notify (TLS), then FIN; its backend
    /// connection is closed.
    pub(crate) fn close_client_now(&mut self, mut c: Client) {
        if let Some(conn) = c.conn.take() {
            self.close_conn(conn, true);
        }
        if let Some(tls) = &mut c.tls {
            let mut out = BytesMut::new();
            if tls.send_close_notify().is_ok() {
                while let Some(rec) = tls.poll_transmit(Duration::ZERO) {
                    out.extend_from_slice(&rec);
                }
            }
            flush_tls(&mut self.actions, c.id, &mut out);
        }
        self.actions.push(Action::CloseClient { client: c.id });
    }

    /// Ends the session after an error: an error page when no response byte was relayed
    /// yet (and the handshake is done), else an abort; then the orderly close.
    pub(crate) fn fail_client(&mut self, mut c: Client, status: u16, reason: String) {
        if let Some(conn) = c.conn.take() {
            self.close_conn(conn, true);
        }
        let can_answer = c.relayed == 0 && c.tls.as_ref().is_none_or(|t| t.is_handshake_complete());
        if can_answer {
            self.events.push(LbEvent::ErrorResponse { client: c.id, status, reason });
            send_to_client(&mut self.actions, &mut c, &http::error_response(status));
        } else {
            self.events.push(LbEvent::Aborted { client: c.id, reason });
        }
        c.in_flight = false;
        self.close_client_now(c);
    }
}
