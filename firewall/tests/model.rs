//! Property tests: for random rulesets (built by appends, inserts and deletes) and
//! random packets, the firewall decides as a naive first-match reference does, counts
//! as it does, and never panics, whatever bytes it is given.

mod common;

use std::net::Ipv4Addr;
use std::ops::RangeInclusive;

use conntrack::{CtState, Packet, PacketKind};
use firewall::{
    Action, Chain, Counters, Firewall, Match, MatchedBy, PacketContext, RejectWith, Rule, StateSet,
};
use icmp::{IcmpType, UnreachableCode};
use ipnet::Ipv4Net;
use ipv4::IpProtocol;
use proptest::prelude::*;

const ADDRESSES: [[u8; 4]; 4] = [[10, 1, 1, 1], [10, 1, 2, 7], [172, 16, 3, 12], [172, 16, 3, 200]];
const PORTS: [u16; 5] = [22, 53, 443, 8000, 40000];
const INTERFACES: [&str; 4] = ["out", "in", "eth0", "eth1"];
const PATTERNS: [&str; 6] = ["out", "in", "eth0", "eth1", "eth+", "+"];
const STATES: [CtState; 5] =
    [CtState::New, CtState::Established, CtState::Related, CtState::Invalid, CtState::Untracked];

fn address() -> impl Strategy<Value = [u8; 4]> {
    prop_oneof![3 => proptest::sample::select(&ADDRESSES[..]), 1 => any::<[u8; 4]>()]
}

fn port() -> impl Strategy<Value = u16> {
    prop_oneof![3 => proptest::sample::select(&PORTS[..]), 1 => any::<u16>()]
}

/// A datagram of every kind the tracker distinguishes, read back as a `Packet`.
fn packet() -> impl Strategy<Value = Packet> {
    let icmp_type = prop_oneof![
        proptest::sample::select(vec![0u8, 8, 9, 13, 42]),
        any::<u8>().prop_filter("not an error: it needs a quote", |t| !IcmpType(*t).is_error()),
    ];
    (address(), address(), port(), port(), 0..7u8, any::<u8>(), icmp_type, 0..200usize).prop_map(
        |(src, dst, sport, dport, kind, byte, icmp_type, payload)| {
            let datagram = match kind {
                0 => common::tcp_with(src, dst, (sport, dport), 1, 2, byte, payload),
                1 => common::udp(src, dst, (sport, dport)),
                2 => common::icmp(src, dst, icmp_type, 0, [0, 1, 0, 1], &[]),
                3 => common::icmp_error(src, dst, 3, byte % 16, &common::udp(dst, src, (dport, sport))),
                4 => common::icmp_error(src, dst, 11, 0, &common::tcp(dst, src, (dport, sport), 1, 0, 2)),
                5 => common::later_fragment(src, dst, [1, 6, 17][usize::from(byte % 3)]),
                _ => common::other(src, dst, if matches!(byte, 1 | 6 | 17) { 47 } else { byte }),
            };
            common::parse(&datagram)
        },
    )
}

fn ports() -> impl Strategy<Value = RangeInclusive<u16>> {
    (port(), port(), any::<bool>()).prop_map(|(a, b, single)| if single { a..=a } else { a..=b })
}

fn prefix() -> impl Strategy<Value = Ipv4Net> {
    (address(), 0..=32u8).prop_map(|(addr, len)| Ipv4Net::new(Ipv4Addr::from(addr), len).unwrap())
}

fn matcher() -> impl Strategy<Value = Match> {
    let protocol =
        proptest::sample::select(vec![IpProtocol::TCP, IpProtocol::UDP, IpProtocol::ICMP, IpProtocol(47)]);
    let icmp_type = proptest::sample::select(vec![0u8, 3, 8, 9, 11, 42]).prop_map(IcmpType);
    (
        (
            proptest::option::weighted(0.2, proptest::sample::select(&PATTERNS[..])),
            proptest::option::weighted(0.2, proptest::sample::select(&PATTERNS[..])),
            proptest::option::weighted(0.3, prefix()),
            proptest::option::weighted(0.3, prefix()),
        ),
        (
            proptest::option::weighted(0.4, protocol),
            proptest::option::weighted(0.2, ports()),
            proptest::option::weighted(0.3, ports()),
            proptest::option::weighted(0.15, icmp_type),
            proptest::option::weighted(
                0.4,
                (0..32u8).prop_map(|bits| {
                    STATES
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| bits & (1 << i) != 0)
                        .map(|(_, s)| *s)
                        .collect::<StateSet>()
                }),
            ),
        ),
    )
        .prop_map(|((in_if, out_if, src, dst), (protocol, src_ports, dst_ports, icmp_type, states))| {
            Match {
                in_interface: in_if.map(str::to_owned),
                out_interface: out_if.map(str::to_owned),
                src,
                dst,
                protocol,
                src_ports,
                dst_ports,
                icmp_type,
                states,
            }
        })
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Accept),
        Just(Action::Drop),
        Just(Action::Reject(RejectWith::TcpReset)),
        (0..16u8).prop_map(|code| Action::Reject(RejectWith::IcmpUnreachable(UnreachableCode(code)))),
    ]
}

