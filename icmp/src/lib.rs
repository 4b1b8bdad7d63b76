//! ICMP (RFC 792) for IPv4: echo, destination unreachable, time exceeded, quoted datagrams
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
