//! A stateful IPv4 packet filter in the manner of Linux netfilter's `filter` table.
//!
//! - Three chains ([`Chain`]): INPUT, FORWARD, OUTPUT. Each holds an ordered list of
//!   [`Rule`]s and a default policy; the first rule a packet matches decides, and if
//!   none does, the policy ([`Firewall::evaluate`]).
//! - A rule matches ([`Match`]) on interfaces, source and destination prefixes,
//!   protocol, TCP/UDP port ranges, ICMP type, and the packet's connection-tracking
//!   state ([`StateSet`] of [`conntrack::CtState`]), and then accepts, drops, or
//!   rejects with a TCP reset or an ICMP unreachable ([`Action`]).
//! - Every rule and policy counts packets and bytes ([`Counters`]); the verdict says
//!   which rule, or the policy, decided ([`Decision`], [`MatchedBy`]).
//! - The table holds at most [`FirewallConfig::max_rules`] rules; a full table refuses
//!   new rules.
//!
//! The firewall keeps no connections of its own: the caller tracks each datagram with
//! [`conntrack::Conntrack::track`] (the same table a NAT uses) and hands the packet and
//! its state to the firewall. Rules print as `iptables-save` lines, and the whole
//! [`Firewall`] as an `iptables-save` dump. Sans-IO, deterministic, safe Rust only, and
//! evaluation does not allocate.
//!
//! The table of fw1, which guards the server 172.16.3.12 behind its interface `in`.
//! Destination NAT happens before filtering (the `nat` crate), so the filter already
//! sees the server's own address:
//!
//! ```
//! use core::time::Duration;
//! use conntrack::{Conntrack, ConntrackConfig, CtState};
//! use firewall::{Action, Chain, Firewall, Match, MatchedBy, PacketContext, Rule};
//! use ipv4::IpProtocol;
//! # fn segment(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, seq: u32, ack: u32, flags: u8) -> Vec<u8> {
//! #     let mut d = vec![0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0];
//! #     d.extend(src); d.extend(dst); d.extend(sport.to_be_bytes()); d.extend(dport.to_be_bytes());
//! #     d.extend(seq.to_be_bytes()); d.extend(ack.to_be_bytes()); d.extend([0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
//! #     d
//! # }
//! let mut fw = Firewall::default();
//! fw.append(Chain::Forward, Rule::accept_established_related())?;
//! let https = Match::any()
//!     .in_interface("out")
//!     .out_interface("in")
//!     .protocol(IpProtocol::TCP)
//!     .dst("172.16.3.12/32".parse::<ipnet::Ipv4Net>()?)
//!     .dst_port(443)
//!     .states(&[CtState::New]);
//! fw.append(Chain::Forward, Rule::new("https-in", https, Action::Accept))?;
//! fw.set_policy(Chain::Forward, Action::Drop)?;
//! assert_eq!(
//!     fw.rule(Chain::Forward, 1).unwrap().in_chain(Chain::Forward).to_string(),
//!     "-A FORWARD -d 172.16.3.12/32 -i out -o in -p tcp -m tcp --dport 443 \
//!      -m conntrack --ctstate NEW -m comment --comment \"https-in\" -j ACCEPT"
//! );
//!
//! let (client, server) = ([10, 1, 1, 245], [172, 16, 3, 12]);
//! let mut table = Conntrack::new(ConntrackConfig::default(), 1);
//! let mut pass = |at: u64, datagram: &[u8], from: &str, to: &str| {
//!     let tracked = table.track(Duration::from_millis(at), datagram);
//!     let packet = tracked.packet.unwrap();
//!     let ctx = PacketContext::new(&packet, tracked.state).in_interface(from).out_interface(to);
//!     fw.evaluate(Chain::Forward, &ctx)
//! };
//! // The client's SYN to port 443 opens a connection: NEW, accepted by rule 1.
//! let syn = pass(0, &segment(client, server, 40000, 443, 100, 0, 0x02), "out", "in");
//! assert_eq!(syn.action, Action::Accept);
//! assert_eq!(syn.by, MatchedBy::Rule { index: 1, name: "https-in".into() });
//! // The server's SYN-ACK is ESTABLISHED: accepted by rule 0.
//! let syn_ack = pass(1, &segment(server, client, 443, 40000, 900, 101, 0x12), "in", "out");
//! assert_eq!(syn_ack.to_string(), "FORWARD rule 0 (established,related): ACCEPT");
//! // A SYN to port 22 matches no rule: the policy drops it.
//! let ssh = pass(2, &segment(client, server, 40001, 22, 500, 0, 0x02), "out", "in");
//! assert_eq!((ssh.action, ssh.by), (Action::Drop, MatchedBy::Policy));
//! assert_eq!(fw.policy_counters(Chain::Forward).packets, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod chain;
mod error;
mod firewall;
mod matcher;
mod rule;
mod state;

pub use chain::Chain;
pub use error::FirewallError;
pub use firewall::{Counters, Decision, Firewall, FirewallConfig, MatchedBy};
pub use matcher::{Match, PacketContext};
pub use rule::{Action, RejectWith, Rule, RuleLine};
pub use state::StateSet;
