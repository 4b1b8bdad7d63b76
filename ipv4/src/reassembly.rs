//! Reassembly of fragmented datagrams (RFC 791 §3.2, RFC 815's hole bookkeeping). By
//! default overlapping fragments discard the datagram (RFC 5722's rule, which Linux
//! applies to IPv4 too); a capture analyser can keep the first bytes instead, as
//! Wireshark does ([`OverlapPolicy`]).

use core::time::Duration;
use std::collections::{BTreeMap, VecDeque};

use crate::error::{FragmentKey, ReassemblyError};
use crate::packet::MAX_PACKET_LEN;
use crate::{HEADER_LEN, Ipv4Packet, Ipv4Repr};

/// Limits of a [`Reassembler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassemblyConfig {
    /// Partial datagrams held at once; fragments of further datagrams are refused until
    /// one completes or expires (refusing new work rather than evicting old keeps an
    /// attacker's flood from destroying datagrams that are nearly complete).
    pub max_datagrams: usize,
    /// Bytes of reassembly buffers held at once (each datagram's buffer is as long as the
    /// furthest byte received); fragments that would exceed it are refused.
    pub max_bytes_in_flight: usize,
    /// How long a datagram may take to complete, from its first fragment's arrival.
    pub timeout: Duration,
    /// What a fragment overlapping bytes already received does.
    pub overlap: OverlapPolicy,
}

/// What [`Reassembler`] does with a fragment that overlaps bytes it already holds (other
/// than an exact duplicate, which is always ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OverlapPolicy {
    /// Discard the whole datagram: a host's defence against overlap attacks (RFC 5722,
    /// Linux since 2018).
    #[default]
    Discard,
    /// Keep the bytes that arrived first and fill only the holes, counting the overlap
    /// ([`Reassembler::overlaps`]): what Wireshark does when it analyses a capture.
    KeepFirst,
}

impl Default for ReassemblyConfig {
    /// 64 datagrams, 1 MiB, 30 s. RFC 791 suggests a 15 s starting timer and RFC 1122
    /// §3.3.2 60–120 s; 30 s is Linux's `ipfrag_time`, what real hosts answer with.
    fn default() -> Self {
        Self {
            max_datagrams: 64,
            max_bytes_in_flight: 1 << 20,
            timeout: Duration::from_secs(30),
            overlap: OverlapPolicy::Discard,
        }
    }
}

/// A datagram dropped because its fragments did not all arrive in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReassemblyExpired {
    /// Whose fragments they were.
    pub key: FragmentKey,
    /// The first fragment's header, if it arrived. Only then does a host send ICMP Time
    /// Exceeded, code 1 (RFC 792; RFC 1122 §3.3.2).
    pub first_fragment: Option<Ipv4Repr>,
    /// What that ICMP error quotes: the first fragment's header and its first 8 payload
    /// bytes; empty when the first fragment never arrived.
    pub quote: Vec<u8>,
}

#[derive(Debug, Clone)]
struct Partial {
    deadline: Duration,
    first: Option<Ipv4Repr>,
    /// Received `[start, end)` ranges, sorted and disjoint.
    pieces: Vec<(usize, usize)>,
    received: usize,
    /// Payload length, once the final fragment has arrived.
    total: Option<usize>,
    data: Vec<u8>,
}

impl Partial {
    fn quote(&self) -> Vec<u8> {
        let Some(first) = self.first else {
            return Vec::new();
        };
        let mut quote = vec![0; first.header_len()];
        if first.emit(&mut Ipv4Packet::new_unchecked(&mut quote[..])).is_err() {
            return Vec::new();
        }
        let leading = first.payload_len.min(8).min(self.data.len());
        quote.extend_from_slice(&self.data[..leading]);
        quote
    }
}

/// Collects fragments into datagrams, keyed by (source, destination, protocol,
/// identification), within the bounds of a [`ReassemblyConfig`].
///
/// Sans-IO: time is passed in as `now`, a [`Duration`] since any fixed epoch. Call
/// [`Reassembler::handle_timeout`] when [`Reassembler::poll_timeout`] says, then drain
/// [`Reassembler::poll_event`] for expiries to report with ICMP.
///
/// ```
/// use core::time::Duration;
/// use ipv4::{fragment::fragment, Dscp, Ecn, IpProtocol, Ipv4Options, Ipv4Packet, Ipv4Repr, Reassembler};
/// let repr = Ipv4Repr {
///     src_addr: "10.0.0.1".parse()?, dst_addr: "10.0.0.2".parse()?,
///     protocol: IpProtocol::UDP, ttl: 64, dscp: Dscp::CS0, ecn: Ecn::NOT_ECT,
///     ident: 9, dont_frag: false, more_frags: false, frag_offset: 0,
///     options: Ipv4Options::NONE, payload_len: 2000,
/// };
/// let payload: Vec<u8> = (0..2000u32).map(|i| i as u8).collect();
/// let mut reassembler = Reassembler::default();
/// let mut done = None;
/// for bytes in fragment(&repr, &payload, 576)?.iter().rev() {
///     let packet = Ipv4Packet::new_checked(&bytes[..])?;
///     let piece = Ipv4Repr::parse(&packet)?;
///     done = reassembler.handle_fragment(Duration::ZERO, &piece, packet.payload())?;
/// }
/// assert_eq!(done, Some((repr, payload)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Reassembler {
    config: ReassemblyConfig,
    partial: BTreeMap<FragmentKey, Partial>,
    bytes_in_flight: usize,
    events: VecDeque<ReassemblyExpired>,
    overlaps: u64,
}

