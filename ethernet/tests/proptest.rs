//! Properties: round trips, and arbitrary bytes never panic.

use ethernet::strategies::{ethernet_repr_any, mac_any};
use ethernet::{EthernetFrame, EthernetRepr, MacAddress, Padding, ParseError};
use proptest::prelude::*;

proptest! {
    #[test]
    fn repr_round_trips(repr in ethernet_repr_any(), payload in proptest::collection::vec(any::<u8>(), 0..100), pad in any::<bool>()) {
        let padding = if pad { Padding::MinimumFrame } else { Padding::None };
        let bytes = repr.to_bytes(&payload, padding);
        prop_assert_eq!(bytes.len(), repr.frame_len(payload.len(), padding));
        let frame = EthernetFrame::new_checked(&bytes[..]).unwrap();
        prop_assert_eq!(EthernetRepr::parse(&frame).unwrap(), repr);
        prop_assert_eq!(&frame.payload()[..payload.len()], &payload[..]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(frame) = EthernetFrame::new_checked(&bytes[..]) {
            let _ = (frame.src_addr(), frame.dst_addr(), frame.vlan_tag(), frame.payload().len());
            if let Ok(repr) = EthernetRepr::parse(&frame) {
                prop_assert_eq!(repr.to_bytes(frame.payload(), Padding::None), bytes);
            }
        }
    }

    #[test]
    fn every_truncation_reports_its_exact_length(repr in ethernet_repr_any()) {
        let bytes = repr.to_bytes(&[], Padding::None);
        for len in 0..bytes.len() {
            let needed = if len < 14 { 14 } else { repr.header_len() };
            prop_assert_eq!(
                EthernetFrame::new_checked(&bytes[..len]).unwrap_err(),
                ParseError::Truncated { needed, actual: len }
            );
        }
    }

    #[test]
    fn mac_display_parses_back(mac in mac_any()) {
        prop_assert_eq!(mac.to_string().parse::<MacAddress>().unwrap(), mac);
    }
}
