//! The TAP port: a node standing for the real host on the other side of the TAP device.

use core::time::Duration;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use crate::nodes::{IfaceId, InterfaceInfo, Node, NodeKind};

/// Most frames held for the TAP device between two turns of the driver; beyond this the
/// oldest are dropped, as a full transmit queue does.
pub(crate) const MAX_QUEUED: usize = 4096;

/// Frames the simulation delivered to the TAP port, waiting for the driver to write them
/// to the device. Shared between the node (inside the simulation) and the driver.
pub(crate) type Outbox = Rc<RefCell<VecDeque<Vec<u8>>>>;

/// The real host's end of the TAP link: one interface, no stack of its own. What the
/// simulation delivers to it is queued for the TAP device; what the real host sends is
/// put on its link by the driver ([`crate::Simulation::inject`]).
#[derive(Debug)]
pub(crate) struct TapPort {
    name: String,
    outbox: Outbox,
}

impl TapPort {
    /// A port named after the TAP device, and the queue the driver drains.
    pub(crate) fn new(name: &str) -> (Self, Outbox) {
        let outbox = Outbox::default();
        (Self { name: name.to_owned(), outbox: Rc::clone(&outbox) }, outbox)
    }
}

impl Node for TapPort {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> NodeKind {
        NodeKind::Host
    }

    fn interfaces(&self) -> Vec<InterfaceInfo> {
        vec![InterfaceInfo { name: self.name.clone(), mac: None, ipv4: None }]
    }

    fn handle_frame(&mut self, _now: Duration, _iface: IfaceId, frame: &[u8]) {
        let mut queue = self.outbox.borrow_mut();
        if queue.len() >= MAX_QUEUED {
            queue.pop_front();
        }
        queue.push_back(frame.to_vec());
    }

    fn poll_transmit(&mut self) -> Option<(IfaceId, Vec<u8>)> {
        None
    }

    fn describe_state(&self, _now: Duration) -> Vec<String> {
        vec!["a real host's interface, through a TAP device".to_owned()]
    }
}
