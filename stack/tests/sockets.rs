//! Sockets: a DHCP-style exchange from 0.0.0.0, two UDP sockets on one node, ICMP errors
//! reaching the socket that caused them, echo sockets.

mod common;

use core::time::Duration;
use std::net::{Ipv4Addr, SocketAddrV4};

use common::Wire;
use icmp::UnreachableCode;
use ipnet::Ipv4Net;
use ipv4::{Ipv4Packet, Ipv4Repr};
use stack::{BindError, EchoMessage, IcmpErrorKind, IfaceId, RouteConfigError, StackEvent, UdpMessage};

const T0: Duration = Duration::ZERO;

fn any(port: u16) -> SocketAddrV4 {
    SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port)
}

fn mac(n: u8) -> ethernet::MacAddress {
    ethernet::MacAddress::new([0x02, 0, 0, 0, n, 0])
}

/// Two hosts on one wire: node 0 without an address, node 1 at 192.168.1.254/24.
fn client_and_server() -> (Wire, IfaceId, IfaceId) {
    let mut wire = Wire::default();
    let (client, server) = (wire.add(false), wire.add(false));
    let client_eth = wire.nodes[client].add_interface("eth0", mac(1));
    let server_eth = wire.nodes[server].add_interface("eth0", mac(2));
    wire.nodes[server].set_address(server_eth, "192.168.1.254/24".parse().unwrap()).unwrap();
    wire.link((client, client_eth), (server, server_eth));
    (wire, client_eth, server_eth)
}

#[test]
fn a_dhcp_style_exchange_from_0_0_0_0_then_the_address_is_set() {
    let (mut wire, client_eth, _) = client_and_server();
    let client = wire.nodes[0].udp_bind(any(68)).unwrap();
    wire.nodes[0].udp_bind_device(client, client_eth).unwrap();
    let server = wire.nodes[1].udp_bind(any(67)).unwrap();

    // DISCOVER: from 0.0.0.0:68 to 255.255.255.255:67, to the broadcast MAC.
    wire.nodes[0].udp_send(T0, client, SocketAddrV4::new(Ipv4Addr::BROADCAST, 67), b"discover").unwrap();
    wire.settle(T0);
    let discover = &wire.crossed[0].2;
    assert_eq!(discover[..6], [0xff; 6], "link-layer broadcast");
    let header = Ipv4Repr::parse(&Ipv4Packet::new_checked(&discover[14..]).unwrap()).unwrap();
    assert_eq!((header.src_addr, header.dst_addr), (Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST));
    let Some(UdpMessage::Datagram(got)) = wire.nodes[1].udp_recv(server) else {
        panic!("server got nothing")
    };
    assert_eq!((got.src, got.payload.as_slice()), (any(68), &b"discover"[..]));

    // OFFER, broadcast back (the client has no address to unicast to).
    wire.nodes[1].udp_send(T0, server, SocketAddrV4::new(Ipv4Addr::BROADCAST, 68), b"offer").unwrap();
    wire.settle(T0);
    let Some(UdpMessage::Datagram(offer)) = wire.nodes[0].udp_recv(client) else {
        panic!("client got nothing")
    };
    assert_eq!(offer.payload, b"offer");
    assert_eq!(*offer.src.ip(), Ipv4Addr::new(192, 168, 1, 254));

    // The client configures its address: a connected route follows, and unicast works.
    let net: Ipv4Net = "192.168.1.1/24".parse().unwrap();
    wire.nodes[0].set_address(client_eth, net).unwrap();
    assert!(
        std::iter::from_fn(|| wire.nodes[0].poll_event())
            .any(|e| e == StackEvent::AddressAdded { iface: client_eth, net })
    );
    assert_eq!(wire.nodes[0].route_lines(), ["192.168.1.0/24 dev eth0 (connected)"]);
    wire.nodes[0]
        .udp_send(T0, client, SocketAddrV4::new(Ipv4Addr::new(192, 168, 1, 254), 67), b"request")
        .unwrap();
    wire.settle(T0);
    let Some(UdpMessage::Datagram(request)) = wire.nodes[1].udp_recv(server) else { panic!("no request") };
    assert_eq!(*request.src.ip(), Ipv4Addr::new(192, 168, 1, 1));

    // Removing the address removes its route: nothing can be sent off-device any more.
    wire.nodes[0].remove_address(client_eth).unwrap();
    assert!(wire.nodes[0].routes().is_empty());
}

