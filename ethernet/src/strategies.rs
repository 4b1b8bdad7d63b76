//! Proptest strategies for Ethernet types, for this crate's and downstream crates' tests.

use proptest::prelude::*;

use crate::{EtherType, EthernetRepr, MacAddress, Priority, TagProtocol, VlanId, VlanTag};

/// Any MAC address.
pub fn mac_any() -> impl Strategy<Value = MacAddress> {
    any::<[u8; 6]>().prop_map(MacAddress)
}

/// Any unicast MAC address.
pub fn unicast_mac_any() -> impl Strategy<Value = MacAddress> {
    any::<[u8; 6]>().prop_map(|mut octets| {
        octets[0] &= !0x01;
        MacAddress(octets)
    })
}

/// Any EtherType that is not a length and not a VLAN TPID.
pub fn ethertype_any() -> impl Strategy<Value = EtherType> {
    (EtherType::MIN_ETHERTYPE..=u16::MAX)
        .prop_map(EtherType)
        .prop_filter("a VLAN TPID is not a payload type", |t| !t.is_vlan_tag())
}

/// Any 802.1Q tag.
pub fn vlan_tag_any() -> impl Strategy<Value = VlanTag> {
    (any::<bool>(), 0u8..=7, any::<bool>(), 0u16..=VlanId::MAX).prop_map(|(service, pcp, dei, vid)| VlanTag {
        protocol: if service { TagProtocol::Service } else { TagProtocol::Customer },
        priority: Priority::try_new(pcp).unwrap_or_default(),
        drop_eligible: dei,
        id: VlanId::try_new(vid).unwrap_or_default(),
    })
}

/// Any Ethernet header, tagged or not.
pub fn ethernet_repr_any() -> impl Strategy<Value = EthernetRepr> {
    (mac_any(), mac_any(), proptest::option::of(vlan_tag_any()), ethertype_any()).prop_map(
        |(src_addr, dst_addr, vlan, ethertype)| EthernetRepr { src_addr, dst_addr, vlan, ethertype },
    )
}
