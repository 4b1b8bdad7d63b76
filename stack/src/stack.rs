//! The stack itself: interfaces, routes, sockets and hooks, and the calls that configure
//! and drain it. The receive path is in `input.rs`, the send and forward paths in
//! `output.rs`.

use core::fmt;
use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use common::{BoundedQueue, Overflow};
use ethernet::MacAddress;
use ipnet::Ipv4Net;
use ipv4::route::{InterfaceId, NextHop, Route, RouteError, RouteKind, RoutingTable};
use ipv4::{IpProtocol, Reassembler};
use rand_core::Rng;

use crate::config::StackConfig;
use crate::event::{SendError, StackEvent};
use crate::hook::{Chains, Hook, HookPoint};
use crate::interface::{IfaceId, Interface, InterfaceInfo, Pending};
use crate::socket::{BindError, EchoHandle, EchoMessage, SocketTable, TcpInput, UdpHandle, UdpMessage};

/// The stack's random source: the caller's RNG, boxed so the stack is not generic.
pub(crate) struct StackRng(pub(crate) Box<dyn Rng>);

impl fmt::Debug for StackRng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StackRng")
    }
}

/// A sans-IO IPv4 stack for a host or a router.
///
/// Feed it frames ([`Stack::handle_frame`]) and time ([`Stack::handle_timeout`] at
/// [`Stack::poll_timeout`]); drain frames to send ([`Stack::poll_transmit`]) and events
/// ([`Stack::poll_event`]) after every call. Applications use sockets: UDP
/// ([`Stack::udp_bind`]), ICMP echo ([`Stack::echo_open`]) and, for a TCP layer,
/// [`Stack::tcp_register_port`] with [`Stack::poll_tcp_input`] and [`Stack::send_ip`].
#[derive(Debug)]
pub struct Stack {
    pub(crate) config: StackConfig,
    pub(crate) interfaces: Vec<Interface>,
    pub(crate) routes: RoutingTable,
    pub(crate) next_ident: u16,
    pub(crate) reassembler: Reassembler,
    pub(crate) sockets: SocketTable,
    pub(crate) hooks: Chains,
    pub(crate) outbox: BoundedQueue<(IfaceId, Vec<u8>)>,
    pub(crate) events: BoundedQueue<StackEvent>,
    pub(crate) rng: StackRng,
    pub(crate) tcp: crate::tcp_sockets::TcpTable,
}

impl Stack {
    /// A stack with no interfaces yet, drawing every random choice (IP identification
    /// start, ephemeral ports, echo identifiers) from `rng`.
    pub fn new(config: StackConfig, mut rng: impl Rng + 'static) -> Self {
        let next_ident = (rng.next_u32() & 0xffff) as u16;
        let isn = tcp::IsnGenerator::new(&mut rng);
        Self {
            tcp: crate::tcp_sockets::TcpTable::new(isn),
            reassembler: Reassembler::new(config.reassembly),
            sockets: SocketTable::new(config.sockets.clone()),
            outbox: BoundedQueue::new(config.max_outbox, Overflow::DropOldest),
            events: BoundedQueue::new(config.max_events, Overflow::DropOldest),
            config,
            interfaces: Vec::new(),
            routes: RoutingTable::new(),
            next_ident,
            hooks: Chains::default(),
            rng: StackRng(Box::new(rng)),
        }
    }

    /// Replaces the random source (and draws a new IP identification start from it), for a
    /// caller that learns its seed after building the stack.
    pub fn reseed(&mut self, mut rng: impl Rng + 'static) {
        self.next_ident = (rng.next_u32() & 0xffff) as u16;
        self.tcp = crate::tcp_sockets::TcpTable::new(tcp::IsnGenerator::new(&mut rng));
        self.rng = StackRng(Box::new(rng));
    }

    /// The stack's configuration.
    pub fn config(&self) -> &StackConfig {
        &self.config
    }

    // ---- interfaces, addresses, routes ----------------------------------------------

    /// Adds an Ethernet interface with no address; returns its id.
    pub fn add_interface(&mut self, name: &str, mac: MacAddress) -> IfaceId {
        let id = IfaceId(self.interfaces.len());
        self.interfaces.push(Interface::new(name, mac, self.config.default_mtu, self.config.arp));
        id
    }

