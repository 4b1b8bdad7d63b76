//! The discrete-event loop on virtual time, the links, and the trace it writes.

use core::cmp::Ordering;
use core::time::Duration;
use std::collections::BinaryHeap;

mod external;
mod link;
mod trace;

pub use link::{Endpoint, Fate, Faults, Link, LinkConfig, LinkId, WIRE_OVERHEAD_BYTES};
pub use trace::{EventRecord, FrameRecord, Trace, TraceRecord};

use crate::nodes::{Command, Node, NodeEvent, NodeId};

/// Why a [`Simulation::connect`] call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// No node has this id.
    #[error("no node {0:?}")]
    NoSuchNode(NodeId),
    /// The node has no such interface.
    #[error("node {node} has no interface {iface}")]
    NoSuchInterface {
        /// The node's name.
        node: String,
        /// The interface index asked for.
        iface: usize,
    },
    /// The interface is already joined to a link.
    #[error("{node} interface {iface} is already connected")]
    AlreadyConnected {
        /// The node's name.
        node: String,
        /// The interface index.
        iface: usize,
    },
    /// A fault probability is outside 0.0..=1.0.
    #[error("link fault probabilities must be within 0.0..=1.0")]
    BadFaults,
}

#[derive(Debug)]
enum Action {
    Deliver { to: Endpoint, bytes: Vec<u8>, fcs_error: bool, corrupted: bool },
    Timer { node: NodeId },
    Command { node: NodeId, command: Command },
}

/// An action due at `at`; `seq` breaks ties in insertion order so runs are reproducible.
/// The heap holds only this 32-byte key and a word saying what to do: a timer names its
/// node inline (most events are timers), anything else sits in `Simulation::pending`, so
/// sifting moves small entries instead of whole frames.
#[derive(Debug, Clone, Copy)]
struct Scheduled {
    at: Duration,
    seq: u64,
    what: u32,
}

/// `Scheduled::what` flag: the rest is the node whose timer this is (else the rest
/// indexes `Simulation::pending`).
const TIMER: u32 = 1 << 31;

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    /// Reversed, so the max-heap pops the earliest action first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSummary {
    /// Virtual time when the run stopped.
    pub end: Duration,
    /// Actions processed.
    pub steps: u64,
    /// Whether the run stopped because nothing was left to do (rather than a limit).
    pub quiescent: bool,
}

/// A simulated network: nodes, links, a clock and the trace.
#[derive(Debug)]
pub struct Simulation {
    nodes: Vec<Box<dyn Node>>,
    links: Vec<Link>,
    attachments: Vec<Vec<Option<(LinkId, usize)>>>,
    queue: BinaryHeap<Scheduled>,
    /// Actions other than timers, by the index their queue entry holds.
    pending: Vec<Option<Action>>,
    free_pending: Vec<u32>,
    timers: Vec<Option<Duration>>,
    next_seq: u64,
    now: Duration,
    seed: u64,
    trace: Trace,
    /// Per node, fingerprints of corrupted frames it accepted (bounded).
    corrupted_seen: Vec<Vec<u64>>,
    /// Every node's tables just before each scenario command, when asked for
    /// ([`Simulation::record_snapshots`]): what `--state` prints between phases.
    snapshots: Option<Vec<Snapshot>>,
}

/// Every node's tables (`describe_state`) at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// When.
    pub time: Duration,
    /// Each node's name and table lines, in node order.
    pub nodes: Vec<(String, Vec<String>)>,
}

/// Most snapshots kept (one per scenario command).
const MAX_SNAPSHOTS: usize = 256;

/// How many corrupted frames per node are remembered for marking forwarded copies.
const MAX_CORRUPTED_REMEMBERED: usize = 64;

