//! Protocol numbers as newtypes with named constants: lossless for values this crate does
//! not know, and a `Debug`/`Display` that prints the name.

use core::fmt;

common::protocol_number! {
    /// A resource record TYPE (or QTYPE).
    pub struct RecordType(u16) as "TYPE{}" {
        /// IPv4 address.
        A = 1 => "A",
        /// Authoritative name server.
        NS = 2 => "NS",
        /// Canonical name (alias).
        CNAME = 5 => "CNAME",
        /// Start of a zone of authority.
        SOA = 6 => "SOA",
        /// Domain name pointer.
        PTR = 12 => "PTR",
        /// Mail exchange.
        MX = 15 => "MX",
        /// Text strings.
        TXT = 16 => "TXT",
        /// IPv6 address (RFC 3596).
        AAAA = 28 => "AAAA",
        /// Service location (RFC 2782).
        SRV = 33 => "SRV",
        /// EDNS0 pseudo-record (RFC 6891).
        OPT = 41 => "OPT",
        /// Any type (QTYPE only).
        ANY = 255 => "ANY",
    }
}

common::protocol_number! {
    /// A resource record CLASS (or QCLASS).
    pub struct Class(u16) as "CLASS{}" {
        /// The Internet.
        IN = 1 => "IN",
        /// Chaos.
        CH = 3 => "CH",
        /// Any class (QCLASS only).
        ANY = 255 => "ANY",
    }
}

common::protocol_number! {
    /// The header's OPCODE (4 bits).
    pub struct Opcode(u8) as "OPCODE{}" {
        /// A standard query.
        QUERY = 0 => "QUERY",
        /// Server status request.
        STATUS = 2 => "STATUS",
        /// Zone change notification (RFC 1996).
        NOTIFY = 4 => "NOTIFY",
        /// Dynamic update (RFC 2136).
        UPDATE = 5 => "UPDATE",
    }
}

common::protocol_number! {
    /// A response code: the header's 4 bits, extended to 12 by EDNS0.
    pub struct Rcode(u16) as "RCODE{}" {
        /// No error.
        NOERROR = 0 => "NOERROR",
        /// The server could not interpret the query.
        FORMERR = 1 => "FORMERR",
        /// The server could not process the query.
        SERVFAIL = 2 => "SERVFAIL",
        /// The name does not exist.
        NXDOMAIN = 3 => "NXDOMAIN",
        /// The kind of query is not implemented.
        NOTIMP = 4 => "NOTIMP",
        /// The server refuses (e.g. the name is outside its zones).
        REFUSED = 5 => "REFUSED",
        /// Unsupported EDNS version (RFC 6891).
        BADVERS = 16 => "BADVERS",
    }
}

/// The header's second 16 bits: QR, OPCODE, AA, TC, RD, RA, Z, AD, CD and the low four
/// bits of RCODE, exactly as on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(pub u16);

macro_rules! flag_bit {
    ($get:ident, $set:ident, $bit:expr, $doc:literal) => {
        #[doc = concat!("The ", $doc, " bit.")]
        pub const fn $get(self) -> bool {
            self.0 & $bit != 0
        }

        #[doc = concat!("Sets or clears the ", $doc, " bit.")]
        #[must_use]
        pub const fn $set(self, on: bool) -> Self {
            if on { Self(self.0 | $bit) } else { Self(self.0 & !$bit) }
        }
    };
}

impl Flags {
    flag_bit!(response, with_response, 0x8000, "QR (response)");
    flag_bit!(authoritative, with_authoritative, 0x0400, "AA (authoritative answer)");
    flag_bit!(truncated, with_truncated, 0x0200, "TC (truncated)");
    flag_bit!(recursion_desired, with_recursion_desired, 0x0100, "RD (recursion desired)");
    flag_bit!(recursion_available, with_recursion_available, 0x0080, "RA (recursion available)");
    flag_bit!(z, with_z, 0x0040, "Z (reserved)");
    flag_bit!(authentic_data, with_authentic_data, 0x0020, "AD (authentic data)");
    flag_bit!(checking_disabled, with_checking_disabled, 0x0010, "CD (checking disabled)");

    /// The OPCODE.
    pub const fn opcode(self) -> Opcode {
        Opcode(((self.0 >> 11) & 0x0f) as u8)
    }

    /// Sets the OPCODE (its low four bits).
    #[must_use]
    pub const fn with_opcode(self, opcode: Opcode) -> Self {
        Self((self.0 & !0x7800) | (((opcode.0 as u16) & 0x0f) << 11))
    }

    /// The low four bits of the RCODE (EDNS0 adds eight more in the OPT record).
    pub const fn rcode_low(self) -> u8 {
        (self.0 & 0x000f) as u8
    }

    /// Sets the low four bits of the RCODE.
    #[must_use]
    pub const fn with_rcode_low(self, rcode: u8) -> Self {
        Self((self.0 & !0x000f) | (rcode as u16 & 0x000f))
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Flags({:#06x} {}", self.0, self.opcode())?;
        for (on, name) in [
            (self.response(), "qr"),
            (self.authoritative(), "aa"),
            (self.truncated(), "tc"),
            (self.recursion_desired(), "rd"),
            (self.recursion_available(), "ra"),
            (self.z(), "z"),
            (self.authentic_data(), "ad"),
            (self.checking_disabled(), "cd"),
        ] {
            if on {
                write!(f, " {name}")?;
            }
        }
        write!(f, " rcode {})", self.rcode_low())
    }
}
