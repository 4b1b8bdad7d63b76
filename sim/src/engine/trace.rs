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
}

impl FrameRecord {
    /// What the link did to the frame, when it did more than deliver it:
    /// `lost on the link`, `duplicated on the link; corrupted …`.
    pub fn fault_description(&self) -> Option<String> {
        let fate = match &self.fate {
            Fate::Delivered { .. } => None,
            Fate::Corrupted { bit, .. } => Some(format!("corrupted on the link (bit {bit} flipped)")),
            Fate::Lost => Some("lost on the link".to_owned()),
            Fate::TooBig { mtu } => Some(format!("dropped: larger than the link MTU {mtu}")),
        };
        match (self.duplicate, fate) {
            (true, Some(fate)) => Some(format!("duplicated on the link; {fate}")),
            (true, None) => Some("duplicated on the link".to_owned()),
            (false, fate) => fate,
        }
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
