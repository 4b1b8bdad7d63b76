//! The rule table: per chain, ordered rules with counters and a default policy.

use core::fmt;
use std::sync::Arc;

use ipv4::IpProtocol;

use crate::chain::Chain;
use crate::error::FirewallError;
use crate::matcher::{Compiled, Fields, PacketContext};
use crate::rule::{Action, RejectWith, Rule};

/// How a [`Firewall`] is sized.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FirewallConfig {
    /// The most rules the three chains hold together. When the table is full,
    /// [`Firewall::append`] and [`Firewall::insert`] refuse the rule with
    /// [`FirewallError::TableFull`]; nothing is ever evicted. Default 65,536.
    pub max_rules: usize,
}

impl Default for FirewallConfig {
    fn default() -> Self {
        Self { max_rules: 65_536 }
    }
}

/// Packets and bytes a rule or a policy has decided, as `iptables -L -v` shows them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct Counters {
    /// Packets.
    pub packets: u64,
    /// Bytes: the packets' whole IPv4 lengths.
    pub bytes: u64,
}

impl Counters {
    fn add(&mut self, bytes: usize) {
        self.packets = self.packets.saturating_add(1);
        self.bytes = self.bytes.saturating_add(u64::try_from(bytes).unwrap_or(u64::MAX));
    }
}

impl fmt::Display for Counters {
    /// `[packets:bytes]`, as `iptables-save -c` writes them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}:{}]", self.packets, self.bytes)
    }
}

/// What decided a packet's fate.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum MatchedBy {
    /// A rule of the chain.
    Rule {
        /// Its position in the chain, counting from 0 (iptables numbers rules from 1).
        index: usize,
        /// Its name (shared with the table: reporting it does not allocate).
        name: Arc<str>,
    },
    /// No rule matched: the chain's policy.
    Policy,
}

impl fmt::Display for MatchedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rule { index, name } if name.is_empty() => write!(f, "rule {index}"),
            Self::Rule { index, name } => write!(f, "rule {index} ({name})"),
            Self::Policy => f.write_str("policy"),
        }
    }
}

/// The firewall's verdict on a packet.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[must_use]
pub struct Decision {
    /// The chain that decided.
    pub chain: Chain,
    /// What to do with the packet.
    pub action: Action,
    /// The rule, or the policy, that decided.
    pub by: MatchedBy,
}

impl fmt::Display for Decision {
    /// `FORWARD rule 1 (https-in): ACCEPT`, `FORWARD policy: DROP`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.chain, self.by, self.action)
    }
}

/// One chain: the rules in order, each with its precomputed match, shared name and
/// counters, at the same index in every vector.
#[derive(Clone, Debug)]
struct ChainTable {
    compiled: Vec<Compiled>,
    rules: Vec<Rule>,
    names: Vec<Arc<str>>,
    counters: Vec<Counters>,
    policy: Action,
    policy_counters: Counters,
}

impl ChainTable {
    const fn new() -> Self {
        Self {
            compiled: Vec::new(),
            rules: Vec::new(),
            names: Vec::new(),
            counters: Vec::new(),
            policy: Action::Accept,
            policy_counters: Counters { packets: 0, bytes: 0 },
        }
    }

    fn insert(&mut self, position: usize, rule: Rule) {
        self.compiled.insert(position, Compiled::new(&rule.matcher));
        self.names.insert(position, Arc::from(rule.name.as_str()));
        self.counters.insert(position, Counters::default());
        self.rules.insert(position, rule);
    }

    fn remove(&mut self, position: usize) -> Rule {
        self.compiled.remove(position);
        self.names.remove(position);
        self.counters.remove(position);
        self.rules.remove(position)
    }

    /// The first rule `ctx` matches.
    fn find(&self, ctx: &PacketContext<'_>) -> Option<usize> {
        let fields = Fields::new(ctx);
        self.compiled
            .iter()
            .zip(&self.rules)
            .position(|(compiled, rule)| compiled.matches(&fields, &rule.matcher, ctx))
    }

    fn decide(&self, chain: Chain, found: Option<usize>) -> Decision {
        match found {
            Some(index) => Decision {
                chain,
                action: self.rules[index].action,
                by: MatchedBy::Rule { index, name: Arc::clone(&self.names[index]) },
            },
            None => Decision { chain, action: self.policy, by: MatchedBy::Policy },
        }
    }
}

