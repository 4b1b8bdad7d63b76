//! ICMP (RFC 792) for IPv4 in packetflow: echo, destination unreachable (with RFC 1191's
//! next-hop MTU), time exceeded, and the datagrams errors quote.
//!
//! Two layers, as in smoltcp: [`IcmpPacket`] is a zero-copy view with one accessor per
//! field, checked once by [`IcmpPacket::new_checked`]; [`IcmpRepr`] is the message's
//! meaning, borrowing its data, with [`IcmpRepr::parse`] (which verifies the checksum)
//! and [`IcmpRepr::emit`] (which fills it). Errors quote the start of the offending
//! datagram as a [`QuotedDatagram`]; hosts and routers build them with
//! [`IcmpRepr::port_unreachable`], [`IcmpRepr::time_exceeded`] and friends, which apply
//! RFC 1122's "never send an error about..." rules ([`error_allowed`]). Nothing here
//! panics on hostile bytes, and the crate is `#![forbid(unsafe_code)]`.
//!
//! ```
//! use icmp::{IcmpPacket, IcmpRepr, QuoteLimit, UnreachableCode};
//! use ipv4::{Dscp, Ecn, IpProtocol, Ipv4Options, Ipv4Repr};
//! // A UDP datagram to a closed port...
//! let udp = [0xc3, 0x50, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, b'p', b'i', b'n', b'g'];
//! let ip = Ipv4Repr {
//!     src_addr: "192.168.1.1".parse()?,
//!     dst_addr: "192.168.1.254".parse()?,
//!     protocol: IpProtocol::UDP,
//!     ttl: 64,
//!     dscp: Dscp::CS0,
//!     ecn: Ecn::NOT_ECT,
//!     ident: 1,
//!     dont_frag: true,
//!     more_frags: false,
//!     frag_offset: 0,
//!     options: Ipv4Options::NONE,
//!     payload_len: udp.len(),
//! };
//! let original = ip.to_bytes(&udp)?;
//! // ...earns a port unreachable, emitted...
//! let error = IcmpRepr::port_unreachable(&original, QuoteLimit::Rfc792)?;
//! let bytes = error.to_bytes();
//! assert_eq!(bytes.len(), 8 + 20 + 8);
//! // ...and parsed back: the quote tells the sender which flow failed.
//! let parsed = IcmpRepr::parse(&IcmpPacket::new_checked(&bytes[..])?)?;
//! assert_eq!(parsed, error);
//! let IcmpRepr::DestinationUnreachable { code, quoted, .. } = parsed else { panic!() };
//! assert_eq!(code, UnreachableCode::PORT);
//! assert_eq!(quoted.header.src_addr, ip.src_addr);
//! assert_eq!(quoted.ports(), Some((50000, 53)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
// `clippy::indexing_slicing` stays off: views index only after `check_len` has proven the
// offsets in range (the smoltcp contract), and the proptests feed them arbitrary bytes.

mod builders;
mod error;
mod quoted;
mod quoted_mut;
mod repr;
#[cfg(feature = "proptest")]
pub mod strategies;
mod types;
mod wire;

pub use builders::{MAX_ERROR_DATAGRAM_LEN, QuoteLimit, error_allowed, error_quote};
pub use error::{BuildError, EmitError, ParseError, Suppressed};
pub use quoted::QuotedDatagram;
pub use quoted_mut::QuotedDatagramMut;
pub use repr::IcmpRepr;
pub use types::{IcmpType, TimeExceededCode, UnreachableCode};
pub use wire::{HEADER_LEN, IcmpPacket};
