//! TCP sockets: the `tcp` crate's connections and listeners in the stack's socket table.
//!
//! Segments are demultiplexed by (local, remote) address and port to a connection, else
//! by port to a listener, else answered with a RST (RFC 9293 §3.10.7.1). ICMP errors
//! quoting a segment go to its connection. Every connection and listener is drained
//! after each call, so the stack's frames and events are ready as usual.

use core::time::Duration;
use std::collections::{BTreeMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddrV4};

use bytes::Bytes;
use common::{BoundedQueue, Overflow};
use ipv4::IpProtocol;
use tcp::{
    Backlog, Connection, Event, IcmpError, IsnGenerator, Listener, State, TcpPacket, TcpRepr, Transmit,
};

use crate::event::{DropReason, IcmpErrorKind, SendError};
use crate::socket::BindError;
use crate::stack::{SendSpec, Stack};

/// A TCP connection's handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TcpHandle(pub(crate) u32);

/// Most TCP connections a stack holds; connects beyond it fail, and a listener's newly
/// established connections beyond it are reset.
const MAX_CONNECTIONS: usize = 4096;
/// Most TCP events waiting for [`Stack::poll_tcp_event`]; the oldest is dropped beyond it.
const MAX_EVENTS: usize = 4096;

#[derive(Debug)]
pub(crate) struct TcpTable {
    pub(crate) config: tcp::Config,
    isn: IsnGenerator,
    listeners: BTreeMap<u16, Listener>,
    connections: BTreeMap<TcpHandle, Connection>,
    by_endpoints: BTreeMap<(SocketAddrV4, SocketAddrV4), TcpHandle>,
    accepted: BTreeMap<u16, VecDeque<TcpHandle>>,
    events: BoundedQueue<(TcpHandle, Event)>,
    next: u32,
}

impl TcpTable {
    pub(crate) fn new(isn: IsnGenerator) -> Self {
        Self {
            config: tcp::Config::default(),
            isn,
            listeners: BTreeMap::new(),
            connections: BTreeMap::new(),
            by_endpoints: BTreeMap::new(),
            accepted: BTreeMap::new(),
            events: BoundedQueue::new(MAX_EVENTS, Overflow::DropOldest),
            next: 1,
        }
    }

    fn insert(&mut self, connection: Connection) -> Option<TcpHandle> {
        if self.connections.len() >= MAX_CONNECTIONS {
            return None;
        }
        let handle = TcpHandle(self.next);
        self.next = self.next.wrapping_add(1);
        self.by_endpoints.insert((connection.local(), connection.remote()), handle);
        self.connections.insert(handle, connection);
        Some(handle)
    }

    pub(crate) fn is_listening(&self, port: u16) -> bool {
        self.listeners.contains_key(&port)
    }

    pub(crate) fn poll_timeout(&self) -> Option<Duration> {
        let connections = self.connections.values().filter_map(Connection::poll_timeout);
        connections.chain(self.listeners.values().filter_map(Listener::poll_timeout)).min()
    }
}

