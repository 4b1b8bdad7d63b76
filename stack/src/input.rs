//! The receive path: frame → ARP or IPv4 → PREROUTING → local (reassembly, INPUT,
//! sockets) or forward.

use core::cell::Cell;
use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use arp::{ArpPacket, ArpRepr, Released};
use ethernet::{EtherType, EthernetFrame, EthernetRepr};
use icmp::{IcmpPacket, IcmpRepr, QuoteLimit, QuotedDatagram, UnreachableCode};
use ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr};
use udp::{UdpPacket, UdpRepr};

use crate::event::{DropReason, IcmpErrorKind, StackEvent};
use crate::hook::HookPoint;
use crate::interface::{IfaceId, Pending};
use crate::socket::{EchoMessage, Queued, SocketError, TcpInput, UdpDatagram, UdpMessage};
use crate::stack::Stack;

impl Stack {
    /// A frame arrived on `iface`.
    pub fn handle_frame(&mut self, now: Duration, iface: IfaceId, bytes: &[u8]) {
        let Some(interface) = self.interfaces.get(iface.0) else {
            return;
        };
        let parsed =
            EthernetFrame::new_checked(bytes).and_then(|frame| Ok((EthernetRepr::parse(&frame)?, frame)));
        let (header, frame) = match parsed {
            Ok(parsed) => parsed,
            Err(error) => return self.drop_with(DropReason::BadFrame(error)),
        };
        // The NIC's address filter: our unicast address, broadcast, and multicast.
        if header.dst_addr != interface.mac && !header.dst_addr.is_multicast() {
            return;
        }
        match header.ethertype {
            EtherType::ARP => {
                match ArpPacket::new_checked(frame.payload()).and_then(|packet| ArpRepr::parse(&packet)) {
                    Ok(repr) => self.interfaces[iface.0].neighbors.handle_arp(now, &repr),
                    Err(error) => self.drop_with(DropReason::BadArp(error)),
                }
                self.drain_neighbors(now, iface.0);
            }
            EtherType::IPV4 => self.handle_ipv4(now, iface, frame.payload(), header.dst_addr.is_multicast()),
            _ => {}
        }
    }

    /// Time has reached [`Stack::poll_timeout`]: ARP retries and expiry, reassembly
    /// timeouts (with RFC 1122 §3.3.2's Time Exceeded), hooks' tables.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.reassembler.handle_timeout(now);
        while let Some(expired) = self.reassembler.poll_event() {
            let (src, ident) = (expired.key.src_addr, expired.key.ident);
            self.drop_with(DropReason::ReassemblyTimeout { src, ident });
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
        self.hooks.handle_timeout(now);
        self.tcp_handle_timeout(now);
    }

