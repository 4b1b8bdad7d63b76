//! The NAT behavioural requirements (RFC 4787, RFC 5382, RFC 5508, RFC 7857), one test
//! each, on datagrams built with the workspace's wire crates and checked with full
//! checksum recomputation after every translation.

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use conntrack::{Conntrack, ConntrackConfig, CtState};
use icmp::{IcmpPacket, IcmpRepr, QuoteLimit};
use ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr};
use nat::{Filtering, Interface, Nat, NatConfig, NatError, NatRule, Stage};
use tcp::{SeqNumber, TcpFlags, TcpOptions, TcpPacket, TcpRepr};
use udp::{UdpPacket, UdpRepr};

const CL1: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 1);
const CL2: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 2);
const WAN: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 245);
const NS1: Ipv4Addr = Ipv4Addr::new(10, 1, 2, 53);
const ROOT: Ipv4Addr = Ipv4Addr::new(10, 1, 4, 1);
const RT2: Ipv4Addr = Ipv4Addr::new(10, 1, 1, 254);

fn udp(src: SocketAddrV4, dst: SocketAddrV4, payload: &[u8]) -> Vec<u8> {
    let repr = UdpRepr { src_port: src.port(), dst_port: dst.port(), payload_len: payload.len() };
    let segment = repr.to_bytes(*src.ip(), *dst.ip(), payload).unwrap();
    Ipv4Repr::new(*src.ip(), *dst.ip(), IpProtocol::UDP, segment.len()).to_bytes(&segment).unwrap()
}

fn tcp(src: SocketAddrV4, dst: SocketAddrV4, flags: TcpFlags, seq: u32, ack: u32, payload: &[u8]) -> Vec<u8> {
    let repr = TcpRepr {
        src_port: src.port(),
        dst_port: dst.port(),
        seq_number: SeqNumber(seq),
        ack_number: SeqNumber(ack),
        flags,
        window_len: 65_535,
        urgent_at: 0,
        options: TcpOptions::default(),
        payload_len: payload.len(),
    };
    let segment = repr.to_bytes(*src.ip(), *dst.ip(), payload).unwrap();
    Ipv4Repr::new(*src.ip(), *dst.ip(), IpProtocol::TCP, segment.len()).to_bytes(&segment).unwrap()
}

fn echo(src: Ipv4Addr, dst: Ipv4Addr, ident: u16, request: bool) -> Vec<u8> {
    let data = b"packetflow";
    let repr = if request {
        IcmpRepr::EchoRequest { ident, seq_no: 1, data }
    } else {
        IcmpRepr::EchoReply { ident, seq_no: 1, data }
    };
    let message = repr.to_bytes();
    Ipv4Repr::new(src, dst, IpProtocol::ICMP, message.len()).to_bytes(&message).unwrap()
}

fn ep(addr: Ipv4Addr, port: u16) -> SocketAddrV4 {
    SocketAddrV4::new(addr, port)
}

/// Every checksum the datagram carries is right, recomputed in full.
fn assert_checksums(datagram: &[u8]) {
    let packet = Ipv4Packet::new_checked(datagram).unwrap();
    assert!(packet.verify_checksum(), "IPv4 header checksum");
    let (src, dst) = (packet.src_addr(), packet.dst_addr());
    match packet.protocol() {
        IpProtocol::TCP => {
            assert!(TcpPacket::new_checked(packet.payload()).unwrap().verify_checksum(src, dst), "TCP")
        }
        IpProtocol::UDP => {
            assert!(UdpPacket::new_checked(packet.payload()).unwrap().verify_checksum(src, dst), "UDP")
        }
        IpProtocol::ICMP => {
            assert!(IcmpPacket::new_checked(packet.payload()).unwrap().verify_checksum(), "ICMP")
        }
        _ => {}
    }
}

fn src_of(datagram: &[u8]) -> SocketAddrV4 {
    let packet = Ipv4Packet::new_checked(datagram).unwrap();
    let port = u16::from_be_bytes([packet.payload()[0], packet.payload()[1]]);
    ep(packet.src_addr(), if packet.protocol() == IpProtocol::ICMP { icmp_ident(datagram) } else { port })
}

