//! packetflow CLI.
fn main() {}
