//! Netfilter-style hooks: five places in the datagram's path where chains of hooks see
//! the datagram, may rewrite it, and give a verdict.
//!
//! ```text
//!  in ─▶ PREROUTING ─▶ route ─┬─▶ INPUT ─▶ local sockets
//!                             └─▶ FORWARD ─┐
//!  local ─▶ OUTPUT ─▶ route ───────────────┴─▶ POSTROUTING ─▶ out
//! ```
//!
//! As in Linux, a destination changed in PREROUTING or OUTPUT (destination NAT) is routed
//! anew; FORWARD and POSTROUTING see the datagram after the routing decision, so source
//! NAT belongs in POSTROUTING. Datagrams for this node are reassembled before INPUT;
//! forwarded fragments pass the hooks one by one.

use core::cell::Cell;
use core::fmt;
use core::time::Duration;

use icmp::UnreachableCode;
use ipnet::Ipv4Net;

use crate::interface::IfaceId;

/// Where in the datagram's path a hook sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HookPoint {
    /// Every datagram that arrives, before the routing decision (destination NAT).
    Prerouting,
    /// Datagrams for this node, after reassembly (host firewall).
    Input,
    /// Datagrams this router forwards, after the routing decision and TTL decrement.
    Forward,
    /// Datagrams this node originates, before routing (destination NAT of local traffic).
    Output,
    /// Every datagram about to leave, forwarded or local (source NAT, masquerade).
    Postrouting,
}

impl HookPoint {
    /// The five points, in a datagram's order through a router.
    pub const ALL: [Self; 5] =
        [Self::Prerouting, Self::Input, Self::Forward, Self::Output, Self::Postrouting];

    const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for HookPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Prerouting => "PREROUTING",
            Self::Input => "INPUT",
            Self::Forward => "FORWARD",
            Self::Output => "OUTPUT",
            Self::Postrouting => "POSTROUTING",
        })
    }
}

/// How a rejected datagram is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectWith {
    /// An ICMP Destination Unreachable with this code (e.g. port unreachable, or
    /// communication administratively prohibited).
    IcmpUnreachable(UnreachableCode),
    /// A TCP RST (RFC 9293 §3.10.7.1); datagrams that are not TCP get ICMP port
    /// unreachable instead, as Linux's `REJECT --reject-with tcp-reset` does.
    TcpReset,
}

/// A hook's decision about one datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Verdict {
    /// Let it continue (possibly rewritten) to the next hook and on its way.
    Accept,
    /// Discard it silently; `reason` goes into the stack's drop event.
    Drop {
        /// Why, in the hook's words (a rule's name, a table being full).
        reason: String,
    },
    /// Discard it and tell the source.
    Reject(RejectWith),
    /// The hook has taken the datagram (queued it, consumed it); the stack forgets it.
    Stolen,
}

/// An interface as a hook sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookInterface<'a> {
    /// Its index in the stack.
    pub id: IfaceId,
    /// Its name.
    pub name: &'a str,
    /// Its address, if it has one.
    pub address: Option<Ipv4Net>,
}

/// Where and when a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookContext<'a> {
    /// The current time.
    pub now: Duration,
    /// The hook point.
    pub point: HookPoint,
    /// The interface the datagram arrived on (PREROUTING, INPUT, FORWARD).
    pub ingress: Option<HookInterface<'a>>,
    /// The interface it will leave by (FORWARD, OUTPUT, POSTROUTING).
    pub egress: Option<HookInterface<'a>>,
    /// A number that travels with the datagram from hook point to hook point within this
    /// node (Linux's packet mark, or the connection a tracker found for it): 0 when the
    /// datagram enters or is made; any hook may set it for the later ones.
    pub mark: &'a Cell<u64>,
}

/// A hook: code that sees datagrams at one [`HookPoint`].
///
/// `datagram` is the whole IPv4 datagram, header first; a hook that rewrites it must
/// leave a valid datagram (checksums included), or the stack drops it with
/// [`crate::DropReason::HookMangled`].
pub trait Hook: fmt::Debug {
    /// The hook's name, for events (`napt`, `filter`).
    fn name(&self) -> &str;
    /// Looks at (and possibly rewrites) one datagram.
    fn process(&mut self, context: &HookContext<'_>, datagram: &mut Vec<u8>) -> Verdict;
    /// When the hook next needs [`Hook::handle_timeout`] (table expiry), if ever.
    fn poll_timeout(&self) -> Option<Duration> {
        None
    }
    /// Time has reached the deadline the hook asked for.
    fn handle_timeout(&mut self, _now: Duration) {}
}

/// A hook registered in a chain.
pub(crate) type BoxedHook = Box<dyn Hook>;

/// The five chains.
#[derive(Debug, Default)]
pub(crate) struct Chains {
    chains: [Vec<BoxedHook>; 5],
}

/// The first non-accept verdict of a chain, with the hook that gave it.
pub(crate) struct ChainVerdict {
    pub(crate) hook: String,
    pub(crate) verdict: Verdict,
}

impl Chains {
    pub(crate) fn push(&mut self, point: HookPoint, hook: BoxedHook) {
        self.chains[point.index()].push(hook);
    }

    pub(crate) fn is_empty(&self, point: HookPoint) -> bool {
        self.chains[point.index()].is_empty()
    }

    /// Runs `point`'s chain in order; stops at the first verdict other than accept.
    pub(crate) fn run(&mut self, context: &HookContext<'_>, datagram: &mut Vec<u8>) -> Option<ChainVerdict> {
        for hook in &mut self.chains[context.point.index()] {
            match hook.process(context, datagram) {
                Verdict::Accept => {}
                verdict => return Some(ChainVerdict { hook: hook.name().to_owned(), verdict }),
            }
        }
        None
    }

    pub(crate) fn poll_timeout(&self) -> Option<Duration> {
        self.chains.iter().flatten().filter_map(|hook| hook.poll_timeout()).min()
    }

    pub(crate) fn handle_timeout(&mut self, now: Duration) {
        for hook in self.chains.iter_mut().flatten() {
            if hook.poll_timeout().is_some_and(|deadline| deadline <= now) {
                hook.handle_timeout(now);
            }
        }
    }
}
