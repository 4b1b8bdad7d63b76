//! Helpers shared by the sim integration tests.

use std::net::Ipv4Addr;

use sim::apps::AppEvent;
use sim::{NodeEvent, NodeId, Simulation};
use stack::IcmpErrorKind;

/// What came back to a node's applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// An echo reply from this address.
    Reply(Ipv4Addr),
    /// An ICMP error of this kind from this address.
    Error(IcmpErrorKind, Ipv4Addr),
}

/// What came back to `node`'s applications, in order.
pub(crate) fn outcomes_at(sim: &Simulation, node: NodeId) -> Vec<Outcome> {
    sim.trace()
        .events()
        .filter(|e| e.node == node)
        .filter_map(|e| match &e.event {
            NodeEvent::App(AppEvent::PingReply { from, .. }) => Some(Outcome::Reply(*from)),
            NodeEvent::App(AppEvent::IcmpError { from, error, .. }) => Some(Outcome::Error(*error, *from)),
            _ => None,
        })
        .collect()
}

/// The events `node` reported.
#[allow(dead_code)] // Not every test binary uses every helper.
pub(crate) fn events_at<'a>(sim: &'a Simulation, node: &str) -> impl Iterator<Item = &'a NodeEvent> + 'a {
    let id = sim.node_id(node);
    sim.trace().events().filter(move |e| Some(e.node) == id).map(|e| &e.event)
}
