//! Hooks at each of the five points: rewriting (with re-routing), dropping and rejecting,
//! with what the rejection sends seen on the wire.

mod common;

use core::fmt;
use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use common::{Wire, a_router_b};
use icmp::UnreachableCode;
use ipv4::checksum;
use ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr};
use stack::{
    DropReason, Hook, HookContext, HookPoint, IcmpErrorKind, IfaceId, Layer, RejectWith, SendSpec,
    StackEvent, UdpMessage, Verdict,
};

const T0: Duration = Duration::ZERO;
const A: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);
const R_LEFT: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 254);
const R_RIGHT: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 254);
const B: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 1);

type HookFn = dyn FnMut(&HookContext<'_>, &mut Vec<u8>) -> Verdict;

/// A hook made of a closure, for tests.
struct FnHook(&'static str, Box<HookFn>);

impl fmt::Debug for FnHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FnHook({})", self.0)
    }
}

impl Hook for FnHook {
    fn name(&self) -> &str {
        self.0
    }
    fn process(&mut self, context: &HookContext<'_>, datagram: &mut Vec<u8>) -> Verdict {
        (self.1)(context, datagram)
    }
}

fn hook(name: &'static str, f: impl FnMut(&HookContext<'_>, &mut Vec<u8>) -> Verdict + 'static) -> FnHook {
    FnHook(name, Box::new(f))
}

/// Rewrites one address of a UDP or TCP datagram with RFC 1624 updates of the header and
/// transport checksums, as a NAT does. `which` is 12 (source) or 16 (destination).
fn rewrite_addr(datagram: &mut [u8], which: usize, new: Ipv4Addr) {
    let old = Ipv4Addr::from(<[u8; 4]>::try_from(&datagram[which..which + 4]).unwrap());
    let header_len = usize::from(datagram[0] & 0x0f) * 4;
    let header_sum = u16::from_be_bytes([datagram[10], datagram[11]]);
    datagram[10..12].copy_from_slice(&checksum::update_addr(header_sum, old, new).to_be_bytes());
    datagram[which..which + 4].copy_from_slice(&new.octets());
    let at = header_len + if datagram[9] == IpProtocol::TCP.0 { 16 } else { 6 };
    let transport_sum = u16::from_be_bytes([datagram[at], datagram[at + 1]]);
    datagram[at..at + 2].copy_from_slice(&checksum::update_addr(transport_sum, old, new).to_be_bytes());
}

fn dst_of(datagram: &[u8]) -> Ipv4Addr {
    Ipv4Addr::from(<[u8; 4]>::try_from(&datagram[16..20]).unwrap())
}

fn udp_from_a(wire: &mut Wire, dst: SocketAddrV4) -> stack::UdpHandle {
    let socket = wire.nodes[0].udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 40000)).unwrap();
    wire.nodes[0].udp_send(T0, socket, dst, b"hello").unwrap();
    wire.settle(T0);
    socket
}

fn events(wire: &mut Wire, node: usize) -> Vec<StackEvent> {
    std::iter::from_fn(|| wire.nodes[node].poll_event()).collect()
}

#[test]
fn prerouting_destination_nat_is_routed_to_the_new_destination() {
    let mut wire = a_router_b();
    let server = wire.nodes[2].udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 53)).unwrap();
    let public = Ipv4Addr::new(10, 0, 9, 9);
    // r has no route to 10.0.9.9: only the rewrite makes the datagram deliverable.
    wire.nodes[1].add_hook(
        HookPoint::Prerouting,
        hook("dnat", move |context, datagram| {
            assert_eq!(context.ingress.map(|i| i.name), Some("left"));
            if dst_of(datagram) == public {
                rewrite_addr(datagram, 16, B);
            }
            Verdict::Accept
        }),
    );
    wire.nodes[0].add_gateway_route("10.0.9.0/24".parse().unwrap(), R_LEFT, IfaceId(0)).unwrap();
    udp_from_a(&mut wire, SocketAddrV4::new(public, 53));
    let Some(UdpMessage::Datagram(got)) = wire.nodes[2].udp_recv(server) else { panic!("b got nothing") };
    assert_eq!((got.payload.as_slice(), *got.dst.ip(), *got.src.ip()), (&b"hello"[..], B, A));
    let forwarded = wire.datagrams_from(1);
    assert_eq!(forwarded.iter().map(|d| dst_of(d)).collect::<Vec<_>>(), [B]);
}

