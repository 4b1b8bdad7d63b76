use ethernet::EtherType;
use thiserror::Error;

use crate::HardwareType;

/// Why bytes are not an ARP packet this crate understands.
///
/// [`crate::ArpPacket::check_len`] reports only [`ParseError::Truncated`];
/// [`crate::ArpRepr::parse`] also rejects everything but Ethernet/IPv4 ARP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The buffer ends before the fixed header or the four addresses do.
    #[error("truncated ARP packet: need {needed} bytes, have {actual}")]
    Truncated {
        /// Bytes the packet needs (8 for the fixed header, then 8 + 2·(hlen + plen)).
        needed: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
    /// The hardware type is not Ethernet (1).
    #[error("unsupported ARP hardware type {0:?} (only Ethernet is supported)")]
    UnsupportedHardwareType(HardwareType),
    /// The protocol type is not IPv4 (0x0800).
    #[error("unsupported ARP protocol type {0:?} (only IPv4 is supported)")]
    UnsupportedProtocolType(EtherType),
    /// The hardware address length is not 6 although the hardware type is Ethernet.
    #[error("ARP hardware address length {0} (Ethernet addresses are 6 bytes)")]
    HardwareLength(u8),
    /// The protocol address length is not 4 although the protocol type is IPv4.
    #[error("ARP protocol address length {0} (IPv4 addresses are 4 bytes)")]
    ProtocolLength(u8),
}

/// Why an ARP packet cannot be written into a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The buffer is shorter than the packet being written.
    #[error("buffer too small for ARP packet: need {needed} bytes, have {actual}")]
    BufferTooSmall {
        /// Bytes the packet needs.
        needed: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
}
