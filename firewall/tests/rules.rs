//! Rule order, state matching, policies, counters, reject actions, each kind of match,
//! and the table's limits, on packets built byte by byte.

mod common;

use std::net::Ipv4Addr;

use common::{
    ACK, CLIENT, SERVER, SYN, echo_request, icmp, icmp_error, later_fragment, parse, tcp, tcp_with, udp,
};
use conntrack::{CtState, Packet};
use firewall::{
    Action, Chain, Counters, Decision, Firewall, FirewallConfig, FirewallError, Match, MatchedBy,
    PacketContext, RejectWith, Rule,
};
use icmp::{IcmpType, UnreachableCode};
use ipnet::Ipv4Net;
use ipv4::IpProtocol;

fn net(s: &str) -> Ipv4Net {
    s.parse().unwrap()
}

fn syn_to(port: u16) -> Packet {
    parse(&tcp(CLIENT, SERVER, (40000, port), 1, 0, SYN))
}

fn forward(fw: &mut Firewall, packet: &Packet, state: CtState) -> Decision {
    let ctx = PacketContext::new(packet, state).in_interface("out").out_interface("in");
    fw.evaluate(Chain::Forward, &ctx)
}

fn by_rule(index: usize, name: &str) -> MatchedBy {
    MatchedBy::Rule { index, name: name.into() }
}

fn https_new() -> Rule {
    let m = Match::any().protocol(IpProtocol::TCP).dst_port(443).states(&[CtState::New]);
    Rule::new("https-new", m, Action::Accept)
}

/// The usual stateful ruleset: established/related, NEW https, policy DROP.
fn stateful() -> Firewall {
    let mut fw = Firewall::default();
    fw.append(Chain::Forward, Rule::accept_established_related()).unwrap();
    fw.append(Chain::Forward, https_new()).unwrap();
    fw.set_policy(Chain::Forward, Action::Drop).unwrap();
    fw
}

#[test]
fn first_match_wins_and_an_earlier_drop_shadows_a_later_accept() {
    let mut fw = Firewall::default();
    fw.append(Chain::Forward, Rule::new("drop-tcp", Match::any().protocol(IpProtocol::TCP), Action::Drop))
        .unwrap();
    fw.append(Chain::Forward, https_new()).unwrap();
    let decision = forward(&mut fw, &syn_to(443), CtState::New);
    assert_eq!(decision.action, Action::Drop);
    assert_eq!(decision.by, by_rule(0, "drop-tcp"));
    assert_eq!(fw.rule_counters(Chain::Forward)[1], Counters::default(), "the shadowed rule saw nothing");

    // Deleting the DROP lets the ACCEPT, now at position 0, decide.
    assert_eq!(fw.delete(Chain::Forward, 0).unwrap().name, "drop-tcp");
    let decision = forward(&mut fw, &syn_to(443), CtState::New);
    assert_eq!((decision.action, decision.by), (Action::Accept, by_rule(0, "https-new")));
}

#[test]
fn inserting_at_position_zero_changes_the_outcome() {
    let mut fw = stateful();
    assert_eq!(forward(&mut fw, &syn_to(443), CtState::New).action, Action::Accept);
    let block = Rule::new("block-client", Match::any().src(Ipv4Addr::from(CLIENT)), Action::Drop);
    fw.insert(Chain::Forward, 0, block).unwrap();
    let decision = forward(&mut fw, &syn_to(443), CtState::New);
    assert_eq!((decision.action, decision.by), (Action::Drop, by_rule(0, "block-client")));
    // The others moved down one.
    assert_eq!(fw.position(Chain::Forward, "https-new"), Some(2));
    let names: Vec<_> = fw.rules(Chain::Forward).map(|rule| rule.name.as_str()).collect();
    assert_eq!(names, ["block-client", "established,related", "https-new"]);
}

#[test]
fn states_new_https_established_and_related_pass_invalid_does_not() {
    let mut fw = stateful();
    let syn = syn_to(443);
    assert_eq!(forward(&mut fw, &syn, CtState::New).by, by_rule(1, "https-new"));
    // The same segment in another state: only NEW opens, by rule 1.
    assert_eq!(forward(&mut fw, &syn, CtState::Established).by, by_rule(0, "established,related"));
    let error = parse(&icmp_error(SERVER, CLIENT, 3, 3, &tcp(CLIENT, SERVER, (40000, 443), 1, 0, SYN)));
    assert_eq!(forward(&mut fw, &error, CtState::Related).by, by_rule(0, "established,related"));
    let invalid = forward(&mut fw, &syn, CtState::Invalid);
    assert_eq!((invalid.action, invalid.by), (Action::Drop, MatchedBy::Policy));
    // NEW to another port is not https.
    assert_eq!(forward(&mut fw, &syn_to(80), CtState::New).by, MatchedBy::Policy);

    // With the policy ACCEPT, INVALID still goes when a rule drops it first.
    fw.set_policy(Chain::Forward, Action::Accept).unwrap();
    assert_eq!(forward(&mut fw, &syn, CtState::Invalid).action, Action::Accept);
    fw.insert(Chain::Forward, 0, Rule::drop_invalid()).unwrap();
    let decision = forward(&mut fw, &syn, CtState::Invalid);
    assert_eq!((decision.action, decision.by), (Action::Drop, by_rule(0, "invalid")));
}

