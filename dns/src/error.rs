//! Typed errors of the wire format: one enum per operation, each variant with its data.

use crate::RecordType;

/// Why a DNS message (or a part of one) could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The input ended before a field that starts at `offset` was complete.
    #[error("truncated: a field at offset {offset} runs past the end of the message")]
    Truncated {
        /// Where the incomplete field starts.
        offset: usize,
    },
    /// The message is longer than a DNS message can be (65,535 bytes).
    #[error("message of {len} bytes is longer than 65535")]
    MessageTooLong {
        /// Its length.
        len: usize,
    },
    /// A label's first two bits are 01 or 10 (reserved; RFC 6891 retired extended labels).
    #[error("reserved label type {bits:#04x} at offset {offset}")]
    ReservedLabelType {
        /// Where the label starts.
        offset: usize,
        /// The two high bits of its length byte, shifted into place (0x40 or 0x80).
        bits: u8,
    },
    /// A label longer than 63 bytes (only possible in text input).
    #[error("label of {len} bytes is longer than 63")]
    LabelTooLong {
        /// Its length.
        len: usize,
    },
    /// A `\\` escape in text that is not `\\DDD` (0–255) or `\\` + one character.
    #[error("bad escape in a name")]
    BadEscape,
    /// An empty label inside a name (only possible in text input: `a..b`).
    #[error("empty label inside a name")]
    EmptyLabel,
    /// A name whose wire form is longer than 255 bytes.
    #[error("name at offset {offset} is longer than 255 bytes")]
    NameTooLong {
        /// Where the name starts.
        offset: usize,
    },
    /// A compression pointer that does not point strictly before the labels it belongs to
    /// (forward pointers, self pointers and loops are all of this kind).
    #[error("compression pointer at offset {offset} points forward to {target}")]
    ForwardPointer {
        /// Where the pointer is.
        offset: usize,
        /// Where it points.
        target: usize,
    },
    /// More than [`crate::MAX_POINTER_HOPS`] compression pointers in one name.
    #[error("name at offset {offset} follows more than {hops} compression pointers")]
    TooManyPointers {
        /// Where the name starts.
        offset: usize,
        /// The limit.
        hops: usize,
    },
    /// A record's RDATA did not have the length its type requires, or its declared
    /// RDLENGTH was not exactly used up by the fields of its type.
    #[error("{rtype} RDATA at offset {offset}: declared {declared} bytes, fields use {used}")]
    BadRdataLength {
        /// The record type.
        rtype: RecordType,
        /// Where the RDATA starts.
        offset: usize,
        /// RDLENGTH.
        declared: usize,
        /// Bytes the fields took (or needed).
        used: usize,
    },
    /// An OPT pseudo-record whose owner is not the root, or a second OPT record.
    #[error("bad OPT record at offset {offset}: {why}")]
    BadOpt {
        /// Where the record starts.
        offset: usize,
        /// What is wrong.
        why: &'static str,
    },
    /// Bytes left after the last record the header announced.
    #[error("{extra} bytes after the last record at offset {offset}")]
    TrailingBytes {
        /// Where they start.
        offset: usize,
        /// How many.
        extra: usize,
    },
}

/// Why a message could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The message would be longer than 65,535 bytes.
    #[error("message would be {len} bytes, longer than 65535")]
    MessageTooLong {
        /// Bytes it would need (at least).
        len: usize,
    },
    /// A section holds more than 65,535 entries.
    #[error("a section holds {count} entries, more than 65535")]
    TooManyEntries {
        /// How many.
        count: usize,
    },
    /// A TXT character-string longer than 255 bytes.
    #[error("TXT string of {len} bytes is longer than 255")]
    StringTooLong {
        /// Its length.
        len: usize,
    },
    /// RDATA (or an EDNS option) longer than 65,535 bytes.
    #[error("RDATA or option of {len} bytes is longer than 65535")]
    RdataTooLong {
        /// Its length.
        len: usize,
    },
}