#[test]
fn input_hook_drops_and_says_which_hook_and_why() {
    let mut wire = a_router_b();
    let server = wire.nodes[2].udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 9)).unwrap();
    wire.nodes[2].add_hook(
        HookPoint::Input,
        hook("host-firewall", |_, _| Verdict::Drop { reason: "port 9 closed by policy".to_owned() }),
    );
    udp_from_a(&mut wire, SocketAddrV4::new(B, 9));
    assert_eq!(wire.nodes[2].udp_recv(server), None);
    let dropped = events(&mut wire, 2).into_iter().find_map(|e| match e {
        StackEvent::Dropped(reason) => Some(reason),
        _ => None,
    });
    let reason = dropped.expect("a drop event");
    assert_eq!(reason.layer(), Layer::Hook);
    assert_eq!(
        reason,
        DropReason::Hook {
            point: HookPoint::Input,
            hook: "host-firewall".to_owned(),
            reason: "port 9 closed by policy".to_owned()
        }
    );
    assert!(wire.datagrams_from(2).is_empty(), "a silent drop sends nothing");
}

#[test]
fn forward_reject_sends_an_icmp_error_that_reaches_the_sending_socket() {
    let mut wire = a_router_b();
    wire.nodes[1].add_hook(
        HookPoint::Forward,
        hook("filter", |context, _| {
            assert_eq!(
                (context.ingress.map(|i| i.name), context.egress.map(|i| i.name)),
                (Some("left"), Some("right"))
            );
            Verdict::Reject(RejectWith::IcmpUnreachable(UnreachableCode::COMM_ADMIN_PROHIBITED))
        }),
    );
    let socket = udp_from_a(&mut wire, SocketAddrV4::new(B, 53));
    // On the wire: r sends one ICMP error to a, nothing to b.
    let from_r = wire.datagrams_from(1);
    assert_eq!(from_r.len(), 1);
    let header = Ipv4Repr::parse(&Ipv4Packet::new_checked(&from_r[0][..]).unwrap()).unwrap();
    assert_eq!((header.src_addr, header.dst_addr, header.protocol), (R_LEFT, A, IpProtocol::ICMP));
    assert_eq!(
        from_r[0][20..22],
        [3, 13],
        "Destination Unreachable, communication administratively prohibited"
    );
    let Some(UdpMessage::Error(error)) = wire.nodes[0].udp_recv(socket) else { panic!("no error at a") };
    assert_eq!(error.kind, IcmpErrorKind::Unreachable(UnreachableCode::COMM_ADMIN_PROHIBITED));
    assert_eq!((error.from, error.original_dst), (R_LEFT, B));
}