#[test]
fn a_unicast_to_an_unaddressed_interface_reaches_only_a_device_bound_socket() {
    // RFC 2131 §4.1: a server may unicast the OFFER to the offered address and the
    // client's MAC before the client has configured the address.
    let (mut wire, client_eth, _) = client_and_server();
    let bound = wire.nodes[0].udp_bind(any(68)).unwrap();
    wire.nodes[0].udp_bind_device(bound, client_eth).unwrap();
    let server = wire.nodes[1].udp_bind(any(67)).unwrap();
    // Teach the server the client's MAC for 192.168.1.1 (as a DHCP server knows it from
    // chaddr): the client's ARP request for the server does that (RFC 826 merge).
    wire.nodes[0].set_address(client_eth, "192.168.1.1/24".parse().unwrap()).unwrap();
    wire.nodes[0].resolve(T0, Ipv4Addr::new(192, 168, 1, 254));
    wire.settle(T0);
    wire.nodes[0].remove_address(client_eth).unwrap();
    wire.nodes[1].udp_send(T0, server, "192.168.1.1:68".parse().unwrap(), b"offer").unwrap();
    wire.settle(T0);
    assert!(matches!(wire.nodes[0].udp_recv(bound), Some(UdpMessage::Datagram(d)) if d.payload == b"offer"));
    // A datagram to a port no device-bound socket holds is not for this host.
    wire.nodes[1].udp_send(T0, server, "192.168.1.1:9".parse().unwrap(), b"other").unwrap();
    wire.settle(T0);
    assert!(std::iter::from_fn(|| wire.nodes[0].poll_event()).any(|e| matches!(
        e,
        StackEvent::Dropped(stack::DropReason::NotForThisHost { dst }) if dst == Ipv4Addr::new(192, 168, 1, 1)
    )));
}

