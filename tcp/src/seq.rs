use core::cmp::Ordering;
use core::fmt;
use core::ops::{Add, AddAssign, Sub};

/// A TCP sequence number: a 32-bit counter that wraps (RFC 9293 §3.4).
///
/// Comparisons are modular: `a < b` when `b` lies less than 2³¹ ahead of `a`, so they
/// stay correct across the wrap. Arithmetic wraps and never panics.
///
/// ```
/// use tcp::SeqNumber;
/// let near_wrap = SeqNumber(u32::MAX - 1);
/// let after = near_wrap + 5;
/// assert_eq!(after, SeqNumber(3));
/// assert!(near_wrap < after);
/// assert_eq!(after - near_wrap, 5);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SeqNumber(pub u32);

impl SeqNumber {
    /// The signed distance from `other` to `self` (positive when `self` is ahead).
    pub const fn diff(self, other: Self) -> i32 {
        self.0.wrapping_sub(other.0).cast_signed()
    }

    /// The larger of two sequence numbers in modular order.
    #[must_use]
    pub fn max_seq(self, other: Self) -> Self {
        if self.diff(other) >= 0 { self } else { other }
    }

    /// The smaller of two sequence numbers in modular order.
    #[must_use]
    pub fn min_seq(self, other: Self) -> Self {
        if self.diff(other) <= 0 { self } else { other }
    }

    /// Whether `self` lies in the half-open range `[start, end)`.
    pub fn in_range(self, start: Self, end: Self) -> bool {
        self >= start && self < end
    }
}

impl fmt::Debug for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl PartialOrd for SeqNumber {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.diff(*other).cmp(&0))
    }
}

impl Add<usize> for SeqNumber {
    type Output = Self;
    /// Advances by `rhs` modulo 2³² (lengths above 2³² wrap, as the wire does).
    #[allow(clippy::cast_possible_truncation, reason = "sequence space is modulo 2^32")]
    fn add(self, rhs: usize) -> Self {
        Self(self.0.wrapping_add(rhs as u32))
    }
}

impl AddAssign<usize> for SeqNumber {
    fn add_assign(&mut self, rhs: usize) {
        *self = *self + rhs;
    }
}

impl Sub for SeqNumber {
    type Output = usize;
    /// The number of bytes from `rhs` up to `self`; 0 when `self` is behind `rhs`.
    fn sub(self, rhs: Self) -> usize {
        usize::try_from(self.diff(rhs)).unwrap_or(0)
    }
}