#[test]
fn untracked_packets_go_as_configured() {
    let mut fw = stateful();
    let fragment = parse(&later_fragment(CLIENT, SERVER, 17));
    // Without a rule for them, the policy drops untracked packets.
    assert_eq!(forward(&mut fw, &fragment, CtState::Untracked).by, MatchedBy::Policy);
    let untracked = Rule::new("untracked", Match::any().states(&[CtState::Untracked]), Action::Accept);
    fw.append(Chain::Forward, untracked).unwrap();
    let decision = forward(&mut fw, &fragment, CtState::Untracked);
    assert_eq!((decision.action, decision.by), (Action::Accept, by_rule(2, "untracked")));
    // The rule is about the state, not about fragments.
    assert_eq!(forward(&mut fw, &fragment, CtState::New).by, MatchedBy::Policy);
}

#[test]
fn the_policy_decides_when_no_rule_matches_and_counts() {
    let mut fw = stateful();
    assert_eq!(fw.policy(Chain::Forward), Action::Drop);
    assert_eq!(fw.policy(Chain::Input), Action::Accept, "policies start as ACCEPT");
    let dns = parse(&udp(CLIENT, SERVER, (5353, 53)));
    for _ in 0..3 {
        let decision = forward(&mut fw, &dns, CtState::New);
        assert_eq!((decision.action, &decision.by), (Action::Drop, &MatchedBy::Policy));
        assert_eq!(decision.to_string(), "FORWARD policy: DROP");
    }
    assert_eq!(fw.policy_counters(Chain::Forward), Counters { packets: 3, bytes: 3 * 32 });
    assert!(fw.rule_counters(Chain::Forward).iter().all(|c| *c == Counters::default()));
    assert_eq!(fw.policy_counters(Chain::Input), Counters::default(), "other chains untouched");

    // An empty chain: only its policy.
    let ctx = PacketContext::new(&dns, CtState::New).in_interface("out");
    let decision = fw.evaluate(Chain::Input, &ctx);
    assert_eq!(
        (decision.chain, decision.action, decision.by),
        (Chain::Input, Action::Accept, MatchedBy::Policy)
    );
    assert_eq!(fw.policy_counters(Chain::Input).packets, 1);
}

#[test]
fn rule_counters_count_packets_and_bytes_and_reset() {
    let mut fw = stateful();
    let small = syn_to(443);
    let large = parse(&tcp_with(CLIENT, SERVER, (40000, 443), 1, 0, SYN, 1000));
    assert_eq!((small.len, large.len), (40, 1040));
    let _ = forward(&mut fw, &small, CtState::New);
    let _ = forward(&mut fw, &large, CtState::New);
    let _ = forward(&mut fw, &large, CtState::Established);
    let _ = forward(&mut fw, &small, CtState::Invalid);
    assert_eq!(
        fw.rule_counters(Chain::Forward),
        [Counters { packets: 1, bytes: 1040 }, Counters { packets: 2, bytes: 1080 }]
    );
    assert_eq!(fw.policy_counters(Chain::Forward), Counters { packets: 1, bytes: 40 });

    // `check` decides the same without counting.
    let ctx = PacketContext::new(&small, CtState::New);
    assert_eq!(fw.check(Chain::Forward, &ctx).by, by_rule(1, "https-new"));
    assert_eq!(fw.rule_counters(Chain::Forward)[1].packets, 2);

    fw.reset_counters();
    assert!(fw.rule_counters(Chain::Forward).iter().all(|c| *c == Counters::default()));
    assert_eq!(fw.policy_counters(Chain::Forward), Counters::default());
    assert_eq!(fw.len(Chain::Forward), 2, "resetting counters keeps the rules");
}

