use core::fmt;

use crate::error::{EmitError, ParseError};
use crate::seq::SeqNumber;

/// Room for options in a TCP header: a data offset of 15 words minus the fixed 20 bytes.
pub const MAX_OPTIONS_LEN: usize = 40;

/// Option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018).
mod kind {
    pub(crate) const END: u8 = 0;
    pub(crate) const NOP: u8 = 1;
    pub(crate) const MSS: u8 = 2;
    pub(crate) const WINDOW_SCALE: u8 = 3;
    pub(crate) const SACK_PERMITTED: u8 = 4;
    pub(crate) const SACK: u8 = 5;
    pub(crate) const TIMESTAMPS: u8 = 8;
}

/// A SACK block: the receiver holds `[left, right)` (RFC 2018 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SackBlock {
    /// First sequence number of the block.
    pub left: SeqNumber,
    /// Sequence number just past the block.
    pub right: SeqNumber,
}

/// One TCP option, borrowed from an option list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpOption<'a> {
    /// No-operation (kind 1), used as padding between options.
    Nop,
    /// Maximum segment size (kind 2), only on SYNs.
    Mss(u16),
    /// Window scale shift count (kind 3, RFC 7323 §2), only on SYNs.
    WindowScale(u8),
    /// SACK permitted (kind 4, RFC 2018), only on SYNs.
    SackPermitted,
    /// SACK blocks (kind 5, RFC 2018), one to four.
    Sack(SackBlocks),
    /// Timestamps (kind 8, RFC 7323 §3).
    Timestamps {
        /// TSval: the sender's timestamp clock.
        tsval: u32,
        /// TSecr: the TSval echoed back.
        tsecr: u32,
    },
    /// An option this crate does not interpret, kept as it came.
    Unknown {
        /// Its kind byte.
        kind: u8,
        /// Its data, without the kind and length bytes.
        data: &'a [u8],
    },
}

/// Up to four SACK blocks, stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SackBlocks {
    blocks: [(u32, u32); 4],
    len: u8,
}

impl SackBlocks {
    /// Builds a list from up to four blocks; blocks past the fourth are left out.
    pub fn new(blocks: &[SackBlock]) -> Self {
        let mut list = Self::default();
        for block in blocks.iter().take(4) {
            list.push(*block);
        }
        list
    }

    /// Adds a block; returns false (and adds nothing) when four are already there.
    pub fn push(&mut self, block: SackBlock) -> bool {
        let Some(slot) = self.blocks.get_mut(usize::from(self.len)) else {
            return false;
        };
        *slot = (block.left.0, block.right.0);
        self.len += 1;
        true
    }

    /// How many blocks there are.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there is no block.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The blocks, in the order they were written.
    pub fn iter(&self) -> impl Iterator<Item = SackBlock> + '_ {
        self.blocks
            .iter()
            .take(self.len())
            .map(|&(l, r)| SackBlock { left: SeqNumber(l), right: SeqNumber(r) })
    }
}

impl fmt::Debug for SackBlocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(|b| b.left.0..b.right.0)).finish()
    }
}

impl TcpOption<'_> {
    /// Bytes this option takes in the header.
    pub const fn len(&self) -> usize {
        match self {
            Self::Nop => 1,
            Self::Mss(_) => 4,
            Self::WindowScale(_) => 3,
            Self::SackPermitted => 2,
            Self::Sack(blocks) => 2 + 8 * blocks.len(),
            Self::Timestamps { .. } => 10,
            Self::Unknown { data, .. } => 2 + data.len(),
        }
    }

    /// Whether this option is empty; never true (every option has a kind byte).
    pub const fn is_empty(&self) -> bool {
        false
    }
}

/// The options of a TCP header, stored inline as their bytes (at most 40).
///
/// Keeping the bytes, rather than a decoded list, makes a segment re-emit byte for byte:
/// option order, NOP padding and unknown options survive. An End-of-Option-List byte
/// ends the list: [`TcpOptions::parse`] stops there when only zero padding follows, and
/// emitting pads the header with zeros (which read as End-of-Option-List). Typed getters
/// ([`TcpOptions::mss`], [`TcpOptions::timestamps`]…) decode on demand.
///
/// ```
/// use tcp::{TcpOption, TcpOptions};
/// let options = TcpOptions::from_options(&[
///     TcpOption::Mss(1460),
///     TcpOption::SackPermitted,
///     TcpOption::Timestamps { tsval: 1, tsecr: 0 },
///     TcpOption::Nop,
///     TcpOption::WindowScale(7),
/// ])?;
/// assert_eq!(options.len(), 20);
/// assert_eq!(options.mss(), Some(1460));
/// assert_eq!(options.window_scale(), Some(7));
/// assert!(options.sack_permitted());
/// assert_eq!(TcpOptions::parse(options.as_bytes())?, options);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
// Aligned so that copies (into a `TcpRepr`, out of a parse) move whole aligned words:
// at an odd offset LLVM copied it with overlapping stores that later loads could not
// forward from.
#[repr(align(8))]
pub struct TcpOptions {
    bytes: [u8; MAX_OPTIONS_LEN],
    len: u8,
}