/// A stateful packet filter in the manner of netfilter's `filter` table: for each
/// [`Chain`], an ordered list of [`Rule`]s and a default policy.
///
/// [`Firewall::evaluate`] walks the chain's rules in order; the first rule the packet
/// matches decides, and if none does, the policy (ACCEPT unless set). Every rule and
/// every policy counts the packets and bytes it decided.
///
/// The firewall keeps no connections: the caller tracks each packet with
/// [`conntrack::Conntrack`] and passes its state in [`PacketContext`]. Evaluation is a
/// linear scan of small precomputed matches and does not allocate.
///
/// It prints as `iptables-save` writes the filter table (policy counters included).
#[derive(Clone, Debug)]
pub struct Firewall {
    config: FirewallConfig,
    chains: [ChainTable; 3],
    len: usize,
}

impl Default for Firewall {
    fn default() -> Self {
        Self::new(FirewallConfig::default())
    }
}

impl Firewall {
    /// An empty table: no rules, every policy ACCEPT (as Linux starts).
    pub const fn new(config: FirewallConfig) -> Self {
        Self { config, chains: [ChainTable::new(), ChainTable::new(), ChainTable::new()], len: 0 }
    }

    /// The configuration.
    pub const fn config(&self) -> &FirewallConfig {
        &self.config
    }

    const fn table(&self, chain: Chain) -> &ChainTable {
        &self.chains[chain.index()]
    }

    const fn table_mut(&mut self, chain: Chain) -> &mut ChainTable {
        &mut self.chains[chain.index()]
    }

    /// Checks what iptables checks when a rule is added: interfaces the chain has, and
    /// a TCP reset only for TCP.
    fn validate(chain: Chain, rule: &Rule) -> Result<(), FirewallError> {
        let m = &rule.matcher;
        if m.in_interface.as_deref() == Some("") || m.out_interface.as_deref() == Some("") {
            return Err(FirewallError::EmptyInterfaceName);
        }
        if chain == Chain::Output && m.in_interface.is_some() {
            return Err(FirewallError::InInterfaceUnavailable { chain });
        }
        if chain == Chain::Input && m.out_interface.is_some() {
            return Err(FirewallError::OutInterfaceUnavailable { chain });
        }
        if rule.action == Action::Reject(RejectWith::TcpReset) && m.protocol != Some(IpProtocol::TCP) {
            return Err(FirewallError::TcpResetWithoutTcp);
        }
        Ok(())
    }

    fn check_room(&self) -> Result<(), FirewallError> {
        if self.len >= self.config.max_rules {
            return Err(FirewallError::TableFull { max_rules: self.config.max_rules });
        }
        Ok(())
    }

    /// Adds `rule` at the end of `chain` (`iptables -A`), with zero counters.
    ///
    /// Refused when the table is full, or when the rule is one iptables refuses: `-i`
    /// in OUTPUT, `-o` in INPUT, an empty interface name, `tcp-reset` without `-p tcp`.
    pub fn append(&mut self, chain: Chain, rule: Rule) -> Result<(), FirewallError> {
        let len = self.len(chain);
        self.insert(chain, len, rule)
    }

    /// Adds `rule` before the rule at `position` of `chain`, counting from 0
    /// (`iptables -I CHAIN position+1`); `position` may be the chain's length, which
    /// appends. Refused as [`Firewall::append`] refuses, and for a position beyond
    /// the end.
    pub fn insert(&mut self, chain: Chain, position: usize, rule: Rule) -> Result<(), FirewallError> {
        Self::validate(chain, &rule)?;
        self.check_room()?;
        let len = self.len(chain);
        if position > len {
            return Err(FirewallError::NoSuchPosition { chain, position, len });
        }
        self.table_mut(chain).insert(position, rule);
        self.len += 1;
        Ok(())
    }

    /// Replaces the rule at `position` of `chain` (`iptables -R`); the new rule's
    /// counters start at zero. Returns the old rule.
    pub fn replace(&mut self, chain: Chain, position: usize, rule: Rule) -> Result<Rule, FirewallError> {
        Self::validate(chain, &rule)?;
        let len = self.len(chain);
        if position >= len {
            return Err(FirewallError::NoSuchPosition { chain, position, len });
        }
        let table = self.table_mut(chain);
        let old = table.remove(position);
        table.insert(position, rule);
        Ok(old)
    }