    /// Sets an interface's address and prefix, replacing any it had, with the connected
    /// route that follows (`ip addr add`).
    pub fn set_address(&mut self, iface: IfaceId, net: Ipv4Net) -> Result<(), SendError> {
        self.remove_address(iface)?;
        let interface = self.interfaces.get_mut(iface.0).ok_or(SendError::NoSuchInterface)?;
        interface.address = Some(net);
        interface.neighbors.set_own_ip(Some(net.addr()));
        // The connected route cannot collide: any earlier one left with the old address.
        let _ = self.routes.add(Route::connected(net.trunc(), interface_id(iface)));
        self.push_event(StackEvent::AddressAdded { iface, net });
        Ok(())
    }

    /// Removes an interface's address, its connected route and every route through it
    /// (`ip addr del`). Nothing happens when it has none.
    pub fn remove_address(&mut self, iface: IfaceId) -> Result<(), SendError> {
        let interface = self.interfaces.get_mut(iface.0).ok_or(SendError::NoSuchInterface)?;
        let Some(net) = interface.address.take() else { return Ok(()) };
        interface.neighbors.set_own_ip(None);
        let id = interface_id(iface);
        let gone: Vec<Route> = self.routes.iter().filter(|route| route.interface == id).copied().collect();
        for route in gone {
            self.routes.remove(route.prefix);
        }
        self.push_event(StackEvent::AddressRemoved { iface, net });
        Ok(())
    }

    /// Adds a route to `prefix` via `gateway` on `iface` (0.0.0.0/0 for the default
    /// route).
    pub fn add_gateway_route(
        &mut self,
        prefix: Ipv4Net,
        gateway: Ipv4Addr,
        iface: IfaceId,
    ) -> Result<(), RouteConfigError> {
        if iface.0 >= self.interfaces.len() {
            return Err(RouteConfigError::NoSuchInterface);
        }
        self.routes.add(Route::gateway(prefix, gateway, interface_id(iface)))?;
        Ok(())
    }

    /// Removes the gateway route to `prefix`, if there is one (connected routes follow
    /// their addresses and stay).
    pub fn remove_gateway_route(&mut self, prefix: Ipv4Net) -> Option<Route> {
        match self.routes.get(prefix) {
            Some(route) if route.kind == RouteKind::Static => self.routes.remove(prefix),
            _ => None,
        }
    }

    /// Sets an interface's MTU (the largest datagram it sends unfragmented).
    pub fn set_mtu(&mut self, iface: IfaceId, mtu: usize) {
        if let Some(interface) = self.interfaces.get_mut(iface.0) {
            interface.mtu = mtu;
        }
    }

    /// The interfaces.
    pub fn interfaces(&self) -> Vec<InterfaceInfo> {
        self.interfaces
            .iter()
            .enumerate()
            .map(|(index, iface)| InterfaceInfo {
                id: IfaceId(index),
                name: iface.name.clone(),
                mac: iface.mac,
                address: iface.address,
                mtu: iface.mtu,
            })
            .collect()
    }

    /// An interface's address.
    pub fn address(&self, iface: IfaceId) -> Option<Ipv4Net> {
        self.interfaces.get(iface.0).and_then(|i| i.address)
    }

    /// The routing table.
    pub fn routes(&self) -> &RoutingTable {
        &self.routes
    }

    /// The routing table as `ip route` would show it, most specific prefix first.
    pub fn route_lines(&self) -> Vec<String> {
        let mut routes: Vec<_> = self.routes.iter().collect();
        routes.sort_by_key(|route| (core::cmp::Reverse(route.prefix.prefix_len()), route.prefix));
        routes
            .into_iter()
            .map(|route| {
                let dev =
                    self.interfaces.get(usize::from(route.interface.0)).map_or("?", |i| i.name.as_str());
                match route.next_hop {
                    NextHop::OnLink => format!("{} dev {dev} (connected)", route.prefix),
                    NextHop::Gateway(gateway) => {
                        let prefix = if route.prefix.prefix_len() == 0 {
                            "default".to_owned()
                        } else {
                            route.prefix.to_string()
                        };
                        format!("{prefix} via {gateway} dev {dev}")
                    }
                }
            })
            .collect()
    }

    /// The ARP caches, one `arp <ip> is-at <mac> dev <interface>` line per entry.
    pub fn neighbor_lines(&self, now: Duration) -> Vec<String> {
        let mut lines = Vec::new();
        for iface in &self.interfaces {
            for entry in iface.neighbors.entries(now) {
                lines.push(format!("arp {} is-at {} dev {}", entry.ip, entry.mac, iface.name));
            }
        }
        lines
    }

