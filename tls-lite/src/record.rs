//! The record layer (RFC 8446 §5): the 5-byte header view, AEAD protection with
//! per-direction sequence numbers, and a bounded deframer that reassembles records across
//! any TCP segmentation.

use aes_gcm::Aes128Gcm;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::ChaCha20Poly1305;

use crate::Error;
use crate::enums::{CipherSuite, ContentType, TLS12};
use crate::key_schedule::TrafficSecret;

/// Record header length.
pub const HEADER_LEN: usize = 5;
/// Largest plaintext fragment (2^14).
pub const MAX_PLAINTEXT: usize = 1 << 14;
/// Largest TLSCiphertext.length (2^14 + 256).
pub const MAX_CIPHERTEXT: usize = MAX_PLAINTEXT + 256;
/// AEAD tag length of both suites.
pub const TAG_LEN: usize = 16;

mod field {
    pub(crate) const CONTENT_TYPE: usize = 0;
    pub(crate) const VERSION: core::ops::Range<usize> = 1..3;
    pub(crate) const LENGTH: core::ops::Range<usize> = 3..5;
}

/// A zero-copy view of a record: header accessors over bytes, checked once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> RecordHeader<T> {
    /// Wraps a buffer without checking it.
    pub fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        let view = Self::new_unchecked(buffer);
        view.check_len()?;
        Ok(view)
    }

    /// Checks that the buffer holds at least a header.
    pub fn check_len(&self) -> Result<(), Error> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            return Err(Error::Decode { what: "record header" });
        }
        Ok(())
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Content type (the outer type for encrypted records).
    pub fn content_type(&self) -> ContentType {
        ContentType(self.buffer.as_ref()[field::CONTENT_TYPE])
    }

    /// legacy_record_version.
    pub fn version(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::VERSION];
        u16::from_be_bytes([b[0], b[1]])
    }

    /// Length of the fragment that follows.
    pub fn length(&self) -> u16 {
        let b = &self.buffer.as_ref()[field::LENGTH];
        u16::from_be_bytes([b[0], b[1]])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> RecordHeader<T> {
    /// Sets the content type.
    pub fn set_content_type(&mut self, v: ContentType) {
        self.buffer.as_mut()[field::CONTENT_TYPE] = v.0;
    }

    /// Sets legacy_record_version.
    pub fn set_version(&mut self, v: u16) {
        self.buffer.as_mut()[field::VERSION].copy_from_slice(&v.to_be_bytes());
    }

    /// Sets the length.
    pub fn set_length(&mut self, v: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&v.to_be_bytes());
    }
}

/// Writes a header for a record of `length` fragment bytes.
pub fn header(content_type: ContentType, version: u16, length: usize) -> [u8; HEADER_LEN] {
    let mut h = [0; HEADER_LEN];
    let mut view = RecordHeader::new_unchecked(&mut h[..]);
    view.set_content_type(content_type);
    view.set_version(version);
    view.set_length(length as u16);
    h
}

#[derive(Clone)]
enum Aead {
    Aes128Gcm(Box<Aes128Gcm>),
    ChaCha20Poly1305(Box<ChaCha20Poly1305>),
}

/// One direction's record protection: AEAD key, static IV and sequence number.
#[derive(Clone)]
pub struct RecordProtection {
    aead: Aead,
    iv: [u8; 12],
    seq: u64,
    suite: CipherSuite,
}

impl core::fmt::Debug for RecordProtection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecordProtection").field("suite", &self.suite).field("seq", &self.seq).finish()
    }
}

impl RecordProtection {
    /// Protection from a traffic secret, sequence number 0. `None` for an unsupported suite.
    pub fn new(suite: CipherSuite, secret: &TrafficSecret) -> Option<Self> {
        let rk = secret.record_key(suite)?;
        let aead = match suite {
            CipherSuite::TLS_AES_128_GCM_SHA256 => {
                Aead::Aes128Gcm(Box::new(Aes128Gcm::new_from_slice(&rk.key).ok()?))
            }
            CipherSuite::TLS_CHACHA20_POLY1305_SHA256 => {
                Aead::ChaCha20Poly1305(Box::new(ChaCha20Poly1305::new_from_slice(&rk.key).ok()?))
            }
            _ => return None,
        };
        Some(Self { aead, iv: rk.iv, seq: 0, suite })
    }

    /// The suite.
    pub fn suite(&self) -> CipherSuite {
        self.suite
    }

    /// The sequence number of the next record.
    pub fn sequence(&self) -> u64 {
        self.seq
    }

    fn nonce(&self) -> [u8; 12] {
        let mut nonce = self.iv;
        for (n, s) in nonce[4..].iter_mut().zip(self.seq.to_be_bytes()) {
            *n ^= s;
        }
        nonce
    }

    fn next_seq(&mut self) -> Result<(), Error> {
        self.seq = self.seq.checked_add(1).ok_or(Error::Config { what: "sequence number exhausted" })?;
        Ok(())
    }

    /// Seals `payload` as one record of inner type `content_type` (no padding), appending
    /// the whole record (header, ciphertext, tag) to `out`. `payload` is at most
    /// [`MAX_PLAINTEXT`] bytes (longer is refused with `RecordOverflow`).
    pub fn seal(
        &mut self,
        content_type: ContentType,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if payload.len() > MAX_PLAINTEXT {
            return Err(Error::RecordOverflow { length: payload.len(), limit: MAX_PLAINTEXT });
        }
        self.seal_inner(payload, &[content_type.0], out)
    }

