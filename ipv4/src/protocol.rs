use core::fmt;

/// The IPv4 Protocol field (IANA "Assigned Internet Protocol Numbers").
///
/// A newtype so every value round-trips; the common ones have names, and `Debug` prints
/// them.
///
/// ```
/// use ipv4::IpProtocol;
/// assert_eq!(format!("{:?}", IpProtocol::UDP), "UDP");
/// assert_eq!(format!("{:?}", IpProtocol(253)), "IpProtocol(253)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpProtocol(pub u8);

impl IpProtocol {
    /// Internet Control Message Protocol.
    pub const ICMP: Self = Self(1);
    /// Internet Group Management Protocol.
    pub const IGMP: Self = Self(2);
    /// Transmission Control Protocol.
    pub const TCP: Self = Self(6);
    /// User Datagram Protocol.
    pub const UDP: Self = Self(17);
    /// Generic Routing Encapsulation.
    pub const GRE: Self = Self(47);
    /// Encapsulating Security Payload.
    pub const ESP: Self = Self(50);
    /// Authentication Header.
    pub const AH: Self = Self(51);
    /// Stream Control Transmission Protocol.
    pub const SCTP: Self = Self(132);

    /// The protocol's name, if it has one here.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::ICMP => "ICMP",
            Self::IGMP => "IGMP",
            Self::TCP => "TCP",
            Self::UDP => "UDP",
            Self::GRE => "GRE",
            Self::ESP => "ESP",
            Self::AH => "AH",
            Self::SCTP => "SCTP",
            _ => return None,
        })
    }
}

impl From<u8> for IpProtocol {
    fn from(value: u8) -> Self {
        Self(value)
    }
}

impl From<IpProtocol> for u8 {
    fn from(value: IpProtocol) -> Self {
        value.0
    }
}

impl fmt::Debug for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "IpProtocol({})", self.0),
        }
    }
}

impl fmt::Display for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{}", self.0),
        }
    }
}
