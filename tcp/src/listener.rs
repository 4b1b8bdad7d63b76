//! A listening socket (RFC 9293 LISTEN) with a bounded backlog.

use core::time::Duration;
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};

use bytes::Bytes;

use crate::config::Config;
use crate::connection::Connection;
use crate::event::{State, Transmit};
use crate::isn::IsnGenerator;
use crate::repr::TcpRepr;
use crate::reset::reset_for_closed;

/// Bounds of a listener's queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    /// Most half-open connections (SYN received, SYN-ACK sent, final ACK awaited;
    /// default 128). When full, a new SYN evicts the oldest half-open connection, so a
    /// SYN flood cannot grow memory and new clients still get through.
    pub half_open: usize,
    /// Most established connections waiting for `accept` (default 128). When full, a
    /// connection completing its handshake is reset.
    pub accept_queue: usize,
}

impl Default for Backlog {
    fn default() -> Self {
        Self { half_open: 128, accept_queue: 128 }
    }
}

/// Things a listener reports, drained with [`Listener::poll_event`] (at most 64 are
/// kept; older ones are dropped first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListenerEvent {
    /// A connection completed its handshake: [`Listener::accept`] returns it.
    Acceptable {
        /// The client.
        remote: SocketAddrV4,
    },
    /// The half-open table was full: the oldest half-open connection was dropped.
    HalfOpenEvicted {
        /// The client whose handshake was dropped.
        remote: SocketAddrV4,
    },
    /// The accept queue was full: a connection that completed its handshake was reset.
    AcceptQueueFull {
        /// The client that was reset.
        remote: SocketAddrV4,
    },
}

/// Most segments the listener queues itself (RSTs to stray ACKs); more are dropped.
const MAX_QUEUED_SEGMENTS: usize = 64;
const MAX_EVENTS: usize = 64;

/// A passive-open endpoint on one local port: answers SYNs with SYN-ACKs, holds the
/// half-open connections, and hands established ones out through [`Listener::accept`].
///
/// The stack passes it every segment for its port that matches no connection in the
/// stack's own table, including the handshake's final ACK (the listener owns the
/// connection until it is accepted).
#[derive(Debug)]
pub struct Listener {
    local: SocketAddrV4,
    config: Config,
    isn: IsnGenerator,
    backlog: Backlog,
    half_open: VecDeque<Connection>,
    ready: VecDeque<Connection>,
    out: VecDeque<Transmit>,
    events: VecDeque<ListenerEvent>,
}

impl Listener {
    /// Listens on `local` (its address may be 0.0.0.0 for any); accepted connections
    /// use `config`.
    pub fn new(local: SocketAddrV4, config: Config, isn: IsnGenerator, backlog: Backlog) -> Self {
        Self {
            local,
            config,
            isn,
            backlog,
            half_open: VecDeque::new(),
            ready: VecDeque::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The address and port listened on.
    pub const fn local(&self) -> SocketAddrV4 {
        self.local
    }

    /// Half-open connections held.
    pub fn half_open_len(&self) -> usize {
        self.half_open.len()
    }

    /// Established connections waiting for `accept`.
    pub fn accept_queue_len(&self) -> usize {
        self.ready.len()
    }

    /// The oldest established connection, for the application to own from now on.
    pub fn accept(&mut self) -> Option<Connection> {
        self.ready.pop_front()
    }

    /// Feeds a segment (checksum-verified) that arrived from `src` for `dst` at this
    /// listener's port (RFC 9293 §3.10.7.2 for segments of no connection).
    pub fn handle_segment(
        &mut self,
        now: Duration,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        repr: &TcpRepr,
        payload: Bytes,
    ) {
        if repr.dst_port != self.local.port() {
            return;
        }
        let remote = SocketAddrV4::new(src, repr.src_port);
        let local = SocketAddrV4::new(dst, repr.dst_port);
        let matches = |c: &Connection| c.remote() == remote && c.local() == local;
        if let Some(conn) = self.ready.iter_mut().find(|c| matches(c)) {
            conn.handle_segment(now, repr, payload);
            return;
        }
        if let Some(i) = self.half_open.iter().position(matches) {
            if let Some(conn) = self.half_open.get_mut(i) {
                conn.handle_segment(now, repr, payload);
            }
            self.promote(i);
            return;
        }
        let flags = repr.flags;
        if flags.rst() {
            return;
        }
        if flags.ack() {
            if let Some(rst) = reset_for_closed(src, dst, repr) {
                self.queue(rst);
            }
            return;
        }
        if !flags.syn() {
            return;
        }
        if self.half_open.len() >= self.backlog.half_open.max(1)
            && let Some(old) = self.half_open.pop_front()
        {
            self.event(ListenerEvent::HalfOpenEvicted { remote: old.remote() });
        }
        self.half_open.push_back(Connection::accept_syn(now, local, remote, repr, self.config, &self.isn));
    }

    /// Moves half-open connection `i` on if its handshake ended one way or the other.
    fn promote(&mut self, i: usize) {
        let Some(conn) = self.half_open.get(i) else { return };
        match conn.state() {
            State::SynReceived => {}
            State::Closed => {
                if let Some(mut conn) = self.half_open.remove(i) {
                    while let Some(t) = conn.poll_transmit(Duration::ZERO) {
                        self.queue(t);
                    }
                }
            }
            _ => {
                let Some(mut conn) = self.half_open.remove(i) else { return };
                let remote = conn.remote();
                if self.ready.len() >= self.backlog.accept_queue {
                    conn.abort();
                    while let Some(t) = conn.poll_transmit(Duration::ZERO) {
                        self.queue(t);
                    }
                    self.event(ListenerEvent::AcceptQueueFull { remote });
                } else {
                    self.ready.push_back(conn);
                    self.event(ListenerEvent::Acceptable { remote });
                }
            }
        }
    }

    fn queue(&mut self, transmit: Transmit) {
        if self.out.len() < MAX_QUEUED_SEGMENTS {
            self.out.push_back(transmit);
        }
    }

    fn event(&mut self, event: ListenerEvent) {
        if self.events.len() >= MAX_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }

    /// The next segment to send: the listener's own RSTs, then the SYN-ACKs and ACKs
    /// of the connections it holds.
    pub fn poll_transmit(&mut self, now: Duration) -> Option<Transmit> {
        if let Some(t) = self.out.pop_front() {
            return Some(t);
        }
        self.half_open.iter_mut().chain(self.ready.iter_mut()).find_map(|c| c.poll_transmit(now))
    }

    /// When `handle_timeout` should next be called.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.half_open.iter().chain(self.ready.iter()).filter_map(Connection::poll_timeout).min()
    }

    /// Runs the timers of the connections held (SYN-ACK retransmissions); drops
    /// half-open connections that gave up.
    pub fn handle_timeout(&mut self, now: Duration) {
        for conn in self.half_open.iter_mut().chain(self.ready.iter_mut()) {
            if conn.poll_timeout().is_some_and(|t| t <= now) {
                conn.handle_timeout(now);
            }
        }
        self.half_open.retain(|c| c.state() != State::Closed);
    }

    /// The next listener event.
    pub fn poll_event(&mut self) -> Option<ListenerEvent> {
        self.events.pop_front()
    }
}
