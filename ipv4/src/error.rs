use std::net::Ipv4Addr;

use thiserror::Error;

use crate::IpProtocol;

/// Why a byte slice is not a well-formed IPv4 datagram (RFC 791 §3.1, RFC 1812 §5.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The Version field is not 4.
    #[error("IP version {0}, expected 4")]
    BadVersion(u8),
    /// The IHL field is below 5 (a header is at least 20 bytes).
    #[error("IHL {0} is below the minimum of 5 (20 bytes)")]
    BadHeaderLength(u8),
    /// The buffer ends before the header, or before the Total Length, does.
    #[error("truncated IPv4 datagram: need {needed} bytes, have {actual}")]
    Truncated {
        /// Bytes the header (or the whole datagram) needs.
        needed: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
    /// The Total Length field is shorter than the header itself.
    #[error("total length {total_len} is shorter than the {header_len}-byte header")]
    BadTotalLength {
        /// The Total Length field.
        total_len: u16,
        /// The header length from the IHL field, in bytes.
        header_len: usize,
    },
    /// The header checksum does not verify.
    #[error("bad IPv4 header checksum {found:#06x}: the header needs {computed:#06x}")]
    BadChecksum {
        /// The checksum field as received.
        found: u16,
        /// The checksum the sender should have written.
        computed: u16,
    },
}

/// Why an IPv4 header field value is out of range, or a repr cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The buffer is shorter than the header being written.
    #[error("buffer too small: need {needed} bytes, have {actual}")]
    BufferTooSmall {
        /// Bytes the header needs.
        needed: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
    /// Header plus payload exceed the 65,535 bytes the Total Length field can express.
    #[error("datagram of {0} bytes exceeds the 65535-byte maximum")]
    TooLong(usize),
    /// The fragment offset is not a multiple of 8 bytes, or exceeds 13 bits of 8-byte units.
    #[error("fragment offset {0} is not a multiple of 8 at most 65528")]
    BadFragmentOffset(u16),
}

/// Why a value does not fit an IPv4 header field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FieldError {
    /// DSCP is 6 bits.
    #[error("DSCP {0} does not fit in 6 bits (0..=63)")]
    DscpOutOfRange(u8),
    /// ECN is 2 bits.
    #[error("ECN {0} does not fit in 2 bits (0..=3)")]
    EcnOutOfRange(u8),
    /// Options are at most 40 bytes, a multiple of 4 (the IHL counts 32-bit words).
    #[error("options of {0} bytes: must be a multiple of 4, at most 40")]
    BadOptionsLength(usize),
}

/// Why a datagram cannot be fragmented (RFC 791 §3.2, RFC 1812 §5.2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FragmentError {
    /// The datagram is larger than the MTU and carries Don't Fragment; a router answers
    /// with ICMP Destination Unreachable, code 4, quoting this MTU (RFC 1191).
    #[error("fragmentation needed but DF is set (MTU {mtu})")]
    FragmentationNeeded {
        /// The MTU the datagram does not fit.
        mtu: usize,
    },
    /// Every IPv4 link carries at least 68 bytes (RFC 791 §3.2); smaller MTUs cannot carry
    /// a 60-byte header plus 8 bytes of data.
    #[error("MTU {mtu} is below the IPv4 minimum of 68")]
    MtuTooSmall {
        /// The MTU asked for.
        mtu: usize,
    },
    /// The header could not be written (datagram too long, bad offset).
    #[error(transparent)]
    Emit(#[from] EmitError),
}

/// The key under which fragments of one datagram are collected (RFC 791 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FragmentKey {
    /// Source address.
    pub src_addr: Ipv4Addr,
    /// Destination address.
    pub dst_addr: Ipv4Addr,
    /// Protocol.
    pub protocol: IpProtocol,
    /// Identification.
    pub ident: u16,
}

impl core::fmt::Display for FragmentKey {
    /// As engineers name a datagram: `ICMP 192.0.2.10 → 192.0.2.20 id 0xd972`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} {} → {} id {:#06x}", self.protocol, self.src_addr, self.dst_addr, self.ident)
    }
}

/// Why a fragment was not accepted by the [`crate::Reassembler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ReassemblyError {
    /// The fragment overlaps one already held with different bytes or bounds; the whole
    /// datagram is dropped (as RFC 5722 requires for IPv6: overlaps are an attack, not an
    /// accident).
    #[error("fragment [{start}, {end}) overlaps another of datagram {key}: datagram dropped")]
    Overlap {
        /// The datagram dropped.
        key: FragmentKey,
        /// First payload byte of the offending fragment.
        start: usize,
        /// One past its last payload byte.
        end: usize,
    },
    /// The fragment would make the datagram longer than 65,535 bytes, or extends beyond
    /// the end set by the last fragment; the whole datagram is dropped.
    #[error("fragment ending at {end} exceeds datagram {key}'s length {limit}: datagram dropped")]
    TooLong {
        /// The datagram dropped.
        key: FragmentKey,
        /// One past the fragment's last payload byte.
        end: usize,
        /// The limit it crossed.
        limit: usize,
    },
    /// Two final fragments (More Fragments clear) disagree on where the datagram ends, or
    /// a final fragment ends before data already received; the whole datagram is dropped.
    #[error(
        "final fragment ending at {end} conflicts with datagram {key}'s data up to {known}: datagram dropped"
    )]
    ConflictingEnd {
        /// The datagram dropped.
        key: FragmentKey,
        /// Where this fragment says the datagram ends.
        end: usize,
        /// The end known before (an earlier final fragment's, or the furthest byte held).
        known: usize,
    },
    /// A fragment with More Fragments set has a payload that is not a multiple of 8
    /// bytes; only this fragment is ignored.
    #[error("non-final fragment of {len} bytes is not a multiple of 8: ignored")]
    BadFragmentLength {
        /// The payload length.
        len: usize,
    },
    /// The table already holds `max_datagrams` partial datagrams: new ones are refused.
    #[error("reassembly table full ({max} datagrams): fragment refused")]
    TooManyDatagrams {
        /// The configured limit.
        max: usize,
    },
    /// Buffering this fragment would exceed `max_bytes_in_flight`: it is refused.
    #[error("reassembly buffers full ({max} bytes): fragment refused")]
    BuffersFull {
        /// The configured limit.
        max: usize,
    },
}
