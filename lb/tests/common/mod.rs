//! A test bench around one balancer: it plays the caller (owner of every TCP
//! connection), records what reached each client and backend, and moves virtual time.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use lb::{
    Action, Algorithm, BackendConfig, BackendConnId, BackendId, Balancer, ClientId, LbEvent, ServiceConfig,
};

pub const VIP: Ipv4Addr = Ipv4Addr::new(172, 16, 3, 12);
pub const SNAT: Ipv4Addr = Ipv4Addr::new(172, 16, 2, 254);

pub fn backend_addr(i: usize) -> SocketAddrV4 {
    SocketAddrV4::new(Ipv4Addr::new(172, 16, 2, 1 + i as u8), 80)
}

/// A plain-HTTP service on 172.16.3.12:80 with `n` backends `sv1..` at 172.16.2.1.. .
pub fn config(n: usize, algorithm: Algorithm) -> ServiceConfig {
    let backends = (0..n).map(|i| BackendConfig::new(format!("sv{}", i + 1), backend_addr(i))).collect();
    let mut c = ServiceConfig::new("www", SocketAddrV4::new(VIP, 80), SNAT, backends);
    c.algorithm = algorithm;
    c
}

pub fn client_addr(i: u32) -> SocketAddrV4 {
    SocketAddrV4::new(Ipv4Addr::from(0xc0a8_0000 + i), 40000 + (i % 20000) as u16)
}

#[derive(Debug, Default)]
pub struct ClientView {
    pub peer: Option<SocketAddrV4>,
    pub received: Vec<u8>,
    pub closed: bool,
    /// The test closed or reset it.
    pub gone: bool,
    pub requests: usize,
}

impl ClientView {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.received).into_owned()
    }

    pub fn responses(&self) -> usize {
        self.text().matches("HTTP/1.1 ").count()
    }
}

#[derive(Debug)]
pub struct ConnView {
    pub backend: BackendId,
    pub to: SocketAddrV4,
    pub from: Ipv4Addr,
    pub received: Vec<u8>,
    pub connected: bool,
    /// The balancer closed it.
    pub closed: bool,
    /// The test ended it (closed/failed).
    pub ended: bool,
}

impl ConnView {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.received).into_owned()
    }
}

pub struct Bench {
    pub lb: Balancer,
    pub now: Duration,
    pub events: Vec<LbEvent>,
    pub clients: BTreeMap<ClientId, ClientView>,
    pub conns: BTreeMap<BackendConnId, ConnView>,
    /// Connection ids in the order the balancer asked for them.
    pub conn_order: Vec<BackendConnId>,
}

impl Bench {
    pub fn new(config: ServiceConfig) -> Self {
        Self {
            lb: Balancer::new(config, 7).expect("config"),
            now: Duration::ZERO,
            events: Vec::new(),
            clients: BTreeMap::new(),
            conns: BTreeMap::new(),
            conn_order: Vec::new(),
        }
    }

    /// Drains actions and events into the views.
    pub fn pump(&mut self) {
        while let Some(a) = self.lb.poll_action() {
            match a {
                Action::SendToClient { client, data } => {
                    let v = self.clients.entry(client).or_default();
                    assert!(!v.closed, "data after close to {client}");
                    v.received.extend_from_slice(&data);
                }
                Action::CloseClient { client } => {
                    let v = self.clients.entry(client).or_default();
                    assert!(!v.closed, "double close of {client}");
                    v.closed = true;
                }
                Action::ConnectBackend { conn, backend, to, from } => {
                    assert!(!self.conns.contains_key(&conn), "conn id reused");
                    self.conn_order.push(conn);
                    self.conns.insert(
                        conn,
                        ConnView {
                            backend,
                            to,
                            from,
                            received: Vec::new(),
                            connected: false,
                            closed: false,
                            ended: false,
                        },
                    );
                }
                Action::SendToBackend { conn, data } => {
                    let v = self.conns.get_mut(&conn).expect("send to unknown conn");
                    assert!(v.connected, "send before connect");
                    assert!(!v.closed, "send after close");
                    v.received.extend_from_slice(&data);
                }
                Action::CloseBackend { conn } => {
                    let v = self.conns.get_mut(&conn).expect("close of unknown conn");
                    v.closed = true;
                }
            }
        }
        while let Some(e) = self.lb.poll_event() {
            // Every event has a plain-words rendering.
            assert!(!e.to_string().is_empty());
            self.events.push(e);
        }
    }

