//! TCP (RFC 9293) for packetflow: segment wire format with options, and a sans-IO
//! connection state machine with a listener.
//!
//! **Wire.** [`TcpPacket`] is a zero-copy view with one accessor per field, checked once
//! by [`TcpPacket::new_checked`]; [`TcpRepr`] is the header's meaning, with
//! [`TcpRepr::parse`] (which verifies the checksum over the IPv4 pseudo-header) and
//! [`TcpRepr::emit`]. Options ([`TcpOptions`]) are kept as their bytes, so a parsed
//! segment re-emits byte for byte, and decoded on demand: MSS, window scale,
//! SACK-permitted, SACK blocks, timestamps, NOP/EOL and unknown kinds.
//!
//! **Connections.** [`Connection`] runs the eleven states of RFC 9293 §3.3.2 on virtual
//! time: `handle_segment` / `poll_transmit` / `poll_timeout` / `handle_timeout` /
//! `poll_event`, with [`Connection::connect`], `send`, `recv`, `close` and `abort` for
//! the application. [`Listener`] answers SYNs with a bounded backlog;
//! [`reset_for_closed`] answers segments for no connection. ISNs follow RFC 6528
//! ([`IsnGenerator`], keyed from the caller's RNG).
//!
//! ```
//! use std::net::Ipv4Addr;
//! use tcp::{ChecksumCheck, SeqNumber, TcpFlags, TcpOption, TcpOptions, TcpPacket, TcpRepr};
//! let (src, dst) = (Ipv4Addr::new(192, 168, 1, 1), Ipv4Addr::new(10, 1, 3, 12));
//! let repr = TcpRepr {
//!     src_port: 51234,
//!     dst_port: 443,
//!     seq_number: SeqNumber(0x1234_5678),
//!     ack_number: SeqNumber(0),
//!     flags: TcpFlags::SYN,
//!     window_len: 64240,
//!     urgent_at: 0,
//!     options: TcpOptions::from_options(&[TcpOption::Mss(1460), TcpOption::SackPermitted])?,
//!     payload_len: 0,
//! };
//! // Emit into a buffer of exactly `buffer_len()` bytes...
//! let mut bytes = vec![0; repr.buffer_len()];
//! repr.emit(&mut TcpPacket::new_unchecked(&mut bytes[..]), src, dst, &[])?;
//! // ...and parse it back, checksum verified.
//! let packet = TcpPacket::new_checked(&bytes[..])?;
//! assert_eq!(TcpRepr::parse(&packet, src, dst, ChecksumCheck::Verify)?, repr);
//! assert_eq!(packet.header_len(), 28);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
// `clippy::indexing_slicing` stays off: views index only after `check_len` has proven the
// offsets in range (the smoltcp contract), and the proptests feed them arbitrary bytes.

mod buffer;
mod config;
mod connection;
mod error;
mod event;
mod input;
mod isn;
mod listener;
mod options;
mod output;
mod repr;
mod reset;
mod rtt;
mod seq;
#[cfg(feature = "proptest")]
pub mod strategies;
mod wire;

pub use config::{Config, KeepAlive};
pub use connection::{Connection, Stats};
pub use error::{EmitError, ParseError};
pub use event::{Event, IcmpError, State, Transmit};
pub use isn::IsnGenerator;
pub use listener::{Backlog, Listener, ListenerEvent};
pub use options::{MAX_OPTIONS_LEN, OptionsIter, SackBlock, SackBlocks, TcpOption, TcpOptions};
pub use repr::{ChecksumCheck, MAX_SEGMENT_LEN, TcpRepr};
pub use reset::reset_for_closed;
pub use seq::SeqNumber;
pub use wire::{HEADER_LEN, TcpFlags, TcpPacket};
