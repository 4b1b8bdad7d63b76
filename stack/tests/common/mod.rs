//! A tiny wire for the stack's tests: stacks joined by point-to-point links that carry
//! frames instantly, and a record of every frame that crossed.

use core::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use stack::{IfaceId, Stack, StackConfig};

/// A frame that crossed a link: (sending node, its interface, bytes).
pub(crate) type Crossed = (usize, IfaceId, Vec<u8>);

/// Stacks and the links between their interfaces.
#[derive(Debug, Default)]
pub(crate) struct Wire {
    /// The stacks.
    pub(crate) nodes: Vec<Stack>,
    links: Vec<((usize, IfaceId), (usize, IfaceId))>,
    /// Every frame that crossed, in order.
    pub(crate) crossed: Vec<Crossed>,
}

impl Wire {
    /// Adds a stack (a host, or a router when `forwarding`), seeded by its index.
    pub(crate) fn add(&mut self, forwarding: bool) -> usize {
        let config = if forwarding { StackConfig::router() } else { StackConfig::host() };
        self.nodes.push(Stack::new(config, ChaCha8Rng::seed_from_u64(self.nodes.len() as u64 + 1)));
        self.nodes.len() - 1
    }

    /// Joins two interfaces.
    pub(crate) fn link(&mut self, a: (usize, IfaceId), b: (usize, IfaceId)) {
        self.links.push((a, b));
    }

    fn peer(&self, end: (usize, IfaceId)) -> Option<(usize, IfaceId)> {
        self.links.iter().find_map(|&(a, b)| {
            if a == end {
                Some(b)
            } else if b == end {
                Some(a)
            } else {
                None
            }
        })
    }

    /// Moves frames until every stack is quiet (bounded: a loop is a bug).
    pub(crate) fn settle(&mut self, now: Duration) {
        for _ in 0..10_000 {
            let mut moved = false;
            for node in 0..self.nodes.len() {
                while let Some((iface, frame)) = self.nodes[node].poll_transmit() {
                    moved = true;
                    self.crossed.push((node, iface, frame.clone()));
                    if let Some((peer, peer_iface)) = self.peer((node, iface)) {
                        self.nodes[peer].handle_frame(now, peer_iface, &frame);
                    }
                }
            }
            if !moved {
                return;
            }
        }
        panic!("the wire never settled");
    }

    /// Frames node `node` sent, as parsed IPv4 datagrams (ARP left out).
    pub(crate) fn datagrams_from(&self, node: usize) -> Vec<Vec<u8>> {
        self.crossed
            .iter()
            .filter(|(from, _, frame)| *from == node && frame.get(12..14) == Some(&[0x08, 0x00][..]))
            .map(|(_, _, frame)| {
                let total = usize::from(u16::from_be_bytes([frame[16], frame[17]]));
                frame[14..14 + total].to_vec()
            })
            .collect()
    }
}

#[allow(dead_code)] // Not every test binary uses every helper.
/// a (10.0.1.1) — r (10.0.1.254 | 10.0.2.254) — b (10.0.2.1); nodes 0, 1, 2.
pub(crate) fn a_router_b() -> Wire {
    let mut wire = Wire::default();
    let (a, r, b) = (wire.add(false), wire.add(true), wire.add(false));
    let mac = |n| ethernet::MacAddress::new([2, 0, 0, 0, n, 0]);
    let a_eth = wire.nodes[a].add_interface("eth0", mac(1));
    let r_left = wire.nodes[r].add_interface("left", mac(2));
    let r_right = wire.nodes[r].add_interface("right", mac(3));
    let b_eth = wire.nodes[b].add_interface("eth0", mac(4));
    for (node, iface, net) in [
        (a, a_eth, "10.0.1.1/24"),
        (r, r_left, "10.0.1.254/24"),
        (r, r_right, "10.0.2.254/24"),
        (b, b_eth, "10.0.2.1/24"),
    ] {
        wire.nodes[node].set_address(iface, net.parse().unwrap()).unwrap();
    }
    wire.nodes[a].add_gateway_route(Default::default(), "10.0.1.254".parse().unwrap(), a_eth).unwrap();
    wire.nodes[b].add_gateway_route(Default::default(), "10.0.2.254".parse().unwrap(), b_eth).unwrap();
    wire.link((a, a_eth), (r, r_left));
    wire.link((r, r_right), (b, b_eth));
    wire
}
