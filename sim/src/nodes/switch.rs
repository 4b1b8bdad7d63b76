//! A switch: a learning bridge whose ports are links.

use core::time::Duration;
use std::collections::VecDeque;

use ethernet::{EthernetFrame, EthernetRepr};
use switch::{BridgeConfig, Forwarding, LearningBridge, PortId};

use super::{
    Command, FloodReason, IfaceId, InterfaceInfo, Node, NodeEvent, NodeKind, SwitchDecision, port_name,
};

/// An Ethernet switch with `port_count` ports, named `port1`, `port2`, ….
#[derive(Debug)]
pub struct Switch {
    name: String,
    bridge: LearningBridge,
    /// With protected ports (client isolation, as a Wi-Fi access point or a "protected
    /// port" on a managed switch): the one port every other port may send to.
    uplink: Option<PortId>,
    outbox: VecDeque<(IfaceId, Vec<u8>)>,
    events: VecDeque<NodeEvent>,
}

impl Switch {
    /// A switch with the default bridge configuration (300 s aging).
    pub fn new(name: &str, port_count: u16) -> Self {
        Self {
            name: name.to_owned(),
            bridge: LearningBridge::new(BridgeConfig::default(), port_count),
            uplink: None,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Every port but the last is protected: a frame arriving on one goes out of the last
    /// port (the uplink to the router) or nowhere, so hosts cannot reach each other
    /// directly; frames from the uplink are switched as usual.
    #[must_use]
    pub fn with_protected_ports(mut self) -> Self {
        self.uplink = Some(PortId(self.bridge.port_count().saturating_sub(1)));
        self
    }

    fn drain_bridge(&mut self) {
        while let Some(event) = self.bridge.poll_event() {
            self.events.push_back(NodeEvent::Bridge(event));
        }
    }
}

fn decision(forwarding: Forwarding, ports: &[PortId], header: &EthernetRepr) -> SwitchDecision {
    match forwarding {
        Forwarding::Unicast(port) => SwitchDecision::Forwarded { port: port_name(port) },
        Forwarding::Flood { .. } => SwitchDecision::Flooded {
            ports: ports.iter().copied().map(port_name).collect(),
            reason: if header.dst_addr.is_broadcast() {
                FloodReason::Broadcast
            } else if header.dst_addr.is_multicast() {
                FloodReason::Multicast
            } else {
                FloodReason::UnknownUnicast
            },
        },
        Forwarding::Filter => SwitchDecision::Filtered,
    }
}

impl Node for Switch {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> NodeKind {
        NodeKind::Switch
    }

    fn interfaces(&self) -> Vec<InterfaceInfo> {
        (0..self.bridge.port_count())
            .map(|n| InterfaceInfo { name: port_name(PortId(n)), mac: None, ipv4: None })
            .collect()
    }

    fn handle_frame(&mut self, now: Duration, iface: IfaceId, bytes: &[u8]) {
        let header = match EthernetFrame::new_checked(bytes).and_then(|frame| EthernetRepr::parse(&frame)) {
            Ok(header) => header,
            Err(error) => {
                self.events.push_back(NodeEvent::BadFrame(error));
                return;
            }
        };
        let Ok(ingress) = u16::try_from(iface.0).map(PortId) else {
            return;
        };
        let forwarding = self.bridge.handle_frame(now, ingress, header.src_addr, header.dst_addr);
        // Learning happens before the decision, so its events come first in the trace.
        self.drain_bridge();
        let mut ports: Vec<PortId> = forwarding.egress_ports(self.bridge.port_count()).collect();
        let mut decision = decision(forwarding, &ports, &header);
        if let Some(uplink) = self.uplink.filter(|uplink| *uplink != ingress) {
            // A protected port's frame goes to the uplink or nowhere.
            ports.retain(|port| *port == uplink);
            decision = match decision {
                SwitchDecision::Flooded { reason, .. } => {
                    SwitchDecision::Flooded { ports: vec![port_name(uplink)], reason }
                }
                SwitchDecision::Forwarded { .. } if ports.is_empty() => SwitchDecision::Filtered,
                other => other,
            };
        }
        self.events.push_back(NodeEvent::Switched { dst: header.dst_addr, decision });
        for port in ports {
            self.outbox.push_back((IfaceId(usize::from(port.0)), bytes.to_vec()));
        }
    }

    fn handle_command(&mut self, _now: Duration, _command: &Command) {}

    fn poll_transmit(&mut self) -> Option<(IfaceId, Vec<u8>)> {
        self.outbox.pop_front()
    }

    fn poll_event(&mut self) -> Option<NodeEvent> {
        self.events.pop_front()
    }

    fn poll_timeout(&self) -> Option<Duration> {
        self.bridge.poll_timeout()
    }

    fn handle_timeout(&mut self, now: Duration) {
        self.bridge.handle_timeout(now);
        self.drain_bridge();
    }

    fn describe_state(&self, now: Duration) -> Vec<String> {
        let protected = self
            .uplink
            .map(|uplink| format!("protected ports: all but {}, which is the uplink", port_name(uplink)));
        protected
            .into_iter()
            .chain(self.bridge.entries(now).into_iter().map(|entry| {
                format!(
                    "mac {} on {} (age {:.1} s)",
                    entry.mac,
                    port_name(entry.port),
                    entry.age.as_secs_f64()
                )
            }))
            .collect()
    }
}
