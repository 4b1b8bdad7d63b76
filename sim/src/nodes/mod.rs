//! Nodes: what every simulated node looks like to the event loop, and the two kinds
//! there are — a learning switch, and an IP node (a `stack::Stack` plus applications).

mod ip_node;
mod netfilter;
mod switch;

pub use ip_node::{Host, IpNode, Router};
pub use netfilter::{Netfilter, NetfilterEvent};
pub use switch::Switch;

use core::fmt;
use core::time::Duration;
use std::net::Ipv4Addr;

use ethernet::MacAddress;

use crate::apps::AppEvent;

/// Index of a node in the simulation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct NodeId(pub usize);

/// Index of an interface (or switch port) within its node.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct IfaceId(pub usize);

/// An interface as `packetflow topology` shows it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InterfaceInfo {
    /// Name within the node (`eth0`, `lan`, `port1`).
    pub name: String,
    /// Hardware address; switch ports have none of their own here.
    pub mac: Option<MacAddress>,
    /// IPv4 address and prefix length, once configured.
    pub ipv4: Option<(Ipv4Addr, u8)>,
}

/// Something an application or the scenario asks a node to do at a given time.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Command {
    /// Resolve this IPv4 address with ARP (queueing nothing behind it).
    Resolve(Ipv4Addr),
    /// Send `count` ICMP echo requests to `dst`, one per `interval`, each with `size`
    /// bytes of data (as `ping -c count -i interval -s size`).
    Ping {
        /// Destination.
        dst: Ipv4Addr,
        /// Number of echo requests.
        count: u16,
        /// Time between requests.
        interval: Duration,
        /// Bytes of echo data (56 by default, as ping sends).
        size: usize,
        /// TTL of the requests (64 by default; `ping -t`).
        ttl: u8,
    },
    /// Start the DHCP client on the node's first interface (as `dhclient eth0`).
    Dhcp,
    /// Send `len` bytes to `to` over a new TCP connection, then close it (as
    /// `head -c len /dev/zero | nc host port`).
    TcpSend {
        /// The receiver.
        to: std::net::SocketAddrV4,
        /// How many bytes.
        len: usize,
    },
    /// Look up a name's IPv4 address with the node's stub resolver (as `host -t A`).
    Lookup {
        /// The name, e.g. `www.example.com`.
        name: String,
    },
    /// Fetch a URL over HTTPS (as `curl https://www.example.com/`), `requests` times on one
    /// connection; the host name must have been looked up first ([`Command::Lookup`]).
    Fetch {
        /// The URL, `https://host/path`.
        url: String,
        /// How many GETs on the connection.
        requests: u32,
    },
    /// Send one UDP datagram (as `nc -u`).
    SendUdp {
        /// Destination address.
        dst: Ipv4Addr,
        /// Source port.
        src_port: u16,
        /// Destination port.
        dst_port: u16,
        /// Payload.
        payload: Vec<u8>,
    },
}

/// Why a switch flooded a frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FloodReason {
    /// The destination is the broadcast address.
    Broadcast,
    /// The destination is a multicast address.
    Multicast,
    /// The destination is a unicast address the switch has not learned.
    UnknownUnicast,
}

/// What a switch did with one frame.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum SwitchDecision {
    /// Sent out of the one port its MAC table names.
    Forwarded {
        /// The port's name.
        port: String,
    },
    /// Sent out of every port but the ingress one.
    Flooded {
        /// The ports' names.
        ports: Vec<String>,
        /// Why.
        reason: FloodReason,
    },
    /// Sent nowhere (destination on the ingress port, or an invalid source).
    Filtered,
}

/// The name the simulator gives a switch port: `port1` for `PortId(0)`.
pub(crate) fn port_name(port: ::switch::PortId) -> String {
    format!("port{}", u32::from(port.0) + 1)
}

fn fmt_bridge_event(event: &::switch::BridgeEvent, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    use ::switch::BridgeEvent;
    match event {
        BridgeEvent::Learned { mac, port } => write!(f, "learned {mac} on {}", port_name(*port)),
        BridgeEvent::Moved { mac, from, to } => {
            write!(f, "{mac} moved from {} to {}", port_name(*from), port_name(*to))
        }
        BridgeEvent::Aged { mac, port } => write!(f, "{mac} on {} aged out", port_name(*port)),
        other => write!(f, "{other}"),
    }
}

/// What kind of node this is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum NodeKind {
    /// An end host (RFC 1122): one or more interfaces, no forwarding.
    Host,
    /// A router (RFC 1812): forwards between its interfaces.
    Router,
    /// A learning switch (IEEE 802.1D).
    Switch,
}

impl fmt::Display for NodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Host => "host",
            Self::Router => "router",
            Self::Switch => "switch",
        })
    }
}