impl Default for TcpOptions {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl PartialEq for TcpOptions {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for TcpOptions {}

impl core::hash::Hash for TcpOptions {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl fmt::Debug for TcpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl TcpOptions {
    /// No options.
    pub const EMPTY: Self = Self { bytes: [0; MAX_OPTIONS_LEN], len: 0 };

    /// Reads an options area (the header bytes past the first 20), checking that every
    /// option fits and that known options have their fixed lengths.
    ///
    /// Reading stops at an End-of-Option-List byte when only zeros follow it (the usual
    /// padding); otherwise the trailing bytes are kept so that they re-emit unchanged.
    ///
    ///
    /// The two common cases, no options and NOP NOP Timestamps, are decided inline.
    #[inline]
    pub fn parse(area: &[u8]) -> Result<Self, ParseError> {
        let mut options = Self::EMPTY;
        options.read_from(area)?;
        Ok(options)
    }

    /// [`TcpOptions::parse`] into `self` (which must be empty), so that a caller building
    /// a larger struct parses in place: a parsed list written in one frame and copied
    /// into another was read back with other widths than it was written (a
    /// store-forwarding stall that cost a third of a TCP parse).
    #[inline]
    pub(crate) fn read_from(&mut self, area: &[u8]) -> Result<(), ParseError> {
        match area {
            [] => Ok(()),
            [1, 1, 8, 10, _, _, _, _, _, _, _, _] => {
                // NOP, NOP, timestamps: valid by construction.
                self.bytes[..12].copy_from_slice(area);
                self.len = 12;
                Ok(())
            }
            _ => {
                *self = Self::parse_any(area)?;
                Ok(())
            }
        }
    }

    /// [`TcpOptions::parse`] for any other option list.
    #[inline(never)]
    fn parse_any(area: &[u8]) -> Result<Self, ParseError> {
        if area.len() > MAX_OPTIONS_LEN {
            return Err(ParseError::OptionOverrun { kind: area.first().copied().unwrap_or(0), offset: 0 });
        }
        let mut end = area.len();
        let mut offset = 0;
        while let Some(&kind) = area.get(offset) {
            match kind {
                kind::END => {
                    if area[offset..].iter().all(|&b| b == 0) {
                        end = offset;
                    }
                    break;
                }
                kind::NOP => offset += 1,
                _ => {
                    let len = match area.get(offset + 1) {
                        Some(&len) if len >= 2 && offset + usize::from(len) <= area.len() => len,
                        _ => return Err(ParseError::OptionOverrun { kind, offset }),
                    };
                    let valid = match kind {
                        kind::MSS => len == 4,
                        kind::WINDOW_SCALE => len == 3,
                        kind::SACK_PERMITTED => len == 2,
                        kind::SACK => len >= 10 && (len - 2) % 8 == 0,
                        kind::TIMESTAMPS => len == 10,
                        _ => true,
                    };
                    if !valid {
                        return Err(ParseError::BadOptionLength { kind, len });
                    }
                    offset += usize::from(len);
                }
            }
        }
        let mut options = Self::EMPTY;
        options.bytes[..end].copy_from_slice(&area[..end]);
        options.len = u8::try_from(end).unwrap_or(0);
        Ok(options)
    }

    /// NOP, NOP, timestamps: the 12 bytes of options on most segments, built directly.
    pub(crate) fn timestamps_only(tsval: u32, tsecr: u32) -> Self {
        let mut options = Self::EMPTY;
        options.bytes[..4].copy_from_slice(&[kind::NOP, kind::NOP, kind::TIMESTAMPS, 10]);
        options.bytes[4..8].copy_from_slice(&tsval.to_be_bytes());
        options.bytes[8..12].copy_from_slice(&tsecr.to_be_bytes());
        options.len = 12;
        options
    }

    /// Builds a list from options, in order.
    pub fn from_options(options: &[TcpOption<'_>]) -> Result<Self, EmitError> {
        let mut list = Self::EMPTY;
        for option in options {
            list.push(*option)?;
        }
        Ok(list)
    }

    /// Appends an option; fails, leaving the list unchanged, if it does not fit in 40
    /// bytes or if an unknown option's data is longer than 253 bytes.
    pub fn push(&mut self, option: TcpOption<'_>) -> Result<(), EmitError> {
        let start = self.len();
        let needed = start + option.len();
        if needed > MAX_OPTIONS_LEN {
            return Err(EmitError::OptionsTooLong { len: needed });
        }
        let out = &mut self.bytes[start..needed];
        match option {
            TcpOption::Nop => out[0] = kind::NOP,
            TcpOption::Mss(mss) => {
                out.copy_from_slice(&[kind::MSS, 4, 0, 0]);
                out[2..4].copy_from_slice(&mss.to_be_bytes());
            }
            TcpOption::WindowScale(shift) => out.copy_from_slice(&[kind::WINDOW_SCALE, 3, shift]),
            TcpOption::SackPermitted => out.copy_from_slice(&[kind::SACK_PERMITTED, 2]),
            TcpOption::Sack(blocks) => {
                out[0] = kind::SACK;
                out[1] = u8::try_from(option.len()).unwrap_or(0);
                for (chunk, block) in out[2..].chunks_exact_mut(8).zip(blocks.iter()) {
                    chunk[..4].copy_from_slice(&block.left.0.to_be_bytes());
                    chunk[4..].copy_from_slice(&block.right.0.to_be_bytes());
                }
            }
            TcpOption::Timestamps { tsval, tsecr } => {
                out[0] = kind::TIMESTAMPS;
                out[1] = 10;
                out[2..6].copy_from_slice(&tsval.to_be_bytes());
                out[6..10].copy_from_slice(&tsecr.to_be_bytes());
            }
            TcpOption::Unknown { kind, data } => {
                out[0] = kind;
                out[1] = u8::try_from(option.len()).unwrap_or(0);
                out[2..].copy_from_slice(data);
            }
        }
        self.len = u8::try_from(needed).unwrap_or(0);
        Ok(())
    }

    /// The option bytes, without padding.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len()]
    }

