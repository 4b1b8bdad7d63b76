//! lb1's balancer: the `lb` crate's sans-IO balancer driven through the stack's TCP
//! sockets. Clients connect to the VIP's port; the balancer's actions open, write and
//! close connections; its events go into the trace.

use core::time::Duration;
use std::collections::BTreeMap;

use lb::{Action, BackendConnId, Balancer, ClientId, LbEvent, ServiceConfig};
use stack::TcpHandle;
use tcp::Event;

use super::{App, AppContext, AppEvent};
use crate::nodes::Command;

/// Salt of the balancer's seed (TLS randoms and keys).
const LB_SALT: u64 = 0x004c_425f_5341_4c54;
/// Most bytes waiting for room in one connection's send buffer.
const MAX_PENDING: usize = 1024 * 1024;

/// Which side a TCP connection of the balancer is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Client(ClientId),
    Backend(BackendConnId),
}

/// The balancer on a node's stack.
#[derive(Debug)]
pub struct LbApp {
    config: ServiceConfig,
    balancer: Option<Balancer>,
    sides: BTreeMap<TcpHandle, Side>,
    clients: BTreeMap<ClientId, TcpHandle>,
    backends: BTreeMap<BackendConnId, TcpHandle>,
    /// Bytes the send buffer had no room for yet, and whether to close after them.
    pending: BTreeMap<TcpHandle, (Vec<u8>, bool)>,
}

impl LbApp {
    /// A balancer for `config`'s virtual service.
    pub fn new(config: ServiceConfig) -> Self {
        Self {
            config,
            balancer: None,
            sides: BTreeMap::new(),
            clients: BTreeMap::new(),
            backends: BTreeMap::new(),
            pending: BTreeMap::new(),
        }
    }

    /// The balancer, once the node has started.
    pub fn balancer(&self) -> Option<&Balancer> {
        self.balancer.as_ref()
    }

    /// Queues `data` for `handle`; [`LbApp::drain`] writes each connection's queue at once
    /// after a batch of actions, so the records of one flight leave in one segment
    /// rather than wait for an ACK behind Nagle's algorithm.
    fn send(&mut self, handle: TcpHandle, data: &[u8]) {
        let entry = self.pending.entry(handle).or_default();
        if entry.0.len() + data.len() <= MAX_PENDING {
            entry.0.extend_from_slice(data);
        }
    }

    fn close(&mut self, cx: &mut AppContext<'_>, handle: TcpHandle) {
        match self.pending.get_mut(&handle) {
            Some(entry) if !entry.0.is_empty() => entry.1 = true,
            _ => {
                self.pending.remove(&handle);
                cx.stack.tcp_close(cx.now, handle);
            }
        }
    }

    fn flush(&mut self, cx: &mut AppContext<'_>, handle: TcpHandle) {
        let Some((bytes, close)) = self.pending.get_mut(&handle) else { return };
        let taken = cx.stack.tcp_send(cx.now, handle, bytes);
        bytes.drain(..taken);
        if bytes.is_empty() {
            let close = *close;
            self.pending.remove(&handle);
            if close {
                cx.stack.tcp_close(cx.now, handle);
            }
        }
    }

    fn forget(&mut self, handle: TcpHandle) {
        match self.sides.remove(&handle) {
            Some(Side::Client(client)) => {
                self.clients.remove(&client);
            }
            Some(Side::Backend(conn)) => {
                self.backends.remove(&conn);
            }
            None => {}
        }
        self.pending.remove(&handle);
    }

    /// Carries out the balancer's actions and records its events.
    fn drain(&mut self, cx: &mut AppContext<'_>) {
        for _ in 0..64 {
            let Some(balancer) = self.balancer.as_mut() else { return };
            let actions: Vec<Action> = std::iter::from_fn(|| balancer.poll_action()).collect();
            let events: Vec<LbEvent> = std::iter::from_fn(|| balancer.poll_event()).collect();
            for event in events {
                cx.report(AppEvent::Lb(event));
            }
            if actions.is_empty() {
                return;
            }
            for action in actions {
                self.act(cx, action);
            }
            let handles: Vec<TcpHandle> = self.pending.keys().copied().collect();
            for handle in handles {
                self.flush(cx, handle);
            }
        }
    }

    fn act(&mut self, cx: &mut AppContext<'_>, action: Action) {
        match action {
            Action::SendToClient { client, data } => {
                if let Some(&handle) = self.clients.get(&client) {
                    self.send(handle, &data);
                }
            }
            Action::CloseClient { client } => {
                if let Some(handle) = self.clients.remove(&client) {
                    self.close(cx, handle);
                }
            }
            Action::ConnectBackend { conn, to, .. } => {
                // The route to the servers' network leaves by lb1's server-side
                // interface, whose address is the configured source (172.16.2.254).
                match cx.stack.tcp_connect(cx.now, to) {
                    Ok(handle) => {
                        self.sides.insert(handle, Side::Backend(conn));
                        self.backends.insert(conn, handle);
                    }
                    Err(_) => {
                        if let Some(balancer) = self.balancer.as_mut() {
                            balancer.handle_backend_failed(cx.now, conn);
                        }
                    }
                }
            }
            Action::SendToBackend { conn, data } => {
                if let Some(&handle) = self.backends.get(&conn) {
                    self.send(handle, &data);
                }
            }
            Action::CloseBackend { conn } => {
                if let Some(handle) = self.backends.remove(&conn) {
                    self.close(cx, handle);
                }
            }
        }
    }

