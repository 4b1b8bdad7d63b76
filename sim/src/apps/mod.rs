//! Applications: sans-IO programs that run on an IP node's stack through its sockets.
//!
//! Each is thin glue: a protocol crate's state machine (later DHCP, DNS, TCP, TLS, HTTP,
//! the balancer) driven through [`stack::Stack`] sockets. A node holds any number of
//! them; it offers every scenario command to each in turn, lets each drain its sockets
//! after every input, and wakes each at its own deadline.

mod balancer;
mod dhcp;
mod dns;
mod http;
mod ping;
mod tcp_transfer;
mod udp_send;

use core::fmt;
use core::time::Duration;
use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddrV4};

use stack::{IcmpErrorKind, Stack};

pub use balancer::LbApp;
pub use dhcp::{DhcpClient, DhcpServer};
pub use dns::{DnsApp, DnsEvent};
pub use http::{ClientTrust, HttpEvent, HttpServer, HttpsClient};
pub use ping::Ping;
pub use tcp_transfer::{TcpSender, TcpSink};
pub use udp_send::UdpSend;

use crate::nodes::{Command, NodeEvent};

/// What an application can reach while it runs: the time, the node's stack, and the
/// node's event queue.
#[derive(Debug)]
pub struct AppContext<'a> {
    /// The current time.
    pub now: Duration,
    /// The node's IP stack.
    pub stack: &'a mut Stack,
    /// Events to record in the trace.
    pub events: &'a mut VecDeque<NodeEvent>,
    /// The node's seed: an application draws its randomness from a generator seeded from
    /// it (and its own salt), so runs are reproducible.
    pub seed: u64,
    /// The node's DNS servers, as `/etc/resolv.conf` holds them: the DHCP client writes
    /// its lease's servers here, and the stub resolver asks them.
    pub name_servers: &'a mut Vec<Ipv4Addr>,
    /// Names the node's stub resolver has resolved, with their first address (a host's
    /// resolver cache, as `getaddrinfo` would consult): an HTTPS client reads it.
    pub hosts: &'a mut std::collections::BTreeMap<String, Ipv4Addr>,
}

impl AppContext<'_> {
    /// Records an application event.
    pub fn report(&mut self, event: AppEvent) {
        self.events.push_back(NodeEvent::App(event));
    }
}

