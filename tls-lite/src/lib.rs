//! A small, real TLS 1.3 (RFC 8446) for packetflow: sans-IO client and server
//! connections, the record layer, the key schedule and SSLKEYLOGFILE lines. The
//! cryptography is RustCrypto's (`aes-gcm`, `chacha20poly1305`, `sha2`, `hkdf`, `hmac`,
//! `x25519-dalek`, `ed25519-dalek`, `p256`); certificate chains are checked by
//! `rustls-webpki`.
//!
//! Scope: TLS 1.3 only; TLS_AES_128_GCM_SHA256 and TLS_CHACHA20_POLY1305_SHA256; X25519;
//! server certificates signed with Ed25519 or ECDSA P-256; SNI; middlebox-compatibility
//! mode; NewSessionTicket ignored; KeyUpdate both ways; close_notify. Everything else
//! (TLS 1.2, PSK, 0-RTT, client certificates, HelloRetryRequest) is refused with the
//! alert RFC 8446 names.
//!
//! Bytes in, bytes out: [`ClientConnection`] and [`ServerConnection`] take what the
//! transport received with `handle_input(now, bytes)` and hand back records with
//! `poll_transmit(now)`, [`Event`]s with `poll_event()` and [`KeyLogLine`]s with
//! `poll_keylog()`. Randomness (hello randoms, session id, X25519 keys) comes from the
//! caller's `rand_core::Rng`, so a seeded run is reproducible byte for byte.
//!
//! The handshake messages have strict parsers and mirroring encoders:
//!
//! ```
//! use tls_lite::msgs::HandshakeMessage;
//! let ku = HandshakeMessage::KeyUpdate(true);
//! let bytes = ku.emit();
//! assert_eq!(bytes, [24, 0, 0, 1, 1]);
//! assert_eq!(HandshakeMessage::parse(&bytes)?, ku);
//! // A length that does not cover the body exactly is a decode_error.
//! let err = HandshakeMessage::parse(&[24, 0, 0, 2, 1, 0]).unwrap_err();
//! assert_eq!(err.alert(), Some(tls_lite::AlertDescription::DECODE_ERROR));
//! # Ok::<(), tls_lite::Error>(())
//! ```
//!
//! A full handshake in memory is in `examples/handshake.rs`.
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
// `clippy::indexing_slicing` stays off: the record view indexes only after `check_len`,
// and the codec reads through `nom`; the proptests feed every entry point arbitrary bytes.

#[macro_use]
mod shared_api;

pub mod cert;
#[cfg(feature = "certgen")]
pub mod certgen;
mod client;
mod codec;
mod conn;
pub mod enums;
mod error;
pub mod key_schedule;
pub mod keylog;
pub mod msgs;
pub mod record;
mod server;
#[cfg(feature = "proptest")]
pub mod strategies;

pub use cert::{ServerCertVerifier, SigningKey};
pub use client::{ClientConfig, ClientConnection};
pub use conn::{Event, MAX_EVENTS, MAX_QUEUED_BYTES};
pub use enums::{CipherSuite, ContentType, HandshakeType, NamedGroup, SignatureScheme};
pub use error::{Alert, AlertDescription, Error};
pub use keylog::{KeyLog, KeyLogLine};
pub use server::{ServerConfig, ServerConnection};
