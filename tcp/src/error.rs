use thiserror::Error;

/// Why bytes are not a well-formed TCP segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The buffer is shorter than the 20-byte fixed header.
    #[error("truncated TCP segment: need {needed} bytes for the header, have {actual}")]
    Truncated {
        /// Bytes the fixed header needs.
        needed: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
    /// The data offset is below 5 words, the size of the fixed header.
    #[error("bad TCP data offset {offset} (at least 5 words)")]
    BadDataOffset {
        /// The data offset field, in 32-bit words.
        offset: u8,
    },
    /// The data offset claims a header longer than the buffer.
    #[error("TCP header of {header_len} bytes overruns the {actual}-byte segment")]
    HeaderOverrun {
        /// Header length announced by the data offset.
        header_len: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
    /// An option's length byte is missing, below 2, or runs past the header's end.
    #[error("TCP option kind {kind} at offset {offset} overruns the options area")]
    OptionOverrun {
        /// The option's kind byte.
        kind: u8,
        /// Offset of the option within the options area.
        offset: usize,
    },
    /// A known option has the wrong length (e.g. an MSS option that is not 4 bytes).
    #[error("TCP option kind {kind} has length {len}, which that kind does not allow")]
    BadOptionLength {
        /// The option's kind byte.
        kind: u8,
        /// Its length byte.
        len: u8,
    },
    /// The checksum does not match the segment and its pseudo-header.
    #[error("bad TCP checksum {found:#06x}: the segment needs {computed:#06x}")]
    BadChecksum {
        /// The checksum field as received.
        found: u16,
        /// The checksum the sender should have written.
        computed: u16,
    },
}

/// Why a segment or an option list cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The buffer is shorter than the segment.
    #[error("buffer too small: need {needed} bytes, have {actual}")]
    BufferTooSmall {
        /// Bytes the segment needs.
        needed: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
    /// The payload passed to `emit` is not `payload_len` bytes long.
    #[error("payload is {actual} bytes but the repr announces {expected}")]
    PayloadLengthMismatch {
        /// The repr's `payload_len`.
        expected: usize,
        /// The length of the payload passed in.
        actual: usize,
    },
    /// The segment does not fit the 16-bit length of the IPv4 pseudo-header.
    #[error("segment of {len} bytes is too long for IPv4 (at most 65515)")]
    SegmentTooLong {
        /// Header plus payload.
        len: usize,
    },
    /// The options do not fit the 40 bytes a TCP header has room for.
    #[error("TCP options of {len} bytes do not fit the 40-byte options area")]
    OptionsTooLong {
        /// Bytes the options need.
        len: usize,
    },
}
