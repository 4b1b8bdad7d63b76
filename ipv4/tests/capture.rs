//! Byte-exact vectors from real captures made by the Linux stack.

use core::time::Duration;

use ipv4::forward::{ForwardDecision, forward};
use ipv4::fragment::fragment;
use ipv4::route::{InterfaceId, Route, RoutingTable};
use ipv4::{IpProtocol, Ipv4Packet, Ipv4Repr, Reassembler, checksum};

/// The IPv4 datagram inside an Ethernet II frame (no VLAN tags in these captures).
fn ipv4_of(frame: &[u8]) -> Option<&[u8]> {
    (frame.get(12..14) == Some(&[0x08, 0x00][..])).then(|| &frame[14..])
}

fn datagrams(capture: &str) -> Vec<(usize, Vec<u8>)> {
    testdata::frames(capture)
        .into_iter()
        .filter_map(|f| ipv4_of(&f.data).map(|d| (f.number, d.to_vec())))
        .collect()
}

#[test]
fn every_captured_datagram_parses_and_re_emits_byte_exact() {
    let mut total = 0;
    for capture in testdata::CAPTURES {
        for (number, bytes) in datagrams(capture) {
            let packet = Ipv4Packet::new_checked(&bytes[..])
                .unwrap_or_else(|e| panic!("{capture} frame {number}: {e}"));
            assert!(packet.verify_checksum(), "{capture} frame {number}");
            let repr = Ipv4Repr::parse(&packet).unwrap();
            assert_eq!(repr.header_len(), packet.header_len());
            assert_eq!(repr.buffer_len(), usize::from(packet.total_len()));
            let emitted = repr.to_bytes(packet.payload()).unwrap();
            assert_eq!(&emitted[..], &bytes[..emitted.len()], "{capture} frame {number}");
            // parse_lax agrees on a whole datagram.
            let (lax, payload) = Ipv4Repr::parse_lax(&bytes).unwrap();
            assert_eq!(lax, repr);
            assert_eq!(payload, packet.payload());
            total += 1;
        }
    }
    assert!(total > 100, "only {total} IPv4 datagrams found");
}

#[test]
fn echo_request_fields_match_tshark() {
    let frames = datagrams("arp_ping.pcap");
    let (_, bytes) = frames.iter().find(|(n, _)| *n == 3).unwrap();
    let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
    let repr = Ipv4Repr::parse(&packet).unwrap();
    assert_eq!(repr.src_addr, "192.0.2.10".parse::<std::net::Ipv4Addr>().unwrap());
    assert_eq!(repr.dst_addr, "192.0.2.20".parse::<std::net::Ipv4Addr>().unwrap());
    assert_eq!(repr.protocol, IpProtocol::ICMP);
    assert_eq!(repr.ttl, 64);
    assert!(repr.dont_frag);
    assert_eq!(repr.payload_len, 64);
    assert_eq!(packet.total_len(), 84);
}

#[test]
fn frame_23_has_ttl_1_and_a_router_answers_time_exceeded() {
    let frames = datagrams("arp_ping.pcap");
    let (_, bytes) = frames.iter().find(|(n, _)| *n == 23).unwrap();
    let packet = Ipv4Packet::new_checked(&bytes[..]).unwrap();
    assert_eq!(packet.ttl(), 1);
    let mut table = RoutingTable::new();
    table.add(Route::connected("198.51.100.0/24".parse().unwrap(), InterfaceId(2))).unwrap();
    let mut copy = bytes.clone();
    assert_eq!(forward(&mut copy, &table, |_| 1500), ForwardDecision::TimeExceeded);
    assert_eq!(copy, *bytes, "a refused packet is left untouched");

    // Frame 24 is the router's answer; it quotes frame 23 whole, after an 8-byte ICMP header.
    let (_, answer) = frames.iter().find(|(n, _)| *n == 24).unwrap();
    let answer = Ipv4Packet::new_checked(&answer[..]).unwrap();
    assert_eq!(answer.payload()[0], 11);
    let quoted = &answer.payload()[8..];
    let (repr, payload) = Ipv4Repr::parse_lax(quoted).unwrap();
    assert_eq!(repr, Ipv4Repr::parse(&packet).unwrap());
    assert_eq!(payload, packet.payload());
    // Cut to the RFC 792 minimum (header + 8 bytes), the quote still parses.
    let (short, payload) = Ipv4Repr::parse_lax(&quoted[..28]).unwrap();
    assert_eq!(short.payload_len, 64);
    assert_eq!(payload.len(), 8);
}

/// Frames 9–11, 12–14, 15–17 and 18–20: a 3,028-byte ICMP echo in three fragments.
const FRAGMENTED: [[usize; 3]; 4] = [[9, 10, 11], [12, 13, 14], [15, 16, 17], [18, 19, 20]];

#[test]
fn captured_fragments_reassemble_and_re_fragment_identically() {
    let frames = datagrams("arp_ping.pcap");
    for numbers in FRAGMENTED {
        let pieces: Vec<&Vec<u8>> =
            numbers.iter().map(|n| &frames.iter().find(|(m, _)| m == n).unwrap().1).collect();
        // Out of order on purpose: last, first, middle.
        let mut reassembler = Reassembler::default();
        let mut whole = None;
        for index in [2, 0, 1] {
            let packet = Ipv4Packet::new_checked(&pieces[index][..]).unwrap();
            let repr = Ipv4Repr::parse(&packet).unwrap();
            let result = reassembler
                .handle_fragment(Duration::from_millis(index as u64), &repr, packet.payload())
                .unwrap();
            assert_eq!(result.is_some(), index == 1);
            whole = whole.or(result);
        }
        let (repr, payload) = whole.unwrap();
        assert!(reassembler.is_empty());
        assert_eq!(reassembler.bytes_in_flight(), 0);
        assert_eq!(repr.buffer_len(), 3028);
        assert_eq!(payload.len(), 3008);
        assert_eq!(repr.protocol, IpProtocol::ICMP);
        assert_eq!(checksum::checksum(&payload), 0, "ICMP checksum over {numbers:?}");

        let again = fragment(&repr, &payload, 1500).unwrap();
        assert_eq!(again.len(), 3);
        for (ours, theirs) in again.iter().zip(&pieces) {
            let ours = Ipv4Packet::new_checked(&ours[..]).unwrap();
            let theirs = Ipv4Packet::new_checked(&theirs[..]).unwrap();
            assert_eq!(ours.payload(), theirs.payload());
            assert_eq!(ours.ident(), theirs.ident());
            assert_eq!(ours.frag_offset(), theirs.frag_offset());
            assert_eq!(ours.more_frags(), theirs.more_frags());
            assert_eq!(ours.dont_frag(), theirs.dont_frag());
            assert_eq!(ours.header(), theirs.header(), "byte-exact headers");
        }
    }
}
