//! Frames from outside the simulation: what live mode's TAP device puts on a link.
//!
//! The deterministic flows never call these; they exist so a driver can attach a real
//! network interface as one more endpoint, injecting what it reads at the time it read it.

use core::time::Duration;

use super::{Endpoint, Simulation};

impl Simulation {
    /// Puts `bytes` on the link at `from` at virtual time `at` (or now, if `at` is in the
    /// past), as if `from`'s node had sent it: the link delays it, the trace records it,
    /// and the far end receives it when [`Simulation::run`] reaches its arrival.
    ///
    /// An unconnected endpoint drops the frame, as an unplugged port does.
    pub fn inject(&mut self, at: Duration, from: Endpoint, bytes: Vec<u8>) {
        self.now = self.now.max(at);
        if from.node.0 < self.nodes.len() {
            self.transmit(from, bytes);
        }
    }

    /// When the earliest pending action is due, if any: how long a wall-clock driver may
    /// sleep before the simulation has something to do.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.queue.peek().map(|next| next.at)
    }
}