fn dst_of(datagram: &[u8]) -> SocketAddrV4 {
    let packet = Ipv4Packet::new_checked(datagram).unwrap();
    let port = u16::from_be_bytes([packet.payload()[2], packet.payload()[3]]);
    ep(packet.dst_addr(), if packet.protocol() == IpProtocol::ICMP { icmp_ident(datagram) } else { port })
}

fn icmp_ident(datagram: &[u8]) -> u16 {
    u16::from_be_bytes([datagram[24], datagram[25]])
}

/// rt1: a LAN, a WAN with 10.1.1.245, masquerade on the WAN.
struct HomeRouter {
    table: Conntrack,
    nat: Nat,
    now: Duration,
}

const LAN_IF: Interface<'static> =
    Interface { name: Some("lan"), address: Some(Ipv4Addr::new(192, 168, 1, 254)) };
const WAN_IF: Interface<'static> = Interface { name: Some("wan"), address: Some(WAN) };

impl HomeRouter {
    fn new(config: NatConfig) -> Self {
        Self::with_tables(ConntrackConfig::default(), config)
    }

    fn with_tables(conntrack: ConntrackConfig, config: NatConfig) -> Self {
        let mut nat = Nat::new(config, 99);
        nat.add_rule(NatRule::masquerade("wan"));
        Self { table: Conntrack::new(conntrack, 7), nat, now: Duration::ZERO }
    }

    /// PREROUTING on `ingress`, then POSTROUTING on `egress`, as a router passes a datagram.
    fn pass(
        &mut self,
        datagram: &mut [u8],
        ingress: Interface<'_>,
        egress: Interface<'_>,
    ) -> Result<CtState, NatError> {
        let tracked = self.table.track(self.now, datagram);
        let mark = tracked.mark();
        self.nat.translate(&mut self.table, self.now, Stage::Destination, mark, ingress, datagram)?;
        self.nat.translate(&mut self.table, self.now, Stage::Source, mark, egress, datagram)?;
        if let Some(conn) = mark.conn {
            self.table.confirm(conn.id);
        }
        assert_checksums(datagram);
        Ok(tracked.state)
    }

    fn outbound(&mut self, mut datagram: Vec<u8>) -> Vec<u8> {
        self.pass(&mut datagram, LAN_IF, WAN_IF).unwrap();
        datagram
    }

    fn inbound(&mut self, mut datagram: Vec<u8>) -> Vec<u8> {
        self.pass(&mut datagram, WAN_IF, LAN_IF).unwrap();
        datagram
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.table.handle_timeout(self.now);
        self.nat.handle_timeout(&self.table, self.now);
    }
}

#[test]
fn rfc4787_req1_mapping_is_endpoint_independent() {
    let mut rt1 = HomeRouter::new(NatConfig::default());
    let to_ns1 = rt1.outbound(udp(ep(CL1, 5353), ep(NS1, 53), b"q1"));
    let to_root = rt1.outbound(udp(ep(CL1, 5353), ep(ROOT, 53), b"q2"));
    assert_eq!(*src_of(&to_ns1).ip(), WAN);
    assert_eq!(src_of(&to_ns1), src_of(&to_root), "one external endpoint for every destination");
    let listed: Vec<_> = rt1.nat.mappings().collect();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].inside, listed[0].outside), (ep(CL1, 5353), src_of(&to_ns1)));
}

#[test]
fn ports_are_preserved_when_free_and_collisions_between_hosts_are_resolved() {
    let mut rt1 = HomeRouter::new(NatConfig::default());
    let first = rt1.outbound(udp(ep(CL1, 40000), ep(NS1, 53), b"a"));
    let second = rt1.outbound(udp(ep(CL2, 40000), ep(NS1, 53), b"b"));
    assert_eq!(src_of(&first), ep(WAN, 40000), "port preserved (RFC 4787 REQ-3)");
    assert_ne!(src_of(&second).port(), 40000, "cl2 cannot have cl1's port");
    assert!(NatConfig::default().port_range.contains(&src_of(&second).port()));
    // Each answer reaches its own host.
    let back_to_cl2 = rt1.inbound(udp(ep(NS1, 53), src_of(&second), b"B"));
    let back_to_cl1 = rt1.inbound(udp(ep(NS1, 53), ep(WAN, 40000), b"A"));
    assert_eq!(dst_of(&back_to_cl2), ep(CL2, 40000));
    assert_eq!(dst_of(&back_to_cl1), ep(CL1, 40000));
}

