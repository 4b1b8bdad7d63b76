//! An IPv4 stack over Ethernet interfaces, shared by hosts and routers: ARP per
//! interface, a routing table, fragmentation, local delivery and (for routers) RFC 1812
//! forwarding.

use core::time::Duration;
use std::collections::{BTreeSet, VecDeque};
use std::net::Ipv4Addr;

use arp::{ArpPacket, ArpRepr, CacheConfig, NeighborCache, Released, Resolution};
use ethernet::{EtherType, EthernetRepr, Frame, MacAddress, Padding};
use icmp::{IcmpPacket, IcmpRepr, QuoteLimit};
use ipnet::Ipv4Net;
use ipv4::forward::ForwardDecision;
use ipv4::route::{InterfaceId, NextHop, Route, RoutingTable};
use ipv4::{Dscp, Ecn, IpProtocol, Ipv4Options, Ipv4Packet, Ipv4Repr};
use ipv4::{Reassembler, ReassemblyConfig};

use udp::{ChecksumCheck, UdpPacket, UdpRepr};

use crate::node::{IfaceId, InterfaceInfo, IpEvent, NodeEvent};

/// What an interface queues behind an unresolved neighbour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// An IPv4 datagram waiting for its next hop's MAC address.
    Datagram(Vec<u8>),
    /// Nothing: the resolution itself was asked for.
    ResolveOnly,
}

/// Bound on frames held between `handle_*` and `poll_transmit`; the caller drains after
/// every input, so reaching it means a bug, and the oldest frames are dropped.
const MAX_OUTBOX: usize = 4096;
/// Bound on datagrams delivered locally and not yet taken by an application.
const MAX_INBOX: usize = 1024;
/// Default TTL of datagrams this stack originates (Linux's `ip_default_ttl`).
pub const DEFAULT_TTL: u8 = 64;

/// One Ethernet interface with its address and neighbour cache.
#[derive(Debug)]
pub struct IpInterface {
    name: String,
    mac: MacAddress,
    address: Option<Ipv4Net>,
    mtu: usize,
    neighbors: NeighborCache<Pending>,
}

impl IpInterface {
    /// An interface named `name` with `mac` and, when known, an address.
    pub fn new(name: &str, mac: MacAddress, address: Option<Ipv4Net>) -> Self {
        Self {
            name: name.to_owned(),
            mac,
            address,
            mtu: 1500,
            neighbors: NeighborCache::new(CacheConfig::default(), mac, address.map(|net| net.addr())),
        }
    }
}

/// A datagram delivered to this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// When it arrived.
    pub time: Duration,
    /// Its header.
    pub header: Ipv4Repr,
    /// Its payload.
    pub payload: Vec<u8>,
}

/// An IPv4 stack: interfaces, routes, and what they produced.
#[derive(Debug)]
pub struct IpStack {
    interfaces: Vec<IpInterface>,
    routes: RoutingTable,
    forwarding: bool,
    next_ident: u16,
    reassembler: Reassembler,
    open_udp_ports: BTreeSet<u16>,
    outbox: VecDeque<(IfaceId, Vec<u8>)>,
    events: VecDeque<NodeEvent>,
    inbox: VecDeque<Delivered>,
}

impl IpStack {
    /// A stack over `interfaces`, with a connected route for each addressed one.
    /// `forwarding` makes it a router (RFC 1812); otherwise it is a host (RFC 1122).
    pub fn new(interfaces: Vec<IpInterface>, forwarding: bool) -> Self {
        let mut routes = RoutingTable::new();
        for (index, iface) in interfaces.iter().enumerate() {
            if let Some(net) = iface.address {
                let _ = routes.add(Route::connected(net.trunc(), InterfaceId(index as u16)));
            }
        }
        Self {
            interfaces,
            routes,
            forwarding,
            next_ident: 1,
            reassembler: Reassembler::new(ReassemblyConfig::default()),
            open_udp_ports: BTreeSet::new(),
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            inbox: VecDeque::new(),
        }
    }

    /// Adds a route via `gateway` (0.0.0.0/0 for the default route).
    ///
    /// Returns false, adding nothing, when the stack has no interface `iface`: every route
    /// in the table then names a real interface.
    pub fn add_gateway_route(&mut self, prefix: Ipv4Net, gateway: Ipv4Addr, iface: usize) -> bool {
        let Ok(id) = u16::try_from(iface) else { return false };
        iface < self.interfaces.len()
            && self.routes.add(Route::gateway(prefix, gateway, InterfaceId(id))).is_ok()
    }

