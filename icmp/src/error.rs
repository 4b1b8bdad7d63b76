use thiserror::Error;

/// Why bytes are not a well-formed ICMP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The buffer is shorter than the 8-byte ICMP header.
    #[error("truncated ICMP message: need {needed} bytes for the header, have {actual}")]
    Truncated {
        /// Bytes the header needs.
        needed: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
    /// The checksum does not match the message.
    #[error("bad ICMP checksum {found:#06x}: the message needs {computed:#06x}")]
    BadChecksum {
        /// The checksum field as received.
        found: u16,
        /// The checksum the sender should have written.
        computed: u16,
    },
    /// An error message's data does not start with a whole, valid IPv4 header.
    #[error("the datagram quoted in an ICMP error is malformed: {0}")]
    Quoted(#[from] ipv4::ParseError),
}

/// Why an ICMP message cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The buffer is shorter than the message.
    #[error("buffer too small: need {needed} bytes, have {actual}")]
    BufferTooSmall {
        /// Bytes the message needs.
        needed: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
}

/// Why no ICMP error may be built about a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The original datagram does not start with a whole, valid IPv4 header.
    #[error("the original datagram is malformed: {0}")]
    BadOriginal(#[from] ipv4::ParseError),
    /// RFC 1122 §3.2.2 (and RFC 1812 §4.3.2.7) forbid an error about this datagram.
    #[error("no ICMP error may be sent about this datagram: {0}")]
    Suppressed(#[from] Suppressed),
}

/// The RFC 1122 §3.2.2 rules under which an ICMP error must not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Suppressed {
    /// The datagram is itself an ICMP error message (errors about errors could loop), or
    /// an ICMP message too short to tell.
    #[error("it is an ICMP error message, or too short to tell")]
    IcmpError,
    /// The datagram is a fragment other than the first.
    #[error("it is a non-initial fragment")]
    NonInitialFragment,
    /// The datagram was sent to the limited broadcast or a multicast address.
    #[error("its destination is a broadcast or multicast address")]
    GroupDestination,
    /// The source does not name a single host (network 0, loopback, broadcast,
    /// multicast or class E), so there is no one to tell.
    #[error("its source does not name a single host")]
    InvalidSource,
}
