//! The encoder: mirrors the parser field by field, compresses names against earlier
//! suffixes (bounded work), and truncates for UDP.

use crate::{EmitError, Flags, HEADER_LEN, Message, Name, Question, RData, Record, RecordType};

/// Most name suffixes remembered for compression per message. Looking a suffix up costs
/// one comparison per remembered entry, so the work per name is bounded by
/// `labels × MAX_COMPRESSION_ENTRIES`.
pub const MAX_COMPRESSION_ENTRIES: usize = 64;

/// Most suffixes of one name considered for compression (its rightmost labels).
pub const MAX_SUFFIXES: usize = 32;

/// A compression pointer can only reach offsets below this (14 bits).
const POINTER_LIMIT: usize = 0x3fff;

/// The largest UDP payload allowed without EDNS0 (RFC 1035 §4.2.1).
pub const UDP_LIMIT: usize = 512;

/// A remembered suffix: where it starts in the buffer, and a fingerprint of its labels.
#[derive(Clone, Copy)]
struct Entry {
    offset: u16,
    hash: u64,
}

pub(crate) struct Encoder<'b> {
    buf: &'b mut Vec<u8>,
    /// Where the message starts in `buf` (pointers are relative to it).
    base: usize,
    entries: Vec<Entry>,
}

impl<'b> Encoder<'b> {
    /// An encoder appending to `buf`, whose message starts at `base`.
    pub(crate) const fn new(buf: &'b mut Vec<u8>, base: usize) -> Self {
        Self { buf, base, entries: Vec::new() }
    }

    fn len(&self) -> usize {
        self.buf.len() - self.base
    }

    fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Whether the suffix written at message offset `at` is `label` (with its length
    /// byte, ASCII case ignored) followed by the suffix at offset `tail` (`None`: the
    /// root). Every remembered offset starts a label this encoder wrote, and whatever
    /// follows that label is either the next label or a pointer to a remembered offset,
    /// so one label and one hop decide it.
    fn matches(&self, at: usize, label: &[u8], tail: Option<u16>) -> bool {
        let msg = &self.buf[self.base..];
        let next = at + label.len();
        if !msg.get(at..next).is_some_and(|ours| ours.eq_ignore_ascii_case(label)) {
            return false;
        }
        match (tail, msg.get(next), msg.get(next + 1)) {
            (None, Some(0), _) => true,
            (Some(tail), Some(&hi), Some(&lo)) if hi & 0xc0 == 0xc0 => {
                ((u16::from(hi & 0x3f) << 8) | u16::from(lo)) == tail
            }
            (Some(tail), Some(&hi), _) => hi & 0xc0 == 0 && hi != 0 && next == usize::from(tail),
            _ => false,
        }
    }

    /// Writes a name, compressed against earlier names when `compress` is set.
    ///
    /// Suffixes are tried from the shortest up (`com`, `example.com`, …) and the search
    /// stops at the first one not written before; each is looked up by a fingerprint of
    /// its labels (length, first and last byte, ASCII case folded) and then verified:
    /// its first label byte for byte, the rest by where it continues. Only the rightmost
    /// [`MAX_SUFFIXES`] suffixes of a name are considered.
    pub(crate) fn name(&mut self, name: &Name, compress: bool) {
        let wire = name.as_wire();
        if !compress {
            self.buf.extend_from_slice(wire);
            return;
        }
        let mut starts = [0u8; 128];
        let mut n = 0;
        let mut pos = 0;
        while let Some(&len) = wire.get(pos) {
            if len == 0 || n == starts.len() {
                break;
            }
            starts[n] = pos as u8;
            n += 1;
            pos += usize::from(len) + 1;
        }
        let first = n.saturating_sub(MAX_SUFFIXES);
        let mut hashes = [0u64; MAX_SUFFIXES];
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut matched_from = n;
        let mut pointer = None;
        let mut searching = true;
        for i in (first..n).rev() {
            let start = usize::from(starts[i]);
            let len = usize::from(wire[start]);
            let fingerprint = (len as u64)
                | (u64::from(wire[start + 1].to_ascii_lowercase()) << 8)
                | (u64::from(wire[start + len].to_ascii_lowercase()) << 16);
            hash = (hash.rotate_left(23) ^ fingerprint).wrapping_mul(0x100_0000_01b3);
            hashes[i - first] = hash;
            if searching {
                let label = &wire[start..=start + len];
                let found = self
                    .entries
                    .iter()
                    .find(|e| e.hash == hash && self.matches(usize::from(e.offset), label, pointer));
                match found {
                    Some(entry) => {
                        matched_from = i;
                        pointer = Some(entry.offset);
                    }
                    None => searching = false,
                }
            }
        }
        for (i, &start) in starts[..matched_from].iter().enumerate() {
            let start = usize::from(start);
            let here = self.len();
            if i >= first && here < POINTER_LIMIT && self.entries.len() < MAX_COMPRESSION_ENTRIES {
                self.entries.push(Entry { offset: here as u16, hash: hashes[i - first] });
            }
            let len = usize::from(wire[start]);
            self.buf.extend_from_slice(&wire[start..=start + len]);
        }
        match pointer {
            Some(offset) => self.u16(0xc000 | offset),
            None => self.buf.push(0),
        }
    }

    pub(crate) fn question(&mut self, q: &Question) {
        self.name(&q.name, true);
        self.u16(q.qtype.0);
        self.u16(q.qclass.0);
    }

    pub(crate) fn record(&mut self, r: &Record) -> Result<(), EmitError> {
        self.name(&r.name, true);
        self.u16(r.rtype().0);
        self.u16(r.class.0);
        self.u32(r.ttl);
        let len_at = self.buf.len();
        self.u16(0);
        self.rdata(&r.rdata)?;
        let rdlen = self.buf.len() - len_at - 2;
        let rdlen = u16::try_from(rdlen).map_err(|_| EmitError::RdataTooLong { len: rdlen })?;
        self.buf[len_at..len_at + 2].copy_from_slice(&rdlen.to_be_bytes());
        Ok(())
    }

    fn rdata(&mut self, rdata: &RData) -> Result<(), EmitError> {
        match rdata {
            RData::A(a) => self.buf.extend_from_slice(&a.octets()),
            RData::Aaaa(a) => self.buf.extend_from_slice(&a.octets()),
            // RFC 3597 §4: only the RFC 1035 types are compressed.
            RData::Ns(n) | RData::Cname(n) | RData::Ptr(n) => self.name(n, true),
            RData::Soa(soa) => {
                self.name(&soa.mname, true);
                self.name(&soa.rname, true);
                for v in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] {
                    self.u32(v);
                }
            }
            RData::Mx { preference, exchange } => {
                self.u16(*preference);
                self.name(exchange, true);
            }
            RData::Txt(strings) => {
                for s in strings {
                    let len = u8::try_from(s.len()).map_err(|_| EmitError::StringTooLong { len: s.len() })?;
                    self.buf.push(len);
                    self.buf.extend_from_slice(s);
                }
            }
            RData::Srv { priority, weight, port, target } => {
                self.u16(*priority);
                self.u16(*weight);
                self.u16(*port);
                self.name(target, false);
            }
            RData::Opt(options) => {
                for o in options {
                    let len = u16::try_from(o.data.len())
                        .map_err(|_| EmitError::RdataTooLong { len: o.data.len() })?;
                    self.u16(o.code);
                    self.u16(len);
                    self.buf.extend_from_slice(&o.data);
                }
            }
            RData::Unknown { data, .. } => self.buf.extend_from_slice(data),
        }
        Ok(())
    }
}

fn count(n: usize) -> Result<u16, EmitError> {
    u16::try_from(n).map_err(|_| EmitError::TooManyEntries { count: n })
}

fn header(buf: &mut Vec<u8>, id: u16, flags: Flags, counts: [u16; 4]) {
    buf.extend_from_slice(&id.to_be_bytes());
    buf.extend_from_slice(&flags.0.to_be_bytes());
    for c in counts {
        buf.extend_from_slice(&c.to_be_bytes());
    }
}

