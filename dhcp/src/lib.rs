//! DHCP for IPv4 (RFC 2131, RFC 2132, RFC 3396) for packetflow: the message format, and
//! sans-IO client and server state machines.
//!
//! - [`DhcpPacket`] is a zero-copy view of the fixed BOOTP header; [`DhcpRepr`] is a
//!   whole message with typed [`DhcpOption`]s, parsed with `nom` under a strict length
//!   discipline (long options concatenated, option overload honoured) and emitted by a
//!   mirror-image encoder.
//! - [`client::Client`] is the RFC 2131 §4.4 client (INIT, SELECTING, REQUESTING, BOUND,
//!   RENEWING, REBINDING, INIT-REBOOT), with RFC 5227 address probing.
//! - [`server::Server`] is the §4.3 server: pools per subnet, reservations, a bounded
//!   lease table, DECLINE, RELEASE and INFORM.
//!
//! Nothing here reads a clock, a socket or a global RNG: time is a [`core::time::Duration`]
//! since any epoch, randomness comes from the caller's `rand_core::Rng`.
//!
//! ```
//! use dhcp::{DhcpOption, DhcpRepr, MessageType, OpCode};
//! let mac = "02:00:00:00:00:42".parse()?;
//! let mut discover = DhcpRepr::new(OpCode::BOOTREQUEST, 0x3c6270e, mac);
//! discover.options.push(DhcpOption::MessageType(MessageType::DISCOVER));
//! let bytes = discover.to_bytes()?;
//! assert_eq!(bytes.len(), 300); // padded to the BOOTP minimum
//! let parsed = DhcpRepr::parse_bytes(&bytes)?;
//! assert_eq!(parsed, discover);
//! assert_eq!(parsed.message_type(), Some(MessageType::DISCOVER));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
// `clippy::indexing_slicing` stays off: views index only after `check_len` has proven the
// offsets in range (the smoltcp contract), and the proptests feed them arbitrary bytes.

pub mod client;
mod error;
mod options;
mod repr;
pub mod server;
#[cfg(feature = "proptest")]
pub mod strategies;
mod transmit;
mod wire;

pub use error::{EmitError, ParseError};
pub use options::{DhcpOption, MessageType, OptionCode};
pub use repr::{DhcpRepr, HTYPE_ETHERNET, OpCode};
pub use transmit::{CLIENT_PORT, SERVER_PORT, Transmit};
pub use wire::{DhcpPacket, FLAG_BROADCAST, HEADER_LEN, MAGIC_COOKIE, MIN_MESSAGE_LEN};
