use core::fmt;

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
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EtherType(pub u16);

impl EtherType {
    /// Internet Protocol version 4.
    pub const IPV4: Self = Self(0x0800);
    /// Address Resolution Protocol.
    pub const ARP: Self = Self(0x0806);
    /// Reverse ARP.
    pub const RARP: Self = Self(0x8035);
    /// IEEE 802.1Q customer VLAN tag.
    pub const VLAN: Self = Self(0x8100);
    /// Internet Protocol version 6.
    pub const IPV6: Self = Self(0x86dd);
    /// IEEE 802.3 slow protocols (LACP).
    pub const SLOW_PROTOCOLS: Self = Self(0x8809);
    /// MPLS unicast.
    pub const MPLS: Self = Self(0x8847);
    /// IEEE 802.1ad service VLAN tag (Q-in-Q).
    pub const QINQ: Self = Self(0x88a8);
    /// IEEE 802.1AB Link Layer Discovery Protocol.
    pub const LLDP: Self = Self(0x88cc);

    /// Smallest value that is an EtherType; smaller values are IEEE 802.3 lengths.
    pub const MIN_ETHERTYPE: u16 = 0x0600;

    /// The well-known name of this EtherType, if it has one here.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::IPV4 => "IPv4",
            Self::ARP => "ARP",
            Self::RARP => "RARP",
            Self::VLAN => "802.1Q",
            Self::IPV6 => "IPv6",
            Self::SLOW_PROTOCOLS => "Slow-Protocols",
            Self::MPLS => "MPLS",
            Self::QINQ => "802.1ad",
            Self::LLDP => "LLDP",
            _ => return None,
        })
    }

    /// Whether this value is a VLAN tag protocol identifier (802.1Q or 802.1ad).
    pub const fn is_vlan_tag(self) -> bool {
        matches!(self, Self::VLAN | Self::QINQ)
    }
}

impl From<u16> for EtherType {
    fn from(value: u16) -> Self {
        Self(value)
    }
}

impl From<EtherType> for u16 {
    fn from(value: EtherType) -> Self {
        value.0
    }
}

impl fmt::Debug for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "EtherType({:#06x})", self.0),
        }
    }
}

impl fmt::Display for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{:#06x}", self.0),
        }
    }
}
