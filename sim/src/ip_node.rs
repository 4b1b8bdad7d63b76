//! Nodes with an IPv4 stack: hosts (one interface) and routers (several, forwarding),
//! both able to run the ping application.

use core::time::Duration;
use std::net::Ipv4Addr;

use ethernet::MacAddress;
use icmp::{IcmpPacket, IcmpRepr};
use ipnet::Ipv4Net;
use ipv4::IpProtocol;

use crate::node::{Command, IfaceId, InterfaceInfo, IpEvent, Node, NodeEvent};
use crate::stack::{IpInterface, IpStack};

/// Echo identifier of a host's ping session: fixed, so runs are reproducible.
const PING_IDENT: u16 = 0x4207;
/// Most echo data one datagram holds: 65,535 less the IPv4 (20) and ICMP (8) headers.
/// Like `ping -s`, a larger size is refused before anything is sent.
const MAX_PING_SIZE: usize = 65_507;

/// A ping in progress.
#[derive(Debug, Clone)]
struct PingSession {
    dst: Ipv4Addr,
    remaining: u16,
    next_seq: u16,
    interval: Duration,
    size: usize,
    ttl: u8,
    next_send: Duration,
    sent_at: Vec<(u16, Duration)>,
}

/// Builds hosts: one Ethernet interface, no forwarding (RFC 1122).
#[derive(Debug, Clone, Copy)]
pub struct Host;

impl Host {
    /// A host named `name` whose interface `iface_name` has `mac` and, if known, an
    /// address with its prefix length.
    #[allow(clippy::new_ret_no_self)] // `Host` and `Router` name the two ways to build an `IpNode`.
    pub fn new(name: &str, iface_name: &str, mac: MacAddress, address: Option<(Ipv4Addr, u8)>) -> IpNode {
        let net = address.and_then(|(ip, len)| Ipv4Net::new(ip, len).ok());
        IpNode::with_stack(name, "host", IpStack::new(vec![IpInterface::new(iface_name, mac, net)], false))
    }
}

/// Builds routers: one interface per `(name, mac, address)`, RFC 1812 forwarding.
#[derive(Debug, Clone, Copy)]
pub struct Router;

impl Router {
    /// A router named `name`.
    #[allow(clippy::new_ret_no_self)] // `Host` and `Router` name the two ways to build an `IpNode`.
    pub fn new(name: &str, interfaces: &[(&str, MacAddress, Ipv4Net)]) -> IpNode {
        let interfaces =
            interfaces.iter().map(|(n, mac, net)| IpInterface::new(n, *mac, Some(*net))).collect();
        IpNode::with_stack(name, "router", IpStack::new(interfaces, true))
    }
}

/// A node with an IPv4 stack and a ping application: a host or a router.
#[derive(Debug)]
pub struct IpNode {
    name: String,
    kind: &'static str,
    stack: IpStack,
    ping: Option<PingSession>,
}

impl IpNode {
    fn with_stack(name: &str, kind: &'static str, stack: IpStack) -> Self {
        Self { name: name.to_owned(), kind, stack, ping: None }
    }

    /// Sets the default gateway (reached through the first interface).
    pub fn with_gateway(self, gateway: Ipv4Addr) -> Self {
        self.with_route(Ipv4Net::default(), gateway, 0)
    }

    /// Adds a static route to `prefix` via `gateway` on interface `iface`.
    pub fn with_route(mut self, prefix: Ipv4Net, gateway: Ipv4Addr, iface: usize) -> Self {
        // The builders name interfaces they just created; a wrong index adds no route.
        let _ = self.stack.add_gateway_route(prefix, gateway, iface);
        self
    }

    /// The IPv4 stack.
    pub fn stack(&self) -> &IpStack {
        &self.stack
    }

