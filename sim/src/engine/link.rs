//! Point-to-point links: latency, bandwidth, MTU and seeded faults.

use core::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use crate::nodes::{IfaceId, NodeId};

/// Index of a link in the simulation; also its pcapng interface number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct LinkId(pub usize);

/// One end of a link: a node's interface.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Endpoint {
    /// The node.
    pub node: NodeId,
    /// The node's interface.
    pub iface: IfaceId,
}

/// Probabilities (0.0..=1.0) of what can happen to each frame on a link, drawn from the
/// link's own seeded RNG so a run is reproducible.
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct Faults {
    /// The frame vanishes.
    pub loss: f64,
    /// A second copy arrives right after the first.
    pub duplicate: f64,
    /// The frame is held back by up to [`Faults::reorder_delay`], so later frames overtake it.
    pub reorder: f64,
    /// How long a reordered frame may be held back.
    pub reorder_delay: Duration,
    /// One bit of the frame is flipped on the wire; the receiving port's FCS check
    /// catches it and drops the frame, as every Ethernet NIC and switch port does.
    pub corrupt: f64,
    /// One bit is flipped where the FCS cannot see it (a faulty device that recomputes the
    /// FCS over damaged bytes): the frame is accepted, and only IP, ICMP, UDP and TCP
    /// checksums can catch the damage.
    pub corrupt_undetected: f64,
}

impl Faults {
    /// Whether every probability is a number in 0.0..=1.0.
    pub fn is_valid(&self) -> bool {
        [self.loss, self.duplicate, self.reorder, self.corrupt, self.corrupt_undetected]
            .iter()
            .all(|p| (0.0..=1.0).contains(p))
    }
}

/// How a link behaves.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct LinkConfig {
    /// Propagation delay, one way.
    pub latency: Duration,
    /// Bits per second; each frame occupies the link for its serialization time.
    pub bandwidth_bps: u64,
    /// Largest Ethernet payload the link carries (the IP MTU); bigger frames are dropped.
    pub mtu: usize,
    /// Seeded loss, duplication, reordering and corruption.
    pub faults: Faults,
}

impl Default for LinkConfig {
    /// 1 Gbit/s Ethernet with 5 µs of propagation and a 1500-byte MTU, no faults.
    fn default() -> Self {
        Self {
            latency: Duration::from_micros(5),
            bandwidth_bps: 1_000_000_000,
            mtu: 1500,
            faults: Faults::default(),
        }
    }
}

/// Per-frame wire overhead that occupies the link but is not captured: preamble and
/// start-of-frame delimiter (8), FCS (4) and the inter-frame gap (12).
pub const WIRE_OVERHEAD_BYTES: u64 = 24;

/// What happened to one frame put on a link.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Fate {
    /// Delivered to the far end at this time.
    Delivered {
        /// Arrival time at the far end.
        at: Duration,
    },
    /// Arrived with one bit flipped (the record holds the corrupted bytes).
    Corrupted {
        /// Arrival time at the far end.
        at: Duration,
        /// Which bit of the frame was flipped.
        bit: usize,
        /// Whether the receiving port's FCS check catches it (and drops the frame).
        fcs_error: bool,
    },
    /// Lost on the link.
    Lost,
    /// Larger than the link MTU: dropped by the sending interface.
    TooBig {
        /// The link's MTU.
        mtu: usize,
    },
}

impl Fate {
    /// The arrival time, if the frame arrives.
    pub fn arrival(&self) -> Option<Duration> {
        match self {
            Self::Delivered { at } | Self::Corrupted { at, .. } => Some(*at),
            Self::Lost | Self::TooBig { .. } => None,
        }
    }
}

/// A link and its state: two ends, one transmitter per direction.
#[derive(Debug)]
pub struct Link {
    /// Name, `a-b` after the nodes it joins; the pcapng interface name.
    pub name: String,
    /// The two ends.
    pub ends: [Endpoint; 2],
    /// Behaviour.
    pub config: LinkConfig,
    busy_until: [Duration; 2],
    rng: ChaCha8Rng,
}

/// One frame's passage over a link, as decided when it is sent.
#[derive(Debug, Clone)]
pub(crate) struct Transmission {
    pub(crate) start: Duration,
    pub(crate) copies: Vec<(Fate, Vec<u8>)>,
    /// How long reordering held the frame back (zero when it was not).
    pub(crate) held_back: Duration,
}

impl Link {
    /// A link between two ends; `seed` feeds its fault RNG.
    pub fn new(name: String, ends: [Endpoint; 2], config: LinkConfig, seed: u64) -> Self {
        Self { name, ends, config, busy_until: [Duration::ZERO; 2], rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// Which side `from` is on, if it is an end of this link.
    pub fn side_of(&self, from: Endpoint) -> Option<usize> {
        self.ends.iter().position(|&end| end == from)
    }

    fn chance(&mut self, p: f64) -> bool {
        // 53 random bits give a uniform float in [0, 1).
        p > 0.0 && ((self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn serialization_time(&self, len: usize) -> Duration {
        let bits = (len as u64 + WIRE_OVERHEAD_BYTES) * 8;
        let nanos = u128::from(bits) * 1_000_000_000 / u128::from(self.config.bandwidth_bps.max(1));
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// Puts a frame on the wire from side `side` at `now`: queues behind earlier frames in
    /// the same direction, then draws its faults.
    pub(crate) fn transmit(
        &mut self,
        now: Duration,
        side: usize,
        frame: Vec<u8>,
        header_len: usize,
    ) -> Transmission {
        let payload_len = frame.len().saturating_sub(header_len);
        if payload_len > self.config.mtu {
            let copies = vec![(Fate::TooBig { mtu: self.config.mtu }, frame)];
            return Transmission { start: now, copies, held_back: Duration::ZERO };
        }
        let start = now.max(self.busy_until[side]);
        let done = start.saturating_add(self.serialization_time(frame.len()));
        self.busy_until[side] = done;
        let arrival = done.saturating_add(self.config.latency);
        let faults = self.config.faults;
        if self.chance(faults.loss) {
            return Transmission { start, copies: vec![(Fate::Lost, frame)], held_back: Duration::ZERO };
        }
        let mut copies = Vec::with_capacity(2);
        let duplicate = self.chance(faults.duplicate);
        let mut held_back = Duration::ZERO;
        if self.chance(faults.reorder) && !faults.reorder_delay.is_zero() {
            let extra = self.rng.next_u64() % (faults.reorder_delay.as_nanos() as u64).max(1);
            held_back = Duration::from_nanos(extra.max(1));
        }
        let at = arrival.saturating_add(held_back);
        copies.push(self.maybe_corrupt(at, frame.clone()));
        if duplicate {
            copies.push(self.maybe_corrupt(at.saturating_add(self.serialization_time(frame.len())), frame));
        }
        Transmission { start, copies, held_back }
    }

    fn maybe_corrupt(&mut self, at: Duration, mut frame: Vec<u8>) -> (Fate, Vec<u8>) {
        let faults = self.config.faults;
        let fcs_error = self.chance(faults.corrupt);
        if !frame.is_empty() && (fcs_error || self.chance(faults.corrupt_undetected)) {
            let bit = (self.rng.next_u64() % (frame.len() as u64 * 8)) as usize;
            if let Some(byte) = frame.get_mut(bit / 8) {
                *byte ^= 1 << (bit % 8);
            }
            return (Fate::Corrupted { at, bit, fcs_error }, frame);
        }
        (Fate::Delivered { at }, frame)
    }
}