    pub(crate) fn drain_neighbors(&mut self, now: Duration, iface: usize) {
        while let Some(transmit) = self.interfaces[iface].neighbors.poll_transmit() {
            self.send_frame(IfaceId(iface), transmit.dst_mac, EtherType::ARP, &transmit.packet.to_bytes());
        }
        while let Some(released) = self.interfaces[iface].neighbors.poll_released() {
            match released {
                Released::Resolved { mac, packet: Pending::Datagram(datagram), .. } => {
                    self.send_frame(IfaceId(iface), mac, EtherType::IPV4, &datagram);
                }
                Released::Unreachable { ip, packet: Pending::Datagram(datagram), .. } => {
                    self.drop_with(DropReason::NeighborUnreachable { next_hop: ip });
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
            self.push_event(StackEvent::Arp { iface: IfaceId(iface), event });
        }
    }

    /// `link_group`: the frame went to the Ethernet broadcast or a multicast address.
    fn handle_ipv4(&mut self, now: Duration, iface: IfaceId, bytes: &[u8], link_group: bool) {
        let parsed =
            Ipv4Packet::new_checked(bytes).and_then(|packet| Ok((Ipv4Repr::parse(&packet)?, packet)));
        let (header, packet) = match parsed {
            Ok(parsed) => parsed,
            Err(error) => return self.drop_with(DropReason::BadIpv4(error)),
        };
        // RFC 1122 §3.3.6 and RFC 1812 §5.3.4: a link-layer broadcast must carry an IP
        // broadcast or multicast; anything else is neither delivered nor forwarded.
        if link_group && !header.dst_addr.is_multicast() && !self.is_ip_broadcast(header.dst_addr) {
            return self.drop_with(DropReason::LinkBroadcastToUnicast { dst: header.dst_addr });
        }
        let mut datagram = bytes[..usize::from(packet.total_len())].to_vec();
        let mut header = header;
        if self.config.defragment && (header.more_frags || header.frag_offset != 0) {
            // As Linux's nf_defrag: the hooks see whole datagrams, forwarded ones too.
            let Some((whole, bytes)) = self.reassemble(now, &header, &datagram) else { return };
            (header, datagram) = (whole, bytes);
        }
        let original_dst = header.dst_addr;
        let mark = Cell::new(0);
        let Some(header) =
            self.run_hooks(now, HookPoint::Prerouting, (Some(iface), None), header, &mut datagram, &mark)
        else {
            return;
        };
        if self.is_local(header.dst_addr, iface, &header, &datagram) {
            self.local_input(now, iface, header, datagram, &mark);
        } else if self.config.forwarding {
            self.forward(now, iface, datagram, &mark);
        } else {
            self.drop_with(DropReason::NotForThisHost { dst: original_dst });
        }
    }

    /// Whether a datagram is for this node: one of its addresses, a broadcast of a network
    /// it is on, or — on an interface with no address yet — a UDP datagram to a port a
    /// socket bound to that interface listens on (a DHCP OFFER sent to the offered
    /// address, RFC 2131 §4.1).
    fn is_local(&self, dst: Ipv4Addr, iface: IfaceId, header: &Ipv4Repr, datagram: &[u8]) -> bool {
        if self.is_own_address(dst) || self.is_ip_broadcast(dst) {
            return true;
        }
        let unaddressed = self.interfaces.get(iface.0).is_some_and(|i| i.address.is_none());
        unaddressed
            && header.protocol == IpProtocol::UDP
            && header.frag_offset == 0
            && datagram.get(header.header_len() + 2..header.header_len() + 4).is_some_and(|port| {
                self.sockets.device_listens(iface, u16::from_be_bytes([port[0], port[1]]))
            })
    }

    /// Feeds one fragment (a whole datagram, header first) to the reassembler; returns the
    /// datagram once its last fragment is in.
    fn reassemble(
        &mut self,
        now: Duration,
        header: &Ipv4Repr,
        datagram: &[u8],
    ) -> Option<(Ipv4Repr, Vec<u8>)> {
        let payload = &datagram[header.header_len()..];
        match self.reassembler.handle_fragment(now, header, payload) {
            Ok(Some((whole, data))) => {
                self.push_event(StackEvent::Reassembled {
                    src: whole.src_addr,
                    ident: whole.ident,
                    len: whole.buffer_len(),
                });
                whole.to_bytes(&data).ok().map(|bytes| (whole, bytes))
            }
            Ok(None) => None,
            Err(error) => {
                self.drop_with(DropReason::Fragment(error));
                None
            }
        }
    }

    fn local_input(
        &mut self,
        now: Duration,
        iface: IfaceId,
        header: Ipv4Repr,
        datagram: Vec<u8>,
        mark: &Cell<u64>,
    ) {
        // A reassembled datagram is new to the hooks: its fragments' marks do not carry over.
        let fresh = Cell::new(0);
        let (header, mut datagram, mark) = if header.more_frags || header.frag_offset != 0 {
            match self.reassemble(now, &header, &datagram) {
                Some((whole, bytes)) => (whole, bytes, &fresh),
                None => return,
            }
        } else {
            (header, datagram, mark)
        };
        // `None`: a hook dropped, rejected or stole it, and that is already reported.
        let Some(header) =
            self.run_hooks(now, HookPoint::Input, (Some(iface), None), header, &mut datagram, mark)
        else {
            return;
        };
        let payload = &datagram[header.header_len()..];
        self.deliver(now, iface, &header, payload, &datagram);
    }

    fn deliver(&mut self, now: Duration, iface: IfaceId, header: &Ipv4Repr, payload: &[u8], datagram: &[u8]) {
        match header.protocol {
            IpProtocol::ICMP => self.deliver_icmp(now, header, payload),
            IpProtocol::UDP => self.deliver_udp(now, iface, header, payload, datagram),
            IpProtocol::TCP => {
                let port = payload.get(2..4).map_or(0, |p| u16::from_be_bytes([p[0], p[1]]));
                if !self.sockets.tcp_ports.contains(&port) {
                    // The stack's own TCP: a connection, a listener, or a RST.
                    if let Err(reason) = self.deliver_tcp(now, header.src_addr, header.dst_addr, payload) {
                        self.drop_with(reason);
                    }
                    return;
                }
                let input =
                    TcpInput::Segment { time: now, iface, header: *header, segment: payload.to_vec() };
                if let Queued::Full = self.sockets.push_tcp(input) {
                    self.drop_with(DropReason::SocketQueueFull { port });
                }
            }
            protocol => {
                // RFC 1122 §3.2.2.1: SHOULD send protocol unreachable for a transport we lack.
                self.drop_with(DropReason::ProtocolUnreachable { protocol });
                self.send_icmp_error(now, datagram, |quoted| {
                    IcmpRepr::protocol_unreachable(quoted, QuoteLimit::Rfc792).ok()
                });
            }
        }
    }

    fn deliver_udp(
        &mut self,
        now: Duration,
        iface: IfaceId,
        header: &Ipv4Repr,
        payload: &[u8],
        datagram: &[u8],
    ) {
        let parsed = UdpPacket::new_checked(payload)
            .and_then(|p| Ok((UdpRepr::parse(&p, header.src_addr, header.dst_addr)?, p)));
        let (repr, packet) = match parsed {
            Ok(parsed) => parsed,
            Err(error) => return self.drop_with(DropReason::BadUdp(error)),
        };
        let dst = SocketAddrV4::new(header.dst_addr, repr.dst_port);
        let broadcast = self.is_ip_broadcast(header.dst_addr);
        let Some(handle) = self.sockets.udp_lookup(dst, iface, broadcast) else {
            self.drop_with(DropReason::PortUnreachable { port: repr.dst_port });
            // RFC 1122 §4.1.3.1: a datagram to a closed port gets ICMP port unreachable,
            // unless it was broadcast (checked by `send_icmp_error`).
            return self.send_icmp_error(now, datagram, |quoted| {
                IcmpRepr::port_unreachable(quoted, QuoteLimit::Rfc792).ok()
            });
        };
        let message = UdpMessage::Datagram(UdpDatagram {
            time: now,
            src: SocketAddrV4::new(header.src_addr, repr.src_port),
            dst,
            iface,
            payload: packet.payload().to_vec(),
        });
        if let Queued::Full = self.sockets.push_udp(handle, message) {
            self.drop_with(DropReason::SocketQueueFull { port: repr.dst_port });
        }
    }

    fn deliver_icmp(&mut self, now: Duration, header: &Ipv4Repr, payload: &[u8]) {
        let message = match IcmpPacket::new_checked(payload).and_then(|p| IcmpRepr::parse(&p)) {
            Ok(message) => message,
            Err(error) => return self.drop_with(DropReason::BadIcmp(error)),
        };
        match message {
            IcmpRepr::EchoRequest { ident, seq_no, data } => {
                // RFC 1122 §3.2.2.6: echo requests to a broadcast address MAY be ignored;
                // Linux ignores them (icmp_echo_ignore_broadcasts).
                if self.is_ip_broadcast(header.dst_addr) {
                    return;
                }
                self.push_event(StackEvent::EchoAnswered { to: header.src_addr, ident, seq_no });
                let reply = IcmpRepr::EchoReply { ident, seq_no, data }.to_bytes();
                let spec = crate::SendSpec {
                    src: Some(header.dst_addr),
                    ttl: self.config.default_ttl,
                    ..crate::SendSpec::new(header.src_addr, IpProtocol::ICMP)
                };
                // A reply that cannot be routed is reported by `send_ip`.
                let _ = self.send_ip(now, spec, &reply);
            }
            IcmpRepr::EchoReply { ident, seq_no, data } => {
                if let Some(handle) = self.sockets.echo_by_ident(ident) {
                    let reply = EchoMessage::Reply {
                        time: now,
                        from: header.src_addr,
                        seq_no,
                        ttl: header.ttl,
                        data: data.to_vec(),
                    };
                    let _ = self.sockets.push_echo(handle, reply);
                }
            }
            IcmpRepr::DestinationUnreachable { code, next_hop_mtu, quoted } => {
                let kind = if code == UnreachableCode::FRAG_NEEDED {
                    IcmpErrorKind::FragmentationNeeded { mtu: next_hop_mtu }
                } else {
                    IcmpErrorKind::Unreachable(code)
                };
                self.dispatch_error(now, header.src_addr, kind, &quoted);
            }
            IcmpRepr::TimeExceeded { code, quoted } => {
                self.dispatch_error(now, header.src_addr, IcmpErrorKind::TimeExceeded(code), &quoted);
            }
            _ => {}
        }
    }

    /// Hands an ICMP error to the socket whose datagram it quotes (RFC 1122 §3.2.2,
    /// §4.1.3.3): by source port for UDP and TCP, by identifier for echo requests.
    pub(crate) fn dispatch_error(
        &mut self,
        now: Duration,
        from: Ipv4Addr,
        kind: IcmpErrorKind,
        quoted: &QuotedDatagram<'_>,
    ) {
        let error = SocketError { time: now, from, kind, original_dst: quoted.header.dst_addr };
        let src = quoted.header.src_addr;
        match quoted.header.protocol {
            IpProtocol::UDP => {
                let Some((src_port, _)) = quoted.ports() else { return };
                if let Some(handle) = self.sockets.udp_by_local_port(src, src_port) {
                    let _ = self.sockets.push_udp(handle, UdpMessage::Error(error));
                }
            }
            IpProtocol::TCP => {
                let Some((src_port, dst_port)) = quoted.ports() else { return };
                let local = SocketAddrV4::new(src, src_port);
                let remote = SocketAddrV4::new(quoted.header.dst_addr, dst_port);
                if self.tcp_icmp_error(now, local, remote, kind) {
                    return;
                }
                if self.sockets.tcp_ports.contains(&src_port) {
                    let remote = SocketAddrV4::new(quoted.header.dst_addr, dst_port);
                    let _ = self.sockets.push_tcp(TcpInput::Error { error, local_port: src_port, remote });
                }
            }
            IpProtocol::ICMP => {
                let Some(ident) = quoted.echo_ident() else { return };
                if let Some(handle) = self.sockets.echo_by_ident(ident) {
                    let message = EchoMessage::Error { error, seq_no: quoted.echo_seq_no() };
                    let _ = self.sockets.push_echo(handle, message);
                }
            }
            _ => {}
        }
    }
}
