//! Shared inputs for packetflow's criterion benches: deterministic generators, so that
//! every run measures the same data.
#![forbid(unsafe_code)]
