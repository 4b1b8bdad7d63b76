//! ARP (RFC 826) for Ethernet/IPv4: packet view and repr, and a sans-IO neighbour cache.
//!
//! Two wire layers, as in smoltcp: [`ArpPacket`] is a zero-copy view of an ARP packet of
//! any hardware and protocol type, checked once by [`ArpPacket::new_checked`];
//! [`ArpRepr`] is the meaning of an Ethernet/IPv4 one, with [`ArpRepr::parse`] and
//! [`ArpRepr::emit`]. [`NeighborCache`] is the state machine a host runs on top: it
//! resolves next hops, queues packets while it asks, answers requests for its own
//! address, ages entries, and detects address conflicts (RFC 5227). It never sees bytes
//! or clocks: time comes in as a [`core::time::Duration`].
//!
//! ```
//! use arp::{ArpPacket, ArpRepr};
//! use ethernet::{EthernetRepr, EthernetFrame, MacAddress, Padding};
//! let request = ArpRepr::request(
//!     "02:00:00:00:00:0a".parse()?,
//!     "192.0.2.10".parse()?,
//!     "192.0.2.20".parse()?,
//! );
//! // Emit inside a broadcast Ethernet frame, padded to 60 bytes as on the wire...
//! let ethernet = EthernetRepr {
//!     src_addr: request.sender_mac,
//!     dst_addr: MacAddress::BROADCAST,
//!     vlan: None,
//!     ethertype: ethernet::EtherType::ARP,
//! };
//! let bytes = ethernet.to_bytes(&request.to_bytes(), Padding::MinimumFrame);
//! assert_eq!(bytes.len(), 60);
//! // ...and parse it back: the padding after the 28 ARP bytes is ignored.
//! let frame = EthernetFrame::new_checked(&bytes[..])?;
//! let packet = ArpPacket::new_checked(frame.payload())?;
//! assert_eq!(ArpRepr::parse(&packet)?, request);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
// `clippy::indexing_slicing` stays off: views index only after `check_len` has proven the
// offsets in range (the smoltcp contract), and the proptests feed them arbitrary bytes.

mod cache;
mod error;
mod event;
mod repr;
#[cfg(feature = "proptest")]
pub mod strategies;
mod wire;

pub use cache::{ANNOUNCE_WAIT, CacheConfig, MAX_PROXIED, NeighborCache};
pub use error::{EmitError, ParseError};
pub use event::{ArpEvent, ArpTransmit, NeighborEntry, Released, Resolution};
pub use repr::ArpRepr;
pub use wire::{ArpPacket, HEADER_LEN, HardwareType, Operation};

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