    /// Sets an interface's MTU (the largest datagram it sends unfragmented).
    pub fn set_mtu(&mut self, iface: usize, mtu: usize) {
        if let Some(interface) = self.interfaces.get_mut(iface) {
            interface.mtu = mtu;
        }
    }

    /// Lets UDP datagrams to `port` through to the application instead of answering them
    /// with ICMP port unreachable.
    pub fn open_udp_port(&mut self, port: u16) {
        self.open_udp_ports.insert(port);
    }

    /// Sends one UDP datagram from this node's address for the route to `dst`.
    pub fn send_udp(
        &mut self,
        now: Duration,
        dst: Ipv4Addr,
        src_port: u16,
        dst_port: u16,
        payload: &[u8],
    ) -> bool {
        let src = self
            .routes
            .lookup(dst)
            .and_then(|route| self.interfaces.get(usize::from(route.interface.0)))
            .and_then(|iface| iface.address)
            .map(|net| net.addr());
        let Some(src) = src else {
            self.events.push_back(NodeEvent::Ip(IpEvent::NoRoute { dst }));
            return false;
        };
        let repr = UdpRepr { src_port, dst_port, payload_len: payload.len() };
        match repr.to_bytes(src, dst, payload) {
            Ok(datagram) => self.send(now, dst, IpProtocol::UDP, &datagram),
            Err(error) => {
                self.events.push_back(NodeEvent::Dropped(format!("cannot build UDP datagram: {error}")));
                false
            }
        }
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

    /// Interfaces as the topology shows them.
    pub fn interface_info(&self) -> Vec<InterfaceInfo> {
        self.interfaces
            .iter()
            .map(|iface| InterfaceInfo {
                name: iface.name.clone(),
                mac: Some(iface.mac),
                ipv4: iface.address.map(|net| (net.addr(), net.prefix_len())),
            })
            .collect()
    }

    /// The first interface's address, the host's own address.
    pub fn primary_address(&self) -> Option<Ipv4Addr> {
        self.interfaces.first().and_then(|iface| iface.address).map(|net| net.addr())
    }

    fn is_local(&self, dst: Ipv4Addr) -> bool {
        self.is_own_address(dst) || self.is_ip_broadcast(dst)
    }

    /// Whether `addr` is the address of one of this node's interfaces.
    fn is_own_address(&self, addr: Ipv4Addr) -> bool {
        self.interfaces.iter().filter_map(|i| i.address).any(|net| net.addr() == addr)
    }

    /// The limited broadcast, or the directed broadcast of a network this node is on.
    fn is_ip_broadcast(&self, dst: Ipv4Addr) -> bool {
        dst.is_broadcast()
            || self
                .interfaces
                .iter()
                .filter_map(|i| i.address)
                .any(|net| directed_broadcast(net) == Some(dst))
    }

    /// The next event to record.
    pub fn poll_event(&mut self) -> Option<NodeEvent> {
        self.events.pop_front()
    }

    /// The next frame to send.
    pub fn poll_transmit(&mut self) -> Option<(IfaceId, Vec<u8>)> {
        self.outbox.pop_front()
    }

    /// The next datagram delivered locally.
    pub fn poll_delivered(&mut self) -> Option<Delivered> {
        self.inbox.pop_front()
    }

    /// Records an event from the node that owns this stack.
    pub fn record(&mut self, event: NodeEvent) {
        self.events.push_back(event);
    }

    /// The earliest deadline of any interface's neighbour cache.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let neighbors = self.interfaces.iter().filter_map(|iface| iface.neighbors.poll_timeout());
        neighbors.chain(self.reassembler.poll_timeout()).min()
    }

