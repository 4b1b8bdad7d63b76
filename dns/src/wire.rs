//! The fixed 12-byte header (RFC 1035 §4.1.1) as a zero-copy view.

use crate::{Flags, ParseError};

/// Length of the header.
pub const HEADER_LEN: usize = 12;

mod field {
    use core::ops::Range;
    pub(super) const ID: Range<usize> = 0..2;
    pub(super) const FLAGS: Range<usize> = 2..4;
    pub(super) const QDCOUNT: Range<usize> = 4..6;
    pub(super) const ANCOUNT: Range<usize> = 6..8;
    pub(super) const NSCOUNT: Range<usize> = 8..10;
    pub(super) const ARCOUNT: Range<usize> = 10..12;
}

/// A view of a DNS message's bytes with accessors for the header fields.
///
/// After [`DnsPacket::new_checked`] (or a successful [`DnsPacket::check_len`]) no getter
/// panics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsPacket<T: AsRef<[u8]>> {
    buffer: T,
}

macro_rules! u16_field {
    ($get:ident, $set:ident, $range:expr, $doc:literal) => {
        #[doc = concat!("The ", $doc, " field.")]
        pub fn $get(&self) -> u16 {
            let b = &self.buffer.as_ref()[$range];
            u16::from_be_bytes([b[0], b[1]])
        }
    };
}

macro_rules! u16_setter {
    ($set:ident, $range:expr, $doc:literal) => {
        #[doc = concat!("Sets the ", $doc, " field.")]
        pub fn $set(&mut self, value: u16) {
            self.buffer.as_mut()[$range].copy_from_slice(&value.to_be_bytes());
        }
    };
}

impl<T: AsRef<[u8]>> DnsPacket<T> {
    /// Wraps a buffer without checking its length.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after checking it holds a whole header.
    ///
    /// # Errors
    /// [`ParseError::Truncated`] if it is shorter than 12 bytes.
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds a whole header.
    ///
    /// # Errors
    /// [`ParseError::Truncated`] (at the offset of the first missing byte's field).
    pub fn check_len(&self) -> Result<(), ParseError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(ParseError::Truncated { offset: len & !1 });
        }
        if len > usize::from(u16::MAX) {
            return Err(ParseError::MessageTooLong { len });
        }
        Ok(())
    }

    /// The buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    u16_field!(id, set_id, field::ID, "ID");
    u16_field!(qdcount, set_qdcount, field::QDCOUNT, "QDCOUNT");
    u16_field!(ancount, set_ancount, field::ANCOUNT, "ANCOUNT");
    u16_field!(nscount, set_nscount, field::NSCOUNT, "NSCOUNT");
    u16_field!(arcount, set_arcount, field::ARCOUNT, "ARCOUNT");

    /// The flags field (QR, OPCODE, AA, TC, RD, RA, Z, AD, CD, RCODE).
    pub fn flags(&self) -> Flags {
        let b = &self.buffer.as_ref()[field::FLAGS];
        Flags(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Everything after the header: questions and records.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> DnsPacket<T> {
    u16_setter!(set_id, field::ID, "ID");
    u16_setter!(set_qdcount, field::QDCOUNT, "QDCOUNT");
    u16_setter!(set_ancount, field::ANCOUNT, "ANCOUNT");
    u16_setter!(set_nscount, field::NSCOUNT, "NSCOUNT");
    u16_setter!(set_arcount, field::ARCOUNT, "ARCOUNT");

    /// Sets the flags field.
    pub fn set_flags(&mut self, flags: Flags) {
        self.buffer.as_mut()[field::FLAGS].copy_from_slice(&flags.0.to_be_bytes());
    }
}
