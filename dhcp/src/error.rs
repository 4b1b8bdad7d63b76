use thiserror::Error;

use crate::OptionCode;

/// Why bytes are not a well-formed DHCP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The buffer is shorter than the fixed BOOTP header plus the magic cookie.
    #[error("truncated DHCP message: need {needed} bytes for the header and cookie, have {actual}")]
    Truncated {
        /// Bytes the header and cookie need (240).
        needed: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
    /// The four bytes after the `file` field are not 99.130.83.99 (RFC 2131 §3).
    #[error("bad DHCP magic cookie {found:#010x} (expected 0x63825363)")]
    BadMagicCookie {
        /// The cookie as received.
        found: u32,
    },
    /// An option's code or length byte, or part of its value, lies past the end of its area.
    #[error("option {code} at offset {offset} runs past the end of its area")]
    TruncatedOption {
        /// The option's code.
        code: OptionCode,
        /// Offset of the option's code byte from the start of the message.
        offset: usize,
    },
    /// The options field has no End option (255).
    #[error("the options field has no End option")]
    MissingEnd,
    /// An option's (concatenated, RFC 3396) value has a length its type does not allow.
    #[error("option {code} has a bad length {len}")]
    BadOptionLength {
        /// The option's code.
        code: OptionCode,
        /// Its value's length in bytes.
        len: usize,
    },
    /// Option 52 holds a value other than 1 (file), 2 (sname) or 3 (both).
    #[error("option overload value {value} is not 1, 2 or 3")]
    BadOverload {
        /// The value of option 52.
        value: u8,
    },
}

/// Why a [`crate::DhcpRepr`] cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The buffer is shorter than [`crate::DhcpRepr::buffer_len`].
    #[error("buffer too short for the DHCP message: need {needed} bytes, have {actual}")]
    BufferTooShort {
        /// Bytes the message needs.
        needed: usize,
        /// Bytes the buffer holds.
        actual: usize,
    },
    /// `sname` is longer than 64 bytes or `file` longer than 128.
    #[error("the {field} field holds {len} bytes, at most {max} fit")]
    FieldTooLong {
        /// `"sname"` or `"file"`.
        field: &'static str,
        /// The value's length.
        len: usize,
        /// The field's size.
        max: usize,
    },
    /// An option value the parser would reject (an empty address list, a client
    /// identifier shorter than 2 bytes, an `Other` option with code 0, 52 or 255, …).
    #[error("option {code} cannot be written with a {len}-byte value")]
    BadOption {
        /// The option's code.
        code: OptionCode,
        /// The length of the value it would have.
        len: usize,
    },
}