#[test]
fn reject_actions_come_back_as_given() {
    let mut fw = Firewall::default();
    let reset = Action::Reject(RejectWith::TcpReset);
    let ssh = Match::any().protocol(IpProtocol::TCP).dst_port(22);
    fw.append(Chain::Forward, Rule::new("ssh", ssh, reset)).unwrap();
    let prohibited = Action::Reject(RejectWith::IcmpUnreachable(UnreachableCode::COMM_ADMIN_PROHIBITED));
    fw.append(
        Chain::Forward,
        Rule::new("dns", Match::any().protocol(IpProtocol::UDP).dst_port(53), prohibited),
    )
    .unwrap();
    let port = Action::Reject(RejectWith::IcmpUnreachable(UnreachableCode::PORT));
    fw.set_policy(Chain::Forward, port).unwrap();

    assert_eq!(forward(&mut fw, &syn_to(22), CtState::New).action, reset);
    let dns = parse(&udp(CLIENT, SERVER, (5353, 53)));
    assert_eq!(forward(&mut fw, &dns, CtState::New).action, prohibited);
    assert_eq!(prohibited, Action::Reject(RejectWith::ADMIN_PROHIBITED));
    let other = forward(&mut fw, &syn_to(80), CtState::New);
    assert_eq!((other.action, &other.by), (Action::Reject(RejectWith::PORT_UNREACHABLE), &MatchedBy::Policy));
    assert_eq!(other.to_string(), "FORWARD policy: REJECT --reject-with icmp-port-unreachable");
}

#[test]
fn interface_matches() {
    let mut fw = Firewall::default();
    fw.set_policy(Chain::Forward, Action::Drop).unwrap();
    fw.append(Chain::Forward, Rule::new("from-out", Match::any().in_interface("out"), Action::Accept))
        .unwrap();
    fw.append(Chain::Forward, Rule::new("to-eth", Match::any().out_interface("eth+"), Action::Accept))
        .unwrap();
    let packet = syn_to(443);
    let mut through = |from: Option<&str>, to: Option<&str>| {
        let ctx =
            PacketContext { in_interface: from, out_interface: to, packet: &packet, state: CtState::New };
        fw.evaluate(Chain::Forward, &ctx).by
    };
    assert_eq!(through(Some("out"), Some("in")), by_rule(0, "from-out"));
    assert_eq!(through(Some("in"), Some("out")), MatchedBy::Policy);
    assert_eq!(through(Some("outer"), None), MatchedBy::Policy, "names match whole");
    assert_eq!(through(None, None), MatchedBy::Policy, "no input interface, no match");
    assert_eq!(through(Some("in"), Some("eth1")), by_rule(1, "to-eth"));
    assert_eq!(through(Some("in"), Some("wlan0")), MatchedBy::Policy);
}

#[test]
fn prefix_matches() {
    let mut fw = Firewall::default();
    fw.set_policy(Chain::Forward, Action::Drop).unwrap();
    let m = Match::any().src(net("10.1.0.0/16")).dst(net("172.16.3.0/24"));
    fw.append(Chain::Forward, Rule::new("lan-to-dmz", m, Action::Accept)).unwrap();
    assert_eq!(forward(&mut fw, &syn_to(443), CtState::New).by, by_rule(0, "lan-to-dmz"));
    let wrong_src = parse(&tcp([10, 2, 1, 245], SERVER, (40000, 443), 1, 0, SYN));
    assert_eq!(forward(&mut fw, &wrong_src, CtState::New).by, MatchedBy::Policy);
    let wrong_dst = parse(&tcp(CLIENT, [172, 16, 4, 12], (40000, 443), 1, 0, SYN));
    assert_eq!(forward(&mut fw, &wrong_dst, CtState::New).by, MatchedBy::Policy);
    let reversed = parse(&tcp(SERVER, CLIENT, (443, 40000), 1, 0, SYN));
    assert_eq!(forward(&mut fw, &reversed, CtState::New).by, MatchedBy::Policy);
}

