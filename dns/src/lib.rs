//! DNS for packetflow: the wire format (RFC 1035 §4, RFC 3597, RFC 6891) and sans-IO
//! state machines for an authoritative server, a recursive caching resolver, a forwarder
//! and a stub resolver.
//!
//! - Wire: [`Message`] (owned, [`Message::parse`] with `nom`, [`Message::emit`] with name
//!   compression, [`Message::to_bytes_truncated`] for UDP), [`DnsPacket`] (zero-copy
//!   header view), [`Name`] (case-insensitive comparison, case kept on the wire),
//!   [`RData`] typed for A, AAAA, NS, CNAME, PTR, SOA, MX, TXT, SRV, OPT, opaque otherwise.
//! - State machines: [`AuthServer`] over [`Zone`]s, [`Resolver`] (with its [`Cache`]),
//!   [`Forwarder`], [`StubResolver`]. Each takes datagrams with `handle_datagram(now,
//!   from, to, payload, …)`, gives [`Transmit`]s from `poll_transmit(now)` and events from
//!   `poll_event()`, and has `poll_timeout()` / `handle_timeout(now, …)`. Time is a
//!   [`core::time::Duration`] since any epoch; IDs and source ports come from the
//!   caller's [`rand_core::Rng`]. See [`Resolver`] for the source-port contract the glue
//!   follows.
//! - [`sample::textbook_zones`] builds the topology's root, `com.` and `example.com.`.
//!
//! ```
//! use dns::{Message, Name, Question, Record, RecordType, Rcode};
//! use std::net::Ipv4Addr;
//! let www: Name = "www.example.com".parse()?;
//! let query = Message::query(0x1234, Question::new(www.clone(), RecordType::A), true);
//! let mut answer = Message::response_to(&query, Rcode::NOERROR);
//! answer.answers.push(Record::a(www.clone(), 300, Ipv4Addr::new(10, 1, 3, 12)));
//! // Emit with name compression (the answer's owner becomes a pointer to the question)...
//! let bytes = answer.to_bytes()?;
//! assert_eq!(bytes.len(), 12 + 21 + 2 + 10 + 4);
//! // ...and parse it back.
//! let parsed = Message::parse(&bytes)?;
//! assert_eq!(parsed, answer);
//! assert_eq!(parsed.answers[0].name.to_string(), "www.example.com.");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
// `clippy::indexing_slicing` stays off: the header view indexes only after `check_len`,
// the encoder indexes only what it wrote, and the proptests feed arbitrary bytes.

mod cache;
mod encode;
mod error;
mod event;
mod forwarder;
mod message;
mod name;
mod parse;
mod rdata;
mod resolver;
mod resolver_event;
pub mod sample;
mod server;
#[cfg(feature = "proptest")]
pub mod strategies;
mod stub;
mod transmit;
mod types;
mod upstream;
mod wire;
mod zone;

pub use cache::{Cache, CacheConfig, CacheEntry, Cached, Trust};
pub use encode::{MAX_COMPRESSION_ENTRIES, MAX_SUFFIXES, UDP_LIMIT};
pub use error::{EmitError, ParseError};
pub use event::{Answer, Failure, IgnoreReason, IgnoredRecord, RecordIgnoreReason, ServFailReason};
pub use forwarder::{Forwarder, ForwarderConfig, ForwarderEvent};
pub use message::{Edns, Message, Question, Record};
pub use name::{Labels, MAX_LABEL_LEN, MAX_NAME_LEN, MAX_POINTER_HOPS, Name};
pub use rdata::{EdnsOption, RData, Soa};
pub use resolver::{Resolver, ResolverConfig};
pub use resolver_event::ResolverEvent;
pub use server::{AuthServer, ServerConfig, ServerEvent, ServerOutcome};
pub use stub::{StubConfig, StubEvent, StubResolver};
pub use transmit::{QueryHandle, Transmit};
pub use types::{Class, Flags, Opcode, Rcode, RecordType};
pub use wire::{DnsPacket, HEADER_LEN};
pub use zone::{Lookup, MAX_ZONE_CNAME_CHAIN, Zone, ZoneError};

impl Message {
    /// Parses a whole message (up to 65,535 bytes): every name checked (pointers strictly
    /// backwards, at most [`MAX_POINTER_HOPS`], labels ≤ 63, names ≤ 255 bytes), every
    /// RDATA of a known type exactly its declared length, no trailing bytes, at most one
    /// OPT record.
    ///
    /// # Errors
    /// The first rule the bytes break, with its offset.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        parse::message(bytes)
    }
}
