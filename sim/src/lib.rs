//! packetflow simulator.
#![forbid(unsafe_code)]
