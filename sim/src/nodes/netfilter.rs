//! Netfilter on an IP node: the `conntrack`, `nat` and `firewall` crates plugged into the
//! `stack` crate's hooks, in netfilter's order:
//!
//! ```text
//!  PREROUTING   track the packet, DNAT           (conntrack, nat: destination stage)
//!  INPUT        filter INPUT, confirm             (firewall)
//!  FORWARD      filter FORWARD                    (firewall)
//!  OUTPUT       track, DNAT, filter OUTPUT        (conntrack, nat, firewall)
//!  POSTROUTING  SNAT / masquerade, confirm        (nat: source stage)
//! ```
//!
//! The packet's connection travels from hook to hook in the stack's packet mark. The
//! three crates share one connection table and know nothing of the stack or of each
//! other's place in it; this module is the whole of the glue.

use core::cell::RefCell;
use core::fmt;
use core::time::Duration;
use std::collections::VecDeque;
use std::rc::Rc;

use conntrack::{ConnId, Conntrack, ConntrackConfig, ConntrackEvent, CtState, Packet, PacketMark, Tuple};
use firewall::{Action, Chain, Decision, Firewall, PacketContext};
use nat::{Interface, Nat, NatConfig, NatEvent, NatRule, Stage};
use stack::{Hook, HookContext, HookInterface, HookPoint, Stack, Verdict};

/// Most events kept between two drains by the node.
const EVENT_QUEUE: usize = 4096;

/// What a node's netfilter reports.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum NetfilterEvent {
    /// The connection table changed.
    Conntrack(ConntrackEvent),
    /// The translator bound a connection, made a mapping, or rewrote a packet.
    Nat(NatEvent),
    /// The filter decided a packet's fate.
    Filter {
        /// The decision: chain, action, and the rule or policy.
        decision: Decision,
        /// The deciding rule as `iptables -S` prints it (none for a policy).
        rule: Option<String>,
        /// The packet's connection state.
        state: CtState,
        /// The packet's tuple.
        tuple: Tuple,
    },
    /// A packet the translator could not translate was dropped.
    NatRefused {
        /// The packet's tuple, when it could be read.
        tuple: Option<Tuple>,
        /// Why.
        reason: nat::NatError,
    },
}

fn endpoint(protocol: ipv4::IpProtocol, addr: std::net::SocketAddrV4) -> String {
    match protocol {
        ipv4::IpProtocol::TCP | ipv4::IpProtocol::UDP => addr.to_string(),
        ipv4::IpProtocol::ICMP => format!("{} (id {})", addr.ip(), addr.port()),
        _ => addr.ip().to_string(),
    }
}

impl fmt::Display for NetfilterEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Conntrack(ConntrackEvent::Created { tuple, .. }) => {
                write!(f, "conntrack: new entry {tuple}")
            }
            Self::Conntrack(ConntrackEvent::ReplyChanged { original, reply, .. }) => {
                write!(f, "conntrack: {original} now expects replies as {reply}")
            }
            Self::Conntrack(ConntrackEvent::Destroyed { tuple, reason, .. }) => {
                write!(f, "conntrack: entry {tuple} removed ({reason:?})")
            }
            Self::Nat(NatEvent::MappingCreated(mapping)) => write!(
                f,
                "NAPT mapping added: {} {} ↔ {}",
                mapping.protocol,
                endpoint(mapping.protocol, mapping.inside),
                endpoint(mapping.protocol, mapping.outside)
            ),
            Self::Nat(NatEvent::MappingExpired(mapping)) => write!(
                f,
                "NAPT mapping expired: {} {} ↔ {}",
                mapping.protocol,
                endpoint(mapping.protocol, mapping.inside),
                endpoint(mapping.protocol, mapping.outside)
            ),
            Self::Nat(NatEvent::Bound { stage, original, reply, hairpin }) => {
                let what = match stage {
                    Stage::Source => "source NAT",
                    Stage::Destination => "destination NAT",
                };
                let hairpin = if *hairpin { " (hairpin)" } else { "" };
                write!(f, "{what} bound for {original}: replies will be {reply}{hairpin}")
            }
            Self::Nat(NatEvent::Rewrote(rewrite)) => {
                let which = match rewrite.stage {
                    Stage::Source => "source",
                    Stage::Destination => "destination",
                };
                let error = if rewrite.icmp_error { " (ICMP error and its quote)" } else { "" };
                write!(
                    f,
                    "{which} {} → {}{error}",
                    endpoint(rewrite.protocol, rewrite.from),
                    endpoint(rewrite.protocol, rewrite.to)
                )
            }
            Self::Filter { decision, rule, state, tuple } => {
                write!(f, "filter {decision} for {tuple} ({state})")?;
                if let Some(rule) = rule {
                    write!(f, " by `{rule}`")?;
                }
                Ok(())
            }
            Self::NatRefused { tuple, reason } => match tuple {
                Some(tuple) => write!(f, "NAT dropped {tuple}: {reason}"),
                None => write!(f, "NAT dropped a packet: {reason}"),
            },
        }
    }
}