    /// Removes the rule at `position` of `chain` (`iptables -D CHAIN position+1`) and
    /// returns it; the rules after it move up one.
    pub fn delete(&mut self, chain: Chain, position: usize) -> Result<Rule, FirewallError> {
        let len = self.len(chain);
        if position >= len {
            return Err(FirewallError::NoSuchPosition { chain, position, len });
        }
        self.len -= 1;
        Ok(self.table_mut(chain).remove(position))
    }

    /// Removes every rule of `chain` (`iptables -F`); the policy and its counters stay.
    pub fn flush(&mut self, chain: Chain) {
        let table = self.table_mut(chain);
        let removed = table.rules.len();
        *table =
            ChainTable { policy: table.policy, policy_counters: table.policy_counters, ..ChainTable::new() };
        self.len -= removed;
    }

    /// Sets what happens to packets no rule of `chain` matches (`iptables -P`). Unlike
    /// iptables, a policy may reject, with an ICMP message; not with a TCP reset, which
    /// cannot answer every packet ([`FirewallError::TcpResetWithoutTcp`]).
    pub fn set_policy(&mut self, chain: Chain, policy: Action) -> Result<(), FirewallError> {
        if policy == Action::Reject(RejectWith::TcpReset) {
            return Err(FirewallError::TcpResetWithoutTcp);
        }
        self.table_mut(chain).policy = policy;
        Ok(())
    }

    /// The policy of `chain`.
    pub const fn policy(&self, chain: Chain) -> Action {
        self.table(chain).policy
    }

    /// The rules of `chain`, in order.
    pub fn rules(&self, chain: Chain) -> core::slice::Iter<'_, Rule> {
        self.table(chain).rules.iter()
    }

    /// The rule at `position` of `chain`.
    pub fn rule(&self, chain: Chain, position: usize) -> Option<&Rule> {
        self.table(chain).rules.get(position)
    }

    /// The position of the first rule of `chain` named `name`.
    pub fn position(&self, chain: Chain, name: &str) -> Option<usize> {
        self.table(chain).rules.iter().position(|rule| rule.name == name)
    }

    /// How many rules `chain` has.
    pub const fn len(&self, chain: Chain) -> usize {
        self.table(chain).rules.len()
    }

    /// How many rules the three chains have together (at most
    /// [`FirewallConfig::max_rules`]).
    pub const fn total_rules(&self) -> usize {
        self.len
    }

    /// The counters of the rules of `chain`, in rule order.
    pub fn rule_counters(&self, chain: Chain) -> &[Counters] {
        &self.table(chain).counters
    }

    /// The counters of the policy of `chain`: packets no rule matched.
    pub const fn policy_counters(&self, chain: Chain) -> Counters {
        self.table(chain).policy_counters
    }

    /// Sets every rule's and policy's counters to zero (`iptables -Z`).
    pub fn reset_counters(&mut self) {
        for table in &mut self.chains {
            table.counters.fill(Counters::default());
            table.policy_counters = Counters::default();
        }
    }

    /// Decides the packet in `chain`: the first matching rule's action, else the
    /// policy. Counts it (one packet, [`conntrack::Packet::len`] bytes) against what
    /// decided. Does not allocate.
    pub fn evaluate(&mut self, chain: Chain, ctx: &PacketContext<'_>) -> Decision {
        let table = self.table_mut(chain);
        let found = table.find(ctx);
        let counters = match found {
            Some(index) => &mut table.counters[index],
            None => &mut table.policy_counters,
        };
        counters.add(ctx.packet.len);
        table.decide(chain, found)
    }

    /// What [`Firewall::evaluate`] would decide, without counting the packet.
    pub fn check(&self, chain: Chain, ctx: &PacketContext<'_>) -> Decision {
        let table = self.table(chain);
        table.decide(chain, table.find(ctx))
    }
}

impl fmt::Display for Firewall {
    /// The table as `iptables-save` writes it: `*filter`, each chain's policy with its
    /// counters, the rules in chain order, `COMMIT`. A rejecting policy, which iptables
    /// does not have, prints as `REJECT`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "*filter")?;
        for chain in Chain::ALL {
            let table = self.table(chain);
            let policy = match table.policy {
                Action::Reject(_) => "REJECT",
                Action::Accept => "ACCEPT",
                Action::Drop => "DROP",
            };
            writeln!(f, ":{chain} {policy} {}", table.policy_counters)?;
        }
        for chain in Chain::ALL {
            for rule in self.rules(chain) {
                writeln!(f, "{}", rule.in_chain(chain))?;
            }
        }
        writeln!(f, "COMMIT")
    }
}
