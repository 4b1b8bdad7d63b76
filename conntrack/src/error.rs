//! Why a datagram could not be read, or why the tracker calls it INVALID.

use thiserror::Error;

/// A datagram the tracker cannot read.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Error)]
#[non_exhaustive]
pub enum PacketError {
    /// The bytes end before a header does.
    #[error("truncated datagram")]
    Truncated,
    /// The version field is not 4.
    #[error("not an IPv4 datagram")]
    NotIpv4,
    /// The IHL field is below 5.
    #[error("IPv4 header length below 20 bytes")]
    BadHeaderLength,
    /// The total length is below the header length or beyond the bytes at hand.
    #[error("IPv4 total length inconsistent with the datagram")]
    BadTotalLength,
    /// The TCP data offset is below 5 or beyond the segment.
    #[error("TCP data offset out of range")]
    BadTcpHeader,
    /// An ICMP error quotes another ICMP error (RFC 1122 §3.2.2 forbids sending one).
    #[error("ICMP error quoting an ICMP error")]
    QuotedError,
}

/// Why a datagram is INVALID to the tracker.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Error)]
#[non_exhaustive]
pub enum InvalidReason {
    /// The datagram cannot be read.
    #[error("unreadable: {0}")]
    Unreadable(PacketError),
    /// It belongs to no known flow and cannot open one (a TCP segment other than a SYN,
    /// an ICMP reply, an ICMP error about an unknown flow).
    #[error("no connection, and it cannot open one")]
    NoConnection,
    /// A new flow, but the table is full and holds nothing it may evict.
    #[error("connection table full")]
    TableFull,
    /// A TCP flag combination no TCP sends (no flags, SYN+FIN, FIN without ACK…).
    #[error("impossible TCP flags")]
    BadTcpFlags,
    /// A TCP segment that makes no sense in the connection's state (a SYN on an
    /// established connection, an ACK before the SYN-ACK).
    #[error("TCP segment out of state")]
    TcpOutOfState,
    /// A TCP segment outside the window the receiver advertised, or acknowledging data
    /// never sent.
    #[error("TCP segment out of window")]
    OutOfWindow,
}
