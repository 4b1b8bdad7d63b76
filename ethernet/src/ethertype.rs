common::protocol_number! {
    /// The EtherType of an Ethernet II frame (IEEE 802 numbers, RFC 7042).
    ///
    /// A newtype rather than an enum so that every value on the wire survives a round trip;
    /// the well-known ones have names, and `Debug` prints them.
    ///
    /// ```
    /// use ethernet::EtherType;
    /// assert_eq!(format!("{:?}", EtherType::ARP), "ARP");
    /// assert_eq!(format!("{:?}", EtherType(0x88b5)), "EtherType(0x88b5)");
    /// ```
    pub struct EtherType(u16) as "{:#06x}" {
        /// Internet Protocol version 4.
        IPV4 = 0x0800 => "IPv4",
        /// Address Resolution Protocol.
        ARP = 0x0806 => "ARP",
        /// Reverse ARP.
        RARP = 0x8035 => "RARP",
        /// IEEE 802.1Q customer VLAN tag.
        VLAN = 0x8100 => "802.1Q",
        /// Internet Protocol version 6.
        IPV6 = 0x86dd => "IPv6",
        /// IEEE 802.3 slow protocols (LACP).
        SLOW_PROTOCOLS = 0x8809 => "Slow-Protocols",
        /// MPLS unicast.
        MPLS = 0x8847 => "MPLS",
        /// IEEE 802.1ad service VLAN tag (Q-in-Q).
        QINQ = 0x88a8 => "802.1ad",
        /// IEEE 802.1AB Link Layer Discovery Protocol.
        LLDP = 0x88cc => "LLDP",
    }
}

impl EtherType {
    /// Smallest value that is an EtherType; smaller values are IEEE 802.3 lengths.
    pub const MIN_ETHERTYPE: u16 = 0x0600;

    /// Whether this value is a VLAN tag protocol identifier (802.1Q or 802.1ad).
    pub const fn is_vlan_tag(self) -> bool {
        matches!(self, Self::VLAN | Self::QINQ)
    }
}
