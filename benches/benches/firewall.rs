//! Firewall: `Firewall::evaluate` in a FORWARD chain of 1,000 rules, the usual stateful
//! ruleset (ESTABLISHED,RELATED accept first, then NEW rules, policy DROP), for
//! (a) an ESTABLISHED segment the first rule accepts, (b) a NEW segment only the last
//! rule matches (the whole chain is scanned), (c) a NEW segment no rule matches (the
//! policy decides).
//!
//! The 998 rules in between each name the server's interfaces and protocol; half name
//! another server, half the same server on ports the segments do not use, so a scan
//! pays for the address, state and port comparisons, and the interface names of the
//! rules that get that far.

use std::hint::black_box;
use std::net::Ipv4Addr;

use conntrack::{CtState, Packet};
use criterion::{Criterion, criterion_group, criterion_main};
use firewall::{Action, Chain, Firewall, Match, PacketContext, Rule};
use ipv4::IpProtocol;

const RULES: usize = 1_000;
const CLIENT: [u8; 4] = [10, 1, 1, 245];
const SERVER: [u8; 4] = [172, 16, 3, 12];

fn segment(dst_port: u16, flags: u8) -> Packet {
    let mut d = vec![0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0];
    d.extend(CLIENT);
    d.extend(SERVER);
    d.extend(40000u16.to_be_bytes());
    d.extend(dst_port.to_be_bytes());
    d.extend([0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    Packet::parse(&d).unwrap()
}

fn ruleset() -> Firewall {
    let mut fw = Firewall::default();
    fw.append(Chain::Forward, Rule::accept_established_related()).unwrap();
    for i in 1..RULES - 1 {
        let base = Match::any().in_interface("out").out_interface("in").protocol(IpProtocol::TCP);
        let m = if i % 2 == 0 {
            let other = Ipv4Addr::new(172, 16, 4 + (i / 250) as u8, (i % 250) as u8);
            base.dst(other).dst_port(443)
        } else {
            base.dst(Ipv4Addr::from(SERVER)).dst_port(10_000 + i as u16)
        };
        let rule = Rule::new(format!("filler-{i}"), m.states(&[CtState::New]), Action::Accept);
        fw.append(Chain::Forward, rule).unwrap();
    }
    let last = Match::any()
        .in_interface("out")
        .out_interface("in")
        .protocol(IpProtocol::TCP)
        .dst(Ipv4Addr::from(SERVER))
        .dst_port(443)
        .states(&[CtState::New]);
    fw.append(Chain::Forward, Rule::new("https-in", last, Action::Accept)).unwrap();
    fw.set_policy(Chain::Forward, Action::Drop).unwrap();
    assert_eq!(fw.len(Chain::Forward), RULES);
    fw
}

fn evaluate(c: &mut Criterion) {
    let mut fw = ruleset();
    let ack = segment(443, 0x10);
    let syn_https = segment(443, 0x02);
    let syn_ssh = segment(22, 0x02);
    let cases = [
        ("established_rule_1", &ack, CtState::Established, 0),
        ("new_rule_1000", &syn_https, CtState::New, RULES - 1),
        ("new_policy", &syn_ssh, CtState::New, usize::MAX),
    ];
    let mut group = c.benchmark_group("firewall/evaluate_1000_rules");
    for (name, packet, state, expected) in cases {
        let ctx = PacketContext::new(packet, state).in_interface("out").out_interface("in");
        let decision = fw.evaluate(Chain::Forward, &ctx);
        match decision.by {
            firewall::MatchedBy::Rule { index, .. } => assert_eq!(index, expected, "{name}"),
            firewall::MatchedBy::Policy => assert_eq!(expected, usize::MAX, "{name}"),
        }
        group.bench_function(name, |b| b.iter(|| fw.evaluate(Chain::Forward, black_box(&ctx))));
    }
    group.finish();
}

criterion_group!(benches, evaluate);
criterion_main!(benches);
