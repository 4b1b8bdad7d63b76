//! NAT for IPv4 on a shared connection tracker ([`conntrack::Conntrack`]), as Linux's nat
//! table sits on nf_conntrack:
//!
//! - **NAPT** (masquerade): endpoint-independent mapping (RFC 4787 REQ-1, RFC 5382
//!   REQ-1), port preservation when the port is free, else a port from a configurable
//!   range; ICMP query identifiers translated the same way (RFC 5508); collisions
//!   between inside hosts resolved by allocation.
//! - **Static SNAT** to a fixed address, and **static DNAT** of an address (and
//!   optionally a port).
//! - **ICMP errors** translated with the quoted header and transport header, their
//!   checksums included (RFC 5508 §4.2).
//! - **Hairpinning**: an inside host reaching another through the external address gets
//!   there with its own external endpoint as the source (RFC 4787 REQ-9, RFC 5382 REQ-8).
//! - **Incremental checksums** (RFC 1624) for IPv4, TCP, UDP and ICMP: nothing is summed
//!   again on the fast path.
//! - **Timeouts** are the tracker's (by protocol and TCP state, on virtual time); a
//!   mapping lives as long as a flow using it. Both tables are bounded; a full table
//!   refuses new flows and never evicts an established one.
//!
//! Filtering is stateful through the tracker: with the default
//! [`Filtering::AddressAndPortDependent`], only replies of tracked flows come in.
//!
//! See [`Nat`] for an example.
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod mapping;
mod nat;
mod rewrite;
mod rule;

pub use mapping::Mapping;
pub use nat::{Counters, Filtering, Interface, Nat, NatConfig, NatError, NatEvent, Rewrite, Stage};
pub use rule::NatRule;
