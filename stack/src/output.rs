//! The send and forward paths: OUTPUT → route → POSTROUTING → fragment → ARP → frame;
//! FORWARD → POSTROUTING for forwarded datagrams; ICMP errors and hook rejections.

use core::cell::Cell;
use core::time::Duration;
use std::net::Ipv4Addr;

use arp::Resolution;
use ethernet::{EtherType, EthernetRepr, MacAddress, Padding};
use icmp::{IcmpRepr, QuoteLimit, UnreachableCode};
use ipv4::checksum;
use ipv4::forward::ForwardDecision;
use ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr};

use crate::event::{DropReason, IcmpErrorKind, SendError, StackEvent};
use crate::hook::{ChainVerdict, HookContext, HookInterface, HookPoint, RejectWith, Verdict};
use crate::interface::{IfaceId, Pending};
use crate::stack::{SendSpec, Stack};

impl Stack {
    /// Originates a datagram carrying `payload`: OUTPUT hooks, route lookup (again if a
    /// hook changed the destination), POSTROUTING hooks, fragmentation to the egress MTU,
    /// ARP.
    ///
    /// A datagram a hook drops is reported as an event and counts as sent, as with
    /// Linux's netfilter; errors are for what the stack itself cannot do.
    pub fn send_ip(&mut self, now: Duration, spec: SendSpec, payload: &[u8]) -> Result<(), SendError> {
        let (egress, next_hop) = self.route_for(spec.dst, spec.device)?;
        let src = match spec.src {
            Some(src) => src,
            None => match (self.interfaces[egress.0].ip(), spec.device) {
                (Some(ip), _) => ip,
                (None, Some(_)) => Ipv4Addr::UNSPECIFIED,
                (None, None) => return Err(SendError::NoSourceAddress),
            },
        };
        let ident = self.next_ident;
        self.next_ident = self.next_ident.wrapping_add(1);
        let header = Ipv4Repr {
            ttl: spec.ttl,
            ident,
            dont_frag: spec.dont_frag,
            ..Ipv4Repr::new(src, spec.dst, spec.protocol, payload.len())
        };
        let mut datagram = header.to_bytes(payload).map_err(|_| SendError::TooLong { len: payload.len() })?;
        let mark = Cell::new(0);
        let Some(after) =
            self.run_hooks(now, HookPoint::Output, (None, Some(egress)), header, &mut datagram, &mark)
        else {
            return Ok(());
        };
        let (egress, next_hop) = if after.dst_addr == spec.dst {
            (egress, next_hop)
        } else {
            self.route_for(after.dst_addr, spec.device)?
        };
        self.post_route(now, None, (egress, next_hop), after, datagram, &mark)
    }

    /// The egress interface and next hop for `dst`, reporting the lookup.
    fn route_for(
        &mut self,
        dst: Ipv4Addr,
        device: Option<IfaceId>,
    ) -> Result<(IfaceId, Ipv4Addr), SendError> {
        let (egress, next_hop) = if let Some(device) = device {
            let interface = self.interfaces.get(device.0).ok_or(SendError::NoSuchInterface)?;
            let broadcast = dst.is_broadcast() || interface.directed_broadcast() == Some(dst);
            let via_device = self
                .routes
                .lookup(dst)
                .filter(|route| usize::from(route.interface.0) == device.0)
                .map(|route| route.next_hop_for(dst));
            (device, if broadcast { dst } else { via_device.unwrap_or(dst) })
        } else {
            let Some(route) = self.route(dst) else {
                self.drop_with(DropReason::NoRoute { dst });
                return Err(SendError::NoRoute);
            };
            let egress = IfaceId(usize::from(route.interface.0));
            // RFC 1122 §3.3.6: an IP broadcast goes straight onto the link, never to a gateway.
            let broadcast = dst.is_broadcast()
                || self.interfaces.get(egress.0).and_then(|i| i.directed_broadcast()) == Some(dst);
            (egress, if broadcast { dst } else { route.next_hop_for(dst) })
        };
        let interface =
            self.interfaces.get(egress.0).map(|i| i.name.clone()).ok_or(SendError::NoSuchInterface)?;
        self.push_event(StackEvent::RouteLookup { dst, next_hop, on_link: next_hop == dst, interface });
        Ok((egress, next_hop))
    }