impl Reassembler {
    /// Fragments that overlapped bytes already held, under [`OverlapPolicy::KeepFirst`]
    /// (under `Discard` they are errors instead).
    pub fn overlaps(&self) -> u64 {
        self.overlaps
    }

    /// A reassembler with the given limits.
    pub fn new(config: ReassemblyConfig) -> Self {
        Self { config, ..Self::default() }
    }

    /// The limits in force.
    pub fn config(&self) -> &ReassemblyConfig {
        &self.config
    }

    /// Partial datagrams held.
    pub fn len(&self) -> usize {
        self.partial.len()
    }

    /// Whether no partial datagram is held.
    pub fn is_empty(&self) -> bool {
        self.partial.is_empty()
    }

    /// Bytes of reassembly buffers held.
    pub fn bytes_in_flight(&self) -> usize {
        self.bytes_in_flight
    }

    /// Takes one fragment (or a whole datagram, which is returned as is), whose header is
    /// `repr` and payload `payload` (its length is authoritative, not `repr.payload_len`).
    ///
    /// Returns the whole datagram once its last missing piece arrives, with `more_frags`
    /// clear, `frag_offset` 0 and the first fragment's other header fields. An identical
    /// duplicate fragment is ignored. Errors say why the fragment, and for some errors
    /// the whole datagram, was dropped. Expired datagrams are dropped first.
    pub fn handle_fragment(
        &mut self,
        now: Duration,
        repr: &Ipv4Repr,
        payload: &[u8],
    ) -> Result<Option<(Ipv4Repr, Vec<u8>)>, ReassemblyError> {
        self.handle_timeout(now);
        let start = usize::from(repr.frag_offset);
        let len = payload.len();
        let end = start + len;
        if !repr.more_frags && start == 0 {
            let whole = Ipv4Repr { payload_len: len, ..*repr };
            return Ok(Some((whole, payload.to_vec())));
        }
        if repr.more_frags && !len.is_multiple_of(8) {
            return Err(ReassemblyError::BadFragmentLength { len });
        }
        let key = FragmentKey {
            src_addr: repr.src_addr,
            dst_addr: repr.dst_addr,
            protocol: repr.protocol,
            ident: repr.ident,
        };
        let header_len = match self.partial.get(&key).and_then(|p| p.first) {
            _ if start == 0 => repr.header_len(),
            Some(first) => first.header_len(),
            None => HEADER_LEN,
        };
        let limit = MAX_PACKET_LEN - header_len;
        if end > limit {
            self.drop_datagram(&key);
            return Err(ReassemblyError::TooLong { key, end, limit });
        }
        if !self.partial.contains_key(&key) {
            if self.partial.len() >= self.config.max_datagrams {
                return Err(ReassemblyError::TooManyDatagrams { max: self.config.max_datagrams });
            }
            self.partial.insert(
                key,
                Partial {
                    deadline: now.saturating_add(self.config.timeout),
                    first: None,
                    pieces: Vec::new(),
                    received: 0,
                    total: None,
                    data: Vec::new(),
                },
            );
        }
        match self.add_piece(&key, repr, start, payload) {
            Ok(done) => Ok(done),
            Err(error) => {
                match error {
                    ReassemblyError::BuffersFull { .. } => {
                        if self.partial.get(&key).is_some_and(|p| p.pieces.is_empty()) {
                            self.drop_datagram(&key);
                        }
                    }
                    _ => self.drop_datagram(&key),
                }
                Err(error)
            }
        }
    }

