//! A switch: a learning bridge whose ports are links.

use core::time::Duration;
use std::collections::VecDeque;

use ethernet::{EthernetRepr, Frame};
use switch::{BridgeConfig, LearningBridge, PortId};

use crate::node::{Command, IfaceId, InterfaceInfo, Node, NodeEvent};

/// An Ethernet switch with `port_count` ports, named `port1`, `port2`, ….
#[derive(Debug)]
pub struct Switch {
    name: String,
    bridge: LearningBridge,
    outbox: VecDeque<(IfaceId, Vec<u8>)>,
    events: VecDeque<NodeEvent>,
}

impl Switch {
    /// A switch with the default bridge configuration (300 s aging).
    pub fn new(name: &str, port_count: u16) -> Self {
        Self {
            name: name.to_owned(),
            bridge: LearningBridge::new(BridgeConfig::default(), port_count),
            outbox: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    fn drain_bridge(&mut self) {
        while let Some(event) = self.bridge.poll_event() {
            self.events.push_back(NodeEvent::Bridge(event));
        }
    }
}

impl Node for Switch {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "switch"
    }

    fn interfaces(&self) -> Vec<InterfaceInfo> {
        (1..=self.bridge.port_count())
            .map(|n| InterfaceInfo {
                name: format!("port{n}"),
                mac: None,
                ipv4: None,
            })
            .collect()
    }

    fn handle_frame(&mut self, now: Duration, iface: IfaceId, bytes: &[u8]) {
        let header = match Frame::new_checked(bytes).and_then(|frame| EthernetRepr::parse(&frame)) {
            Ok(header) => header,
            Err(error) => {
                self.events
                    .push_back(NodeEvent::Dropped(format!("bad Ethernet frame: {error}")));
                return;
            }
        };
        let Ok(ingress) = u16::try_from(iface.0).map(PortId) else {
            return;
        };
        let forwarding = self
            .bridge
            .handle_frame(now, ingress, header.src, header.dst);
        for port in forwarding.egress_ports(self.bridge.port_count()) {
            self.outbox
                .push_back((IfaceId(usize::from(port.0)), bytes.to_vec()));
        }
        self.drain_bridge();
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
        self.bridge
            .entries(now)
            .into_iter()
            .map(|entry| {
                format!(
                    "mac {} on port{} (age {:.1} s)",
                    entry.mac,
                    entry.port.0 + 1,
                    entry.age.as_secs_f64()
                )
            })
            .collect()
    }
}
