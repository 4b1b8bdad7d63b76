//! The trace: the single record of a run, from which every view is made.

use core::time::Duration;

use crate::engine::{Endpoint, Fate, LinkId};
use crate::nodes::{NodeEvent, NodeId};

/// One frame's passage over one link.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FrameRecord {
    /// When the sender started putting it on the link.
    pub time: Duration,
    /// The link it crossed.
    pub link: LinkId,
    /// Sending interface.
    pub from: Endpoint,
    /// Receiving interface.
    pub to: Endpoint,
    /// The bytes, as they arrived (corruption included) or as sent when they never arrived.
    pub bytes: Vec<u8>,
    /// Delivered, corrupted, lost or too big.
    pub fate: Fate,
    /// Whether this is the extra copy a duplicating link made.
    pub duplicate: bool,
    /// How long reordering held the frame back on the link (zero when it did not).
    pub held_back: Duration,
    /// Whether the frame repeats one that was corrupted upstream without the FCS
    /// catching it (a switch forwarding what it received).
    pub carries_corruption: bool,
}

impl FrameRecord {
    /// What the link did to the frame, when it did more than deliver it:
    /// `lost on the link`, `duplicated on the link; corrupted …`.
    pub fn fault_description(&self) -> Option<String> {
        let mut faults = Vec::new();
        if self.duplicate {
            faults.push("duplicated on the link".to_owned());
        }
        if !self.held_back.is_zero() {
            faults.push(format!("held back {} on the link (reordered)", format_duration(self.held_back)));
        }
        match &self.fate {
            Fate::Delivered { .. } => {}
            Fate::Corrupted { bit, fcs_error: true, .. } => {
                faults.push(format!(
                    "corrupted on the link (bit {bit} flipped): the receiver's FCS check drops it"
                ));
            }
            Fate::Corrupted { bit, fcs_error: false, .. } => {
                faults.push(format!("corrupted on the link (bit {bit} flipped) where the FCS cannot see it"));
            }
            Fate::Lost => faults.push("lost on the link".to_owned()),
            Fate::TooBig { mtu } => faults.push(format!("dropped: larger than the link MTU {mtu}")),
        }
        if self.carries_corruption {
            faults.push("carries a frame corrupted upstream".to_owned());
        }
        (!faults.is_empty()).then(|| faults.join("; "))
    }
}

/// A duration as the narrative writes it: `1.234 ms`, `56 µs`, `2.000 s`.
pub(crate) fn format_duration(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos >= 1_000_000_000 {
        format!("{:.3} s", duration.as_secs_f64())
    } else if nanos >= 1_000_000 {
        format!("{:.3} ms", duration.as_secs_f64() * 1e3)
    } else {
        format!("{} µs", nanos / 1_000)
    }
}

/// A state change a node reported.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EventRecord {
    /// When it happened.
    pub time: Duration,
    /// The node that reported it.
    pub node: NodeId,
    /// What happened.
    pub event: NodeEvent,
}

/// An entry of the trace.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum TraceRecord {
    /// A frame on a link.
    Frame(FrameRecord),
    /// A node's state change.
    Event(EventRecord),
}

impl TraceRecord {
    /// When the record happened.
    pub fn time(&self) -> Duration {
        match self {
            Self::Frame(frame) => frame.time,
            Self::Event(event) => event.time,
        }
    }
}

/// Every frame and event of a run, in the order the simulation produced them.
///
/// Bounded by `limit` records: a run that would exceed it stops recording and sets
/// [`Trace::truncated`], so a runaway scenario cannot exhaust memory.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Trace {
    records: Vec<TraceRecord>,
    limit: usize,
    truncated: bool,
}

impl Trace {
    /// Default bound on records.
    pub const DEFAULT_LIMIT: usize = 1_000_000;

    /// An empty trace holding at most `limit` records.
    pub fn with_limit(limit: usize) -> Self {
        Self { records: Vec::new(), limit, truncated: false }
    }

    pub(crate) fn push(&mut self, record: TraceRecord) {
        if self.records.len() < self.limit {
            self.records.push(record);
        } else {
            self.truncated = true;
        }
    }

    /// All records, in production order.
    pub fn records(&self) -> &[TraceRecord] {
        &self.records
    }

    /// The frame records alone.
    pub fn frames(&self) -> impl Iterator<Item = &FrameRecord> {
        self.records.iter().filter_map(|record| match record {
            TraceRecord::Frame(frame) => Some(frame),
            TraceRecord::Event(_) => None,
        })
    }

    /// The event records alone.
    pub fn events(&self) -> impl Iterator<Item = &EventRecord> {
        self.records.iter().filter_map(|record| match record {
            TraceRecord::Event(event) => Some(event),
            TraceRecord::Frame(_) => None,
        })
    }

    /// Whether records were dropped because the limit was reached.
    pub fn truncated(&self) -> bool {
        self.truncated
    }
}