    /// The route to `dst`. The limited broadcast needs none: like Linux, it leaves by the
    /// first interface that has an address.
    pub(crate) fn route(&self, dst: Ipv4Addr) -> Option<Route> {
        self.routes.lookup(dst).copied().or_else(|| {
            let index =
                self.interfaces.iter().position(|i| i.address.is_some()).filter(|_| dst.is_broadcast())?;
            Some(Route::connected(Ipv4Net::default(), interface_id(IfaceId(index))))
        })
    }

    /// The source address for a datagram to `dst`: the address of the interface the route
    /// leaves by (what a TCP layer needs for its pseudo-header before sending).
    pub fn source_address_for(&self, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        let route = self.route(dst)?;
        self.interfaces.get(usize::from(route.interface.0))?.ip()
    }

    /// Resolves `ip` with ARP, queueing nothing behind it (`arping`).
    pub fn resolve(&mut self, now: Duration, ip: Ipv4Addr) {
        let iface = self.routes.lookup(ip).map_or(0, |route| usize::from(route.interface.0));
        let Some(interface) = self.interfaces.get_mut(iface) else { return };
        if let arp::Resolution::Ready(mac, _) = interface.neighbors.resolve(now, ip, Pending::ResolveOnly) {
            self.push_event(StackEvent::NeighborKnown { iface: IfaceId(iface), ip, mac });
        }
        self.drain_neighbors(now, iface);
    }

    /// Puts `ip` → `mac` in `iface`'s neighbour cache, as `arp -s` does: what a DHCP
    /// server does before unicasting a reply to a client that has no address yet
    /// (RFC 2131 §4.1).
    pub fn add_neighbor(&mut self, now: Duration, iface: IfaceId, ip: Ipv4Addr, mac: MacAddress) {
        if let Some(interface) = self.interfaces.get_mut(iface.0) {
            interface.neighbors.learn(now, ip, mac);
            self.drain_neighbors(now, iface.0);
        }
    }

    /// Turns reassembly before PREROUTING on or off ([`crate::StackConfig::defragment`]):
    /// what a node does once it tracks connections.
    pub fn set_defragment(&mut self, on: bool) {
        self.config.defragment = on;
    }

    /// Answers ARP for `ip` on `iface` with the interface's MAC (proxy ARP, RFC 1027; as
    /// `ip neigh add proxy`): a firewall does this for a public address it DNATs, so
    /// the upstream router delivers that address's traffic to it. Returns whether the
    /// interface now answers for `ip` (false for an unknown interface, a non-unicast
    /// address, or a full proxy list).
    pub fn add_proxy_arp(&mut self, iface: IfaceId, ip: Ipv4Addr) -> bool {
        self.interfaces.get_mut(iface.0).is_some_and(|interface| interface.neighbors.add_proxy(ip))
    }

    /// Sends an RFC 5227 ARP probe for `ip` on `iface` (a DHCP client checking an
    /// offered address); a conflict comes back as an [`arp::ArpEvent::AddressConflict`].
    pub fn arp_probe(&mut self, now: Duration, iface: IfaceId, ip: Ipv4Addr) {
        if let Some(interface) = self.interfaces.get_mut(iface.0) {
            interface.neighbors.probe(now, ip);
            self.drain_neighbors(now, iface.0);
        }
    }

    /// Sends a gratuitous ARP announcing `iface`'s address (RFC 5227 §2.3).
    pub fn arp_announce(&mut self, now: Duration, iface: IfaceId) {
        if let Some(interface) = self.interfaces.get_mut(iface.0) {
            interface.neighbors.announce();
            self.drain_neighbors(now, iface.0);
        }
    }

    // ---- hooks -----------------------------------------------------------------------

    /// Appends `hook` to the chain at `point`; hooks run in the order they were added.
    pub fn add_hook(&mut self, point: HookPoint, hook: impl Hook + 'static) {
        self.hooks.push(point, Box::new(hook));
    }

    // ---- sockets ---------------------------------------------------------------------

    /// Binds a UDP socket to `local` (0.0.0.0 for every address; port 0 for an ephemeral
    /// port drawn at random, RFC 6056).
    pub fn udp_bind(&mut self, local: SocketAddrV4) -> Result<UdpHandle, BindError> {
        let ip = *local.ip();
        if !ip.is_unspecified() && !self.is_own_address(ip) && !self.is_ip_broadcast(ip) {
            return Err(BindError::AddrNotAvailable(ip));
        }
        let random = self.rng.0.next_u32();
        self.sockets.bind_udp(local, random)
    }

