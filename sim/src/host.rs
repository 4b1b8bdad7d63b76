//! A host: one interface, an IPv4 stack, and a ping application.

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

/// A host with one Ethernet interface.
#[derive(Debug)]
pub struct Host {
    name: String,
    stack: IpStack,
    ping: Option<PingSession>,
}

impl Host {
    /// A host named `name` whose interface `iface_name` has `mac` and, if known, an
    /// address with its prefix length.
    pub fn new(name: &str, iface_name: &str, mac: MacAddress, address: Option<(Ipv4Addr, u8)>) -> Self {
        let net = address.and_then(|(ip, len)| Ipv4Net::new(ip, len).ok());
        Self {
            name: name.to_owned(),
            stack: IpStack::new(vec![IpInterface::new(iface_name, mac, net)], false),
            ping: None,
        }
    }

    /// Sets the default gateway.
    pub fn with_gateway(mut self, gateway: Ipv4Addr) -> Self {
        self.stack.add_gateway_route(Ipv4Net::default(), gateway, 0);
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
        ping.next_send = now + ping.interval;
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

impl Node for Host {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "host"
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