    fn accept(&mut self, cx: &mut AppContext<'_>) {
        let port = self.config.listen.port();
        while let Some(handle) = cx.stack.tcp_accept(port) {
            let Some(balancer) = self.balancer.as_mut() else { return };
            let Some((_, peer)) = cx.stack.tcp_endpoints(handle) else { continue };
            let client = balancer.handle_client_accepted(cx.now, peer);
            self.sides.insert(handle, Side::Client(client));
            self.clients.insert(client, handle);
        }
    }

    fn read(cx: &mut AppContext<'_>, handle: TcpHandle) -> Vec<u8> {
        let mut data = Vec::new();
        while let Some(chunk) = cx.stack.tcp_recv(cx.now, handle) {
            data.extend_from_slice(&chunk);
        }
        data
    }
}

impl App for LbApp {
    fn start(&mut self, cx: &mut AppContext<'_>) {
        match Balancer::new(self.config.clone(), cx.seed ^ LB_SALT) {
            Ok(balancer) => self.balancer = Some(balancer),
            Err(error) => {
                cx.report(AppEvent::Lb(LbEvent::Refused {
                    peer: self.config.listen,
                    reason: error.to_string(),
                }));
                return;
            }
        }
        if let Err(error) = cx.stack.tcp_listen(self.config.listen.port()) {
            cx.report(AppEvent::SocketFailed(error));
        }
        self.drain(cx);
    }

    fn handle_command(&mut self, _cx: &mut AppContext<'_>, _command: &Command) -> bool {
        false
    }

    fn handle_tcp_event(&mut self, cx: &mut AppContext<'_>, handle: TcpHandle, event: Event) {
        self.accept(cx);
        let Some(&side) = self.sides.get(&handle) else { return };
        let now = cx.now;
        match event {
            Event::Writable => self.flush(cx, handle),
            Event::Connected => {
                if let (Side::Backend(conn), Some(balancer)) = (side, self.balancer.as_mut()) {
                    balancer.handle_backend_connected(now, conn);
                }
            }
            Event::DataReadable | Event::PeerClosed => {
                let data = Self::read(cx, handle);
                let Some(balancer) = self.balancer.as_mut() else { return };
                match side {
                    Side::Client(client) if !data.is_empty() => {
                        balancer.handle_client_data(now, client, &data)
                    }
                    Side::Backend(conn) if !data.is_empty() => balancer.handle_backend_data(now, conn, &data),
                    _ => {}
                }
                if event == Event::PeerClosed {
                    match side {
                        Side::Client(client) => balancer.handle_client_closed(now, client, false),
                        Side::Backend(conn) => balancer.handle_backend_closed(now, conn),
                    }
                }
            }
            Event::Reset | Event::TimedOut { .. } | Event::Unreachable(_) | Event::Closed => {
                if let Some(balancer) = self.balancer.as_mut() {
                    match side {
                        Side::Client(client) => {
                            balancer.handle_client_closed(now, client, event != Event::Closed)
                        }
                        Side::Backend(conn) if event == Event::Closed => {
                            balancer.handle_backend_closed(now, conn)
                        }
                        Side::Backend(conn) => balancer.handle_backend_failed(now, conn),
                    }
                }
                self.forget(handle);
            }
            _ => {}
        }
        self.drain(cx);
    }

    fn poll(&mut self, cx: &mut AppContext<'_>) {
        self.accept(cx);
        self.drain(cx);
    }

    fn poll_timeout(&self) -> Option<Duration> {
        self.balancer.as_ref().and_then(Balancer::poll_timeout)
    }

    fn handle_timeout(&mut self, cx: &mut AppContext<'_>) {
        if let Some(balancer) = self.balancer.as_mut() {
            balancer.handle_timeout(cx.now);
        }
        self.drain(cx);
    }

    fn describe(&self, _now: Duration) -> Vec<String> {
        let Some(balancer) = self.balancer.as_ref() else { return Vec::new() };
        balancer
            .backends()
            .map(|backend| {
                let c = backend.counters;
                format!(
                    "lb backend {} ({}) {:?}: {} open, {} requests, {} responses, {} errors, probes {} ok / {} failed",
                    backend.name,
                    backend.addr,
                    backend.state,
                    backend.active_connections,
                    c.requests,
                    c.responses,
                    c.errors,
                    c.probes_ok,
                    c.probes_failed
                )
            })
            .collect()
    }
}
