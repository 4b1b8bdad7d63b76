//! IPv4 for packetflow (work in progress): protocol numbers and the Internet checksum.
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod checksum;
mod protocol;

pub use protocol::IpProtocol;
