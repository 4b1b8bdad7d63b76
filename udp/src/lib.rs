//! UDP (RFC 768) for packetflow: a zero-copy datagram view and an owned header repr with
//! pseudo-header checksums.
//!
//! Two layers, as in smoltcp: [`UdpPacket`] is a view with one accessor per field,
//! checked once by [`UdpPacket::new_checked`]; [`UdpRepr`] is the header's meaning, with
//! [`UdpRepr::parse`] (which verifies the checksum, accepting 0 as "none") and
//! [`UdpRepr::emit`] (which computes it, writing 0xffff for a computed 0). Nothing here
//! panics on hostile bytes, and the crate is `#![forbid(unsafe_code)]`.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use udp::{ChecksumCheck, UdpPacket, UdpRepr};
//! let src = Ipv4Addr::new(0, 0, 0, 0);
//! let dst = Ipv4Addr::BROADCAST;
//! let repr = UdpRepr { src_port: 68, dst_port: 67, payload_len: 5 };
//! // Emit into a buffer of exactly `buffer_len()` bytes...
//! let mut bytes = vec![0; repr.buffer_len()];
//! repr.emit(&mut UdpPacket::new_unchecked(&mut bytes[..]), src, dst, b"hello")?;
//! // ...and parse it back, checksum verified.
//! let packet = UdpPacket::new_checked(&bytes[..])?;
//! assert_eq!(UdpRepr::parse(&packet, src, dst)?, repr);
//! assert_eq!(packet.payload(), b"hello");
//! assert_ne!(packet.checksum(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
// `clippy::indexing_slicing` stays off: views index only after `check_len` has proven the
// offsets in range (the smoltcp contract), and the proptests feed them arbitrary bytes.

mod error;
mod repr;
#[cfg(feature = "proptest")]
pub mod strategies;
mod wire;

pub use error::{EmitError, ParseError};
pub use repr::{ChecksumCheck, UdpRepr};
pub use wire::{HEADER_LEN, UdpPacket};
