//! The strict codec for TLS's length-prefixed structures: `nom` parsers that must consume
//! exactly the bytes a length prefix announces, and an [`Encoder`] that mirrors them.

use nom::IResult;
use nom::Parser;
use nom::bytes::complete::take;
use nom::number::complete::{be_u8, be_u16, be_u24};

use crate::Error;

/// The input type of every parser here.
pub(crate) type In<'a> = &'a [u8];

/// A `u8`-length-prefixed vector.
pub(crate) fn vec_u8(input: In<'_>) -> IResult<In<'_>, In<'_>> {
    let (input, len) = be_u8(input)?;
    take(len).parse(input)
}

/// A `u16`-length-prefixed vector.
pub(crate) fn vec_u16(input: In<'_>) -> IResult<In<'_>, In<'_>> {
    let (input, len) = be_u16(input)?;
    take(len).parse(input)
}

/// A `u24`-length-prefixed vector.
pub(crate) fn vec_u24(input: In<'_>) -> IResult<In<'_>, In<'_>> {
    let (input, len) = be_u24(input)?;
    take(len).parse(input)
}

/// Runs `parser` over `input`, requiring it to consume every byte; any failure becomes
/// `Error::Decode { what }`.
pub(crate) fn parse_all<'a, O>(
    input: In<'a>,
    what: &'static str,
    mut parser: impl FnMut(In<'a>) -> IResult<In<'a>, O>,
) -> Result<O, Error> {
    match parser(input) {
        Ok(([], out)) => Ok(out),
        _ => Err(Error::Decode { what }),
    }
}

/// Parses a list of `u16` items filling `input` exactly (an odd length is an error).
pub(crate) fn u16_list(input: In<'_>, what: &'static str) -> Result<Vec<u16>, Error> {
    if !input.len().is_multiple_of(2) {
        return Err(Error::Decode { what });
    }
    Ok(input.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect())
}

/// The writing side: appends big-endian integers and length-prefixed vectors to a `Vec`.
#[derive(Debug, Default)]
pub(crate) struct Encoder {
    pub(crate) buf: Vec<u8>,
}

impl Encoder {
    pub(crate) fn new() -> Self {
        Self { buf: Vec::new() }
    }

    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    pub(crate) fn u16(&mut self, v: u16) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub(crate) fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub(crate) fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(v);
        self
    }

    /// Writes a vector with a `prefix_len`-byte length (1, 2 or 3) around what `body`
    /// writes. The caller keeps bodies within the prefix's range (the length is
    /// truncated to the prefix width otherwise, which the parser would then reject).
    pub(crate) fn vec(&mut self, prefix_len: usize, body: impl FnOnce(&mut Self)) -> &mut Self {
        let at = self.buf.len();
        self.buf.extend(core::iter::repeat_n(0, prefix_len));
        body(self);
        let len = (self.buf.len() - at - prefix_len) as u32;
        let be = len.to_be_bytes();
        self.buf[at..at + prefix_len].copy_from_slice(&be[4 - prefix_len..]);
        self
    }

    pub(crate) fn vec_u8(&mut self, v: &[u8]) -> &mut Self {
        self.vec(1, |e| {
            e.bytes(v);
        })
    }

    pub(crate) fn vec_u16(&mut self, v: &[u8]) -> &mut Self {
        self.vec(2, |e| {
            e.bytes(v);
        })
    }

    pub(crate) fn vec_u24(&mut self, v: &[u8]) -> &mut Self {
        self.vec(3, |e| {
            e.bytes(v);
        })
    }
}
