//! Whole-packet parsing, Ethernet + IPv4 + UDP or ICMP, on real frames from Linux
//! captures: packetflow against etherparse and smoltcp in the same run.
//!
//! packetflow and smoltcp verify the IPv4 header checksum and the UDP / ICMP checksum;
//! etherparse's slicing does not verify checksums, so it does less work per packet. The
//! `packetflow-no-l4-checksum` variant skips our UDP checksum to show that cost.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ethernet::{EtherType, EthernetFrame, EthernetRepr};
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
    match ip.next_header {
        sw::IpProtocol::Udp => {
            let datagram = sw::UdpPacket::new_checked(packet.payload()).ok()?;
            let (src, dst) = (ip.src_addr.into(), ip.dst_addr.into());
            let repr = sw::UdpRepr::parse(&datagram, &src, &dst, &caps).ok()?;
            Some(usize::from(repr.dst_port) + datagram.payload().len())
        }
        sw::IpProtocol::Icmp => {
            let message = sw::Icmpv4Packet::new_checked(packet.payload()).ok()?;
            let repr = sw::Icmpv4Repr::parse(&message, &caps).ok()?;
            Some(repr.buffer_len())
        }
        _ => None,
    }
}

fn parse_packets(c: &mut Criterion) {
    let dns = testdata::frames("dns_iterative.pcap").swap_remove(2).data;
    let echo = testdata::frames("arp_ping.pcap").swap_remove(2).data;
    // Every parser must accept both inputs, or the comparison would be meaningless.
    for bytes in [&dns, &echo] {
        let results = [packetflow(bytes, true), etherparse(bytes), smoltcp(bytes)];
        assert!(results.iter().all(Option::is_some), "a parser refused a real frame: {results:?}");
    }
    let mut group = c.benchmark_group("eth_ipv4_l4_parse");
    group.throughput(Throughput::Elements(1));
    for (name, bytes) in [("udp-dns", &dns), ("icmp-echo-98B", &echo)] {
        group.bench_function(format!("packetflow/{name}"), |b| b.iter(|| packetflow(black_box(bytes), true)));
        if name.starts_with("udp") {
            group.bench_function(format!("packetflow-no-l4-checksum/{name}"), |b| {
                b.iter(|| packetflow(black_box(bytes), false))
            });
        }
        group.bench_function(format!("etherparse/{name}"), |b| b.iter(|| etherparse(black_box(bytes))));
        group.bench_function(format!("smoltcp/{name}"), |b| b.iter(|| smoltcp(black_box(bytes))));
    }
    group.finish();
}

criterion_group!(benches, parse_packets);
criterion_main!(benches);
