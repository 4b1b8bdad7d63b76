//! IPv4 for packetflow: the header (view and repr), the Internet checksum (RFC 1071,
//! RFC 1624), fragmentation and reassembly, a longest-prefix-match routing table, and
//! RFC 1812 forwarding decisions.
//!
//! Two layers, as in smoltcp: [`Ipv4Packet`] is a zero-copy view with one accessor per
//! field, checked once by [`Ipv4Packet::new_checked`]; [`Ipv4Repr`] is the header's
//! meaning, with [`Ipv4Repr::parse`] and [`Ipv4Repr::emit`]. Nothing here panics on
//! hostile bytes, and the crate is `#![forbid(unsafe_code)]`.
//!
//! ```
//! use ipv4::{Dscp, Ecn, IpProtocol, Ipv4Options, Ipv4Packet, Ipv4Repr};
//! let repr = Ipv4Repr {
//!     src_addr: "10.0.0.1".parse()?,
//!     dst_addr: "10.0.0.2".parse()?,
//!     protocol: IpProtocol::ICMP,
//!     ttl: 64,
//!     dscp: Dscp::CS0,
//!     ecn: Ecn::NOT_ECT,
//!     ident: 7,
//!     dont_frag: false,
//!     more_frags: false,
//!     frag_offset: 0,
//!     options: Ipv4Options::NONE,
//!     payload_len: 5,
//! };
//! // Emit...
//! let bytes = repr.to_bytes(b"hello")?;
//! assert_eq!(bytes.len(), 25);
//! // ...and parse it back.
//! let packet = Ipv4Packet::new_checked(&bytes[..])?;
//! assert_eq!(Ipv4Repr::parse(&packet)?, repr);
//! assert_eq!(packet.payload(), b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod checksum;
mod error;
mod fields;
pub mod forward;
pub mod fragment;
mod packet;
mod protocol;
mod reassembly;
mod repr;
pub mod route;
#[cfg(feature = "proptest")]
pub mod strategies;

pub use error::{EmitError, FieldError, FragmentError, FragmentKey, ParseError, ReassemblyError};
pub use fields::{Dscp, Ecn, Ipv4Options, MAX_OPTIONS_LEN};
pub use packet::{HEADER_LEN, Ipv4Packet, MAX_HEADER_LEN, MAX_PACKET_LEN};
pub use protocol::IpProtocol;
pub use reassembly::{OverlapPolicy, Reassembler, ReassemblyConfig, ReassemblyExpired};
pub use repr::Ipv4Repr;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
