//! Results and events shared by the resolver, forwarder and stub.

use core::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};

use crate::{Name, ParseError, Question, RData, Rcode, Record, RecordType};

/// A successful lookup: CNAMEs followed, then the RRset (empty for NODATA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// What was asked.
    pub question: Question,
    /// The answer section: any CNAME chain first, then the records of the type asked.
    pub records: Vec<Record>,
}

impl Answer {
    /// The IPv4 addresses in the answer.
    pub fn addresses(&self) -> Vec<Ipv4Addr> {
        self.records.iter().filter_map(|r| if let RData::A(a) = r.rdata { Some(a) } else { None }).collect()
    }

    /// The name the records of the type asked belong to (after CNAMEs).
    pub fn canonical_name(&self) -> &Name {
        self.records
            .iter()
            .rev()
            .find_map(|r| if let RData::Cname(t) = &r.rdata { Some(t) } else { None })
            .unwrap_or(&self.question.name)
    }
}

/// Why the resolver gave up with SERVFAIL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServFailReason {
    /// More referrals than allowed (a delegation loop or a very deep tree).
    ReferralLimit(usize),
    /// A CNAME chain longer than allowed (or a CNAME loop).
    CnameLimit(usize),
    /// More upstream queries for one question than allowed.
    WorkLimit(usize),
    /// Every server of a zone timed out or failed.
    AllServersFailed {
        /// The zone whose servers were tried.
        zone: Name,
    },
    /// No source port was free.
    NoFreePort,
    /// The server asked (a forwarder's or stub's) answered SERVFAIL.
    Upstream,
}

impl fmt::Display for ServFailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReferralLimit(n) => write!(f, "more than {n} referrals"),
            Self::CnameLimit(n) => write!(f, "CNAME chain longer than {n}"),
            Self::WorkLimit(n) => write!(f, "more than {n} upstream queries"),
            Self::AllServersFailed { zone } => write!(f, "every server for {zone} failed"),
            Self::NoFreePort => f.write_str("no free source port"),
            Self::Upstream => f.write_str("the upstream server answered SERVFAIL"),
        }
    }
}

/// Why a lookup failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The name does not exist.
    #[error("NXDOMAIN: the name does not exist")]
    NxDomain,
    /// The resolver could not get an answer.
    #[error("SERVFAIL: {0}")]
    ServFail(ServFailReason),
    /// No answer arrived in time, after every retry.
    #[error("timed out")]
    Timeout,
    /// The server refused to answer.
    #[error("REFUSED")]
    Refused,
    /// Any other response code.
    #[error("response code {0}")]
    Other(Rcode),
    /// Too many lookups already outstanding.
    #[error("too many lookups outstanding")]
    TooManyQueries,
}

/// Why a datagram that arrived on a query's port was not taken as its answer
/// (RFC 5452: all of address, port, ID and question must match).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IgnoreReason {
    /// No query is waiting on the port it arrived on.
    UnexpectedPort,
    /// Its ID is not the query's.
    WrongId {
        /// The query's ID.
        expected: u16,
        /// The datagram's.
        got: u16,
    },
    /// It did not come from the server the query went to.
    WrongSource {
        /// The server asked.
        expected: SocketAddrV4,
    },
    /// Its question is not the query's.
    WrongQuestion {
        /// The question it carried.
        got: Option<Question>,
    },
    /// QR is clear.
    NotAResponse,
    /// It does not parse.
    Malformed(ParseError),
}

impl fmt::Display for IgnoreReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedPort => f.write_str("no query waits on that port"),
            Self::WrongId { expected, got } => write!(f, "ID {got:#06x}, expected {expected:#06x}"),
            Self::WrongSource { expected } => write!(f, "not from {expected}"),
            Self::WrongQuestion { got: Some(q) } => write!(f, "question {} {} is not ours", q.name, q.qtype),
            Self::WrongQuestion { got: None } => f.write_str("no question"),
            Self::NotAResponse => f.write_str("not a response"),
            Self::Malformed(e) => write!(f, "malformed: {e}"),
        }
    }
}

/// Why a record in an accepted response was not used or cached.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordIgnoreReason {
    /// Its owner is outside the zone of the server that sent it (RFC 5452 §6).
    OutOfBailiwick {
        /// The zone the server was asked about.
        zone: Name,
    },
    /// An address in a referral for a name that is not one of the referral's servers.
    NotGlue,
}

impl fmt::Display for RecordIgnoreReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfBailiwick { zone } => write!(f, "out of bailiwick for {zone}"),
            Self::NotGlue => f.write_str("not an address of a referred server"),
        }
    }
}

/// One ignored record, for events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredRecord {
    /// Its owner.
    pub name: Name,
    /// Its type.
    pub rtype: RecordType,
    /// Why.
    pub reason: RecordIgnoreReason,
}