impl Message {
    /// Appends the message to `buf`, names compressed.
    ///
    /// # Errors
    /// [`EmitError`] if a section has more than 65,535 entries, a field is too long, or
    /// the message would exceed 65,535 bytes (`buf` may then hold a partial message).
    pub fn emit(&self, buf: &mut Vec<u8>) -> Result<(), EmitError> {
        let start = buf.len();
        let counts = [
            count(self.questions.len())?,
            count(self.answers.len())?,
            count(self.authorities.len())?,
            count(self.additionals.len())?,
        ];
        header(buf, self.id, self.flags, counts);
        let mut enc = Encoder::new(buf, start);
        for q in &self.questions {
            enc.question(q);
        }
        for r in self.records() {
            enc.record(r)?;
        }
        let len = buf.len() - start;
        if len > usize::from(u16::MAX) {
            return Err(EmitError::MessageTooLong { len });
        }
        Ok(())
    }

    /// The message's bytes, names compressed.
    ///
    /// # Errors
    /// As [`Message::emit`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, EmitError> {
        let mut buf = Vec::with_capacity(512);
        self.emit(&mut buf)?;
        Ok(buf)
    }

    /// Length of the message without compression: an upper bound of what
    /// [`Message::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        let rdata_len = |r: &RData| match r {
            RData::A(_) => 4,
            RData::Aaaa(_) => 16,
            RData::Ns(n) | RData::Cname(n) | RData::Ptr(n) => n.wire_len(),
            RData::Soa(s) => s.mname.wire_len() + s.rname.wire_len() + 20,
            RData::Mx { exchange, .. } => 2 + exchange.wire_len(),
            RData::Txt(s) => s.iter().map(|s| 1 + s.len()).sum(),
            RData::Srv { target, .. } => 6 + target.wire_len(),
            RData::Opt(o) => o.iter().map(|o| 4 + o.data.len()).sum(),
            RData::Unknown { data, .. } => data.len(),
        };
        HEADER_LEN
            + self.questions.iter().map(|q| q.name.wire_len() + 4).sum::<usize>()
            + self.records().map(|r| r.name.wire_len() + 10 + rdata_len(&r.rdata)).sum::<usize>()
    }

    /// The message's bytes for a UDP payload of at most `limit` bytes (at least 512 is
    /// used): when it does not fit, answer and authority records that do not fit are left
    /// out and TC is set (RFC 2181 §9); additional records that do not fit are left out
    /// without TC; the OPT record is always kept (RFC 6891 §7).
    ///
    /// # Errors
    /// As [`Message::emit`].
    pub fn to_bytes_truncated(&self, limit: usize) -> Result<Vec<u8>, EmitError> {
        let limit = limit.clamp(UDP_LIMIT, usize::from(u16::MAX));
        let full = self.to_bytes()?;
        if full.len() <= limit {
            return Ok(full);
        }
        let opt = self.additionals.iter().find(|r| r.rtype() == RecordType::OPT);
        let mut opt_bytes = Vec::new();
        if let Some(opt) = opt {
            let mut enc = Encoder::new(&mut opt_bytes, 0);
            enc.record(opt)?;
        }
        let budget = limit.saturating_sub(opt_bytes.len());
        let mut buf = Vec::with_capacity(limit);
        header(&mut buf, self.id, self.flags, [0; 4]);
        let mut counts = [0u16; 4];
        let mut truncated = false;
        let mut enc = Encoder::new(&mut buf, 0);
        for q in &self.questions {
            enc.question(q);
            counts[0] += 1;
        }
        let sections = [(&self.answers, 1), (&self.authorities, 2), (&self.additionals, 3)];
        'outer: for (records, index) in sections {
            for r in records.iter() {
                if r.rtype() == RecordType::OPT {
                    continue;
                }
                let (len, entries) = (enc.buf.len(), enc.entries.len());
                enc.record(r)?;
                if enc.buf.len() > budget {
                    enc.buf.truncate(len);
                    enc.entries.truncate(entries);
                    truncated |= index < 3;
                    break 'outer;
                }
                counts[index] += 1;
            }
        }
        if opt.is_some() {
            buf.extend_from_slice(&opt_bytes);
            counts[3] += 1;
        }
        let flags = self.flags.with_truncated(self.flags.truncated() || truncated);
        buf[2..4].copy_from_slice(&flags.0.to_be_bytes());
        for (i, c) in counts.iter().enumerate() {
            buf[4 + 2 * i..6 + 2 * i].copy_from_slice(&c.to_be_bytes());
        }
        Ok(buf)
    }
}