#[test]
fn a_port_outside_the_range_is_moved_into_it() {
    let mut rt1 = HomeRouter::new(NatConfig { port_range: 50000..=50009, ..NatConfig::default() });
    let out = rt1.outbound(udp(ep(CL1, 123), ep(NS1, 123), b"ntp"));
    assert!((50000..=50009).contains(&src_of(&out).port()));
}

#[test]
fn the_port_range_runs_out_and_says_so() {
    let mut rt1 = HomeRouter::new(NatConfig { port_range: 50000..=50001, ..NatConfig::default() });
    for port in [1, 2] {
        rt1.outbound(udp(ep(CL1, port), ep(NS1, 53), b"x"));
    }
    let mut third = udp(ep(CL1, 3), ep(NS1, 53), b"x");
    let result = rt1.pass(&mut third, LAN_IF, WAN_IF);
    assert_eq!(result, Err(NatError::NoFreePort { protocol: IpProtocol::UDP, external: WAN }));
    assert_eq!(rt1.nat.counters().refused, 1);
}

#[test]
fn rfc4787_req8_unsolicited_inbound_is_not_translated_unless_filtering_is_endpoint_independent() {
    for (filtering, delivered) in
        [(Filtering::AddressAndPortDependent, false), (Filtering::EndpointIndependent, true)]
    {
        let mut rt1 = HomeRouter::new(NatConfig { filtering, ..NatConfig::default() });
        let out = rt1.outbound(udp(ep(CL1, 40000), ep(NS1, 53), b"q"));
        // Another host sends to the mapped endpoint.
        let stranger = rt1.inbound(udp(ep(ROOT, 9999), src_of(&out), b"hello"));
        assert_eq!(dst_of(&stranger) == ep(CL1, 40000), delivered, "{filtering:?}");
    }
    // A SYN to the external address opens nothing without a mapping.
    let mut rt1 = HomeRouter::new(NatConfig::default());
    let syn = rt1.inbound(tcp(ep(RT2, 5555), ep(WAN, 22), TcpFlags::SYN, 1, 0, b""));
    assert_eq!(dst_of(&syn), ep(WAN, 22));
}

#[test]
fn tcp_flows_are_translated_both_ways_through_the_handshake() {
    let mut rt1 = HomeRouter::new(NatConfig::default());
    let server = ep(Ipv4Addr::new(10, 1, 3, 12), 443);
    let syn = rt1.outbound(tcp(ep(CL1, 51234), server, TcpFlags::SYN, 100, 0, b""));
    let public = src_of(&syn);
    assert_eq!(*public.ip(), WAN);
    let syn_ack = rt1.inbound(tcp(server, public, TcpFlags::SYN | TcpFlags::ACK, 900, 101, b""));
    assert_eq!(dst_of(&syn_ack), ep(CL1, 51234));
    let data = rt1.outbound(tcp(
        ep(CL1, 51234),
        server,
        TcpFlags::ACK | TcpFlags::PSH,
        101,
        901,
        b"GET / HTTP/1.1\r\n",
    ));
    assert_eq!(src_of(&data), public);
    let session: Vec<_> = rt1.nat.sessions(&rt1.table).collect();
    assert_eq!(session.len(), 1);
    assert_eq!(session[0].1.state_name(), "ESTABLISHED");
}

