//! Domain names (RFC 1035 §3.1, §4.1.4): label sequences compared without regard to ASCII
//! case, written with their case preserved.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::str::FromStr;

use crate::ParseError;

/// Longest label, in bytes (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;
/// Longest name in wire form, length bytes and final root label included.
pub const MAX_NAME_LEN: usize = 255;
/// Most compression pointers followed while reading one name. Every pointer must also
/// point strictly before the labels it ends, so loops are impossible anyway; the bound
/// keeps the work per name small against chains of pointers to pointers.
pub const MAX_POINTER_HOPS: usize = 127;

/// A domain name, held in uncompressed wire form (length-prefixed labels ending with the
/// empty root label).
///
/// Equality, hashing and [`Name::is_subdomain_of`] ignore ASCII case, as RFC 4343
/// requires; the bytes (and so what is written on the wire and displayed) keep the case
/// they were given.
#[derive(Clone)]
pub struct Name {
    storage: Storage,
}

/// Bytes kept inline (no allocation) for names up to this long in wire form, which
/// covers most real names.
const INLINE: usize = 30;

#[derive(Clone)]
enum Storage {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Name {
    /// The root name `.`.
    pub fn root() -> Self {
        Self::from_wire_unchecked(&[0])
    }

    /// Builds a name from its labels, leftmost first (the root label is implied).
    ///
    /// # Errors
    /// [`ParseError::EmptyLabel`], [`ParseError::LabelTooLong`] or
    /// [`ParseError::NameTooLong`] (offset 0).
    pub fn from_labels<'a>(labels: impl IntoIterator<Item = &'a [u8]>) -> Result<Self, ParseError> {
        let mut wire = Vec::new();
        for label in labels {
            if label.is_empty() {
                return Err(ParseError::EmptyLabel);
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(ParseError::LabelTooLong { len: label.len() });
            }
            if wire.len() + 1 + label.len() + 1 > MAX_NAME_LEN {
                return Err(ParseError::NameTooLong { offset: 0 });
            }
            wire.push(label.len() as u8);
            wire.extend_from_slice(label);
        }
        wire.push(0);
        Ok(Self::from_wire_unchecked(&wire))
    }

    /// Reads dotted text: `www.example.com`, `www.example.com.` (the same name), `.` or
    /// the empty string (the root). `\.`, `\\` and `\DDD` escape a byte inside a label.
    ///
    /// # Errors
    /// As [`Name::from_labels`].
    pub fn from_ascii(text: &str) -> Result<Self, ParseError> {
        if text.is_empty() || text == "." {
            return Ok(Self::root());
        }
        let mut labels: Vec<Vec<u8>> = vec![Vec::new()];
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let label = labels.last_mut().ok_or(ParseError::EmptyLabel)?;
            if b == b'.' {
                labels.push(Vec::new());
                i += 1;
            } else if b == b'\\' {
                let digits = bytes.get(i + 1..i + 4).filter(|d| d.iter().all(u8::is_ascii_digit));
                if let Some(d) = digits {
                    let value =
                        u32::from(d[0] - b'0') * 100 + u32::from(d[1] - b'0') * 10 + u32::from(d[2] - b'0');
                    label.push(u8::try_from(value).map_err(|_| ParseError::BadEscape)?);
                    i += 4;
                } else {
                    label.push(*bytes.get(i + 1).ok_or(ParseError::BadEscape)?);
                    i += 2;
                }
            } else {
                label.push(b);
                i += 1;
            }
            if labels.len() > MAX_NAME_LEN {
                return Err(ParseError::NameTooLong { offset: 0 });
            }
        }
        // An unescaped final dot ends the name at the root.
        if labels.len() > 1 && labels.last().is_some_and(Vec::is_empty) {
            labels.pop();
        }
        Self::from_labels(labels.iter().map(Vec::as_slice))
    }

    /// Builds a name from uncompressed wire bytes that end with the root label.
    ///
    /// # Errors
    /// Any [`ParseError`] a name can have (pointers are refused as forward pointers).
    pub fn from_wire(wire: &[u8]) -> Result<Self, ParseError> {
        let (name, end) = crate::parse::read_name(wire, 0, wire.len())?;
        if end != wire.len() {
            return Err(ParseError::TrailingBytes { offset: end, extra: wire.len() - end });
        }
        Ok(name)
    }

    /// The uncompressed wire form.
    pub fn as_wire(&self) -> &[u8] {
        match &self.storage {
            Storage::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or(&[0]),
            Storage::Heap(bytes) => bytes,
        }
    }

    /// Length of the uncompressed wire form (1 for the root).
    pub fn wire_len(&self) -> usize {
        self.as_wire().len()
    }

    /// Whether this is the root name.
    pub fn is_root(&self) -> bool {
        self.as_wire().len() == 1
    }

    /// The labels, leftmost first, without the root label.
    pub fn labels(&self) -> Labels<'_> {
        Labels { rest: self.as_wire() }
    }

    /// How many labels, the root not counted (`www.example.com` has 3).
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// The name with its leftmost label removed; `None` for the root.
    pub fn parent(&self) -> Option<Self> {
        let first = usize::from(*self.as_wire().first()?);
        if first == 0 {
            return None;
        }
        Some(Self::from_wire_unchecked(self.as_wire().get(first + 1..)?))
    }

    /// The name with `label` prepended (`www` + `example.com`).
    ///
    /// # Errors
    /// As [`Name::from_labels`].
    pub fn prepend(&self, label: &[u8]) -> Result<Self, ParseError> {
        Self::from_labels(core::iter::once(label).chain(self.labels()))
    }

    /// Whether `self` equals `zone` or lies below it (ASCII case ignored).
    pub fn is_subdomain_of(&self, zone: &Self) -> bool {
        let (wire, zone_wire) = (self.as_wire(), zone.as_wire());
        let (n, z) = (wire.len(), zone_wire.len());
        if z > n {
            return false;
        }
        // The suffix must start on a label boundary.
        let start = n - z;
        let mut pos = 0;
        while pos < start {
            pos += usize::from(wire[pos]) + 1;
        }
        pos == start && wire[start..].eq_ignore_ascii_case(zone_wire)
    }

    /// A name from bytes already known to be a valid uncompressed name.
    pub(crate) fn from_wire_unchecked(wire: &[u8]) -> Self {
        let storage = if wire.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..wire.len()].copy_from_slice(wire);
            Storage::Inline { len: wire.len() as u8, bytes }
        } else {
            Storage::Heap(wire.into())
        };
        Self { storage }
    }
}

