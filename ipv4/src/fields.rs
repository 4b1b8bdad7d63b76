use core::fmt;

use crate::error::FieldError;

/// The 6-bit Differentiated Services Code Point (RFC 2474), the upper bits of the old
/// Type of Service byte.
///
/// ```
/// use ipv4::Dscp;
/// assert_eq!(Dscp::try_new(46)?, Dscp::EF);
/// assert_eq!(format!("{:?}", Dscp::EF), "EF");
/// assert!(Dscp::try_new(64).is_err());
/// # Ok::<(), ipv4::FieldError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Dscp(u8);

impl Dscp {
    /// The largest value 6 bits hold.
    pub const MAX: u8 = 63;
    /// Class selector 0: best effort, the default.
    pub const CS0: Self = Self(0);
    /// Class selector 6: network control (routing protocols).
    pub const CS6: Self = Self(48);
    /// Expedited forwarding (RFC 3246).
    pub const EF: Self = Self(46);

    /// Checks that `value` fits in 6 bits.
    pub const fn try_new(value: u8) -> Result<Self, FieldError> {
        if value > Self::MAX { Err(FieldError::DscpOutOfRange(value)) } else { Ok(Self(value)) }
    }

    /// Keeps the low 6 bits of `value`.
    pub const fn from_bits_truncate(value: u8) -> Self {
        Self(value & Self::MAX)
    }

    /// The code point as a number, 0..=63.
    pub const fn value(self) -> u8 {
        self.0
    }
}

impl fmt::Debug for Dscp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::CS0 => f.write_str("CS0"),
            Self::CS6 => f.write_str("CS6"),
            Self::EF => f.write_str("EF"),
            Self(value) => write!(f, "Dscp({value})"),
        }
    }
}

/// The 2-bit Explicit Congestion Notification field (RFC 3168 §5).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Ecn(u8);

impl Ecn {
    /// Not ECN-capable transport.
    pub const NOT_ECT: Self = Self(0b00);
    /// ECN-capable transport, codepoint 1.
    pub const ECT1: Self = Self(0b01);
    /// ECN-capable transport, codepoint 0.
    pub const ECT0: Self = Self(0b10);
    /// Congestion experienced.
    pub const CE: Self = Self(0b11);

    /// Checks that `value` fits in 2 bits.
    pub const fn try_new(value: u8) -> Result<Self, FieldError> {
        if value > 3 { Err(FieldError::EcnOutOfRange(value)) } else { Ok(Self(value)) }
    }

    /// Keeps the low 2 bits of `value`.
    pub const fn from_bits_truncate(value: u8) -> Self {
        Self(value & 0b11)
    }

    /// The field as a number, 0..=3.
    pub const fn value(self) -> u8 {
        self.0
    }
}

impl fmt::Debug for Ecn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match *self {
            Self::NOT_ECT => "NOT_ECT",
            Self::ECT1 => "ECT1",
            Self::ECT0 => "ECT0",
            _ => "CE",
        })
    }
}

/// The largest options area: a 15-word header minus the 5 fixed words.
pub const MAX_OPTIONS_LEN: usize = 40;

/// IPv4 options, kept byte-for-byte (padding included) so a parsed header re-emits
/// exactly; stored inline, so the type is `Copy` and allocation-free.
///
/// ```
/// use ipv4::Ipv4Options;
/// // Router Alert (RFC 2113): copied flag set, type 20, length 4.
/// let options = Ipv4Options::try_new(&[0x94, 0x04, 0x00, 0x00])?;
/// assert_eq!(options.as_bytes(), &[0x94, 0x04, 0x00, 0x00]);
/// assert_eq!(options.copied_on_fragmentation().as_bytes(), options.as_bytes());
/// assert!(Ipv4Options::try_new(&[1, 1, 1]).is_err());
/// # Ok::<(), ipv4::FieldError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Options {
    bytes: [u8; MAX_OPTIONS_LEN],
    len: u8,
}

impl Ipv4Options {
    /// No options.
    pub const NONE: Self = Self { bytes: [0; MAX_OPTIONS_LEN], len: 0 };

    /// Options from their wire bytes, which must be a multiple of 4 long, at most 40.
    #[inline]
    pub fn try_new(bytes: &[u8]) -> Result<Self, FieldError> {
        // Almost every datagram has none: skip the copy on the parse hot path.
        if bytes.is_empty() {
            return Ok(Self::NONE);
        }
        if bytes.len() > MAX_OPTIONS_LEN || !bytes.len().is_multiple_of(4) {
            return Err(FieldError::BadOptionsLength(bytes.len()));
        }
        let mut options = Self::NONE;
        options.bytes[..bytes.len()].copy_from_slice(bytes);
        // Fits: at most 40.
        options.len = bytes.len() as u8;
        Ok(options)
    }

    /// The options' wire bytes, padding included.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// Length in bytes, a multiple of 4.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there are no options.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The options a non-first fragment carries: those whose type has the *copied* flag
    /// (bit 0x80) set, in order, padded with End of Option List to a multiple of 4
    /// (RFC 791 §3.1, "Options"). A malformed option ends the walk: what follows it cannot
    /// be delimited.
    pub fn copied_on_fragmentation(&self) -> Self {
        let mut out = Self::NONE;
        let mut write = 0;
        let mut rest = self.as_bytes();
        while let Some((&kind, after)) = rest.split_first() {
            match kind {
                0 => break,
                1 => {
                    rest = after;
                    continue;
                }
                _ => {}
            }
            let Some(&len) = after.first() else { break };
            let len = usize::from(len);
            let Some(option) = rest.get(..len).filter(|_| len >= 2) else {
                break;
            };
            if kind & 0x80 != 0 {
                out.bytes[write..write + len].copy_from_slice(option);
                write += len;
            }
            rest = &rest[len..];
        }
        // End of Option List is zero, and the array is zero-filled: round up only.
        out.len = write.next_multiple_of(4) as u8;
        out
    }
}

impl Default for Ipv4Options {
    fn default() -> Self {
        Self::NONE
    }
}

impl fmt::Debug for Ipv4Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ipv4Options({:02x?})", self.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copied_options_skip_uncopied_nops_and_stop_at_malformed() {
        // NOP, Record Route (7, not copied), LSRR (0x83, copied), then a bad length.
        let options = Ipv4Options::try_new(&[1, 7, 3, 0, 0x83, 3, 9, 0x88, 1, 0, 0, 0]).unwrap_or_default();
        assert_eq!(options.copied_on_fragmentation().as_bytes(), &[0x83, 3, 9, 0]);
        assert!(Ipv4Options::try_new(&[0; 44]).is_err());
        assert_eq!(Ipv4Options::default(), Ipv4Options::NONE);
    }

    #[test]
    fn newtypes_check_their_widths_and_print_names() {
        assert_eq!(Dscp::try_new(64), Err(FieldError::DscpOutOfRange(64)));
        assert_eq!(Ecn::try_new(4), Err(FieldError::EcnOutOfRange(4)));
        assert_eq!(format!("{:?}", Ecn::CE), "CE");
        assert_eq!(format!("{:?}", Dscp::from_bits_truncate(10)), "Dscp(10)");
        assert_eq!(Ecn::from_bits_truncate(0xfe), Ecn::ECT0);
    }
}
