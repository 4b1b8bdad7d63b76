use std::net::Ipv4Addr;

pub use ipv4::checksum::ChecksumCheck;

use crate::error::{EmitError, ParseError};
use crate::wire::{HEADER_LEN, UdpPacket};

/// The meaning of a UDP header: ports and payload length.
///
/// The checksum is not part of the repr: [`UdpRepr::parse`] verifies it and
/// [`UdpRepr::emit`] computes it.
///
/// ```
/// use std::net::Ipv4Addr;
/// use udp::{ChecksumCheck, UdpPacket, UdpRepr};
/// let (src, dst) = (Ipv4Addr::new(192, 168, 1, 1), Ipv4Addr::new(192, 168, 1, 254));
/// let repr = UdpRepr { src_port: 51000, dst_port: 53, payload_len: 4 };
/// let bytes = repr.to_bytes(src, dst, b"ping")?;
/// let packet = UdpPacket::new_checked(&bytes[..])?;
/// assert_eq!(UdpRepr::parse(&packet, src, dst)?, repr);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UdpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Payload length in bytes (the length field minus 8).
    pub payload_len: usize,
}

impl UdpRepr {
    /// Largest payload a UDP datagram can announce in its 16-bit length field.
    pub const MAX_PAYLOAD_LEN: usize = u16::MAX as usize - HEADER_LEN;

    /// Reads a datagram's header, checking its length field and its checksum over the
    /// pseudo-header built from `src` and `dst` (a checksum of 0 means "none").
    #[inline]
    pub fn parse<T: AsRef<[u8]>>(
        packet: &UdpPacket<T>,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    ) -> Result<Self, ParseError> {
        Self::parse_with(packet, src, dst, ChecksumCheck::Verify)
    }

    /// [`UdpRepr::parse`], checking the checksum only when `check` says so.
    #[inline]
    pub fn parse_with<T: AsRef<[u8]>>(
        packet: &UdpPacket<T>,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        check: ChecksumCheck,
    ) -> Result<Self, ParseError> {
        packet.check_len()?;
        if check == ChecksumCheck::Verify && !packet.verify_checksum(src, dst) {
            return Err(ParseError::BadChecksum {
                found: packet.checksum(),
                computed: packet.compute_checksum(src, dst),
            });
        }
        Ok(Self {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            payload_len: usize::from(packet.len()) - HEADER_LEN,
        })
    }

    /// Length of the datagram this repr emits: header plus payload.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN + self.payload_len
    }

    /// Writes header and `payload` into the start of `packet` and fills the checksum
    /// (0xffff when the sum comes out as 0, RFC 768).
    ///
    /// Never panics; fails if `payload` is not `payload_len` bytes, if the datagram does
    /// not fit the length field, or if the buffer is shorter than
    /// [`UdpRepr::buffer_len`]. Bytes past the datagram are left alone.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut UdpPacket<T>,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        payload: &[u8],
    ) -> Result<(), EmitError> {
        if payload.len() != self.payload_len {
            return Err(EmitError::PayloadLengthMismatch {
                expected: self.payload_len,
                actual: payload.len(),
            });
        }
        let length = u16::try_from(self.buffer_len())
            .map_err(|_| EmitError::PayloadTooLong { payload_len: self.payload_len })?;
        let actual = packet.as_ref().len();
        if actual < self.buffer_len() {
            return Err(EmitError::BufferTooSmall { needed: self.buffer_len(), actual });
        }
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_len(length);
        packet.set_checksum(0);
        packet.payload_mut().copy_from_slice(payload);
        packet.fill_checksum(src, dst);
        Ok(())
    }

    /// Builds the whole datagram in a new vector.
    pub fn to_bytes(&self, src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) -> Result<Vec<u8>, EmitError> {
        if payload.len() != self.payload_len || self.payload_len > Self::MAX_PAYLOAD_LEN {
            // Let `emit` report which rule failed, without allocating a huge buffer.
            return self
                .emit(&mut UdpPacket::new_unchecked(&mut [][..]), src, dst, payload)
                .map(|()| Vec::new());
        }
        let mut bytes = vec![0; self.buffer_len()];
        self.emit(&mut UdpPacket::new_unchecked(&mut bytes[..]), src, dst, payload)?;
        Ok(bytes)
    }
}
