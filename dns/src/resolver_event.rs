//! What the recursive resolver reports, for the trace and the narrative.

use core::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};

use crate::{Answer, Failure, IgnoreReason, IgnoredRecord, Name, QueryHandle, Question, Rcode, RecordType};

/// A state change of the [`crate::Resolver`] worth narrating.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolverEvent {
    /// A client's query arrived and became lookup `handle`.
    QueryReceived {
        /// The lookup.
        handle: QueryHandle,
        /// The client.
        client: SocketAddrV4,
        /// Its question.
        question: Question,
    },
    /// The cache held the answer (or a step of it).
    CacheHit {
        /// The lookup.
        handle: QueryHandle,
        /// The name found.
        name: Name,
        /// The type found (CNAME when an alias was found instead).
        rtype: RecordType,
    },
    /// A query went to an authoritative server.
    QuerySent {
        /// The lookup.
        handle: QueryHandle,
        /// The server.
        server: SocketAddrV4,
        /// The zone it serves (as far as the resolver knows).
        zone: Name,
        /// The question sent.
        question: Question,
        /// Its random ID.
        id: u16,
        /// Its random source port: the glue must send from it and listen on it.
        port: u16,
    },
    /// A referral moved the lookup one zone down.
    ReferralFollowed {
        /// The lookup.
        handle: QueryHandle,
        /// The zone that referred.
        from_zone: Name,
        /// The child zone.
        to_zone: Name,
        /// The child's server addresses learned from glue.
        servers: Vec<Ipv4Addr>,
    },
    /// The name was an alias; the lookup continues at its target.
    CnameFollowed {
        /// The lookup.
        handle: QueryHandle,
        /// The alias.
        from: Name,
        /// Its canonical name.
        to: Name,
    },
    /// An RRset went into the cache.
    Cached {
        /// Its owner.
        name: Name,
        /// Its type.
        rtype: RecordType,
        /// Seconds it will be kept.
        ttl: u32,
        /// Records in it.
        count: usize,
    },
    /// A negative answer went into the cache (RFC 2308).
    NegativeCached {
        /// The name.
        name: Name,
        /// The type (for NODATA).
        rtype: RecordType,
        /// NXDOMAIN (every type) rather than NODATA.
        nxdomain: bool,
        /// Seconds it will be kept: min(SOA TTL, SOA MINIMUM).
        ttl: u32,
    },
    /// An entry was evicted to make room (least recently used).
    CacheEvicted {
        /// Its owner.
        name: Name,
        /// Its type (TYPE0 for an NXDOMAIN entry).
        rtype: RecordType,
    },
    /// A datagram was not accepted as the response to a query (possible spoofing).
    ResponseIgnored {
        /// Where it came from.
        from: SocketAddrV4,
        /// The local port it arrived on.
        port: u16,
        /// Why.
        reason: IgnoreReason,
    },
    /// A record in an accepted response was not used.
    RecordIgnored {
        /// The lookup.
        handle: QueryHandle,
        /// The record and why.
        record: IgnoredRecord,
    },
    /// A server did not answer in time; the next one is tried.
    ServerTimeout {
        /// The lookup.
        handle: QueryHandle,
        /// The silent server.
        server: SocketAddrV4,
    },
    /// A server answered unusably (error RCODE, truncated, lame); the next is tried.
    ServerFailed {
        /// The lookup.
        handle: QueryHandle,
        /// The server.
        server: SocketAddrV4,
        /// Its RCODE.
        rcode: Rcode,
        /// What was wrong.
        why: &'static str,
    },
    /// The query on this source port is over: the glue may close the port.
    PortReleased {
        /// The port.
        port: u16,
    },
    /// A lookup started with [`crate::Resolver::resolve`] finished.
    Resolved {
        /// The lookup.
        handle: QueryHandle,
        /// Its answer or failure.
        result: Result<Answer, Failure>,
    },
    /// The response to a client's query went out.
    ResponseSent {
        /// The lookup.
        handle: QueryHandle,
        /// The client.
        client: SocketAddrV4,
        /// Its RCODE.
        rcode: Rcode,
        /// Answer records in it.
        answers: usize,
    },
    /// A query was refused because the table of lookups was full.
    QueryRefused {
        /// The client, if it came over the network.
        client: Option<SocketAddrV4>,
    },
}

impl fmt::Display for ResolverEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::QueryReceived { handle, client, question } => {
                write!(f, "{handle}: {client} asks {} {}", question.name, question.qtype)
            }
            Self::CacheHit { handle, name, rtype } => write!(f, "{handle}: cache hit {name} {rtype}"),
            Self::QuerySent { handle, server, zone, question, id, port } => write!(
                f,
                "{handle}: asking {server} (zone {zone}) {} {} id {id:#06x} from port {port}",
                question.name, question.qtype
            ),
            Self::ReferralFollowed { handle, from_zone, to_zone, servers } => {
                let servers: Vec<String> = servers.iter().map(ToString::to_string).collect();
                write!(f, "{handle}: {from_zone} refers to {to_zone} at {}", servers.join(", "))
            }
            Self::CnameFollowed { handle, from, to } => write!(f, "{handle}: {from} is an alias of {to}"),
            Self::Cached { name, rtype, ttl, count } => {
                write!(f, "cached {count} {name} {rtype} for {ttl} s")
            }
            Self::NegativeCached { name, rtype, nxdomain: true, ttl } => {
                write!(f, "cached NXDOMAIN {name} (asked {rtype}) for {ttl} s")
            }
            Self::NegativeCached { name, rtype, ttl, .. } => {
                write!(f, "cached NODATA {name} {rtype} for {ttl} s")
            }
            Self::CacheEvicted { name, rtype } => write!(f, "evicted {name} {rtype} from a full cache"),
            Self::ResponseIgnored { from, port, reason } => {
                write!(f, "ignored a datagram from {from} on port {port}: {reason}")
            }
            Self::RecordIgnored { handle, record } => {
                write!(f, "{handle}: ignored {} {}: {}", record.name, record.rtype, record.reason)
            }
            Self::ServerTimeout { handle, server } => write!(f, "{handle}: {server} did not answer"),
            Self::ServerFailed { handle, server, rcode, why } => {
                write!(f, "{handle}: {server} failed ({rcode}): {why}")
            }
            Self::PortReleased { port } => write!(f, "port {port} released"),
            Self::Resolved { handle, result: Ok(answer) } => {
                let addresses: Vec<String> = answer.addresses().iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "{handle}: {} {} resolved: {}",
                    answer.question.name,
                    answer.question.qtype,
                    addresses.join(", ")
                )
            }
            Self::Resolved { handle, result: Err(e) } => write!(f, "{handle}: failed: {e}"),
            Self::ResponseSent { handle, client, rcode, answers } => {
                write!(f, "{handle}: answered {client}: {rcode}, {answers} records")
            }
            Self::QueryRefused { client: Some(c) } => write!(f, "refused {c}: too many lookups outstanding"),
            Self::QueryRefused { client: None } => f.write_str("refused: too many lookups outstanding"),
        }
    }
}
