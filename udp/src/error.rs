use thiserror::Error;

/// Why bytes are not a well-formed UDP datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The buffer is shorter than the 8-byte header.
    #[error("truncated UDP datagram: need {needed} bytes for the header, have {actual}")]
    Truncated {
        /// Bytes the header needs.
        needed: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
    /// The length field is below the header length, or claims more bytes than are present.
    #[error("bad UDP length field {field}: the buffer holds {actual} bytes (need 8 ≤ length ≤ buffer)")]
    BadLength {
        /// The value of the length field.
        field: u16,
        /// Bytes the buffer holds.
        actual: usize,
    },
    /// A non-zero checksum does not match the datagram and its pseudo-header.
    #[error("bad UDP checksum {found:#06x}: the datagram needs {computed:#06x}")]
    BadChecksum {
        /// The checksum field as received.
        found: u16,
        /// The checksum the sender should have written.
        computed: u16,
    },
}

/// Why a datagram cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The buffer is shorter than the datagram.
    #[error("buffer too small: need {needed} bytes, have {actual}")]
    BufferTooSmall {
        /// Bytes the datagram needs.
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
    /// Header plus payload does not fit the 16-bit length field.
    #[error("payload of {payload_len} bytes does not fit a UDP datagram (at most 65527)")]
    PayloadTooLong {
        /// The repr's `payload_len`.
        payload_len: usize,
    },
}