/// Builds a name label by label without allocating while it fits inline.
pub(crate) struct NameBuf {
    len: usize,
    inline: [u8; INLINE],
    heap: Vec<u8>,
}

impl NameBuf {
    pub(crate) const fn new() -> Self {
        Self { len: 0, inline: [0; INLINE], heap: Vec::new() }
    }

    /// Bytes written so far.
    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    /// Appends `bytes` (whole labels, or the final 0).
    #[inline]
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if let Some(dst) = self.inline.get_mut(self.len..end).filter(|_| self.heap.is_empty()) {
            dst.copy_from_slice(bytes);
        } else {
            if self.heap.is_empty() {
                self.heap.reserve(64);
                self.heap.extend_from_slice(&self.inline[..self.len]);
            }
            self.heap.extend_from_slice(bytes);
        }
        self.len = end;
    }

    /// The name (the caller has pushed a valid uncompressed name).
    pub(crate) fn finish(self) -> Name {
        if self.heap.is_empty() {
            Name { storage: Storage::Inline { len: self.len as u8, bytes: self.inline } }
        } else {
            Name { storage: Storage::Heap(self.heap.into_boxed_slice()) }
        }
    }
}

/// Iterator over a name's labels, leftmost first.
#[derive(Debug, Clone)]
pub struct Labels<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let len = usize::from(*self.rest.first()?);
        if len == 0 {
            return None;
        }
        let label = self.rest.get(1..=len)?;
        self.rest = self.rest.get(len + 1..)?;
        Some(label)
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.as_wire().eq_ignore_ascii_case(other.as_wire())
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Lower-case in chunks without allocating.
        let mut chunk = [0u8; 64];
        for part in self.as_wire().chunks(64) {
            for (dst, src) in chunk.iter_mut().zip(part) {
                *dst = src.to_ascii_lowercase();
            }
            state.write(&chunk[..part.len()]);
        }
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    /// Wire bytes, ASCII case ignored (a total order consistent with `Eq`; not RFC 4034's
    /// canonical order).
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        let a = self.as_wire().iter().map(u8::to_ascii_lowercase);
        let b = other.as_wire().iter().map(u8::to_ascii_lowercase);
        a.cmp(b)
    }
}

impl fmt::Display for Name {
    /// Dotted text with a final dot (`www.example.com.`; the root is `.`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str(".");
        }
        for label in self.labels() {
            for &b in label {
                match b {
                    b'.' | b'\\' => write!(f, "\\{}", char::from(b))?,
                    0x21..=0x7e => write!(f, "{}", char::from(b))?,
                    _ => write!(f, "\\{b:03}")?,
                }
            }
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl FromStr for Name {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, ParseError> {
        Self::from_ascii(s)
    }
}
