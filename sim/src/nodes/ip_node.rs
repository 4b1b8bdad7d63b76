//! IP nodes: a `stack::Stack` plus any number of applications. Hosts and routers differ
//! only in forwarding.

use core::cell::RefCell;
use core::time::Duration;
use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::rc::Rc;

use ethernet::MacAddress;
use ipnet::Ipv4Net;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use stack::{IfaceId as StackIface, Stack, StackConfig};

use super::netfilter::Netfilter;
use super::{Command, IfaceId, InterfaceInfo, Node, NodeEvent, NodeKind};
use crate::apps::{App, AppContext, DhcpClient, DhcpServer, Ping, TcpSender, UdpSend};

/// Builds hosts: one Ethernet interface, no forwarding (RFC 1122).
#[derive(Debug, Clone, Copy)]
pub struct Host;

impl Host {
    /// A host named `name` whose interface `iface_name` has `mac` and, if known, an
    /// address with its prefix length.
    #[allow(clippy::new_ret_no_self)] // `Host` and `Router` name the two ways to build an `IpNode`.
    pub fn new(name: &str, iface_name: &str, mac: MacAddress, address: Option<(Ipv4Addr, u8)>) -> IpNode {
        let mut node = IpNode::new(name, NodeKind::Host, StackConfig::host());
        let iface = node.stack.add_interface(iface_name, mac);
        if let Some(net) = address.and_then(|(ip, len)| Ipv4Net::new(ip, len).ok()) {
            // The interface was just added, so it exists.
            let _ = node.stack.set_address(iface, net);
        }
        node
    }

    /// A host whose interface gets its address from DHCP ([`Command::Dhcp`] starts the
    /// client).
    pub fn dhcp(name: &str, iface_name: &str, mac: MacAddress) -> IpNode {
        let mut node = IpNode::new(name, NodeKind::Host, StackConfig::host());
        let iface = node.stack.add_interface(iface_name, mac);
        node.with_app(DhcpClient::new(iface))
    }
}

/// Builds routers: one interface per `(name, mac, address)`, RFC 1812 forwarding.
#[derive(Debug, Clone, Copy)]
pub struct Router;

impl Router {
    /// A router named `name`.
    #[allow(clippy::new_ret_no_self)] // `Host` and `Router` name the two ways to build an `IpNode`.
    pub fn new(name: &str, interfaces: &[(&str, MacAddress, Ipv4Net)]) -> IpNode {
        Self::with_config(name, interfaces, StackConfig::router())
    }

    /// [`Router::new`] with its stack configured by `config` (a larger ARP table for a
    /// large LAN).
    pub fn with_config(
        name: &str,
        interfaces: &[(&str, MacAddress, Ipv4Net)],
        config: StackConfig,
    ) -> IpNode {
        let mut node = IpNode::new(name, NodeKind::Router, config);
        for (iface_name, mac, net) in interfaces {
            let iface = node.stack.add_interface(iface_name, *mac);
            let _ = node.stack.set_address(iface, *net);
        }
        node
    }
}

/// A node with an IPv4 stack and applications: a host or a router.
#[derive(Debug)]
pub struct IpNode {
    name: String,
    kind: NodeKind,
    stack: Stack,
    apps: Vec<Box<dyn App>>,
    events: VecDeque<NodeEvent>,
    seed: u64,
    name_servers: Vec<Ipv4Addr>,
    hosts: std::collections::BTreeMap<String, Ipv4Addr>,
    netfilter: Option<Rc<RefCell<Netfilter>>>,
}

impl IpNode {
    fn new(name: &str, kind: NodeKind, config: StackConfig) -> Self {
        // Reseeded from (run seed, node name) when the node joins a simulation.
        let stack = Stack::new(config, ChaCha8Rng::seed_from_u64(0));
        let apps: Vec<Box<dyn App>> =
            vec![Box::new(Ping::default()), Box::new(UdpSend::default()), Box::new(TcpSender::default())];
        Self {
            name: name.to_owned(),
            kind,
            stack,
            apps,
            events: VecDeque::new(),
            seed: 0,
            name_servers: Vec::new(),
            hosts: std::collections::BTreeMap::new(),
            netfilter: None,
        }
    }

    /// Sets the default gateway (reached through the first interface).
    pub fn with_gateway(self, gateway: Ipv4Addr) -> Self {
        self.with_route(Ipv4Net::default(), gateway, 0)
    }

    /// Adds a static route to `prefix` via `gateway` on interface `iface`.
    pub fn with_route(mut self, prefix: Ipv4Net, gateway: Ipv4Addr, iface: usize) -> Self {
        // A wrong interface index adds no route; the stack refuses it.
        let _ = self.stack.add_gateway_route(prefix, gateway, StackIface(iface));
        self
    }

    /// Adds an application.
    pub fn with_app(mut self, app: impl App + 'static) -> Self {
        self.apps.push(Box::new(app));
        self
    }

    /// Runs a DHCP server with `config` on interface `iface` (`lan` of a home router).
    pub fn with_dhcp_server(self, iface: usize, config: ::dhcp::server::ServerConfig) -> Self {
        self.with_app(DhcpServer::new(StackIface(iface), config))
    }

    /// Plugs connection tracking, NAT and (if it has one) a filter into the stack's
    /// hooks, and has the stack reassemble fragments before them.
    pub fn with_netfilter(mut self, netfilter: Netfilter) -> Self {
        // As Linux with connection tracking: fragments are reassembled before the hooks,
        // so the NAT sees every datagram's ports.
        self.stack.set_defragment(true);
        self.netfilter = Some(super::netfilter::install(&mut self.stack, netfilter));
        self
    }