    pub fn accept(&mut self, peer: SocketAddrV4) -> ClientId {
        let id = self.lb.handle_client_accepted(self.now, peer);
        self.clients.entry(id).or_default().peer = Some(peer);
        self.pump();
        id
    }

    pub fn send(&mut self, client: ClientId, data: &[u8]) {
        self.lb.handle_client_data(self.now, client, data);
        self.pump();
    }

    /// Sends a request and counts it for the no-hang check.
    pub fn request(&mut self, client: ClientId, data: &[u8]) {
        self.clients.entry(client).or_default().requests += 1;
        self.send(client, data);
    }

    pub fn get(&mut self, client: ClientId, path: &str) {
        self.request(client, format!("GET {path} HTTP/1.1\r\nHost: www.example.com\r\n\r\n").as_bytes());
    }

    pub fn client_close(&mut self, client: ClientId, reset: bool) {
        self.clients.entry(client).or_default().gone = true;
        self.lb.handle_client_closed(self.now, client, reset);
        self.pump();
    }

    /// Connections asked for and not yet connected or ended (probes included).
    pub fn pending_connects(&self) -> Vec<BackendConnId> {
        self.conns.iter().filter(|(_, v)| !v.connected && !v.ended && !v.closed).map(|(&id, _)| id).collect()
    }

    pub fn connect(&mut self, conn: BackendConnId) {
        self.conns.get_mut(&conn).expect("conn").connected = true;
        self.lb.handle_backend_connected(self.now, conn);
        self.pump();
    }

    pub fn connect_all(&mut self) {
        for c in self.pending_connects() {
            self.connect(c);
        }
    }

    pub fn fail(&mut self, conn: BackendConnId) {
        self.conns.get_mut(&conn).expect("conn").ended = true;
        self.lb.handle_backend_failed(self.now, conn);
        self.pump();
    }

    pub fn backend_close(&mut self, conn: BackendConnId) {
        self.conns.get_mut(&conn).expect("conn").ended = true;
        self.lb.handle_backend_closed(self.now, conn);
        self.pump();
    }

    pub fn respond(&mut self, conn: BackendConnId, data: &[u8]) {
        self.lb.handle_backend_data(self.now, conn, data);
        self.pump();
    }

    /// The last connection the balancer asked for.
    pub fn last_conn(&self) -> BackendConnId {
        *self.conn_order.last().expect("a backend connection")
    }

    /// Moves virtual time to `now + by`, running every timer on the way.
    pub fn advance(&mut self, by: Duration) {
        let end = self.now + by;
        for _ in 0..100_000 {
            match self.lb.poll_timeout() {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.lb.handle_timeout(self.now);
                    self.pump();
                }
                _ => break,
            }
        }
        self.now = end;
    }

    pub fn events_matching(&self, f: impl Fn(&LbEvent) -> bool) -> Vec<&LbEvent> {
        self.events.iter().filter(|e| f(e)).collect()
    }

    /// The backend each client-traffic connection went to, in order (probes excluded).
    pub fn chosen(&self) -> Vec<usize> {
        self.events
            .iter()
            .filter_map(|e| match e {
                LbEvent::BackendChosen { backend, .. } => Some(backend.0),
                _ => None,
            })
            .collect()
    }

    /// Every client that sent a request got as many responses or was closed; nothing
    /// is left in flight once every timer has run.
    pub fn assert_no_hang(&mut self) {
        self.advance(Duration::from_secs(3600));
        for (id, v) in &self.clients {
            if v.gone {
                continue;
            }
            assert!(
                v.closed || v.responses() >= v.requests,
                "{id} hangs: {} requests, got {:?}",
                v.requests,
                v.text()
            );
        }
        assert_eq!(self.lb.requests_in_flight(), 0);
    }
}

pub const OK5: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
