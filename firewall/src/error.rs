//! Why the firewall refuses a rule or a policy.

use thiserror::Error;

use crate::chain::Chain;

/// A change to the rule table the firewall refuses; the table is left as it was.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Error)]
#[non_exhaustive]
pub enum FirewallError {
    /// The table already holds [`crate::FirewallConfig::max_rules`] rules.
    #[error("rule table full ({max_rules} rules)")]
    TableFull {
        /// The limit.
        max_rules: usize,
    },
    /// No rule at this position (positions count from 0).
    #[error("no position {position} in chain {chain}, which has {len} rules")]
    NoSuchPosition {
        /// The chain.
        chain: Chain,
        /// The position asked for.
        position: usize,
        /// How many rules the chain has.
        len: usize,
    },
    /// An input-interface match in OUTPUT: locally generated packets have no input
    /// interface (iptables refuses `-i` there too).
    #[error("an input-interface match (-i) cannot be used in {chain}")]
    InInterfaceUnavailable {
        /// The chain.
        chain: Chain,
    },
    /// An output-interface match in INPUT: locally delivered packets have no output
    /// interface (iptables refuses `-o` there too).
    #[error("an output-interface match (-o) cannot be used in {chain}")]
    OutInterfaceUnavailable {
        /// The chain.
        chain: Chain,
    },
    /// An interface match with an empty name.
    #[error("empty interface name")]
    EmptyInterfaceName,
    /// `REJECT --reject-with tcp-reset` on a rule that does not match TCP only, or as a
    /// policy: a reset can only answer a TCP segment (iptables refuses it too).
    #[error("tcp-reset is only valid in a rule matching protocol TCP")]
    TcpResetWithoutTcp,
}