fn chain() -> impl Strategy<Value = Chain> {
    proptest::sample::select(&Chain::ALL[..])
}

/// A change to the rule table.
#[derive(Clone, Debug)]
enum Op {
    Append(Chain, Rule),
    Insert(Chain, usize, Rule),
    Delete(Chain, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let rule = || (0..1000u32, matcher(), action()).prop_map(|(n, m, a)| Rule::new(format!("r{n}"), m, a));
    prop_oneof![
        4 => (chain(), rule()).prop_map(|(c, r)| Op::Append(c, r)),
        2 => (chain(), 0..8usize, rule()).prop_map(|(c, p, r)| Op::Insert(c, p, r)),
        1 => (chain(), 0..8usize).prop_map(|(c, p)| Op::Delete(c, p)),
    ]
}

/// One packet through one chain.
#[derive(Clone, Debug)]
struct Input {
    chain: Chain,
    packet: Packet,
    state: CtState,
    in_interface: Option<&'static str>,
    out_interface: Option<&'static str>,
}

impl Input {
    fn ctx(&self) -> PacketContext<'_> {
        PacketContext {
            in_interface: self.in_interface,
            out_interface: self.out_interface,
            packet: &self.packet,
            state: self.state,
        }
    }
}

fn input() -> impl Strategy<Value = Input> {
    let interface = || proptest::option::weighted(0.8, proptest::sample::select(&INTERFACES[..]));
    (chain(), packet(), proptest::sample::select(&STATES[..]), interface(), interface()).prop_map(
        |(chain, packet, state, in_interface, out_interface)| Input {
            chain,
            packet,
            state,
            in_interface,
            out_interface,
        },
    )
}

/// The rules of each chain, written from the documentation alone.
struct Reference {
    chains: [Vec<(Rule, Counters)>; 3],
    policies: [(Action, Counters); 3],
}

fn interface_ok(pattern: &Option<String>, name: Option<&str>) -> bool {
    match (pattern, name) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(pattern), Some(name)) => match pattern.strip_suffix('+') {
            Some(prefix) => name.starts_with(prefix),
            None => name == pattern,
        },
    }
}

fn prefix_ok(net: Option<Ipv4Net>, addr: Ipv4Addr) -> bool {
    net.is_none_or(|net| {
        let bits = net.prefix_len();
        let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
        (u32::from(addr) ^ u32::from(net.addr())) & mask == 0
    })
}

fn reference_matches(m: &Match, ctx: &PacketContext<'_>) -> bool {
    let tuple = ctx.packet.tuple;
    let has_ports = matches!(ctx.packet.kind, PacketKind::Tcp(_) | PacketKind::Udp);
    let port_ok = |range: &Option<RangeInclusive<u16>>, port: u16| match range {
        None => true,
        Some(range) => has_ports && *range.start() <= port && port <= *range.end(),
    };
    let icmp_type = match ctx.packet.kind {
        PacketKind::IcmpQuery { icmp_type, .. }
        | PacketKind::IcmpError { icmp_type, .. }
        | PacketKind::IcmpOther { icmp_type } => Some(icmp_type),
        _ => None,
    };
    interface_ok(&m.in_interface, ctx.in_interface)
        && interface_ok(&m.out_interface, ctx.out_interface)
        && prefix_ok(m.src, tuple.src)
        && prefix_ok(m.dst, tuple.dst)
        && m.protocol.is_none_or(|p| p == tuple.protocol)
        && port_ok(&m.src_ports, tuple.src_port)
        && port_ok(&m.dst_ports, tuple.dst_port)
        && m.icmp_type.is_none_or(|t| icmp_type == Some(t))
        && m.states.is_none_or(|states| states.iter().any(|s| s == ctx.state))
}

fn index(chain: Chain) -> usize {
    Chain::ALL.iter().position(|c| *c == chain).unwrap()
}