/// A frame's fingerprint (FNV-1a): enough to recognise a forwarded copy.
fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// SplitMix64: spreads the run's seed into independent per-link seeds.
fn mix_seed(seed: u64, index: u64) -> u64 {
    let mut z = seed.wrapping_add(index.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A node's seed: the run's seed mixed with an FNV-1a hash of the node's name.
pub(crate) fn node_seed(seed: u64, name: &str) -> u64 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    mix_seed(seed ^ 0x6e6f_6465, hash)
}

impl Simulation {
    /// An empty network whose every random draw derives from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            nodes: Vec::new(),
            links: Vec::new(),
            attachments: Vec::new(),
            queue: BinaryHeap::new(),
            pending: Vec::new(),
            free_pending: Vec::new(),
            timers: Vec::new(),
            next_seq: 0,
            now: Duration::ZERO,
            seed,
            trace: Trace::with_limit(Trace::DEFAULT_LIMIT),
            corrupted_seen: Vec::new(),
            snapshots: None,
        }
    }

    /// From now on, keep every node's tables as they are just before each scenario
    /// command runs (at most 256), for views that show how the tables
    /// changed phase by phase.
    pub fn record_snapshots(&mut self) {
        self.snapshots.get_or_insert_with(Vec::new);
    }

    /// The snapshots kept so far, oldest first (none unless
    /// [`Simulation::record_snapshots`] was called).
    pub fn snapshots(&self) -> &[Snapshot] {
        self.snapshots.as_deref().unwrap_or_default()
    }

    /// Every node's tables now.
    pub fn snapshot(&self) -> Snapshot {
        let nodes =
            self.nodes.iter().map(|node| (node.name().to_owned(), node.describe_state(self.now))).collect();
        Snapshot { time: self.now, nodes }
    }

    /// Adds a node; its interfaces start unconnected.
    ///
    /// The node draws its randomness from its own seed, derived from the run's seed and
    /// the node's name, so adding a node changes no other node's draws.
    pub fn add_node(&mut self, mut node: Box<dyn Node>) -> NodeId {
        node.seed(node_seed(self.seed, node.name()));
        let id = NodeId(self.nodes.len());
        self.attachments.push(vec![None; node.interfaces().len()]);
        self.nodes.push(node);
        self.timers.push(None);
        self.corrupted_seen.push(Vec::new());
        // Applications started by the seed may already have a deadline (a balancer's first
        // health check): wake the node for it even if nothing else reaches it first.
        if let Some(deadline) = self.nodes[id.0].poll_timeout() {
            let deadline = deadline.max(self.now);
            self.timers[id.0] = Some(deadline);
            self.push(deadline, Action::Timer { node: id });
        }
        id
    }

    /// Joins two interfaces with a point-to-point link named `a-b` after the nodes.
    pub fn connect(&mut self, a: Endpoint, b: Endpoint, config: LinkConfig) -> Result<LinkId, ConnectError> {
        if !config.faults.is_valid() {
            return Err(ConnectError::BadFaults);
        }
        for end in [a, b] {
            let node = self.nodes.get(end.node.0).ok_or(ConnectError::NoSuchNode(end.node))?;
            let name = node.name().to_owned();
            match self.attachments[end.node.0].get(end.iface.0) {
                None => {
                    return Err(ConnectError::NoSuchInterface { node: name, iface: end.iface.0 });
                }
                Some(Some(_)) => {
                    return Err(ConnectError::AlreadyConnected { node: name, iface: end.iface.0 });
                }
                Some(None) => {}
            }
        }
        let id = LinkId(self.links.len());
        let name = format!("{}-{}", self.nodes[a.node.0].name(), self.nodes[b.node.0].name());
        let seed = mix_seed(self.seed, id.0 as u64);
        self.links.push(Link::new(name, [a, b], config, seed));
        self.attachments[a.node.0][a.iface.0] = Some((id, 0));
        self.attachments[b.node.0][b.iface.0] = Some((id, 1));
        self.nodes[a.node.0].set_link_mtu(a.iface, config.mtu);
        self.nodes[b.node.0].set_link_mtu(b.iface, config.mtu);
        Ok(id)
    }

    /// Asks `node` to carry out `command` at virtual time `at`.
    pub fn schedule(&mut self, at: Duration, node: NodeId, command: Command) {
        self.push(at, Action::Command { node, command });
    }

    fn push(&mut self, at: Duration, action: Action) {
        let what = match action {
            Action::Timer { node } if u32::try_from(node.0).is_ok_and(|n| n < TIMER) => TIMER | node.0 as u32,
            action => match self.free_pending.pop() {
                Some(index) => {
                    self.pending[index as usize] = Some(action);
                    index
                }
                None => {
                    self.pending.push(Some(action));
                    (self.pending.len() - 1) as u32
                }
            },
        };
        self.queue.push(Scheduled { at, seq: self.next_seq, what });
        self.next_seq += 1;
    }

    /// The action a queue entry stands for, taken out of `pending`.
    fn take_action(&mut self, what: u32) -> Option<Action> {
        if what & TIMER != 0 {
            return Some(Action::Timer { node: NodeId((what & !TIMER) as usize) });
        }
        let action = self.pending.get_mut(what as usize)?.take();
        self.free_pending.push(what);
        action
    }

    /// Runs until nothing is left to do, virtual time passes `until`, or `max_steps`
    /// actions have run, whichever comes first.
    pub fn run(&mut self, until: Duration, max_steps: u64) -> RunSummary {
        let mut steps = 0;
        while steps < max_steps {
            let Some(next) = self.queue.peek() else {
                return RunSummary { end: self.now, steps, quiescent: true };
            };
            if next.at > until {
                break;
            }
            let Some(Scheduled { at, what, .. }) = self.queue.pop() else {
                break;
            };
            let Some(action) = self.take_action(what) else {
                continue;
            };
            self.now = at;
            steps += 1;
            let node = match action {
                Action::Deliver { to, bytes, fcs_error: true, .. } => {
                    // The receiving port checks the FCS and drops the frame, as every
                    // Ethernet NIC and switch port does; the node never sees it.
                    let interface = self.interface_name(to);
                    let event = NodeEvent::FcsError { interface, len: bytes.len() };
                    self.trace.push(TraceRecord::Event(EventRecord { time: at, node: to.node, event }));
                    continue;
                }
                Action::Deliver { to, bytes, corrupted, .. } => {
                    if corrupted {
                        self.remember_corrupted(to.node, &bytes);
                    }
                    self.nodes[to.node.0].handle_frame(at, to.iface, &bytes);
                    to.node
                }
                Action::Timer { node } => {
                    if self.timers[node.0] != Some(at) {
                        continue; // superseded by a later poll_timeout
                    }
                    self.timers[node.0] = None;
                    self.nodes[node.0].handle_timeout(at);
                    node
                }
                Action::Command { node, command } => {
                    if self.snapshots.as_ref().is_some_and(|kept| kept.len() < MAX_SNAPSHOTS) {
                        let snapshot = self.snapshot();
                        if let Some(kept) = self.snapshots.as_mut() {
                            kept.push(snapshot);
                        }
                    }
                    self.nodes[node.0].handle_command(at, &command);
                    node
                }
            };
            self.flush(node);
        }
        RunSummary { end: self.now, steps, quiescent: false }
    }

    /// Collects what a node produced after an input: frames onto links, events into the
    /// trace, and its next wake-up.
    fn flush(&mut self, node: NodeId) {
        let now = self.now;
        while let Some(event) = self.nodes[node.0].poll_event() {
            self.trace.push(TraceRecord::Event(EventRecord { time: now, node, event }));
        }
        while let Some((iface, bytes)) = self.nodes[node.0].poll_transmit() {
            self.transmit(Endpoint { node, iface }, bytes);
        }
        if let Some(deadline) = self.nodes[node.0].poll_timeout() {
            let deadline = deadline.max(now);
            if self.timers[node.0] != Some(deadline) {
                self.timers[node.0] = Some(deadline);
                self.push(deadline, Action::Timer { node });
            }
        }
    }

    fn transmit(&mut self, from: Endpoint, bytes: Vec<u8>) {
        let Some(Some((link_id, side))) = self.attachments[from.node.0].get(from.iface.0).copied() else {
            return; // an unconnected interface: the frame goes nowhere
        };
        let link = &mut self.links[link_id.0];
        let to = link.ends[1 - side];
        let tagged = matches!(bytes.get(12..14), Some([0x81, 0x00] | [0x88, 0xa8]));
        let header_len = if tagged { 18 } else { 14 };
        // A switch forwards what it received byte for byte: a frame damaged upstream
        // (where no FCS caught it) is still damaged here, and says so.
        let carries_corruption = self.corrupted_seen[from.node.0].contains(&fingerprint(&bytes));
        let transmission = link.transmit(self.now, side, bytes, header_len);
        for (copy, (fate, bytes)) in transmission.copies.into_iter().enumerate() {
            if let Some(at) = fate.arrival() {
                let (fcs_error, corrupted) = match fate {
                    Fate::Corrupted { fcs_error, .. } => (fcs_error, true),
                    _ => (false, carries_corruption),
                };
                self.push(at, Action::Deliver { to, bytes: bytes.clone(), fcs_error, corrupted });
            }
            self.trace.push(TraceRecord::Frame(FrameRecord {
                time: transmission.start,
                link: link_id,
                from,
                to,
                bytes,
                fate,
                duplicate: copy > 0,
                held_back: transmission.held_back,
                carries_corruption,
            }));
        }
    }

    /// Notes that `node` accepted a corrupted frame, so that copies it forwards unchanged
    /// are marked too. Bounded: only the most recent ones are remembered.
    fn remember_corrupted(&mut self, node: NodeId, bytes: &[u8]) {
        let seen = &mut self.corrupted_seen[node.0];
        if seen.len() >= MAX_CORRUPTED_REMEMBERED {
            seen.remove(0);
        }
        seen.push(fingerprint(bytes));
    }

    fn interface_name(&self, end: Endpoint) -> String {
        self.nodes[end.node.0]
            .interfaces()
            .get(end.iface.0)
            .map_or_else(|| format!("if{}", end.iface.0), |i| i.name.clone())
    }

    /// The current virtual time.
    pub fn now(&self) -> Duration {
        self.now
    }

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Everything recorded so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The nodes, in `NodeId` order.
    pub fn nodes(&self) -> &[Box<dyn Node>] {
        &self.nodes
    }

    /// The links, in `LinkId` order.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// A node by name.
    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.nodes.iter().position(|node| node.name() == name).map(NodeId)
    }

    /// A node's name.
    pub fn node_name(&self, id: NodeId) -> &str {
        self.nodes.get(id.0).map_or("?", |node| node.name())
    }

    /// "node iface" for an endpoint, e.g. `cl1 eth0`.
    pub fn endpoint_name(&self, end: Endpoint) -> String {
        let node = &self.nodes[end.node.0];
        let iface = node
            .interfaces()
            .get(end.iface.0)
            .map_or_else(|| format!("if{}", end.iface.0), |i| i.name.clone());
        format!("{} {}", node.name(), iface)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_actions_pop_by_time_then_insertion_order() {
        let mut heap = BinaryHeap::new();
        for (seq, at) in [(0, 5), (1, 1), (2, 5), (3, 0)] {
            heap.push(Scheduled { at: Duration::from_secs(at), seq, what: TIMER });
        }
        let order: Vec<u64> = std::iter::from_fn(|| heap.pop().map(|s| s.seq)).collect();
        assert_eq!(order, [3, 1, 0, 2]);
    }

    #[test]
    fn node_seeds_depend_on_the_name_and_the_run_only() {
        assert_ne!(node_seed(1, "cl1"), node_seed(1, "cl2"));
        assert_ne!(node_seed(1, "cl1"), node_seed(2, "cl1"));
        assert_eq!(node_seed(7, "rt1"), node_seed(7, "rt1"));
        assert_ne!(node_seed(1, "cl1"), mix_seed(1, 0), "node and link seeds come from different streams");
    }

    #[test]
    fn link_seeds_differ_per_link_and_per_run() {
        assert_ne!(mix_seed(1, 0), mix_seed(1, 1));
        assert_ne!(mix_seed(1, 0), mix_seed(2, 0));
        assert_eq!(mix_seed(7, 3), mix_seed(7, 3));
    }
}