    /// Answers ARP for `ip` on interface `iface` (proxy ARP for an address the node
    /// translates).
    pub fn with_proxy_arp(mut self, iface: usize, ip: Ipv4Addr) -> Self {
        let _ = self.stack.add_proxy_arp(StackIface(iface), ip);
        self
    }

    /// The node's netfilter tables, if it has them.
    pub fn netfilter(&self) -> Option<core::cell::Ref<'_, Netfilter>> {
        self.netfilter.as_ref().map(|shared| shared.borrow())
    }

    /// The IPv4 stack.
    pub fn stack(&self) -> &Stack {
        &self.stack
    }

    /// The IPv4 stack, to configure it.
    pub fn stack_mut(&mut self) -> &mut Stack {
        &mut self.stack
    }

    /// Runs `f` on every application in order, each with the node's context.
    fn for_each_app(&mut self, now: Duration, mut f: impl FnMut(&mut dyn App, &mut AppContext<'_>)) {
        let mut cx = AppContext {
            now,
            stack: &mut self.stack,
            events: &mut self.events,
            seed: self.seed,
            name_servers: &mut self.name_servers,
            hosts: &mut self.hosts,
        };
        for app in &mut self.apps {
            f(app.as_mut(), &mut cx);
        }
    }

    /// Lets every application read its sockets, then collects the stack's events.
    fn poll_apps(&mut self, now: Duration) {
        self.for_each_app(now, |app, cx| app.poll(cx));
        self.collect_stack_events(now);
    }

    /// Records the stack's events, showing each to the applications first (a DHCP client
    /// watches for ARP conflicts). What they do in answer may cause more events: those
    /// are collected too, a bounded number of rounds.
    fn collect_stack_events(&mut self, now: Duration) {
        for _ in 0..8 {
            // The hooks ran inside the stack call whose events follow: theirs come first.
            self.collect_netfilter_events();
            let events: Vec<_> = std::iter::from_fn(|| self.stack.poll_event()).collect();
            let tcp_events: Vec<_> = std::iter::from_fn(|| self.stack.poll_tcp_event()).collect();
            if events.is_empty() && tcp_events.is_empty() {
                return;
            }
            for (handle, event) in tcp_events {
                self.for_each_app(now, |app, cx| app.handle_tcp_event(cx, handle, event));
            }
            for event in events {
                self.for_each_app(now, |app, cx| app.handle_stack_event(cx, &event));
                self.events.push_back(NodeEvent::Stack(event));
            }
        }
        self.collect_netfilter_events();
    }

    fn collect_netfilter_events(&mut self) {
        if let Some(shared) = &self.netfilter {
            let mut netfilter = shared.borrow_mut();
            while let Some(event) = netfilter.poll_event() {
                self.events.push_back(NodeEvent::Netfilter(event));
            }
        }
    }
}

impl Node for IpNode {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> NodeKind {
        self.kind
    }

    fn seed(&mut self, seed: u64) {
        self.stack.reseed(ChaCha8Rng::seed_from_u64(seed));
        // What the builders configured (addresses, routes) happened before the run: it is
        // the starting point of the story, not part of it.
        while self.stack.poll_event().is_some() {}
        self.seed = seed;
        if let Some(shared) = &self.netfilter {
            shared.borrow_mut().reseed(seed);
        }
        self.for_each_app(Duration::ZERO, |app, cx| app.start(cx));
    }

    fn interfaces(&self) -> Vec<InterfaceInfo> {
        self.stack
            .interfaces()
            .into_iter()
            .map(|iface| InterfaceInfo {
                name: iface.name,
                mac: Some(iface.mac),
                ipv4: iface.address.map(|net| (net.addr(), net.prefix_len())),
            })
            .collect()
    }

    fn handle_frame(&mut self, now: Duration, iface: IfaceId, bytes: &[u8]) {
        self.stack.handle_frame(now, StackIface(iface.0), bytes);
        self.collect_stack_events(now);
        self.poll_apps(now);
    }

    fn handle_command(&mut self, now: Duration, command: &Command) {
        self.events.push_back(NodeEvent::Command(command.clone()));
        if let Command::Resolve(ip) = *command {
            self.stack.resolve(now, ip);
        } else {
            // The first application that knows the command takes it.
            let mut taken = false;
            self.for_each_app(now, |app, cx| taken = taken || app.handle_command(cx, command));
        }
        self.collect_stack_events(now);
        self.poll_apps(now);
    }

    fn poll_transmit(&mut self) -> Option<(IfaceId, Vec<u8>)> {
        self.stack.poll_transmit().map(|(iface, frame)| (IfaceId(iface.0), frame))
    }

    fn poll_event(&mut self) -> Option<NodeEvent> {
        self.events.pop_front()
    }

    fn poll_timeout(&self) -> Option<Duration> {
        let apps = self.apps.iter().filter_map(|app| app.poll_timeout());
        apps.chain(self.stack.poll_timeout()).min()
    }

    fn handle_timeout(&mut self, now: Duration) {
        self.stack.handle_timeout(now);
        self.collect_stack_events(now);
        self.for_each_app(now, |app, cx| {
            if app.poll_timeout().is_some_and(|deadline| deadline <= now) {
                app.handle_timeout(cx);
            }
        });
        self.collect_stack_events(now);
        self.poll_apps(now);
    }

    fn describe_state(&self, now: Duration) -> Vec<String> {
        let mut lines = self.stack.neighbor_lines(now);
        if let Some(netfilter) = self.netfilter() {
            lines.extend(netfilter.describe(now));
        }
        for app in &self.apps {
            lines.extend(app.describe(now));
        }
        lines
    }

    fn set_link_mtu(&mut self, iface: IfaceId, mtu: usize) {
        self.stack.set_mtu(StackIface(iface.0), mtu);
    }

    fn routes(&self) -> Vec<String> {
        self.stack.route_lines()
    }
}
