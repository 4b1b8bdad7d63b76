//! End to end with a real `conntrack::Conntrack`: datagrams are tracked, then filtered
//! by fw1's stateful ruleset in FORWARD (ESTABLISHED,RELATED accept; NEW tcp dport 443
//! accept; policy DROP).

mod common;

use core::time::Duration;

use common::{ACK, CLIENT, SERVER, SYN, SYN_ACK, icmp_error, parse, tcp};
use conntrack::{Conntrack, ConntrackConfig, CtState, InvalidReason};
use firewall::{Action, Chain, Decision, Firewall, Match, MatchedBy, PacketContext, Rule};
use ipv4::IpProtocol;

struct Fw1 {
    table: Conntrack,
    fw: Firewall,
    now: Duration,
}

impl Fw1 {
    fn new() -> Self {
        let mut fw = Firewall::default();
        fw.append(Chain::Forward, Rule::accept_established_related()).unwrap();
        let https = Match::any()
            .in_interface("out")
            .out_interface("in")
            .protocol(IpProtocol::TCP)
            .dst(std::net::Ipv4Addr::from(SERVER))
            .dst_port(443)
            .states(&[CtState::New]);
        fw.append(Chain::Forward, Rule::new("https-in", https, Action::Accept)).unwrap();
        fw.set_policy(Chain::Forward, Action::Drop).unwrap();
        Self { table: Conntrack::new(ConntrackConfig::default(), 7), fw, now: Duration::ZERO }
    }

    /// Tracks the datagram, then filters it; `inbound` when it comes from the client's
    /// side (interface `out`) towards the server (interface `in`).
    fn pass(&mut self, datagram: &[u8], inbound: bool) -> (CtState, Decision) {
        self.now += Duration::from_millis(1);
        let tracked = self.table.track(self.now, datagram);
        let packet = tracked.packet.unwrap();
        let (from, to) = if inbound { ("out", "in") } else { ("in", "out") };
        let ctx = PacketContext::new(&packet, tracked.state).in_interface(from).out_interface(to);
        (tracked.state, self.fw.evaluate(Chain::Forward, &ctx))
    }
}

fn rule(index: usize, name: &str) -> MatchedBy {
    MatchedBy::Rule { index, name: name.into() }
}

#[test]
fn a_handshake_passes_and_what_conntrack_calls_invalid_does_not() {
    let mut fw1 = Fw1::new();
    let (state, syn) = fw1.pass(&tcp(CLIENT, SERVER, (40000, 443), 100, 0, SYN), true);
    assert_eq!((state, syn.action, syn.by), (CtState::New, Action::Accept, rule(1, "https-in")));

    let (state, syn_ack) = fw1.pass(&tcp(SERVER, CLIENT, (443, 40000), 900, 101, SYN_ACK), false);
    assert_eq!(state, CtState::Established);
    assert_eq!((syn_ack.action, syn_ack.by), (Action::Accept, rule(0, "established,related")));

    let (state, ack) = fw1.pass(&tcp(CLIENT, SERVER, (40000, 443), 101, 901, ACK), true);
    assert_eq!((state, ack.by), (CtState::Established, rule(0, "established,related")));

    // A segment far outside the window: the tracker calls it INVALID, no rule accepts
    // it, the policy drops it.
    let stray = tcp(SERVER, CLIENT, (443, 40000), 900 + (1 << 30), 101, ACK);
    let tracked = fw1.table.track(fw1.now, &stray);
    assert_eq!(tracked.invalid, Some(InvalidReason::OutOfWindow));
    let (state, decision) = fw1.pass(&stray, false);
    assert_eq!((state, decision.action, decision.by), (CtState::Invalid, Action::Drop, MatchedBy::Policy));

    // A SYN to port 22 opens a connection in the tracker, but no rule lets it through.
    let (state, ssh) = fw1.pass(&tcp(CLIENT, SERVER, (40001, 22), 500, 0, SYN), true);
    assert_eq!((state, ssh.action, ssh.by), (CtState::New, Action::Drop, MatchedBy::Policy));
    // Nor a SYN to 443 arriving the wrong way round (from the inside).
    let (state, backwards) = fw1.pass(&tcp(SERVER, CLIENT, (40002, 443), 500, 0, SYN), false);
    assert_eq!((state, backwards.by), (CtState::New, MatchedBy::Policy));

    // The server's side reports port unreachable about the client's ACK: RELATED to
    // the accepted connection, so it passes.
    let ack = tcp(CLIENT, SERVER, (40000, 443), 101, 901, ACK);
    let (state, error) = fw1.pass(&icmp_error(SERVER, CLIENT, 3, 3, &ack), false);
    assert_eq!(
        (state, error.action, error.by),
        (CtState::Related, Action::Accept, rule(0, "established,related"))
    );

    // An error about a flow nobody tracks is INVALID, and dropped.
    let unknown = tcp(CLIENT, SERVER, (45000, 443), 1, 1, ACK);
    let (state, error) = fw1.pass(&icmp_error(SERVER, CLIENT, 3, 3, &unknown), false);
    assert_eq!((state, error.by), (CtState::Invalid, MatchedBy::Policy));

    let counters = fw1.fw.rule_counters(Chain::Forward);
    assert_eq!((counters[0].packets, counters[1].packets), (3, 1));
    assert_eq!(fw1.fw.policy_counters(Chain::Forward).packets, 4);
}

#[test]
fn a_syn_to_443_from_the_wrong_interface_is_dropped() {
    let mut fw1 = Fw1::new();
    let syn = parse(&tcp(CLIENT, SERVER, (40000, 443), 100, 0, SYN));
    let tracked = fw1.table.track(Duration::ZERO, &tcp(CLIENT, SERVER, (40000, 443), 100, 0, SYN));
    assert_eq!(tracked.state, CtState::New);
    let ctx = PacketContext::new(&syn, tracked.state).in_interface("dmz").out_interface("in");
    assert_eq!(fw1.fw.evaluate(Chain::Forward, &ctx).by, MatchedBy::Policy);
}
