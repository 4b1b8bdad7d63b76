//! Proptest strategies for ARP types, for this crate's and downstream crates' tests.

use core::net::Ipv4Addr;

use proptest::prelude::*;

use crate::{ArpRepr, Operation};
use ethernet::strategies::mac_any;

/// Any IPv4 address.
pub fn ipv4_any() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

/// Any operation, the two common ones more often than the rest.
pub fn operation_any() -> impl Strategy<Value = Operation> {
    prop_oneof![
        3 => Just(Operation::REQUEST),
        3 => Just(Operation::REPLY),
        1 => any::<u16>().prop_map(Operation),
    ]
}

/// Any Ethernet/IPv4 ARP packet, including probes and announcements.
pub fn arp_repr_any() -> impl Strategy<Value = ArpRepr> {
    (operation_any(), mac_any(), ipv4_any(), mac_any(), ipv4_any()).prop_map(
        |(operation, sender_mac, sender_ip, target_mac, target_ip)| ArpRepr {
            operation,
            sender_mac,
            sender_ip,
            target_mac,
            target_ip,
        },
    )
}

/// ARP packets among a few hosts on 192.0.2.0/29 (addresses .0 to .7), so that random
/// sequences hit the same entries, our address and probes often.
pub fn arp_repr_small_lan() -> impl Strategy<Value = ArpRepr> {
    let host = 0u8..8;
    (operation_any(), host.clone(), host.clone(), host.clone(), host).prop_map(
        |(operation, sender_mac, sender_ip, target_mac, target_ip)| ArpRepr {
            operation,
            sender_mac: ethernet::MacAddress([2, 0, 0, 0, 0, sender_mac]),
            sender_ip: small_lan_ip(sender_ip),
            target_mac: ethernet::MacAddress([2, 0, 0, 0, 0, target_mac]),
            target_ip: small_lan_ip(target_ip),
        },
    )
}

/// Host `n` of the small LAN; host 0 stands for 0.0.0.0 so probes appear.
pub fn small_lan_ip(n: u8) -> Ipv4Addr {
    if n == 0 { Ipv4Addr::UNSPECIFIED } else { Ipv4Addr::new(192, 0, 2, n) }
}
