use std::net::Ipv4Addr;

pub use ipv4::checksum::ChecksumCheck;

use crate::error::{EmitError, ParseError};
use crate::options::TcpOptions;
use crate::seq::SeqNumber;
use crate::wire::{HEADER_LEN, TcpFlags, TcpPacket};

/// Longest TCP segment an IPv4 packet can carry: 65535 minus a 20-byte IP header.
pub const MAX_SEGMENT_LEN: usize = 65515;

/// The meaning of a TCP header: every field but the checksum, with the options kept as
/// their bytes so that a parsed segment re-emits byte for byte.
///
/// [`TcpRepr::parse`] verifies the checksum; [`TcpRepr::emit`] computes it.
///
/// ```
/// use std::net::Ipv4Addr;
/// use tcp::{ChecksumCheck, SeqNumber, TcpFlags, TcpOption, TcpOptions, TcpPacket, TcpRepr};
/// let (src, dst) = (Ipv4Addr::new(192, 168, 1, 1), Ipv4Addr::new(10, 1, 3, 12));
/// let repr = TcpRepr {
///     src_port: 51234,
///     dst_port: 443,
///     seq_number: SeqNumber(1000),
///     ack_number: SeqNumber(0),
///     flags: TcpFlags::SYN,
///     window_len: 64240,
///     urgent_at: 0,
///     options: TcpOptions::from_options(&[TcpOption::Mss(1460)])?,
///     payload_len: 0,
/// };
/// let bytes = repr.to_bytes(src, dst, &[])?;
/// let packet = TcpPacket::new_checked(&bytes[..])?;
/// assert_eq!(TcpRepr::parse(&packet, src, dst, ChecksumCheck::Verify)?, repr);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TcpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq_number: SeqNumber,
    /// Acknowledgment number as on the wire (meaningful only with [`TcpFlags::ACK`]).
    pub ack_number: SeqNumber,
    /// Flags (and reserved bits).
    pub flags: TcpFlags,
    /// Window field, unscaled.
    pub window_len: u16,
    /// Urgent pointer field.
    pub urgent_at: u16,
    /// Options, in wire order.
    pub options: TcpOptions,
    /// Payload length in bytes.
    pub payload_len: usize,
}

impl TcpRepr {
    /// Reads a segment's header and options, verifying the checksum over the
    /// pseudo-header built from `src` and `dst` unless told to ignore it.
    #[inline]
    pub fn parse<T: AsRef<[u8]>>(
        packet: &TcpPacket<T>,
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
        let mut repr = Self {
            src_port: packet.src_port(),
            dst_port: packet.dst_port(),
            seq_number: packet.seq_number(),
            ack_number: packet.ack_number(),
            flags: packet.flags(),
            window_len: packet.window_len(),
            urgent_at: packet.urgent_at(),
            options: TcpOptions::EMPTY,
            payload_len: packet.payload().len(),
        };
        // Options are parsed into the struct being built, not copied into it.
        repr.options.read_from(packet.options())?;
        Ok(repr)
    }

    /// Header length: 20 bytes plus the options padded to a multiple of 4.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN + self.options.padded_len()
    }

    /// Length of the segment this repr emits: header plus payload.
    pub const fn buffer_len(&self) -> usize {
        self.header_len() + self.payload_len
    }

    /// Sequence numbers the segment occupies: payload, plus one each for SYN and FIN.
    pub const fn segment_len(&self) -> usize {
        self.payload_len + self.flags.syn() as usize + self.flags.fin() as usize
    }

    /// Writes header, options (zero-padded) and `payload` into the start of `packet`
    /// and fills the checksum.
    ///
    /// Never panics; fails if `payload` is not `payload_len` bytes, if the segment is too
    /// long for IPv4, or if the buffer is shorter than [`TcpRepr::buffer_len`]. The
    /// checksum covers exactly `buffer_len()` bytes: bytes past them are left alone and
    /// are not part of the segment.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut TcpPacket<T>,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        payload: &[u8],
    ) -> Result<(), EmitError> {
        self.check_emit(payload)?;
        let needed = self.buffer_len();
        let actual = packet.as_ref().len();
        if actual < needed {
            return Err(EmitError::BufferTooSmall { needed, actual });
        }
        if actual > needed {
            // Checksum exactly the segment: view the first `needed` bytes.
            let mut exact = TcpPacket::new_unchecked(&mut packet.as_mut_slice()[..needed]);
            return self.emit_exact(&mut exact, src, dst, payload);
        }
        self.emit_exact(packet, src, dst, payload)
    }

    fn check_emit(&self, payload: &[u8]) -> Result<(), EmitError> {
        if payload.len() != self.payload_len {
            return Err(EmitError::PayloadLengthMismatch {
                expected: self.payload_len,
                actual: payload.len(),
            });
        }
        if self.buffer_len() > MAX_SEGMENT_LEN {
            return Err(EmitError::SegmentTooLong { len: self.buffer_len() });
        }
        Ok(())
    }

    fn emit_exact<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut TcpPacket<T>,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        payload: &[u8],
    ) -> Result<(), EmitError> {
        let header_len = self.header_len();
        packet.set_src_port(self.src_port);
        packet.set_dst_port(self.dst_port);
        packet.set_seq_number(self.seq_number);
        packet.set_ack_number(self.ack_number);
        let words = u8::try_from(header_len / 4)
            .map_err(|_| EmitError::OptionsTooLong { len: self.options.len() })?;
        packet.set_offset_and_flags(words, self.flags);
        packet.set_window_len(self.window_len);
        packet.set_checksum(0);
        packet.set_urgent_at(self.urgent_at);
        let options = packet.options_mut();
        let (used, padding) = options.split_at_mut(self.options.len().min(options.len()));
        used.copy_from_slice(&self.options.as_bytes()[..used.len()]);
        padding.fill(0);
        packet.payload_mut().copy_from_slice(payload);
        packet.fill_checksum(src, dst);
        Ok(())
    }

    /// Builds the whole segment in a new vector.
    pub fn to_bytes(&self, src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) -> Result<Vec<u8>, EmitError> {
        self.check_emit(payload)?;
        let mut bytes = vec![0; self.buffer_len()];
        self.emit(&mut TcpPacket::new_unchecked(&mut bytes[..]), src, dst, payload)?;
        Ok(bytes)
    }
}
