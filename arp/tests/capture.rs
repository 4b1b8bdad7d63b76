//! Byte-exact vectors from `testdata/arp_ping.pcap` (see `arp_ping.txt` / `.json`).

use core::net::Ipv4Addr;

use arp::{ArpPacket, ArpRepr, Operation};
use ethernet::{EtherType, EthernetFrame, EthernetRepr, MacAddress, Padding};

const MAC_10: MacAddress = MacAddress([2, 0, 0, 0, 0, 0x0a]);
const MAC_20: MacAddress = MacAddress([2, 0, 0, 0, 0, 0x14]);
const MAC_1: MacAddress = MacAddress([2, 0, 0, 0, 0, 0x01]);
const IP_10: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const IP_20: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 20);
const IP_1: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const IP_99: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 99);

fn frame(number: usize) -> Vec<u8> {
    testdata::frames("arp_ping.pcap")
        .into_iter()
        .find(|f| f.number == number)
        .map(|f| f.data)
        .unwrap_or_else(|| panic!("arp_ping.pcap has no frame {number}"))
}

fn parse(bytes: &[u8]) -> (EthernetRepr, ArpRepr) {
    let frame = EthernetFrame::new_checked(bytes).unwrap();
    let ethernet = EthernetRepr::parse(&frame).unwrap();
    assert_eq!(ethernet.ethertype, EtherType::ARP);
    let packet = ArpPacket::new_checked(frame.payload()).unwrap();
    (ethernet, ArpRepr::parse(&packet).unwrap())
}

fn emit(ethernet: &EthernetRepr, arp: &ArpRepr, padding: Padding) -> Vec<u8> {
    ethernet.to_bytes(&arp.to_bytes(), padding)
}

#[test]
fn frame_1_is_a_broadcast_request() {
    let bytes = frame(1);
    assert_eq!(bytes.len(), 42);
    let (ethernet, arp) = parse(&bytes);
    assert_eq!((ethernet.src_addr, ethernet.dst_addr), (MAC_10, MacAddress::BROADCAST));
    assert_eq!(arp, ArpRepr::request(MAC_10, IP_10, IP_20));
    assert_eq!(emit(&ethernet, &arp, Padding::None), bytes);
}

#[test]
fn frame_2_is_the_unicast_reply() {
    let bytes = frame(2);
    assert_eq!(bytes.len(), 42);
    let (ethernet, arp) = parse(&bytes);
    assert_eq!((ethernet.src_addr, ethernet.dst_addr), (MAC_20, MAC_10));
    assert_eq!(
        arp,
        ArpRepr {
            operation: Operation::REPLY,
            sender_mac: MAC_20,
            sender_ip: IP_20,
            target_mac: MAC_10,
            target_ip: IP_10,
        }
    );
    let (_, request) = parse(&frame(1));
    assert_eq!(ArpRepr::reply_to(&request, MAC_20), arp);
    assert_eq!(emit(&ethernet, &arp, Padding::None), bytes);
}

#[test]
fn view_reads_the_raw_fields_of_frame_1() {
    let bytes = frame(1);
    let packet = ArpPacket::new_checked(&bytes[14..]).unwrap();
    assert_eq!(packet.hardware_type(), arp::HardwareType::ETHERNET);
    assert_eq!(packet.protocol_type(), EtherType::IPV4);
    assert_eq!(packet.operation(), Operation::REQUEST);
    assert_eq!(packet.source_hardware_addr(), &MAC_10.0);
    assert_eq!(packet.target_protocol_addr(), &IP_20.octets());
}

/// Frames 37 and 40 come from arping: a broadcast request followed by 16 zero bytes of
/// trailer (`eth.trailer` in the JSON), 58 bytes in all.
#[test]
fn arping_frames_with_a_trailer_parse_and_the_trailer_is_ignored() {
    for number in [37, 40] {
        let bytes = frame(number);
        assert_eq!(bytes.len(), 58, "frame {number}");
        assert_eq!(&bytes[42..], &[0u8; 16], "frame {number}");
        let (ethernet, arp) = parse(&bytes);
        assert_eq!(ethernet.dst_addr, MacAddress::BROADCAST);
        assert_eq!(arp, ArpRepr::request(MAC_10, IP_10, IP_20), "frame {number}");
        assert_eq!(emit(&ethernet, &arp, Padding::None), bytes[..42]);
    }
}

#[test]
fn every_arp_frame_of_the_capture_parses_and_re_emits_exactly() {
    let mut seen = Vec::new();
    for captured in testdata::frames("arp_ping.pcap") {
        let frame = EthernetFrame::new_checked(&captured.data[..]).unwrap();
        let ethernet = EthernetRepr::parse(&frame).unwrap();
        if ethernet.ethertype != EtherType::ARP {
            continue;
        }
        let packet = ArpPacket::new_checked(frame.payload()).unwrap();
        let arp = ArpRepr::parse(&packet).unwrap();
        let rebuilt = emit(&ethernet, &arp, Padding::None);
        assert_eq!(rebuilt, captured.data[..42], "frame {}", captured.number);
        seen.push((captured.number, arp));
    }
    let numbers: Vec<usize> = seen.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [1, 2, 21, 22, 30, 31, 33, 34, 35, 36, 37, 38, 39, 40, 41]);
    let arp = |n: usize| seen.iter().find(|(m, _)| *m == n).map(|(_, a)| *a).unwrap();
    // The gateway, then the unanswered 192.0.2.99, then Linux re-validating 192.0.2.10.
    assert_eq!(arp(21), ArpRepr::request(MAC_10, IP_10, IP_1));
    assert_eq!(arp(22), ArpRepr::reply_to(&arp(21), MAC_1));
    for n in [33, 34, 39] {
        assert_eq!(arp(n), ArpRepr::request(MAC_10, IP_10, IP_99));
    }
    assert_eq!(arp(35), ArpRepr::request(MAC_1, IP_1, IP_10));
    assert_eq!(arp(36), ArpRepr::reply_to(&arp(35), MAC_10));
    assert!(seen.iter().all(|(_, a)| !a.is_probe() && !a.is_gratuitous()));
}

/// What `NeighborCache` emits is what Linux sent: the first request of frame 1 and the
/// reply of frame 31, byte for byte.
#[test]
fn the_cache_emits_the_captured_request_and_reply() {
    use arp::{CacheConfig, NeighborCache, Resolution};
    use core::time::Duration;

    let mut host_10 = NeighborCache::<()>::new(CacheConfig::default(), MAC_10, Some(IP_10));
    assert_eq!(host_10.resolve(Duration::ZERO, IP_20, ()), Resolution::Queued);
    let request = host_10.poll_transmit().unwrap();
    assert_eq!(request.to_frame(Padding::None), frame(1));

    let (_, incoming) = parse(&frame(30));
    host_10.handle_arp(Duration::from_secs(5), &incoming);
    let reply = host_10.poll_transmit().unwrap();
    assert_eq!(reply.to_frame(Padding::None), frame(31));
}