    /// Length of the option bytes, without padding.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there are no options.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Length of the options area once padded to a multiple of 4 bytes.
    pub const fn padded_len(&self) -> usize {
        self.len().div_ceil(4) * 4
    }

    /// The options in order. Bytes that do not form a valid option (only possible past
    /// an End-of-Option-List that was followed by non-zero bytes) end the iteration.
    pub fn iter(&self) -> OptionsIter<'_> {
        OptionsIter { bytes: self.as_bytes(), offset: 0 }
    }

    /// The MSS option's value.
    pub fn mss(&self) -> Option<u16> {
        self.iter().find_map(|o| if let TcpOption::Mss(v) = o { Some(v) } else { None })
    }

    /// The window scale option's shift count, as sent (RFC 7323 caps its use at 14).
    pub fn window_scale(&self) -> Option<u8> {
        self.iter().find_map(|o| if let TcpOption::WindowScale(v) = o { Some(v) } else { None })
    }

    /// Whether the SACK-permitted option is present.
    pub fn sack_permitted(&self) -> bool {
        self.iter().any(|o| o == TcpOption::SackPermitted)
    }

    /// The timestamps option as (TSval, TSecr).
    #[inline]
    pub fn timestamps(&self) -> Option<(u32, u32)> {
        // Fast path: the layout nearly every stack sends on data and ACK segments
        // (NOP, NOP, timestamps), read without walking the list.
        if let [1, 1, 8, 10, a0, a1, a2, a3, b0, b1, b2, b3, ..] = self.as_bytes() {
            return Some((
                u32::from_be_bytes([*a0, *a1, *a2, *a3]),
                u32::from_be_bytes([*b0, *b1, *b2, *b3]),
            ));
        }
        self.iter().find_map(|o| match o {
            TcpOption::Timestamps { tsval, tsecr } => Some((tsval, tsecr)),
            _ => None,
        })
    }

    /// The SACK blocks, if a SACK option is present.
    #[inline]
    pub fn sack_blocks(&self) -> Option<SackBlocks> {
        if self.is_empty() || matches!(self.as_bytes(), [1, 1, 8, 10, _, _, _, _, _, _, _, _]) {
            return None;
        }
        self.iter().find_map(|o| if let TcpOption::Sack(b) = o { Some(b) } else { None })
    }
}

/// Iterator over the options of a [`TcpOptions`].
#[derive(Debug, Clone)]
pub struct OptionsIter<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Iterator for OptionsIter<'a> {
    type Item = TcpOption<'a>;

    fn next(&mut self) -> Option<TcpOption<'a>> {
        let rest = self.bytes.get(self.offset..)?;
        let kind = *rest.first()?;
        if kind == kind::END {
            self.offset = self.bytes.len();
            return None;
        }
        if kind == kind::NOP {
            self.offset += 1;
            return Some(TcpOption::Nop);
        }
        let len = usize::from(*rest.get(1)?);
        let Some(data) = rest.get(2..len) else {
            self.offset = self.bytes.len();
            return None;
        };
        self.offset += len;
        let u32_at = |i: usize| data.get(i..i + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        Some(match (kind, data.len()) {
            (kind::MSS, 2) => TcpOption::Mss(u16::from_be_bytes([data[0], data[1]])),
            (kind::WINDOW_SCALE, 1) => TcpOption::WindowScale(data[0]),
            (kind::SACK_PERMITTED, 0) => TcpOption::SackPermitted,
            (kind::SACK, n) if n > 0 && n % 8 == 0 && n <= 32 => {
                let mut blocks = SackBlocks::default();
                for i in (0..n).step_by(8) {
                    if let (Some(left), Some(right)) = (u32_at(i), u32_at(i + 4)) {
                        blocks.push(SackBlock { left: SeqNumber(left), right: SeqNumber(right) });
                    }
                }
                TcpOption::Sack(blocks)
            }
            (kind::TIMESTAMPS, 8) => {
                TcpOption::Timestamps { tsval: u32_at(0).unwrap_or(0), tsecr: u32_at(4).unwrap_or(0) }
            }
            _ => TcpOption::Unknown { kind, data },
        })
    }
}
