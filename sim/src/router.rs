//! A router: several interfaces, static routes, RFC 1812 forwarding.

use core::time::Duration;
use std::net::Ipv4Addr;

use ethernet::MacAddress;
use ipnet::Ipv4Net;

use crate::node::{Command, IfaceId, InterfaceInfo, Node, NodeEvent};
use crate::stack::{IpInterface, IpStack};

/// A router with one interface per `(name, mac, address)`.
#[derive(Debug)]
pub struct Router {
    name: String,
    stack: IpStack,
}

impl Router {
    /// A router named `name`.
    pub fn new(name: &str, interfaces: &[(&str, MacAddress, Ipv4Net)]) -> Self {
        let interfaces =
            interfaces.iter().map(|(n, mac, net)| IpInterface::new(n, *mac, Some(*net))).collect();
        Self { name: name.to_owned(), stack: IpStack::new(interfaces, true) }
    }

    /// Adds a static route via `gateway` on interface `iface`.
    pub fn with_route(mut self, prefix: Ipv4Net, gateway: Ipv4Addr, iface: usize) -> Self {
        self.stack.add_gateway_route(prefix, gateway, iface);
        self
    }

    /// The IPv4 stack.
    pub fn stack(&self) -> &IpStack {
        &self.stack
    }
}

impl Node for Router {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "router"
    }

    fn interfaces(&self) -> Vec<InterfaceInfo> {
        self.stack.interface_info()
    }

    fn handle_frame(&mut self, now: Duration, iface: IfaceId, bytes: &[u8]) {
        self.stack.handle_frame(now, iface.0, bytes);
        // A router's own deliveries (echo requests) are answered inside the stack.
        while self.stack.poll_delivered().is_some() {}
    }

    fn handle_command(&mut self, now: Duration, command: &Command) {
        self.stack.record(NodeEvent::Command(command.clone()));
        if let Command::Resolve(ip) = command {
            self.stack.resolve_only(now, *ip);
        }
    }

    fn poll_transmit(&mut self) -> Option<(IfaceId, Vec<u8>)> {
        self.stack.poll_transmit()
    }

    fn poll_event(&mut self) -> Option<NodeEvent> {
        self.stack.poll_event()
    }

    fn poll_timeout(&self) -> Option<Duration> {
        self.stack.poll_timeout()
    }

    fn handle_timeout(&mut self, now: Duration) {
        self.stack.handle_timeout(now);
    }

    fn describe_state(&self, now: Duration) -> Vec<String> {
        self.stack.describe(now)
    }

    fn set_link_mtu(&mut self, iface: IfaceId, mtu: usize) {
        self.stack.set_mtu(iface.0, mtu);
    }

    fn routes(&self) -> Vec<String> {
        self.stack.route_lines()
    }
}
