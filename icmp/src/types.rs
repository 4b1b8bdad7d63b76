common::protocol_number! {
    /// The ICMP Type field (RFC 792, IANA "ICMP Type Numbers").
    ///
    /// A newtype so every value round-trips; the common ones have names.
    ///
    /// ```
    /// use icmp::IcmpType;
    /// assert_eq!(format!("{:?}", IcmpType::TIME_EXCEEDED), "Time Exceeded");
    /// assert!(IcmpType::DEST_UNREACHABLE.is_error());
    /// assert!(!IcmpType::ECHO_REQUEST.is_error());
    /// assert_eq!(format!("{:?}", IcmpType(42)), "IcmpType(42)");
    /// ```
    pub struct IcmpType(u8) as "{}" {
        /// Echo Reply (RFC 792).
        ECHO_REPLY = 0 => "Echo Reply",
        /// Destination Unreachable (RFC 792).
        DEST_UNREACHABLE = 3 => "Destination Unreachable",
        /// Source Quench (RFC 792; deprecated by RFC 6633).
        SOURCE_QUENCH = 4 => "Source Quench",
        /// Redirect (RFC 792).
        REDIRECT = 5 => "Redirect",
        /// Echo Request (RFC 792).
        ECHO_REQUEST = 8 => "Echo Request",
        /// Router Advertisement (RFC 1256).
        ROUTER_ADVERTISEMENT = 9 => "Router Advertisement",
        /// Router Solicitation (RFC 1256).
        ROUTER_SOLICITATION = 10 => "Router Solicitation",
        /// Time Exceeded (RFC 792).
        TIME_EXCEEDED = 11 => "Time Exceeded",
        /// Parameter Problem (RFC 792).
        PARAMETER_PROBLEM = 12 => "Parameter Problem",
        /// Timestamp (RFC 792).
        TIMESTAMP = 13 => "Timestamp",
        /// Timestamp Reply (RFC 792).
        TIMESTAMP_REPLY = 14 => "Timestamp Reply",
        /// Information Request (RFC 792; obsolete).
        INFO_REQUEST = 15 => "Information Request",
        /// Information Reply (RFC 792; obsolete).
        INFO_REPLY = 16 => "Information Reply",
        /// Address Mask Request (RFC 950).
        ADDRESS_MASK_REQUEST = 17 => "Address Mask Request",
        /// Address Mask Reply (RFC 950).
        ADDRESS_MASK_REPLY = 18 => "Address Mask Reply",
    }
}

impl IcmpType {
    /// Whether messages of this type report an error about a datagram they quote
    /// (RFC 1122 §3.2.2): destination unreachable, source quench, redirect, time
    /// exceeded, parameter problem. No ICMP error is ever sent about one of these.
    pub const fn is_error(self) -> bool {
        matches!(self.0, 3 | 4 | 5 | 11 | 12)
    }
}

common::protocol_number! {
    /// The code of a Destination Unreachable message (RFC 792, RFC 1122 §3.2.2.1,
    /// RFC 1812 §5.2.7.1).
    ///
    /// ```
    /// use icmp::UnreachableCode;
    /// assert_eq!(UnreachableCode::FRAG_NEEDED.0, 4);
    /// assert_eq!(UnreachableCode::PORT.to_string(), "Port Unreachable");
    /// ```
    pub struct UnreachableCode(u8) as "{}" {
        /// Network unreachable.
        NET = 0 => "Network Unreachable",
        /// Host unreachable: a router or host could not deliver (e.g. ARP failed).
        HOST = 1 => "Host Unreachable",
        /// Protocol unreachable: the destination host does not speak the protocol.
        PROTOCOL = 2 => "Protocol Unreachable",
        /// Port unreachable: no socket on the destination port (RFC 1122 §4.1.3.1).
        PORT = 3 => "Port Unreachable",
        /// Fragmentation needed and DF set; the message carries the next-hop MTU
        /// (RFC 1191).
        FRAG_NEEDED = 4 => "Fragmentation Needed",
        /// Source route failed.
        SOURCE_ROUTE_FAILED = 5 => "Source Route Failed",
        /// Destination network unknown (RFC 1122).
        NET_UNKNOWN = 6 => "Destination Network Unknown",
        /// Destination host unknown (RFC 1122).
        HOST_UNKNOWN = 7 => "Destination Host Unknown",
        /// Source host isolated (RFC 1122; obsolete).
        SOURCE_HOST_ISOLATED = 8 => "Source Host Isolated",
        /// Communication with the destination network administratively prohibited
        /// (RFC 1122).
        NET_ADMIN_PROHIBITED = 9 => "Network Administratively Prohibited",
        /// Communication with the destination host administratively prohibited
        /// (RFC 1122).
        HOST_ADMIN_PROHIBITED = 10 => "Host Administratively Prohibited",
        /// Network unreachable for the type of service (RFC 1122).
        NET_UNREACHABLE_FOR_TOS = 11 => "Network Unreachable for TOS",
        /// Host unreachable for the type of service (RFC 1122).
        HOST_UNREACHABLE_FOR_TOS = 12 => "Host Unreachable for TOS",
        /// Communication administratively prohibited by filtering (RFC 1812).
        COMM_ADMIN_PROHIBITED = 13 => "Communication Administratively Prohibited",
        /// Host precedence violation (RFC 1812).
        HOST_PRECEDENCE_VIOLATION = 14 => "Host Precedence Violation",
        /// Precedence cutoff in effect (RFC 1812).
        PRECEDENCE_CUTOFF = 15 => "Precedence Cutoff in Effect",
    }
}

common::protocol_number! {
    /// The code of a Time Exceeded message (RFC 792).
    ///
    /// ```
    /// use icmp::TimeExceededCode;
    /// assert_eq!(format!("{:?}", TimeExceededCode::TTL), "TTL Exceeded in Transit");
    /// ```
    pub struct TimeExceededCode(u8) as "{}" {
        /// The TTL reached zero in transit (sent by routers).
        TTL = 0 => "TTL Exceeded in Transit",
        /// Fragment reassembly time exceeded (sent by the destination host).
        REASSEMBLY = 1 => "Fragment Reassembly Time Exceeded",
    }
}