    fn add_piece(
        &mut self,
        key: &FragmentKey,
        repr: &Ipv4Repr,
        start: usize,
        payload: &[u8],
    ) -> Result<Option<(Ipv4Repr, Vec<u8>)>, ReassemblyError> {
        let key = *key;
        let end = start + payload.len();
        let max_bytes = self.config.max_bytes_in_flight;
        let in_flight = self.bytes_in_flight;
        let Some(partial) = self.partial.get_mut(&key) else {
            return Ok(None);
        };
        // The first piece starting after ours; ours may only touch its predecessor.
        let next = partial.pieces.partition_point(|&(s, _)| s <= start);
        let previous = next.checked_sub(1).and_then(|i| partial.pieces.get(i));
        if previous == Some(&(start, end)) && partial.data.get(start..end) == Some(payload) {
            return Ok(None);
        }
        let overlaps_previous = previous.is_some_and(|&(_, e)| e > start);
        let overlaps_next = partial.pieces.get(next).is_some_and(|&(s, _)| s < end);
        // The ranges of [start, end) to write: all of it, or, keeping the first bytes,
        // only the holes between pieces already held.
        let mut holes = vec![(start, end)];
        if overlaps_previous || overlaps_next {
            if self.config.overlap == OverlapPolicy::Discard {
                return Err(ReassemblyError::Overlap { key, start, end });
            }
            self.overlaps += 1;
            holes = uncovered(&partial.pieces, start, end);
        }
        if let Some(total) = partial.total
            && end > total
        {
            return Err(ReassemblyError::TooLong { key, end, limit: total });
        }
        if !repr.more_frags {
            let known = partial.total.unwrap_or(partial.data.len());
            if partial.total.is_some_and(|t| t != end) || known > end {
                return Err(ReassemblyError::ConflictingEnd { key, end, known });
            }
        }
        let growth = end.saturating_sub(partial.data.len());
        if in_flight + growth > max_bytes {
            return Err(ReassemblyError::BuffersFull { max: max_bytes });
        }
        if growth > 0 {
            partial.data.resize(end, 0);
        }
        for (hole_start, hole_end) in holes {
            partial.data[hole_start..hole_end]
                .copy_from_slice(&payload[hole_start - start..hole_end - start]);
            let at = partial.pieces.partition_point(|&(s, _)| s < hole_start);
            partial.pieces.insert(at, (hole_start, hole_end));
            partial.received += hole_end - hole_start;
        }
        if start == 0 {
            partial.first = Some(Ipv4Repr { payload_len: payload.len(), ..*repr });
        }
        if !repr.more_frags {
            partial.total = Some(end);
        }
        self.bytes_in_flight += growth;

        let complete = partial.first.is_some() && partial.total == Some(partial.received);
        if !complete {
            return Ok(None);
        }
        let Some(partial) = self.partial.remove(&key) else {
            return Ok(None);
        };
        self.bytes_in_flight -= partial.data.len();
        let (Some(first), Some(total)) = (partial.first, partial.total) else {
            return Ok(None);
        };
        let whole = Ipv4Repr { more_frags: false, frag_offset: 0, payload_len: total, ..first };
        if whole.buffer_len() > MAX_PACKET_LEN {
            return Err(ReassemblyError::TooLong {
                key,
                end: total,
                limit: MAX_PACKET_LEN - first.header_len(),
            });
        }
        Ok(Some((whole, partial.data)))
    }

    fn drop_datagram(&mut self, key: &FragmentKey) {
        if let Some(partial) = self.partial.remove(key) {
            self.bytes_in_flight -= partial.data.len();
        }
    }

    /// When [`Reassembler::handle_timeout`] next has work: the earliest deadline.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.partial.values().map(|p| p.deadline).min()
    }

    /// Drops every datagram whose deadline is at or before `now`, queueing a
    /// [`ReassemblyExpired`] event for each. The queue keeps the latest
    /// `max_datagrams` events: drain it with [`Reassembler::poll_event`].
    pub fn handle_timeout(&mut self, now: Duration) {
        let expired: Vec<FragmentKey> =
            self.partial.iter().filter(|(_, p)| p.deadline <= now).map(|(key, _)| *key).collect();
        for key in expired {
            if let Some(partial) = self.partial.remove(&key) {
                self.bytes_in_flight -= partial.data.len();
                self.events.push_back(ReassemblyExpired {
                    key,
                    first_fragment: partial.first,
                    quote: partial.quote(),
                });
            }
        }
        while self.events.len() > self.config.max_datagrams.max(1) {
            self.events.pop_front();
        }
    }

    /// The next expiry to report, oldest first.
    pub fn poll_event(&mut self) -> Option<ReassemblyExpired> {
        self.events.pop_front()
    }
}

/// The parts of `[start, end)` that no piece of `pieces` (sorted, disjoint) covers.
fn uncovered(pieces: &[(usize, usize)], start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut holes = Vec::new();
    let mut cursor = start;
    for &(piece_start, piece_end) in pieces {
        if piece_end <= cursor {
            continue;
        }
        if piece_start >= end {
            break;
        }
        if piece_start > cursor {
            holes.push((cursor, piece_start));
        }
        cursor = cursor.max(piece_end);
        if cursor >= end {
            break;
        }
    }
    if cursor < end {
        holes.push((cursor, end));
    }
    holes
}
