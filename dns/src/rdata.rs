//! Typed RDATA (RFC 1035 §3.3, RFC 3596, RFC 2782, RFC 6891) and opaque RDATA for the
//! types this crate does not know (RFC 3597).

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::Bytes;

use crate::{Name, RecordType};

/// The SOA record's fields (RFC 1035 §3.3.13).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Soa {
    /// The primary name server of the zone.
    pub mname: Name,
    /// The mailbox of the person responsible, as a name.
    pub rname: Name,
    /// The zone's version.
    pub serial: u32,
    /// Seconds between secondary refreshes.
    pub refresh: u32,
    /// Seconds between failed refresh retries.
    pub retry: u32,
    /// Seconds after which a secondary stops answering without a refresh.
    pub expire: u32,
    /// The TTL of negative answers (RFC 2308 §4), capped by the SOA's own TTL.
    pub minimum: u32,
}

/// One EDNS0 option (RFC 6891 §6.1.2), kept as code and bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EdnsOption {
    /// OPTION-CODE (10 is the DNS cookie, RFC 7873).
    pub code: u16,
    /// OPTION-DATA.
    pub data: Bytes,
}

/// The data of a resource record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RData {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// A name server for the owner's zone.
    Ns(Name),
    /// The canonical name the owner is an alias of.
    Cname(Name),
    /// A name the owner points to (reverse lookups).
    Ptr(Name),
    /// Start of authority.
    Soa(Soa),
    /// A mail exchange.
    Mx {
        /// Lower is preferred.
        preference: u16,
        /// The mail server.
        exchange: Name,
    },
    /// One or more character-strings, each up to 255 bytes.
    Txt(Vec<Bytes>),
    /// A service location.
    Srv {
        /// Lower is tried first.
        priority: u16,
        /// Relative weight among equal priorities.
        weight: u16,
        /// The service's port.
        port: u16,
        /// The host that provides the service (never compressed, RFC 2782).
        target: Name,
    },
    /// The options of an EDNS0 OPT pseudo-record (its other fields live in the record's
    /// class and TTL; see [`crate::Edns`]).
    Opt(Vec<EdnsOption>),
    /// RDATA of any other type, kept as bytes (RFC 3597).
    Unknown {
        /// The record type.
        rtype: RecordType,
        /// The RDATA.
        data: Bytes,
    },
}

impl RData {
    /// The record type this RDATA belongs to.
    pub const fn rtype(&self) -> RecordType {
        match self {
            Self::A(_) => RecordType::A,
            Self::Aaaa(_) => RecordType::AAAA,
            Self::Ns(_) => RecordType::NS,
            Self::Cname(_) => RecordType::CNAME,
            Self::Ptr(_) => RecordType::PTR,
            Self::Soa(_) => RecordType::SOA,
            Self::Mx { .. } => RecordType::MX,
            Self::Txt(_) => RecordType::TXT,
            Self::Srv { .. } => RecordType::SRV,
            Self::Opt(_) => RecordType::OPT,
            Self::Unknown { rtype, .. } => *rtype,
        }
    }

    /// The name this RDATA points at, for the types that hold one that needs an address
    /// (NS, CNAME, MX, SRV, PTR) — the "additional section processing" target.
    pub const fn target(&self) -> Option<&Name> {
        match self {
            Self::Ns(n) | Self::Cname(n) | Self::Ptr(n) => Some(n),
            Self::Mx { exchange, .. } => Some(exchange),
            Self::Srv { target, .. } => Some(target),
            _ => None,
        }
    }
}
