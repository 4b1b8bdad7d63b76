//! What a rule does with the packets it matches, and the rule itself.

use core::fmt;

use conntrack::CtState;
use icmp::UnreachableCode;

use crate::chain::Chain;
use crate::matcher::Match;

/// How a rejected packet is answered.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RejectWith {
    /// A TCP RST (`--reject-with tcp-reset`); only for rules that match TCP.
    TcpReset,
    /// An ICMP Destination Unreachable with this code (`--reject-with
    /// icmp-port-unreachable`, `icmp-admin-prohibited`…).
    IcmpUnreachable(UnreachableCode),
}

impl RejectWith {
    /// iptables' default answer: ICMP port unreachable.
    pub const PORT_UNREACHABLE: Self = Self::IcmpUnreachable(UnreachableCode::PORT);
    /// ICMP communication administratively prohibited (RFC 1812 code 13).
    pub const ADMIN_PROHIBITED: Self = Self::IcmpUnreachable(UnreachableCode::COMM_ADMIN_PROHIBITED);
}

impl fmt::Display for RejectWith {
    /// The `--reject-with` argument iptables uses; codes it has no name for print as
    /// `icmp-unreachable-code-N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = match self {
            Self::TcpReset => return f.write_str("tcp-reset"),
            Self::IcmpUnreachable(code) => *code,
        };
        let name = match code {
            UnreachableCode::NET => "icmp-net-unreachable",
            UnreachableCode::HOST => "icmp-host-unreachable",
            UnreachableCode::PROTOCOL => "icmp-proto-unreachable",
            UnreachableCode::PORT => "icmp-port-unreachable",
            UnreachableCode::NET_ADMIN_PROHIBITED => "icmp-net-prohibited",
            UnreachableCode::HOST_ADMIN_PROHIBITED => "icmp-host-prohibited",
            UnreachableCode::COMM_ADMIN_PROHIBITED => "icmp-admin-prohibited",
            other => return write!(f, "icmp-unreachable-code-{}", other.0),
        };
        f.write_str(name)
    }
}

/// What happens to a packet: a rule's target, or a chain's policy.
///
/// The firewall only decides; the caller discards the packet, and for
/// [`Action::Reject`] builds the answer (the `tcp` or `icmp` crate).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Action {
    /// Let the packet through (`-j ACCEPT`).
    Accept,
    /// Discard it silently (`-j DROP`).
    Drop,
    /// Discard it and answer the sender (`-j REJECT`).
    Reject(RejectWith),
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Accept => f.write_str("ACCEPT"),
            Self::Drop => f.write_str("DROP"),
            Self::Reject(with) => write!(f, "REJECT --reject-with {with}"),
        }
    }
}

/// A named rule: when a packet meets `matcher`, `action` applies.
///
/// It prints as the part of an `iptables-save` line after the chain; its name, when not
/// empty, as a comment (`-m comment --comment "…"`). [`Rule::in_chain`] adds the
/// `-A CHAIN` in front.
///
/// ```
/// use firewall::{Action, Chain, Match, Rule};
/// use ipv4::IpProtocol;
/// let ssh = Rule::new("no-ssh", Match::any().protocol(IpProtocol::TCP).dst_port(22), Action::Drop);
/// assert_eq!(
///     ssh.in_chain(Chain::Input).to_string(),
///     r#"-A INPUT -p tcp -m tcp --dport 22 -m comment --comment "no-ssh" -j DROP"#
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Rule {
    /// A label for reports ("rule https-in matched"); need not be unique.
    pub name: String,
    /// The conditions.
    pub matcher: Match,
    /// What happens to a matching packet.
    pub action: Action,
}

impl Rule {
    /// A rule from its parts.
    pub fn new(name: impl Into<String>, matcher: Match, action: Action) -> Self {
        Self { name: name.into(), matcher, action }
    }

    /// The first rule of every stateful ruleset: accept packets of connections already
    /// accepted, and the ICMP errors about them (`-m conntrack --ctstate
    /// ESTABLISHED,RELATED -j ACCEPT`).
    pub fn accept_established_related() -> Self {
        Self::new(
            "established,related",
            Match::any().states(&[CtState::Established, CtState::Related]),
            Action::Accept,
        )
    }

    /// Drop what connection tracking calls INVALID: out-of-window or out-of-state
    /// segments, replies to nothing (`-m conntrack --ctstate INVALID -j DROP`).
    pub fn drop_invalid() -> Self {
        Self::new("invalid", Match::any().states(&[CtState::Invalid]), Action::Drop)
    }

    /// The rule as a whole `iptables-save` line in `chain`: `-A CHAIN …`.
    pub const fn in_chain(&self, chain: Chain) -> RuleLine<'_> {
        RuleLine { chain, rule: self }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let conditions = self.matcher.to_string();
        if !conditions.is_empty() {
            write!(f, "{conditions} ")?;
        }
        if !self.name.is_empty() {
            f.write_str("-m comment --comment \"")?;
            for c in self.name.chars() {
                if matches!(c, '"' | '\\') {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str("\" ")?;
        }
        write!(f, "-j {}", self.action)
    }
}

/// A rule printed with its chain, as a line of `iptables-save`: see [`Rule::in_chain`].
#[derive(Clone, Copy, Debug)]
pub struct RuleLine<'a> {
    chain: Chain,
    rule: &'a Rule,
}

impl fmt::Display for RuleLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "-A {} {}", self.chain, self.rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reject_names_follow_iptables() {
        assert_eq!(Action::Reject(RejectWith::TcpReset).to_string(), "REJECT --reject-with tcp-reset");
        assert_eq!(RejectWith::PORT_UNREACHABLE.to_string(), "icmp-port-unreachable");
        assert_eq!(RejectWith::ADMIN_PROHIBITED.to_string(), "icmp-admin-prohibited");
        assert_eq!(
            RejectWith::IcmpUnreachable(UnreachableCode::HOST_ADMIN_PROHIBITED).to_string(),
            "icmp-host-prohibited"
        );
        assert_eq!(
            RejectWith::IcmpUnreachable(UnreachableCode::FRAG_NEEDED).to_string(),
            "icmp-unreachable-code-4"
        );
    }

    #[test]
    fn stateful_rule_prints_as_iptables_save() {
        let rule = Rule::accept_established_related();
        assert_eq!(
            rule.in_chain(Chain::Forward).to_string(),
            "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED \
             -m comment --comment \"established,related\" -j ACCEPT"
        );
        let unnamed = Rule::new("", Match::any(), Action::Drop);
        assert_eq!(unnamed.to_string(), "-j DROP");
        let quoted = Rule::new(r#"say "hi"\"#, Match::any(), Action::Accept);
        assert_eq!(quoted.to_string(), r#"-m comment --comment "say \"hi\"\\" -j ACCEPT"#);
    }
}