/// A state change a node reports; the trace records it with the time and node.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum NodeEvent {
    /// From the node's IP stack (ARP, routing, forwarding, ICMP, drops).
    Stack(stack::StackEvent),
    /// From a switch's learning bridge.
    Bridge(::switch::BridgeEvent),
    /// A switch's forwarding decision for one frame.
    Switched {
        /// The frame's destination.
        dst: MacAddress,
        /// What the switch did.
        decision: SwitchDecision,
    },
    /// A switch dropped a frame it could not parse.
    BadFrame(ethernet::ParseError),
    /// The receiving port's FCS check failed: the frame was dropped before the node saw
    /// it (recorded by the simulation, as a NIC's error counter would count it).
    FcsError {
        /// The port or interface that dropped it.
        interface: String,
        /// The frame's length.
        len: usize,
    },
    /// From the node's connection tracking, NAT or filter.
    Netfilter(NetfilterEvent),
    /// From an application.
    App(AppEvent),
    /// A scenario command the node started.
    Command(Command),
}

impl fmt::Display for NodeEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bridge(event) => fmt_bridge_event(event, f),
            Self::Switched { dst, decision: SwitchDecision::Forwarded { port } } => {
                write!(f, "{dst} is in the MAC table on {port}: forwarded there only")
            }
            Self::Switched { decision: SwitchDecision::Flooded { ports, reason }, .. } => {
                let why = match reason {
                    FloodReason::Broadcast => "broadcast",
                    FloodReason::Multicast => "multicast",
                    FloodReason::UnknownUnicast => "unknown unicast",
                };
                write!(f, "{why}: flooded to {}", ports.join(", "))
            }
            Self::Switched { dst, decision: SwitchDecision::Filtered } => {
                write!(f, "{dst} is on the ingress port: filtered")
            }
            Self::BadFrame(error) => write!(f, "dropped a bad Ethernet frame: {error}"),
            Self::FcsError { interface, len } => {
                write!(f, "FCS error: {len}-byte frame dropped by {interface}")
            }
            Self::Stack(event) => write!(f, "{event}"),
            Self::App(event) => write!(f, "{event}"),
            Self::Netfilter(event) => write!(f, "{event}"),
            Self::Command(Command::Resolve(ip)) => write!(f, "asked to resolve {ip}"),
            Self::Command(Command::Dhcp) => write!(f, "dhclient: asked for an address"),
            Self::Command(Command::Lookup { name }) => write!(f, "host -t A {name}"),
            Self::Command(Command::TcpSend { to, len }) => write!(f, "send {len} bytes to {to} over TCP"),
            Self::Command(Command::Ping { dst, count, .. }) => write!(f, "ping -c {count} {dst}"),
            Self::Command(Command::Fetch { url, requests: 1 }) => write!(f, "curl {url}"),
            Self::Command(Command::Fetch { url, requests }) => write!(f, "curl {url} ({requests} requests)"),
            Self::Command(Command::SendUdp { dst, dst_port, payload, .. }) => {
                write!(f, "send {} bytes of UDP to {dst}:{dst_port}", payload.len())
            }
        }
    }
}

/// A node of the simulated network, in the sans-IO shape every protocol crate follows:
/// feed it input (`handle_*`), drain its output (`poll_*`), and wake it at
/// `poll_timeout()`.
pub trait Node: fmt::Debug {
    /// The node's name (`cl1`, `sw1`).
    fn name(&self) -> &str;
    /// What kind of node this is.
    fn kind(&self) -> NodeKind;
    /// The simulation gives the node its own random seed, derived from the run's seed and
    /// the node's name, when the node is added.
    fn seed(&mut self, _seed: u64) {}
    /// Its interfaces, in `IfaceId` order.
    fn interfaces(&self) -> Vec<InterfaceInfo>;
    /// A frame arrived on `iface`.
    fn handle_frame(&mut self, now: Duration, iface: IfaceId, frame: &[u8]);
    /// A scenario command; nodes without commands ignore them.
    fn handle_command(&mut self, _now: Duration, _command: &Command) {}
    /// The next frame to send, and on which interface.
    fn poll_transmit(&mut self) -> Option<(IfaceId, Vec<u8>)>;
    /// The next state change to record (none for a node that records nothing).
    fn poll_event(&mut self) -> Option<NodeEvent> {
        None
    }
    /// When the node next needs [`Node::handle_timeout`] (never for a node without
    /// timers).
    fn poll_timeout(&self) -> Option<Duration> {
        None
    }
    /// Time has reached a deadline the node asked for.
    fn handle_timeout(&mut self, _now: Duration) {}
    /// Lines describing the node's tables (ARP cache, MAC table) at `now`.
    fn describe_state(&self, now: Duration) -> Vec<String>;
    /// The link on `iface` carries at most `mtu` bytes of payload per frame.
    fn set_link_mtu(&mut self, _iface: IfaceId, _mtu: usize) {}
    /// The node's routing table, one route per line (none for a switch).
    fn routes(&self) -> Vec<String> {
        Vec::new()
    }
}
