//! The packetflow simulator: a deterministic discrete-event network built from the
//! workspace's protocol crates, and the views over its trace.
//!
//! Time is virtual; events run in (time, sequence) order, and every random draw comes
//! from the run's seed, so the same seed gives a byte-identical trace and pcapng.
//!
//! ```
//! use sim::{LinkConfig, scenario};
//! let mut run = scenario::build(scenario::Flow::Ping, 1, LinkConfig::default());
//! run.run(scenario::RUN_HORIZON, scenario::MAX_STEPS);
//! let frames: Vec<_> = run.trace().frames().collect();
//! // ARP: cl1's broadcast request crosses cl1-sw1 and is flooded to cl2 and rt1 (3 frames);
//! // cl2's reply crosses cl2-sw1 and is forwarded to cl1 only (2). Then two echo
//! // requests and two replies, each crossing two links (8).
//! assert_eq!(frames.len(), 13);
//! // The narrative explains each step.
//! let story = sim::narrative::render(&sim::narrative::narrate(&run));
//! assert!(story.contains("ARP cache miss"));
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod apps;
mod engine;
pub mod live;
pub mod nodes;
pub mod scenario;
pub mod views;

pub use engine::{
    ConnectError, Endpoint, EventRecord, Fate, Faults, FrameRecord, Link, LinkConfig, LinkId, RunSummary,
    Simulation, Snapshot, Trace, TraceRecord, WIRE_OVERHEAD_BYTES,
};
pub use nodes::{
    Command, FloodReason, Host, IfaceId, InterfaceInfo, IpNode, Netfilter, NetfilterEvent, Node, NodeEvent,
    NodeId, NodeKind, Router, Switch, SwitchDecision,
};
pub use views::{describe, export, keylog, narrative, pcapng, topology};