    /// POSTROUTING, then fragmentation to the egress MTU and transmission.
    fn post_route(
        &mut self,
        now: Duration,
        ingress: Option<IfaceId>,
        (egress, next_hop): (IfaceId, Ipv4Addr),
        header: Ipv4Repr,
        mut datagram: Vec<u8>,
        mark: &Cell<u64>,
    ) -> Result<(), SendError> {
        let Some(header) =
            self.run_hooks(now, HookPoint::Postrouting, (ingress, Some(egress)), header, &mut datagram, mark)
        else {
            return Ok(());
        };
        let mtu = self.interfaces[egress.0].mtu;
        if datagram.len() <= mtu {
            self.transmit_datagram(now, egress, next_hop, datagram);
            return Ok(());
        }
        if header.dont_frag {
            self.drop_with(DropReason::FragmentationNeeded { dst: header.dst_addr, mtu });
            return Err(SendError::CannotFragment { mtu });
        }
        let payload = &datagram[header.header_len()..];
        match ipv4::fragment::fragment(&header, payload, mtu) {
            Ok(fragments) => {
                for fragment in fragments {
                    self.transmit_datagram(now, egress, next_hop, fragment);
                }
                Ok(())
            }
            Err(_) => {
                let error = SendError::CannotFragment { mtu };
                self.drop_with(DropReason::CannotSend { dst: header.dst_addr, error });
                Err(error)
            }
        }
    }

    /// Runs the chain at `point` over `datagram` (whose header is `header`). Returns the
    /// header as the hooks left it, or `None` when a hook dropped, rejected or stole the
    /// datagram (reported here).
    pub(crate) fn run_hooks(
        &mut self,
        now: Duration,
        point: HookPoint,
        (ingress, egress): (Option<IfaceId>, Option<IfaceId>),
        header: Ipv4Repr,
        datagram: &mut Vec<u8>,
        mark: &Cell<u64>,
    ) -> Option<Ipv4Repr> {
        if self.hooks.is_empty(point) {
            return Some(header);
        }
        let describe = |id: IfaceId| {
            self.interfaces.get(id.0).map(|i| HookInterface { id, name: i.name.as_str(), address: i.address })
        };
        let context = HookContext {
            now,
            point,
            ingress: ingress.and_then(describe),
            egress: egress.and_then(describe),
            mark,
        };
        let verdict = self.hooks.run(&context, datagram);
        match verdict {
            None => match Ipv4Packet::new_checked(&datagram[..]).and_then(|p| Ipv4Repr::parse(&p)) {
                Ok(header) => Some(header),
                Err(error) => {
                    // The chain accepted: the mangling hook is not known by name, so name
                    // the chain.
                    self.drop_with(DropReason::HookMangled { point, hook: point.to_string(), error });
                    None
                }
            },
            Some(ChainVerdict { hook, verdict: Verdict::Drop { reason } }) => {
                self.drop_with(DropReason::Hook { point, hook, reason });
                None
            }
            Some(ChainVerdict { hook, verdict: Verdict::Reject(with) }) => {
                self.drop_with(DropReason::Rejected { point, hook });
                let original = datagram.clone();
                self.reject(now, &original, with);
                None
            }
            Some(ChainVerdict { verdict: Verdict::Stolen | Verdict::Accept, .. }) => None,
        }
    }

    /// Answers a rejected datagram: a TCP RST for TCP when asked, an ICMP error otherwise.
    fn reject(&mut self, now: Duration, datagram: &[u8], with: RejectWith) {
        let code = match with {
            RejectWith::TcpReset => match tcp_reset_for(datagram) {
                Some((spec, segment)) => {
                    // A RST that cannot be routed is reported by `send_ip`.
                    let _ = self.send_ip(now, spec, &segment);
                    return;
                }
                None if is_tcp(datagram) => return, // never answer a RST with a RST
                None => UnreachableCode::PORT,
            },
            RejectWith::IcmpUnreachable(code) => code,
        };
        self.send_icmp_error(now, datagram, |quoted| {
            IcmpRepr::destination_unreachable(code, 0, quoted, QuoteLimit::Rfc792).ok()
        });
    }

