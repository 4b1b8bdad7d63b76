//! A sans-IO learning Ethernet bridge: MAC learning, forwarding, flooding, aging, a bounded table
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
