//! Helpers shared by the sim integration tests.

use sim::{IpEvent, NodeEvent, NodeId, Simulation};

/// What came back to `node`'s applications, in order: `reply from 172.16.2.1` for each
/// echo reply, `<ICMP error summary> from <sender>` for each ICMP error.
pub(crate) fn outcomes_at(sim: &Simulation, node: NodeId) -> Vec<String> {
    sim.trace()
        .events()
        .filter(|e| e.node == node)
        .filter_map(|e| match &e.event {
            NodeEvent::Ip(IpEvent::PingReply { from, .. }) => Some(format!("reply from {from}")),
            NodeEvent::Ip(IpEvent::IcmpErrorReceived { from, summary }) => {
                Some(format!("{summary} from {from}"))
            }
            _ => None,
        })
        .collect()
}