#[test]
fn output_hook_changing_the_destination_reroutes_the_datagram() {
    let mut wire = a_router_b();
    let server = wire.nodes[2].udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 53)).unwrap();
    // 10.0.1.77 is on a's own link (and absent); the hook sends the datagram to b instead,
    // which is reached through the gateway.
    let absent = Ipv4Addr::new(10, 0, 1, 77);
    wire.nodes[0].add_hook(
        HookPoint::Output,
        hook("redirect", move |context, datagram| {
            assert!(context.ingress.is_none());
            if dst_of(datagram) == absent {
                rewrite_addr(datagram, 16, B);
            }
            Verdict::Accept
        }),
    );
    udp_from_a(&mut wire, SocketAddrV4::new(absent, 53));
    assert!(matches!(wire.nodes[2].udp_recv(server), Some(UdpMessage::Datagram(_))));
    let lookups: Vec<(Ipv4Addr, Ipv4Addr)> = events(&mut wire, 0)
        .into_iter()
        .filter_map(|e| match e {
            StackEvent::RouteLookup { dst, next_hop, .. } => Some((dst, next_hop)),
            _ => None,
        })
        .collect();
    assert_eq!(lookups, [(absent, absent), (B, R_LEFT)], "routed again after the rewrite");
    let arp_targets: Vec<[u8; 4]> = wire
        .crossed
        .iter()
        .filter(|(from, _, frame)| *from == 0 && frame[12..14] == [0x08, 0x06])
        .map(|(_, _, frame)| frame[38..42].try_into().unwrap())
        .collect();
    assert_eq!(arp_targets, [R_LEFT.octets()], "a ARPs for its gateway, never for 10.0.1.77");
}

#[test]
fn postrouting_source_nat_is_what_the_far_side_sees() {
    let mut wire = a_router_b();
    let server = wire.nodes[2].udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 53)).unwrap();
    wire.nodes[1].add_hook(
        HookPoint::Postrouting,
        hook("masquerade", |context, datagram| {
            if context.egress.map(|i| i.name) == Some("right") {
                let address = context.egress.and_then(|i| i.address).map(|net| net.addr()).unwrap();
                rewrite_addr(datagram, 12, address);
            }
            Verdict::Accept
        }),
    );
    udp_from_a(&mut wire, SocketAddrV4::new(B, 53));
    let Some(UdpMessage::Datagram(got)) = wire.nodes[2].udp_recv(server) else { panic!("b got nothing") };
    assert_eq!(*got.src.ip(), R_RIGHT, "the checksums still verify after the rewrite");
}

#[test]
fn a_tcp_reset_rejection_answers_a_syn_with_rst_ack() {
    let mut wire = a_router_b();
    wire.nodes[1].add_hook(HookPoint::Forward, hook("filter", |_, _| Verdict::Reject(RejectWith::TcpReset)));
    // A bare SYN from a:40000 to b:443, sequence number 1000.
    let mut syn = [0u8; 20];
    syn[0..2].copy_from_slice(&40000u16.to_be_bytes());
    syn[2..4].copy_from_slice(&443u16.to_be_bytes());
    syn[4..8].copy_from_slice(&1000u32.to_be_bytes());
    syn[12] = 5 << 4;
    syn[13] = 0x02;
    let sum =
        !checksum::combine(&[checksum::pseudo_header_sum(A, B, IpProtocol::TCP, 20), checksum::sum(&syn)]);
    syn[16..18].copy_from_slice(&sum.to_be_bytes());
    wire.nodes[0].send_ip(T0, SendSpec::new(B, IpProtocol::TCP), &syn).unwrap();
    wire.settle(T0);
    let from_r = wire.datagrams_from(1);
    assert_eq!(from_r.len(), 1, "one RST, and nothing forwarded to b");
    let header = Ipv4Repr::parse(&Ipv4Packet::new_checked(&from_r[0][..]).unwrap()).unwrap();
    assert_eq!((header.src_addr, header.dst_addr, header.protocol), (B, A, IpProtocol::TCP));
    let rst = &from_r[0][20..];
    assert_eq!(u16::from_be_bytes([rst[0], rst[1]]), 443);
    assert_eq!(u16::from_be_bytes([rst[2], rst[3]]), 40000);
    assert_eq!(u32::from_be_bytes(rst[8..12].try_into().unwrap()), 1001, "ACK = SEG.SEQ + 1 for the SYN");
    assert_eq!(rst[13], 0x14, "RST and ACK");
    let sum =
        checksum::combine(&[checksum::pseudo_header_sum(B, A, IpProtocol::TCP, 20), checksum::sum(rst)]);
    assert_eq!(sum, 0xffff, "the RST's checksum verifies");
    // a has no TCP endpoint on 40000: the RST is dropped there, and said so.
    assert!(events(&mut wire, 0).contains(&StackEvent::Dropped(DropReason::TcpPortClosed { port: 40000 })));
}

