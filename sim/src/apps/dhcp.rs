//! DHCP client and server applications: thin glue between the `dhcp` crate's state
//! machines and the stack's sockets.

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use dhcp::client::{Client, ClientConfig, ClientEvent};
use dhcp::server::{Server, ServerConfig};
use dhcp::{CLIENT_PORT, SERVER_PORT, Transmit};
use ipnet::Ipv4Net;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use stack::{IfaceId, StackEvent, UdpHandle, UdpMessage};

use super::{App, AppContext, AppEvent};
use crate::nodes::Command;

/// Salt mixed into the node's seed for the DHCP client's generator (xids, backoff).
const CLIENT_SALT: u64 = 0x6468_6370_636c_6e74;

/// A DHCP client (RFC 2131 §4.4) on one interface, started by [`Command::Dhcp`]: it
/// configures the interface's address, the default route and remembers the DNS servers.
#[derive(Debug)]
pub struct DhcpClient {
    iface: IfaceId,
    socket: Option<UdpHandle>,
    client: Option<Client<ChaCha8Rng>>,
    configured: Option<Ipv4Net>,
    dns_servers: Vec<Ipv4Addr>,
}

impl DhcpClient {
    /// A client for interface `iface`, idle until the command.
    pub fn new(iface: IfaceId) -> Self {
        Self { iface, socket: None, client: None, configured: None, dns_servers: Vec::new() }
    }

    /// The DNS servers of the current lease.
    pub fn dns_servers(&self) -> &[Ipv4Addr] {
        &self.dns_servers
    }

    /// Sends what the client queued and applies what it decided.
    fn drain(&mut self, cx: &mut AppContext<'_>) {
        let (Some(client), Some(socket)) = (self.client.as_mut(), self.socket) else { return };
        while let Some(transmit) = client.poll_transmit() {
            if let Err(error) = cx.stack.udp_send(cx.now, socket, transmit.to, &transmit.payload) {
                cx.report(AppEvent::UdpRefused(error));
            }
        }
        while let Some(event) = client.poll_event() {
            match &event {
                ClientEvent::ProbeAddress(address) => cx.stack.arp_probe(cx.now, self.iface, *address),
                ClientEvent::Bound(config) | ClientEvent::Renewed(config) => {
                    let net = Ipv4Net::new(config.address, config.prefix_len).unwrap_or_default();
                    if self.configured != Some(net) {
                        // The interface exists: the node built it for this client.
                        let _ = cx.stack.set_address(self.iface, net);
                        if let Some(router) = config.router {
                            let _ = cx.stack.add_gateway_route(Ipv4Net::default(), router, self.iface);
                        }
                        self.configured = Some(net);
                        self.dns_servers.clone_from(&config.dns_servers);
                        cx.name_servers.clone_from(&config.dns_servers);
                        cx.report(AppEvent::DhcpClient(event.clone()));
                        cx.report(AppEvent::DhcpConfigured {
                            address: net,
                            router: config.router,
                            dns_servers: config.dns_servers.clone(),
                        });
                        cx.stack.arp_announce(cx.now, self.iface);
                        continue;
                    }
                }
                ClientEvent::Lost { .. } | ClientEvent::Released { .. } | ClientEvent::Declined { .. }
                    if self.configured.take().is_some() =>
                {
                    let _ = cx.stack.remove_address(self.iface);
                }
                _ => {}
            }
            cx.report(AppEvent::DhcpClient(event));
        }
    }
}

impl App for DhcpClient {
    fn handle_stack_event(&mut self, cx: &mut AppContext<'_>, event: &StackEvent) {
        // RFC 5227: another host answering for the probed (or our) address is a conflict.
        if let (Some(client), StackEvent::Arp { iface, event: arp::ArpEvent::AddressConflict { ip, .. } }) =
            (self.client.as_mut(), event)
            && *iface == self.iface
        {
            client.handle_address_conflict(cx.now, *ip);
            self.drain(cx);
        }
    }