#[test]
fn rfc5382_and_rfc4787_timeouts_hold_at_least_their_minimums() {
    // UDP: at least 2 minutes (REQ-5); the default is 5.
    let mut rt1 = HomeRouter::new(NatConfig::default());
    let out = rt1.outbound(udp(ep(CL1, 40000), ep(NS1, 53), b"q"));
    rt1.advance(Duration::from_secs(299));
    assert_eq!(rt1.nat.mappings().count(), 1);
    assert_eq!(dst_of(&rt1.inbound(udp(ep(NS1, 53), src_of(&out), b"late"))), ep(CL1, 40000));
    rt1.advance(Duration::from_secs(301));
    assert_eq!(rt1.nat.mappings().count(), 0);
    assert!(rt1.table.is_empty());

    // ICMP query: at least 60 s (RFC 5508 REQ-1).
    let mut rt1 = HomeRouter::new(NatConfig::default());
    rt1.outbound(echo(CL1, NS1, 7, true));
    rt1.advance(Duration::from_secs(59));
    assert_eq!(rt1.table.len(), 1);
    rt1.advance(Duration::from_secs(2));
    assert_eq!(rt1.table.len(), 0);

    // TCP: established at least 2 h 4 min, transitory at least 4 min (REQ-5).
    let server = ep(Ipv4Addr::new(10, 1, 3, 12), 443);
    let mut rt1 = HomeRouter::new(NatConfig::default());
    let syn = rt1.outbound(tcp(ep(CL1, 51234), server, TcpFlags::SYN, 100, 0, b""));
    rt1.advance(Duration::from_secs(239));
    assert_eq!(rt1.table.len(), 1, "a half-open connection lasts 4 minutes");
    rt1.inbound(tcp(server, src_of(&syn), TcpFlags::SYN | TcpFlags::ACK, 900, 101, b""));
    rt1.outbound(tcp(ep(CL1, 51234), server, TcpFlags::ACK, 101, 901, b""));
    rt1.advance(Duration::from_secs(2 * 3600 + 4 * 60 - 1));
    assert_eq!(rt1.table.len(), 1, "an idle established connection lasts 2 h 4 min");
    assert_eq!(rt1.nat.mappings().count(), 1);
    rt1.advance(Duration::from_secs(2));
    assert_eq!(rt1.table.len(), 0);
}

#[test]
fn rfc4787_req9_hairpinning_uses_both_external_endpoints() {
    let mut rt1 = HomeRouter::new(NatConfig::default());
    // cl1 has a mapping: 192.168.1.1:40000 ↔ 10.1.1.245:40000.
    rt1.outbound(udp(ep(CL1, 40000), ep(NS1, 3478), b"stun"));
    // cl2 sends to that external endpoint: it arrives on the LAN and leaves on the LAN.
    let mut hairpin = udp(ep(CL2, 50000), ep(WAN, 40000), b"peer");
    rt1.pass(&mut hairpin, LAN_IF, LAN_IF).unwrap();
    assert_eq!(dst_of(&hairpin), ep(CL1, 40000));
    assert_eq!(*src_of(&hairpin).ip(), WAN, "the source is cl2's external endpoint, not its inside one");
    let cl2_public = src_of(&hairpin);
    assert_eq!(rt1.nat.counters().hairpinned, 1);
    // cl1's answer goes back the same way.
    let mut answer = udp(ep(CL1, 40000), cl2_public, b"hi");
    rt1.pass(&mut answer, LAN_IF, LAN_IF).unwrap();
    assert_eq!(dst_of(&answer), ep(CL2, 50000));
    assert_eq!(src_of(&answer), ep(WAN, 40000));
}

#[test]
fn rfc5508_icmp_identifiers_are_translated_and_collisions_resolved() {
    let mut rt1 = HomeRouter::new(NatConfig::default());
    let first = rt1.outbound(echo(CL1, NS1, 0x4242, true));
    let second = rt1.outbound(echo(CL2, NS1, 0x4242, true));
    assert_eq!(icmp_ident(&first), 0x4242);
    assert_ne!(icmp_ident(&second), 0x4242);
    let reply = rt1.inbound(echo(NS1, WAN, icmp_ident(&second), false));
    assert_eq!((*dst_of(&reply).ip(), icmp_ident(&reply)), (CL2, 0x4242));
    // A reply nobody asked for stays as it was.
    let mut stray = echo(NS1, WAN, 0x9999, false);
    assert_eq!(rt1.pass(&mut stray, WAN_IF, LAN_IF), Ok(CtState::Invalid));
    assert_eq!(*dst_of(&stray).ip(), WAN);
}