/// An application on an IP node, in the sans-IO shape.
pub trait App: fmt::Debug {
    /// The node has joined a simulation (its seed is known): open sockets, start servers.
    fn start(&mut self, _cx: &mut AppContext<'_>) {}
    /// A state change of the node's stack (an ARP conflict for a DHCP client's probe).
    fn handle_stack_event(&mut self, _cx: &mut AppContext<'_>, _event: &stack::StackEvent) {}
    /// An event of one of the node's TCP connections (every application sees every one,
    /// and keeps those of its own handles).
    fn handle_tcp_event(&mut self, _cx: &mut AppContext<'_>, _handle: stack::TcpHandle, _event: tcp::Event) {}
    /// A scenario command; returns whether this application took it.
    fn handle_command(&mut self, cx: &mut AppContext<'_>, command: &Command) -> bool;
    /// Something may have arrived on the application's sockets: read them.
    fn poll(&mut self, cx: &mut AppContext<'_>);
    /// When the application next needs [`App::handle_timeout`].
    fn poll_timeout(&self) -> Option<Duration>;
    /// Time has reached the deadline the application asked for.
    fn handle_timeout(&mut self, cx: &mut AppContext<'_>);
    /// Lines describing the application's tables at `now` (leases, caches, backends),
    /// for `packetflow run --state`.
    fn describe(&self, _now: Duration) -> Vec<String> {
        Vec::new()
    }
}

/// Why a ping command was refused before anything was sent (as `ping` refuses it).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum PingRefusal {
    /// More echo data than one datagram holds.
    TooLarge {
        /// The size asked for.
        size: usize,
        /// The most there is room for.
        max: usize,
    },
    /// TTL 0: a host must not send such a datagram (RFC 1122 §3.2.1.7).
    TtlZero,
    /// The stack would not open an echo socket or send.
    Stack(stack::SendError),
    /// No echo identifier was free.
    NoSocket(stack::BindError),
}

impl fmt::Display for PingRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { size, max } => write!(f, "packet size {size} is too large (at most {max})"),
            Self::TtlZero => f.write_str("TTL 0 is out of range 1..=255"),
            Self::Stack(error) => write!(f, "{error}"),
            Self::NoSocket(error) => write!(f, "{error}"),
        }
    }
}

/// A state change an application reports.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum AppEvent {
    /// The ping application sent an echo request.
    PingSent {
        /// Destination.
        dst: Ipv4Addr,
        /// Echo identifier (drawn from the node's RNG).
        ident: u16,
        /// Sequence number.
        seq_no: u16,
    },
    /// The ping application got its echo reply.
    PingReply {
        /// Who answered.
        from: Ipv4Addr,
        /// Sequence number.
        seq_no: u16,
        /// Round-trip time.
        rtt: Duration,
    },
    /// The ping command was refused.
    PingRefused(PingRefusal),
    /// An ICMP error came back about a datagram an application sent.
    IcmpError {
        /// Who sent the error.
        from: Ipv4Addr,
        /// What it says.
        error: IcmpErrorKind,
        /// Where the datagram was going.
        about: Ipv4Addr,
    },
    /// A UDP datagram went out.
    UdpSent {
        /// Destination address.
        dst: Ipv4Addr,
        /// Destination port.
        dst_port: u16,
        /// Payload length.
        len: usize,
    },
    /// A UDP datagram could not be sent.
    UdpRefused(stack::SendError),
    /// No UDP socket could be bound for sending.
    UdpBindFailed(stack::BindError),
    /// From the DHCP client.
    DhcpClient(::dhcp::client::ClientEvent),
    /// From the DHCP server.
    DhcpServer(::dhcp::server::ServerEvent),
    /// The DHCP client configured the interface from its lease.
    DhcpConfigured {
        /// The address and prefix.
        address: ipnet::Ipv4Net,
        /// The default gateway, if the lease named one.
        router: Option<Ipv4Addr>,
        /// The DNS servers the lease named.
        dns_servers: Vec<Ipv4Addr>,
    },
    /// A socket an application needs could not be opened.
    SocketFailed(stack::BindError),
    /// From a DNS application.
    Dns(DnsEvent),
    /// From an HTTP server or the HTTPS client.
    Http(HttpEvent),
    /// From the load balancer.
    Lb(::lb::LbEvent),
    /// A TCP transfer ended (completed, or reset or timed out part way).
    TcpSent {
        /// Where it went.
        to: SocketAddrV4,
        /// Bytes the connection accepted.
        bytes: usize,
        /// FNV-1a hash of those bytes.
        hash: u64,
        /// From connect to the end.
        elapsed: Duration,
        /// Whether every byte was sent and the connection closed in order.
        completed: bool,
    },
    /// A TCP sink read a whole stream.
    TcpReceived {
        /// The sender, while the connection is known.
        from: Option<SocketAddrV4>,
        /// Bytes received.
        bytes: usize,
        /// FNV-1a hash of the stream.
        hash: u64,
        /// Whether every byte was the expected one at its offset.
        in_order: bool,
    },
    /// A name to look up is not a valid domain name.
    BadName {
        /// The name as given.
        name: String,
        /// Why it is not one.
        error: String,
    },
}

impl fmt::Display for AppEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lb(event) => write!(f, "{event}"),
            Self::Http(event) => write!(f, "{event}"),
            Self::PingSent { dst, seq_no, .. } => write!(f, "ping {dst}: sent echo request seq {seq_no}"),
            Self::PingReply { from, seq_no, rtt } => {
                write!(f, "ping: reply from {from} seq {seq_no} time {:.3} ms", rtt.as_secs_f64() * 1e3)
            }
            Self::PingRefused(why) => write!(f, "ping: {why}"),
            Self::IcmpError { from, error, about } => {
                write!(f, "received ICMP {error} from {from} about a datagram to {about}")
            }
            Self::UdpSent { dst, dst_port, len } => write!(f, "sent {len} bytes of UDP to {dst}:{dst_port}"),
            Self::UdpRefused(error) => write!(f, "UDP send refused: {error}"),
            Self::UdpBindFailed(error) => write!(f, "UDP bind failed: {error}"),
            Self::DhcpClient(event) => write!(f, "DHCP client: {}", event.describe()),
            Self::DhcpServer(event) => write!(f, "DHCP server: {}", event.describe()),
            Self::DhcpConfigured { address, router, dns_servers } => {
                write!(f, "configured {address}")?;
                if let Some(router) = router {
                    write!(f, ", default gateway {router}")?;
                }
                if !dns_servers.is_empty() {
                    let servers: Vec<String> = dns_servers.iter().map(ToString::to_string).collect();
                    write!(f, ", DNS {}", servers.join(" "))?;
                }
                Ok(())
            }
            Self::SocketFailed(error) => write!(f, "cannot open a socket: {error}"),
            Self::Dns(event) => write!(f, "DNS: {event}"),
            Self::BadName { name, error } => write!(f, "cannot look up \"{name}\": {error}"),
            Self::TcpSent { to, bytes, elapsed, completed, .. } => write!(
                f,
                "TCP transfer to {to}: {bytes} bytes in {:.3} s{}",
                elapsed.as_secs_f64(),
                if *completed { "" } else { " (not completed)" }
            ),
            Self::TcpReceived { from, bytes, in_order, .. } => {
                let from = from.map_or_else(|| "a peer".to_owned(), |f| f.to_string());
                write!(
                    f,
                    "received {bytes} bytes from {from}{}",
                    if *in_order { "" } else { " (out of order!)" }
                )
            }
        }
    }
}