#[test]
fn segments_for_a_registered_port_reach_the_tcp_layer() {
    let mut wire = a_router_b();
    wire.nodes[2].tcp_register_port(443);
    let mut syn = [0u8; 20];
    syn[2..4].copy_from_slice(&443u16.to_be_bytes());
    syn[12] = 5 << 4;
    wire.nodes[0].send_ip(T0, SendSpec::new(B, IpProtocol::TCP), &syn).unwrap();
    wire.settle(T0);
    match wire.nodes[2].poll_tcp_input() {
        Some(stack::TcpInput::Segment { header, segment, .. }) => {
            assert_eq!((header.src_addr, segment.len()), (A, 20));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn fragmentation_needed_reaches_the_socket_that_set_dont_fragment() {
    let mut wire = a_router_b();
    wire.nodes[1].set_mtu(IfaceId(1), 576);
    let socket = wire.nodes[0].udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 40000)).unwrap();
    wire.nodes[0].udp_set_dont_fragment(socket, true).unwrap();
    wire.nodes[0].udp_send(T0, socket, SocketAddrV4::new(B, 53), &[7; 1000]).unwrap();
    wire.settle(T0);
    let Some(UdpMessage::Error(error)) = wire.nodes[0].udp_recv(socket) else { panic!("no error at a") };
    assert_eq!(error.kind, IcmpErrorKind::FragmentationNeeded { mtu: 576 });
    assert_eq!((error.from, error.original_dst), (R_LEFT, B));
    assert!(wire.datagrams_from(1).iter().all(|d| dst_of(d) == A), "nothing was forwarded to b");
}

/// Sends a 3,000-byte UDP datagram from A to B (fragmented at A's 1,500-byte MTU) with
/// the router's PREROUTING hook recording the length of each datagram it sees; returns
/// those lengths, how many datagrams the router sent on, and whether B got it whole.
fn fragmented_through_router(defragment: bool) -> (Vec<usize>, usize, bool) {
    let mut wire = a_router_b();
    wire.nodes[1].set_defragment(defragment);
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let record = std::rc::Rc::clone(&seen);
    wire.nodes[1].add_hook(
        HookPoint::Prerouting,
        hook("record", move |_, datagram| {
            record.borrow_mut().push(datagram.len());
            Verdict::Accept
        }),
    );
    let server = wire.nodes[2].udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 9)).unwrap();
    let socket = wire.nodes[0].udp_bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 40000)).unwrap();
    wire.nodes[0].udp_send(T0, socket, SocketAddrV4::new(B, 9), &[7; 3000]).unwrap();
    wire.settle(T0);
    let whole =
        matches!(wire.nodes[2].udp_recv(server), Some(UdpMessage::Datagram(d)) if d.payload.len() == 3000);
    let forwarded = wire.datagrams_from(1).len();
    let seen = seen.borrow().clone();
    (seen, forwarded, whole)
}

#[test]
fn with_defragment_the_hooks_see_whole_datagrams_and_the_router_fragments_again() {
    let (seen, forwarded, whole) = fragmented_through_router(true);
    assert_eq!(seen, [20 + 8 + 3000], "PREROUTING sees the reassembled datagram once");
    assert_eq!(forwarded, 3, "fragmented again to the egress MTU");
    assert!(whole);
    let (seen, forwarded, whole) = fragmented_through_router(false);
    assert_eq!(seen.len(), 3, "without it, each fragment passes the hooks: {seen:?}");
    assert_eq!(forwarded, 3);
    assert!(whole);
}