    /// Forwards a datagram this router received but is not addressed to (RFC 1812).
    pub(crate) fn forward(
        &mut self,
        now: Duration,
        ingress: IfaceId,
        mut datagram: Vec<u8>,
        mark: &Cell<u64>,
    ) {
        let Ok(packet) = Ipv4Packet::new_checked(&datagram[..]) else { return };
        let dst = packet.dst_addr();
        let interfaces = &self.interfaces;
        let decision = ipv4::forward::forward(&mut datagram, &self.routes, |egress| {
            interfaces.get(usize::from(egress.0)).map_or(0, |iface| iface.mtu)
        });
        let (next_hop, egress) = match decision {
            ForwardDecision::Forward { next_hop, interface }
            | ForwardDecision::Fragment { next_hop, interface, .. } => {
                (next_hop, IfaceId(usize::from(interface.0)))
            }
            ForwardDecision::TimeExceeded => {
                self.drop_with(DropReason::TtlExceeded { dst });
                return self.send_icmp_error(now, &datagram, |quoted| {
                    IcmpRepr::time_exceeded(quoted, QuoteLimit::Rfc792).ok()
                });
            }
            ForwardDecision::Unreachable(_) => {
                self.drop_with(DropReason::NoRoute { dst });
                return self.send_icmp_error(now, &datagram, |quoted| {
                    IcmpRepr::net_unreachable(quoted, QuoteLimit::Rfc792).ok()
                });
            }
            ForwardDecision::FragmentationNeeded { mtu } => {
                self.drop_with(DropReason::FragmentationNeeded { dst, mtu });
                let mtu = u16::try_from(mtu).unwrap_or(u16::MAX);
                return self.send_icmp_error(now, &datagram, |quoted| {
                    IcmpRepr::frag_needed(quoted, mtu, QuoteLimit::Rfc792).ok()
                });
            }
            ForwardDecision::Drop(reason) => return self.drop_with(DropReason::NotForwarded(reason)),
            _ => return,
        };
        // `forward` validated the header, so it parses.
        let Ok(header) = Ipv4Packet::new_checked(&datagram[..]).and_then(|p| Ipv4Repr::parse(&p)) else {
            return;
        };
        datagram.truncate(header.buffer_len());
        let Some(header) = self.run_hooks(
            now,
            HookPoint::Forward,
            (Some(ingress), Some(egress)),
            header,
            &mut datagram,
            mark,
        ) else {
            return;
        };
        self.push_event(StackEvent::Forwarded {
            dst,
            next_hop,
            from: self.interfaces[ingress.0].name.clone(),
            to: self.interfaces[egress.0].name.clone(),
        });
        // Failures are reported as drop events; a forwarded datagram has no caller to tell.
        let _ = self.post_route(now, Some(ingress), (egress, next_hop), header, datagram, mark);
    }

    pub(crate) fn transmit_datagram(
        &mut self,
        now: Duration,
        iface: IfaceId,
        next_hop: Ipv4Addr,
        datagram: Vec<u8>,
    ) {
        let interface = &mut self.interfaces[iface.0];
        if next_hop.is_broadcast() || interface.directed_broadcast() == Some(next_hop) {
            return self.send_frame(iface, MacAddress::BROADCAST, EtherType::IPV4, &datagram);
        }
        match interface.neighbors.resolve(now, next_hop, Pending::Datagram(datagram)) {
            Resolution::Ready(mac, Pending::Datagram(datagram)) => {
                self.send_frame(iface, mac, EtherType::IPV4, &datagram);
            }
            Resolution::Ready(_, Pending::ResolveOnly) | Resolution::Queued => {}
            Resolution::Dropped(_) => self.drop_with(DropReason::ArpQueueFull { next_hop }),
        }
        self.drain_neighbors(now, iface.0);
    }

    pub(crate) fn send_frame(
        &mut self,
        iface: IfaceId,
        dst: MacAddress,
        ethertype: EtherType,
        payload: &[u8],
    ) {
        let Some(src) = self.interfaces.get(iface.0).map(|i| i.mac) else {
            return;
        };
        let repr = EthernetRepr { src_addr: src, dst_addr: dst, vlan: None, ethertype };
        // A NIC pads short frames to the Ethernet minimum on the wire.
        let _ = self.outbox.push((iface, repr.to_bytes(payload, Padding::MinimumFrame)));
    }