impl Reference {
    /// The action and what decided, counting the packet.
    fn evaluate(&mut self, chain: Chain, ctx: &PacketContext<'_>) -> (Action, MatchedBy) {
        let bytes = ctx.packet.len as u64;
        let rules = &mut self.chains[index(chain)];
        for (i, (rule, counters)) in rules.iter_mut().enumerate() {
            if reference_matches(&rule.matcher, ctx) {
                counters.packets += 1;
                counters.bytes += bytes;
                return (rule.action, MatchedBy::Rule { index: i, name: rule.name.as_str().into() });
            }
        }
        let (policy, counters) = &mut self.policies[index(chain)];
        counters.packets += 1;
        counters.bytes += bytes;
        (*policy, MatchedBy::Policy)
    }
}

/// Applies the changes to both; the reference keeps what the firewall accepted.
fn build(ops: &[Op], policies: &[Action; 3]) -> (Firewall, Reference) {
    let mut fw = Firewall::default();
    let mut reference = Reference {
        chains: Default::default(),
        policies: policies.map(|policy| (policy, Counters::default())),
    };
    for (chain, policy) in Chain::ALL.into_iter().zip(policies) {
        fw.set_policy(chain, *policy).unwrap();
    }
    for op in ops {
        match op.clone() {
            Op::Append(chain, rule) => {
                if fw.append(chain, rule.clone()).is_ok() {
                    reference.chains[index(chain)].push((rule, Counters::default()));
                }
            }
            Op::Insert(chain, position, rule) => {
                if fw.insert(chain, position, rule.clone()).is_ok() {
                    reference.chains[index(chain)].insert(position, (rule, Counters::default()));
                }
            }
            Op::Delete(chain, position) => {
                if let Ok(rule) = fw.delete(chain, position) {
                    assert_eq!(reference.chains[index(chain)].remove(position).0, rule);
                }
            }
        }
    }
    (fw, reference)
}

fn policy() -> impl Strategy<Value = Action> {
    prop_oneof![Just(Action::Accept), Just(Action::Drop), Just(Action::Reject(RejectWith::PORT_UNREACHABLE))]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decides_as_first_match_else_policy(
        ops in proptest::collection::vec(op(), 0..40),
        policies in [policy(), policy(), policy()],
        inputs in proptest::collection::vec(input(), 1..40),
    ) {
        let (mut fw, mut reference) = build(&ops, &policies);
        for chain in Chain::ALL {
            let rules: Vec<&Rule> = reference.chains[index(chain)].iter().map(|(rule, _)| rule).collect();
            prop_assert_eq!(fw.rules(chain).collect::<Vec<_>>(), rules);
        }
        for input in &inputs {
            let ctx = input.ctx();
            let checked = fw.check(input.chain, &ctx);
            let decision = fw.evaluate(input.chain, &ctx);
            prop_assert_eq!(&checked, &decision);
            let (action, by) = reference.evaluate(input.chain, &ctx);
            prop_assert_eq!(decision.chain, input.chain);
            prop_assert_eq!(decision.action, action);
            prop_assert_eq!(&decision.by, &by);
            // The firewall's own plain matcher agrees with its precomputed one.
            let first = fw.rules(input.chain).position(|rule| rule.matcher.matches(&ctx));
            let expected = match by { MatchedBy::Rule { index, .. } => Some(index), MatchedBy::Policy => None };
            prop_assert_eq!(first, expected);
        }
        for chain in Chain::ALL {
            let counters: Vec<Counters> = reference.chains[index(chain)].iter().map(|(_, c)| *c).collect();
            prop_assert_eq!(fw.rule_counters(chain), &counters[..]);
            prop_assert_eq!(fw.policy_counters(chain), reference.policies[index(chain)].1);
        }
    }

    #[test]
    fn arbitrary_datagrams_never_panic(
        ops in proptest::collection::vec(op(), 0..20),
        datagram in proptest::collection::vec(any::<u8>(), 0..80),
        state in proptest::sample::select(&STATES[..]),
        chain in chain(),
    ) {
        let (mut fw, _) = build(&ops, &[Action::Accept, Action::Drop, Action::Accept]);
        let mut bytes = datagram;
        // Mostly well-formed IPv4 headers, so that the firewall sees a packet.
        if let Some(first) = bytes.first_mut() {
            *first = 0x45;
        }
        if let Ok(packet) = Packet::parse(&bytes) {
            let ctx = PacketContext::new(&packet, state).in_interface("eth0");
            let decision = fw.evaluate(chain, &ctx);
            prop_assert_eq!(fw.check(chain, &ctx), decision);
        }
    }
}
