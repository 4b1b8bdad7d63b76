common::protocol_number! {
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
    pub struct IpProtocol(u8) as "{}" {
        /// Internet Control Message Protocol.
        ICMP = 1 => "ICMP",
        /// Internet Group Management Protocol.
        IGMP = 2 => "IGMP",
        /// Transmission Control Protocol.
        TCP = 6 => "TCP",
        /// User Datagram Protocol.
        UDP = 17 => "UDP",
        /// Generic Routing Encapsulation.
        GRE = 47 => "GRE",
        /// Encapsulating Security Payload.
        ESP = 50 => "ESP",
        /// Authentication Header.
        AH = 51 => "AH",
        /// Stream Control Transmission Protocol.
        SCTP = 132 => "SCTP",
    }
}