/// A node's netfilter: one connection table, a translator, and optionally a filter.
#[derive(Debug)]
pub struct Netfilter {
    conntrack: Conntrack,
    nat: Nat,
    firewall: Option<Firewall>,
    events: VecDeque<NetfilterEvent>,
}

impl Netfilter {
    /// Connection tracking with the given NAT rules and no filter.
    pub fn new(rules: Vec<NatRule>) -> Self {
        let config = ConntrackConfig { events: true, ..ConntrackConfig::default() };
        let mut nat = Nat::new(NatConfig { events: true, ..NatConfig::default() }, 0);
        for rule in rules {
            nat.add_rule(rule);
        }
        Self { conntrack: Conntrack::new(config, 0), nat, firewall: None, events: VecDeque::new() }
    }

    /// Adds a stateful filter.
    #[must_use]
    pub fn with_firewall(mut self, firewall: Firewall) -> Self {
        self.firewall = Some(firewall);
        self
    }

    /// Keys the tables from the node's seed (the node has joined a simulation; its
    /// tables are still empty).
    pub(crate) fn reseed(&mut self, seed: u64) {
        self.conntrack = Conntrack::new(*self.conntrack.config(), seed);
        let mut nat = Nat::new(self.nat.config().clone(), seed.rotate_left(32));
        for rule in self.nat.rules() {
            nat.add_rule(rule.clone());
        }
        self.nat = nat;
    }

    /// The connection table.
    pub fn conntrack(&self) -> &Conntrack {
        &self.conntrack
    }

    /// The translator.
    pub fn nat(&self) -> &Nat {
        &self.nat
    }

    /// The filter, if the node has one.
    pub fn firewall(&self) -> Option<&Firewall> {
        self.firewall.as_ref()
    }