    fn send_due_pings(&mut self, now: Duration) {
        let Some(ping) = self.ping.as_mut() else {
            return;
        };
        if ping.remaining == 0 || now < ping.next_send {
            return;
        }
        let seq_no = ping.next_seq;
        let dst = ping.dst;
        // Like Linux ping: the data starts with nothing time-dependent here (virtual time
        // stays out of the bytes), followed by an incrementing pattern.
        let data: Vec<u8> = (0..ping.size).map(|i| i as u8).collect();
        ping.sent_at.push((seq_no, now));
        ping.next_seq = ping.next_seq.wrapping_add(1);
        ping.remaining -= 1;
        ping.next_send = now.saturating_add(ping.interval);
        let request = IcmpRepr::EchoRequest { ident: PING_IDENT, seq_no, data: &data }.to_bytes();
        self.stack.record(NodeEvent::Ip(IpEvent::PingSent { dst, seq_no }));
        let ttl = ping.ttl;
        self.stack.send_with_ttl(now, dst, IpProtocol::ICMP, ttl, &request);
    }

    fn take_deliveries(&mut self) {
        while let Some(delivered) = self.stack.poll_delivered() {
            if delivered.header.protocol != IpProtocol::ICMP {
                continue;
            }
            let Ok(message) =
                IcmpPacket::new_checked(&delivered.payload[..]).and_then(|p| IcmpRepr::parse(&p))
            else {
                continue;
            };
            let from = delivered.header.src_addr;
            match message {
                IcmpRepr::EchoReply { ident: PING_IDENT, seq_no, .. } => {
                    let sent = self
                        .ping
                        .as_ref()
                        .and_then(|p| p.sent_at.iter().find(|(s, _)| *s == seq_no).map(|(_, t)| *t));
                    if let Some(sent) = sent {
                        let rtt = delivered.time.saturating_sub(sent);
                        self.stack.record(NodeEvent::Ip(IpEvent::PingReply { from, seq_no, rtt }));
                    }
                }
                IcmpRepr::DestinationUnreachable { .. } | IcmpRepr::TimeExceeded { .. } => {
                    let summary = crate::describe::icmp_summary(&message);
                    self.stack.record(NodeEvent::Ip(IpEvent::IcmpErrorReceived { from, summary }));
                }
                _ => {}
            }
        }
    }
}

impl Node for IpNode {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        self.kind
    }

    fn interfaces(&self) -> Vec<InterfaceInfo> {
        self.stack.interface_info()
    }

    fn handle_frame(&mut self, now: Duration, iface: IfaceId, bytes: &[u8]) {
        self.stack.handle_frame(now, iface.0, bytes);
        self.take_deliveries();
    }

    fn handle_command(&mut self, now: Duration, command: &Command) {
        self.stack.record(NodeEvent::Command(command.clone()));
        match *command {
            Command::Resolve(ip) => self.stack.resolve_only(now, ip),
            Command::Ping { size, .. } if size > MAX_PING_SIZE => {
                self.stack.record(NodeEvent::Dropped(format!(
                    "ping: packet size {size} is too large (at most {MAX_PING_SIZE})"
                )));
            }
            Command::Ping { ttl: 0, .. } => {
                // RFC 1122 §3.2.1.7: a host must not send a datagram with TTL 0.
                self.stack.record(NodeEvent::Dropped("ping: TTL 0 is out of range 1..=255".to_owned()));
            }
            Command::Ping { dst, count, interval, size, ttl } => {
                self.ping = Some(PingSession {
                    dst,
                    remaining: count,
                    next_seq: 1,
                    interval,
                    size,
                    ttl,
                    next_send: now,
                    sent_at: Vec::new(),
                });
                self.send_due_pings(now);
            }
            Command::SendUdp { dst, src_port, dst_port, ref payload } => {
                self.stack.send_udp(now, dst, src_port, dst_port, payload);
            }
        }
    }

    fn poll_transmit(&mut self) -> Option<(IfaceId, Vec<u8>)> {
        self.stack.poll_transmit()
    }

    fn poll_event(&mut self) -> Option<NodeEvent> {
        self.stack.poll_event()
    }

    fn poll_timeout(&self) -> Option<Duration> {
        let ping = self.ping.as_ref().filter(|p| p.remaining > 0).map(|p| p.next_send);
        [self.stack.poll_timeout(), ping].into_iter().flatten().min()
    }

    fn handle_timeout(&mut self, now: Duration) {
        self.stack.handle_timeout(now);
        self.send_due_pings(now);
        self.take_deliveries();
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
