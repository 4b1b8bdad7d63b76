//! Byte-exact vectors from real captures made by the Linux stack.

use ethernet::{EtherType, EthernetFrame, EthernetRepr, MacAddress, Padding};

#[test]
fn arp_request_and_reply_headers_match_tshark() {
    let frames = testdata::frames("arp_ping.pcap");
    let request = EthernetFrame::new_checked(&frames[0].data[..]).unwrap();
    let repr = EthernetRepr::parse(&request).unwrap();
    assert_eq!(repr.src_addr, "02:00:00:00:00:0a".parse::<MacAddress>().unwrap());
    assert_eq!(repr.dst_addr, MacAddress::BROADCAST);
    assert_eq!(repr.ethertype, EtherType::ARP);
    assert_eq!(repr.vlan, None);
    // The host's own capture shows the request unpadded: 14 + 28 bytes.
    assert_eq!(frames[0].data.len(), 42);

    let reply = EthernetFrame::new_checked(&frames[1].data[..]).unwrap();
    let repr = EthernetRepr::parse(&reply).unwrap();
    assert_eq!(repr.src_addr, "02:00:00:00:00:14".parse::<MacAddress>().unwrap());
    assert_eq!(repr.dst_addr, "02:00:00:00:00:0a".parse::<MacAddress>().unwrap());
    assert!(repr.dst_addr.is_unicast());
}

#[test]
fn every_captured_frame_reemits_byte_identically_without_padding() {
    let mut checked = 0;
    for name in testdata::CAPTURES {
        for captured in testdata::frames(name) {
            let frame = EthernetFrame::new_checked(&captured.data[..])
                .unwrap_or_else(|e| panic!("{name} frame {}: {e}", captured.number));
            let repr = EthernetRepr::parse(&frame).unwrap();
            let rebuilt = repr.to_bytes(frame.payload(), Padding::None);
            assert_eq!(rebuilt, captured.data, "{name} frame {}", captured.number);
            checked += 1;
        }
    }
    assert_eq!(checked, 41 + 9 + 42 + 51 + 21);
}

#[test]
fn header_fields_agree_with_tshark_json() {
    // tshark's dissection is the oracle: compare eth.src, eth.dst and eth.type per frame.
    let json = testdata::read_to_string("arp_ping.json");
    let frames = testdata::frames("arp_ping.pcap");
    let fields = |key: &str| -> Vec<String> {
        let needle = format!("\"{key}\": \"");
        json.match_indices(&needle)
            .map(|(at, _)| {
                let rest = &json[at + needle.len()..];
                rest[..rest.find('"').unwrap()].to_owned()
            })
            .collect()
    };
    let (src, dst, ty) = (fields("eth.src"), fields("eth.dst"), fields("eth.type"));
    assert_eq!(src.len(), frames.len());
    for (i, captured) in frames.iter().enumerate() {
        let repr = EthernetRepr::parse(&EthernetFrame::new_checked(&captured.data[..]).unwrap()).unwrap();
        assert_eq!(repr.src_addr.to_string(), src[i]);
        assert_eq!(repr.dst_addr.to_string(), dst[i]);
        assert_eq!(format!("{:#06x}", repr.ethertype.0), ty[i]);
    }
}

#[test]
fn padded_and_unpadded_frames_carry_the_same_payload_prefix() {
    let frames = testdata::frames("arp_ping.pcap");
    let frame = EthernetFrame::new_checked(&frames[0].data[..]).unwrap();
    let repr = EthernetRepr::parse(&frame).unwrap();
    let padded = repr.to_bytes(frame.payload(), Padding::MinimumFrame);
    assert_eq!(padded.len(), 60);
    assert_eq!(&padded[..42], &frames[0].data[..]);
    assert!(padded[42..].iter().all(|&b| b == 0));
    let reparsed = EthernetFrame::new_checked(&padded[..]).unwrap();
    assert_eq!(EthernetRepr::parse(&reparsed).unwrap(), repr);
}
