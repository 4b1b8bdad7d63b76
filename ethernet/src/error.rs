use thiserror::Error;

/// Why a byte slice is not a well-formed Ethernet II frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The buffer ends before the header (including any 802.1Q tag) does.
    #[error("truncated Ethernet frame: need {needed} bytes for the header, have {actual}")]
    Truncated {
        /// Bytes the header needs.
        needed: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
    /// The type/length field is below 0x0600: an IEEE 802.3 length (≤ 1500) or an
    /// undefined value (1501–1535), not an EtherType.
    ///
    /// packetflow speaks Ethernet II only; 802.3/LLC frames (STP, for example) are
    /// reported rather than misread.
    #[error("IEEE 802.3 length field {length} (LLC frames are not Ethernet II)")]
    Ieee8023Length {
        /// The value of the type/length field.
        length: u16,
    },
}

/// Why a MAC address string does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MacParseError {
    /// Not six groups of two hex digits separated by `:` or `-`.
    #[error("invalid MAC address {0:?}: expected six hex octets like aa:bb:cc:dd:ee:ff")]
    Invalid(String),
}

/// Why an 802.1Q field value is out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VlanError {
    /// VLAN ids are 12 bits.
    #[error("VLAN id {0} does not fit in 12 bits (0..=4095)")]
    VlanIdOutOfRange(u16),
    /// The priority code point is 3 bits.
    #[error("priority code point {0} is out of range 0..=7")]
    PcpOutOfRange(u8),
}

/// Why a frame cannot be written into a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The buffer is shorter than the frame being written.
    #[error("buffer too small: need {needed} bytes, have {actual}")]
    BufferTooSmall {
        /// Bytes the frame needs.
        needed: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
}
