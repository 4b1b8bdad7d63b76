//! What the stack reports: typed state changes and typed reasons for every drop.

use core::fmt;
use std::net::Ipv4Addr;

use icmp::{TimeExceededCode, UnreachableCode};
use ipnet::Ipv4Net;

use crate::hook::HookPoint;
use crate::interface::IfaceId;

/// The layer a datagram was dropped at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Layer {
    /// Ethernet framing and the NIC's address filter.
    Link,
    /// ARP resolution and ARP packets.
    Arp,
    /// IPv4: header checks, routing, forwarding, fragmentation, reassembly.
    Ip,
    /// ICMP messages.
    Icmp,
    /// UDP datagrams and sockets.
    Udp,
    /// TCP segments.
    Tcp,
    /// A netfilter-style hook's verdict.
    Hook,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Link => "link",
            Self::Arp => "ARP",
            Self::Ip => "IP",
            Self::Icmp => "ICMP",
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
            Self::Hook => "hook",
        })
    }
}

/// An ICMP error, as a socket or the narrative needs it: what went wrong, not the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IcmpErrorKind {
    /// Destination Unreachable with this code (other than fragmentation needed).
    Unreachable(UnreachableCode),
    /// Destination Unreachable, fragmentation needed and DF set (RFC 1191).
    FragmentationNeeded {
        /// The next-hop MTU the router reported (0 from pre-RFC 1191 routers).
        mtu: u16,
    },
    /// Time Exceeded with this code.
    TimeExceeded(TimeExceededCode),
}

impl fmt::Display for IcmpErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreachable(code) => write!(f, "Destination Unreachable ({code})"),
            Self::FragmentationNeeded { mtu } => {
                write!(f, "Destination Unreachable (Fragmentation Needed, next-hop MTU {mtu})")
            }
            Self::TimeExceeded(code) => write!(f, "Time Exceeded ({code})"),
        }
    }
}

/// Why the stack dropped a frame or datagram. [`DropReason::layer`] names the layer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// The frame is not well-formed Ethernet.
    BadFrame(ethernet::ParseError),
    /// The ARP packet is malformed.
    BadArp(arp::ParseError),
    /// The IPv4 header is malformed or its checksum is wrong.
    BadIpv4(ipv4::ParseError),
    /// The UDP datagram is malformed or its checksum is wrong.
    BadUdp(udp::ParseError),
    /// The ICMP message is malformed or its checksum is wrong.
    BadIcmp(icmp::ParseError),
    /// A unicast IP destination inside a link-layer broadcast or multicast frame
    /// (RFC 1122 §3.3.6, RFC 1812 §5.3.4).
    LinkBroadcastToUnicast {
        /// The datagram's destination.
        dst: Ipv4Addr,
    },
    /// A host received a datagram for another address (hosts do not forward).
    NotForThisHost {
        /// The datagram's destination.
        dst: Ipv4Addr,
    },
    /// No route matches the destination.
    NoRoute {
        /// The destination looked up.
        dst: Ipv4Addr,
    },
    /// The datagram's TTL ran out at this router.
    TtlExceeded {
        /// Its destination.
        dst: Ipv4Addr,
    },
    /// RFC 1812 says to discard it silently (martian address, limited broadcast…).
    NotForwarded(ipv4::forward::DropReason),
    /// The datagram needs fragmentation but has DF set.
    FragmentationNeeded {
        /// Its destination.
        dst: Ipv4Addr,
        /// The egress MTU.
        mtu: usize,
    },
    /// The datagram could not be built or fragmented.
    CannotSend {
        /// Its destination.
        dst: Ipv4Addr,
        /// What went wrong.
        error: SendError,
    },
    /// A fragment was refused by reassembly.
    Fragment(ipv4::ReassemblyError),
    /// Reassembly of a datagram timed out.
    ReassemblyTimeout {
        /// Its source.
        src: Ipv4Addr,
        /// Its identification.
        ident: u16,
    },
    /// The queue of datagrams waiting for ARP for this next hop was full.
    ArpQueueFull {
        /// The next hop being resolved.
        next_hop: Ipv4Addr,
    },
    /// ARP for the next hop failed; the datagram is reported host-unreachable.
    NeighborUnreachable {
        /// The next hop that did not answer.
        next_hop: Ipv4Addr,
    },
    /// No UDP socket is bound to the port (answered with ICMP port unreachable unless the
    /// datagram was broadcast).
    PortUnreachable {
        /// The destination port.
        port: u16,
    },
    /// The socket's receive queue was full.
    SocketQueueFull {
        /// The socket's port.
        port: u16,
    },
    /// No transport here speaks this protocol (answered with ICMP protocol unreachable).
    ProtocolUnreachable {
        /// The IP protocol number.
        protocol: ipv4::IpProtocol,
    },
    /// The TCP segment is malformed or its checksum is wrong.
    BadTcp(tcp::ParseError),
    /// A TCP segment for a port nobody listens on (answered with a RST, RFC 9293
    /// §3.10.7.1, unless it was one).
    TcpPortClosed {
        /// The destination port.
        port: u16,
    },
    /// A hook dropped the datagram.
    Hook {
        /// Where the hook sits.
        point: HookPoint,
        /// The hook's name.
        hook: String,
        /// What the hook said.
        reason: String,
    },
    /// A hook rejected the datagram; an ICMP error or TCP RST went back to its source.
    Rejected {
        /// Where the hook sits.
        point: HookPoint,
        /// The hook's name.
        hook: String,
    },
    /// A hook left bytes that are no longer a valid IPv4 datagram.
    HookMangled {
        /// Where the hook sits.
        point: HookPoint,
        /// The hook's name.
        hook: String,
        /// Why the result does not parse.
        error: ipv4::ParseError,
    },
}

