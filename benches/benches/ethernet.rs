//! Ethernet header parsing: packetflow's view + repr against etherparse and smoltcp, in the
//! same run, on a real ARP request and a 98-byte ICMP echo taken from a Linux capture.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ethernet::{EthernetFrame, EthernetRepr};

fn parse_header(c: &mut Criterion) {
    let frames = testdata::frames("arp_ping.pcap");
    let inputs = [("arp-42B", frames[0].data.clone()), ("icmp-98B", frames[2].data.clone())];
    let mut group = c.benchmark_group("ethernet_header_parse");
    group.throughput(Throughput::Elements(1));
    for (name, bytes) in &inputs {
        group.bench_function(format!("packetflow/{name}"), |b| {
            b.iter(|| {
                let frame = EthernetFrame::new_checked(black_box(&bytes[..])).ok()?;
                let repr = EthernetRepr::parse(&frame).ok()?;
                Some((repr.src_addr, repr.dst_addr, repr.ethertype, frame.payload().len()))
            })
        });
        group.bench_function(format!("etherparse/{name}"), |b| {
            b.iter(|| {
                let (header, rest) = etherparse::Ethernet2Header::from_slice(black_box(&bytes[..])).ok()?;
                Some((header.source, header.destination, header.ether_type, rest.len()))
            })
        });
        group.bench_function(format!("smoltcp/{name}"), |b| {
            b.iter(|| {
                let frame = smoltcp::wire::EthernetFrame::new_checked(black_box(&bytes[..])).ok()?;
                let repr = smoltcp::wire::EthernetRepr::parse(&frame).ok()?;
                Some((repr.src_addr, repr.dst_addr, repr.ethertype, frame.payload().len()))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse_header);
criterion_main!(benches);