    /// Sends an ICMP error about `original` back to its source, if RFC 1122 §3.2.2 allows.
    /// An error about a datagram this node originated stays inside the node: it goes to
    /// the socket that sent it, as a real stack reports `EHOSTUNREACH`.
    pub(crate) fn send_icmp_error<'a>(
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
        let (source, about) = (packet.src_addr(), packet.dst_addr());
        let Some(message) = build(original) else { return };
        let Some((kind, quoted)) = error_kind(&message) else { return };
        if self.is_own_address(source) {
            return self.dispatch_error(now, source, kind, &quoted);
        }
        self.push_event(StackEvent::IcmpErrorSent { to: source, error: kind, about });
        // An error that cannot be routed back is reported by `send_ip`.
        let _ = self.send_ip(now, SendSpec::new(source, IpProtocol::ICMP), &message.to_bytes());
    }
}

/// What an ICMP error message says, and what it quotes.
fn error_kind<'a>(message: &IcmpRepr<'a>) -> Option<(IcmpErrorKind, icmp::QuotedDatagram<'a>)> {
    match *message {
        IcmpRepr::DestinationUnreachable { code, next_hop_mtu, quoted }
            if code == UnreachableCode::FRAG_NEEDED =>
        {
            Some((IcmpErrorKind::FragmentationNeeded { mtu: next_hop_mtu }, quoted))
        }
        IcmpRepr::DestinationUnreachable { code, quoted, .. } => {
            Some((IcmpErrorKind::Unreachable(code), quoted))
        }
        IcmpRepr::TimeExceeded { code, quoted } => Some((IcmpErrorKind::TimeExceeded(code), quoted)),
        _ => None,
    }
}

fn is_tcp(datagram: &[u8]) -> bool {
    datagram.get(9) == Some(&IpProtocol::TCP.0)
}

/// The RST answering a TCP segment (RFC 9293 §3.10.7.1): from the segment's destination
/// to its source; `<SEQ=SEG.ACK><CTL=RST>` when it carries an ACK, else
/// `<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>`. `None` for a RST, a non-first fragment,
/// or anything that is not a readable TCP segment.
fn tcp_reset_for(datagram: &[u8]) -> Option<(SendSpec, Vec<u8>)> {
    const RST: u8 = 0x04;
    const ACK: u8 = 0x10;
    const SYN: u8 = 0x02;
    const FIN: u8 = 0x01;
    let packet = Ipv4Packet::new_checked(datagram).ok()?;
    let header = Ipv4Repr::parse(&packet).ok()?;
    if header.protocol != IpProtocol::TCP || header.frag_offset != 0 {
        return None;
    }
    let segment = packet.payload();
    let field = |range: core::ops::Range<usize>| segment.get(range);
    let src_port = field(0..2)?;
    let dst_port = field(2..4)?;
    let seq = u32::from_be_bytes(field(4..8)?.try_into().ok()?);
    let ack = u32::from_be_bytes(field(8..12)?.try_into().ok()?);
    let data_offset = usize::from(*field(12..13)?.first()? >> 4) * 4;
    let flags = *field(13..14)?.first()?;
    if flags & RST != 0 || data_offset < 20 || data_offset > segment.len() {
        return None;
    }
    let seg_len =
        (segment.len() - data_offset) as u32 + u32::from(flags & SYN != 0) + u32::from(flags & FIN != 0);
    let (seq_out, ack_out, flags_out) =
        if flags & ACK != 0 { (ack, 0, RST) } else { (0, seq.wrapping_add(seg_len), RST | ACK) };
    let mut rst = vec![0u8; 20];
    rst[0..2].copy_from_slice(dst_port);
    rst[2..4].copy_from_slice(src_port);
    rst[4..8].copy_from_slice(&seq_out.to_be_bytes());
    rst[8..12].copy_from_slice(&ack_out.to_be_bytes());
    rst[12] = 5 << 4;
    rst[13] = flags_out;
    let pseudo = checksum::pseudo_header_sum(header.dst_addr, header.src_addr, IpProtocol::TCP, 20);
    let sum = !checksum::combine(&[pseudo, checksum::sum(&rst)]);
    rst[16..18].copy_from_slice(&sum.to_be_bytes());
    let spec = SendSpec { src: Some(header.dst_addr), ..SendSpec::new(header.src_addr, IpProtocol::TCP) };
    Some((spec, rst))
}