    /// Ties a UDP socket to one interface (`SO_BINDTODEVICE`): it receives only what
    /// arrives there, including broadcasts and unicasts while the interface has no address
    /// yet, and its datagrams leave there, from 0.0.0.0 when the interface has no address.
    pub fn udp_bind_device(&mut self, handle: UdpHandle, iface: IfaceId) -> Result<(), SendError> {
        if iface.0 >= self.interfaces.len() {
            return Err(SendError::NoSuchInterface);
        }
        let socket = self.sockets.udp.get_mut(&handle).ok_or(SendError::NoSuchSocket)?;
        socket.device = Some(iface);
        Ok(())
    }

    /// Sets Don't Fragment on the socket's datagrams (`IP_PMTUDISC_DO`): a router whose
    /// next link is too small answers with ICMP fragmentation needed, which arrives on
    /// the socket (RFC 1191).
    pub fn udp_set_dont_fragment(&mut self, handle: UdpHandle, dont_frag: bool) -> Result<(), SendError> {
        let socket = self.sockets.udp.get_mut(&handle).ok_or(SendError::NoSuchSocket)?;
        socket.dont_frag = dont_frag;
        Ok(())
    }

    /// The address and port a UDP socket is bound to.
    pub fn udp_local_addr(&self, handle: UdpHandle) -> Option<SocketAddrV4> {
        self.sockets.udp.get(&handle).map(|socket| socket.local)
    }

    /// Closes a UDP socket; its queued messages are discarded.
    pub fn udp_close(&mut self, handle: UdpHandle) {
        self.sockets.udp.remove(&handle);
    }

    /// The next datagram or ICMP error for a UDP socket.
    pub fn udp_recv(&mut self, handle: UdpHandle) -> Option<UdpMessage> {
        self.sockets.udp.get_mut(&handle)?.queue.pop()
    }

    /// Sends `payload` from a UDP socket to `dst`.
    pub fn udp_send(
        &mut self,
        now: Duration,
        handle: UdpHandle,
        dst: SocketAddrV4,
        payload: &[u8],
    ) -> Result<(), SendError> {
        let socket = self.sockets.udp.get(&handle).ok_or(SendError::NoSuchSocket)?;
        let (local, device, dont_frag) = (socket.local, socket.device, socket.dont_frag);
        let src = self.choose_source(*local.ip(), *dst.ip(), device)?;
        let repr = udp::UdpRepr { src_port: local.port(), dst_port: dst.port(), payload_len: payload.len() };
        let datagram =
            repr.to_bytes(src, *dst.ip(), payload).map_err(|_| SendError::TooLong { len: payload.len() })?;
        self.send_ip(
            now,
            SendSpec { src: Some(src), device, dont_frag, ..SendSpec::new(*dst.ip(), IpProtocol::UDP) },
            &datagram,
        )
    }

    /// Opens an ICMP echo socket with a random, unused identifier.
    pub fn echo_open(&mut self) -> Result<EchoHandle, BindError> {
        let random = self.rng.0.next_u32();
        self.sockets.open_echo(random)
    }

    /// The echo identifier of a socket.
    pub fn echo_ident(&self, handle: EchoHandle) -> Option<u16> {
        self.sockets.echo.get(&handle).map(|socket| socket.ident)
    }

    /// Closes an echo socket.
    pub fn echo_close(&mut self, handle: EchoHandle) {
        self.sockets.echo.remove(&handle);
    }

    /// Sends an echo request with the socket's identifier, `seq_no` and `data`, with the
    /// given TTL or the default.
    pub fn echo_send(
        &mut self,
        now: Duration,
        handle: EchoHandle,
        dst: Ipv4Addr,
        seq_no: u16,
        data: &[u8],
        ttl: Option<u8>,
    ) -> Result<(), SendError> {
        let ident = self.echo_ident(handle).ok_or(SendError::NoSuchSocket)?;
        let request = icmp::IcmpRepr::EchoRequest { ident, seq_no, data }.to_bytes();
        let spec =
            SendSpec { ttl: ttl.unwrap_or(self.config.default_ttl), ..SendSpec::new(dst, IpProtocol::ICMP) };
        self.send_ip(now, spec, &request)
    }

    /// The next reply or error for an echo socket.
    pub fn echo_recv(&mut self, handle: EchoHandle) -> Option<EchoMessage> {
        self.sockets.echo.get_mut(&handle)?.queue.pop()
    }

    /// Sends TCP segments to `port` to the TCP layer ([`Stack::poll_tcp_input`]) rather
    /// than dropping them.
    pub fn tcp_register_port(&mut self, port: u16) {
        self.sockets.tcp_ports.insert(port);
    }

    /// Stops sending segments for `port` to the TCP layer.
    pub fn tcp_unregister_port(&mut self, port: u16) {
        self.sockets.tcp_ports.remove(&port);
    }