impl DropReason {
    /// The layer the datagram was dropped at.
    pub const fn layer(&self) -> Layer {
        match self {
            Self::BadFrame(_) | Self::LinkBroadcastToUnicast { .. } => Layer::Link,
            Self::BadArp(_) | Self::ArpQueueFull { .. } | Self::NeighborUnreachable { .. } => Layer::Arp,
            Self::BadIcmp(_) => Layer::Icmp,
            Self::BadUdp(_) | Self::PortUnreachable { .. } | Self::SocketQueueFull { .. } => Layer::Udp,
            Self::TcpPortClosed { .. } | Self::BadTcp(_) => Layer::Tcp,
            Self::Hook { .. } | Self::Rejected { .. } | Self::HookMangled { .. } => Layer::Hook,
            Self::BadIpv4(_)
            | Self::NotForThisHost { .. }
            | Self::NoRoute { .. }
            | Self::TtlExceeded { .. }
            | Self::NotForwarded(_)
            | Self::FragmentationNeeded { .. }
            | Self::CannotSend { .. }
            | Self::Fragment(_)
            | Self::ReassemblyTimeout { .. }
            | Self::ProtocolUnreachable { .. } => Layer::Ip,
        }
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadFrame(error) => write!(f, "bad Ethernet frame: {error}"),
            Self::BadArp(error) => write!(f, "bad ARP packet: {error}"),
            Self::BadIpv4(error) => write!(f, "bad IPv4 packet: {error}"),
            Self::BadUdp(error) => write!(f, "bad UDP datagram: {error}"),
            Self::BadIcmp(error) => write!(f, "bad ICMP message: {error}"),
            Self::LinkBroadcastToUnicast { dst } => {
                write!(f, "datagram to unicast {dst} arrived as a link-layer broadcast")
            }
            Self::NotForThisHost { dst } => write!(f, "datagram for {dst}, not for this host"),
            Self::NoRoute { dst } => write!(f, "no route to {dst}"),
            Self::TtlExceeded { dst } => write!(f, "TTL of a datagram to {dst} ran out"),
            Self::NotForwarded(reason) => write!(f, "not forwarded: {reason}"),
            Self::FragmentationNeeded { dst, mtu } => {
                write!(f, "datagram to {dst} needs fragmentation for MTU {mtu} but has DF set")
            }
            Self::CannotSend { dst, error } => write!(f, "cannot send to {dst}: {error}"),
            Self::Fragment(error) => write!(f, "fragment refused: {error}"),
            Self::ReassemblyTimeout { src, ident } => {
                write!(f, "reassembly of datagram {ident:#06x} from {src} timed out")
            }
            Self::ArpQueueFull { next_hop } => write!(f, "ARP queue for {next_hop} is full"),
            Self::NeighborUnreachable { next_hop } => write!(f, "{next_hop} does not answer ARP"),
            Self::PortUnreachable { port } => write!(f, "no UDP socket on port {port}"),
            Self::SocketQueueFull { port } => write!(f, "receive queue of UDP port {port} is full"),
            Self::ProtocolUnreachable { protocol } => {
                write!(f, "no transport for IP protocol {}", protocol.0)
            }
            Self::TcpPortClosed { port } => write!(f, "no TCP endpoint on port {port}"),
            Self::BadTcp(error) => write!(f, "bad TCP segment: {error}"),
            Self::Hook { point, hook, reason } => write!(f, "{hook} at {point} dropped it: {reason}"),
            Self::Rejected { point, hook } => write!(f, "{hook} at {point} rejected it"),
            Self::HookMangled { point, hook, error } => {
                write!(f, "{hook} at {point} left an invalid datagram: {error}")
            }
        }
    }
}