/// The quoted datagram inside an ICMP error, as bytes.
fn quote_of(error: &[u8]) -> Vec<u8> {
    let header_len = usize::from(error[0] & 0x0f) * 4;
    error[header_len + 8..].to_vec()
}

#[test]
fn rfc5508_icmp_errors_are_translated_with_their_quotes() {
    let mut rt1 = HomeRouter::new(NatConfig::default());
    let inside = udp(ep(CL2, 40000), ep(NS1, 53), b"query");
    // Take cl1's port first, so cl2's is changed and the quote has a port to translate.
    rt1.outbound(udp(ep(CL1, 40000), ep(NS1, 53), b"other"));
    let outside = rt1.outbound(inside.clone());
    assert_ne!(src_of(&outside).port(), 40000);
    // rt2 reports the datagram's TTL ran out, quoting the translated datagram whole.
    let time_exceeded = IcmpRepr::time_exceeded(&outside, QuoteLimit::Rfc1812).unwrap().to_bytes();
    let error =
        Ipv4Repr::new(RT2, WAN, IpProtocol::ICMP, time_exceeded.len()).to_bytes(&time_exceeded).unwrap();
    let mut error = error;
    let state = rt1.pass(&mut error, WAN_IF, LAN_IF).unwrap();
    assert_eq!(state, CtState::Related);
    let packet = Ipv4Packet::new_checked(&error[..]).unwrap();
    assert_eq!((packet.src_addr(), packet.dst_addr()), (RT2, CL2), "the router stays the source");
    // The quote is cl2's datagram as cl2 sent it (TTL aside), checksums included.
    let mut expected = inside.clone();
    expected[8] = outside[8];
    expected[10..12].copy_from_slice(&[0, 0]);
    let mut expected_packet = Ipv4Packet::new_checked(&mut expected[..]).unwrap();
    expected_packet.fill_checksum();
    assert_eq!(quote_of(&error), expected);
    assert_checksums(&error);
    assert_eq!(rt1.nat.counters().icmp_errors, 1);

    // The other way: cl1 refuses an answer with port unreachable, about the answer as it
    // reached cl1; outside, the quote must show the external endpoint.
    let answer = rt1.inbound(udp(ep(NS1, 53), ep(WAN, 40000), b"answer"));
    let unreachable = IcmpRepr::port_unreachable(&answer, QuoteLimit::Rfc792).unwrap().to_bytes();
    let mut error =
        Ipv4Repr::new(CL1, NS1, IpProtocol::ICMP, unreachable.len()).to_bytes(&unreachable).unwrap();
    rt1.pass(&mut error, LAN_IF, WAN_IF).unwrap();
    let packet = Ipv4Packet::new_checked(&error[..]).unwrap();
    assert_eq!(packet.src_addr(), WAN, "the endpoint's own error takes its external address");
    let quote = quote_of(&error);
    assert_eq!(&quote[16..20], &WAN.octets(), "quoted destination");
    assert_eq!(u16::from_be_bytes([quote[22], quote[23]]), 40000);
}

#[test]
fn errors_about_icmp_echo_translate_the_quoted_identifier() {
    let mut rt1 = HomeRouter::new(NatConfig::default());
    rt1.outbound(echo(CL1, NS1, 0x1111, true));
    let request = echo(CL2, NS1, 0x1111, true);
    let outside = rt1.outbound(request.clone());
    let time_exceeded = IcmpRepr::time_exceeded(&outside, QuoteLimit::Rfc1812).unwrap().to_bytes();
    let mut error =
        Ipv4Repr::new(RT2, WAN, IpProtocol::ICMP, time_exceeded.len()).to_bytes(&time_exceeded).unwrap();
    rt1.pass(&mut error, WAN_IF, LAN_IF).unwrap();
    let quote = quote_of(&error);
    assert_eq!(u16::from_be_bytes([quote[24], quote[25]]), 0x1111, "quoted identifier restored");
    // The quoted echo's own checksum is the one cl2 sent.
    assert_eq!(quote[22..24], request[22..24]);
    assert_checksums(&error);
}