#[test]
fn two_udp_sockets_on_one_node_each_get_their_own_datagrams() {
    let (mut wire, client_eth, _) = client_and_server();
    wire.nodes[0].set_address(client_eth, "192.168.1.1/24".parse().unwrap()).unwrap();
    let dns = wire.nodes[1].udp_bind(any(53)).unwrap();
    let ntp = wire.nodes[1].udp_bind(SocketAddrV4::new(Ipv4Addr::new(192, 168, 1, 254), 123)).unwrap();
    assert_eq!(wire.nodes[1].udp_bind(any(53)), Err(BindError::AddrInUse(any(53))), "one socket per port");
    let sender = wire.nodes[0].udp_bind(any(0)).unwrap();
    let port = wire.nodes[0].udp_local_addr(sender).unwrap().port();
    assert!((32768..=60999).contains(&port), "ephemeral port {port} from the RFC 6056 range");
    for (dst_port, payload) in [(53, &b"a"[..]), (123, b"b"), (53, b"c")] {
        let dst = SocketAddrV4::new(Ipv4Addr::new(192, 168, 1, 254), dst_port);
        wire.nodes[0].udp_send(T0, sender, dst, payload).unwrap();
    }
    wire.settle(T0);
    let drain = |wire: &mut Wire, handle| {
        std::iter::from_fn(|| wire.nodes[1].udp_recv(handle))
            .map(|m| match m {
                UdpMessage::Datagram(d) => d.payload,
                UdpMessage::Error(e) => panic!("unexpected {e:?}"),
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(drain(&mut wire, dns), [b"a".to_vec(), b"c".to_vec()]);
    assert_eq!(drain(&mut wire, ntp), [b"b".to_vec()]);
}

#[test]
fn ephemeral_ports_differ_with_the_seed_and_repeat_with_it() {
    let ports = |seed: usize| {
        let mut wire = Wire::default();
        for _ in 0..=seed {
            wire.add(false);
        }
        let socket = wire.nodes[seed].udp_bind(any(0)).unwrap();
        wire.nodes[seed].udp_local_addr(socket).unwrap().port()
    };
    assert_eq!(ports(0), ports(0));
    assert_ne!(ports(0), ports(1));
}

#[test]
fn port_unreachable_reaches_the_sending_socket() {
    let (mut wire, client_eth, _) = client_and_server();
    wire.nodes[0].set_address(client_eth, "192.168.1.1/24".parse().unwrap()).unwrap();
    let sender = wire.nodes[0].udp_bind(any(40000)).unwrap();
    let bystander = wire.nodes[0].udp_bind(any(40001)).unwrap();
    wire.nodes[0].udp_send(T0, sender, "192.168.1.254:9".parse().unwrap(), b"anyone?").unwrap();
    wire.settle(T0);
    let Some(UdpMessage::Error(error)) = wire.nodes[0].udp_recv(sender) else { panic!("no error") };
    assert_eq!(error.kind, IcmpErrorKind::Unreachable(UnreachableCode::PORT));
    assert_eq!(
        (error.from, error.original_dst),
        (Ipv4Addr::new(192, 168, 1, 254), Ipv4Addr::new(192, 168, 1, 254))
    );
    assert_eq!(wire.nodes[0].udp_recv(bystander), None, "only the socket that sent it hears");
    // The ICMP error crossed the wire, from the server.
    let from_server = wire.datagrams_from(1);
    assert_eq!(from_server.len(), 1);
    assert_eq!(from_server[0][9], 1, "an ICMP datagram");
}

#[test]
fn an_echo_socket_gets_its_replies_and_ignores_others() {
    let (mut wire, client_eth, _) = client_and_server();
    wire.nodes[0].set_address(client_eth, "192.168.1.1/24".parse().unwrap()).unwrap();
    let ping = wire.nodes[0].echo_open().unwrap();
    let other = wire.nodes[0].echo_open().unwrap();
    assert_ne!(wire.nodes[0].echo_ident(ping), wire.nodes[0].echo_ident(other));
    wire.nodes[0].echo_send(T0, ping, Ipv4Addr::new(192, 168, 1, 254), 7, b"data", None).unwrap();
    wire.settle(Duration::from_millis(1));
    let Some(EchoMessage::Reply { from, seq_no, data, ttl, .. }) = wire.nodes[0].echo_recv(ping) else {
        panic!("no reply")
    };
    assert_eq!((from, seq_no, data.as_slice(), ttl), (Ipv4Addr::new(192, 168, 1, 254), 7, &b"data"[..], 64));
    assert_eq!(wire.nodes[0].echo_recv(other), None);
}

#[test]
fn a_route_through_a_missing_interface_is_refused() {
    let mut wire = Wire::default();
    let node = wire.add(false);
    let eth = wire.nodes[node].add_interface("eth0", mac(1));
    wire.nodes[node].set_address(eth, "10.0.0.1/24".parse().unwrap()).unwrap();
    let gateway = Ipv4Addr::new(10, 0, 0, 254);
    assert_eq!(
        wire.nodes[node].add_gateway_route(Ipv4Net::default(), gateway, IfaceId(1)),
        Err(RouteConfigError::NoSuchInterface)
    );
    assert_eq!(wire.nodes[node].add_gateway_route(Ipv4Net::default(), gateway, eth), Ok(()));
    assert_eq!(wire.nodes[node].routes().len(), 2);
}