    fn push(&mut self, event: NetfilterEvent) {
        if self.events.len() >= EVENT_QUEUE {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }

    fn collect(&mut self) {
        while let Some(event) = self.conntrack.poll_event() {
            self.push(NetfilterEvent::Conntrack(event));
        }
        while let Some(event) = self.nat.poll_event() {
            self.push(NetfilterEvent::Nat(event));
        }
    }

    pub(crate) fn poll_event(&mut self) -> Option<NetfilterEvent> {
        self.events.pop_front()
    }

    fn poll_timeout(&self) -> Option<Duration> {
        [self.conntrack.poll_timeout(), self.nat.poll_timeout()].into_iter().flatten().min()
    }

    fn handle_timeout(&mut self, now: Duration) {
        self.conntrack.handle_timeout(now);
        self.nat.handle_timeout(&self.conntrack, now);
        self.collect();
    }

    /// The tables as `describe_state` lists them: connections, mappings, rules.
    pub(crate) fn describe(&self, now: Duration) -> Vec<String> {
        let mut lines = Vec::new();
        for (_, conn) in self.conntrack.iter() {
            let expires = conn.expires_at().saturating_sub(now).as_secs();
            lines.push(format!(
                "conntrack {} ⇄ {}  {}  age {} s, expires in {expires} s",
                conn.original(),
                conn.reply(),
                conn.state_name(),
                conn.age(now).as_secs()
            ));
        }
        let mut mappings: Vec<_> = self.nat.mappings().collect();
        mappings.sort_by_key(|m| (m.protocol, m.outside));
        for m in mappings {
            lines.push(format!(
                "NAPT {} {} ↔ {}  age {} s, expires in {} s",
                m.protocol,
                endpoint(m.protocol, m.inside),
                endpoint(m.protocol, m.outside),
                now.saturating_sub(m.created).as_secs(),
                m.expires.saturating_sub(now).as_secs()
            ));
        }
        for rule in self.nat.rules() {
            lines.push(format!("nat {rule}"));
        }
        if let Some(firewall) = &self.firewall {
            for chain in [Chain::Input, Chain::Forward, Chain::Output] {
                for (rule, counters) in firewall.rules(chain).zip(firewall.rule_counters(chain)) {
                    lines.push(format!("filter {}  [{} packets]", rule.in_chain(chain), counters.packets));
                }
            }
        }
        lines
    }

    fn process(&mut self, context: &HookContext<'_>, datagram: &mut [u8]) -> Verdict {
        let verdict = match context.point {
            HookPoint::Prerouting | HookPoint::Output => {
                let tracked = self.conntrack.track(context.now, datagram);
                let mark = tracked.mark();
                context.mark.set(mark.to_u64());
                match self.translate(context, Stage::Destination, mark, context.ingress, datagram) {
                    Verdict::Accept if context.point == HookPoint::Output => {
                        self.filter(context, Chain::Output, datagram)
                    }
                    verdict => verdict,
                }
            }
            HookPoint::Input => {
                let verdict = self.filter(context, Chain::Input, datagram);
                if verdict == Verdict::Accept {
                    self.confirm(context);
                }
                verdict
            }
            HookPoint::Forward => self.filter(context, Chain::Forward, datagram),
            HookPoint::Postrouting => {
                let mark = self.mark(context, datagram);
                let verdict = self.translate(context, Stage::Source, mark, context.egress, datagram);
                if verdict == Verdict::Accept {
                    self.confirm(context);
                }
                verdict
            }
        };
        self.collect();
        verdict
    }

    /// The mark an earlier hook left, or a fresh tracking (a reassembled datagram).
    fn mark(&mut self, context: &HookContext<'_>, datagram: &[u8]) -> PacketMark {
        PacketMark::from_u64(context.mark.get()).unwrap_or_else(|| {
            let mark = self.conntrack.track(context.now, datagram).mark();
            context.mark.set(mark.to_u64());
            mark
        })
    }

    fn conn_of(context: &HookContext<'_>) -> Option<ConnId> {
        PacketMark::from_u64(context.mark.get()).and_then(|mark| mark.conn).map(|conn| conn.id)
    }

    fn confirm(&mut self, context: &HookContext<'_>) {
        if let Some(id) = Self::conn_of(context) {
            self.conntrack.confirm(id);
        }
    }

    fn discard(&mut self, context: &HookContext<'_>) {
        if let Some(id) = Self::conn_of(context) {
            self.conntrack.discard_unconfirmed(id);
        }
    }

    fn translate(
        &mut self,
        context: &HookContext<'_>,
        stage: Stage,
        mark: PacketMark,
        interface: Option<HookInterface<'_>>,
        datagram: &mut [u8],
    ) -> Verdict {
        let interface = Interface {
            name: interface.map(|i| i.name),
            address: interface.and_then(|i| i.address).map(|net| net.addr()),
        };
        match self.nat.translate(&mut self.conntrack, context.now, stage, mark, interface, datagram) {
            Ok(_) => Verdict::Accept,
            Err(reason) => {
                let tuple = Packet::parse(datagram).ok().map(|p| p.tuple);
                self.push(NetfilterEvent::NatRefused { tuple, reason });
                self.discard(context);
                Verdict::Drop { reason: format!("NAT: {reason}") }
            }
        }
    }

    fn filter(&mut self, context: &HookContext<'_>, chain: Chain, datagram: &[u8]) -> Verdict {
        if self.firewall.is_none() {
            return Verdict::Accept;
        }
        let mark = self.mark(context, datagram);
        let Ok(packet) = Packet::parse(datagram) else {
            self.discard(context);
            return Verdict::Drop { reason: format!("{chain}: unreadable datagram (INVALID)") };
        };
        let Some(firewall) = self.firewall.as_mut() else { return Verdict::Accept };
        let packet_context = PacketContext {
            in_interface: context.ingress.map(|i| i.name),
            out_interface: context.egress.map(|i| i.name),
            packet: &packet,
            state: mark.state,
        };
        let decision = firewall.evaluate(chain, &packet_context);
        let rule = match &decision.by {
            firewall::MatchedBy::Rule { index, .. } => {
                firewall.rule(chain, *index).map(|r| r.in_chain(chain).to_string())
            }
            firewall::MatchedBy::Policy => None,
        };
        let action = decision.action;
        let reason = decision.to_string();
        self.push(NetfilterEvent::Filter { decision, rule, state: mark.state, tuple: packet.tuple });
        match action {
            Action::Accept => Verdict::Accept,
            Action::Drop => {
                self.discard(context);
                Verdict::Drop { reason }
            }
            // The connection stays: the RST or ICMP error answering the packet belongs
            // to it, and is translated back like any reply.
            Action::Reject(firewall::RejectWith::TcpReset) => Verdict::Reject(stack::RejectWith::TcpReset),
            Action::Reject(firewall::RejectWith::IcmpUnreachable(code)) => {
                Verdict::Reject(stack::RejectWith::IcmpUnreachable(code))
            }
        }
    }
}

/// One hook point's view of the shared netfilter.
#[derive(Debug)]
struct NetfilterHook {
    point: HookPoint,
    shared: Rc<RefCell<Netfilter>>,
}

impl Hook for NetfilterHook {
    fn name(&self) -> &str {
        match self.point {
            HookPoint::Prerouting => "conntrack+dnat",
            HookPoint::Input | HookPoint::Forward => "filter",
            HookPoint::Output => "conntrack+dnat+filter",
            HookPoint::Postrouting => "snat",
        }
    }

    fn process(&mut self, context: &HookContext<'_>, datagram: &mut Vec<u8>) -> Verdict {
        self.shared.borrow_mut().process(context, datagram)
    }

    fn poll_timeout(&self) -> Option<Duration> {
        // One hook speaks for the shared tables.
        (self.point == HookPoint::Prerouting).then(|| self.shared.borrow().poll_timeout()).flatten()
    }

    fn handle_timeout(&mut self, now: Duration) {
        if self.point == HookPoint::Prerouting {
            self.shared.borrow_mut().handle_timeout(now);
        }
    }
}

/// Registers `netfilter` at all five hook points of `stack`; returns the handle the node
/// keeps to drain its events and list its tables.
pub(crate) fn install(stack: &mut Stack, netfilter: Netfilter) -> Rc<RefCell<Netfilter>> {
    let shared = Rc::new(RefCell::new(netfilter));
    for point in HookPoint::ALL {
        stack.add_hook(point, NetfilterHook { point, shared: Rc::clone(&shared) });
    }
    shared
}
