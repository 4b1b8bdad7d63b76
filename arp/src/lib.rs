//! ARP (RFC 826) for Ethernet/IPv4: packet view and repr, and a sans-IO neighbour cache
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
