//! DHCP: parse and emit of the four DORA messages of a real capture, packetflow's `dhcp`
//! against `dhcproto` in the same run; and the server answering a DISCOVER while it
//! holds 10 000 active leases.

use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dhcp::server::{PoolConfig, Server, ServerConfig};
use dhcp::{DhcpOption, DhcpRepr, MessageType, OpCode};
use dhcproto::{Decodable, Encodable, v4};
use ethernet::MacAddress;

/// The UDP payloads of frames 1–4 (Discover, Offer, Request, ACK).
fn dora() -> Vec<Vec<u8>> {
    testdata::frames("dhcp_dora.pcap").into_iter().take(4).map(|f| f.data[42..].to_vec()).collect()
}

fn parse_and_emit(c: &mut Criterion) {
    let messages = dora();
    let ours: Vec<DhcpRepr> = messages.iter().map(|m| DhcpRepr::parse_bytes(m).unwrap()).collect();
    let theirs: Vec<v4::Message> = messages.iter().map(|m| v4::Message::from_bytes(m).unwrap()).collect();

    let mut group = c.benchmark_group("dhcp/parse_dora");
    group.bench_function("packetflow", |b| {
        b.iter(|| {
            for m in &messages {
                black_box(DhcpRepr::parse_bytes(black_box(m)).unwrap());
            }
        });
    });
    group.bench_function("dhcproto", |b| {
        b.iter(|| {
            for m in &messages {
                black_box(v4::Message::from_bytes(black_box(m)).unwrap());
            }
        });
    });
    group.finish();

    let mut group = c.benchmark_group("dhcp/emit_dora");
    group.bench_function("packetflow", |b| {
        b.iter(|| {
            for m in &ours {
                black_box(black_box(m).to_bytes().unwrap());
            }
        });
    });
    group.bench_function("dhcproto", |b| {
        b.iter(|| {
            for m in &theirs {
                black_box(black_box(m).to_vec().unwrap());
            }
        });
    });
    group.finish();
}

fn discover(mac: MacAddress, xid: u32) -> Vec<u8> {
    let mut repr = DhcpRepr::new(OpCode::BOOTREQUEST, xid, mac);
    repr.options.push(DhcpOption::MessageType(MessageType::DISCOVER));
    repr.options.push(DhcpOption::ClientIdentifier([&[1u8][..], &mac.octets()].concat()));
    repr.to_bytes().unwrap()
}

fn mac(i: u32) -> MacAddress {
    let [a, b, c, d] = i.to_be_bytes();
    MacAddress([2, 0, a, b, c, d])
}

fn server_discover(c: &mut Criterion) {
    let local = Ipv4Addr::new(10, 0, 0, 1);
    // A /8 pool and a table big enough that the new-client bench below, which adds one
    // (offered, later displaced) entry per iteration, stays on the never-used-address path.
    let mut config = ServerConfig::new(vec![PoolConfig::new("10.0.0.0/8".parse().unwrap(), local)]);
    config.max_leases = 8_000_000;
    let mut server = Server::new(config);
    let from = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 68);
    let now = Duration::from_secs(1);
    for i in 0..10_000 {
        server.handle_datagram(now, local, from, &discover(mac(i), i));
        let offer = DhcpRepr::parse_bytes(&server.poll_transmit().unwrap().payload).unwrap();
        let mut request = DhcpRepr::parse_bytes(&discover(mac(i), i)).unwrap();
        request.options[0] = DhcpOption::MessageType(MessageType::REQUEST);
        request.options.push(DhcpOption::RequestedIpAddress(offer.yiaddr));
        request.options.push(DhcpOption::ServerIdentifier(local));
        server.handle_datagram(now, local, from, &request.to_bytes().unwrap());
        while server.poll_transmit().is_some() {}
        while server.poll_event().is_some() {}
    }
    assert_eq!(server.lease_count(), 10_000);
    let known_client = discover(mac(4_321), 1);
    let mut group = c.benchmark_group("dhcp/server_discover_10k_leases");
    group.bench_function("known_client", |b| {
        b.iter(|| {
            server.handle_datagram(now, local, from, black_box(&known_client));
            black_box(server.poll_transmit());
            while server.poll_event().is_some() {}
        });
    });
    // A client the server has never seen: a fresh address, an offer entry, and (past
    // `max_offers`) the oldest outstanding offer displaced. Building the message is
    // part of the measured time (about a tenth of it).
    let mut next = 1_000_000;
    group.bench_function("new_client", |b| {
        b.iter(|| {
            next += 1;
            server.handle_datagram(now, local, from, black_box(&discover(mac(next), next)));
            black_box(server.poll_transmit());
            while server.poll_event().is_some() {}
        });
    });
    group.finish();
}

criterion_group!(benches, parse_and_emit, server_discover);
criterion_main!(benches);