impl Stack {
    /// Listens for TCP connections on `port` of every address (`listen(2)`), with a
    /// bounded backlog of half-open and unaccepted connections.
    pub fn tcp_listen(&mut self, port: u16) -> Result<(), BindError> {
        if self.tcp.is_listening(port) {
            return Err(BindError::AddrInUse(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port)));
        }
        let local = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port);
        let listener = Listener::new(local, self.tcp.config, self.tcp.isn, Backlog::default());
        self.tcp.listeners.insert(port, listener);
        Ok(())
    }

    /// The next established connection on a listening `port` (`accept(2)`).
    pub fn tcp_accept(&mut self, port: u16) -> Option<TcpHandle> {
        self.tcp.accepted.get_mut(&port)?.pop_front()
    }

    /// Opens a connection to `remote` from this node's address for the route and an
    /// ephemeral port (RFC 6056); [`tcp::Event::Connected`] says when it is up.
    pub fn tcp_connect(&mut self, now: Duration, remote: SocketAddrV4) -> Result<TcpHandle, SendError> {
        let local_ip = self.source_address_for(*remote.ip()).ok_or(SendError::NoRoute)?;
        let in_use: Vec<u16> = self.tcp.by_endpoints.keys().map(|(local, _)| local.port()).collect();
        let random = self.rng.0.next_u32();
        let port = self
            .sockets
            .pick_port(random, |port| in_use.contains(&port) || self.tcp.is_listening(port))
            .ok_or(SendError::NoSuchSocket)?;
        let local = SocketAddrV4::new(local_ip, port);
        let connection = Connection::connect(now, local, remote, self.tcp.config, &self.tcp.isn);
        let handle = self.tcp.insert(connection).ok_or(SendError::NoSuchSocket)?;
        self.flush_tcp(now);
        Ok(handle)
    }

    /// Queues `data` on a connection; returns how many bytes the send buffer took.
    pub fn tcp_send(&mut self, now: Duration, handle: TcpHandle, data: &[u8]) -> usize {
        let taken = self.tcp.connections.get_mut(&handle).map_or(0, |c| c.send(data));
        self.flush_tcp(now);
        taken
    }

    /// The next piece of data received on a connection, in order.
    pub fn tcp_recv(&mut self, now: Duration, handle: TcpHandle) -> Option<Bytes> {
        let data = self.tcp.connections.get_mut(&handle)?.recv();
        // Reading opens the receive window: the connection may want to say so.
        self.flush_tcp(now);
        data
    }

    /// Closes a connection in order (FIN after the queued data).
    pub fn tcp_close(&mut self, now: Duration, handle: TcpHandle) {
        if let Some(connection) = self.tcp.connections.get_mut(&handle) {
            connection.close();
        }
        self.flush_tcp(now);
    }

    /// Aborts a connection with a RST.
    pub fn tcp_abort(&mut self, now: Duration, handle: TcpHandle) {
        if let Some(connection) = self.tcp.connections.get_mut(&handle) {
            connection.abort();
        }
        self.flush_tcp(now);
    }

    /// A connection's state, while the stack still holds it.
    pub fn tcp_state(&self, handle: TcpHandle) -> Option<State> {
        self.tcp.connections.get(&handle).map(Connection::state)
    }

    /// A connection's local and remote endpoints.
    pub fn tcp_endpoints(&self, handle: TcpHandle) -> Option<(SocketAddrV4, SocketAddrV4)> {
        self.tcp.connections.get(&handle).map(|c| (c.local(), c.remote()))
    }

    /// The next event of any connection: connected, data readable, peer closed, reset…
    pub fn poll_tcp_event(&mut self) -> Option<(TcpHandle, Event)> {
        self.tcp.events.pop()
    }

    /// Sends what every connection and listener queued, moves newly established
    /// connections to their listener's accept queue, collects events and forgets
    /// connections that are over.
    pub(crate) fn flush_tcp(&mut self, now: Duration) {
        let mut transmits: Vec<Transmit> = Vec::new();
        for listener in self.tcp.listeners.values_mut() {
            transmits.extend(std::iter::from_fn(|| listener.poll_transmit(now)));
            while listener.poll_event().is_some() {}
        }
        let ports: Vec<u16> = self.tcp.listeners.keys().copied().collect();
        for port in ports {
            while let Some(connection) = self.tcp.listeners.get_mut(&port).and_then(Listener::accept) {
                // With the table full the connection is dropped, and the peer times out.
                if let Some(handle) = self.tcp.insert(connection) {
                    self.tcp.accepted.entry(port).or_default().push_back(handle);
                }
            }
        }
        let mut closed = Vec::new();
        for (handle, connection) in &mut self.tcp.connections {
            transmits.extend(std::iter::from_fn(|| connection.poll_transmit(now)));
            while let Some(event) = connection.poll_event() {
                let _ = self.tcp.events.push((*handle, event));
            }
            if connection.is_closed() {
                closed.push(*handle);
            }
        }
        for handle in closed {
            if let Some(connection) = self.tcp.connections.remove(&handle) {
                self.tcp.by_endpoints.remove(&(connection.local(), connection.remote()));
            }
        }
        for transmit in transmits {
            self.send_segment(now, &transmit);
        }
    }

    fn send_segment(&mut self, now: Duration, transmit: &Transmit) {
        let Ok(segment) = transmit.to_bytes() else { return };
        let spec =
            SendSpec { src: Some(transmit.src_addr), ..SendSpec::new(transmit.dst_addr, IpProtocol::TCP) };
        // A segment that cannot be routed is reported by `send_ip`; TCP retransmits.
        let _ = self.send_ip(now, spec, &segment);
    }

    /// A TCP segment for this node: to its connection, its listener, the raw TCP port
    /// registry, or answered with a RST.
    pub(crate) fn deliver_tcp(
        &mut self,
        now: Duration,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        payload: &[u8],
    ) -> Result<(), DropReason> {
        let packet = TcpPacket::new_checked(payload).map_err(DropReason::BadTcp)?;
        let repr =
            TcpRepr::parse(&packet, src, dst, tcp::ChecksumCheck::Verify).map_err(DropReason::BadTcp)?;
        let data = Bytes::copy_from_slice(packet.payload());
        let endpoints = (SocketAddrV4::new(dst, repr.dst_port), SocketAddrV4::new(src, repr.src_port));
        if let Some(connection) =
            self.tcp.by_endpoints.get(&endpoints).and_then(|handle| self.tcp.connections.get_mut(handle))
        {
            connection.handle_segment(now, &repr, data);
        } else if let Some(listener) = self.tcp.listeners.get_mut(&repr.dst_port) {
            listener.handle_segment(now, src, dst, &repr, data);
        } else {
            if let Some(rst) = tcp::reset_for_closed(src, dst, &repr) {
                self.send_segment(now, &rst);
            }
            return Err(DropReason::TcpPortClosed { port: repr.dst_port });
        }
        self.flush_tcp(now);
        Ok(())
    }

    /// An ICMP error quoting a segment of one of our connections.
    pub(crate) fn tcp_icmp_error(
        &mut self,
        now: Duration,
        local: SocketAddrV4,
        remote: SocketAddrV4,
        kind: IcmpErrorKind,
    ) -> bool {
        let Some(handle) = self.tcp.by_endpoints.get(&(local, remote)).copied() else { return false };
        let error = match kind {
            IcmpErrorKind::Unreachable(code) => IcmpError::DestinationUnreachable { code: code.0 },
            IcmpErrorKind::FragmentationNeeded { mtu } => {
                IcmpError::FragmentationNeeded { next_hop_mtu: mtu }
            }
            IcmpErrorKind::TimeExceeded(_) => IcmpError::TimeExceeded,
        };
        if let Some(connection) = self.tcp.connections.get_mut(&handle) {
            connection.handle_icmp_error(now, error);
        }
        self.flush_tcp(now);
        true
    }

    pub(crate) fn tcp_handle_timeout(&mut self, now: Duration) {
        for listener in self.tcp.listeners.values_mut() {
            if listener.poll_timeout().is_some_and(|at| at <= now) {
                listener.handle_timeout(now);
            }
        }
        for connection in self.tcp.connections.values_mut() {
            if connection.poll_timeout().is_some_and(|at| at <= now) {
                connection.handle_timeout(now);
            }
        }
        self.flush_tcp(now);
    }
}