#[test]
fn dnat_sends_a_public_address_to_the_inside_and_replies_come_back_from_it() {
    let public = Ipv4Addr::new(10, 1, 3, 12);
    let vip = Ipv4Addr::new(172, 16, 3, 12);
    let mut table = Conntrack::new(ConntrackConfig::default(), 1);
    let mut fw1 = Nat::new(NatConfig::default(), 2);
    fw1.add_rule(NatRule::Dnat {
        in_interface: Some("out".into()),
        dst: public,
        protocol: Some(IpProtocol::TCP),
        dst_port: Some(443),
        to: vip,
        to_port: None,
    });
    let out_if = Interface { name: Some("out"), address: Some(Ipv4Addr::new(10, 1, 3, 1)) };
    let in_if = Interface { name: Some("in"), address: Some(Ipv4Addr::new(172, 16, 3, 254)) };
    let client = ep(WAN, 40000);
    let mut syn = tcp(client, ep(public, 443), TcpFlags::SYN, 1, 0, b"");
    let mark = table.track(Duration::ZERO, &syn).mark();
    let rewrite = fw1
        .translate(&mut table, Duration::ZERO, Stage::Destination, mark, out_if, &mut syn)
        .unwrap()
        .unwrap();
    assert_eq!((rewrite.from, rewrite.to), (ep(public, 443), ep(vip, 443)));
    assert_eq!(fw1.translate(&mut table, Duration::ZERO, Stage::Source, mark, in_if, &mut syn), Ok(None));
    assert_checksums(&syn);
    let mut syn_ack = tcp(ep(vip, 443), client, TcpFlags::SYN | TcpFlags::ACK, 50, 2, b"");
    let mark = table.track(Duration::ZERO, &syn_ack).mark();
    fw1.translate(&mut table, Duration::ZERO, Stage::Destination, mark, in_if, &mut syn_ack).unwrap();
    fw1.translate(&mut table, Duration::ZERO, Stage::Source, mark, out_if, &mut syn_ack).unwrap();
    assert_eq!(src_of(&syn_ack), ep(public, 443));
    assert_checksums(&syn_ack);
    // Port 80 is not translated by this rule.
    let mut other = tcp(client, ep(public, 80), TcpFlags::SYN, 1, 0, b"");
    let mark = table.track(Duration::ZERO, &other).mark();
    assert_eq!(
        fw1.translate(&mut table, Duration::ZERO, Stage::Destination, mark, out_if, &mut other),
        Ok(None)
    );
}

#[test]
fn snat_to_a_fixed_address_as_a_load_balancer_does() {
    let mut table = Conntrack::new(ConntrackConfig::default(), 1);
    let mut lb = Nat::new(NatConfig::default(), 2);
    lb.add_rule(NatRule::Snat {
        out_interface: Some("srv".into()),
        src: None,
        to: Ipv4Addr::new(172, 16, 2, 254),
    });
    let srv = Interface { name: Some("srv"), address: Some(Ipv4Addr::new(172, 16, 2, 254)) };
    let mut request = tcp(
        ep(Ipv4Addr::new(10, 1, 1, 245), 40000),
        ep(Ipv4Addr::new(172, 16, 2, 1), 80),
        TcpFlags::SYN,
        1,
        0,
        b"",
    );
    let mark = table.track(Duration::ZERO, &request).mark();
    lb.translate(&mut table, Duration::ZERO, Stage::Source, mark, srv, &mut request).unwrap();
    assert_eq!(src_of(&request), ep(Ipv4Addr::new(172, 16, 2, 254), 40000));
    assert_checksums(&request);
}