#[test]
fn port_range_matches_tcp_and_udp_only() {
    let mut fw = Firewall::default();
    fw.set_policy(Chain::Forward, Action::Drop).unwrap();
    let high = Match::any().src_ports(1024..=65535).dst_ports(8000..=8080);
    fw.append(Chain::Forward, Rule::new("alt-http", high, Action::Accept)).unwrap();
    let segment = |sport, dport| parse(&tcp(CLIENT, SERVER, (sport, dport), 1, 0, SYN));
    assert_eq!(forward(&mut fw, &segment(40000, 8000), CtState::New).by, by_rule(0, "alt-http"));
    assert_eq!(forward(&mut fw, &segment(40000, 8080), CtState::New).by, by_rule(0, "alt-http"));
    assert_eq!(forward(&mut fw, &segment(40000, 8081), CtState::New).by, MatchedBy::Policy);
    assert_eq!(forward(&mut fw, &segment(1023, 8000), CtState::New).by, MatchedBy::Policy);
    let datagram = parse(&udp(CLIENT, SERVER, (5000, 8053)));
    assert_eq!(forward(&mut fw, &datagram, CtState::New).by, by_rule(0, "alt-http"), "UDP has ports too");
    // An echo request whose identifier lies in both ranges has no ports.
    let echo = parse(&echo_request(CLIENT, SERVER, 8000));
    assert_eq!(echo.tuple.src_port, 8000);
    assert_eq!(forward(&mut fw, &echo, CtState::New).by, MatchedBy::Policy);
    // Nor has a later fragment, whose tuple says port 0.
    fw.append(Chain::Forward, Rule::new("any-port", Match::any().dst_ports(0..=65535), Action::Accept))
        .unwrap();
    let fragment = parse(&later_fragment(CLIENT, SERVER, 6));
    assert_eq!(forward(&mut fw, &fragment, CtState::Untracked).by, MatchedBy::Policy);
    assert_eq!(forward(&mut fw, &segment(1, 2), CtState::New).by, by_rule(1, "any-port"));

    // With a protocol, the other protocol does not match.
    fw.insert(
        Chain::Forward,
        0,
        Rule::new("udp-dns", Match::any().protocol(IpProtocol::UDP).dst_port(53), Action::Accept),
    )
    .unwrap();
    let dns = parse(&udp(CLIENT, SERVER, (5353, 53)));
    assert_eq!(forward(&mut fw, &dns, CtState::New).by, by_rule(0, "udp-dns"));
    assert_eq!(forward(&mut fw, &segment(5353, 53), CtState::New).by, by_rule(2, "any-port"));
}

#[test]
fn icmp_type_matches() {
    let mut fw = Firewall::default();
    fw.set_policy(Chain::Input, Action::Drop).unwrap();
    let ping = Match::any().protocol(IpProtocol::ICMP).icmp_type(IcmpType::ECHO_REQUEST);
    fw.append(Chain::Input, Rule::new("ping", ping, Action::Accept)).unwrap();
    let unreachable = Match::any().icmp_type(IcmpType::DEST_UNREACHABLE);
    fw.append(Chain::Input, Rule::new("unreachable", unreachable, Action::Accept)).unwrap();
    let advert = Match::any().icmp_type(IcmpType::ROUTER_ADVERTISEMENT);
    fw.append(Chain::Input, Rule::new("router-adv", advert, Action::Accept)).unwrap();
    let mut input = |packet: &Packet, state| fw.evaluate(Chain::Input, &PacketContext::new(packet, state)).by;

    assert_eq!(input(&parse(&echo_request(CLIENT, SERVER, 7)), CtState::New), by_rule(0, "ping"));
    let reply = parse(&icmp(CLIENT, SERVER, 0, 0, [0, 7, 0, 1], &[]));
    assert_eq!(input(&reply, CtState::Established), MatchedBy::Policy, "a reply is not a request");
    let quote = udp(SERVER, CLIENT, (53, 5353));
    let port_unreachable = parse(&icmp_error(CLIENT, SERVER, 3, 3, &quote));
    assert_eq!(input(&port_unreachable, CtState::Related), by_rule(1, "unreachable"));
    let time_exceeded = parse(&icmp_error(CLIENT, SERVER, 11, 0, &quote));
    assert_eq!(input(&time_exceeded, CtState::Related), MatchedBy::Policy);
    let router_advertisement = parse(&icmp(CLIENT, SERVER, 9, 0, [1, 0, 0, 30], &[]));
    assert_eq!(input(&router_advertisement, CtState::Untracked), by_rule(2, "router-adv"));
    // A TCP segment whose first data byte would be 8, a later ICMP fragment: no type.
    assert_eq!(input(&syn_to(8), CtState::New), MatchedBy::Policy);
    assert_eq!(input(&parse(&later_fragment(CLIENT, SERVER, 1)), CtState::Untracked), MatchedBy::Policy);
}

