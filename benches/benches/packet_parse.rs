//! Whole-packet parsing, Ethernet + IPv4 + UDP, ICMP or TCP, on real frames from Linux
//! captures: packetflow against etherparse and smoltcp in the same run.
//!
//! What each peer verifies:
//!
//! - `packetflow`: Ethernet header, IPv4 header (version, IHL, total length) **and its
//!   checksum**, then the UDP / ICMP / TCP header **and its checksum** (over the
//!   pseudo-header for UDP and TCP); TCP options are parsed.
//! - `smoltcp`: the same checks with its default `ChecksumCapabilities` (every checksum
//!   verified); TCP options are parsed.
//! - `etherparse`: `SlicedPacket::from_ethernet` checks lengths only and **verifies no
//!   checksum**: less work than the others.
//! - `etherparse+checksums`: the same slicing, then the IPv4 header and L4 checksums
//!   verified with etherparse's own `Sum16BitWords`: the same work as the others.
//! - `packetflow-no-l4-checksum` (UDP only) skips our UDP checksum to show its cost.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ethernet::{EtherType, EthernetFrame, EthernetRepr};
use etherparse::checksum::Sum16BitWords;
use ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr};
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire as sw;

/// Parses every layer and returns a value that depends on all of them.
fn packetflow(bytes: &[u8], check_l4: bool) -> Option<usize> {
    let frame = EthernetFrame::new_checked(bytes).ok()?;
    let eth = EthernetRepr::parse(&frame).ok()?;
    if eth.ethertype != EtherType::IPV4 {
        return None;
    }
    let packet = Ipv4Packet::new_checked(frame.payload()).ok()?;
    let ip = Ipv4Repr::parse(&packet).ok()?;
    match ip.protocol {
        IpProtocol::UDP => {
            let datagram = udp::UdpPacket::new_checked(packet.payload()).ok()?;
            let check = if check_l4 { udp::ChecksumCheck::Verify } else { udp::ChecksumCheck::Ignore };
            let repr = udp::UdpRepr::parse_with(&datagram, ip.src_addr, ip.dst_addr, check).ok()?;
            Some(usize::from(repr.dst_port) + repr.payload_len)
        }
        IpProtocol::ICMP => {
            let message = icmp::IcmpPacket::new_checked(packet.payload()).ok()?;
            let repr = icmp::IcmpRepr::parse(&message).ok()?;
            Some(repr.buffer_len())
        }
        IpProtocol::TCP => {
            let segment = tcp::TcpPacket::new_checked(packet.payload()).ok()?;
            let repr =
                tcp::TcpRepr::parse(&segment, ip.src_addr, ip.dst_addr, tcp::ChecksumCheck::Verify).ok()?;
            Some(usize::from(repr.dst_port) + repr.payload_len)
        }
        _ => None,
    }
}

fn etherparse(bytes: &[u8]) -> Option<usize> {
    let sliced = etherparse::SlicedPacket::from_ethernet(bytes).ok()?;
    match sliced.transport? {
        etherparse::TransportSlice::Udp(udp) => {
            Some(usize::from(udp.destination_port()) + udp.payload().len())
        }
        etherparse::TransportSlice::Icmpv4(icmp) => Some(icmp.slice().len()),
        etherparse::TransportSlice::Tcp(tcp) => {
            Some(usize::from(tcp.destination_port()) + tcp.payload().len())
        }
        _ => None,
    }
}