#[test]
fn a_flood_of_new_flows_stops_at_the_bound_without_disturbing_established_ones() {
    let conntrack = ConntrackConfig { max_connections: 64, ..ConntrackConfig::default() };
    let mut rt1 = HomeRouter::with_tables(conntrack, NatConfig::default());
    let server = ep(Ipv4Addr::new(10, 1, 3, 12), 443);
    let syn = rt1.outbound(tcp(ep(CL1, 51234), server, TcpFlags::SYN, 100, 0, b""));
    rt1.inbound(tcp(server, src_of(&syn), TcpFlags::SYN | TcpFlags::ACK, 900, 101, b""));
    rt1.outbound(tcp(ep(CL1, 51234), server, TcpFlags::ACK, 101, 901, b""));
    // 10,000 SYNs from cl2, never answered.
    let mut refused = 0;
    for port in 0..10_000u16 {
        let mut flood = tcp(ep(CL2, 1024 + port), server, TcpFlags::SYN, 1, 0, b"");
        let tracked = rt1.table.track(rt1.now, &flood);
        if tracked.conn.is_none() {
            refused += 1;
            continue;
        }
        rt1.nat
            .translate(&mut rt1.table, rt1.now, Stage::Source, tracked.mark(), WAN_IF, &mut flood)
            .unwrap();
    }
    assert!(rt1.table.len() <= 64);
    assert!(rt1.table.counters().evicted > 9000, "unanswered SYNs make room for each other");
    assert_eq!(refused, 0);
    // The established flow is still there and still translated.
    let data = rt1.outbound(tcp(ep(CL1, 51234), server, TcpFlags::ACK, 101, 901, b"more"));
    assert_eq!(src_of(&data), src_of(&syn));
    let reply = rt1.inbound(tcp(server, src_of(&syn), TcpFlags::ACK, 901, 105, b"ok"));
    assert_eq!(dst_of(&reply), ep(CL1, 51234));

    // A table full of established connections refuses new flows.
    let conntrack = ConntrackConfig { max_connections: 4, ..ConntrackConfig::default() };
    let mut rt1 = HomeRouter::with_tables(conntrack, NatConfig::default());
    for port in 0..4u16 {
        let out = rt1.outbound(udp(ep(CL1, 2000 + port), ep(NS1, 53), b"q"));
        rt1.inbound(udp(ep(NS1, 53), src_of(&out), b"a"));
    }
    let mut extra = udp(ep(CL1, 3000), ep(NS1, 53), b"q");
    assert_eq!(rt1.pass(&mut extra, LAN_IF, WAN_IF), Ok(CtState::Invalid));
    assert_eq!(rt1.table.counters().refused, 1);
    assert_eq!(rt1.table.len(), 4);
}

#[test]
fn the_mapping_table_is_bounded() {
    let mut rt1 = HomeRouter::new(NatConfig { max_mappings: 3, ..NatConfig::default() });
    for port in 0..3u16 {
        rt1.outbound(udp(ep(CL1, 2000 + port), ep(NS1, 53), b"q"));
    }
    let mut fourth = udp(ep(CL1, 2003), ep(NS1, 53), b"q");
    assert_eq!(rt1.pass(&mut fourth, LAN_IF, WAN_IF), Err(NatError::MappingTableFull));
    // Once the first mappings lapse, there is room again.
    rt1.advance(Duration::from_secs(301));
    rt1.outbound(udp(ep(CL1, 2003), ep(NS1, 53), b"q"));
    assert_eq!(rt1.nat.mapping_count(), 1);
}

#[test]
fn a_later_fragment_is_refused_rather_than_leak_the_inside_address() {
    let mut rt1 = HomeRouter::new(NatConfig::default());
    let mut fragment = udp(ep(CL1, 2000), ep(NS1, 53), &[0; 64]);
    fragment[6..8].copy_from_slice(&0x0010u16.to_be_bytes()); // offset 128 bytes
    let mut packet = Ipv4Packet::new_checked(&mut fragment[..]).unwrap();
    packet.fill_checksum();
    assert_eq!(rt1.pass(&mut fragment, LAN_IF, WAN_IF), Err(NatError::LaterFragment));
}

#[test]
fn rules_print_as_iptables_would() {
    let rule = NatRule::Dnat {
        in_interface: Some("out".into()),
        dst: Ipv4Addr::new(10, 1, 3, 12),
        protocol: Some(IpProtocol::TCP),
        dst_port: Some(443),
        to: Ipv4Addr::new(172, 16, 3, 12),
        to_port: None,
    };
    assert_eq!(
        rule.to_string(),
        "-A PREROUTING -i out -d 10.1.3.12/32 -p tcp --dport 443 -j DNAT --to-destination 172.16.3.12"
    );
    assert_eq!(NatRule::masquerade("wan").to_string(), "-A POSTROUTING -o wan -j MASQUERADE");
}