    fn handle_command(&mut self, cx: &mut AppContext<'_>, command: &Command) -> bool {
        if *command != Command::Dhcp {
            return false;
        }
        if self.socket.is_none() {
            match cx.stack.udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, CLIENT_PORT)) {
                Ok(socket) => {
                    // The interface exists: the node built it for this client.
                    let _ = cx.stack.udp_bind_device(socket, self.iface);
                    self.socket = Some(socket);
                }
                Err(error) => {
                    cx.report(AppEvent::SocketFailed(error));
                    return true;
                }
            }
        }
        let Some(mac) = cx.stack.interfaces().get(self.iface.0).map(|i| i.mac) else { return true };
        let rng = ChaCha8Rng::seed_from_u64(cx.seed ^ CLIENT_SALT);
        self.client = Some(Client::new(ClientConfig::new(mac), rng, cx.now));
        self.drain(cx);
        true
    }

    fn poll(&mut self, cx: &mut AppContext<'_>) {
        let (Some(client), Some(socket)) = (self.client.as_mut(), self.socket) else { return };
        while let Some(message) = cx.stack.udp_recv(socket) {
            if let UdpMessage::Datagram(datagram) = message {
                client.handle_datagram(cx.now, datagram.src, &datagram.payload);
            }
        }
        self.drain(cx);
    }

    fn poll_timeout(&self) -> Option<Duration> {
        self.client.as_ref().and_then(Client::poll_timeout)
    }

    fn handle_timeout(&mut self, cx: &mut AppContext<'_>) {
        if let Some(client) = self.client.as_mut() {
            client.handle_timeout(cx.now);
        }
        self.drain(cx);
    }
}

/// A DHCP server (RFC 2131 §4.3) on one interface, serving its pools from the start.
#[derive(Debug)]
pub struct DhcpServer {
    iface: IfaceId,
    socket: Option<UdpHandle>,
    server: Server,
}

impl DhcpServer {
    /// A server answering on interface `iface` with `config`'s pools.
    pub fn new(iface: IfaceId, config: ServerConfig) -> Self {
        Self { iface, socket: None, server: Server::new(config) }
    }

    /// The lease table, for `--state`.
    pub fn server(&self) -> &Server {
        &self.server
    }

    fn send(&mut self, cx: &mut AppContext<'_>, transmit: &Transmit) {
        let Some(socket) = self.socket else { return };
        // RFC 2131 §4.1: a reply unicast to a client that has no address yet goes to
        // its hardware address, which the server knows from the request.
        if let Some(mac) = transmit.dst_mac {
            cx.stack.add_neighbor(cx.now, self.iface, *transmit.to.ip(), mac);
        }
        if let Err(error) = cx.stack.udp_send(cx.now, socket, transmit.to, &transmit.payload) {
            cx.report(AppEvent::UdpRefused(error));
        }
    }

    fn drain(&mut self, cx: &mut AppContext<'_>) {
        while let Some(transmit) = self.server.poll_transmit() {
            self.send(cx, &transmit);
        }
        while let Some(event) = self.server.poll_event() {
            cx.report(AppEvent::DhcpServer(event));
        }
    }
}

impl App for DhcpServer {
    fn start(&mut self, cx: &mut AppContext<'_>) {
        match cx.stack.udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, SERVER_PORT)) {
            Ok(socket) => {
                // The interface exists: the node built it for this server.
                let _ = cx.stack.udp_bind_device(socket, self.iface);
                self.socket = Some(socket);
            }
            Err(error) => cx.report(AppEvent::SocketFailed(error)),
        }
    }

    fn handle_command(&mut self, _cx: &mut AppContext<'_>, _command: &Command) -> bool {
        false
    }

    fn poll(&mut self, cx: &mut AppContext<'_>) {
        let Some(socket) = self.socket else { return };
        let local = cx.stack.address(self.iface).map_or(Ipv4Addr::UNSPECIFIED, |net| net.addr());
        while let Some(message) = cx.stack.udp_recv(socket) {
            if let UdpMessage::Datagram(datagram) = message {
                self.server.handle_datagram(cx.now, local, datagram.src, &datagram.payload);
            }
        }
        self.drain(cx);
    }

    fn poll_timeout(&self) -> Option<Duration> {
        self.server.poll_timeout()
    }

    fn handle_timeout(&mut self, cx: &mut AppContext<'_>) {
        self.server.handle_timeout(cx.now);
        self.drain(cx);
    }

    fn describe(&self, now: Duration) -> Vec<String> {
        self.server
            .leases()
            .map(|lease| {
                let state = match lease.state {
                    ::dhcp::server::LeaseState::Bound { until } if until > now => {
                        format!("bound, {} s left", until.saturating_sub(now).as_secs())
                    }
                    ::dhcp::server::LeaseState::Offered { until } if until > now => {
                        format!("offered, held {} s more", until.saturating_sub(now).as_secs())
                    }
                    _ => "expired or released (remembered for its client)".to_owned(),
                };
                format!("DHCP lease {} → {}: {state}", lease.address, lease.mac)
            })
            .collect()
    }
}