    /// Seals `payload || tail` (the tail being the content type and any padding) without
    /// checking lengths.
    fn seal_inner(&mut self, payload: &[u8], tail: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let len = payload.len() + tail.len() + TAG_LEN;
        let start = out.len();
        out.reserve(HEADER_LEN + len);
        out.extend_from_slice(&header(ContentType::APPLICATION_DATA, TLS12, len));
        out.extend_from_slice(payload);
        out.extend_from_slice(tail);
        let nonce = self.nonce();
        let (aad, body) = out[start..].split_at_mut(HEADER_LEN);
        let tag = match &self.aead {
            Aead::Aes128Gcm(c) => c.encrypt_in_place_detached(&nonce.into(), aad, body),
            Aead::ChaCha20Poly1305(c) => c.encrypt_in_place_detached(&nonce.into(), aad, body),
        }
        .map_err(|_| Error::Config { what: "AEAD seal failed" })?;
        out.extend_from_slice(&tag);
        self.next_seq()
    }

    /// Opens one encrypted record in place: `record` is the header followed by the
    /// ciphertext and tag. Returns the inner content type and the plaintext, with padding
    /// removed. Fails with bad_record_mac on a bad tag, record_overflow on an over-long
    /// plaintext, unexpected_message when the inner plaintext is all zeros.
    pub fn open<'a>(&mut self, record: &'a mut [u8]) -> Result<(ContentType, &'a [u8]), Error> {
        if record.len() < HEADER_LEN + TAG_LEN {
            return Err(Error::BadRecordMac);
        }
        if record.len() > HEADER_LEN + MAX_CIPHERTEXT {
            return Err(Error::RecordOverflow { length: record.len() - HEADER_LEN, limit: MAX_CIPHERTEXT });
        }
        let nonce = self.nonce();
        let (aad, body) = record.split_at_mut(HEADER_LEN);
        let (ciphertext, tag) = body.split_at_mut(body.len() - TAG_LEN);
        let tag: &[u8] = tag;
        let ok = match &self.aead {
            Aead::Aes128Gcm(c) => c.decrypt_in_place_detached(&nonce.into(), aad, ciphertext, tag.into()),
            Aead::ChaCha20Poly1305(c) => {
                c.decrypt_in_place_detached(&nonce.into(), aad, ciphertext, tag.into())
            }
        };
        ok.map_err(|_| Error::BadRecordMac)?;
        self.next_seq()?;
        let plaintext: &'a [u8] = ciphertext;
        if plaintext.len() > MAX_PLAINTEXT + 1 {
            return Err(Error::RecordOverflow { length: plaintext.len(), limit: MAX_PLAINTEXT + 1 });
        }
        let Some(type_at) = plaintext.iter().rposition(|&b| b != 0) else {
            return Err(Error::UnexpectedMessage { what: "record with no content type (all-zero padding)" });
        };
        Ok((ContentType(plaintext[type_at]), &plaintext[..type_at]))
    }
}

/// Reassembles records from a byte stream. Holds at most [`Deframer::CAPACITY`] bytes;
/// [`Deframer::push`] takes only what fits, so the caller leaves the rest in its own
/// buffer (the TCP receive window, in the sim).
#[derive(Debug, Default)]
pub struct Deframer {
    buf: Vec<u8>,
}

impl Deframer {
    /// Room for two full records.
    pub const CAPACITY: usize = 2 * (HEADER_LEN + MAX_CIPHERTEXT);

    /// An empty deframer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes buffered.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Appends as much of `data` as fits; returns how many bytes were taken.
    pub fn push(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(Self::CAPACITY - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        n
    }

    /// The next complete record (header included), removed from the buffer, or `None`
    /// when more bytes are needed. A header announcing more than [`MAX_CIPHERTEXT`] bytes
    /// fails at once with record_overflow.
    pub fn next_record(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let Ok(view) = RecordHeader::new_checked(&self.buf[..]) else {
            return Ok(None);
        };
        let len = usize::from(view.length());
        if len > MAX_CIPHERTEXT {
            return Err(Error::RecordOverflow { length: len, limit: MAX_CIPHERTEXT });
        }
        if self.buf.len() < HEADER_LEN + len {
            return Ok(None);
        }
        let rest = self.buf.split_off(HEADER_LEN + len);
        Ok(Some(core::mem::replace(&mut self.buf, rest)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (RecordProtection, RecordProtection) {
        let secret = TrafficSecret([3; 32]);
        let p = RecordProtection::new(CipherSuite::TLS_CHACHA20_POLY1305_SHA256, &secret);
        (p.clone().expect("suite"), p.expect("suite"))
    }

    #[test]
    fn padding_is_stripped_and_over_long_inner_plaintext_is_record_overflow() {
        let (mut w, mut r) = pair();
        let mut rec = Vec::new();
        w.seal_inner(b"hi", &[23, 0, 0, 0], &mut rec).expect("seal");
        let (ct, pt) = r.open(&mut rec).expect("open");
        assert_eq!((ct, pt), (ContentType::APPLICATION_DATA, &b"hi"[..]));

        let mut rec = Vec::new();
        w.seal_inner(&[1; MAX_PLAINTEXT], &[23, 0], &mut rec).expect("seal");
        assert_eq!(
            r.open(&mut rec).unwrap_err(),
            Error::RecordOverflow { length: MAX_PLAINTEXT + 2, limit: MAX_PLAINTEXT + 1 }
        );
    }

    #[test]
    fn deframer_reassembles_and_bounds() {
        let mut d = Deframer::new();
        assert_eq!(d.push(&[22, 3, 3, 0, 2, 1]), 6);
        assert_eq!(d.next_record(), Ok(None));
        d.push(&[2, 23]);
        assert_eq!(d.next_record(), Ok(Some(vec![22, 3, 3, 0, 2, 1, 2])));
        assert_eq!(d.len(), 1);
        let big = vec![0; Deframer::CAPACITY * 2];
        assert_eq!(d.push(&big), Deframer::CAPACITY - 1);
    }
}
