//! The send buffer and the receive side's in-order queue and reassembly queue.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use crate::options::SackBlock;
use crate::seq::SeqNumber;

/// Bytes the application has handed over and the peer has not acknowledged yet.
///
/// Byte 0 is the oldest unacknowledged byte. Data given as [`Bytes`] is kept as it is;
/// data given as a slice is copied into a growing tail. A segment that falls within one
/// chunk shares its memory; one that spans chunks is copied.
#[derive(Debug, Default)]
pub(crate) struct SendBuffer {
    chunks: VecDeque<Bytes>,
    tail: BytesMut,
    /// Bytes in `chunks` (not counting `tail`).
    chunks_len: usize,
    capacity: usize,
}

impl SendBuffer {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { capacity, ..Self::default() }
    }

    pub(crate) fn len(&self) -> usize {
        self.chunks_len + self.tail.len()
    }

    pub(crate) fn free(&self) -> usize {
        self.capacity.saturating_sub(self.len())
    }

    pub(crate) fn push_slice(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.free());
        if n > 0 {
            self.tail.extend_from_slice(&data[..n]);
        }
        n
    }

    pub(crate) fn push_bytes(&mut self, data: Bytes) -> usize {
        let n = data.len().min(self.free());
        if n == 0 {
            return 0;
        }
        self.flush_tail();
        self.chunks_len += n;
        self.chunks.push_back(data.slice(..n));
        n
    }

    fn flush_tail(&mut self) {
        if !self.tail.is_empty() {
            let chunk = self.tail.split().freeze();
            self.chunks_len += chunk.len();
            self.chunks.push_back(chunk);
        }
    }

    /// Drops the first `n` bytes (acknowledged).
    pub(crate) fn consume(&mut self, mut n: usize) {
        while n > 0 {
            let Some(front) = self.chunks.front_mut() else {
                self.flush_tail();
                if self.chunks.is_empty() {
                    return;
                }
                continue;
            };
            if front.len() <= n {
                n -= front.len();
                self.chunks_len -= front.len();
                self.chunks.pop_front();
            } else {
                let _ = front.split_to(n);
                self.chunks_len -= n;
                n = 0;
            }
        }
    }

    /// `len` bytes from `offset` (both within the buffer; clamped otherwise).
    pub(crate) fn slice(&mut self, offset: usize, len: usize) -> Bytes {
        let end = (offset + len).min(self.len());
        if offset >= end {
            return Bytes::new();
        }
        if end > self.chunks_len {
            self.flush_tail();
        }
        let mut start = 0;
        let mut out: Option<BytesMut> = None;
        for chunk in &self.chunks {
            let chunk_end = start + chunk.len();
            if chunk_end > offset && start < end {
                let from = offset.saturating_sub(start);
                let to = (end - start).min(chunk.len());
                if out.is_none() && offset >= start && end <= chunk_end {
                    return chunk.slice(from..to);
                }
                out.get_or_insert_with(|| BytesMut::with_capacity(end - offset))
                    .extend_from_slice(&chunk[from..to]);
            }
            if chunk_end >= end {
                break;
            }
            start = chunk_end;
        }
        out.map(BytesMut::freeze).unwrap_or_default()
    }
}

/// Out-of-order data waiting for the gap before it to fill: non-overlapping ranges
/// sorted by sequence number, at most `max_segments` of them.
#[derive(Debug, Default)]
pub(crate) struct Assembler {
    segments: VecDeque<(SeqNumber, Bytes)>,
    max_segments: usize,
    /// The range most recently added, reported first in SACK blocks (RFC 2018 §4).
    latest: Option<SeqNumber>,
}

impl Assembler {
    pub(crate) fn new(max_segments: usize) -> Self {
        Self { max_segments, ..Self::default() }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Stores `data` at `seq`, keeping bytes already held. Returns false when the queue
    /// was full and (part of) the data was dropped.
    pub(crate) fn insert(&mut self, seq: SeqNumber, data: &Bytes) -> bool {
        let end = seq + data.len();
        let mut pieces: Vec<(SeqNumber, SeqNumber)> = Vec::new();
        let mut cur = seq;
        for (s, d) in &self.segments {
            let e = *s + d.len();
            if e <= cur {
                continue;
            }
            if *s >= end {
                break;
            }
            if *s > cur {
                pieces.push((cur, *s));
            }
            cur = cur.max_seq(e);
        }
        if cur < end {
            pieces.push((cur, end));
        }
        let mut complete = true;
        for (s, e) in pieces {
            if self.segments.len() >= self.max_segments {
                complete = false;
                break;
            }
            let piece = data.slice((s - seq)..(e - seq));
            let at = self.segments.partition_point(|(x, _)| *x < s);
            self.segments.insert(at, (s, piece));
        }
        self.latest = Some(seq);
        complete
    }

    /// Pops the data that now starts at or before `rcv_nxt`, trimmed to start there.
    pub(crate) fn pop_ready(&mut self, rcv_nxt: SeqNumber) -> Option<Bytes> {
        loop {
            let (s, d) = self.segments.front()?;
            let (s, len) = (*s, d.len());
            if s > rcv_nxt {
                return None;
            }
            let (_, data) = self.segments.pop_front()?;
            let skip = rcv_nxt - s;
            if skip < len {
                return Some(data.slice(skip..));
            }
        }
    }

    /// Drops everything (the window shrank past it or the connection ended).
    pub(crate) fn clear(&mut self) {
        self.segments.clear();
        self.latest = None;
    }

    /// Up to `max` SACK blocks: the one holding the latest arrival first, then the rest
    /// in sequence order.
    pub(crate) fn sack_blocks(&self, max: usize) -> Vec<SackBlock> {
        let mut blocks: Vec<SackBlock> = Vec::new();
        for (s, d) in &self.segments {
            let e = *s + d.len();
            match blocks.last_mut() {
                Some(last) if last.right == *s => last.right = e,
                _ => blocks.push(SackBlock { left: *s, right: e }),
            }
        }
        if let Some(latest) = self.latest
            && let Some(i) = blocks.iter().position(|b| latest >= b.left && latest < b.right)
        {
            let block = blocks.remove(i);
            blocks.insert(0, block);
        }
        blocks.truncate(max);
        blocks
    }
}
