//! The three built-in chains of the filter table.

use core::fmt;

/// Where in a host or router a packet meets the filter (netfilter's built-in chains of
/// the `filter` table).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Chain {
    /// Packets addressed to this node, after routing decided to deliver them locally.
    Input,
    /// Packets routed through this node: they arrived on one interface and leave on
    /// another.
    Forward,
    /// Packets this node sends.
    Output,
}

impl Chain {
    /// The three chains, in the order `iptables-save` lists them.
    pub const ALL: [Self; 3] = [Self::Input, Self::Forward, Self::Output];

    /// The chain's name as iptables writes it: `INPUT`, `FORWARD`, `OUTPUT`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Input => "INPUT",
            Self::Forward => "FORWARD",
            Self::Output => "OUTPUT",
        }
    }

    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
