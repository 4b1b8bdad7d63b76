//! UDP (RFC 768): datagram view and repr with pseudo-header checksums
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