#[test]
fn the_table_is_bounded_across_chains() {
    let mut fw = Firewall::new(FirewallConfig { max_rules: 2 });
    fw.append(Chain::Input, Rule::drop_invalid()).unwrap();
    fw.append(Chain::Forward, Rule::accept_established_related()).unwrap();
    let full = FirewallError::TableFull { max_rules: 2 };
    assert_eq!(fw.append(Chain::Output, Rule::drop_invalid()), Err(full));
    assert_eq!(fw.insert(Chain::Forward, 0, Rule::drop_invalid()), Err(full));
    assert_eq!(fw.total_rules(), 2);
    // Replacing needs no room; deleting makes some.
    fw.replace(Chain::Forward, 0, https_new()).unwrap();
    fw.delete(Chain::Input, 0).unwrap();
    fw.append(Chain::Output, Rule::drop_invalid()).unwrap();
    assert_eq!(fw.append(Chain::Output, Rule::drop_invalid()), Err(full));
    fw.flush(Chain::Output);
    assert_eq!(fw.total_rules(), 1);
    fw.append(Chain::Output, Rule::drop_invalid()).unwrap();
    assert_eq!(FirewallConfig::default().max_rules, 65_536);
}

#[test]
fn rules_iptables_refuses_are_refused() {
    let mut fw = Firewall::default();
    let from_out = Rule::new("", Match::any().in_interface("out"), Action::Accept);
    let to_in = Rule::new("", Match::any().out_interface("in"), Action::Accept);
    assert_eq!(
        fw.append(Chain::Output, from_out.clone()),
        Err(FirewallError::InInterfaceUnavailable { chain: Chain::Output })
    );
    assert_eq!(
        fw.append(Chain::Input, to_in.clone()),
        Err(FirewallError::OutInterfaceUnavailable { chain: Chain::Input })
    );
    fw.append(Chain::Input, from_out).unwrap();
    fw.append(Chain::Output, to_in).unwrap();
    let empty = Rule::new("", Match::any().in_interface(""), Action::Accept);
    assert_eq!(fw.append(Chain::Forward, empty), Err(FirewallError::EmptyInterfaceName));

    let reset = Action::Reject(RejectWith::TcpReset);
    let untyped = Rule::new("", Match::any().dst_port(22), reset);
    assert_eq!(fw.append(Chain::Input, untyped), Err(FirewallError::TcpResetWithoutTcp));
    assert_eq!(fw.set_policy(Chain::Input, reset), Err(FirewallError::TcpResetWithoutTcp));
    assert_eq!(fw.policy(Chain::Input), Action::Accept);

    assert_eq!(
        fw.insert(Chain::Forward, 1, Rule::drop_invalid()),
        Err(FirewallError::NoSuchPosition { chain: Chain::Forward, position: 1, len: 0 })
    );
    assert!(fw.delete(Chain::Input, 1).is_err());
    assert!(fw.replace(Chain::Input, 1, Rule::drop_invalid()).is_err());
    assert_eq!(fw.total_rules(), 2, "refusals change nothing");
    // Inserting at the chain's length appends.
    fw.insert(Chain::Input, 1, Rule::drop_invalid()).unwrap();
    assert_eq!(fw.rule(Chain::Input, 1).map(|rule| rule.name.as_str()), Some("invalid"));
}

#[test]
fn replacing_a_rule_resets_its_counters() {
    let mut fw = stateful();
    let _ = forward(&mut fw, &syn_to(443), CtState::New);
    assert_eq!(fw.rule_counters(Chain::Forward)[1].packets, 1);
    let old = fw.replace(Chain::Forward, 1, Rule::new("http-new", Match::any().dst_port(80), Action::Accept));
    assert_eq!(old.unwrap().name, "https-new");
    assert_eq!(fw.rule_counters(Chain::Forward)[1], Counters::default());
    assert_eq!(forward(&mut fw, &syn_to(80), CtState::New).by, by_rule(1, "http-new"));
    assert_eq!(forward(&mut fw, &syn_to(443), CtState::New).by, MatchedBy::Policy);
    let ack = parse(&tcp(CLIENT, SERVER, (40000, 80), 2, 1, ACK));
    assert_eq!(forward(&mut fw, &ack, CtState::Established).by, by_rule(0, "established,related"));
}

#[test]
fn prints_as_iptables_save() {
    let mut fw = stateful();
    let _ = forward(&mut fw, &syn_to(22), CtState::New);
    fw.append(Chain::Input, Rule::new("", Match::any().in_interface("lo"), Action::Accept)).unwrap();
    assert_eq!(
        fw.to_string(),
        "*filter\n\
         :INPUT ACCEPT [0:0]\n\
         :FORWARD DROP [1:40]\n\
         :OUTPUT ACCEPT [0:0]\n\
         -A INPUT -i lo -j ACCEPT\n\
         -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"established,related\" -j ACCEPT\n\
         -A FORWARD -p tcp -m tcp --dport 443 -m conntrack --ctstate NEW -m comment --comment \"https-new\" -j ACCEPT\n\
         COMMIT\n"
    );
}
