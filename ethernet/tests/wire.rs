//! Hand-made vectors: 802.1Q tags, truncation, 802.3 lengths, MAC strings.

use ethernet::{
    EmitError, EtherType, EthernetFrame, EthernetRepr, MacAddress, Padding, ParseError, Priority, VlanId,
    VlanTag,
};

const TAGGED: [u8; 22] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // dst
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, // src
    0x81, 0x00, // TPID
    0xa0, 0x64, // PCP 5, DEI 0, VID 100
    0x08, 0x06, // inner EtherType
    0xde, 0xad, 0xbe, 0xef,
];

#[test]
fn parses_and_emits_an_8021q_tag() {
    let frame = EthernetFrame::new_checked(&TAGGED[..]).unwrap();
    assert!(frame.is_tagged());
    assert_eq!(frame.outer_ethertype(), EtherType::VLAN);
    assert_eq!(frame.header_len(), 18);
    let repr = EthernetRepr::parse(&frame).unwrap();
    let tag = repr.vlan.unwrap();
    assert_eq!(tag.priority.value(), 5);
    assert!(!tag.drop_eligible);
    assert_eq!(tag.id.value(), 100);
    assert_eq!(repr.ethertype, EtherType::ARP);
    assert_eq!(frame.payload(), &[0xde, 0xad, 0xbe, 0xef]);
    assert_eq!(repr.to_bytes(frame.payload(), Padding::None), TAGGED);
}

#[test]
fn truncated_tag_is_reported_with_the_needed_length() {
    assert_eq!(
        EthernetFrame::new_checked(&TAGGED[..16]).unwrap_err(),
        ParseError::Truncated { needed: 18, actual: 16 }
    );
    assert_eq!(
        EthernetFrame::new_checked(&TAGGED[..13]).unwrap_err(),
        ParseError::Truncated { needed: 14, actual: 13 }
    );
}

#[test]
fn ieee_8023_length_is_not_an_ethertype() {
    let mut bytes = TAGGED;
    bytes[12..14].copy_from_slice(&0x0026u16.to_be_bytes());
    let frame = EthernetFrame::new_checked(&bytes[..]).unwrap();
    assert_eq!(EthernetRepr::parse(&frame), Err(ParseError::Ieee8023Length { length: 0x26 }));
}

#[test]
fn emit_into_a_short_buffer_is_an_error() {
    let repr = EthernetRepr {
        src_addr: MacAddress::new([2, 0, 0, 0, 0, 1]),
        dst_addr: MacAddress::BROADCAST,
        vlan: Some(VlanTag::default()),
        ethertype: EtherType::IPV4,
    };
    let mut buffer = [0u8; 17];
    assert_eq!(
        repr.emit(&mut EthernetFrame::new_unchecked(&mut buffer[..])),
        Err(EmitError::BufferTooSmall { needed: 18, actual: 17 })
    );
    assert_eq!(
        repr.emit_with_payload(&[1, 2, 3], Padding::MinimumFrame, &mut [0u8; 59]),
        Err(EmitError::BufferTooSmall { needed: 60, actual: 59 })
    );
}

#[test]
fn padding_only_applies_to_short_frames() {
    let repr = EthernetRepr {
        src_addr: MacAddress::new([2, 0, 0, 0, 0, 1]),
        dst_addr: MacAddress::new([2, 0, 0, 0, 0, 2]),
        vlan: None,
        ethertype: EtherType::IPV4,
    };
    assert_eq!(repr.frame_len(10, Padding::MinimumFrame), 60);
    assert_eq!(repr.frame_len(10, Padding::None), 24);
    assert_eq!(repr.frame_len(100, Padding::MinimumFrame), 114);
}

#[test]
fn mac_addresses_parse_in_both_separators_and_reject_garbage() {
    let mac: MacAddress = "AA-bb-CC-dd-EE-0f".parse().unwrap();
    assert_eq!(mac.octets(), [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x0f]);
    assert!(!mac.is_multicast() && mac.is_locally_administered());
    for bad in [
        "",
        "aa:bb:cc:dd:ee",
        "aa:bb:cc:dd:ee:ff:00",
        "aa:bb:cc:dd:ee:f",
        "aa:bb-cc:dd:ee:ff",
        "gg:bb:cc:dd:ee:ff",
        "+a:bb:cc:dd:ee:ff",
    ] {
        assert!(bad.parse::<MacAddress>().is_err(), "{bad:?} parsed");
    }
    let multicast = MacAddress::new([0x01, 0x00, 0x5e, 0, 0, 1]);
    assert!(multicast.is_multicast() && !multicast.is_broadcast() && !multicast.is_unicast());
    assert!(MacAddress::BROADCAST.is_multicast());
    assert_eq!(MacAddress::new([0, 0, 0, 0, 1, 2]).to_u64(), 0x0102);
}

#[test]
fn bounded_fields_reject_out_of_range_values() {
    assert!(VlanId::try_new(4095).is_ok());
    assert!(VlanId::try_new(4096).is_err());
    assert!(Priority::try_new(7).is_ok());
    assert!(Priority::try_new(8).is_err());
}

#[test]
fn frame_len_of_an_impossible_payload_saturates_instead_of_overflowing() {
    let repr = EthernetRepr {
        src_addr: MacAddress::new([2, 0, 0, 0, 0, 1]),
        dst_addr: MacAddress::BROADCAST,
        vlan: Some(VlanTag::default()),
        ethertype: EtherType::IPV4,
    };
    assert_eq!(repr.frame_len(usize::MAX - 1, Padding::None), usize::MAX);
    assert_eq!(repr.frame_len(usize::MAX, Padding::MinimumFrame), usize::MAX);
}

#[test]
fn an_8021ad_tag_keeps_its_tpid_through_parse_and_emit() {
    let mut bytes = TAGGED;
    bytes[12..14].copy_from_slice(&EtherType::QINQ.0.to_be_bytes());
    let frame = EthernetFrame::new_checked(&bytes[..]).unwrap();
    let repr = EthernetRepr::parse(&frame).unwrap();
    let tag = repr.vlan.unwrap();
    assert_eq!((tag.protocol, tag.id.value()), (ethernet::TagProtocol::Service, 100));
    assert_eq!(frame.vlan_tag(), Some(tag));
    assert_eq!(repr.to_bytes(frame.payload(), Padding::None), bytes);
}
