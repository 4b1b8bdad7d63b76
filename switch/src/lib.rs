//! A sans-IO learning Ethernet bridge (IEEE 802.1D): MAC learning, forwarding, flooding,
//! aging, and a bounded table.
//!
//! [`LearningBridge`] never sees bytes: the caller parses each frame (with the
//! `ethernet` crate, say) and hands over the ingress port and the two MAC addresses; the
//! bridge learns the source and answers with a [`Forwarding`] decision. Table changes
//! come out as [`BridgeEvent`]s, and aging is driven by the caller's virtual clock
//! through [`LearningBridge::poll_timeout`] and [`LearningBridge::handle_timeout`].
//!
//! ```
//! use core::time::Duration;
//! use ethernet::MacAddress;
//! use switch::{BridgeConfig, BridgeEvent, Forwarding, LearningBridge, PortId};
//!
//! let a: MacAddress = "02:00:00:00:00:0a".parse()?;
//! let b: MacAddress = "02:00:00:00:00:0b".parse()?;
//! let mut bridge = LearningBridge::new(BridgeConfig::default(), 3);
//! let t0 = Duration::ZERO;
//!
//! // a → b: b is unknown, so the frame floods; the bridge learns a on port 0.
//! let decision = bridge.handle_frame(t0, PortId(0), a, b);
//! assert_eq!(decision, Forwarding::Flood { except: PortId(0) });
//! assert_eq!(decision.egress_ports(3).collect::<Vec<_>>(), [PortId(1), PortId(2)]);
//! assert_eq!(bridge.poll_event(), Some(BridgeEvent::Learned { mac: a, port: PortId(0) }));
//!
//! // b answers from port 2: a is known, so the reply goes out of port 0 only.
//! assert_eq!(bridge.handle_frame(t0, PortId(2), b, a), Forwarding::Unicast(PortId(0)));
//!
//! // Five minutes of silence later, both have aged out.
//! let later = bridge.poll_timeout().unwrap_or_default();
//! assert_eq!(later, Duration::from_secs(300));
//! bridge.handle_timeout(later);
//! assert!(bridge.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod bridge;
mod config;
mod event;
mod forwarding;
mod port;
#[cfg(feature = "proptest")]
pub mod strategies;

pub use bridge::LearningBridge;
pub use config::BridgeConfig;
pub use event::{BridgeEvent, TableEntry};
pub use forwarding::{EgressPorts, Forwarding};
pub use port::PortId;

/// The MAC address type the bridge works with, re-exported from the `ethernet` crate.
pub use ethernet::MacAddress;

/// The README's example, compiled and run as a doctest so that it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
