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

mod bridge;
pub mod describe;
pub mod dissect;
mod engine;
pub mod export;
mod ip_node;
mod link;
pub mod narrative;
mod node;
pub mod pcapng;
pub mod scenario;
mod stack;
mod trace;
pub mod view;

pub use bridge::Switch;
pub use engine::{ConnectError, RunSummary, Simulation};
pub use ip_node::{Host, IpNode, Router};
pub use link::{Endpoint, Fate, Faults, Link, LinkConfig, LinkId, WIRE_OVERHEAD_BYTES};
pub use node::{
    Command, FloodReason, IfaceId, InterfaceInfo, IpEvent, Node, NodeEvent, NodeId, SwitchDecision,
};
pub use stack::{DEFAULT_TTL, Delivered, IpInterface, IpStack, Pending};
pub use trace::{EventRecord, FrameRecord, Trace, TraceRecord};