    /// Draws a free TCP ephemeral port (RFC 6056), not yet registered.
    pub fn tcp_ephemeral_port(&mut self) -> Option<u16> {
        let random = self.rng.0.next_u32();
        let ports = &self.sockets.tcp_ports;
        self.sockets.pick_port(random, |port| ports.contains(&port))
    }

    /// The next segment or ICMP error for the TCP layer.
    pub fn poll_tcp_input(&mut self) -> Option<TcpInput> {
        self.sockets.tcp_queue.pop()
    }

    // ---- draining and time -------------------------------------------------------------

    /// The next frame to send, and the interface to send it on.
    pub fn poll_transmit(&mut self) -> Option<(IfaceId, Vec<u8>)> {
        self.outbox.pop()
    }

    /// The next state change or drop.
    pub fn poll_event(&mut self) -> Option<StackEvent> {
        self.events.pop()
    }

    /// When [`Stack::handle_timeout`] is next due: ARP retries and expiry, reassembly
    /// timeouts, hooks' tables.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let neighbors = self.interfaces.iter().filter_map(|iface| iface.neighbors.poll_timeout());
        neighbors
            .chain(self.reassembler.poll_timeout())
            .chain(self.hooks.poll_timeout())
            .chain(self.tcp.poll_timeout())
            .min()
    }

    pub(crate) fn push_event(&mut self, event: StackEvent) {
        let _ = self.events.push(event);
    }

    pub(crate) fn drop_with(&mut self, reason: crate::event::DropReason) {
        self.push_event(StackEvent::Dropped(reason));
    }

    /// Whether `addr` is the address of one of this node's interfaces.
    pub fn is_own_address(&self, addr: Ipv4Addr) -> bool {
        self.interfaces.iter().any(|i| i.ip() == Some(addr))
    }

    /// The limited broadcast, or the directed broadcast of a network this node is on.
    pub(crate) fn is_ip_broadcast(&self, dst: Ipv4Addr) -> bool {
        dst.is_broadcast() || self.interfaces.iter().any(|i| i.directed_broadcast() == Some(dst))
    }

    /// The source address of a datagram: the bound one, else the egress interface's, else
    /// 0.0.0.0 for a device-bound socket whose interface has no address yet (RFC 2131
    /// §4.1: a DHCP client before it has an address).
    fn choose_source(
        &self,
        bound: Ipv4Addr,
        dst: Ipv4Addr,
        device: Option<IfaceId>,
    ) -> Result<Ipv4Addr, SendError> {
        if !bound.is_unspecified() {
            return Ok(bound);
        }
        if let Some(device) = device {
            let interface = self.interfaces.get(device.0).ok_or(SendError::NoSuchInterface)?;
            return Ok(interface.ip().unwrap_or(Ipv4Addr::UNSPECIFIED));
        }
        let route = self.route(dst).ok_or(SendError::NoRoute)?;
        self.interfaces
            .get(usize::from(route.interface.0))
            .and_then(Interface::ip)
            .ok_or(SendError::NoSourceAddress)
    }
}

/// Why a route cannot be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteConfigError {
    /// The stack has no such interface.
    #[error("no such interface")]
    NoSuchInterface,
    /// The routing table refused it.
    #[error(transparent)]
    Table(#[from] RouteError),
}

/// How to send one datagram with [`Stack::send_ip`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendSpec {
    /// Destination.
    pub dst: Ipv4Addr,
    /// Protocol of the payload.
    pub protocol: IpProtocol,
    /// Source address; `None` takes the egress interface's.
    pub src: Option<Ipv4Addr>,
    /// Leave by this interface whatever the routing table says (broadcasts from
    /// 0.0.0.0); `None` routes normally.
    pub device: Option<IfaceId>,
    /// TTL.
    pub ttl: u8,
    /// Don't Fragment.
    pub dont_frag: bool,
}

impl SendSpec {
    /// A datagram to `dst` with the defaults: routed, source from the egress interface,
    /// TTL 64, may be fragmented.
    pub const fn new(dst: Ipv4Addr, protocol: IpProtocol) -> Self {
        Self { dst, protocol, src: None, device: None, ttl: crate::config::DEFAULT_TTL, dont_frag: false }
    }
}

pub(crate) const fn interface_id(iface: IfaceId) -> InterfaceId {
    // The stack never holds more than u16::MAX interfaces' worth of routes: ids beyond
    // that would name no interface, which `RoutingTable` treats like any other id.
    InterfaceId(iface.0 as u16)
}