/// Why the stack could not send a datagram an application asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// No route matches the destination.
    #[error("no route to host")]
    NoRoute,
    /// The route's interface has no address and the socket is not bound to a device.
    #[error("no source address: the interface has no address yet")]
    NoSourceAddress,
    /// No such socket (closed, or never opened).
    #[error("no such socket")]
    NoSuchSocket,
    /// No such interface.
    #[error("no such interface")]
    NoSuchInterface,
    /// The payload does not fit one datagram.
    #[error("message too long: {len} bytes")]
    TooLong {
        /// The payload's length.
        len: usize,
    },
    /// Fragmentation failed (an MTU too small for any fragment).
    #[error("cannot fragment for MTU {mtu}")]
    CannotFragment {
        /// The egress MTU.
        mtu: usize,
    },
}

/// A state change the stack reports; a simulator records these in its trace.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StackEvent {
    /// From an interface's neighbour cache.
    Arp {
        /// The interface.
        iface: IfaceId,
        /// What happened.
        event: arp::ArpEvent,
    },
    /// An explicit resolution ([`crate::Stack::resolve`]) found the neighbour already in
    /// the cache: no ARP needed.
    NeighborKnown {
        /// The interface.
        iface: IfaceId,
        /// The neighbour.
        ip: Ipv4Addr,
        /// Its hardware address, from the cache.
        mac: ethernet::MacAddress,
    },
    /// An interface got an address (and a connected route).
    AddressAdded {
        /// The interface.
        iface: IfaceId,
        /// Its address and prefix.
        net: Ipv4Net,
    },
    /// An interface lost its address (and its connected route).
    AddressRemoved {
        /// The interface.
        iface: IfaceId,
        /// The address it had.
        net: Ipv4Net,
    },
    /// The routing table chose a next hop for a datagram this node originates.
    RouteLookup {
        /// Destination looked up.
        dst: Ipv4Addr,
        /// Chosen next hop (the destination itself when on-link).
        next_hop: Ipv4Addr,
        /// Whether the destination is on a connected network.
        on_link: bool,
        /// Egress interface's name.
        interface: String,
    },
    /// A router forwarded a datagram.
    Forwarded {
        /// Destination.
        dst: Ipv4Addr,
        /// Next hop.
        next_hop: Ipv4Addr,
        /// Ingress interface's name.
        from: String,
        /// Egress interface's name.
        to: String,
    },
    /// The echo responder answered a request (RFC 1122 §3.2.2.6).
    EchoAnswered {
        /// The pinger.
        to: Ipv4Addr,
        /// Echo identifier.
        ident: u16,
        /// Echo sequence number.
        seq_no: u16,
    },
    /// Fragments were put back together into one datagram.
    Reassembled {
        /// Source of the datagram.
        src: Ipv4Addr,
        /// Its identification field.
        ident: u16,
        /// Its total length.
        len: usize,
    },
    /// An ICMP error went back to a datagram's source.
    IcmpErrorSent {
        /// The source being told.
        to: Ipv4Addr,
        /// What it says.
        error: IcmpErrorKind,
        /// The destination of the datagram it is about.
        about: Ipv4Addr,
    },
    /// Something was dropped, and why.
    Dropped(DropReason),
}

impl fmt::Display for StackEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Arp { event, .. } => write!(f, "ARP: {event}"),
            Self::NeighborKnown { ip, mac, .. } => write!(f, "{ip} is already known to be at {mac}"),
            Self::AddressAdded { net, .. } => write!(f, "address {net} added"),
            Self::AddressRemoved { net, .. } => write!(f, "address {net} removed"),
            Self::RouteLookup { dst, next_hop, on_link: true, interface } => {
                write!(f, "route lookup: {dst} is on-link via {interface} (next hop {next_hop})")
            }
            Self::RouteLookup { dst, next_hop, interface, .. } => {
                write!(f, "route lookup: {dst} via gateway {next_hop} on {interface}")
            }
            Self::Forwarded { dst, next_hop, from, to } => {
                write!(f, "forwarded to {dst}: {from} → {to}, next hop {next_hop}, TTL decremented")
            }
            Self::EchoAnswered { to, ident, seq_no } => {
                write!(f, "answered echo request from {to} (id {ident:#06x}, seq {seq_no})")
            }
            Self::Reassembled { src, ident, len } => {
                write!(f, "reassembled datagram {ident:#06x} from {src} ({len} bytes)")
            }
            Self::IcmpErrorSent { to, error, about } => {
                write!(f, "sent ICMP {error} to {to} about a datagram to {about}")
            }
            Self::Dropped(reason) => write!(f, "dropped ({} layer): {reason}", reason.layer()),
        }
    }
}