/// etherparse's slicing plus the checksum checks the other two peers make, computed
/// with etherparse's own one's-complement summing.
fn etherparse_checksums(bytes: &[u8]) -> Option<usize> {
    let sliced = etherparse::SlicedPacket::from_ethernet(bytes).ok()?;
    let Some(etherparse::NetSlice::Ipv4(ipv4)) = &sliced.net else {
        return None;
    };
    let header = ipv4.header();
    if Sum16BitWords::new().add_slice(header.slice()).ones_complement() != 0 {
        return None;
    }
    let pseudo = |protocol: u8, segment: &[u8]| {
        let len = u16::try_from(segment.len()).unwrap_or(u16::MAX);
        Sum16BitWords::new()
            .add_4bytes(header.source())
            .add_4bytes(header.destination())
            .add_2bytes([0, protocol])
            .add_2bytes(len.to_be_bytes())
            .add_slice(segment)
            .ones_complement()
    };
    match sliced.transport? {
        etherparse::TransportSlice::Udp(udp) => {
            if udp.checksum() != 0 && pseudo(17, udp.slice()) != 0 {
                return None;
            }
            Some(usize::from(udp.destination_port()) + udp.payload().len())
        }
        etherparse::TransportSlice::Icmpv4(icmp) => {
            if Sum16BitWords::new().add_slice(icmp.slice()).ones_complement() != 0 {
                return None;
            }
            Some(icmp.slice().len())
        }
        etherparse::TransportSlice::Tcp(tcp) => {
            if pseudo(6, tcp.slice()) != 0 {
                return None;
            }
            Some(usize::from(tcp.destination_port()) + tcp.payload().len())
        }
        _ => None,
    }
}

fn smoltcp(bytes: &[u8]) -> Option<usize> {
    let caps = ChecksumCapabilities::default();
    let frame = sw::EthernetFrame::new_checked(bytes).ok()?;
    let eth = sw::EthernetRepr::parse(&frame).ok()?;
    if eth.ethertype != sw::EthernetProtocol::Ipv4 {
        return None;
    }
    let packet = sw::Ipv4Packet::new_checked(frame.payload()).ok()?;
    let ip = sw::Ipv4Repr::parse(&packet, &caps).ok()?;
    let (src, dst) = (ip.src_addr.into(), ip.dst_addr.into());
    match ip.next_header {
        sw::IpProtocol::Udp => {
            let datagram = sw::UdpPacket::new_checked(packet.payload()).ok()?;
            let repr = sw::UdpRepr::parse(&datagram, &src, &dst, &caps).ok()?;
            Some(usize::from(repr.dst_port) + datagram.payload().len())
        }
        sw::IpProtocol::Icmp => {
            let message = sw::Icmpv4Packet::new_checked(packet.payload()).ok()?;
            let repr = sw::Icmpv4Repr::parse(&message, &caps).ok()?;
            Some(repr.buffer_len())
        }
        sw::IpProtocol::Tcp => {
            let segment = sw::TcpPacket::new_checked(packet.payload()).ok()?;
            let repr = sw::TcpRepr::parse(&segment, &src, &dst, &caps).ok()?;
            Some(usize::from(repr.dst_port) + repr.payload.len())
        }
        _ => None,
    }
}

fn parse_packets(c: &mut Criterion) {
    let dns = testdata::frames("dns_iterative.pcap").swap_remove(2).data;
    let echo = testdata::frames("arp_ping.pcap").swap_remove(2).data;
    let http = testdata::frames("tcp_http.pcap");
    let (get, full) = (http[5].data.clone(), http[22].data.clone());
    let inputs =
        [("udp-dns-98B", &dns), ("icmp-echo-98B", &echo), ("tcp-get-149B", &get), ("tcp-1514B", &full)];
    // Every parser must accept every input, or the comparison would be meaningless.
    for (name, bytes) in inputs {
        let results =
            [packetflow(bytes, true), etherparse(bytes), etherparse_checksums(bytes), smoltcp(bytes)];
        assert!(results.iter().all(Option::is_some), "a parser refused {name}: {results:?}");
    }
    let mut group = c.benchmark_group("eth_ipv4_l4_parse");
    group.throughput(Throughput::Elements(1));
    for (name, bytes) in inputs {
        group.bench_function(format!("packetflow/{name}"), |b| b.iter(|| packetflow(black_box(bytes), true)));
        if name.starts_with("udp") {
            group.bench_function(format!("packetflow-no-l4-checksum/{name}"), |b| {
                b.iter(|| packetflow(black_box(bytes), false))
            });
        }
        group.bench_function(format!("smoltcp/{name}"), |b| b.iter(|| smoltcp(black_box(bytes))));
        group.bench_function(format!("etherparse/{name}"), |b| b.iter(|| etherparse(black_box(bytes))));
        group.bench_function(format!("etherparse+checksums/{name}"), |b| {
            b.iter(|| etherparse_checksums(black_box(bytes)))
        });
    }
    group.finish();
}

criterion_group!(benches, parse_packets);
criterion_main!(benches);