    /// Runs retries and expiries.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.reassembler.handle_timeout(now);
        while let Some(expired) = self.reassembler.poll_event() {
            self.events.push_back(NodeEvent::Dropped(format!(
                "reassembly of datagram {:#06x} from {} timed out",
                expired.key.ident, expired.key.src_addr
            )));
            // RFC 1122 §3.3.2: only when the first fragment arrived, quoting it.
            if expired.first_fragment.is_some() {
                let quote = expired.quote;
                self.send_icmp_error(now, &quote, |quoted| {
                    IcmpRepr::reassembly_time_exceeded(quoted, QuoteLimit::Rfc792).ok()
                });
            }
        }
        for index in 0..self.interfaces.len() {
            self.interfaces[index].neighbors.handle_timeout(now);
            self.drain_neighbors(now, index);
        }
    }

    /// Lines describing the ARP caches and routes.
    pub fn describe(&self, now: Duration) -> Vec<String> {
        let mut lines = Vec::new();
        for iface in &self.interfaces {
            for entry in iface.neighbors.entries(now) {
                lines.push(format!("arp {} is-at {} dev {}", entry.ip, entry.mac, iface.name));
            }
        }
        lines
    }

    fn send_frame(&mut self, iface: usize, dst: MacAddress, ethertype: EtherType, payload: &[u8]) {
        let Some(src) = self.interfaces.get(iface).map(|i| i.mac) else {
            return;
        };
        let repr = EthernetRepr { src, dst, vlan: None, ethertype };
        if self.outbox.len() >= MAX_OUTBOX {
            self.outbox.pop_front();
        }
        // A NIC pads short frames to the Ethernet minimum on the wire.
        self.outbox.push_back((IfaceId(iface), repr.to_frame(payload, Padding::MinimumFrame)));
    }

    fn drain_neighbors(&mut self, now: Duration, iface: usize) {
        while let Some(transmit) = self.interfaces[iface].neighbors.poll_transmit() {
            self.send_frame(iface, transmit.dst_mac, EtherType::ARP, &transmit.packet.to_bytes());
        }
        while let Some(released) = self.interfaces[iface].neighbors.poll_released() {
            match released {
                Released::Resolved { mac, packet: Pending::Datagram(datagram), .. } => {
                    self.send_frame(iface, mac, EtherType::IPV4, &datagram);
                }
                Released::Unreachable { packet: Pending::Datagram(datagram), .. } => {
                    // RFC 1122 §2.3.2.2 / RFC 1812 §4.3.3.1: tell the source its host is unreachable.
                    self.send_icmp_error(now, &datagram, |quoted| {
                        IcmpRepr::host_unreachable(quoted, QuoteLimit::Rfc792).ok()
                    });
                }
                Released::Resolved { packet: Pending::ResolveOnly, .. }
                | Released::Unreachable { packet: Pending::ResolveOnly, .. } => {}
            }
        }
        while let Some(event) = self.interfaces[iface].neighbors.poll_event() {
            self.events.push_back(NodeEvent::Arp(event));
        }
    }

    /// Resolves `ip` on `iface` with nothing queued behind it.
    pub fn resolve_only(&mut self, now: Duration, ip: Ipv4Addr) {
        let iface = self.routes.lookup(ip).map_or(0, |route| usize::from(route.interface.0));
        if let Some(interface) = self.interfaces.get_mut(iface) {
            let _ = interface.neighbors.resolve(now, ip, Pending::ResolveOnly);
            self.drain_neighbors(now, iface);
        }
    }

    /// Originates a datagram: route lookup, fragmentation to the interface MTU, neighbour
    /// resolution. Returns false (with an event) when there is no route.
    pub fn send(&mut self, now: Duration, dst: Ipv4Addr, protocol: IpProtocol, payload: &[u8]) -> bool {
        self.send_with_ttl(now, dst, protocol, DEFAULT_TTL, payload)
    }

    /// [`IpStack::send`] with a chosen TTL.
    pub fn send_with_ttl(
        &mut self,
        now: Duration,
        dst: Ipv4Addr,
        protocol: IpProtocol,
        ttl: u8,
        payload: &[u8],
    ) -> bool {
        let Some(route) = self.routes.lookup(dst).copied() else {
            self.events.push_back(NodeEvent::Ip(IpEvent::NoRoute { dst }));
            return false;
        };
        let iface = usize::from(route.interface.0);
        // RFC 1122 §3.3.6: an IP broadcast goes straight onto the link, never to a gateway.
        let broadcast =
            dst.is_broadcast() || self.interfaces[iface].address.and_then(directed_broadcast) == Some(dst);
        let next_hop = if broadcast { dst } else { route.next_hop_for(dst) };
        self.events.push_back(NodeEvent::Ip(IpEvent::RouteLookup {
            dst,
            next_hop,
            on_link: next_hop == dst,
            interface: self.interfaces[iface].name.clone(),
        }));
        let Some(src) = self.interfaces[iface].address.map(|net| net.addr()) else {
            return false;
        };
        let ident = self.next_ident;
        self.next_ident = self.next_ident.wrapping_add(1);
        let repr = originated_header(src, dst, protocol, ttl, ident, payload.len());
        match ipv4::fragment::fragment(&repr, payload, self.interfaces[iface].mtu) {
            Ok(fragments) => {
                for datagram in fragments {
                    self.transmit_datagram(now, iface, next_hop, datagram);
                }
                true
            }
            Err(error) => {
                self.events.push_back(NodeEvent::Dropped(format!("cannot send to {dst}: {error}")));
                false
            }
        }
    }

    fn transmit_datagram(&mut self, now: Duration, iface: usize, next_hop: Ipv4Addr, datagram: Vec<u8>) {
        let subnet_broadcast = self.interfaces[iface].address.and_then(directed_broadcast);
        if next_hop.is_broadcast() || subnet_broadcast == Some(next_hop) {
            self.send_frame(iface, MacAddress::BROADCAST, EtherType::IPV4, &datagram);
            return;
        }
        match self.interfaces[iface].neighbors.resolve(now, next_hop, Pending::Datagram(datagram)) {
            Resolution::Ready(mac, Pending::Datagram(datagram)) => {
                self.send_frame(iface, mac, EtherType::IPV4, &datagram)
            }
            Resolution::Ready(_, Pending::ResolveOnly) | Resolution::Queued => {}
            Resolution::Dropped(_) => {
                self.events.push_back(NodeEvent::Dropped(format!("ARP queue for {next_hop} is full")));
            }
        }
        self.drain_neighbors(now, iface);
    }

    /// Sends an ICMP error about `original` back to its source, if RFC 1122 §3.2.2 allows.
    /// An error about a datagram this node originated stays inside the node: it goes to
    /// the application, as a real stack reports `EHOSTUNREACH`.
    fn send_icmp_error<'a>(
        &mut self,
        now: Duration,
        original: &'a [u8],
        build: impl FnOnce(&'a [u8]) -> Option<IcmpRepr<'a>>,
    ) {
        if icmp::error_allowed(original).is_err() {
            return;
        }
        let Ok(packet) = Ipv4Packet::new_checked(original) else {
            return;
        };
        // `error_allowed` knows only the limited broadcast; the subnet's directed
        // broadcast is just as much a group address (RFC 1122 §3.2.2).
        if self.is_ip_broadcast(packet.dst_addr()) {
            return;
        }
        let source = packet.src_addr();
        if let Some(message) = build(original) {
            let bytes = message.to_bytes();
            if self.is_own_address(source) {
                let header = originated_header(source, source, IpProtocol::ICMP, DEFAULT_TTL, 0, bytes.len());
                self.push_inbox(Delivered { time: now, header, payload: bytes });
                return;
            }
            self.events.push_back(NodeEvent::Ip(IpEvent::IcmpErrorSent {
                to: source,
                summary: crate::describe::icmp_summary(&message),
            }));
            self.send(now, source, IpProtocol::ICMP, &bytes);
        }
    }

    /// A frame arrived on `iface`.
    pub fn handle_frame(&mut self, now: Duration, iface: usize, bytes: &[u8]) {
        let Some(interface) = self.interfaces.get(iface) else {
            return;
        };
        let parsed = Frame::new_checked(bytes).and_then(|frame| Ok((EthernetRepr::parse(&frame)?, frame)));
        let (header, frame) = match parsed {
            Ok(parsed) => parsed,
            Err(error) => {
                self.events.push_back(NodeEvent::Dropped(format!("bad Ethernet frame: {error}")));
                return;
            }
        };
        // The NIC's address filter: our unicast address, broadcast, and multicast.
        if header.dst != interface.mac && !header.dst.is_multicast() {
            return;
        }
        match header.ethertype {
            EtherType::ARP => {
                match ArpPacket::new_checked(frame.payload()).and_then(|packet| ArpRepr::parse(&packet)) {
                    Ok(repr) => self.interfaces[iface].neighbors.handle_arp(now, &repr),
                    Err(error) => {
                        self.events.push_back(NodeEvent::Dropped(format!("bad ARP packet: {error}")))
                    }
                }
                self.drain_neighbors(now, iface);
            }
            EtherType::IPV4 => self.handle_ipv4(now, iface, frame.payload(), header.dst.is_multicast()),
            _ => {}
        }
    }

    /// `link_group`: the frame went to the Ethernet broadcast or a multicast address.
    fn handle_ipv4(&mut self, now: Duration, iface: usize, bytes: &[u8], link_group: bool) {
        let parsed =
            Ipv4Packet::new_checked(bytes).and_then(|packet| Ok((Ipv4Repr::parse(&packet)?, packet)));
        let (header, packet) = match parsed {
            Ok(parsed) => parsed,
            Err(error) => {
                self.events.push_back(NodeEvent::Dropped(format!("bad IPv4 packet: {error}")));
                return;
            }
        };
        // RFC 1122 §3.3.6 and RFC 1812 §5.3.4: a link-layer broadcast must carry an IP
        // broadcast or multicast; anything else is neither delivered nor forwarded.
        if link_group && !header.dst_addr.is_multicast() && !self.is_ip_broadcast(header.dst_addr) {
            self.events.push_back(NodeEvent::Dropped(format!(
                "datagram to unicast {} arrived as a link-layer broadcast",
                header.dst_addr
            )));
            return;
        }
        if self.is_local(header.dst_addr) {
            self.deliver(now, header, packet.payload());
        } else if self.forwarding {
            self.forward(now, iface, &bytes[..packet.total_len() as usize]);
        }
    }

    fn deliver(&mut self, now: Duration, header: Ipv4Repr, payload: &[u8]) {
        if header.more_frags || header.frag_offset != 0 {
            match self.reassembler.handle_fragment(now, &header, payload) {
                Ok(Some((whole, data))) => {
                    self.events.push_back(NodeEvent::Ip(IpEvent::Reassembled {
                        src: whole.src_addr,
                        ident: whole.ident,
                        len: whole.buffer_len(),
                    }));
                    self.deliver(now, whole, &data);
                }
                Ok(None) => {}
                Err(error) => self.events.push_back(NodeEvent::Dropped(format!("fragment: {error}"))),
            }
            return;
        }
        if header.protocol == IpProtocol::ICMP
            && let Ok(IcmpRepr::EchoRequest { ident, seq_no, data }) =
                IcmpPacket::new_checked(payload).and_then(|p| IcmpRepr::parse(&p))
        {
            self.events.push_back(NodeEvent::Ip(IpEvent::EchoAnswered {
                to: header.src_addr,
                ident,
                seq_no,
            }));
            let reply = IcmpRepr::EchoReply { ident, seq_no, data }.to_bytes();
            self.send(now, header.src_addr, IpProtocol::ICMP, &reply);
            return;
        }
        if header.protocol == IpProtocol::UDP {
            let udp = UdpPacket::new_checked(payload)
                .and_then(|p| UdpRepr::parse(&p, header.src_addr, header.dst_addr, ChecksumCheck::Verify));
            match udp {
                Ok(repr) if !self.open_udp_ports.contains(&repr.dst_port) => {
                    // RFC 1122 §4.1.3.1: a datagram to a closed port gets ICMP port unreachable,
                    // unless it was broadcast (checked by `send_icmp_error`).
                    let original = self.rebuild(&header, payload);
                    self.send_icmp_error(now, &original, |quoted| {
                        IcmpRepr::port_unreachable(quoted, QuoteLimit::Rfc792).ok()
                    });
                    return;
                }
                Ok(_) => {}
                Err(error) => {
                    self.events.push_back(NodeEvent::Dropped(format!("bad UDP datagram: {error}")));
                    return;
                }
            }
        } else if header.protocol != IpProtocol::ICMP && header.protocol != IpProtocol::TCP {
            // RFC 1122 §3.2.2.1: SHOULD send protocol unreachable for a transport we lack.
            let original = self.rebuild(&header, payload);
            self.send_icmp_error(now, &original, |quoted| {
                IcmpRepr::protocol_unreachable(quoted, QuoteLimit::Rfc792).ok()
            });
            return;
        }
        self.push_inbox(Delivered { time: now, header, payload: payload.to_vec() });
    }

    fn push_inbox(&mut self, delivered: Delivered) {
        if self.inbox.len() >= MAX_INBOX {
            self.inbox.pop_front();
        }
        self.inbox.push_back(delivered);
    }

    /// The datagram as it arrived (after reassembly), for an ICMP error to quote.
    fn rebuild(&self, header: &Ipv4Repr, payload: &[u8]) -> Vec<u8> {
        Ipv4Repr { payload_len: payload.len(), ..*header }.to_bytes(payload).unwrap_or_default()
    }

    fn forward(&mut self, now: Duration, ingress: usize, datagram: &[u8]) {
        let mut datagram = datagram.to_vec();
        let Ok(packet) = Ipv4Packet::new_checked(&datagram[..]) else { return };
        let dst = packet.dst_addr();
        let interfaces = &self.interfaces;
        let decision = ipv4::forward::forward(&mut datagram, &self.routes, |egress| {
            interfaces.get(usize::from(egress.0)).map_or(0, |iface| iface.mtu)
        });
        let (next_hop, egress, fragment_mtu) = match decision {
            ForwardDecision::Forward { next_hop, interface } => (next_hop, interface, None),
            ForwardDecision::Fragment { next_hop, interface, mtu } => (next_hop, interface, Some(mtu)),
            ForwardDecision::TimeExceeded => {
                self.events.push_back(NodeEvent::Ip(IpEvent::TtlExceeded { dst }));
                self.send_icmp_error(now, &datagram, |quoted| {
                    IcmpRepr::time_exceeded(quoted, QuoteLimit::Rfc792).ok()
                });
                return;
            }
            ForwardDecision::Unreachable(_) => {
                self.events.push_back(NodeEvent::Ip(IpEvent::NoRoute { dst }));
                self.send_icmp_error(now, &datagram, |quoted| {
                    IcmpRepr::net_unreachable(quoted, QuoteLimit::Rfc792).ok()
                });
                return;
            }
            ForwardDecision::FragmentationNeeded { mtu } => {
                let mtu = u16::try_from(mtu).unwrap_or(u16::MAX);
                self.send_icmp_error(now, &datagram, |quoted| {
                    IcmpRepr::frag_needed(quoted, mtu, QuoteLimit::Rfc792).ok()
                });
                return;
            }
            other => {
                self.events.push_back(NodeEvent::Dropped(format!("not forwarded: {other:?}")));
                return;
            }
        };
        let egress = usize::from(egress.0);
        self.events.push_back(NodeEvent::Ip(IpEvent::Forwarded {
            dst,
            next_hop,
            from: self.interfaces[ingress].name.clone(),
            to: self.interfaces[egress].name.clone(),
        }));
        let Some(mtu) = fragment_mtu else {
            self.transmit_datagram(now, egress, next_hop, datagram);
            return;
        };
        let parsed = Ipv4Packet::new_checked(&datagram[..]).and_then(|p| Ok((Ipv4Repr::parse(&p)?, p)));
        let fragments =
            parsed.ok().and_then(|(repr, p)| ipv4::fragment::fragment(&repr, p.payload(), mtu).ok());
        for fragment in fragments.unwrap_or_default() {
            self.transmit_datagram(now, egress, next_hop, fragment);
        }
    }
}

/// The header of a datagram this node originates: no options, DSCP 0, may be fragmented.
fn originated_header(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    protocol: IpProtocol,
    ttl: u8,
    ident: u16,
    payload_len: usize,
) -> Ipv4Repr {
    Ipv4Repr {
        src_addr: src,
        dst_addr: dst,
        protocol,
        ttl,
        dscp: Dscp::CS0,
        ecn: Ecn::NOT_ECT,
        ident,
        dont_frag: false,
        more_frags: false,
        frag_offset: 0,
        options: Ipv4Options::NONE,
        payload_len,
    }
}

/// The directed broadcast address of `net`; none for /31 (RFC 3021) and /32 networks,
/// whose every address names a host.
fn directed_broadcast(net: Ipv4Net) -> Option<Ipv4Addr> {
    (net.prefix_len() < 31).then(|| net.broadcast())
}
